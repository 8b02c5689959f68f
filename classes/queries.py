"""Read-side functions for sessions: lists, rosters and planning overviews. Bounded queries."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.utils import timezone

from classes.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingEvent,
    BookingStatus,
    CancelReason,
    ConsultationDay,
    DeviceOS,
    Series,
    Session,
    SessionStatus,
)
from classes.scheduling import local_datetime
from residents.models import Resident


def sessions_filtered(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    venue_ids: Iterable[int] | None = None,
    course_id: int | None = None,
    category: str | None = None,
    device_os: str | None = None,
    seats_left_only: bool = False,
    include_cancelled: bool = False,
    scope: Iterable[int] | None = None,
) -> QuerySet[Session]:
    """Sessions with `seats_taken`, `waitlisted` and `seats_left`, course and venue loaded.

    Dates are Asia/Tokyo calendar days, both ends included. `device_os` keeps courses for that
    phone and courses for any phone. `scope` is `venue_scope(user)`: None means every venue.
    """
    sessions = Session.objects.with_seats().select_related("course", "venue")
    # The calendar's first and last days bound nothing (and their midnight in UTC, or the day
    # after the last, is not a datetime Python can hold).
    if date_from and date_from > datetime.date.min:
        sessions = sessions.filter(starts_at__gte=local_datetime(date_from, datetime.time.min))
    if date_to and date_to < datetime.date.max:
        next_day = date_to + datetime.timedelta(days=1)
        sessions = sessions.filter(starts_at__lt=local_datetime(next_day, datetime.time.min))
    if venue_ids:
        sessions = sessions.filter(venue_id__in=venue_ids)
    if course_id:
        sessions = sessions.filter(course_id=course_id)
    if category:
        sessions = sessions.filter(course__category=category)
    if device_os and device_os != DeviceOS.ANY:
        sessions = sessions.filter(course__device_os__in=[device_os, DeviceOS.ANY])
    if seats_left_only:
        sessions = sessions.filter(Q(seats_left__gt=0))  # a with_seats annotation
    if not include_cancelled:
        sessions = sessions.exclude(status=SessionStatus.CANCELLED)
    if scope is not None:
        sessions = sessions.filter(venue_id__in=scope)
    return sessions.order_by("starts_at", "pk")


def session_with_seats(pk: int) -> Session:
    """One session with its seat counts, course and venue; raises Session.DoesNotExist."""
    return Session.objects.with_seats().select_related("course", "venue", "series").get(pk=pk)


# Roster order: people with a seat, then open offers, then the waitlist in line.
_ROSTER_RANK = Case(
    When(status__in=[BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW], then=0),
    When(status=BookingStatus.OFFERED, then=1),
    When(status=BookingStatus.WAITLISTED, then=2),
    default=3,
    output_field=IntegerField(),
)


def session_roster(session: Session, *, include_cancelled: bool = False) -> QuerySet[Booking]:
    """The session's bookings with residents: seats first, then the waitlist in order."""
    bookings = session.bookings.select_related("resident")
    if not include_cancelled:
        bookings = bookings.exclude(status=BookingStatus.CANCELLED)
    return bookings.annotate(roster_rank=_ROSTER_RANK).order_by("roster_rank", "created_at", "pk")


def with_companions(bookings: Sequence[Booking], *, complete: bool = True) -> None:
    """Set `together_with` on each booking: the others of its group (booked together) still on
    the roster, residents loaded, for a line such as 「ご一緒: 山田 花子様」. With `complete`
    the list holds the whole roster and no query is made; else (a search) the members missing
    from it are read in one query."""
    groups: dict[int, list[Booking]] = {}
    for booking in bookings:
        if booking.group_id is not None:
            groups.setdefault(booking.group_id, []).append(booking)
    if groups and not complete:
        listed = {b.pk for b in bookings}
        for other in (
            Booking.objects.filter(group_id__in=groups, status__in=ACTIVE_STATUSES)
            .exclude(pk__in=listed)
            .select_related("resident")
            .order_by("pk")
        ):
            groups.setdefault(other.group_id or 0, []).append(other)
    for booking in bookings:
        members = groups.get(booking.group_id, []) if booking.group_id is not None else []
        booking.together_with = [m for m in members if m.pk != booking.pk]


def session_contacts(session: Session) -> QuerySet[Booking]:
    """People to tell that a session was cancelled, with the status they had before
    (`previous_status`), taken from the booking history."""
    before = BookingEvent.objects.filter(
        booking=OuterRef("pk"), to_status=BookingStatus.CANCELLED
    ).order_by("-at", "-pk")
    return (
        session.bookings.filter(
            status=BookingStatus.CANCELLED, cancel_reason=CancelReason.SESSION_CANCELLED
        )
        .select_related("resident")
        .annotate(previous_status=Subquery(before.values("from_status")[:1]))
        .order_by("resident__kana_key", "pk")
    )


def series_overview() -> QuerySet[Series]:
    """Series with their number of sessions, booked seats and first and last dates."""
    return (
        Series.objects.select_related("venue")
        .annotate(
            session_count=Count("sessions", distinct=True),
            cancelled_count=Count(
                "sessions", filter=Q(sessions__status=SessionStatus.CANCELLED), distinct=True
            ),
            seats_taken=Count(
                "sessions__bookings",
                filter=Q(sessions__bookings__status__in=SEAT_STATUSES),
            ),
        )
        .order_by("-start_date", "title")
    )


def series_sessions(series: Series) -> QuerySet[Session]:
    return (
        series.sessions.with_seats().select_related("course", "venue").order_by("starts_at", "pk")
    )


def consultation_slots(day: ConsultationDay) -> QuerySet[Session]:
    return day.slots.with_seats().select_related("course", "venue").order_by("starts_at", "pk")


# --- The booking desk ----------------------------------------------------------------------


def sessions_for_desk(filters: dict[str, Any]) -> QuerySet[Session]:
    """Upcoming sessions open for booking, filtered as on the desk, with seat counts."""
    now = timezone.now()
    return (
        sessions_filtered(**filters)
        .filter(status=SessionStatus.SCHEDULED, starts_at__gt=now)
        .select_related("series")
    )


def session_for_desk(session_id: str | int | None) -> Session | None:
    """The session the desk was sent to book (from a session page), if it is still bookable."""
    try:
        pk = int(session_id or "")  # whatever the URL carried
    except (TypeError, ValueError):
        return None
    return sessions_for_desk({}).filter(pk=pk).first()


def sessions_booked_by(resident: Resident, sessions: Iterable[Session]) -> dict[int, str]:
    """{session id: booking status} of the resident's active bookings among these sessions."""
    return dict(
        resident.bookings.filter(
            session__in=[s.pk for s in sessions], status__in=ACTIVE_STATUSES
        ).values_list("session_id", "status")
    )


class ResidentBookings(TypedDict):
    upcoming: Sequence[Booking]
    past: Sequence[Booking]
    no_shows: int


def resident_bookings(resident: Resident, *, past_limit: int = 10) -> ResidentBookings:
    """The resident's upcoming bookings (with waitlist positions), recent past ones, and
    their no-show count: what the desk needs while the caller is on the line."""
    now = timezone.now()
    base = resident.bookings.select_related("session__course", "session__venue")
    upcoming = list(
        base.filter(session__starts_at__gte=now)
        .exclude(status=BookingStatus.CANCELLED)
        .annotate(
            waitlist_position=Case(
                When(
                    status=BookingStatus.WAITLISTED,
                    then=Subquery(
                        Booking.objects.filter(
                            session_id=OuterRef("session_id"),
                            status=BookingStatus.WAITLISTED,
                            created_at__lte=OuterRef("created_at"),
                        )
                        .values("session_id")
                        .annotate(n=Count("pk"))
                        .values("n")[:1]
                    ),
                ),
                default=None,
                output_field=IntegerField(),
            )
        )
        .order_by("session__starts_at")
    )
    past = list(
        base.filter(Q(session__starts_at__lt=now) | Q(status=BookingStatus.CANCELLED)).order_by(
            "-session__starts_at"
        )[:past_limit]
    )
    no_shows = resident.bookings.filter(status=BookingStatus.NO_SHOW).count()
    return {"upcoming": upcoming, "past": past, "no_shows": no_shows}


def booking_for_readback(pk: int) -> Booking | None:
    return (
        Booking.objects.select_related("resident", "session__course", "session__venue")
        .filter(pk=pk)
        .first()
    )


def series_bookings_of(booking: Booking) -> list[Booking]:
    """All bookings made together with this one when a series was booked as a whole."""
    if booking.series_id is None:
        return []
    return list(
        Booking.objects.filter(
            resident_id=booking.resident_id,
            series_id=booking.series_id,
            status__in=ACTIVE_STATUSES,
        )
        .select_related("session__course", "session__venue")
        .order_by("session__starts_at")
    )


def entries(bookings: Iterable[Booking]) -> list[Booking]:
    """The bookings as the lines of a list where people booked together are one line: a booking
    made alone is its own line; a group is the line of its first booking here, placed where
    that booking is. Each line gets `party` (its bookings here, in order), `companions` (the
    party after the first) and `place` (1 + how many bookings come before it). No queries."""
    lines: list[Booking] = []
    by_group: dict[int, Booking] = {}
    for index, booking in enumerate(bookings):
        line = by_group.get(booking.group_id) if booking.group_id is not None else None
        if line is not None:
            line.party.append(booking)
            line.companions.append(booking)
            continue
        booking.party, booking.companions, booking.place = [booking], [], index + 1
        if booking.group_id is not None:
            by_group[booking.group_id] = booking
        lines.append(booking)
    return lines


def group_bookings_of(booking: Booking) -> list[Booking]:
    """The bookings made together with this one (its group), residents loaded, in booking
    order; [] for a booking made alone (1 query, none when alone)."""
    if booking.group_id is None:
        return []
    return list(
        Booking.objects.filter(group_id=booking.group_id).select_related("resident").order_by("pk")
    )


def offered_together(booking: Booking) -> int:
    """How many people an open offer on this booking is for: its group's members holding it,
    or 1 (1 query for a group's offer, none otherwise)."""
    if booking.group_id is None or booking.status != BookingStatus.OFFERED:
        return 1
    return Booking.objects.filter(group_id=booking.group_id, status=BookingStatus.OFFERED).count()


def open_offers() -> QuerySet[Booking]:
    """Seats offered to waitlisted residents and not yet answered, soonest expiry first."""
    return (
        Booking.objects.filter(status=BookingStatus.OFFERED)
        .select_related("resident", "session__course", "session__venue")
        .order_by("offer_expires_at", "pk")
    )


def bookings_of_resident(resident_id: int) -> list[Booking]:
    """Every booking a resident has or had, oldest session first, each with its history
    (events, oldest first), session, course and venue: for a disclosure. Three queries."""
    return list(
        Booking.objects.filter(resident_id=resident_id)
        .select_related("session__course", "session__venue")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=BookingEvent.objects.select_related("actor").order_by("at", "pk"),
            )
        )
        .order_by("session__starts_at", "pk")
    )
