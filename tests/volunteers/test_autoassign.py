"""Auto-assign fills the open places the coverage page shows, and asks nobody twice."""

import datetime

import pytest

from tests.factories import tokyo
from tests.volunteers.test_messages import volunteer
from volunteers import queries
from volunteers.autoassign import matching_run_execute
from volunteers.models import (
    Assignment,
    AvailabilityWindow,
    MatchingRun,
    Qualification,
    Role,
    ShiftNeed,
)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2031, 12, 10)


@pytest.fixture(autouse=True)
def _console(settings):
    settings.NOTIFY_TRANSPORT = "console"
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"


@pytest.fixture
def session(make):
    session = make.session(starts_at=tokyo(2031, 12, 10, 13, 30), minutes=90)
    ShiftNeed.objects.create(session=session, role=Role.ASSISTANT, count=4)
    return session


def ready(django_user_model, session, n):
    """n volunteers who could take any place of the session."""
    people = []
    for _ in range(n):
        person = volunteer(django_user_model, phone="", skills=["android"])
        person.venues.add(session.venue)
        Qualification.objects.create(
            volunteer=person, kind="shienin", issued_on=datetime.date(2030, 1, 1)
        )
        AvailabilityWindow.objects.create(
            volunteer=person,
            weekday=DAY.weekday(),
            start_time=datetime.time(9),
            end_time=datetime.time(18),
        )
        people.append(person)
    return people


def open_places():
    return sum(row.missing for row in queries.coverage(DAY, DAY))


def run(dx_user):
    done = MatchingRun.objects.create(period_start=DAY, period_end=DAY, created_by=dx_user)
    return matching_run_execute(run_id=done.pk, time_limit=2)


def test_a_run_fills_the_places_coverage_calls_open_and_the_next_run_asks_nobody_again(
    session, django_user_model, dx_user
):
    ready(django_user_model, session, 3)
    assert open_places() == 4

    first = run(dx_user)
    assert (first.places, first.covered, first.proposed) == (4, 3, 3)
    assert open_places() == 1

    second = run(dx_user)
    assert (second.places, second.covered, second.proposed) == (1, 0, 0)
    assert open_places() == 1
    assert Assignment.objects.filter(status=Assignment.Status.PROPOSED).count() == 3
    assert not Assignment.objects.filter(status=Assignment.Status.CANCELLED).exists()


def test_a_volunteer_who_declined_or_was_withdrawn_is_not_asked_again_for_that_session(
    session, django_user_model, dx_user, make
):
    declined, withdrawn, fresh = ready(django_user_model, session, 3)
    need = ShiftNeed.objects.get(session=session)
    for person, status in ((declined, "declined"), (withdrawn, "cancelled")):
        Assignment.objects.create(
            need=need, session=session, volunteer=person, source="manual", status=status
        )

    done = run(dx_user)

    assert set(done.assignments.values_list("volunteer_id", flat=True)) == {fresh.pk}
    # Another session the same afternoon elsewhere in the month is still theirs to be asked for.
    other = make.session(venue=session.venue, starts_at=tokyo(2031, 12, 17, 13, 30), minutes=90)
    ShiftNeed.objects.create(session=other, role=Role.ASSISTANT, count=3)
    for person in (declined, withdrawn):
        AvailabilityWindow.objects.filter(volunteer=person).update(weekday=DAY.weekday())
    later = MatchingRun.objects.create(
        period_start=datetime.date(2031, 12, 17),
        period_end=datetime.date(2031, 12, 17),
        created_by=dx_user,
    )
    matching_run_execute(run_id=later.pk, time_limit=2)
    assert {declined.pk, withdrawn.pk} <= set(
        Assignment.objects.filter(run=later).values_list("volunteer_id", flat=True)
    )
