"""SMS gateway: an HTTP JSON API like a commercial gateway's, with signed delivery receipts by callback.

    python -m simulators.sms_gateway --port 8027 --api-key demo-sms-key --receipt-secret demo-receipt-secret \
        --callback-url http://127.0.0.1:8000/notifications/receipts/sms

Gateway API (header `X-Api-Key` required):
    POST /messages  {"to": "+302101234567", "body": "...", "reference": "abc", "callback_url": "..."(optional)}
        201 {"id", "reference", "to", "status": "accepted"}; the same reference again answers 200 with
        the first message (idempotent on the client reference; counted as a duplicate, never sent again)
        400 {"error", "field"} for a malformed request; 401 for a wrong key
    GET  /messages/<reference>  200 the message with its latest status, 404 when unknown

Receipts: after accepting, the gateway POSTs to the callback URL (the message's, else the account's)
first {"status": "accepted"} and then the outcome: "delivered", or "failed" with a reason:
"invalid_number" (a number ending in 0000, or listed in the `invalid_numbers` fault: permanent) or
"handset_off" (ending in 0001, or in `handset_off_numbers`: temporary). Each receipt is JSON
{"id", "reference", "status", "reason", "timestamp"}. Receipts due for one callback URL go out
together, like a commercial gateway's delivery reports: `{"receipts": [receipt, …]}` with up to
`receipts_batch_size` (100) receipts, sent when the batch is full or 50 ms after its first receipt;
with `receipts_batch_size` 1 each receipt is the body on its own. The body is signed with the shared
secret: `X-Gateway-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. A request not
answered 2xx is retried with backoff (5 attempts); a message's next receipt waits for the last.

State API: GET /_sim/state, GET /_sim/messages?reference=R&…, POST /_sim/reset,
POST /_sim/config {"callback_url", "receipt_secret"}, POST /_sim/faults with any of
    delay_seconds      answer every request to /messages this much later
    fail_next          answer the next N submissions 503 without keeping them
    accept_then_fail   keep the next N submissions but answer 500 (the sender cannot know it went)
    receipts_twice     send every receipt twice
    receipts_out_of_order  send the outcome before the "accepted" receipt
    receipt_delay_seconds  time between the two receipts (default 0.05)
    receipts_off       send no receipts at all (the portal must ask with GET /messages/<reference>)
    receipts_batch_size  receipts per callback request (default 100; 1: one receipt per request)
    invalid_numbers, handset_off_numbers  lists of numbers with that outcome
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from simulators.runtime import arguments_parse, faults_update, json_body, json_error, ports_announce, run_forever, site_start

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BODY_CHARS = 1600
RECEIPT_ATTEMPTS = 5
RECEIPT_CONCURRENCY = 32
RECEIPT_BATCH_WAIT_SECONDS = 0.05
FAULTS = {
    "delay_seconds": (int, float),
    "fail_next": int,
    "accept_then_fail": int,
    "receipts_twice": bool,
    "receipts_out_of_order": bool,
    "receipt_delay_seconds": (int, float),
    "receipts_off": bool,
    "receipts_batch_size": int,
    "invalid_numbers": list,
    "handset_off_numbers": list,
}


def receipt_sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for a receipt body (the portal checks the same)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _default_faults() -> dict:
    return {
        "delay_seconds": 0,
        "fail_next": 0,
        "accept_then_fail": 0,
        "receipts_twice": False,
        "receipts_out_of_order": False,
        "receipt_delay_seconds": 0.05,
        "receipts_off": False,
        "receipts_batch_size": 100,
        "invalid_numbers": [],
        "handset_off_numbers": [],
    }


class Gateway:
    def __init__(self, *, api_key: str, receipt_secret: str, callback_url: str) -> None:
        self.api_key = api_key
        self.receipt_secret = receipt_secret
        self.callback_url = callback_url
        self.session: aiohttp.ClientSession | None = None
        self.receipt_slots = asyncio.Semaphore(RECEIPT_CONCURRENCY)
        self.reset()

    def reset(self) -> None:
        self.messages: dict[str, dict] = {}
        self.duplicates = 0
        self.duplicate_references: list[str] = []  # the first 100, to see which
        self.rejected = 0
        self.receipts_sent = 0
        self.receipts_failed = 0
        self.receipts_pending = 0
        self.receipt_requests = 0
        self.receipt_batches: dict[str, list[tuple[dict, asyncio.Future]]] = {}
        self.receipt_timers: dict[str, asyncio.TimerHandle] = {}
        self.faults = _default_faults()

    def outcome(self, number: str) -> tuple[str, str | None]:
        if number in self.faults["invalid_numbers"] or number.endswith("0000"):
            return "failed", "invalid_number"
        if number in self.faults["handset_off_numbers"] or number.endswith("0001"):
            return "failed", "handset_off"
        return "delivered", None

    def receipts_schedule(self, message: dict, callback_url: str) -> None:
        if self.faults["receipts_off"] or not callback_url:
            return
        final_status, reason = self.outcome(message["to"])
        sequence = [("accepted", None), (final_status, reason)]
        if self.faults["receipts_out_of_order"]:
            sequence.reverse()
        copies = 2 if self.faults["receipts_twice"] else 1
        self.receipts_pending += 1
        asyncio.get_running_loop().create_task(self._receipts_send(message, callback_url, sequence, copies))

    async def _receipts_send(self, message: dict, callback_url: str, sequence, copies: int) -> None:
        try:
            for index, (status, reason) in enumerate(sequence):
                if index:
                    await asyncio.sleep(self.faults["receipt_delay_seconds"])
                if status != "accepted":
                    message["status"], message["reason"] = status, reason
                for _copy in range(copies):
                    await self._receipt_deliver(callback_url, {"id": message["id"], "reference": message["reference"], "status": status, "reason": reason, "timestamp": datetime.now(UTC).isoformat()})
        finally:
            self.receipts_pending -= 1

    async def _receipt_deliver(self, url: str, receipt: dict) -> None:
        """Send `receipt` in the next batch for `url`; returns once that batch's request is over."""
        size = max(1, int(self.faults["receipts_batch_size"]))
        if size == 1:
            await self._receipts_post(url, [receipt], batched=False)
            return
        done = asyncio.get_running_loop().create_future()
        batch = self.receipt_batches.setdefault(url, [])
        batch.append((receipt, done))
        if len(batch) >= size:
            self._batch_flush(url)
        elif url not in self.receipt_timers:
            self.receipt_timers[url] = asyncio.get_running_loop().call_later(RECEIPT_BATCH_WAIT_SECONDS, self._batch_flush, url)
        await done

    def _batch_flush(self, url: str) -> None:
        timer = self.receipt_timers.pop(url, None)
        if timer is not None:
            timer.cancel()
        batch = self.receipt_batches.pop(url, [])
        if batch:
            asyncio.get_running_loop().create_task(self._batch_post(url, batch))

    async def _batch_post(self, url: str, batch: list[tuple[dict, asyncio.Future]]) -> None:
        try:
            await self._receipts_post(url, [receipt for receipt, _done in batch], batched=True)
        finally:
            for _receipt, done in batch:
                if not done.done():
                    done.set_result(None)

    async def _receipts_post(self, url: str, receipts: list[dict], *, batched: bool) -> None:
        body = json.dumps({"receipts": receipts} if batched else receipts[0]).encode()
        delay = 0.2
        async with self.receipt_slots:
            for _attempt in range(RECEIPT_ATTEMPTS):
                headers = {"Content-Type": "application/json", "X-Gateway-Signature": receipt_sign(self.receipt_secret, body, int(time.time()))}
                self.receipt_requests += 1
                try:
                    async with self.session.post(url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=30)) as response:
                        await response.read()
                        if 200 <= response.status < 300:
                            self.receipts_sent += len(receipts)
                            return
                        if 400 <= response.status < 500 and response.status not in (408, 409, 429):
                            break  # the portal refused it for good: retrying would not help
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
                await asyncio.sleep(delay)
                delay *= 2
        self.receipts_failed += len(receipts)


def message_parse(data: dict) -> dict:
    """The submission's fields, or a 400 naming the field."""
    to, body, reference = data.get("to"), data.get("body"), data.get("reference")
    if not isinstance(to, str) or not E164.match(to):
        raise json_error(400, "to must be a phone number in E.164 form (+ and 7 to 15 digits)", field="to")
    if not isinstance(body, str) or not body or len(body) > MAX_BODY_CHARS:
        raise json_error(400, f"body must be 1 to {MAX_BODY_CHARS} characters", field="body")
    if not isinstance(reference, str) or not REFERENCE.match(reference):
        raise json_error(400, "reference must be 1 to 64 letters, digits, - or _", field="reference")
    callback_url = data.get("callback_url") or ""
    if not isinstance(callback_url, str) or (callback_url and not callback_url.startswith(("http://127.0.0.1", "http://localhost"))):
        raise json_error(400, "callback_url must be a loopback http URL", field="callback_url")
    return {"to": to, "body": body, "reference": reference, "callback_url": callback_url}


def app_build(gateway: Gateway) -> web.Application:
    routes = web.RouteTableDef()

    def authorise(request: web.Request) -> None:
        if not hmac.compare_digest(request.headers.get("X-Api-Key", ""), gateway.api_key):
            raise json_error(401, "missing or wrong X-Api-Key")

    @routes.post("/messages")
    async def message_submit(request: web.Request) -> web.Response:
        authorise(request)
        if gateway.faults["delay_seconds"]:
            await asyncio.sleep(gateway.faults["delay_seconds"])
        if gateway.faults["fail_next"] > 0:
            gateway.faults["fail_next"] -= 1
            raise json_error(503, "service unavailable (simulated)")
        fields = message_parse(await json_body(request))
        existing = gateway.messages.get(fields["reference"])
        if existing is not None:
            gateway.duplicates += 1
            if len(gateway.duplicate_references) < 100:
                gateway.duplicate_references.append(fields["reference"])
            return web.json_response(_public(existing), status=200)
        message = {"id": uuid.uuid4().hex, "reference": fields["reference"], "to": fields["to"], "body": fields["body"], "status": "accepted", "reason": None, "received_at": time.time()}
        gateway.messages[fields["reference"]] = message
        gateway.receipts_schedule(message, fields["callback_url"] or gateway.callback_url)
        if gateway.faults["accept_then_fail"] > 0:
            gateway.faults["accept_then_fail"] -= 1
            raise json_error(500, "internal error after accepting (simulated)")
        return web.json_response(_public(message), status=201)

    @routes.get("/messages/{reference}")
    async def message_get(request: web.Request) -> web.Response:
        authorise(request)
        if gateway.faults["delay_seconds"]:
            await asyncio.sleep(gateway.faults["delay_seconds"])
        message = gateway.messages.get(request.match_info["reference"])
        if message is None:
            raise json_error(404, "no message with this reference")
        return web.json_response(_public(message))

    @routes.get("/_sim/state")
    async def state_get(request: web.Request) -> web.Response:
        return web.json_response({
            "received": len(gateway.messages),
            "duplicates": gateway.duplicates,
            "duplicate_references": gateway.duplicate_references,
            "receipts_sent": gateway.receipts_sent,
            "receipts_failed": gateway.receipts_failed,
            "receipts_pending": gateway.receipts_pending,
            "receipt_requests": gateway.receipt_requests,
            "faults": gateway.faults,
            "callback_url": gateway.callback_url,
        })

    @routes.get("/_sim/messages")
    async def messages_get(request: web.Request) -> web.Response:
        references = request.query.getall("reference", [])
        if references:
            return web.json_response({"messages": [gateway.messages[r] for r in references if r in gateway.messages]})
        return web.json_response({"messages": list(gateway.messages.values())[-1000:]})

    @routes.post("/_sim/reset")
    async def reset(request: web.Request) -> web.Response:
        gateway.reset()
        return web.json_response({"ok": True})

    @routes.post("/_sim/faults")
    async def faults(request: web.Request) -> web.Response:
        return web.json_response({"faults": faults_update(gateway.faults, await json_body(request), FAULTS)})

    @routes.post("/_sim/config")
    async def config(request: web.Request) -> web.Response:
        data = await json_body(request)
        if "callback_url" in data:
            gateway.callback_url = str(data["callback_url"] or "")
        if "receipt_secret" in data:
            gateway.receipt_secret = str(data["receipt_secret"])
        return web.json_response({"callback_url": gateway.callback_url})

    app = web.Application()
    app.add_routes(routes)
    return app


def _public(message: dict) -> dict:
    return {key: message[key] for key in ("id", "reference", "to", "status", "reason")}


def main(argv=None) -> None:
    def extra(parser):
        parser.add_argument("--api-key", default="demo-sms-key")
        parser.add_argument("--receipt-secret", default="demo-receipt-secret")
        parser.add_argument("--callback-url", default="")

    args = arguments_parse("SMS gateway simulator", ports=("port",), argv=argv, extra=extra)

    async def start():
        gateway = Gateway(api_key=args.api_key, receipt_secret=args.receipt_secret, callback_url=args.callback_url)
        gateway.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=RECEIPT_CONCURRENCY))
        runner, port = await site_start(app_build(gateway), args.port)
        ports_announce({"port": port}, args.ports_file)

        async def cleanup():
            await runner.cleanup()
            await gateway.session.close()

        return cleanup

    run_forever(start)


if __name__ == "__main__":
    main()
