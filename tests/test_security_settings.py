"""The security baseline: deploy checks with production settings, CSP, cookies, headers."""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from config.settings.security import identity_provider_origins

ROOT = Path(__file__).resolve().parent.parent


def production_env(tmp_path: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PRONOIA_", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        PRONOIA_VAR_DIR=str(tmp_path / "var"),
        PRONOIA_SECRET_KEY=secrets.token_urlsafe(64),
        PRONOIA_ALLOWED_HOSTS="portal.example.org",
        PRONOIA_HTTPS="1",
        **extra,
    )
    return env


def check_deploy(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = check_deploy(production_env(tmp_path, PRONOIA_BEHIND_PROXY="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https(tmp_path):
    # The demo default (plain http on 127.0.0.1) is not a deployment, and the check says so.
    env = production_env(tmp_path)
    del env["PRONOIA_HTTPS"]
    result = check_deploy(env)
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W012" in result.stderr


def production_settings(tmp_path: Path, **extra: str) -> dict:
    """The settings module evaluated in a fresh interpreter with the production environment."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "names = ['SECURE_SSL_REDIRECT','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SECURE_HSTS_SECONDS',"
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS','SECURE_HSTS_PRELOAD','SESSION_COOKIE_HTTPONLY','SESSION_COOKIE_SAMESITE',"
        "'CSRF_COOKIE_SAMESITE','SESSION_COOKIE_NAME','SECURE_PROXY_SSL_HEADER','DEBUG','CONTENT_SECURITY_POLICY']; "
        "print(json.dumps({n: getattr(settings, n, None) for n in names}, default=str))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(tmp_path, **extra), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout)


def test_production_settings_turn_on_https_cookies_and_hsts(tmp_path):
    values = production_settings(tmp_path, PRONOIA_BEHIND_PROXY="1")
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_NAME"] == "__Host-pronoia_session"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["DEBUG"] is False
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True


def test_the_demo_on_plain_http_keeps_working(tmp_path):
    env = production_env(tmp_path, PRONOIA_DEMO="1")
    del env["PRONOIA_HTTPS"]
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; django.setup(); "
         "print(settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_NAME)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.split() == ["False", "False", "0", "sessionid"], result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = dict(part.strip().split(" ", 1) if " " in part.strip() else (part.strip(), "") for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["form-action"].startswith("'self'")
    assert "unsafe-inline" not in response["Content-Security-Policy"] and "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


@pytest.mark.django_db
def test_the_base_layout_has_no_inline_script_handler_or_style(client):
    html = client.get("/").content.decode()
    assert "js-enabled.js" in html
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)


def test_no_template_of_the_portal_has_inline_scripts_or_handlers():
    offenders = []
    for template in (ROOT / "pronoia").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text) or re.search(r"javascript:", text, re.IGNORECASE):
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_passkey_scripts_of_django_otp_webauthn_are_external_files():
    request = RequestFactory().get("/")
    for name in ("django_otp_webauthn/auth_scripts.html", "django_otp_webauthn/register_scripts.html"):
        html = render_to_string(name, {"configuration": {"a": 1}}, request=request)
        assert not INLINE_SCRIPT.search(html), name
        assert 'type="application/json"' in html  # configuration is data, which CSP does not block


def test_form_action_names_the_identity_providers_origins():
    providers = [
        {"issuer": "https://eid.example.gov/realms/citizens"},
        {"issuer": "https://bank-id.example.com", "end_session_endpoint": "https://logout.bank-id.example.com/end"},
        {"issuer": "javascript:alert(1)"},
        {"issuer": ""},
        {"issuer": "https://eid.example.gov/other"},
    ]
    assert identity_provider_origins(providers) == [
        "https://eid.example.gov",
        "https://bank-id.example.com",
        "https://logout.bank-id.example.com",
    ]


@pytest.mark.django_db
def test_cookies_are_http_only_and_same_site(client):
    from django.conf import settings
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse

    def view(request):
        request.session["touched"] = True
        return HttpResponse()

    response = SessionMiddleware(view)(RequestFactory().get("/"))
    session_cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session_cookie["httponly"] is True and session_cookie["samesite"] == "Lax"
    csrf_cookie = client.get("/").cookies["csrftoken"]
    assert csrf_cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_form_action_follows_the_providers_configured_now(client, settings):
    settings.PRONOIA_EID_PROVIDERS = [{"issuer": "http://127.0.0.1:54321"}, {"issuer": "https://eid.example.gov/x"}]
    policy = client.get("/")["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:54321 https://eid.example.gov;" in policy + ";"
    settings.PRONOIA_EID_PROVIDERS = []
    assert "form-action 'self';" in client.get("/")["Content-Security-Policy"] + ";"


@pytest.mark.django_db
def test_a_views_csp_update_adds_to_form_action():
    from csp.utils import build_policy
    from django.conf import settings

    policy = build_policy(update={"form-action": ["https://pay.example.org"]})
    assert "https://pay.example.org" in policy and "'self'" in policy.split("form-action")[1]
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] == []  # the setting itself is never filled


@pytest.mark.django_db
def test_the_api_documentation_loads_only_its_own_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "https://" not in html
    assert not INLINE_SCRIPT.search(html)
    assert "/static/ninja/swagger-ui-bundle.js" in html
