"""The session's date decides: a late evening session's residents scanned after midnight.

Rule (attendance/checkin.py "When a ticket counts"): a ticket is accepted from 00:00 of its
session's Tokyo day until the later of that day's end and the session's end plus
CHECKIN_GRACE_MINUTES (30 by default); closing marks no-shows only after the end plus the grace.
The session below runs 23:30–23:59 on 2026-03-31, the last day of FY2025.
"""

import datetime
import uuid

import pytest

from attendance.checkin import checkin_redeem
from attendance.closing import ClosingCounts, sessions_close_ended
from attendance.tickets import ticket_issue
from classes.booking import booking_create
from classes.models import Booking, BookingStatus, SessionStatus
from tests.factories import tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(make):
    return make.session(starts_at=tokyo(2026, 3, 31, 23, 30), minutes=29, capacity=5)


def ticket_for(make, session, user):
    booking = booking_create(
        session_id=session.pk,
        resident_id=make.resident().pk,
        user=user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking
    return ticket_issue(booking_id=booking.pk, user=user)


def scan(ticket, session, user, at):
    return checkin_redeem(
        token=ticket.token,
        session_id=session.pk,
        device="test",
        nonce=uuid.uuid4(),
        user=user,
        now=at,
    )


def status(ticket):
    return Booking.objects.get(pk=ticket.booking_id).status


def test_scanned_at_five_past_midnight_is_checked_in(make, late, desk_user, venue_user):
    ticket = ticket_for(make, late, desk_user)
    outcome = scan(ticket, late, venue_user, tokyo(2026, 4, 1, 0, 5))
    assert outcome.result == "ok"
    assert status(ticket) == BookingStatus.ATTENDED


def test_the_window_opens_at_the_start_of_the_sessions_day_and_closes_after_the_grace(
    make, late, desk_user, venue_user
):
    # 23:59 the day before: not yet; 00:00 of the session's day: yes.
    early = ticket_for(make, late, desk_user)
    assert scan(early, late, venue_user, tokyo(2026, 3, 30, 23, 59)).result == "wrong_day"
    assert scan(early, late, venue_user, tokyo(2026, 3, 31, 0, 0)).result == "ok"
    # The end (23:59) plus 30 minutes is 00:29: a minute before, yes; at 00:29, no.
    in_time = ticket_for(make, late, desk_user)
    assert scan(in_time, late, venue_user, tokyo(2026, 4, 1, 0, 28)).result == "ok"
    too_late = ticket_for(make, late, desk_user)
    assert scan(too_late, late, venue_user, tokyo(2026, 4, 1, 0, 29)).result == "wrong_day"
    assert status(too_late) == BookingStatus.BOOKED


def test_the_grace_is_a_setting(make, late, desk_user, venue_user, settings):
    settings.CHECKIN_GRACE_MINUTES = 0
    ticket = ticket_for(make, late, desk_user)
    assert scan(ticket, late, venue_user, tokyo(2026, 4, 1, 0, 5)).result == "wrong_day"


def test_a_day_session_still_takes_check_ins_all_its_day(make, desk_user, venue_user):
    morning = make.session(starts_at=tokyo(2026, 6, 17, 10), minutes=90)
    ticket = ticket_for(make, morning, desk_user)
    # Entered from the paper list at 21:00, long after the grace: still the session's day.
    assert scan(ticket, morning, venue_user, tokyo(2026, 6, 17, 21)).result == "ok"
    other = ticket_for(make, morning, desk_user)
    assert scan(other, morning, venue_user, tokyo(2026, 6, 18, 0, 1)).result == "wrong_day"


def test_closing_waits_for_the_grace_so_a_late_arrival_is_never_a_no_show(
    make, late, desk_user, venue_user
):
    arriving = ticket_for(make, late, desk_user)
    absent = ticket_for(make, late, desk_user)
    # Five past midnight: the session ended six minutes ago, check-in is still open.
    assert sessions_close_ended(now=tokyo(2026, 4, 1, 0, 5)) == ClosingCounts()
    assert scan(arriving, late, venue_user, tokyo(2026, 4, 1, 0, 5)).ok
    assert sessions_close_ended(now=tokyo(2026, 4, 1, 0, 28)) == ClosingCounts()
    assert status(absent) == BookingStatus.BOOKED
    # Once check-in has stopped (00:29), the unused seat is a no-show, the late arrival is not.
    counts = sessions_close_ended(now=tokyo(2026, 4, 1, 0, 29))
    assert counts == ClosingCounts(sessions=1, held=1, no_shows=1)
    assert (status(arriving), status(absent)) == (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
    late.refresh_from_db()
    assert late.status == SessionStatus.HELD


def test_the_venues_today_list_keeps_a_late_session_while_it_takes_check_ins(make, late):
    from attendance.queries import venue_sessions_today

    new_day = datetime.date(2026, 4, 1)
    early_tomorrow = make.session(starts_at=tokyo(2026, 4, 1, 9), minutes=60)
    listed = venue_sessions_today(None, day=new_day, now=tokyo(2026, 4, 1, 0, 5))
    assert [s.pk for s in listed] == [late.pk, early_tomorrow.pk]
    after_the_grace = venue_sessions_today(None, day=new_day, now=tokyo(2026, 4, 1, 0, 29))
    assert [s.pk for s in after_the_grace] == [early_tomorrow.pk]
