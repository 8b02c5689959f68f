"""Other apps follow booking and session changes through classes.hooks: written with the change,
carried out after the commit (followups)."""

import pytest
from django.db import transaction

from classes import hooks
from classes.booking import booking_cancel, booking_create, session_cancel

pytestmark = pytest.mark.django_db

HEARD = []


def hear(event):
    """A listener of this test module (follow-ups name their listener by its path)."""
    HEARD.append(event)


@pytest.fixture
def heard():
    HEARD.clear()
    hooks.booking_changed.listen(hear)
    hooks.session_cancelled.listen(hear)
    yield HEARD
    hooks.booking_changed.unlisten(hear)
    hooks.session_cancelled.unlisten(hear)
    HEARD.clear()


def test_listeners_hear_each_change_once_it_is_carried_out(make, desk_user, heard, followups):
    session = make.session(capacity=1)
    first, second = make.resident(), make.resident()
    booked = booking_create(session_id=session.pk, resident_id=first.pk, user=desk_user)
    booking_create(session_id=session.pk, resident_id=second.pk, user=desk_user)
    booking_cancel(booking_id=booked.booking.pk, user=desk_user)
    assert heard == []  # written with the change; nobody has been told yet
    followups.run()
    assert [(c.resident_id, c.from_status, c.to_status, c.reason) for c in heard] == [
        (first.pk, "", "booked", "booked"),
        (second.pk, "", "waitlisted", "waitlisted"),
        (first.pk, "booked", "cancelled", "cancelled"),
        (second.pk, "waitlisted", "offered", "offered"),
    ]
    assert {c.session_id for c in heard} == {session.pk}
    assert followups.run() == 0  # each told once


def test_a_rolled_back_change_reaches_nobody(make, desk_user, heard, followups):
    session = make.session()
    with pytest.raises(RuntimeError), transaction.atomic():
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
        raise RuntimeError
    followups.run()
    assert heard == []


def test_session_cancel_tells_about_every_booking_and_the_session(
    make, desk_user, heard, followups
):
    session, empty = make.session(), make.session()
    residents = [make.resident() for _ in range(3)]
    for resident in residents:
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    followups.run()
    HEARD.clear()
    session_cancel(session_id=empty.pk, user=desk_user, reason="台風")
    session_cancel(session_id=session.pk, user=desk_user, reason="台風")
    followups.run()
    changes = [e for e in heard if isinstance(e, hooks.BookingChange)]
    assert sorted(c.resident_id for c in changes) == sorted(r.pk for r in residents)
    assert {c.reason for c in changes} == {"session_cancelled"}
    # A cancelled session is announced with or without bookings.
    assert [e for e in heard if isinstance(e, hooks.SessionCancelled)] == [
        hooks.SessionCancelled(empty.pk),
        hooks.SessionCancelled(session.pk),
    ]
