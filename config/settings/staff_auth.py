"""Staff sign-in: mandatory second factor, throttling and lockout, session timeouts, re-authentication.

Imported at the end of base.py. Environment variables (seconds unless said otherwise):
  PRONOIA_STAFF_IDLE_TIMEOUT        staff session ends after this long without a request (900)
  PRONOIA_CITIZEN_IDLE_TIMEOUT      the same for citizens and everyone else signed in (1800)
  PRONOIA_STAFF_SESSION_MAX_AGE     absolute lifetime of a staff session (36000, ten hours)
  PRONOIA_STAFF_REAUTH_MAX_AGE      how recent a second-factor check must be for sensitive actions (300)
  PRONOIA_STAFF_LOCKOUT_FAILURES    failed attempts per account within the window that lock it (5)
  PRONOIA_STAFF_LOCKOUT_IP_FAILURES failed attempts per client address within the window that lock it (20)
  PRONOIA_STAFF_LOCKOUT_WINDOW      the counting window (900)
  PRONOIA_STAFF_LOCKOUT_DURATION    how long a lock lasts (900)
  PRONOIA_STAFF_SIGN_IN_FAILURE_RETENTION_DAYS  how long failed sign-in attempts are kept (90 days)
"""
from __future__ import annotations

import os

PRONOIA_STAFF_IDLE_TIMEOUT = int(os.environ.get("PRONOIA_STAFF_IDLE_TIMEOUT", "900"))
PRONOIA_CITIZEN_IDLE_TIMEOUT = int(os.environ.get("PRONOIA_CITIZEN_IDLE_TIMEOUT", "1800"))
PRONOIA_STAFF_SESSION_MAX_AGE = int(os.environ.get("PRONOIA_STAFF_SESSION_MAX_AGE", str(10 * 3600)))
PRONOIA_STAFF_REAUTH_MAX_AGE = int(os.environ.get("PRONOIA_STAFF_REAUTH_MAX_AGE", "300"))
PRONOIA_STAFF_LOCKOUT_FAILURES = int(os.environ.get("PRONOIA_STAFF_LOCKOUT_FAILURES", "5"))
PRONOIA_STAFF_LOCKOUT_IP_FAILURES = int(os.environ.get("PRONOIA_STAFF_LOCKOUT_IP_FAILURES", "20"))
PRONOIA_STAFF_LOCKOUT_WINDOW = int(os.environ.get("PRONOIA_STAFF_LOCKOUT_WINDOW", "900"))
PRONOIA_STAFF_LOCKOUT_DURATION = int(os.environ.get("PRONOIA_STAFF_LOCKOUT_DURATION", "900"))
PRONOIA_STAFF_SIGN_IN_FAILURE_RETENTION_DAYS = int(os.environ.get("PRONOIA_STAFF_SIGN_IN_FAILURE_RETENTION_DAYS", "90"))
PRONOIA_STAFF_BACKUP_CODES = 10
# The last-request time is written to the session at most this often (a write per request would
# cost a database write each time); timeouts are exact to within this many seconds.
PRONOIA_SESSION_ACTIVITY_RESOLUTION = 60

# Roles give back-office permissions (administrator: all; case handler: the linkage-review queue).
# RolePermissionBackend is ModelBackend plus role permissions; first, so a role's permission is
# answered without per-user grant queries. ModelBackend stays for sessions that name it.
AUTHENTICATION_BACKENDS = [
    "pronoia.accounts.staff.role_permissions.RolePermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Authenticator apps show this issuer beside the account name.
OTP_TOTP_ISSUER = os.environ.get("PRONOIA_TOTP_ISSUER", "Pronoia")
# django-otp's own per-device delays are replaced by the per-account and per-address lockout of
# pronoia.accounts.staff.lockout (counted in the database, the same for every factor).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Passkeys are a second factor only: a password sign-in (with its lockout) always comes first.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
