"""Closing sessions after they end: seats nobody used become no-shows, sessions become held.

Run by the django-q2 task attendance.tasks.close_ended_sessions every few minutes. Only sessions
that ended within the last CLOSE_LOOKBACK_DAYS are looked at: a session nobody attended keeps
the status `scheduled` (it was not held), so without that bound every run would look at the
whole history again. Within the window a late check-in (no_show → attended, done by
checkin_redeem) still turns the session `held` on the next run; after a longer outage of the
task cluster, run the service once with an earlier `now`.

A session is closed only once check-in for it has stopped: CHECKIN_GRACE_MINUTES after its end
(attendance/checkin.py "When a ticket counts"), so a resident who arrives late — scanned at
00:05 for a session that ended at 23:59 — is checked in, never first marked a no-show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from classes.models import Booking, BookingEvent, BookingStatus, Session, SessionStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from accounts.access import Actor

CLOSE_LOOKBACK_DAYS = 7


@dataclass(frozen=True)
class ClosingCounts:
    sessions: int = 0  # sessions this run changed
    held: int = 0  # of which marked held
    no_shows: int = 0  # bookings marked no_show


def _sessions_to_close(now: datetime.datetime) -> QuerySet[Session, int]:
    """Ended, not cancelled or held, and with something to do: a seat still booked, or an
    attendance that makes the session held."""
    bookings = Booking.objects.filter(session=OuterRef("pk"))
    # Check-in stays open this long after the end (checkin_closes_at; sessions end on the day
    # they start, so the grace is what can run past midnight).
    ended_by = now - datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
    return (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            ends_at__lte=ended_by,
            ends_at__gt=ended_by - datetime.timedelta(days=CLOSE_LOOKBACK_DAYS),
        )
        .filter(Exists(bookings.filter(status__in=(BookingStatus.BOOKED, BookingStatus.ATTENDED))))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def _close(
    session_id: int, *, now: datetime.datetime, actor: User | None
) -> tuple[int, bool] | None:
    """Close one session under its row lock; (no-shows, held) or None when another worker has it."""
    # The lock order of the booking services: the session row, then its bookings.
    session = (
        Session.objects.select_for_update(skip_locked=True)
        .filter(pk=session_id, status=SessionStatus.SCHEDULED)
        .first()
    )
    if session is None:  # locked by another worker or a booking change: the next run takes it
        return None
    # A scan at this moment holds its booking's lock; we wait for it and then see its result.
    no_show_ids = list(
        Booking.objects.select_for_update()
        .filter(session=session, status=BookingStatus.BOOKED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if no_show_ids:
        Booking.objects.filter(pk__in=no_show_ids).update(
            status=BookingStatus.NO_SHOW, updated_at=now
        )
        BookingEvent.objects.bulk_create(
            BookingEvent(
                booking_id=pk,
                from_status=BookingStatus.BOOKED,
                to_status=BookingStatus.NO_SHOW,
                reason="no_show",
                actor=actor,
                at=now,
            )
            for pk in no_show_ids
        )
    held = session.bookings.filter(status=BookingStatus.ATTENDED).exists()
    if held:
        Session.objects.filter(pk=session.pk).update(status=SessionStatus.HELD, rollup_pending=True)
    return len(no_show_ids), held


def sessions_close_ended(
    *, now: datetime.datetime | None = None, user: Actor = None
) -> ClosingCounts:
    """Mark booked seats of ended sessions no-shows and sessions with an attendance held.

    Safe to run again and from several workers at once: each session is closed in its own
    transaction under its row lock, and a session another worker is closing is skipped.
    """
    now = now or timezone.now()
    actor = user if user is not None and user.is_authenticated else None
    sessions = held = no_shows = 0
    for session_id in list(_sessions_to_close(now)):
        closed = _close(session_id, now=now, actor=actor)
        if closed is None:
            continue
        marked, was_held = closed
        if marked or was_held:
            sessions += 1
        held += was_held
        no_shows += marked
    return ClosingCounts(sessions=sessions, held=held, no_shows=no_shows)
