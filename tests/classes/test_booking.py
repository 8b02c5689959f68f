"""Booking rules through the service functions: capacity, waitlist, offers, cancellations."""

import datetime
import sys
import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from classes.booking import (
    BookingError,
    booking_cancel,
    booking_create,
    offer_accept,
    offer_decline,
    offers_expire,
    request_key_for,
    series_book,
    session_cancel,
    waitlist_position,
)
from classes.models import Booking, BookingEvent, BookingStatus, CancelReason, Series, SessionStatus

pytestmark = pytest.mark.django_db


def book(session, resident, user, **kwargs):
    return booking_create(session_id=session.pk, resident_id=resident.pk, user=user, **kwargs)


def test_books_until_full_then_waitlists_in_order(make, desk_user):
    session = make.session(capacity=2)
    people = [make.resident() for _ in range(4)]
    outcomes = [book(session, person, desk_user) for person in people]

    assert [o.booking.status for o in outcomes] == ["booked", "booked", "waitlisted", "waitlisted"]
    assert [o.waitlist_position for o in outcomes] == [None, None, 1, 2]
    assert all(o.created for o in outcomes)
    event = BookingEvent.objects.get(booking=outcomes[2].booking)
    assert (event.to_status, event.reason, event.actor) == ("waitlisted", "waitlisted", desk_user)


def test_same_request_twice_books_once(make, desk_user):
    session = make.session(capacity=5)
    resident = make.resident()
    key = request_key_for(uuid.uuid4(), session.pk, resident.pk)

    first = book(session, resident, desk_user, request_key=key)
    again = book(session, resident, desk_user, request_key=key)
    without_key = book(session, resident, desk_user)

    assert first.created and not again.created and not without_key.created
    assert again.booking.pk == first.booking.pk == without_key.booking.pk
    assert Booking.objects.count() == 1


def test_overlapping_bookings_are_refused(make, desk_user):
    start = timezone.now() + datetime.timedelta(days=3)
    morning = make.session(starts_at=start, minutes=120)
    overlapping = make.session(starts_at=start + datetime.timedelta(minutes=60))
    afterwards = make.session(starts_at=start + datetime.timedelta(minutes=120))
    resident = make.resident()
    book(morning, resident, desk_user)

    with pytest.raises(BookingError) as refused:
        book(overlapping, resident, desk_user)
    assert refused.value.code == "overlap"
    assert book(afterwards, resident, desk_user).booking.status == "booked"


def test_cancelled_started_or_unknown_sessions_cannot_be_booked(make, desk_user):
    resident = make.resident()
    cancelled = make.session(status=SessionStatus.CANCELLED)
    started = make.session(starts_at=timezone.now() - datetime.timedelta(minutes=5))

    for session, code in [(cancelled, "session_cancelled"), (started, "session_started")]:
        with pytest.raises(BookingError) as refused:
            book(session, resident, desk_user)
        assert refused.value.code == code
    with pytest.raises(BookingError):
        booking_create(session_id=999999, resident_id=resident.pk, user=desk_user)
    assert Booking.objects.count() == 0


def test_merged_resident_cannot_be_booked(make, desk_user):
    kept = make.resident()
    merged = make.resident(merged_into=kept)
    with pytest.raises(BookingError) as refused:
        book(make.session(), merged, desk_user)
    assert refused.value.code == "merged_resident"


def test_cancel_frees_the_seat_as_an_offer_to_the_first_waiting(make, desk_user, settings):
    settings.BOOKING_OFFER_HOURS = 48
    session = make.session(capacity=1, starts_at=timezone.now() + datetime.timedelta(days=10))
    seated = book(session, make.resident(), desk_user).booking
    first = book(session, make.resident(), desk_user).booking
    second = book(session, make.resident(), desk_user).booking

    outcome = booking_cancel(
        booking_id=seated.pk, user=desk_user, reason=CancelReason.BY_RESIDENT, note="体調不良"
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert outcome.booking.status == "cancelled"
    assert outcome.booking.cancel_reason == "by_resident"
    assert [b.pk for b in outcome.offered] == [first.pk]
    assert first.status == "offered"
    expected = timezone.now() + datetime.timedelta(hours=48)
    assert abs(first.offer_expires_at - expected) < datetime.timedelta(minutes=1)
    assert waitlist_position(second) == 1
    # The offered seat is held: a newcomer waits behind the queue.
    assert book(session, make.resident(), desk_user).booking.status == "waitlisted"


def test_offer_never_outlives_the_session_start(make, desk_user, settings):
    settings.BOOKING_OFFER_HOURS = 48
    starts = timezone.now() + datetime.timedelta(hours=5)
    session = make.session(capacity=1, starts_at=starts)
    seated = book(session, make.resident(), desk_user).booking
    waiting = book(session, make.resident(), desk_user).booking
    booking_cancel(booking_id=seated.pk, user=desk_user)
    waiting.refresh_from_db()
    assert waiting.offer_expires_at == starts


def test_accept_decline_and_expiry_move_the_offer_on(make, desk_user):
    session = make.session(capacity=1)
    seated = book(session, make.resident(), desk_user).booking
    a, b, c = (book(session, make.resident(), desk_user).booking for _ in range(3))
    booking_cancel(booking_id=seated.pk, user=desk_user)

    declined = offer_decline(booking_id=a.pk, user=desk_user)
    assert declined.booking.cancel_reason == CancelReason.OFFER_DECLINED
    assert [x.pk for x in declined.offered] == [b.pk]

    b.refresh_from_db()
    later = b.offer_expires_at + datetime.timedelta(seconds=1)
    assert offers_expire(now=b.offer_expires_at - datetime.timedelta(seconds=1)) == []
    moved_on = offers_expire(now=later)
    assert [x.pk for x in moved_on] == [c.pk]
    b.refresh_from_db()
    assert (b.status, b.cancel_reason) == ("cancelled", "offer_expired")
    assert offers_expire(now=later) == []  # running again changes nothing

    accepted = offer_accept(booking_id=c.pk, user=desk_user)
    assert accepted.booking.status == "booked"
    assert accepted.booking.offer_expires_at is None
    with pytest.raises(BookingError):
        offer_accept(booking_id=c.pk, user=desk_user)


def test_expired_offer_cannot_be_accepted(make, desk_user):
    session = make.session(capacity=1)
    seated = book(session, make.resident(), desk_user).booking
    waiting = book(session, make.resident(), desk_user).booking
    booking_cancel(booking_id=seated.pk, user=desk_user)
    waiting.refresh_from_db()
    with pytest.raises(BookingError) as refused:
        offer_accept(
            booking_id=waiting.pk,
            user=desk_user,
            now=waiting.offer_expires_at + datetime.timedelta(minutes=1),
        )
    assert refused.value.code == "offer_expired"


def test_cancelling_a_waitlist_place_offers_nothing(make, desk_user):
    session = make.session(capacity=1)
    book(session, make.resident(), desk_user)
    waiting = book(session, make.resident(), desk_user).booking
    behind = book(session, make.resident(), desk_user).booking
    outcome = booking_cancel(booking_id=waiting.pk, user=desk_user)
    assert outcome.offered == []
    assert waitlist_position(Booking.objects.get(pk=behind.pk)) == 1
    with pytest.raises(BookingError) as again:
        booking_cancel(booking_id=waiting.pk, user=desk_user)
    assert again.value.code == "already_cancelled"


def test_session_cancel_cancels_everyone_and_lists_them(make, dx_user, desk_user):
    session = make.session(capacity=1)
    seated = book(session, make.resident(), desk_user).booking
    waiting = book(session, make.resident(), desk_user).booking
    another_day = make.session(starts_at=timezone.now() + datetime.timedelta(days=20))
    elsewhere = book(another_day, seated.resident, desk_user).booking

    contacts = session_cancel(session_id=session.pk, user=dx_user, reason="講師の体調不良のため")

    assert [(b.pk, b.previous_status) for b in contacts] == [
        (seated.pk, "booked"),
        (waiting.pk, "waitlisted"),
    ]
    session.refresh_from_db()
    assert session.status == "cancelled" and session.cancelled_by == dx_user
    assert set(session.bookings.values_list("status", "cancel_reason")) == {
        ("cancelled", "session_cancelled")
    }
    assert BookingEvent.objects.filter(reason="session_cancelled").count() == 2
    assert Booking.objects.get(pk=elsewhere.pk).status == "booked"
    with pytest.raises(BookingError):
        session_cancel(session_id=session.pk, user=dx_user, reason="again")


def test_series_is_booked_as_a_whole_or_not_at_all(make, desk_user):
    venue = make.venue()
    series = Series.objects.create(
        title="スマホ教室 3回コース",
        venue=venue,
        frequency=Series.Frequency.WEEKLY,
        weekday=1,
        start_date=datetime.date(2030, 1, 1),
        end_date=datetime.date(2030, 1, 31),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        capacity=2,
        book_as_whole=True,
    )
    start = timezone.now() + datetime.timedelta(days=7)
    parts = [
        make.session(
            series=series, venue=venue, capacity=2, starts_at=start + datetime.timedelta(weeks=i)
        )
        for i in range(3)
    ]
    resident = make.resident()

    bookings = series_book(series_id=series.pk, resident_id=resident.pk, user=desk_user)
    assert [b.session_id for b in bookings] == [p.pk for p in parts]
    assert {b.series_id for b in bookings} == {series.pk}
    again = series_book(series_id=series.pk, resident_id=resident.pk, user=desk_user)
    assert sorted(b.pk for b in again) == sorted(b.pk for b in bookings)

    book(parts[2], make.resident(), desk_user)  # the last part is now full
    late = make.resident()
    with pytest.raises(BookingError) as refused:
        series_book(series_id=series.pk, resident_id=late.pk, user=desk_user)
    assert refused.value.code == "series_full"
    assert not Booking.objects.filter(resident=late).exists()


def test_booking_create_holds_the_lock_for_few_queries(make, desk_user, django_assert_num_queries):
    session = make.session(capacity=20)
    for _ in range(20):
        book(session, make.resident(), desk_user)
    # savepoint; lock session; lock resident; the resident's bookings at that time;
    # seats taken and waiting; insert booking; insert history; insert what follows (one row
    # per listener, one statement); release savepoint
    newcomer = make.resident()
    with django_assert_num_queries(9):
        outcome = book(session, newcomer, desk_user)
    assert outcome.waitlist_position == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_connections_book_ten_seats_exactly(make, desk_user):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL (CI runs this on it)")
    session = make.session(capacity=10)
    residents = [make.resident() for _ in range(50)]
    barrier = threading.Barrier(50)
    errors = []

    def attempt(resident):
        try:
            # Connect first, so that all fifty really start their transactions together.
            connection.ensure_connection()
            barrier.wait(timeout=30)
            booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
        except Exception as exc:  # any error at all fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in residents]
    # Switch threads often, so transactions interleave the way separate processes would.
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
    statuses = list(session.bookings.values_list("status", flat=True))
    assert statuses.count(BookingStatus.BOOKED) == 10
    assert statuses.count(BookingStatus.WAITLISTED) == 40
    positions = sorted(
        waitlist_position(b) for b in session.bookings.filter(status=BookingStatus.WAITLISTED)
    )
    assert positions == list(range(1, 41))


def test_walk_in_joins_a_started_session_and_over_capacity_only_with_a_reason(make, desk_user):
    started = make.session(
        capacity=1, starts_at=timezone.now() - datetime.timedelta(minutes=20), minutes=90
    )
    first = booking_create(
        session_id=started.pk, resident_id=make.resident().pk, user=desk_user, walk_in=True
    )
    assert first.booking.status == "booked"
    full = booking_create(
        session_id=started.pk, resident_id=make.resident().pk, user=desk_user, walk_in=True
    )
    assert full.booking.status == "waitlisted"  # no reason given: no extra seat
    extra = booking_create(
        session_id=started.pk,
        resident_id=make.resident().pk,
        user=desk_user,
        walk_in=True,
        over_capacity_reason="予備の椅子を出した",
    )
    assert extra.booking.status == "booked"
    event = BookingEvent.objects.get(booking=extra.booking)
    assert (event.reason, event.note) == ("booked_over_capacity", "予備の椅子を出した")
    with pytest.raises(BookingError):  # from the desk, a started session stays closed
        booking_create(session_id=started.pk, resident_id=make.resident().pk, user=desk_user)
