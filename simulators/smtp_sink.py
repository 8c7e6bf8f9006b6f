"""SMTP sink: a real SMTP server (aiosmtpd) that keeps every message, with a JSON state API.

    python -m simulators.smtp_sink --smtp-port 8025 --api-port 8026

SMTP side: accepts any sender, records each message (Message-ID, envelope recipients, subject,
Content-Language, plain-text body) and counts a message whose Message-ID it already holds as a
duplicate (it is still answered 250, as a relay would, so duplicates are visible, not hidden).

State API (HTTP JSON on the api port):
    GET  /_sim/state                      {"received": n, "duplicates": d, "faults": {...}}
    GET  /_sim/messages?message_id=ID&…   the messages with these Message-IDs,
                                          or ?to=ADDRESS, or all (?limit=N, newest last)
    POST /_sim/messages/search            {"message_ids": [...]}: the same for a whole batch
    POST /_sim/reset                      forget every message and clear the faults
    POST /_sim/faults                     {"delay_seconds": 2.5 (before each RCPT reply), "data_delay_seconds": 2.5
                                           (before the reply to the message), "refuse": {"addr@x": "550 5.1.1 No such user"},
                                           "refuse_all": "451 4.3.0 Try again later"}

The search by Message-ID is what the e-mail adapter's `lookup` uses to reconcile a send whose
outcome is unknown. SMTP itself has no such query: a production relay needs an equivalent (a
message-tracking API, e.g. Postfix logs indexed by Message-ID, or the provider's events API).
"""
from __future__ import annotations

import asyncio
import email
import email.parser
import email.policy
import time
from collections import Counter

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from simulators.runtime import HOST, arguments_parse, faults_update, json_body, json_error, ports_announce, run_forever, site_start

MAX_MESSAGE_BYTES = 1024 * 1024
FAULTS = {"delay_seconds": (int, float), "data_delay_seconds": (int, float), "refuse": dict, "refuse_all": str}
_HEADERS_ONLY = email.parser.BytesParser(policy=email.policy.compat32)


class SinkState:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.messages: list[dict] = []
        self.by_message_id: dict[str, dict] = {}
        self.seen: Counter[str] = Counter()
        self.duplicates = 0
        self.refused = 0
        self.faults: dict = {"delay_seconds": 0, "data_delay_seconds": 0, "refuse": {}, "refuse_all": None}

    def record(self, envelope: Envelope) -> None:
        """Keep the message; only its Message-ID is read now (the rest when someone asks, see `shown`)."""
        raw = envelope.original_content or envelope.content
        headers = _HEADERS_ONLY.parsebytes(raw, headersonly=True)
        message_id = str(headers.get("Message-ID", "")).strip()
        message = {"message_id": message_id, "from": envelope.mail_from, "to": list(envelope.rcpt_tos), "received_at": time.time(), "_raw": raw}
        self.seen[message_id] += 1
        if message_id and self.seen[message_id] > 1:
            self.duplicates += 1
        else:
            self.by_message_id.setdefault(message_id, message)
        self.messages.append(message)


def shown(message: dict) -> dict:
    """The message as the state API shows it: subject, Content-Language and plain-text body parsed
    from the stored bytes once (parsing every message on arrival cost the sink more than the sending)."""
    raw = message.pop("_raw", None)
    if raw is not None:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        body_part = parsed.get_body(preferencelist=("plain",))
        message["subject"] = str(parsed.get("Subject", ""))
        message["language"] = str(parsed.get("Content-Language", ""))
        message["body"] = body_part.get_content() if body_part is not None else ""
    return message


class SinkHandler:
    def __init__(self, state: SinkState) -> None:
        self.state = state

    async def _delay(self) -> None:
        delay = self.state.faults.get("delay_seconds") or 0
        if delay:
            await asyncio.sleep(delay)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options):  # noqa: N802
        await self._delay()
        reply = (self.state.faults.get("refuse") or {}).get(address.lower()) or self.state.faults.get("refuse_all")
        if reply:
            self.state.refused += 1
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):  # noqa: N802
        delay = self.state.faults.get("data_delay_seconds") or 0
        if delay:  # a relay slow to take the message: it keeps it, but answers late
            await asyncio.sleep(delay)
        self.state.record(envelope)
        return "250 OK: queued"


def api_build(state: SinkState) -> web.Application:
    routes = web.RouteTableDef()

    @routes.get("/_sim/state")
    async def state_get(request: web.Request) -> web.Response:
        return web.json_response({"received": len(state.by_message_id), "duplicates": state.duplicates, "refused": state.refused, "transactions": len(state.messages), "faults": state.faults})

    @routes.get("/_sim/messages")
    async def messages_get(request: web.Request) -> web.Response:
        ids = request.query.getall("message_id", [])
        if ids:
            found = [shown(state.by_message_id[i]) for i in ids if i in state.by_message_id]
            return web.json_response({"messages": found})
        to = request.query.get("to")
        messages = [m for m in state.messages if not to or to in m["to"]]
        try:
            limit = int(request.query.get("limit", "1000"))
        except ValueError:
            raise json_error(400, "limit must be a number") from None
        return web.json_response({"messages": [shown(m) for m in messages[-limit:]]})

    @routes.post("/_sim/messages/search")
    async def messages_search(request: web.Request) -> web.Response:
        ids = (await json_body(request)).get("message_ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise json_error(400, "message_ids must be a list of strings")
        return web.json_response({"messages": [shown(state.by_message_id[i]) for i in ids if i in state.by_message_id]})

    @routes.post("/_sim/reset")
    async def reset(request: web.Request) -> web.Response:
        state.reset()
        return web.json_response({"ok": True})

    @routes.post("/_sim/faults")
    async def faults(request: web.Request) -> web.Response:
        changes = await json_body(request)
        if isinstance(changes.get("refuse"), dict):
            changes["refuse"] = {k.lower(): v for k, v in changes["refuse"].items()}
        return web.json_response({"faults": faults_update(state.faults, changes, FAULTS)})

    app = web.Application(client_max_size=MAX_MESSAGE_BYTES)
    app.add_routes(routes)
    return app


def main(argv=None) -> None:
    args = arguments_parse("SMTP sink with a JSON state API", ports=("smtp_port", "api_port"), argv=argv)

    async def start():
        state = SinkState()
        handler = SinkHandler(state)
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="smtp-sink.localhost", data_size_limit=MAX_MESSAGE_BYTES, decode_data=False, ident="Pronoia SMTP sink"),
            HOST,
            args.smtp_port,
            backlog=1024,
        )
        runner, api_port = await site_start(api_build(state), args.api_port)
        ports_announce({"smtp_port": server.sockets[0].getsockname()[1], "api_port": api_port}, args.ports_file)

        async def cleanup():
            server.close()
            await runner.cleanup()

        return cleanup

    run_forever(start)


if __name__ == "__main__":
    main()
