"""The demo eID set-up: exported accounts and the provider configuration; the demo provider's page."""
from __future__ import annotations

import json
import re
import stat

import pytest
import requests
from django.core.management import CommandError, call_command

from pronoia.accounts.eid.oidc import metadata_cache_clear
from pronoia.accounts.tests.conftest import demo_provider_start, free_port, node_ready_or_skip
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_settings(settings, tmp_path):
    port = free_port()
    settings.PRONOIA_EID_PROVIDERS = [{**settings.PRONOIA_EID_DEMO_PROVIDER, "issuer": f"http://127.0.0.1:{port}", "private_key_file": str(tmp_path / "rp" / "rp-key.json")}]
    metadata_cache_clear()
    yield settings
    metadata_cache_clear()


def test_the_export_writes_accounts_and_a_configuration_with_our_public_key(demo_settings, tmp_path):
    person = PersonFactory(surname="Νικολάου", given_name="Ελένη", surname_latin="Nikolaou", given_name_latin="Eleni")
    call_command("demo_eid_accounts", out=tmp_path / "out", portal_port=8123)
    accounts = json.loads((tmp_path / "out" / "accounts.json").read_text(encoding="utf-8"))
    assert accounts == [
        {
            "id": f"gr-{person.national_id}",
            "national_id": person.national_id,
            "country": "gr",
            "given_name": "Ελένη",
            "family_name": "Νικολάου",
            "birthdate": person.birth_date.isoformat(),
            "names": ["Nikolaou", "Eleni"],
        }
    ]
    config = json.loads((tmp_path / "out" / "config.json").read_text(encoding="utf-8"))
    assert config["mode"] == "demo" and config["issuer"] == demo_settings.PRONOIA_EID_PROVIDERS[0]["issuer"]
    client = config["clients"][0]
    assert client["redirect_uris"] == ["http://127.0.0.1:8123/sign-in/demo/callback", "http://localhost:8123/sign-in/demo/callback"]
    assert client["jwks"]["keys"][0]["kty"] == "RSA" and "d" not in client["jwks"]["keys"][0]
    for name in ("accounts.json", "config.json"):
        assert stat.S_IMODE((tmp_path / "out" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "rp" / "rp-key.json").stat().st_mode) == 0o600


def test_the_export_refuses_without_the_demo_provider(settings, tmp_path):
    settings.PRONOIA_EID_PROVIDERS = []
    with pytest.raises(CommandError, match="PRONOIA_DEMO"):
        call_command("demo_eid_accounts", out=tmp_path)


def test_the_demo_providers_page_searches_persons_and_signs_in_as_one(demo_settings, tmp_path, client):
    """The demo-mode page over HTTP: search by name (any script or accents) and by identifier, then sign in."""
    node_ready_or_skip()
    wanted = PersonFactory(surname="Νικολάου", given_name="Ελένη", surname_latin="Nikolaou", given_name_latin="Eleni")
    other = PersonFactory(surname="Γεωργίου", given_name="Νίκος", surname_latin="Georgiou", given_name_latin="Nikos")
    process = demo_provider_start(demo_settings, tmp_path / "out", portal_port=80, extra_redirect_uris=("http://testserver/sign-in/demo/callback",))
    issuer = demo_settings.PRONOIA_EID_PROVIDERS[0]["issuer"]
    try:
        browser = requests.Session()
        location = client.get("/sign-in/demo")["Location"]
        page = browser.get(location, timeout=10)
        assert page.status_code == 200 and "Sign in with the demo eID" in page.text
        uid = page.url.rsplit("/", 1)[1]
        for query in ("nikolaou", "ΝΙΚΟΛΑΟΥ", "Νικολαου ελενη", wanted.national_id[:9]):
            html = browser.get(f"{issuer}/interaction/{uid}", params={"q": query}, timeout=10).text
            assert wanted.national_id in html and other.national_id not in html, query
        html = browser.get(f"{issuer}/interaction/{uid}", params={"q": "<script>x</script>"}, timeout=10).text
        assert "<script>x" not in html and "No person matches your search." in html
        # Every level is offered; the first level the portal asked for is preselected.
        assert re.search(r'value="urn:pronoia:demo-eid:loa:substantial" checked', html)
        bad = browser.post(f"{issuer}/interaction/{uid}/login", data={"account": "gr-nobody", "acr": "urn:pronoia:demo-eid:loa:high"}, allow_redirects=False, timeout=10)
        assert bad.status_code == 400 and "Choose an account." in bad.text
        too_big = browser.post(f"{issuer}/interaction/{uid}/login", data={"account": "x" * 20_000}, allow_redirects=False, timeout=10)
        assert too_big.status_code == 413
        response = browser.post(
            f"{issuer}/interaction/{uid}/login", data={"account": f"gr-{wanted.national_id}", "acr": "urn:pronoia:demo-eid:loa:high"}, timeout=10, allow_redirects=False
        )
        url = response.headers["Location"]
        while not url.startswith("http://testserver"):
            url = requests.compat.urljoin(url, browser.get(requests.compat.urljoin(issuer, url), allow_redirects=False, timeout=10).headers["Location"])
        assert client.get(url[len("http://testserver"):]).status_code == 302
        assert client.session["pronoia_person_id"] == wanted.pk and client.session["pronoia_loa"] == "high"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_welcome_prints_how_citizens_and_staff_sign_in(capsys, monkeypatch):
    from pronoia.demo.management.commands import demo_welcome
    from pronoia.demo.roles import DemoRole
    from pronoia.demo.staff import DemoStaffCredential

    monkeypatch.setattr(demo_welcome, "demo_roles_ensure", lambda: [DemoRole("21046000036", "Ελένη Νικολάου", "holds a mandate")])
    monkeypatch.setattr(
        demo_welcome,
        "demo_staff_users_ensure",
        lambda: [DemoStaffCredential("demo-admin", "pw-1", ("administrator",), "JBSWY3DPEHPK3PXP"), DemoStaffCredential("demo-l1", "pw-2", ("operator_l1", "auditor"))],
    )
    call_command("demo_welcome", port=8123)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/sign-in" in out and "Demo eID" in out
    assert "  Ελένη Νικολάου (21046000036) – holds a mandate" in out
    assert "user demo-admin  password pw-1  roles administrator  TOTP secret JBSWY3DPEHPK3PXP" in out
    assert "user demo-l1  password pw-2  roles operator_l1, auditor\n" in out
