"""The demo's staff account, so a new user can open the back office without creating one."""
from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model

DEMO_STAFF_USERNAME = "demo-staff"


def demo_staff_user_ensure() -> tuple[str, str]:
    """Create (once) the demo superuser; its random password is kept in var/ and returned."""
    password_file = settings.VAR_DIR / "demo_staff_password"
    if password_file.exists():
        password = password_file.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password)
        password_file.chmod(0o600)
    User = get_user_model()
    user = User.objects.filter(username=DEMO_STAFF_USERNAME).first()
    if user is None:
        User.objects.create_superuser(username=DEMO_STAFF_USERNAME, email="demo-staff@example.org", password=password)
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return DEMO_STAFF_USERNAME, password
