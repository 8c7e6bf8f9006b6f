import datetime as dt
import hashlib
from decimal import Decimal

import factory
from django.utils import timezone

from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.models import (
    CorrectionRequest,
    DataQualityFlag,
    Fund,
    ImportBatch,
    ImportRowError,
    InsurancePeriod,
    LinkageCandidate,
    LinkageReview,
    SourceRegistry,
)
from pronoia.people.tests.factories import PersonFactory


class SourceRegistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceRegistry
        django_get_or_create = ("code",)

    code = "IKA"
    name = "IKA-ETAM legacy export"
    country = "gr"


def fund(code: str = "IKA-ETAM") -> Fund:
    """Funds are seeded by a data migration; tests run without migrations, so create on demand."""
    from pronoia.insurance.funds import FUNDS

    spec = next(f for f in FUNDS if f["code"] == code)
    return Fund.objects.get_or_create(code=code, defaults={k: v for k, v in spec.items() if k != "code"})[0]


class InsurancePeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePeriod

    person = factory.SubFactory(PersonFactory)
    employer = factory.SubFactory(EmployerFactory)
    fund = factory.LazyFunction(fund)
    insurance_type = "employment"
    period_from = dt.date(2010, 1, 1)
    period_to = dt.date(2010, 12, 31)
    days = 300
    earnings = Decimal("15000.00")
    contributions = Decimal("6000.00")
    currency = "EUR"
    link_method = "national_id"
    source = factory.SubFactory(SourceRegistryFactory)
    source_record_id = factory.Sequence(lambda n: f"R{n:08d}")
    received_at = factory.LazyFunction(timezone.now)
    record_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.source_record_id.encode()).hexdigest())


class LinkageReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkageReview

    identity_key = factory.Sequence(lambda n: hashlib.sha256(f"identity-{n}".encode()).hexdigest())
    reason = "similar name, same birth date"


class LinkageCandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LinkageCandidate

    review = factory.SubFactory(LinkageReviewFactory)
    person = factory.SubFactory(PersonFactory)
    score = 88.0
    reasons = "similar name, same birth date"


class ReviewPeriodFactory(InsurancePeriodFactory):
    """A period waiting in the review queue: unlinked, with the identity its source reported."""

    person = None
    link_method = "none"
    review = factory.SubFactory(LinkageReviewFactory)
    legacy_fund_code = "IKA"
    legacy_member_no = factory.Sequence(lambda n: f"M{n:07d}")
    reported_surname = "Papadopoulos"
    reported_given_name = "Georgios"
    reported_birth_date = dt.date(1970, 5, 17)


class ImportBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportBatch

    source = factory.SubFactory(SourceRegistryFactory)
    file_name = factory.Sequence(lambda n: f"export-{n}.csv")
    file_sha256 = factory.Sequence(lambda n: hashlib.sha256(f"file-{n}".encode()).hexdigest())
    status = "completed"


class ImportRowErrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportRowError

    batch = factory.SubFactory(ImportBatchFactory)
    line_no = factory.Sequence(lambda n: n + 2)
    field = "period_from"
    code = "invalid_date"
    message = "Not a date"
    excerpt = "R1;2010-13-01"


class DataQualityFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataQualityFlag

    person = factory.SubFactory(PersonFactory)
    code = "career_gap"
    key = factory.Sequence(lambda n: f"gap-{n}")
    message = "Gap of 400 days"


class CorrectionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CorrectionRequest

    person = factory.SubFactory(PersonFactory)
    message = "This period is missing 30 days."
