"""What the simulators share: the command line, the JSON state API on aiohttp, ports written out.

Every simulator binds 127.0.0.1 only. With port 0 the operating system picks a free port; the
ports actually bound are printed as one JSON line on stdout and, with `--ports-file`, written
(atomically) to that file, which is how the launcher and the test fixtures learn them.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from aiohttp import web

HOST = "127.0.0.1"
MAX_API_BODY = 64 * 1024


def arguments_parse(description: str, *, ports: tuple[str, ...], argv=None, extra=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    for name in ports:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=0, help="0 = any free port")
    parser.add_argument("--ports-file", type=Path, help="write the bound ports here as JSON")
    if extra:
        extra(parser)
    return parser.parse_args(argv)


def ports_announce(ports: dict, ports_file: Path | None) -> None:
    line = json.dumps(ports, sort_keys=True)
    print(line, flush=True)
    if ports_file:
        ports_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = ports_file.with_suffix(ports_file.suffix + ".tmp")
        temporary.write_text(line + "\n")
        os.replace(temporary, ports_file)


async def site_start(app: web.Application, port: int) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1:`port`; returns the runner and the port bound."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, HOST, port, backlog=1024, reuse_address=True)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - aiohttp keeps the socket there
    return runner, bound


async def json_body(request: web.Request) -> dict:
    """The request's JSON object, or a 400 that says what is wrong."""
    if request.content_length is not None and request.content_length > MAX_API_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_API_BODY, actual_size=request.content_length)
    raw = await request.content.read(MAX_API_BODY + 1)
    if len(raw) > MAX_API_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_API_BODY, actual_size=len(raw))
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise json_error(400, f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise json_error(400, "the body must be a JSON object")
    return data


def _exception_classes() -> dict[int, type[web.HTTPException]]:
    classes: dict[int, type[web.HTTPException]] = {}
    pending = [web.HTTPException]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "status_code", -1) > 0:
            classes.setdefault(cls.status_code, cls)
    return classes


_HTTP_ERRORS = _exception_classes()


def json_error(status: int, message: str, **extra) -> web.HTTPException:
    """An aiohttp exception carrying `{"error": message, ...}` as JSON (raise it)."""
    return _HTTP_ERRORS[status](text=json.dumps({"error": message, **extra}), content_type="application/json")


def run_forever(main_coroutine) -> None:
    """Run the simulator until SIGTERM or SIGINT."""

    async def runner():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        cleanup = await main_coroutine()
        await stop.wait()
        await cleanup()

    try:
        asyncio.run(runner())
    except KeyboardInterrupt:  # pragma: no cover - signal handler normally wins
        sys.exit(130)


def faults_update(faults: dict, changes: dict, allowed: dict[str, type | tuple]) -> dict:
    """Apply a PATCH-like change to the fault settings, checking names and types."""
    for name, value in changes.items():
        if name not in allowed:
            raise json_error(400, f"unknown fault {name!r}", allowed=sorted(allowed))
        if value is not None and not isinstance(value, allowed[name]):
            raise json_error(400, f"fault {name!r} has the wrong type")
        faults[name] = value
    return faults
