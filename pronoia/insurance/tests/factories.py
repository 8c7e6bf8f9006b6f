import datetime as dt
import hashlib
from decimal import Decimal

import factory
from django.utils import timezone

from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.models import Fund, InsurancePeriod, SourceRegistry
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
