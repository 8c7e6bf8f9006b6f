"""Domain events: written in the caller's transaction, handed to handlers after commit only."""
from __future__ import annotations

import pytest
from django.db import transaction

from pronoia.core.events import event_emit, event_handler_register, event_handler_unregister
from pronoia.core.models import DomainEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    seen: list = []

    def handler(event):
        seen.append((event.name, event.payload))

    event_handler_register("application.submitted", handler)
    yield seen
    event_handler_unregister("application.submitted", handler)


def test_handlers_run_after_commit_with_the_stored_event(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = event_emit("application.submitted", payload={"application_id": 7})
        assert received == []  # not before commit
    assert len(callbacks) == 1
    assert received == [("application.submitted", {"application_id": 7})]
    assert DomainEvent.objects.get(pk=event.pk).payload == {"application_id": 7}


def test_a_rolled_back_change_emits_nothing(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit("application.submitted", payload={"application_id": 8})
            raise RuntimeError("rolled back")
    assert received == [] and not DomainEvent.objects.exists()


def test_other_names_do_not_reach_the_handler(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event_emit("application.decided", payload={})
    assert received == [] and DomainEvent.objects.count() == 1


def test_a_failing_handler_does_not_stop_the_others(received, django_capture_on_commit_callbacks, caplog):
    def broken(event):
        raise ValueError("consumer bug")

    event_handler_register("*", broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event_emit("application.submitted", payload={"application_id": 9})
    finally:
        event_handler_unregister("*", broken)
    assert received == [("application.submitted", {"application_id": 9})]
    assert "consumer bug" in caplog.text


@pytest.mark.parametrize("name", ["", "submitted", "Application.Submitted", "application.", "application submitted"])
def test_bad_event_names_are_refused(name):
    with pytest.raises(ValueError):
        event_emit(name, payload={})
    assert not DomainEvent.objects.exists()


def test_a_payload_that_is_not_json_is_refused_at_the_caller():
    import datetime as dt

    with pytest.raises(TypeError):
        event_emit("application.submitted", payload={"at": dt.datetime.now()})
    assert not DomainEvent.objects.exists()
