"""What must follow a change is written with it and carried out later, once, whatever fails."""

import datetime
import importlib
from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from followups.hooks import AfterCommit, InTransaction, all_hooks
from followups.models import FollowUp, Status
from followups.services import followup_retry, followup_run, followups_run_due, later
from residents.models import Resident

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Greeted:
    resident_id: int


greeted = AfterCommit("tests.greeted", Greeted)
FAILURES_LEFT = []


def note_greeting(event):
    """Writes a row, then fails while FAILURES_LEFT has items (one per failure to come)."""
    Resident.objects.filter(pk=event.resident_id).update(notes="greeted")
    if FAILURES_LEFT:
        FAILURES_LEFT.pop()
        raise ConnectionError("the listener's service was down")


@pytest.fixture
def listening():
    FAILURES_LEFT.clear()
    greeted.listen(note_greeting)
    yield
    greeted.unlisten(note_greeting)
    FAILURES_LEFT.clear()


def greet(resident):
    with transaction.atomic():
        (followup_id,) = greeted.announce(Greeted(resident.pk))
    return FollowUp.objects.get(pk=followup_id)


def notes_of(resident):
    return Resident.objects.get(pk=resident.pk).notes


def test_a_follow_up_is_written_with_the_change_and_done_once(make, listening):
    resident = make.resident()
    followup = greet(resident)
    assert (followup.status, followup.hook, followup.payload) == (
        Status.PENDING,
        "tests.greeted",
        {"resident_id": resident.pk},
    )
    assert followup.call == "tests.followups.test_followups.note_greeting"
    assert notes_of(resident) == ""

    assert followup_run(followup_id=followup.pk) == Status.DONE
    assert notes_of(resident) == "greeted"
    assert followup_run(followup_id=followup.pk) is None  # a repeated task does nothing
    assert followups_run_due() == 0


def test_a_failing_follow_up_keeps_nothing_and_completes_on_retry(make, listening, settings):
    settings.FOLLOWUP_RETRY_DELAYS = [60, 300]
    resident = make.resident()
    FAILURES_LEFT.append(1)
    followup = greet(resident)
    now = timezone.now()

    assert followup_run(followup_id=followup.pk, now=now) == Status.PENDING
    followup.refresh_from_db()
    # The listener's own write went back with its failure; the retry waits its delay.
    assert notes_of(resident) == ""
    assert followup.attempts == 1 and "the listener's service was down" in followup.error
    assert followup.not_before == now + datetime.timedelta(seconds=60)
    assert followups_run_due(now=now + datetime.timedelta(seconds=59)) == 0

    assert followups_run_due(now=now + datetime.timedelta(seconds=61)) == 1
    followup.refresh_from_db()
    assert (followup.status, followup.attempts, followup.error) == (Status.DONE, 2, "")
    assert notes_of(resident) == "greeted"


def test_after_the_last_retry_it_fails_for_staff_to_run_again(make, listening, settings):
    settings.FOLLOWUP_RETRY_DELAYS = [60]
    resident = make.resident()
    FAILURES_LEFT.extend([1, 1])
    followup = greet(resident)
    now = timezone.now()
    followup_run(followup_id=followup.pk, now=now)
    assert followup_run(followup_id=followup.pk, now=now + datetime.timedelta(minutes=2)) == (
        Status.FAILED
    )
    assert followups_run_due(now=now + datetime.timedelta(days=1)) == 0  # not retried again

    assert followup_retry(followup_id=followup.pk)  # after fixing the cause
    assert followups_run_due() == 1
    assert notes_of(resident) == "greeted"


def test_a_worker_that_dies_mid_run_leaves_it_due_after_its_lease(make, listening, settings):
    settings.FOLLOWUP_LEASE_SECONDS = 300
    resident = make.resident()
    followup = greet(resident)
    now = timezone.now()
    # What a worker killed inside the listener leaves: the claim made, nothing else kept.
    FollowUp.objects.filter(pk=followup.pk).update(
        attempts=1, not_before=now + datetime.timedelta(seconds=300)
    )
    assert followups_run_due(now=now + datetime.timedelta(seconds=299)) == 0
    assert followups_run_due(now=now + datetime.timedelta(seconds=301)) == 1
    followup.refresh_from_db()
    assert (followup.status, followup.attempts) == (Status.DONE, 2)
    assert notes_of(resident) == "greeted"


def test_a_rolled_back_change_leaves_nothing_to_follow(make, listening):
    resident = make.resident()
    with pytest.raises(RuntimeError), transaction.atomic():
        greeted.announce(Greeted(resident.pk))
        raise RuntimeError
    assert not FollowUp.objects.exists()


def test_only_listeners_that_hear_an_event_get_a_follow_up(make):
    greeted.listen(note_greeting, only={"resident_id": {-1}})
    try:
        assert greeted.announce(Greeted(make.resident().pk)) == []
    finally:
        greeted.unlisten(note_greeting)


def test_later_calls_a_function_with_plain_data_after_the_commit(make):
    resident = make.resident()
    with transaction.atomic():
        later(mark_resident, resident_id=resident.pk, notes="later")
    assert notes_of(resident) == ""
    assert followups_run_due() == 1
    assert notes_of(resident) == "later"


def mark_resident(*, resident_id, notes):
    Resident.objects.filter(pk=resident_id).update(notes=notes)


def test_listeners_after_commit_are_module_level_functions():
    def nested(event):
        pass

    with pytest.raises(ImproperlyConfigured):
        greeted.listen(nested)
    with pytest.raises(ImproperlyConfigured):
        later(lambda: None)


def test_in_transaction_listeners_answer_at_once_and_can_refuse():
    asked = InTransaction("tests.asked", Greeted)
    asked.listen(lambda event: event.resident_id * 2)
    assert asked.announce(Greeted(21)) == [42]
    asked.listen(lambda event: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        asked.announce(Greeted(1))


def test_every_hooks_module_names_who_listens():
    """Each app's hooks module lists its listeners in its docstring: the registrations made in
    the apps' ready() are the truth, and the docstrings must say the same."""
    checked = 0
    for hook in all_hooks():
        if hook.name.startswith("tests."):
            continue
        app, name = hook.name.split(".")
        module = importlib.import_module(f"{app}.hooks")
        assert getattr(module, name) is hook
        assert f"`{name}`" in module.__doc__, f"{module.__name__} does not describe {name}"
        for listener in hook.listeners:
            path = f"{listener.__module__}.{listener.__qualname__}"
            assert path in module.__doc__, f"{module.__name__} does not name {path}"
            checked += 1
    assert checked >= 8
