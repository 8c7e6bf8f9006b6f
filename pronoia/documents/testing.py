"""pytest plugin: the test PKI and its HTTP service (TSA, OCSP, CRLs) for the whole test session.

Load it from the root conftest (`pytest_plugins = ["pronoia.documents.testing"]`). Each test
session (each xdist worker) generates a fresh PKI into its temporary folder, starts
`python -m pronoia.documents.pki` on a free loopback port (another port if that one was taken
in between) and points settings.PRONOIA_PKI_DIR / PRONOIA_PKI_SERVICE_URL at it, so any test that
issues a document seals it for real.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

START_ATTEMPTS = 5
READY_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class PkiService:
    directory: Path
    url: str
    process: subprocess.Popen
    root_pem: Path
    log: object  # the child's log file, closed when the service stops

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(process: subprocess.Popen, url: str) -> bool:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False  # exited: most likely the port was taken after we picked it
        try:
            with urllib.request.urlopen(f"{url}/pronoia/certs/root/ca.crt", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.1)
    return False


def pki_service_start(directory: Path) -> PkiService:
    """Create the PKI in `directory` and start its service on a free port (retrying on a clash)."""
    from pronoia.documents.pki import pki_init

    paths = pki_init(directory)
    log = open(directory / "service.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
    for _attempt in range(START_ATTEMPTS):
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        process = subprocess.Popen(
            [sys.executable, "-m", "pronoia.documents.pki", "--dir", str(directory), "--port", str(port)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        if _wait_ready(process, url):
            return PkiService(directory=directory, url=url, process=process, root_pem=paths.root_pem, log=log)
        process.kill()
        process.wait(timeout=10)
    log.close()
    raise RuntimeError(f"The test PKI service did not start; see {directory / 'service.log'}")


@pytest.fixture(scope="session")
def pki_service(tmp_path_factory) -> PkiService:
    service = pki_service_start(tmp_path_factory.mktemp("pki"))
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="session", autouse=True)
def _pki_settings(pki_service, django_test_environment) -> None:
    """Point the settings at this session's PKI service for every test."""
    from django.conf import settings

    previous = (getattr(settings, "PRONOIA_PKI_DIR", None), getattr(settings, "PRONOIA_PKI_SERVICE_URL", None))
    settings.PRONOIA_PKI_DIR = pki_service.directory
    settings.PRONOIA_PKI_SERVICE_URL = pki_service.url
    yield
    settings.PRONOIA_PKI_DIR, settings.PRONOIA_PKI_SERVICE_URL = previous
