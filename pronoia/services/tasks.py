"""Background work of the applications (Huey): what may fail for a while without failing the submission."""
from __future__ import annotations

from huey.contrib.djhuey import db_task


class ReceiptNotYetIssued(Exception):
    """Raised so that Huey tries again later (the seal or time-stamp service was unavailable)."""


# Up to ~15 minutes of tries: under load the time-stamp authority may refuse for a while.
@db_task(retries=6, retry_delay=60)
def application_receipt_retry(application_id: int) -> None:
    from pronoia.services.services import application_receipt_ensure

    if application_receipt_ensure(application_id=application_id) is None:
        raise ReceiptNotYetIssued(f"certificate of submission of application {application_id} not issued yet")
