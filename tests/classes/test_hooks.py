"""Other apps follow booking changes through classes.hooks, after the commit only."""

import pytest
from django.db import transaction

from classes import hooks
from classes.booking import booking_cancel, booking_create, session_cancel

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    changes = []

    def listener(change):
        changes.append(change)

    hooks.on_booking_change(listener)
    yield changes
    hooks._booking_changes.unregister(listener)


def test_listeners_hear_each_change_after_commit(
    make, desk_user, heard, django_capture_on_commit_callbacks
):
    session = make.session(capacity=1)
    first, second = make.resident(), make.resident()
    with django_capture_on_commit_callbacks(execute=True):
        booked = booking_create(session_id=session.pk, resident_id=first.pk, user=desk_user)
        booking_create(session_id=session.pk, resident_id=second.pk, user=desk_user)
        booking_cancel(booking_id=booked.booking.pk, user=desk_user)
    assert [(c.resident_id, c.from_status, c.to_status, c.reason) for c in heard] == [
        (first.pk, "", "booked", "booked"),
        (second.pk, "", "waitlisted", "waitlisted"),
        (first.pk, "booked", "cancelled", "cancelled"),
        (second.pk, "waitlisted", "offered", "offered"),
    ]
    assert {c.session_id for c in heard} == {session.pk}


def test_a_rolled_back_change_reaches_nobody(
    make, desk_user, heard, django_capture_on_commit_callbacks
):
    session = make.session()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
        raise RuntimeError
    assert heard == []


def test_session_cancel_tells_about_every_booking(
    make, desk_user, heard, django_capture_on_commit_callbacks
):
    session = make.session()
    residents = [make.resident() for _ in range(3)]
    for resident in residents:
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session_id=session.pk, user=desk_user, reason="台風")
    assert sorted(c.resident_id for c in heard) == sorted(r.pk for r in residents)
    assert {c.reason for c in heard} == {"session_cancelled"}


def test_a_cancelled_session_is_announced_with_or_without_bookings(
    make, desk_user, django_capture_on_commit_callbacks
):
    cancelled = []
    hooks.on_session_cancel(cancelled.append)
    try:
        empty, booked = make.session(), make.session()
        booking_create(session_id=booked.pk, resident_id=make.resident().pk, user=desk_user)
        with django_capture_on_commit_callbacks(execute=True):
            session_cancel(session_id=empty.pk, user=desk_user, reason="台風")
            session_cancel(session_id=booked.pk, user=desk_user, reason="台風")
    finally:
        hooks._session_cancels.unregister(cancelled.append)
    assert cancelled == [empty.pk, booked.pk]
