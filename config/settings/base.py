"""Settings for every environment. Production differs only by environment variables.

Environment variables:
  DATABASE_URL          default sqlite:///var/pronoia.sqlite3 (WAL); postgres://... for PostgreSQL
  REDIS_URL             when set, Huey keeps its queue in Redis instead of SQLite
  PRONOIA_SECRET_KEY    required when PRONOIA_DEBUG is off and PRONOIA_DEMO is off
  PRONOIA_DEBUG         1 to enable Django debug pages (never in production)
  PRONOIA_DEMO          1 enables demo-only features (the demo eID provider in the provider list)
  PRONOIA_ALLOWED_HOSTS comma-separated; default 127.0.0.1,localhost
  PRONOIA_VAR_DIR       where local state lives (SQLite files, demo exports); default ./var
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PRONOIA_VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Key from the environment; for the embedded demo, one generated once and kept in var/."""
    key = os.environ.get("PRONOIA_SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = env_flag("PRONOIA_DEBUG")
PRONOIA_DEMO = env_flag("PRONOIA_DEMO")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("PRONOIA_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

INSTALLED_APPS = [
    # The stock admin app with a default site that demands 2FA and an admin role
    # (pronoia.accounts.staff.admin_site); every @admin.register works against it.
    "pronoia.accounts.staff.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    # The API documentation page with its bundled static files (no CDN, no inline script).
    "ninja",
    "huey.contrib.djhuey",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "pronoia.core",
    "pronoia.audit",
    "pronoia.accounts",
    "pronoia.contact",
    "pronoia.people",
    "pronoia.employers",
    "pronoia.insurance",
    "pronoia.pensions",
    "pronoia.documents",
    "pronoia.services",
    "pronoia.notifications",
    "pronoia.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "pronoia.core.countries.DisplayTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "pronoia.accounts.actors.ActorMiddleware",
    "pronoia.accounts.staff.middleware.StaffSessionMiddleware",
    "pronoia.core.rate_limits.RateLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "pronoia.core.context_processors.portal",
            ],
        },
    },
]


def database_config(url: str) -> dict:
    """Parse a DATABASE_URL; SQLite gets WAL and immediate transactions (no lock upgrades)."""
    config = dj_database_url.parse(url, conn_max_age=0)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    return config


DATABASES = {"default": database_config(os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pronoia.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("el", _("Greek")),
    ("pl", _("Polish")),
    ("bg", _("Bulgarian")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # English dates as day month year (config/formats/en)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Background work: SQLite storage embedded, Redis when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "pronoia", "url": REDIS_URL, "immediate": False}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "pronoia",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
    }

# The country whose rules the portal applies by default (gr, pl, bg).
PRONOIA_COUNTRY = os.environ.get("PRONOIA_COUNTRY", "gr")
# Largest legacy CSV field accepted, in characters; longer fields are rejected per line.
PRONOIA_IMPORT_MAX_FIELD_CHARS = int(os.environ.get("PRONOIA_IMPORT_MAX_FIELD_CHARS", "200"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PRONOIA_LOG_LEVEL", "WARNING")},
}

# Named in every personal-data access log entry ("which institution").
PRONOIA_INSTITUTION = os.environ.get("PRONOIA_INSTITUTION", "Pronoia social insurance institution")

# Passkeys (WebAuthn) for staff: the relying party is the portal's own host. Browsers treat
# http://localhost as secure, so the demo offers passkeys there (TOTP works on any address).
OTP_WEBAUTHN_RP_ID = os.environ.get("PRONOIA_WEBAUTHN_RP_ID", "localhost")
OTP_WEBAUTHN_RP_NAME = os.environ.get("PRONOIA_WEBAUTHN_RP_NAME", "Pronoia")
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    o.strip() for o in os.environ.get("PRONOIA_WEBAUTHN_ORIGINS", "http://localhost:8000").split(",") if o.strip()
]

# Each concern keeps its settings in its own module (environment variables documented there).
from .eid import *  # noqa: E402,F401,F403
from .staff_auth import *  # noqa: E402,F401,F403
from .security import *  # noqa: E402,F401,F403
from .documents import *  # noqa: E402,F401,F403
from .notifications import *  # noqa: E402,F401,F403
from .contact import *  # noqa: E402,F401,F403
