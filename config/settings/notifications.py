"""Notifications: channels, simulators, retries (environment variables documented here).

Pipeline (pronoia.notifications.services, notif-core):
  PRONOIA_NOTIFY_MAX_ATTEMPTS     attempts per message before a temporary failure is final (default 5)
  PRONOIA_NOTIFY_RETRY_BASE_SECONDS  first retry delay; doubled each attempt (default 60)
  PRONOIA_NOTIFY_RETRY_MAX_SECONDS   longest retry delay (default 21600, six hours)
  PRONOIA_NOTIFY_LEASE_SECONDS    a worker's claim on the messages it marked "sending": it starts no send
                                  after the lease has run out (the message goes back to the queue), and
                                  a message left "sending" without a result is reconciled with the
                                  provider once the lease and the grace have passed (default 300)
  PRONOIA_NOTIFY_SEND_GRACE_SECONDS  how long a send started just before the lease ran out may still take
                                  (default three provider timeouts)
  PRONOIA_NOTIFY_BATCH_SIZE       notifications per dispatch task (default 200)
  PRONOIA_NOTIFY_SEND_CHUNK       notifications claimed and handed to a provider at a time within a task
                                  (default 25); the lease must exceed the time one chunk takes to send
  PRONOIA_NOTIFY_SWEEP_DAYS       how far back the periodic sweep looks for events not fanned out (default 7)

Delivery channels (pronoia.notifications.channels, notif-delivery); the defaults point at the local
simulators that `bin/run-portal` starts (`python -m simulators`), never at a real provider:
  PRONOIA_EMAIL_BACKEND / PRONOIA_SMS_BACKEND / PRONOIA_PUSH_BACKEND  dotted path of each channel's adapter
  PRONOIA_SMTP_HOST, PRONOIA_SMTP_PORT   the SMTP relay (default 127.0.0.1:8025, the SMTP sink)
  PRONOIA_SMTP_STARTTLS, PRONOIA_SMTP_USERNAME, PRONOIA_SMTP_PASSWORD  for a production relay
  PRONOIA_EMAIL_FROM                     the From address (default no-reply@pronoia.localhost)
  PRONOIA_EMAIL_TRACKING_URL             the relay's message search by Message-ID, used to reconcile
                                         in-doubt sends (default the sink's API, http://127.0.0.1:8026;
                                         empty: no lookup, so an in-doubt e-mail can be sent twice)
  PRONOIA_SMS_GATEWAY_URL, PRONOIA_SMS_API_KEY  the SMS gateway (default http://127.0.0.1:8027, demo key)
  PRONOIA_SMS_RECEIPT_SECRET             the HMAC secret the gateway signs receipts with (set it in production)
  PRONOIA_SMS_RECEIPT_URL                receipt callback sent with each message (empty: the gateway's account setting)
  PRONOIA_VAPID_KEY_FILE                 the VAPID private key (PEM); default <var>/notifications/vapid-TEST-ONLY.pem,
                                         generated at first use for the demo and tests, never committed
  PRONOIA_VAPID_SUBJECT                  the VAPID `sub` contact (default mailto:notifications@pronoia.localhost)
  PRONOIA_PROVIDER_TIMEOUT_SECONDS       connect/read timeout towards every provider (default 5)
  PRONOIA_SMS_CONCURRENCY, PRONOIA_PUSH_CONCURRENCY  requests in flight at once within a batch (default 8)
"""
import os

NOTIFY_MAX_ATTEMPTS = int(os.environ.get("PRONOIA_NOTIFY_MAX_ATTEMPTS", "5"))
NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("PRONOIA_NOTIFY_RETRY_BASE_SECONDS", "60"))
NOTIFY_RETRY_MAX_SECONDS = int(os.environ.get("PRONOIA_NOTIFY_RETRY_MAX_SECONDS", "21600"))
NOTIFY_LEASE_SECONDS = int(os.environ.get("PRONOIA_NOTIFY_LEASE_SECONDS", "300"))
NOTIFY_BATCH_SIZE = int(os.environ.get("PRONOIA_NOTIFY_BATCH_SIZE", "200"))
NOTIFY_SEND_CHUNK = int(os.environ.get("PRONOIA_NOTIFY_SEND_CHUNK", "25"))
NOTIFY_PUSH_BROWSERS_MAX = 10  # browsers one push notification goes to (the most recently reached first)
NOTIFY_SWEEP_DAYS = int(os.environ.get("PRONOIA_NOTIFY_SWEEP_DAYS", "7"))
# The order in which another channel is tried after a final failure (the person's choices first).
NOTIFY_FALLBACK_ORDER = ["email", "sms", "inbox"]
# The channels a person gets when they have not chosen (inbox always; e-mail and push when they have them).
NOTIFY_DEFAULT_CHANNELS = ["inbox", "email", "push"]
# The absolute address of the portal, used in message texts ("open {portal_url}").
NOTIFY_PORTAL_URL = os.environ.get("PRONOIA_PORTAL_URL", "http://127.0.0.1:8000")

# --- Delivery channels (notif-delivery): adapters, providers, receipts, VAPID ---
from pathlib import Path as _Path  # noqa: E402

_VAR_DIR = _Path(os.environ.get("PRONOIA_VAR_DIR", _Path(__file__).resolve().parent.parent.parent / "var"))
NOTIFICATIONS_EMAIL_BACKEND = os.environ.get("PRONOIA_EMAIL_BACKEND", "pronoia.notifications.channels.email.SmtpEmailAdapter")
NOTIFICATIONS_SMS_BACKEND = os.environ.get("PRONOIA_SMS_BACKEND", "pronoia.notifications.channels.sms.HttpSmsAdapter")
NOTIFICATIONS_PUSH_BACKEND = os.environ.get("PRONOIA_PUSH_BACKEND", "pronoia.notifications.channels.push.WebPushAdapter")
NOTIFICATIONS_SMTP_HOST = os.environ.get("PRONOIA_SMTP_HOST", "127.0.0.1")
NOTIFICATIONS_SMTP_PORT = int(os.environ.get("PRONOIA_SMTP_PORT", "8025"))
NOTIFICATIONS_SMTP_STARTTLS = os.environ.get("PRONOIA_SMTP_STARTTLS", "").lower() in ("1", "true", "yes", "on")
NOTIFICATIONS_SMTP_USERNAME = os.environ.get("PRONOIA_SMTP_USERNAME", "")
NOTIFICATIONS_SMTP_PASSWORD = os.environ.get("PRONOIA_SMTP_PASSWORD", "")
NOTIFICATIONS_EMAIL_FROM = os.environ.get("PRONOIA_EMAIL_FROM", "Pronoia <no-reply@pronoia.localhost>")
NOTIFICATIONS_EMAIL_TRACKING_URL = os.environ.get("PRONOIA_EMAIL_TRACKING_URL", "http://127.0.0.1:8026").rstrip("/")
NOTIFICATIONS_SMS_GATEWAY_URL = os.environ.get("PRONOIA_SMS_GATEWAY_URL", "http://127.0.0.1:8027").rstrip("/")
# Demo values matching the simulator's defaults; production sets both from its secret store.
NOTIFICATIONS_SMS_API_KEY = os.environ.get("PRONOIA_SMS_API_KEY", "demo-sms-key")
NOTIFICATIONS_SMS_RECEIPT_SECRET = os.environ.get("PRONOIA_SMS_RECEIPT_SECRET", "demo-receipt-secret")
NOTIFICATIONS_SMS_RECEIPT_URL = os.environ.get("PRONOIA_SMS_RECEIPT_URL", "")
NOTIFICATIONS_SMS_RECEIPT_MAX_BYTES = 256 * 1024  # a batch of receipts; one is about 200 bytes
NOTIFICATIONS_SMS_RECEIPT_BATCH_MAX = 500  # receipts in one request {"receipts": [...]}
NOTIFICATIONS_SMS_RECEIPT_TOLERANCE_SECONDS = 300  # how old a signed receipt may be (replays)
NOTIFICATIONS_VAPID_KEY_FILE = _Path(os.environ.get("PRONOIA_VAPID_KEY_FILE", _VAR_DIR / "notifications" / "vapid-TEST-ONLY.pem"))
NOTIFICATIONS_VAPID_SUBJECT = os.environ.get("PRONOIA_VAPID_SUBJECT", "mailto:notifications@pronoia.localhost")
NOTIFICATIONS_PUSH_TTL_SECONDS = 24 * 3600
NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS = float(os.environ.get("PRONOIA_PROVIDER_TIMEOUT_SECONDS", "5"))
# After this the original worker can no longer be talking to the provider (its last send started
# before the lease ran out, and a send ends within its timeouts), so a lookup answers for good.
NOTIFY_SEND_GRACE_SECONDS = float(os.environ.get("PRONOIA_NOTIFY_SEND_GRACE_SECONDS") or 3 * NOTIFICATIONS_PROVIDER_TIMEOUT_SECONDS)
# Requests in flight at once within one batch (the gateway and push services take parallel connections).
NOTIFICATIONS_SMS_CONCURRENCY = int(os.environ.get("PRONOIA_SMS_CONCURRENCY", "8"))
NOTIFICATIONS_PUSH_CONCURRENCY = int(os.environ.get("PRONOIA_PUSH_CONCURRENCY", "8"))
