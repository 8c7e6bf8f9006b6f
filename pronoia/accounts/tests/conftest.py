"""Fixtures for the eID tests: real `oidc-provider` processes (eid-provider/server.mjs) on free
127.0.0.1 ports, our relying-party keys, and a driver that walks a sign-in through the provider
with `requests` while the portal side runs in the Django test client.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from pronoia.accounts.eid.providers import rp_key_generate

REPO = Path(__file__).resolve().parents[3]
EID_PROVIDER_DIR = REPO / "eid-provider"
ACR = {level: f"urn:test:loa:{level}" for level in ("low", "substantial", "high")}
ID_TOKEN_TTL = 60
TESTSERVER = "http://testserver"

# Test persons known to the providers (the tests create the matching Person rows).
ALICE = {"id": "alice", "national_id": "01018012341", "country": "gr", "given_name": "Alice", "family_name": "Alpha", "birthdate": "1980-01-01"}
BOB = {"id": "bob", "national_id": "02028012342", "country": "gr", "given_name": "Bob", "family_name": "Beta", "birthdate": "1980-02-02"}
STRANGER = {"id": "stranger", "national_id": "09099012349", "country": "gr", "given_name": "Sam", "family_name": "Stranger", "birthdate": "1990-09-09"}
MALLORY = {"id": "mallory", "national_id": "03038012343", "country": "gr", "given_name": "Mallory", "family_name": "Mal", "birthdate": "1980-03-03"}


def subject_of(salt: str, account_id: str) -> str:
    """The subject server.mjs derives for an account (HMAC-SHA256, base64url, 32 characters)."""
    digest = hmac.new(salt.encode(), account_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def node_ready_or_skip() -> None:
    """Skip when node or the provider's packages are missing; with CI=true fail instead."""
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not (EID_PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        missing.append("eid-provider/node_modules (run `npm --prefix eid-provider ci`, as `make test` does)")
    if missing:
        message = f"the eID tests need {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningProvider:
    key: str
    issuer: str
    salt: str
    process: subprocess.Popen
    accounts: list[dict]
    log: Path

    def subject(self, account_id: str) -> str:
        for account in self.accounts:
            if account["id"] == account_id and account.get("sub"):
                return account["sub"]
        return subject_of(self.salt, account_id)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def provider_start(directory: Path, *, key: str, mode: str, accounts: list[dict], rp_jwks: dict, portal: str, client_id: str = "pronoia-portal", **extra) -> RunningProvider:
    """Start server.mjs with a fresh configuration and wait until its discovery document answers.

    A free port can be taken by another process between our probe and node's bind: try again then.
    """
    node_ready_or_skip()
    for _attempt in range(3):
        running = _provider_try(directory, key=key, mode=mode, accounts=accounts, rp_jwks=rp_jwks, portal=portal, client_id=client_id, extra=extra)
        if running is not None:
            return running
    pytest.fail(f"eid-provider {key} could not find a free port")


def _provider_try(directory: Path, *, key: str, mode: str, accounts: list[dict], rp_jwks: dict, portal: str, client_id: str, extra: dict) -> RunningProvider | None:
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    salt = f"salt-of-{key}"
    (directory / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    config = {
        "issuer": issuer,
        "port": port,
        "mode": mode,
        "title": f"Test eID {key}",
        "cookie_prefix": key,
        "subject_salt": salt,
        "accounts_file": "accounts.json",
        "acr_values": list(ACR.values()),
        "id_token_ttl": ID_TOKEN_TTL,
        "clients": [
            {
                "client_id": client_id,
                "redirect_uris": [f"{portal}/sign-in/{key}/callback"],
                "post_logout_redirect_uris": [f"{portal}/"],
                "jwks": rp_jwks,
            }
        ],
        **extra,
    }
    config_path = directory / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    log = directory / "server.log"
    process = provider_process_start(config_path, log)
    if not provider_process_ready(process, issuer, log, key):
        return None
    return RunningProvider(key=key, issuer=issuer, salt=salt, process=process, accounts=accounts, log=log)


def provider_process_start(config_path: Path, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        return subprocess.Popen(["node", str(EID_PROVIDER_DIR / "server.mjs"), str(config_path)], stdout=output, stderr=subprocess.STDOUT, cwd=EID_PROVIDER_DIR)


def provider_process_ready(process: subprocess.Popen, issuer: str, log: Path, key: str) -> bool:
    """Wait until the provider answers; False when its port was taken meanwhile (the caller tries another)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            if "EADDRINUSE" in output:
                return False
            pytest.fail(f"eid-provider {key} exited with {process.returncode}: {output}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.terminate()
    process.wait(timeout=10)
    pytest.fail(f"eid-provider {key} did not answer within 20 s: {log.read_text(errors='replace')}")


def demo_provider_start(settings, out: Path, *, portal_port: int, extra_redirect_uris: tuple[str, ...] = ()) -> subprocess.Popen:
    """The demo-mode provider as `make run` starts it (accounts and configuration written by
    `demo_eid_accounts` into `out`), on a free port that becomes the issuer of the first provider in
    settings. Another test worker can take the port before node binds it: then another is tried."""
    from django.core.management import call_command

    from pronoia.accounts.eid.oidc import metadata_cache_clear

    node_ready_or_skip()
    for _attempt in range(5):
        settings.PRONOIA_EID_PROVIDERS = [{**settings.PRONOIA_EID_PROVIDERS[0], "issuer": f"http://127.0.0.1:{free_port()}"}]
        metadata_cache_clear()
        call_command("demo_eid_accounts", out=out, portal_port=portal_port)
        config_path = out / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["clients"][0]["redirect_uris"].extend(extra_redirect_uris)
        config_path.write_text(json.dumps(config), encoding="utf-8")
        process = provider_process_start(config_path, out / "server.log")
        if provider_process_ready(process, config["issuer"], out / "server.log", "demo"):
            return process
    pytest.fail("the demo eID provider found no free port in 5 tries")


def provider_setting(running: RunningProvider, key_file: Path, **overrides) -> dict:
    return {
        "key": running.key,
        "display_name": f"Test eID {running.key}",
        "issuer": running.issuer,
        "client_id": "pronoia-portal",
        "private_key_file": str(key_file),
        "national_id_claim": "national_id",
        "country_claim": "country",
        "acr_levels": {acr: level for level, acr in ACR.items()},
        **overrides,
    }


@dataclass
class RpKeys:
    key_file: Path
    wrong_key_file: Path
    jwks: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def eid_rp_keys(tmp_path_factory) -> RpKeys:
    directory = tmp_path_factory.mktemp("eid-rp")
    key = rp_key_generate(directory / "rp-key.json")
    rp_key_generate(directory / "wrong-rp-key.json")
    return RpKeys(key_file=directory / "rp-key.json", wrong_key_file=directory / "wrong-rp-key.json", jwks={"keys": [{**key.as_dict(private=False), "use": "sig", "alg": "RS256"}]})


@pytest.fixture(scope="session")
def eid_test_providers(tmp_path_factory, eid_rp_keys):
    """Two independent providers ("alpha", "beta") in test mode; beta asserts alice's alpha subject for
    mallory, and keeps the person's attributes out of its ID tokens (they come from userinfo)."""
    node_ready_or_skip()
    directory = tmp_path_factory.mktemp("eid-providers")
    alpha = provider_start(directory / "alpha", key="alpha", mode="test", accounts=[ALICE, BOB, STRANGER], rp_jwks=eid_rp_keys.jwks, portal=TESTSERVER)
    try:
        beta_accounts = [{**MALLORY, "sub": alpha.subject("alice")}, {**ALICE}]
        beta = provider_start(directory / "beta", key="beta", mode="test", accounts=beta_accounts, rp_jwks=eid_rp_keys.jwks, portal=TESTSERVER, claims_in_id_token=False)
    except BaseException:
        alpha.stop()
        raise
    yield {"alpha": alpha, "beta": beta}
    alpha.stop()
    beta.stop()


@pytest.fixture
def eid_settings(settings, eid_test_providers, eid_rp_keys):
    """The portal configured with the running alpha and beta providers; caches start empty."""
    from django.core.cache import cache

    from pronoia.accounts.eid.oidc import metadata_cache_clear

    settings.PRONOIA_EID_PROVIDERS = [provider_setting(p, eid_rp_keys.key_file) for p in eid_test_providers.values()]
    settings.PRONOIA_EID_REQUIRED_LEVELS = {}
    settings.PRONOIA_EID_DEFAULT_LEVEL = "substantial"
    metadata_cache_clear()
    cache.clear()
    yield settings
    metadata_cache_clear()


class EidDriver:
    """Walks a sign-in: the portal through the Django test client, the provider through requests."""

    def __init__(self, client, providers: dict[str, RunningProvider]):
        self.client = client
        self.providers = providers
        self.browsers: dict[str, requests.Session] = {}

    def browser(self, key: str) -> requests.Session:
        return self.browsers.setdefault(key, requests.Session())

    def start(self, key: str, next_url: str = "/my/insurance-record") -> str:
        response = self.client.get(f"/sign-in/{key}", {"next": next_url})
        assert response.status_code == 302, response.content.decode()[:500]
        return response["Location"]

    @staticmethod
    def query(url: str) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    def follow(self, key: str, url: str, *, method: str = "GET", data: dict | None = None) -> tuple[str, requests.Response]:
        """Follow the provider's redirects by hand; stop at a provider page or a redirect to the portal."""
        browser = self.browser(key)
        for _hop in range(10):
            if url.startswith(TESTSERVER):
                return url, None
            response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
            method, data = "GET", None
            if response.status_code in (302, 303) and "Location" in response.headers:
                url = urljoin(url, response.headers["Location"])
                continue
            return url, response
        raise AssertionError("too many redirects")

    def authenticate(self, key: str, authorization_url: str, *, account: str, acr: str) -> str:
        """Sign in at the provider as `account` with `acr`; returns the portal callback URL.

        Each sign-in starts in a fresh browser, so the provider asks again (no single sign-on).
        """
        self.browsers[key] = requests.Session()
        page_url, page = self.follow(key, authorization_url)
        assert page is not None and page.status_code == 200, page.text[:500] if page is not None else page_url
        uid = urlsplit(page_url).path.split("/")[2]
        callback, response = self.follow(key, f"{self.providers[key].issuer}/interaction/{uid}/login", method="POST", data={"account": account, "acr": acr})
        assert response is None, response.text[:500]
        return callback

    def abort(self, key: str, authorization_url: str) -> str:
        self.browsers[key] = requests.Session()
        page_url, page = self.follow(key, authorization_url)
        uid = urlsplit(page_url).path.split("/")[2]
        callback, response = self.follow(key, f"{self.providers[key].issuer}/interaction/{uid}/abort", method="POST", data={})
        assert response is None
        return callback

    def callback(self, callback_url: str):
        return self.client.get(callback_url[len(TESTSERVER):])

    def sign_in(self, key: str, *, account: str, acr: str = ACR["high"], next_url: str = "/my/insurance-record"):
        """The whole flow; returns the portal's response to the callback."""
        return self.callback(self.authenticate(key, self.start(key, next_url), account=account, acr=acr))


@pytest.fixture
def eid_driver(client, eid_settings, eid_test_providers) -> EidDriver:
    return EidDriver(client, eid_test_providers)


__all__ = ["ACR", "ALICE", "BOB", "MALLORY", "STRANGER", "provider_start", "provider_setting", "subject_of", "node_ready_or_skip"]
