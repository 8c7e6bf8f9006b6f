import pytest

from pronoia.insurance.tests.factories import InsurancePeriodFactory


@pytest.mark.django_db
def test_period_factory_builds_a_counting_period():
    period = InsurancePeriodFactory()
    assert period.counts
    assert period.person.national_id
