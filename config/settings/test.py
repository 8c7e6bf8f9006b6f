"""Settings for the test suite: SQLite by default, PostgreSQL when DATABASE_URL points there."""
import os

os.environ.setdefault("PRONOIA_SECRET_KEY", "test-only-secret-key-not-for-production")

from .base import *  # noqa: F401,F403,E402
from .base import database_config  # noqa: E402

DATABASES = {"default": database_config(os.environ.get("DATABASE_URL", "sqlite:///:memory:"))}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {"huey_class": "huey.MemoryHuey", "name": "pronoia-test", "immediate": True}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PRONOIA_DEMO = True

# WhiteNoise warns (an error under -W error) when STATIC_ROOT does not exist; tests need no built assets.
STATIC_ROOT = VAR_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Rate-limit counters live in the process's memory cache and would carry over from test to test;
# the rate-limit tests switch limits on and clear the cache themselves.
PRONOIA_RATE_LIMITS_ENABLED = False
