import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from pronoia.demo.staff import DEMO_STAFF_USERNAME, demo_staff_user_ensure


@pytest.mark.django_db
def test_demo_staff_user_is_created_once_with_a_kept_password(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    username, password = demo_staff_user_ensure()
    assert username == DEMO_STAFF_USERNAME
    assert len(password) >= 12
    user = authenticate(username=username, password=password)
    assert user is not None and user.is_staff and user.is_superuser
    assert demo_staff_user_ensure() == (username, password)
    assert (tmp_path / "demo_staff_password").stat().st_mode & 0o077 == 0

    call_command("demo_welcome", port=8123)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/admin/" in out and password in out
