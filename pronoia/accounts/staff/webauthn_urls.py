"""django-otp-webauthn's endpoints (namespace otp_webauthn, as its template tags expect) with the
staff rules of pronoia.accounts.staff.webauthn."""
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from pronoia.accounts.permissions import ANYONE
from pronoia.accounts.staff import webauthn

app_name = "otp_webauthn"


def _view(cls, **initkwargs):
    view = cls.as_view(**initkwargs)
    # The ceremonies check the signed-in user themselves (JSON errors, not redirects).
    view.allowed_roles = frozenset({ANYONE})
    return view


urlpatterns = [
    path("registration/begin/", _view(webauthn.StaffBeginRegistrationView), name="credential-registration-begin"),
    path("registration/complete/", _view(webauthn.StaffCompleteRegistrationView), name="credential-registration-complete"),
    path("authentication/begin/", _view(webauthn.StaffBeginAuthenticationView), name="credential-authentication-begin"),
    path("authentication/complete/", _view(webauthn.StaffCompleteAuthenticationView), name="credential-authentication-complete"),
    path("jsi18n/", _view(JavaScriptCatalog, packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
