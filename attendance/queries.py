"""Read side of attendance: what the venue scanner and the ticket pages show. Bounded queries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, When
from django.utils import timezone

from attendance.models import TOKEN_ALPHABET, CheckIn, Ticket
from classes.models import SEAT_STATUSES, Booking, BookingStatus, Session
from classes.queries import with_companions
from classes.scheduling import local_datetime
from residents.normalize import normalize_kana, normalize_name

# --- tickets (helper_tickets) -------------------------------------------------------------------

_TICKET_RELATED = ("booking__session__course", "booking__session__venue", "booking__resident")


def ticket_by_token(token: str | None) -> Ticket | None:
    """The ticket (valid or revoked) with its booking, session, venue and resident, or None.

    Anything that cannot be a token (too long, other characters) is answered without a query.
    """
    token = (token or "").strip().upper()
    if not token or len(token) > (Ticket._meta.get_field("token").max_length or 0):
        return None
    if not set(token) <= set(TOKEN_ALPHABET):
        return None
    return Ticket.objects.select_related(*_TICKET_RELATED).filter(token=token).first()


# --- venue -------------------------------------------------------------------------------------

# The three numbers the venue watches, counted in the same query as the session row:
# booked = seats taken, checked_in = attended, waiting = on the waitlist.
_VENUE_COUNTS = {
    "booked": Count("bookings", filter=Q(bookings__status__in=SEAT_STATUSES)),
    "checked_in": Count("bookings", filter=Q(bookings__status=BookingStatus.ATTENDED)),
    "waiting": Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
}
# Who the venue roster lists: seats first (offers count as seats), then the waitlist.
_ROSTER_STATUSES = (*SEAT_STATUSES, BookingStatus.WAITLISTED)
_ROSTER_RANK = Case(
    When(status__in=[BookingStatus.BOOKED, BookingStatus.NO_SHOW], then=0),
    When(status=BookingStatus.ATTENDED, then=1),
    When(status=BookingStatus.OFFERED, then=2),
    default=3,
    output_field=IntegerField(),
)


def venue_sessions_today(
    scope: Iterable[int] | None,
    *,
    day: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> list[Session]:
    """The sessions of one Asia/Tokyo day at the venues in `scope` (None = every venue),
    with `booked`, `checked_in` and `waiting`, course and venue loaded: one query. With `now`,
    also the previous day's late sessions that still take check-ins (their end plus
    CHECKIN_GRACE_MINUTES is after `now`; attendance/checkin.py "When a ticket counts")."""
    day = day or timezone.localdate()
    start = local_datetime(day, datetime.time.min)
    on_the_day = Q(starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1))
    if now is not None:
        grace = datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
        on_the_day |= Q(
            starts_at__gte=start - datetime.timedelta(days=1),
            starts_at__lt=start,
            ends_at__gt=now - grace,
        )
    sessions = (
        Session.objects.filter(on_the_day)
        .annotate(**_VENUE_COUNTS)
        .select_related("course", "venue")
    )
    if scope is not None:
        sessions = sessions.filter(venue_id__in=scope)
    return list(sessions.order_by("starts_at", "venue__name", "pk"))


def venue_session(pk: int) -> Session:
    """One session with its counts, course and venue; raises Session.DoesNotExist."""
    return Session.objects.annotate(**_VENUE_COUNTS).select_related("course", "venue").get(pk=pk)


def venue_roster(session_id: int, *, search: str = "") -> list[Booking]:
    """The session's bookings for the venue roster, residents loaded, in one query (two when
    a search leaves out someone booked together with a person it found).

    Each booking carries `checkin_id` and `checkin_at` of its current check-in (for the undo
    button). `search` is a reading in any kana form or part of the name as written.
    """
    current = CheckIn.objects.filter(
        booking=OuterRef("pk"), result=CheckIn.Result.OK, undone_at__isnull=True
    ).order_by("-at")
    bookings = (
        Booking.objects.filter(session_id=session_id, status__in=_ROSTER_STATUSES)
        .select_related("resident")
        .annotate(
            roster_rank=_ROSTER_RANK,
            checkin_id=Subquery(current.values("pk")[:1]),
            checkin_at=Subquery(current.values("at")[:1]),
        )
    )
    kana, name = normalize_kana(search), normalize_name(search)
    if kana or name:
        bookings = bookings.filter(
            Q(resident__kana_key__contains=kana) | Q(resident__name_key__contains=name)
        )
    roster: list[Booking] = list(bookings.order_by("roster_rank", "resident__kana_key", "pk"))
    with_companions(roster, complete=not (kana or name))
    return roster


def tickets_of_resident(resident_id: int) -> list[Ticket]:
    """Every ticket issued for a resident's bookings, oldest first: for a disclosure."""
    return list(
        Ticket.objects.filter(booking__resident_id=resident_id)
        .select_related("booking")
        .order_by("issued_at", "pk")
    )


def checkins_of_resident(resident_id: int) -> list[CheckIn]:
    """Every check-in made for a resident (undone ones too), oldest first: for a disclosure."""
    return list(
        CheckIn.objects.filter(resident_id=resident_id)
        .select_related("session__course", "session__venue", "booking")
        .order_by("at", "pk")
    )
