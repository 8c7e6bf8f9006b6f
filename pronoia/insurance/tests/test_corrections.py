import pytest
from django.contrib.auth import get_user_model

from pronoia.audit.models import AuditEvent
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.insurance.corrections import correction_request_submit
from pronoia.insurance.models import CorrectionRequest, DataQualityFlag
from pronoia.insurance.tests.actors import person_actor
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_submit_about_a_period_writes_the_request_and_an_audit_event():
    period = InsurancePeriodFactory()
    request = correction_request_submit(actor=person_actor(period.person), person=period.person, period=period, message="  The employer is wrong.\r\nIt was ACME.  ")
    assert request.status == "submitted"
    assert request.message == "The employer is wrong.\nIt was ACME."
    assert request.period == period
    event = AuditEvent.objects.get(action="correction_request_submitted")
    assert event.person_id == period.person_id and event.object_id == str(request.pk)


@pytest.mark.parametrize("message,code", [("", "message_required"), ("   ", "message_required"), ("x" * 4001, "message_too_long")])
def test_message_is_required_and_bounded(message, code):
    person = PersonFactory()
    with pytest.raises(PronoiaError) as exc:
        correction_request_submit(actor=person_actor(person), person=person, message=message)
    assert exc.value.code == code and exc.value.field == "message"
    assert not CorrectionRequest.objects.exists()


def test_message_of_4000_characters_is_accepted():
    person = PersonFactory()
    assert len(correction_request_submit(actor=person_actor(person), person=person, message="x" * 4000).message) == 4000


def test_someone_elses_period_or_flag_is_not_found():
    person = PersonFactory()
    other_period = InsurancePeriodFactory()
    other_flag = DataQualityFlag.objects.create(person=other_period.person, code="career_gap", key="k", message="m")
    with pytest.raises(NotFound) as exc:
        correction_request_submit(actor=person_actor(person), person=person, period=other_period, message="mine?")
    assert exc.value.code == "period_not_found"
    with pytest.raises(NotFound) as exc:
        correction_request_submit(actor=person_actor(person), person=person, flag=other_flag, message="mine?")
    assert exc.value.code == "flag_not_found"


def test_flag_request_takes_the_flags_period():
    period = InsurancePeriodFactory()
    flag = DataQualityFlag.objects.create(person=period.person, period=period, code="earnings_outlier", key=f"period:{period.pk}", message="m")
    request = correction_request_submit(actor=person_actor(period.person), person=period.person, flag=flag, message="The amount is right.")
    assert request.flag == flag and request.period == period


def test_same_request_twice_is_idempotent():
    period = InsurancePeriodFactory()
    user = get_user_model().objects.create_user("citizen", password="x" * 12)
    actor = person_actor(period.person, user=user)
    first = correction_request_submit(actor=actor, person=period.person, period=period, message="Wrong days.")
    again = correction_request_submit(actor=actor, person=period.person, period=period, message="Wrong days.")
    other = correction_request_submit(actor=person_actor(period.person), person=period.person, period=period, message="Also wrong earnings.")
    assert again.pk == first.pk and other.pk != first.pk
    assert first.created_by == user
    assert CorrectionRequest.objects.count() == 2


def test_hostile_text_is_stored_verbatim():
    person = PersonFactory()
    text = '<script>alert("x")</script> =HYPERLINK("http://evil")'
    assert correction_request_submit(actor=person_actor(person), person=person, message=text).message == text
