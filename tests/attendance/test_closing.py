"""Closing ended sessions: booked seats become no-shows, sessions with an attendance are held."""

import datetime
import sys
import threading
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, result

from attendance.checkin import checkin_redeem
from attendance.closing import CLOSE_LOOKBACK_DAYS, ClosingCounts, sessions_close_ended
from attendance.tickets import ticket_issue
from classes.booking import booking_create
from classes.models import BookingEvent, BookingStatus, SessionStatus

pytestmark = pytest.mark.django_db


def ended_session(make, *, ended_ago=datetime.timedelta(hours=1), **fields):
    starts_at = timezone.now() - ended_ago - datetime.timedelta(minutes=90)
    return make.session(starts_at=starts_at, minutes=90, **fields)


def book(make, session, user, resident=None):
    """A booking made the day before the session, as the desk would have made it."""
    return booking_create(
        session_id=session.pk,
        resident_id=(resident or make.resident()).pk,
        user=user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking


def attend(booking, user):
    ticket = ticket_issue(booking_id=booking.pk)
    outcome = checkin_redeem(
        token=ticket.token,
        session_id=booking.session_id,
        device="test",
        nonce=uuid.uuid4(),
        user=user,
        now=booking.session.starts_at,  # on the session's day, whatever the clock says
    )
    assert outcome.ok


def statuses(session):
    return sorted(session.bookings.values_list("status", flat=True))


def test_booked_seats_become_no_shows_and_the_session_is_held(make, desk_user, venue_user):
    session = ended_session(make, capacity=5)
    absent = [book(make, session, desk_user) for _ in range(2)]
    attend(book(make, session, desk_user), venue_user)

    counts = sessions_close_ended(user=None)

    assert counts == ClosingCounts(sessions=1, held=1, no_shows=2)
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD
    assert statuses(session) == ["attended", "no_show", "no_show"]
    events = BookingEvent.objects.filter(reason="no_show").order_by("booking_id")
    assert [(e.booking_id, e.from_status, e.to_status) for e in events] == [
        (b.pk, "booked", "no_show") for b in absent
    ]


def test_nobody_came_leaves_the_session_scheduled(make, desk_user):
    session = ended_session(make)
    book(make, session, desk_user)

    assert sessions_close_ended() == ClosingCounts(sessions=1, held=0, no_shows=1)
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED
    assert statuses(session) == ["no_show"]


def test_waitlisted_residents_are_left_alone(make, desk_user):
    session = ended_session(make, capacity=1)
    book(make, session, desk_user)
    waiting = book(make, session, desk_user)
    assert waiting.status == BookingStatus.WAITLISTED

    sessions_close_ended()

    assert statuses(session) == ["no_show", "waitlisted"]


def test_cancelled_and_not_yet_ended_sessions_are_untouched(make, desk_user):
    cancelled = ended_session(make)
    booking = book(make, cancelled, desk_user)
    # Cancelled after the fact in the data (session_cancel refuses ended sessions).
    type(cancelled).objects.filter(pk=cancelled.pk).update(status=SessionStatus.CANCELLED)
    running = make.session(starts_at=timezone.now() - datetime.timedelta(minutes=30))
    running_booking = book(make, running, desk_user)

    assert sessions_close_ended() == ClosingCounts()

    booking.refresh_from_db()
    running_booking.refresh_from_db()
    assert (booking.status, running_booking.status) == ("booked", "booked")
    running.refresh_from_db()
    assert running.status == SessionStatus.SCHEDULED
    assert not BookingEvent.objects.filter(reason="no_show").exists()


def test_sessions_ended_before_the_lookback_window_are_untouched(make, desk_user):
    old = ended_session(make, ended_ago=datetime.timedelta(days=CLOSE_LOOKBACK_DAYS, hours=1))
    book(make, old, desk_user)

    assert sessions_close_ended() == ClosingCounts()
    assert statuses(old) == ["booked"]
    # Run as of an earlier moment (after an outage), it is closed.
    earlier = timezone.now() - datetime.timedelta(days=2)
    assert sessions_close_ended(now=earlier).no_shows == 1


def test_running_twice_changes_nothing_more(make, desk_user, venue_user):
    session = ended_session(make)
    book(make, session, desk_user)
    attend(book(make, session, desk_user), venue_user)
    sessions_close_ended()

    assert sessions_close_ended() == ClosingCounts()

    assert BookingEvent.objects.filter(reason="no_show").count() == 1
    assert statuses(session) == ["attended", "no_show"]


def test_a_late_checkin_after_closing_makes_the_session_held_on_the_next_run(
    make, desk_user, venue_user
):
    session = ended_session(make)
    late = book(make, session, desk_user)
    sessions_close_ended()
    late.refresh_from_db()
    assert late.status == BookingStatus.NO_SHOW

    attend(late, venue_user)  # checkin_redeem turns the no-show into an attendance
    assert sessions_close_ended() == ClosingCounts(sessions=1, held=1, no_shows=0)

    session.refresh_from_db()
    assert session.status == SessionStatus.HELD


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_closing_at_once_mark_each_no_show_once(make, desk_user, venue_user):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL (CI runs this on it)")
    sessions = [
        ended_session(make, ended_ago=datetime.timedelta(hours=hours), capacity=10)
        for hours in range(1, 6)
    ]
    for session in sessions:
        for _ in range(4):
            book(make, session, desk_user)
        attend(book(make, session, desk_user), venue_user)
    barrier = threading.Barrier(4)
    counts, errors = [], []

    def worker():
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            counts.append(sessions_close_ended())
        except Exception as exc:  # any error fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sys.setswitchinterval(previous_interval)

    assert errors == []
    assert sum(c.no_shows for c in counts) == 20
    assert sum(c.held for c in counts) == 5
    assert BookingEvent.objects.filter(reason="no_show").count() == 20
    assert all(s.status == SessionStatus.HELD for s in type(sessions[0]).objects.all())


def test_closing_costs_a_bounded_number_of_queries(
    make, desk_user, venue_user, django_assert_max_num_queries
):
    for hours in (1, 2, 3):
        session = ended_session(make, ended_ago=datetime.timedelta(hours=hours), capacity=10)
        for _ in range(6):
            book(make, session, desk_user)
        attend(book(make, session, desk_user), venue_user)

    # 1 to find the sessions, then per session: lock, lock bookings, update, events,
    # attended?, held (+ savepoints on the test's transaction).
    with django_assert_max_num_queries(1 + 3 * 8):
        assert sessions_close_ended().no_shows == 18


def test_the_task_runs_through_django_q(make, desk_user, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    session = ended_session(make)
    book(make, session, desk_user)

    task_id = async_task("attendance.tasks.close_ended_sessions", sync=True)

    assert result(task_id) == {"sessions": 1, "held": 0, "no_shows": 1}
    assert statuses(session) == ["no_show"]


def test_migrate_registers_the_closing_schedule_once():
    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    schedule = Schedule.objects.get(name="attendance.close_ended_sessions")
    assert schedule.func == "attendance.tasks.close_ended_sessions"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 15)
    assert Schedule.objects.filter(name="attendance.close_ended_sessions").count() == 1


def test_the_desk_sees_the_no_show_count_after_closing(make, desk_client, desk_user):
    resident = make.resident()
    for hours in (1, 26):  # two different days
        session = ended_session(make, ended_ago=datetime.timedelta(hours=hours))
        book(make, session, desk_user, resident=resident)
    url = reverse("classes:desk_resident", args=[resident.pk])
    badge = '<dt>欠席（無断）</dt><dd><span class="badge warn">2回</span>'

    assert badge not in desk_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    sessions_close_ended()
    assert badge in desk_client.get(url, HTTP_HX_REQUEST="true").content.decode()
