"""Read side of help-session records: who may record, what the supporter's phone lists, the
desk's follow-ups, the sessions to suggest, and the figures the DX office reads. Bounded queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.access import Perm, can, venue_scope
from classes.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Booking,
    Category,
    Session,
    SessionStatus,
)
from classes.scheduling import local_datetime
from consultations.models import (
    BOOKING_FOLLOWUPS,
    ConsultationRecord,
    FollowUp,
    Resolution,
    Topic,
)
from volunteers.models import Assignment

if TYPE_CHECKING:
    from accounts.access import Actor

TOKYO = ZoneInfo("Asia/Tokyo")
# The supporter's list reaches back this many days, for a record written after the day.
RECENT_DAYS = 7
# Follow-up suggestions: sessions starting within this many days, this many at most.
SUGGEST_DAYS = 60
SUGGEST_LIMIT = 5
# Classes suggested when the consultation's topics name none.
BASIC_CATEGORIES = (Category.SMARTPHONE_INTRO, Category.SMARTPHONE_BASIC)
# Bookings a supporter can record: the person has (or had) a seat.
RECORDABLE_STATUSES = SEAT_STATUSES


# --- who may record --------------------------------------------------------------------------


@dataclass(frozen=True)
class Supporter:
    """How a user supports a session: as staff of its venue, and/or on a volunteer shift."""

    staff: bool
    assignment_ids: frozenset[int] = frozenset()


def is_staff_supporter(user: Actor) -> bool:
    """Venue staff (or the DX office): they check people in, and may record for any volunteer."""
    return user is not None and can(user, Perm.CHECKIN)


def _accepted_shifts(user: Actor) -> QuerySet[Assignment]:
    if user is None or not user.is_authenticated:
        return Assignment.objects.none()
    return Assignment.objects.filter(volunteer__user_id=user.pk, status=Assignment.Status.ACCEPTED)


def supporters_of(user: Actor, sessions: Sequence[Session]) -> dict[int, Supporter]:
    """{session id: Supporter} for the sessions `user` may record consultations on: staff of
    their venue, or a volunteer with an accepted shift on that very session. Sessions left out
    are not the user's. At most two queries (the venue scope, the shifts)."""
    if user is None or not can(user, Perm.CONSULTATIONS_RECORD):
        return {}
    found: dict[int, Supporter] = {}
    if is_staff_supporter(user):
        scope = venue_scope(user)
        for session in sessions:
            if scope is None or session.venue_id in scope:
                found[session.pk] = Supporter(staff=True)
    shifts: dict[int, set[int]] = {}
    rows = _accepted_shifts(user).filter(session__in=[s.pk for s in sessions])
    for assignment_id, session_id in rows.values_list("pk", "session_id"):
        shifts.setdefault(session_id, set()).add(assignment_id)
    for session_id, ids in shifts.items():
        staff = session_id in found
        found[session_id] = Supporter(staff=staff, assignment_ids=frozenset(ids))
    return found


def supporter_of(user: Actor, session: Session) -> Supporter | None:
    return supporters_of(user, [session]).get(session.pk)


# --- the supporter's phone ---------------------------------------------------------------------


def is_consultation(session: Session) -> bool:
    return session.course.category == Category.CONSULTATION


def is_recordable(session: Session, *, now: datetime.datetime | None = None) -> bool:
    """A consultation is recorded on its day or after, never before it."""
    now = now or timezone.now()
    return timezone.localdate(session.starts_at) <= timezone.localdate(now)


@dataclass
class SessionGroup:
    """A consultation day's slots at one venue (or a consultation session on its own)."""

    first: Session
    slots: list[Session] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        if self.first.consultation_day_id:
            return ("day", self.first.consultation_day_id)
        return ("session", self.first.pk)

    @property
    def starts_at(self) -> datetime.datetime:
        return self.first.starts_at

    @property
    def ends_at(self) -> datetime.datetime:
        return max(s.ends_at for s in self.slots)

    @property
    def booked(self) -> int:
        return sum(getattr(s, "booked", 0) for s in self.slots)

    @property
    def recorded(self) -> int:
        return sum(getattr(s, "recorded", 0) for s in self.slots)

    @property
    def is_cancelled(self) -> bool:
        return all(s.status == SessionStatus.CANCELLED for s in self.slots)


def _grouped(sessions: Iterable[Session]) -> list[SessionGroup]:
    groups: dict[tuple[str, int], SessionGroup] = {}
    for session in sessions:
        key = (
            ("day", session.consultation_day_id)
            if session.consultation_day_id
            else ("session", session.pk)
        )
        group = groups.setdefault(key, SessionGroup(first=session))
        group.slots.append(session)
    return list(groups.values())


_SESSION_COUNTS = {
    "booked": Count("bookings", filter=Q(bookings__status__in=RECORDABLE_STATUSES)),
    "recorded": Count("bookings__consultation"),
}


def consultation_groups(
    user: Actor, *, today: datetime.date, days: int = RECENT_DAYS
) -> list[SessionGroup]:
    """The consultation days (and single consultation sessions) of the last `days` days up to
    `today` that `user` may record on, newest first, each with its slots: staff see their
    venues' slots, a volunteer the slots of their accepted shifts. Two or three queries."""
    start = local_datetime(today - datetime.timedelta(days=days - 1), datetime.time.min)
    end = local_datetime(today + datetime.timedelta(days=1), datetime.time.min)
    sessions = (
        Session.objects.filter(
            course__category=Category.CONSULTATION, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("course", "venue")
        .annotate(**_SESSION_COUNTS)
    )
    if is_staff_supporter(user):
        scope = venue_scope(user)
        if scope is not None:
            sessions = sessions.filter(venue_id__in=scope)
    else:
        sessions = sessions.filter(pk__in=_accepted_shifts(user).values("session_id"))
    groups = _grouped(sessions.order_by("starts_at", "pk"))
    return sorted(groups, key=lambda g: (-g.starts_at.timestamp(), g.first.venue.name, g.first.pk))


def session_for_consultations(pk: int) -> Session:
    """One session with course and venue; raises Session.DoesNotExist."""
    return Session.objects.select_related("course", "venue").get(pk=pk)


def group_slots(session: Session) -> list[Session]:
    """The sessions recorded together with `session`: every slot of its consultation day, or
    itself alone. One query."""
    if not session.consultation_day_id:
        return [session]
    return list(
        Session.objects.filter(consultation_day_id=session.consultation_day_id)
        .select_related("course", "venue")
        .order_by("starts_at", "pk")
    )


def slot_bookings(session_ids: Iterable[int]) -> list[Booking]:
    """The recordable bookings of these sessions, residents and records loaded: one query.
    Each booking's `record` is its ConsultationRecord or None."""
    bookings = (
        Booking.objects.filter(session_id__in=list(session_ids), status__in=RECORDABLE_STATUSES)
        .select_related("resident", "consultation")
        .order_by("session__starts_at", "resident__kana_key", "pk")
    )
    found = list(bookings)
    for booking in found:
        booking.record = getattr(booking, "consultation", None)  # type: ignore[attr-defined]
    return found


def booking_for_record(pk: int) -> Booking:
    """A booking with its session (course, venue), resident and record, if any, with the
    record's topics; raises Booking.DoesNotExist. One query, two with a record."""
    booking = (
        Booking.objects.select_related(
            "session__course", "session__venue", "resident", "consultation"
        )
        .prefetch_related("consultation__topics")
        .get(pk=pk)
    )
    booking.record = getattr(booking, "consultation", None)  # type: ignore[attr-defined]
    return booking


def record_detail(pk: int) -> ConsultationRecord:
    """A record with its booking, session, resident, supporter and topics; raises
    ConsultationRecord.DoesNotExist. Two queries."""
    return (
        ConsultationRecord.objects.select_related(
            "booking__session__course",
            "booking__session__venue",
            "resident",
            "supporter",
            "updated_by",
            "followup_booking__session__course",
            "followup_booking__session__venue",
        )
        .prefetch_related("topics")
        .get(pk=pk)
    )


def topics_with(chosen: Iterable[int] = ()) -> list[Topic]:
    """The active topics in order, and the inactive ones among `chosen` (a record's own topics,
    or the topics a report has figures for): one query."""
    return list(Topic.objects.filter(Q(is_active=True) | Q(pk__in=list(chosen))))


def record_editable(record: ConsultationRecord, user: Actor, *, now: datetime.datetime) -> bool:
    """Whoever wrote a record changes it on the day it was written; venue staff (of the
    session's venue: the caller checks the scope) and the DX office correct it on any later day,
    when a wrong answer shows in the figures or a resident asks for a correction. Every change
    is in the access log."""
    if user is None or not user.is_authenticated:
        return False
    if is_staff_supporter(user):
        return True
    same_day = timezone.localdate(record.recorded_at) == timezone.localdate(now)
    return same_day and record.supporter_id == user.pk


def consultations_of_resident(resident_id: int) -> list[ConsultationRecord]:
    """Every consultation recorded about a resident, oldest first, with session, topics and
    supporter: for a disclosure. Two queries."""
    return list(
        ConsultationRecord.objects.filter(resident_id=resident_id)
        .select_related("booking__session__course", "booking__session__venue", "supporter")
        .prefetch_related("topics")
        .order_by("booking__session__starts_at", "pk")
    )


# --- follow-ups --------------------------------------------------------------------------------


def followups_open() -> QuerySet[ConsultationRecord]:
    """Consultations that asked for a booking nobody has made yet, oldest first, with what the
    desk's list shows (resident, session, venue, supporter; topics prefetched)."""
    return (
        ConsultationRecord.objects.followups_open()
        .select_related(
            "resident", "booking__session__venue", "booking__session__course", "supporter"
        )
        .prefetch_related("topics")
        .order_by("recorded_at", "pk")
    )


def suggestion_categories(record: ConsultationRecord) -> tuple[str, ...]:
    """The course categories a follow-up suggests: consultation days for another
    consultation; for a class, what the topics name (reading prefetched topics), else the
    introduction and basics classes."""
    if record.followup == FollowUp.CONSULTATION:
        return (Category.CONSULTATION,)
    named: list[str] = []
    for topic in record.topics.all():
        named += [c for c in topic.course_categories if c not in named]
    named = [c for c in named if c != Category.CONSULTATION]
    return tuple(named) or BASIC_CATEGORIES


def followup_suggestions(
    record: ConsultationRecord,
    *,
    now: datetime.datetime | None = None,
    limit: int = SUGGEST_LIMIT,
) -> list[Session]:
    """Upcoming sessions to book after the consultation: open for booking in the next
    SUGGEST_DAYS days, of the suggested categories (for a class, the introduction and basics
    classes when none of the topics' classes is coming up), not already booked by the
    resident; at the consultation's venue first, then by date. Seats annotated (`seats_left`,
    `waitlisted`). One query, two when falling back; none when the follow-up asks for no
    booking."""
    if record.followup not in BOOKING_FOLLOWUPS:
        return []
    now = now or timezone.now()
    categories = suggestion_categories(record)
    found = _upcoming_for(record, categories, now=now, limit=limit)
    if not found and record.followup == FollowUp.CLASS and categories != BASIC_CATEGORIES:
        found = _upcoming_for(record, BASIC_CATEGORIES, now=now, limit=limit)
    return found


def _upcoming_for(
    record: ConsultationRecord,
    categories: Sequence[str],
    *,
    now: datetime.datetime,
    limit: int,
) -> list[Session]:
    booked = Booking.objects.filter(
        resident_id=record.resident_id, status__in=ACTIVE_STATUSES
    ).values("session_id")
    venue_id = record.booking.session.venue_id
    sessions = (
        Session.objects.open_for_booking(now)
        .filter(
            course__category__in=list(categories),
            starts_at__lt=now + datetime.timedelta(days=SUGGEST_DAYS),
        )
        .exclude(pk__in=booked)
        .with_seats()
        .select_related("course", "venue")
        .annotate(
            elsewhere=Case(
                When(venue_id=venue_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("elsewhere", "starts_at", "pk")
    )
    return list(sessions[:limit])


# --- figures for the DX office -----------------------------------------------------------------
#
# A consultation counts on its session's date, as an attendance does. No free note is read.


def records_between(
    start: datetime.datetime, end: datetime.datetime
) -> QuerySet[ConsultationRecord]:
    """Records of consultations whose session starts in [start, end)."""
    return ConsultationRecord.objects.filter(
        booking__session__starts_at__gte=start, booking__session__starts_at__lt=end
    )


def records_about(topic_ids: Sequence[int]) -> QuerySet[Any, Any]:
    """Ids of the records about any of the topics (for `pk__in`, each record once)."""
    return ConsultationRecord.topics.through.objects.filter(topic_id__in=topic_ids).values(
        "consultationrecord_id"
    )


def first_consultation_at() -> datetime.datetime | None:
    """When the first recorded consultation's session started, or None. One query."""
    found: datetime.datetime | None = ConsultationRecord.objects.aggregate(
        first=Min("booking__session__starts_at")
    )["first"]
    return found


_NOT_RESOLVED = ~Q(resolution=Resolution.RESOLVED)


def consultation_totals(start: datetime.datetime, end: datetime.datetime) -> dict[str, int]:
    """Count, counts by result, and total minutes: one query."""
    row = records_between(start, end).aggregate(
        count=Count("pk"),
        resolved=Count("pk", filter=Q(resolution=Resolution.RESOLVED)),
        partly=Count("pk", filter=Q(resolution=Resolution.PARTLY)),
        not_resolved=Count("pk", filter=Q(resolution=Resolution.NOT_RESOLVED)),
        minutes=Sum("minutes"),
    )
    return {key: value or 0 for key, value in row.items()}


def _topic_links(start: datetime.datetime, end: datetime.datetime) -> QuerySet[Any]:
    through = ConsultationRecord.topics.through
    return through.objects.filter(
        consultationrecord__booking__session__starts_at__gte=start,
        consultationrecord__booking__session__starts_at__lt=end,
    )


def counts_by_topic(start: datetime.datetime, end: datetime.datetime) -> dict[int, dict[str, int]]:
    """{topic id: {"count": consultations about it, "not_resolved": of them not fully resolved}}:
    one query."""
    rows = (
        _topic_links(start, end)
        .values("topic_id")
        .annotate(
            count=Count("pk"),
            not_resolved=Count("pk", filter=~Q(consultationrecord__resolution=Resolution.RESOLVED)),
        )
        .order_by()
    )
    return {
        row["topic_id"]: {"count": row["count"], "not_resolved": row["not_resolved"]}
        for row in rows
    }


def _local_month(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.astimezone(TOKYO).date().replace(day=1)
    return value.replace(day=1)


def not_resolved_by_topic_and_month(
    start: datetime.datetime, end: datetime.datetime
) -> dict[tuple[int, datetime.date], int]:
    """{(topic id, first day of the Tokyo month): consultations about the topic not fully
    resolved (一部解決 or 未解決)}: one query."""
    rows = (
        _topic_links(start, end)
        .filter(~Q(consultationrecord__resolution=Resolution.RESOLVED))
        .annotate(month=TruncMonth("consultationrecord__booking__session__starts_at", tzinfo=TOKYO))
        .values("topic_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["topic_id"], _local_month(row["month"])): row["n"] for row in rows}


def not_resolved_by_topic_and_venue(
    start: datetime.datetime, end: datetime.datetime
) -> dict[tuple[int, str], int]:
    """{(topic id, venue name): consultations about the topic not fully resolved}: one query."""
    venue = "consultationrecord__booking__session__venue__name"
    rows = (
        _topic_links(start, end)
        .filter(~Q(consultationrecord__resolution=Resolution.RESOLVED))
        .values("topic_id", venue)
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["topic_id"], row[venue]): row["n"] for row in rows}


def counts_by_month(
    start: datetime.datetime, end: datetime.datetime
) -> dict[datetime.date, dict[str, int]]:
    """{first day of the Tokyo month: {"count", "resolved", "minutes"}}: one query."""
    rows = (
        records_between(start, end)
        .annotate(month=TruncMonth("booking__session__starts_at", tzinfo=TOKYO))
        .values("month")
        .annotate(
            count=Count("pk"),
            resolved=Count("pk", filter=Q(resolution=Resolution.RESOLVED)),
            minutes=Sum("minutes"),
        )
        .order_by()
    )
    return {
        _local_month(row["month"]): {
            "count": row["count"],
            "resolved": row["resolved"],
            "minutes": row["minutes"] or 0,
        }
        for row in rows
    }


def counts_by_venue(start: datetime.datetime, end: datetime.datetime) -> dict[str, dict[str, int]]:
    """{venue name: {"count", "resolved"}}: one query."""
    rows = (
        records_between(start, end)
        .values("booking__session__venue__name")
        .annotate(count=Count("pk"), resolved=Count("pk", filter=Q(resolution=Resolution.RESOLVED)))
        .order_by()
    )
    return {
        row["booking__session__venue__name"]: {"count": row["count"], "resolved": row["resolved"]}
        for row in rows
    }


def counts_by(
    start: datetime.datetime, end: datetime.datetime, *fields: str
) -> dict[tuple[str, ...], int]:
    """{values of `fields`: records} for coded fields (device, device_os, followup): one query."""
    allowed = {"device", "device_os", "followup", "resolution"}
    if not set(fields) <= allowed:
        raise ValueError(f"not a coded field: {fields}")
    rows = records_between(start, end).values(*fields).annotate(n=Count("pk")).order_by()
    return {tuple(row[f] for f in fields): row["n"] for row in rows}
