"""Start the three delivery simulators (SMTP sink, SMS gateway, web push service) as child processes.

    python -m simulators --state-dir var/simulators [--any-port]

By default they take the ports the demo settings point at (SMTP 8025 and its API 8026, SMS 8027,
push 8028; see config/settings/notifications.py); `--any-port` lets each pick a free one. The ports
bound are written to <state-dir>/ports.json. Stops the children on SIGTERM/SIGINT, and exits
when one of them dies.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PORTS = {"smtp_port": 8025, "smtp_api_port": 8026, "sms_port": 8027, "push_port": 8028}
READY_TIMEOUT_SECONDS = 20


def children_spec(args) -> dict[str, list[str]]:
    ports = {name: (0 if args.any_port else port) for name, port in DEFAULT_PORTS.items()}
    state = args.state_dir
    return {
        "smtp": ["simulators.smtp_sink", "--smtp-port", str(ports["smtp_port"]), "--api-port", str(ports["smtp_api_port"]), "--ports-file", str(state / "smtp.json")],
        "sms": [
            "simulators.sms_gateway", "--port", str(ports["sms_port"]), "--ports-file", str(state / "sms.json"),
            "--api-key", os.environ.get("PRONOIA_SMS_API_KEY", "demo-sms-key"),
            "--receipt-secret", os.environ.get("PRONOIA_SMS_RECEIPT_SECRET", "demo-receipt-secret"),
            "--callback-url", args.callback_url,
        ],
        "push": ["simulators.push_service", "--port", str(ports["push_port"]), "--ports-file", str(state / "push.json")],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", type=Path, default=Path("var/simulators"))
    parser.add_argument("--any-port", action="store_true")
    parser.add_argument("--callback-url", default=os.environ.get("PRONOIA_SMS_RECEIPT_URL", "http://127.0.0.1:8000/notifications/receipts/sms"))
    args = parser.parse_args(argv)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    specs = children_spec(args)
    for name in specs:
        (args.state_dir / f"{name}.json").unlink(missing_ok=True)
    children = {name: subprocess.Popen([sys.executable, "-m", *spec], stdout=subprocess.DEVNULL) for name, spec in specs.items()}

    def stop(*_, code=0):
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
        sys.exit(code)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    ports: dict = {}
    while time.monotonic() < deadline and len(ports) < len(specs):
        for name in specs:
            path = args.state_dir / f"{name}.json"
            if name not in ports and path.exists():
                ports[name] = json.loads(path.read_text())
        if any(child.poll() is not None for child in children.values()):
            print("simulators: a simulator did not start (is its port taken?)", file=sys.stderr)
            stop(code=1)
        time.sleep(0.05)
    (args.state_dir / "ports.json").write_text(json.dumps(ports, indent=2) + "\n")
    print(f"simulators: {json.dumps(ports)}", flush=True)
    while all(child.poll() is None for child in children.values()):
        time.sleep(0.5)
    print("simulators: a simulator stopped; stopping the others", file=sys.stderr)
    stop(code=1)


if __name__ == "__main__":
    main()
