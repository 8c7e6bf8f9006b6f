"""pytest plugin: the delivery simulators (SMTP sink, SMS gateway, web push service) as real processes.

Loaded from the root conftest. Once per test session (per xdist worker) `delivery_simulators`
starts `python -m simulators.smtp_sink`, `.sms_gateway` and `.push_service` on free loopback
ports (each picks port 0 and reports the port it bound; a process that fails to start is started
again), points the channel settings at them, and stops them at the end. The function-scoped
`simulators` fixture clears their messages and faults before the test and gives small clients
for their state APIs:

    def test_x(simulators):
        simulators.smtp.faults(refuse={"x@example.test": "550 5.1.1 No such user"})
        ...
        assert simulators.smtp.state()["duplicates"] == 0
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

START_ATTEMPTS = 5
READY_TIMEOUT_SECONDS = 30
SMS_API_KEY = "test-sms-key"
SMS_RECEIPT_SECRET = "test-receipt-secret"  # noqa: S105 - test only


@dataclass
class SimulatorClient:
    """The state API of one simulator (`/_sim/...`)."""

    url: str
    http: requests.Session = field(default_factory=requests.Session)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        response = self.http.request(method, f"{self.url}/_sim/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict:
        return self._call("GET", "state")

    def messages(self, **query) -> list[dict]:
        return self._call("GET", "messages", params=query)["messages"]

    def reset(self) -> None:
        self._call("POST", "reset")

    def faults(self, **changes) -> dict:
        return self._call("POST", "faults", json=changes)["faults"]

    def configure(self, **changes) -> dict:
        return self._call("POST", "config", json=changes)

    def subscription_create(self, application_server_key: str = "") -> dict:
        """Push only: a subscription as a browser would make it (the service keeps its private key)."""
        return self._call("POST", "subscriptions", json={"application_server_key": application_server_key})

    def subscription_expire(self, subscription_id: str) -> None:
        self._call("POST", f"subscriptions/{subscription_id}/expire")

    def subscription_take(self, subscription_id: str) -> list[dict]:
        return self._call("POST", f"subscriptions/{subscription_id}/take")["messages"]

    def wait_until(self, predicate, *, timeout: float = 30, what: str = "the simulator's state") -> dict:
        """Poll state() until `predicate(state)` holds; fails the test with the last state otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}: {state}")
            time.sleep(0.05)


@dataclass
class SimulatorProcess:
    name: str
    process: subprocess.Popen
    ports: dict
    log: object

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@dataclass
class DeliverySimulators:
    directory: Path
    processes: list[SimulatorProcess]
    smtp: SimulatorClient
    sms: SimulatorClient
    push: SimulatorClient
    smtp_port: int
    sms_url: str
    push_url: str

    def reset(self) -> None:
        for client in (self.smtp, self.sms, self.push):
            client.reset()
        self.sms.configure(callback_url="", receipt_secret=SMS_RECEIPT_SECRET)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()

    def settings_for(self) -> dict:
        """The channel settings that point at these simulators (also for a worker's environment)."""
        return {
            "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
            "NOTIFICATIONS_SMTP_PORT": self.smtp_port,
            "NOTIFICATIONS_EMAIL_TRACKING_URL": self.smtp.url,
            "NOTIFICATIONS_SMS_GATEWAY_URL": self.sms_url,
            "NOTIFICATIONS_SMS_API_KEY": SMS_API_KEY,
            "NOTIFICATIONS_SMS_RECEIPT_SECRET": SMS_RECEIPT_SECRET,
            "NOTIFICATIONS_VAPID_KEY_FILE": self.directory / "vapid-TEST-ONLY.pem",
        }

    def environment_for(self) -> dict[str, str]:
        """The same as environment variables, for a worker process started by a test."""
        values = self.settings_for()
        return {
            "PRONOIA_SMTP_HOST": "127.0.0.1",
            "PRONOIA_SMTP_PORT": str(values["NOTIFICATIONS_SMTP_PORT"]),
            "PRONOIA_EMAIL_TRACKING_URL": values["NOTIFICATIONS_EMAIL_TRACKING_URL"],
            "PRONOIA_SMS_GATEWAY_URL": values["NOTIFICATIONS_SMS_GATEWAY_URL"],
            "PRONOIA_SMS_API_KEY": SMS_API_KEY,
            "PRONOIA_SMS_RECEIPT_SECRET": SMS_RECEIPT_SECRET,
            "PRONOIA_VAPID_KEY_FILE": str(values["NOTIFICATIONS_VAPID_KEY_FILE"]),
        }


def simulator_start(name: str, module: str, directory: Path, *extra: str) -> SimulatorProcess:
    """Start `python -m <module>` on free ports and wait for the ports it reports."""
    log = open(directory / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
    ports_file = directory / f"{name}.ports.json"
    for _attempt in range(START_ATTEMPTS):
        ports_file.unlink(missing_ok=True)
        process = subprocess.Popen([sys.executable, "-m", module, "--ports-file", str(ports_file), *extra], stdout=log, stderr=log, stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            if ports_file.exists():
                return SimulatorProcess(name=name, process=process, ports=json.loads(ports_file.read_text()), log=log)
            time.sleep(0.05)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
    log.close()
    raise RuntimeError(f"The {name} simulator did not start; see {directory / (name + '.log')}")


def delivery_simulators_start(directory: Path) -> DeliverySimulators:
    directory.mkdir(parents=True, exist_ok=True)
    smtp = simulator_start("smtp", "simulators.smtp_sink", directory)
    sms = simulator_start("sms", "simulators.sms_gateway", directory, "--api-key", SMS_API_KEY, "--receipt-secret", SMS_RECEIPT_SECRET)
    push = simulator_start("push", "simulators.push_service", directory)
    sms_url = f"http://127.0.0.1:{sms.ports['port']}"
    push_url = f"http://127.0.0.1:{push.ports['port']}"
    return DeliverySimulators(
        directory=directory,
        processes=[smtp, sms, push],
        smtp=SimulatorClient(f"http://127.0.0.1:{smtp.ports['api_port']}"),
        sms=SimulatorClient(sms_url),
        push=SimulatorClient(push_url),
        smtp_port=smtp.ports["smtp_port"],
        sms_url=sms_url,
        push_url=push_url,
    )


@pytest.fixture(scope="session")
def delivery_simulators(tmp_path_factory, django_test_environment) -> DeliverySimulators:
    """The three simulators for the whole session, with the channel settings pointing at them."""
    from django.conf import settings

    simulators = delivery_simulators_start(tmp_path_factory.mktemp("delivery-simulators"))
    values = simulators.settings_for()
    previous = {name: getattr(settings, name, None) for name in values}
    for name, value in values.items():
        setattr(settings, name, value)
    try:
        yield simulators
    finally:
        for name, value in previous.items():
            setattr(settings, name, value)
        simulators.stop()


@pytest.fixture
def simulators(delivery_simulators) -> DeliverySimulators:
    """The session's simulators with no messages and no faults."""
    delivery_simulators.reset()
    yield delivery_simulators


@pytest.fixture(scope="session", autouse=True)
def _delivery_settings(delivery_simulators) -> None:
    """Every test's channel settings point at this session's simulators (never at `make run`'s)."""
    yield
