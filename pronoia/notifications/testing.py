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


# --- the end-to-end rig: a database, Huey consumers, the portal and the simulators as processes ----
#
# Used by the crash-safety test and the dispatch benchmark. Everything the pipeline does runs in
# child processes with the production settings module (config.settings.base) against a database
# of their own (a SQLite file, or a fresh PostgreSQL database next to the test one), so a test
# process that runs on in-memory SQLite can still share it with a worker it kills.

WORKER_COMMAND = ("run_huey", "--workers", "2", "--worker-type", "thread")


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class DeliveryRig:
    """A fresh database and the processes around it; `stop()` ends every process it started."""

    directory: Path
    database_url: str
    simulators: DeliverySimulators
    env: dict
    children: list[subprocess.Popen] = field(default_factory=list)
    portal_url: str = ""

    @classmethod
    def create(cls, directory: Path, simulators: DeliverySimulators, *, database_url: str = "", redis_url: str = "", extra_env: dict | None = None) -> DeliveryRig:
        import os

        directory.mkdir(parents=True, exist_ok=True)
        database_url = database_url or f"sqlite:///{directory / 'pronoia.sqlite3'}"
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PRONOIA_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))}
        env.update(simulators.environment_for())
        env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url,
            "PRONOIA_VAR_DIR": str(directory / "var"),
            "PRONOIA_SECRET_KEY": "delivery-rig-only",
            "PRONOIA_NOTIFY_LEASE_SECONDS": "2",
            "PRONOIA_NOTIFY_RETRY_BASE_SECONDS": "1",
            "PRONOIA_NOTIFY_RETRY_MAX_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
        })
        if redis_url:
            env["REDIS_URL"] = redis_url
        env.update(extra_env or {})
        rig = cls(directory=directory, database_url=database_url, simulators=simulators, env=env)
        rig.manage("migrate", "--noinput", "-v", "0", timeout=600)
        return rig

    def _log(self, name: str):
        return open(self.directory / f"{name}.log", "ab")  # noqa: SIM115 - the child's lifetime

    def manage(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], env=self.env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"pronoia {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str, *, timeout: float = 600) -> str:
        """Run `code` in a child with Django set up (the production settings, this rig's database)."""
        script = "import django; django.setup()\n" + code
        done = subprocess.run([sys.executable, "-c", script], env=self.env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rig script failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        with self._log(name) as log:  # the child keeps its own descriptor
            process = subprocess.Popen(argv, env=self.env, cwd=Path(__file__).resolve().parents[2], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.children.append(process)
        return process

    def portal_start(self) -> str:
        """The portal (uvicorn) on a free port, and the SMS gateway told to send receipts there."""
        import urllib.request

        for _attempt in range(START_ATTEMPTS):
            port = _free_port()
            process = self._spawn("portal", [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"])
            deadline = time.monotonic() + READY_TIMEOUT_SECONDS
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/notifications/sw.js", timeout=2):
                        self.portal_url = f"http://127.0.0.1:{port}"
                        self.simulators.sms.configure(callback_url=f"{self.portal_url}/notifications/receipts/sms")
                        return self.portal_url
                except OSError:
                    time.sleep(0.2)
            self.kill(process)
        raise RuntimeError(f"the portal did not start; see {self.directory / 'portal.log'}")

    def worker_start(self, *args: str) -> subprocess.Popen:
        return self._spawn("worker", [sys.executable, "manage.py", *(args or WORKER_COMMAND)])

    def kill(self, process: subprocess.Popen, sig: int | None = None) -> None:
        """Signal the process's group (a consumer and its workers) and reap it; SIGKILL by default."""
        import os
        import signal

        if process.poll() is None:
            try:
                os.killpg(process.pid, sig or signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)

    def stop(self) -> None:
        import signal

        for process in self.children:
            self.kill(process, signal.SIGTERM)
        self.children.clear()

    # -- what the test reads, straight from the database (no Django in the test for this one) --

    def query(self, sql: str) -> list[tuple]:
        if self.database_url.startswith("sqlite"):
            import sqlite3

            with sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=30) as connection:
                return connection.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as connection:
            return connection.execute(sql).fetchall()

    def statuses(self, channels: tuple[str, ...] = ("email", "sms", "push")) -> dict[str, int]:
        names = ", ".join(f"'{c}'" for c in channels)
        return dict(self.query(f"SELECT status, COUNT(*) FROM notifications_notification WHERE channel IN ({names}) GROUP BY status"))

    def not_final(self) -> int:
        """Messages that are not final: created, sending, or failed with a retry still due."""
        rows = self.query(
            "SELECT COUNT(*) FROM notifications_notification WHERE channel <> 'inbox' AND ("
            "status IN ('created', 'sending') OR (status IN ('temporary-failure', 'technical-failure') AND next_attempt_at IS NOT NULL))"
        )
        return rows[0][0]

    def queue_length(self) -> int:
        """Tasks waiting in Huey (SQLite storage only; Redis: via the child)."""
        if "REDIS_URL" in self.env:
            return int(self.python("from huey.contrib.djhuey import HUEY; print(HUEY.pending_count())").strip())
        import sqlite3

        with sqlite3.connect(Path(self.env["PRONOIA_VAR_DIR"]) / "huey.sqlite3", timeout=30) as connection:
            return connection.execute("SELECT COUNT(*) FROM task").fetchone()[0]


def rig_database_url(directory: Path, *, suffix: str = "rig") -> str:
    """A fresh database for a rig: a SQLite file in `directory`, or, when the tests run on
    PostgreSQL (DATABASE_URL), a new database on that server named after the test database."""
    import os
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{directory / 'pronoia.sqlite3'}"
    import psycopg

    parts = urlsplit(url)
    name = f"test_{parts.path.lstrip('/') or 'pronoia'}_{suffix}"
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def rig_database_drop(url: str) -> None:
    if not url.startswith(("postgres://", "postgresql://")):
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def rig_people_seed(*, persons: int, channels: list[str], invalid_numbers: int = 0) -> list[int]:
    """In a rig child: `persons` synthetic people who chose `channels` for campaigns. The last
    `invalid_numbers` get a number the gateway reports as not allocated (ending in 0000)."""
    import datetime as dt

    from pronoia.notifications.models import Preference
    from pronoia.notifications.template_versions import templates_default_load
    from pronoia.people.models import Person

    templates_default_load()
    people = []
    for number in range(persons):
        phone = f"+3069{number:07d}2" if number < persons - invalid_numbers else f"+3069{number:06d}0000"
        people.append(Person(
            country="gr", national_id=f"9{number:010d}", surname="Δοκιμή", given_name="Πρόσωπο", surname_latin="Dokimi",
            given_name_latin="Prosopo", name_key=f"dokimi prosopo {number}", birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=number % 9000),
            email=f"person{number}@example.test", phone=phone,
        ))
    Person.objects.bulk_create(people, batch_size=1000)
    ids = list(Person.objects.filter(national_id__startswith="9").order_by("pk").values_list("pk", flat=True))
    Preference.objects.bulk_create([Preference(person_id=pk, category="campaigns", channels=channels) for pk in ids], batch_size=1000)
    return ids


def rig_campaign_start(*, channels: list[str], enqueue: bool = True) -> dict:
    """In a rig child: the annual-statement campaign to every seeded person (enqueued to Huey on commit)."""
    from pronoia.notifications.services import campaign_enqueue
    from pronoia.people.models import Person

    ids = list(Person.objects.filter(national_id__startswith="9").order_by("pk").values_list("pk", flat=True))
    return campaign_enqueue(
        template_code="campaign.annual_statement", person_ids=ids, event_name="campaign.annual_statement",
        context={"year": "2026"}, channels=channels, campaign_key="annual-statement-2026-rig", enqueue=enqueue,
    )


def rig_campaign_seed(*, persons: int, channels: list[str], invalid_numbers: int = 0, enqueue: bool = True) -> dict:
    """Both of the above in one child."""
    rig_people_seed(persons=persons, channels=channels, invalid_numbers=invalid_numbers)
    return rig_campaign_start(channels=channels, enqueue=enqueue)
