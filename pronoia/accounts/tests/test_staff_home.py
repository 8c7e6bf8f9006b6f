"""The staff home page links to what each role can do."""
import pytest

from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, link, absent",
    [
        ("case_handler", "/staff/persons", "/contact/"),
        ("operator_l2", "/contact/", "/staff/persons"),
        ("auditor", "/staff/audit/data-access", "/staff/persons"),
    ],
)
def test_staff_home_links_to_what_the_role_can_do(client, role, link, absent):
    client_sign_in_staff(client, staff_user(role))
    page = client.get("/staff/").content.decode()
    assert f'href="{link}"' in page
    assert f'href="{absent}"' not in page
