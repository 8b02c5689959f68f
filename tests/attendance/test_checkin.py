"""The check-in service: result codes, idempotency, logging, undo."""

import datetime
import sys
import threading
import uuid

import pytest
from django.db import connection, connections

from attendance.checkin import CheckInError, checkin_redeem, checkin_undo, token_from_scan
from attendance.models import TOKEN_ALPHABET, TOKEN_LENGTH, CheckIn, Ticket
from attendance.tickets import ticket_issue, ticket_reissue
from classes.booking import booking_cancel, booking_create
from classes.models import BookingStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_session(make):
    """A session later today, so scans are on the right day."""
    return make.session(starts_at=make.later_today(30), capacity=2)


def booked_ticket(make, session, user):
    """Booked at the desk the day before the session."""
    booking = booking_create(
        session_id=session.pk,
        resident_id=make.resident().pk,
        user=user,
        now=session.starts_at - datetime.timedelta(days=1),
    )
    return ticket_issue(booking_id=booking.booking.pk, user=user)


def scan(ticket_or_token, session, user, nonce=None, **kwargs):
    token = getattr(ticket_or_token, "token", ticket_or_token)
    return checkin_redeem(
        token=token,
        session_id=session.pk,
        device="iPhone 受付1",
        nonce=nonce or uuid.uuid4(),
        user=user,
        **kwargs,
    )


def test_tokens_are_long_unambiguous_and_unique(make, desk_user):
    session = make.session()
    tickets = [booked_ticket(make, session, desk_user) for _ in range(2)]
    for ticket in tickets:
        assert len(ticket.token) == TOKEN_LENGTH and set(ticket.token) <= set(TOKEN_ALPHABET)
        assert not set(ticket.token) & set("01IO")
    assert len(TOKEN_ALPHABET) ** TOKEN_LENGTH >= 2**128
    assert tickets[0].token != tickets[1].token
    assert ticket_issue(booking_id=tickets[0].booking_id) == tickets[0]  # issued once


def test_ok_then_already_checked_in_with_when_and_by_whom(
    make, today_session, desk_user, venue_user
):
    ticket = booked_ticket(make, today_session, desk_user)

    first = scan(ticket, today_session, venue_user)
    second = scan(ticket, today_session, desk_user)

    assert first.result == "ok" and first.resident_name == ticket.booking.resident.full_name
    assert second.result == "already_checked_in"
    assert second.first_by == venue_user and second.first_at == first.checkin.at
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.ATTENDED
    assert CheckIn.objects.filter(result="ok").count() == 1
    assert CheckIn.objects.count() == 2  # every attempt is logged
    logged = CheckIn.objects.get(booking=ticket.booking, result="ok")
    assert (logged.by, logged.channel, logged.device) == (venue_user, "camera", "iPhone 受付1")


def test_scanner_may_send_the_ticket_url_or_lower_case(make, today_session, desk_user):
    ticket = booked_ticket(make, today_session, desk_user)
    assert token_from_scan(f"https://city.example.jp/t/{ticket.token}/") == ticket.token
    assert token_from_scan(ticket.token.lower()) == ticket.token
    assert scan(f"http://127.0.0.1:8000/t/{ticket.token}/", today_session, desk_user).ok


def test_a_retried_request_returns_the_first_answer_and_changes_nothing(
    make, today_session, desk_user
):
    ticket = booked_ticket(make, today_session, desk_user)
    nonce = uuid.uuid4()
    first = scan(ticket, today_session, desk_user, nonce=nonce)
    retry = scan(ticket, today_session, desk_user, nonce=nonce)
    assert first.result == retry.result == "ok"
    assert retry.checkin.pk == first.checkin.pk
    assert CheckIn.objects.count() == 1


def test_reason_codes(make, today_session, desk_user):
    # Booked the day before, so a session that began earlier today can still be booked.
    other_today = make.session(starts_at=make.earlier_today(60))
    other_day = make.session(starts_at=today_session.starts_at + datetime.timedelta(days=2))
    wrong_session = booked_ticket(make, other_today, desk_user)
    wrong_day = booked_ticket(make, other_day, desk_user)
    cancelled = booked_ticket(make, today_session, desk_user)
    booking_cancel(booking_id=cancelled.booking_id, user=desk_user)
    for _ in range(2):
        booked_ticket(make, today_session, desk_user)  # the session is now full (2 seats)
    waitlisted = booked_ticket(make, today_session, desk_user)
    revoked = booked_ticket(make, other_today, desk_user)
    ticket_reissue(booking_id=revoked.booking_id, user=desk_user)

    results = {
        name: scan(ticket, today_session, desk_user).result
        for name, ticket in {
            "wrong_session": wrong_session,
            "wrong_day": wrong_day,
            "cancelled": cancelled,
            "waitlisted": waitlisted,
            "revoked": revoked,
            "unknown": "NOTATOKEN2345",
        }.items()
    }
    assert results == {name: name for name in results}
    assert CheckIn.objects.filter(result="ok").count() == 0
    assert CheckIn.objects.count() == 6


def test_reissued_ticket_works_and_the_old_one_says_revoked(make, today_session, desk_user):
    old = booked_ticket(make, today_session, desk_user)
    new = ticket_reissue(booking_id=old.booking_id, user=desk_user)
    assert new.token != old.token
    assert Ticket.objects.get(pk=old.pk).revoke_reason == "reissued"
    assert scan(old, today_session, desk_user).result == "revoked"
    assert scan(new, today_session, desk_user).result == "ok"


# What a scan costs: one read, then on PostgreSQL one statement that claims the booking and logs
# the scan together; on SQLite the claim and the log are two statements in a transaction.
POSTGRES = connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_a_scan_from_the_api_costs_two_or_three_statements(
    make, today_session, desk_user, django_assert_num_queries
):
    ticket = booked_ticket(make, today_session, desk_user)
    # read; claim and log (SQLite: BEGIN, claim, log, COMMIT)
    with django_assert_num_queries(2 if POSTGRES else 5):
        assert scan(ticket, today_session, desk_user).ok
    # A repeat only logs the attempt: the first check-in came with the read.
    with django_assert_num_queries(2) as repeat:
        outcome = scan(ticket, today_session, desk_user)
    assert outcome.result == "already_checked_in"
    assert outcome.first_by == desk_user
    assert "UPDATE" not in repeat.captured_queries[1]["sql"]


def test_inside_a_transaction_a_scan_guards_it_with_a_savepoint(
    make, today_session, desk_user, django_assert_num_queries
):
    ticket = booked_ticket(make, today_session, desk_user)
    # savepoint; read; claim and log (SQLite: claim, log); release
    with django_assert_num_queries(4 if POSTGRES else 5):
        assert scan(ticket, today_session, desk_user).ok


def test_undo_within_minutes_books_again_and_is_logged(make, today_session, desk_user):
    ticket = booked_ticket(make, today_session, desk_user)
    done = scan(ticket, today_session, desk_user)

    checkin_undo(checkin_id=done.checkin.pk, user=desk_user)

    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.BOOKED
    assert CheckIn.objects.get(pk=done.checkin.pk).undone_by == desk_user
    assert scan(ticket, today_session, desk_user).result == "ok"  # can check in again
    with pytest.raises(CheckInError) as again:
        checkin_undo(checkin_id=done.checkin.pk, user=desk_user)
    assert again.value.code == "already_undone"


def test_undo_is_refused_after_the_window(make, today_session, desk_user):
    ticket = booked_ticket(make, today_session, desk_user)
    done = scan(ticket, today_session, desk_user)
    with pytest.raises(CheckInError) as late:
        checkin_undo(
            checkin_id=done.checkin.pk,
            user=desk_user,
            now=done.checkin.at + datetime.timedelta(minutes=11),
        )
    assert late.value.code == "too_late"


def test_malformed_nonce_is_refused(make, today_session, desk_user):
    ticket = booked_ticket(make, today_session, desk_user)
    with pytest.raises(CheckInError):
        scan(ticket, today_session, desk_user, nonce="not-a-uuid")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_phones_scanning_one_ticket_make_one_checkin(make, desk_user):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL (CI runs this on it)")
    session = make.session(starts_at=make.later_today(30))
    ticket = booked_ticket(make, session, desk_user)
    barrier = threading.Barrier(50)
    results, errors = [], []

    def phone(index):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results.append(scan(ticket, session, desk_user).result)
        except Exception as exc:  # any error fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(50)]
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
    assert sorted(results).count("ok") == 1
    assert results.count("already_checked_in") == 49
    assert CheckIn.objects.filter(result="ok").count() == 1


def test_a_ticket_counts_only_on_the_day_of_its_session(make, desk_user):
    next_week = make.session(starts_at=make.days_ahead(7))
    ticket = booked_ticket(make, next_week, desk_user)
    # Even on its own session's page, a week early is the wrong day.
    assert scan(ticket, next_week, desk_user).result == "wrong_day"
    assert scan(ticket, next_week, desk_user, now=next_week.starts_at).result == "ok"
