"""Booking together (classes.booking, BookingGroup): a couple or a parent with a grown child
gets seats together or waits together, and is offered seats together."""

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
    booking_create_group,
    booking_group_undo,
    offer_accept,
    offer_decline,
    offers_expire,
    session_offer_free_seats,
    waitlist_position,
)
from classes.models import Booking, BookingEvent, BookingGroup, BookingStatus, CancelReason

pytestmark = pytest.mark.django_db


def book(session, resident, user):
    return booking_create(session_id=session.pk, resident_id=resident.pk, user=user).booking


def book_together(session, residents, user, **kwargs):
    return booking_create_group(
        session_id=session.pk, resident_ids=[r.pk for r in residents], user=user, **kwargs
    )


def statuses(bookings):
    for booking in bookings:
        booking.refresh_from_db()
    return [b.status for b in bookings]


@pytest.fixture
def couple(make):
    return [
        make.resident(family_name="山田", given_name="太郎"),
        make.resident(family_name="山田", given_name="花子"),
    ]


def test_a_couple_with_seats_for_both_is_booked_in_one_step(make, desk_user, couple):
    session = make.session(capacity=5)

    outcome = book_together(session, couple, desk_user)

    assert outcome.created and outcome.waitlist_position is None
    assert [b.resident for b in outcome.bookings] == couple  # the caller first
    assert [b.status for b in outcome.bookings] == ["booked", "booked"]
    assert {b.group_id for b in outcome.bookings} == {outcome.group.pk}
    assert outcome.lead == outcome.bookings[0]
    # One history entry per member's booking, as for a booking made alone.
    events = BookingEvent.objects.filter(booking__in=outcome.bookings)
    assert sorted((e.booking_id, e.reason, e.actor) for e in events) == [
        (b.pk, "booked", desk_user) for b in outcome.bookings
    ]


def test_one_seat_left_for_two_books_nobody(make, desk_user, couple):
    session = make.session(capacity=3)
    for _ in range(2):
        book(session, make.resident(), desk_user)

    with pytest.raises(BookingError) as refused:
        book_together(session, couple, desk_user)

    assert refused.value.code == "group_short"
    assert "残り1席" in refused.value.message and "2名" in refused.value.message
    assert not Booking.objects.filter(resident__in=couple).exists()
    assert not BookingGroup.objects.exists()


def test_when_the_desk_chooses_both_join_the_waitlist_together(make, desk_user, couple):
    session = make.session(capacity=3)
    for _ in range(2):
        book(session, make.resident(), desk_user)

    outcome = book_together(session, couple, desk_user, waitlist_ok=True)

    assert [b.status for b in outcome.bookings] == ["waitlisted", "waitlisted"]
    assert outcome.waitlist_position == 1
    assert [waitlist_position(b) for b in outcome.bookings] == [1, 2]
    assert session.bookings.filter(status=BookingStatus.BOOKED).count() == 2  # seat 3 stays free


def test_nobody_jumps_the_queue_even_when_seats_are_free(make, desk_user, couple):
    session = make.session(capacity=4)
    for _ in range(4):
        book(session, make.resident(), desk_user)
    book(session, make.resident(), desk_user)  # waiting
    Booking.objects.filter(session=session, status=BookingStatus.BOOKED).update(
        status=BookingStatus.CANCELLED, cancel_reason=CancelReason.BY_STAFF
    )  # seats free, and still someone waiting (as if their offer were being made)

    with pytest.raises(BookingError) as refused:
        book_together(session, couple, desk_user)
    assert refused.value.code == "group_short"
    assert "キャンセル待ち" in refused.value.message


def test_a_waiting_couple_is_offered_seats_only_when_two_are_free(make, desk_user, couple):
    session = make.session(capacity=2)
    seated = [book(session, make.resident(), desk_user) for _ in range(2)]
    pair = book_together(session, couple, desk_user, waitlist_ok=True).bookings
    behind = book(session, make.resident(), desk_user)

    first = booking_cancel(booking_id=seated[0].pk, user=desk_user)

    # One seat free: the couple at the head waits for both, and nobody behind it jumps ahead.
    assert first.offered == []
    assert statuses([*pair, behind]) == ["waitlisted", "waitlisted", "waitlisted"]
    assert session_offer_free_seats(session_id=session.pk, user=desk_user) == []

    second = booking_cancel(booking_id=seated[1].pk, user=desk_user)

    assert [b.pk for b in second.offered] == [b.pk for b in pair]
    assert statuses([*pair, behind]) == ["offered", "offered", "waitlisted"]
    assert len({b.offer_expires_at for b in pair}) == 1  # one deadline for both


def test_a_single_ahead_of_a_couple_takes_the_first_free_seat(make, desk_user, couple):
    session = make.session(capacity=2)
    seated = [book(session, make.resident(), desk_user) for _ in range(2)]
    ahead = book(session, make.resident(), desk_user)
    pair = book_together(session, couple, desk_user, waitlist_ok=True).bookings

    outcome = booking_cancel(booking_id=seated[0].pk, user=desk_user)

    assert [b.pk for b in outcome.offered] == [ahead.pk]
    assert statuses(pair) == ["waitlisted", "waitlisted"]


@pytest.fixture
def offered_couple(make, desk_user, couple):
    """A full session of 2, the couple waiting, one person behind them; both seats freed."""
    session = make.session(capacity=2)
    seated = [book(session, make.resident(), desk_user) for _ in range(2)]
    pair = book_together(session, couple, desk_user, waitlist_ok=True).bookings
    behind = book(session, make.resident(), desk_user)
    for booking in seated:
        booking_cancel(booking_id=booking.pk, user=desk_user)
    assert statuses(pair) == ["offered", "offered"]
    return pair, behind


def test_one_member_accepts_the_offer_for_both(offered_couple, desk_user):
    pair, behind = offered_couple

    outcome = offer_accept(booking_id=pair[1].pk, user=desk_user)  # the spouse answered

    assert statuses([*pair, behind]) == ["booked", "booked", "waitlisted"]
    assert [b.pk for b in outcome.together] == [b.pk for b in pair]
    assert outcome.booking.pk == pair[1].pk
    for booking in pair:
        assert booking.offer_expires_at is None
        assert booking.events.last().reason == "offer_accepted"


def test_one_member_declines_the_offer_for_both(offered_couple, desk_user):
    pair, behind = offered_couple

    outcome = offer_decline(booking_id=pair[0].pk, user=desk_user)

    assert statuses([*pair, behind]) == ["cancelled", "cancelled", "offered"]
    assert {b.cancel_reason for b in pair} == {CancelReason.OFFER_DECLINED}
    assert [b.pk for b in outcome.offered] == [behind.pk]


def test_an_expired_offer_closes_for_both(offered_couple, settings):
    pair, behind = offered_couple
    later = timezone.now() + datetime.timedelta(hours=settings.BOOKING_OFFER_HOURS, minutes=1)

    offered = offers_expire(now=later)

    assert statuses([*pair, behind]) == ["cancelled", "cancelled", "offered"]
    assert {b.cancel_reason for b in pair} == {CancelReason.OFFER_EXPIRED}
    assert [b.pk for b in offered] == [behind.pk]
    assert offers_expire(now=later) == []  # again: nothing more to do


def test_cancelling_one_member_keeps_the_other(make, desk_user, couple):
    session = make.session(capacity=2)
    pair = book_together(session, couple, desk_user).bookings
    waiting = book(session, make.resident(), desk_user)

    outcome = booking_cancel(booking_id=pair[1].pk, user=desk_user, reason="by_resident")

    assert statuses([*pair, waiting]) == ["booked", "cancelled", "offered"]
    assert outcome.together == []


def test_a_waiting_group_that_shrinks_is_offered_the_seats_it_now_fits(make, desk_user, couple):
    session = make.session(capacity=2)
    seated = [book(session, make.resident(), desk_user) for _ in range(2)]
    pair = book_together(session, couple, desk_user, waitlist_ok=True).bookings
    behind = book(session, make.resident(), desk_user)
    booking_cancel(booking_id=seated[0].pk, user=desk_user)  # one seat waits for the couple

    outcome = booking_cancel(booking_id=pair[1].pk, user=desk_user, reason="by_resident")

    assert [b.pk for b in outcome.offered] == [pair[0].pk]
    assert statuses([pair[0], behind]) == ["offered", "waitlisted"]


def test_a_waiting_group_that_leaves_lets_the_next_in_line_have_the_seat(make, desk_user, couple):
    session = make.session(capacity=2)
    seated = [book(session, make.resident(), desk_user) for _ in range(2)]
    pair = book_together(session, couple, desk_user, waitlist_ok=True).bookings
    behind = book(session, make.resident(), desk_user)
    booking_cancel(booking_id=seated[0].pk, user=desk_user)

    booking_cancel(booking_id=pair[0].pk, user=desk_user, reason="by_resident")
    last = booking_cancel(booking_id=pair[1].pk, user=desk_user, reason="by_resident")

    assert [b.pk for b in last.offered] == [behind.pk]


def test_the_same_request_twice_books_the_group_once(make, desk_user, couple):
    session = make.session(capacity=5)
    key = uuid.uuid4()

    first = book_together(session, couple, desk_user, request_key=key)
    again = book_together(session, couple, desk_user, request_key=key)
    without_key = book_together(session, couple, desk_user)

    assert first.created and not again.created and not without_key.created
    assert again.group == first.group == without_key.group
    assert [b.pk for b in again.bookings] == [b.pk for b in first.bookings]
    assert Booking.objects.count() == 2 and BookingGroup.objects.count() == 1


def test_a_member_already_booked_alone_stops_the_group_booking(make, desk_user, couple):
    session = make.session(capacity=5)
    book(session, couple[1], desk_user)

    with pytest.raises(BookingError) as refused:
        book_together(session, couple, desk_user)

    assert refused.value.code == "already_booked"
    assert "山田 花子" in refused.value.message
    assert not Booking.objects.filter(resident=couple[0]).exists()


def test_an_overlap_of_one_member_books_nobody_and_names_them(make, desk_user, couple):
    start = timezone.now() + datetime.timedelta(days=5)
    other = make.session(starts_at=start)
    book(other, couple[1], desk_user)
    session = make.session(starts_at=start + datetime.timedelta(minutes=30))

    with pytest.raises(BookingError) as refused:
        book_together(session, couple, desk_user)

    assert refused.value.code == "overlap"
    assert "山田 花子" in refused.value.message
    assert not Booking.objects.filter(session=session).exists()


@pytest.mark.parametrize("count,code", [(1, "group_too_small"), (5, "group_too_large")])
def test_a_group_has_two_to_four_people(make, desk_user, count, code):
    people = [make.resident() for _ in range(count)]
    with pytest.raises(BookingError) as refused:
        book_together(make.session(), people, desk_user)
    assert refused.value.code == code


def test_the_same_person_twice_is_not_a_group(make, desk_user, couple):
    with pytest.raises(BookingError) as refused:
        book_together(make.session(), [couple[0], couple[0]], desk_user)
    assert refused.value.code == "group_too_small"


def test_taking_back_a_group_booking_cancels_everyone_in_it(make, desk_user, couple):
    session = make.session(capacity=2)
    pair = book_together(session, couple, desk_user).bookings
    waiting = [book(session, make.resident(), desk_user) for _ in range(2)]

    outcome = booking_group_undo(booking_id=pair[0].pk, user=desk_user)

    assert statuses(pair) == ["cancelled", "cancelled"]
    assert {b.cancel_reason for b in pair} == {CancelReason.ENTERED_IN_ERROR}
    assert [b.pk for b in outcome.together] == [b.pk for b in pair]
    assert [b.pk for b in outcome.offered] == [b.pk for b in waiting]


def test_a_group_booking_is_taken_back_only_within_minutes(make, desk_user, couple, settings):
    settings.BOOKING_UNDO_MINUTES = 10
    pair = book_together(make.session(), couple, desk_user).bookings
    later = timezone.now() + datetime.timedelta(minutes=11)

    with pytest.raises(BookingError) as refused:
        booking_group_undo(booking_id=pair[0].pk, user=desk_user, now=later)

    assert refused.value.code == "too_late"
    assert statuses(pair) == ["booked", "booked"]
    with pytest.raises(BookingError) as alone:
        booking_group_undo(
            booking_id=book(make.session(), make.resident(), desk_user).pk, user=desk_user
        )
    assert alone.value.code == "not_a_group"


def test_booking_together_takes_few_queries(make, desk_user, couple, django_assert_num_queries):
    session = make.session(capacity=20)
    for _ in range(10):
        book(session, make.resident(), desk_user)
    # savepoint; lock session; lock 2 residents (2); their bookings at that time (2); seats
    # taken and waiting; insert group; per member: insert booking, history, what follows (6);
    # release savepoint
    with django_assert_num_queries(15):
        book_together(session, couple, desk_user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_couples_and_singles_never_split_or_overbook(make, desk_user):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL (CI runs this on it)")
    session = make.session(capacity=9)
    couples = [[make.resident(), make.resident()] for _ in range(12)]
    singles = [make.resident() for _ in range(12)]
    barrier = threading.Barrier(len(couples) + len(singles))
    errors = []

    def attempt(people):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            if len(people) == 1:
                booking_create(session_id=session.pk, resident_id=people[0].pk, user=desk_user)
            else:
                booking_create_group(
                    session_id=session.pk,
                    resident_ids=[p.pk for p in people],
                    user=desk_user,
                    waitlist_ok=True,
                )
        except Exception as exc:  # any error at all fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attempt, args=(p,)) for p in [*couples, *[[s] for s in singles]]
    ]
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
    bookings = list(session.bookings.all())
    assert len(bookings) == 36
    assert sum(b.status == BookingStatus.BOOKED for b in bookings) <= 9
    by_group = {}
    for booking in bookings:
        if booking.group_id:
            by_group.setdefault(booking.group_id, set()).add(booking.status)
    assert len(by_group) == 12
    assert all(len(seen) == 1 for seen in by_group.values())  # never one seated, one waiting
    positions = sorted(
        waitlist_position(b) for b in session.bookings.filter(status=BookingStatus.WAITLISTED)
    )
    assert positions == list(range(1, len(positions) + 1))


def test_a_group_is_booked_at_the_desk_unless_it_says_web(make, desk_user, couple):
    from classes.models import BookingSource

    desk = book_together(make.session(capacity=5), couple, desk_user)
    later = make.session(capacity=5, starts_at=make.days_ahead(9))
    web = book_together(later, couple, None, source=BookingSource.WEB)
    assert {b.source for b in desk.bookings} == {BookingSource.DESK}
    assert {b.source for b in web.bookings} == {BookingSource.WEB}
