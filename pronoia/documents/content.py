"""What each document says: DocumentSpec builders for certificates, receipts and decisions.

Called inside `translation.override(language)`, so every label and date is in the reader's
language. Builders take plain data (the insurance record dict, strings, datetimes) and never
read the database.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pronoia.documents.rendering import DocumentSpec, Section, Table

# A person counts as insured "now" when a counting period reaches into the previous month or
# later: employers declare a month after it ends, so the latest month is never on file yet.
INSURED_NOW_GRACE_MONTHS = 1


def _date(value: dt.date | str) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _datetime(value: dt.datetime) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M} {local.tzname() or ''}".strip()


def _money(value: str | Decimal, currency: str) -> str:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        return f"{value} {currency}"
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


def _number(value) -> str:
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def display_code(code: str) -> str:
    """ABCDEFGH... -> ABCD-EFGH-... for reading aloud and typing."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _verification(code: str) -> tuple[str, str]:
    base = settings.PRONOIA_PUBLIC_URL.rstrip("/")
    url = f"{base}/verify/{code}"
    note = _("Check this document at %(url)s with the code %(code)s.") % {"url": f"{base}/verify/", "code": display_code(code)}
    return url, note


def _spec(*, title: str, subtitle: str, sections: list[Section], code: str, issued_at: dt.datetime, language: str) -> DocumentSpec:
    url, note = _verification(code)
    return DocumentSpec(
        title=title,
        subtitle=subtitle,
        sections=sections,
        issuer=settings.PRONOIA_INSTITUTION,
        issued_at=_datetime(issued_at),
        verification_code=display_code(code),
        verify_url=url,
        footer_note=note,
        language=language,
    )


def _person_pairs(person: dict) -> list[tuple[str, str]]:
    return [
        (_("Name"), f"{person['given_name']} {person['surname']}"),
        (_("Name in Latin characters"), f"{person['given_name_latin']} {person['surname_latin']}"),
        (str(person.get("national_id_name") or _("National identifier")), person["national_id"]),
        (_("Date of birth"), _date(person["birth_date"])),
    ]


def _protocol_pairs(protocol: str, issued_at: dt.datetime) -> list[tuple[str, str]]:
    pairs = [(_("Issued"), _datetime(issued_at))]
    if protocol:
        pairs.insert(0, (_("Application number"), protocol))
    return pairs


def insurance_history_spec(*, record: dict, code: str, protocol: str, issued_at: dt.datetime, language: str) -> DocumentSpec:
    totals = record["totals"]
    currency = totals["currency"]
    counted = [p for p in record["periods"] if p["counts"]]
    not_counted = [p for p in record["periods"] if not p["counts"]]
    sections = [
        Section(heading=_("Insured person"), pairs=_person_pairs(record["person"])),
        Section(
            heading=_("Totals"),
            pairs=[
                (_("Insurance days"), _number(totals["days"])),
                (_("Insured years"), formats.number_format(Decimal(str(totals["insured_years"])), 2, use_l10n=True)),
                (_("Insurable earnings"), _money(totals["earnings"], currency)),
                (_("Periods counted"), _number(totals["periods_counted"])),
            ],
            paragraphs=[
                _("One insured year is %(days)s insurance days.") % {"days": totals["days_per_insured_year"]},
            ],
        ),
        Section(
            heading=_("By fund"),
            tables=[
                Table(
                    header=[_("Fund"), _("Name"), _("Days"), _("Earnings")],
                    rows=[[f["fund"], f["fund_name"], _number(f["days"]), _money(f["earnings"], currency)] for f in record["by_fund"]],
                    numeric=(2, 3),
                    widths=(1.2, 3, 1, 1.6),
                )
            ],
        ),
        Section(
            heading=_("By year"),
            tables=[
                Table(
                    header=[_("Year"), _("Days"), _("Earnings")],
                    rows=[[str(y["year"]), _number(y["days"]), _money(y["earnings"], currency)] for y in record["by_year"]],
                    numeric=(1, 2),
                    widths=(1, 1, 2),
                )
            ],
        ),
        Section(
            heading=_("Insurance periods"),
            tables=[
                Table(
                    header=[_("From"), _("To"), _("Fund"), _("Employer"), _("Type"), _("Days"), _("Earnings")],
                    rows=[
                        [
                            _date(p["period_from"]),
                            _date(p["period_to"]),
                            p["fund"],
                            (p["employer"] or {}).get("name", "") or _("Self-employed"),
                            p["insurance_type_label"],
                            _number(p["days"]),
                            _money(p["earnings"], p["currency"]),
                        ]
                        for p in counted
                    ],
                    numeric=(5, 6),
                    widths=(1.5, 1.5, 1.4, 2.3, 1.4, 1.1, 1.8),
                )
            ],
        ),
    ]
    statement = [
        _(
            "The institution certifies that the insurance periods above are those recorded in the person's "
            "insurance file on the date of issue, as reported by employers and the registries named in the file."
        )
    ]
    if not_counted:
        statement.append(
            _("%(count)s further records are not counted: they were superseded by a correction or duplicate another source.")
            % {"count": len(not_counted)}
        )
    if record.get("flags"):
        statement.append(_("Records under review at the date of issue: %(count)s.") % {"count": len(record["flags"])})
    statement.append(_("This document is sealed electronically by the institution; a printed copy can be checked with the code below."))
    sections.append(Section(heading=_("Statement"), paragraphs=statement, pairs=_protocol_pairs(protocol, issued_at)))
    return _spec(
        title=_("Insurance history certificate"),
        subtitle=settings.PRONOIA_INSTITUTION,
        sections=sections,
        code=code,
        issued_at=issued_at,
        language=language,
    )


def insured_now(record: dict, *, today: dt.date) -> tuple[bool, dict | None]:
    """(insured now, the latest counting period) under INSURED_NOW_GRACE_MONTHS."""
    counted = [p for p in record["periods"] if p["counts"]]
    if not counted:
        return False, None
    last = max(counted, key=lambda p: (p["period_to"], p["period_from"]))
    month = today.month - INSURED_NOW_GRACE_MONTHS
    year = today.year
    while month < 1:
        month += 12
        year -= 1
    threshold = dt.date(year, month, 1)
    return dt.date.fromisoformat(last["period_to"]) >= threshold, last


def insurance_status_spec(*, record: dict, code: str, protocol: str, issued_at: dt.datetime, language: str) -> DocumentSpec:
    today = timezone.localdate(issued_at) if timezone.is_aware(issued_at) else issued_at.date()
    insured, last = insured_now(record, today=today)
    if insured:
        verdict = _("On the date of issue the person is insured with the institution.")
    else:
        verdict = _("On the date of issue the person is not insured with the institution.")
    sections = [
        Section(heading=_("Insured person"), pairs=_person_pairs(record["person"])),
        Section(heading=_("Insurance status"), paragraphs=[verdict]),
    ]
    if last is not None:
        sections.append(
            Section(
                heading=_("Latest insurance period on file"),
                pairs=[
                    (_("From"), _date(last["period_from"])),
                    (_("To"), _date(last["period_to"])),
                    (_("Fund"), f"{last['fund']} — {last['fund_name']}"),
                    (_("Employer"), (last["employer"] or {}).get("name", "") or _("Self-employed")),
                    (_("Type"), last["insurance_type_label"]),
                ],
            )
        )
    sections.append(
        Section(
            heading=_("Statement"),
            paragraphs=[
                _(
                    "A person counts as insured when the file holds an insurance period reaching into the previous "
                    "calendar month or later (employers declare each month after it ends)."
                ),
                _("This document is sealed electronically by the institution; a printed copy can be checked with the code below."),
            ],
            pairs=_protocol_pairs(protocol, issued_at),
        )
    )
    return _spec(
        title=_("Certificate of insurance status"),
        subtitle=settings.PRONOIA_INSTITUTION,
        sections=sections,
        code=code,
        issued_at=issued_at,
        language=language,
    )


def submission_receipt_spec(
    *, person: dict, code: str, protocol: str, service_title: str, submitted_at: dt.datetime, summary: list[tuple[str, str]], issued_at: dt.datetime, language: str
) -> DocumentSpec:
    sections = [
        Section(
            heading=_("Application"),
            pairs=[(_("Application number"), protocol), (_("Service"), service_title), (_("Submitted"), _datetime(submitted_at))],
        ),
        Section(heading=_("Applicant"), pairs=_person_pairs(person)[:1] + _person_pairs(person)[2:3]),
    ]
    if summary:
        sections.append(Section(heading=_("What was submitted"), pairs=[(str(label), str(value)) for label, value in summary]))
    sections.append(
        Section(
            heading=_("Statement"),
            paragraphs=[
                _(
                    "The institution confirms that it received the application above on the date shown. This temporary "
                    "certificate of submission can be shown to any authority or employer until the final document is issued."
                ),
            ],
        )
    )
    return _spec(
        title=_("Certificate of submission"),
        subtitle=service_title,
        sections=sections,
        code=code,
        issued_at=issued_at,
        language=language,
    )


def decision_spec(
    *,
    person: dict,
    code: str,
    protocol: str,
    service_title: str,
    outcome: str,
    reasons: str,
    decided_by: str,
    decided_at: dt.datetime,
    issued_at: dt.datetime,
    language: str,
) -> DocumentSpec:
    sections = [
        Section(
            heading=_("Application"),
            pairs=[(_("Application number"), protocol), (_("Service"), service_title)],
        ),
        Section(heading=_("Applicant"), pairs=_person_pairs(person)[:1] + _person_pairs(person)[2:3]),
        Section(heading=_("Decision"), pairs=[(_("Outcome"), outcome), (_("Decided by"), decided_by), (_("Date of decision"), _datetime(decided_at))]),
        Section(heading=_("Reasons"), paragraphs=[reasons]),
        Section(
            heading=_("Statement"),
            paragraphs=[_("You may ask for this decision to be reviewed within the time limits set by law; the portal shows how.")],
        ),
    ]
    return _spec(
        title=_("Decision"),
        subtitle=service_title,
        sections=sections,
        code=code,
        issued_at=issued_at,
        language=language,
    )
