"""Read side of volunteers: pages and exports, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from classes.models import SEAT_STATUSES, Session, SessionStatus
from classes.scheduling import local_datetime
from volunteers.models import (
    HOLDING_STATUSES,
    Assignment,
    MatchingRun,
    Qualification,
    ShiftNeed,
    Volunteer,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# How far ahead the coverage page looks by default.
COVERAGE_WEEKS = 4
# Qualifications expiring within this many days are listed for the coordinator.
EXPIRY_WARNING_DAYS = 60
PAST_SHIFTS_SHOWN = 20
RECENT_DECLINES_SHOWN = 10


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year (年度, April start) a date belongs to, as its starting calendar year."""
    return day.year if day.month >= 4 else day.year - 1


def _day_range(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        local_datetime(first, datetime.time.min),
        local_datetime(last + datetime.timedelta(days=1), datetime.time.min),
    )


def _shifts() -> QuerySet[Assignment]:
    return Assignment.objects.select_related("session__course", "session__venue", "need").annotate(
        booked=Count("session__bookings", filter=Q(session__bookings__status__in=SEAT_STATUSES))
    )


def my_shifts(
    volunteer: Volunteer, now: datetime.datetime | None = None
) -> tuple[list[Assignment], list[Assignment]]:
    """(upcoming, past) shifts of a volunteer: 2 queries."""
    now = now or timezone.now()
    upcoming = list(
        _shifts()
        .filter(volunteer=volunteer, status__in=HOLDING_STATUSES, session__ends_at__gte=now)
        .order_by("session__starts_at", "pk")
    )
    past = list(
        _shifts()
        .filter(volunteer=volunteer, session__ends_at__lt=now)
        .filter(Q(status=Assignment.Status.ACCEPTED) | Q(checked_in_at__isnull=False))
        .order_by("-session__starts_at", "-pk")[:PAST_SHIFTS_SHOWN]
    )
    return upcoming, past


def my_shift(volunteer: Volunteer, pk: int) -> Assignment:
    return _shifts().get(volunteer=volunteer, pk=pk)


def feed_shifts(volunteer: Volunteer, now: datetime.datetime | None = None) -> list[Assignment]:
    """Shifts for the calendar feed: accepted ones, and changed-away ones the calendar holds."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=90)
    return list(
        Assignment.objects.select_related("session__course", "session__venue", "need")
        .filter(volunteer=volunteer, session__starts_at__gte=since)
        .filter(
            Q(status=Assignment.Status.ACCEPTED)
            | Q(
                status__in=[Assignment.Status.CANCELLED, Assignment.Status.DECLINED], sequence__gt=1
            )
        )
        .order_by("session__starts_at", "pk")
    )


@dataclass
class Hours:
    shifts: int = 0
    hours: float = 0.0


def hours_of(
    volunteer: Volunteer,
) -> tuple[list[tuple[tuple[int, int], Hours]], list[tuple[int, Hours]]]:
    """Worked shifts and hours per month and per fiscal year (newest first): 1 query."""
    months: defaultdict[tuple[int, int], Hours] = defaultdict(Hours)
    years: defaultdict[int, Hours] = defaultdict(Hours)
    for a in Assignment.objects.worked().filter(volunteer=volunteer).select_related("session"):
        day = timezone.localdate(a.session.starts_at)
        for bucket in (months[(day.year, day.month)], years[fiscal_year_of(day)]):
            bucket.shifts += 1
            bucket.hours += a.hours
    return sorted(months.items(), reverse=True), sorted(years.items(), reverse=True)


def hours_per_volunteer(
    first: datetime.date, last: datetime.date
) -> list[tuple[Volunteer, int, float]]:
    """[(volunteer, shifts, hours)] for shifts worked between two dates (inclusive): 2 queries.

    延べ活動人数 = the sum of `shifts`; hours as `Assignment.hours`.
    """
    lo, hi = _day_range(first, last)
    totals: defaultdict[int, Hours] = defaultdict(Hours)
    rows = (
        Assignment.objects.worked()
        .filter(session__starts_at__gte=lo, session__starts_at__lt=hi)
        .select_related("session")
    )
    for a in rows:
        totals[a.volunteer_id].shifts += 1
        totals[a.volunteer_id].hours += a.hours
    volunteers = Volunteer.objects.filter(pk__in=totals).order_by(
        "family_name_kana", "given_name_kana", "pk"
    )
    return [(v, totals[v.pk].shifts, round(totals[v.pk].hours, 2)) for v in volunteers]


class _Filled(TypedDict):
    filled: int
    accepted: int


@dataclass
class SessionCoverage:
    session: Session
    needs: list[WithAnnotations[ShiftNeed, _Filled]] = field(default_factory=list)

    @property
    def needed(self) -> int:
        return sum(n.count for n in self.needs)

    @property
    def filled(self) -> int:
        return sum(min(n.filled, n.count) for n in self.needs)

    @property
    def missing(self) -> int:
        return self.needed - self.filled


def coverage(first: datetime.date, last: datetime.date) -> list[SessionCoverage]:
    """Sessions with needs between two dates, those with open places first: 2 queries."""
    lo, hi = _day_range(first, last)
    needs = (
        ShiftNeed.objects.filter(session__starts_at__gte=lo, session__starts_at__lt=hi)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session__course", "session__venue")
        .annotate(
            filled=Count("assignments", filter=Q(assignments__status__in=HOLDING_STATUSES)),
            accepted=Count("assignments", filter=Q(assignments__status=Assignment.Status.ACCEPTED)),
        )
        .order_by("session__starts_at", "session_id", "role")
    )
    sessions: dict[int, SessionCoverage] = {}
    for need in needs:
        row = sessions.setdefault(need.session_id, SessionCoverage(need.session))
        row.needs.append(need)
    rows = list(sessions.values())
    rows.sort(key=lambda r: (r.missing == 0, r.session.starts_at))
    return rows


def recent_declines(
    limit: int = RECENT_DECLINES_SHOWN, now: datetime.datetime | None = None
) -> list[Assignment]:
    """Declined shifts of sessions still ahead, newest first: places the coordinator must refill."""
    now = now or timezone.now()
    return list(
        Assignment.objects.filter(status=Assignment.Status.DECLINED, session__starts_at__gte=now)
        .select_related("volunteer", "session__course", "session__venue", "need")
        .order_by("-updated_at")[:limit]
    )


def session_assignments(session_id: int) -> list[ShiftNeed]:
    """The session's needs, each with its assignments (any status): 2 queries."""
    needs = list(ShiftNeed.objects.filter(session_id=session_id).order_by("role"))
    by_need: defaultdict[int, list[Assignment]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(session_id=session_id)
        .select_related("volunteer")
        .order_by("status", "pk")
    ):
        by_need[a.need_id].append(a)
    for need in needs:
        need.rows = by_need[need.pk]
        # Counted here from the rows; the coverage page has it as an annotation (same name).
        setattr(need, "filled", sum(1 for a in need.rows if a.is_holding))  # noqa: B010
    return needs


def volunteer_load(first: datetime.date, last: datetime.date) -> list[Volunteer]:
    """Volunteers (approved or waiting) with their shifts in the period: 1 query."""
    lo, hi = _day_range(first, last)
    in_period = Q(
        assignments__status__in=HOLDING_STATUSES,
        assignments__session__starts_at__gte=lo,
        assignments__session__starts_at__lt=hi,
    )
    return list(
        Volunteer.objects.exclude(status=Volunteer.Status.REJECTED)
        .annotate(
            shifts=Count("assignments", filter=in_period),
            accepted=Count(
                "assignments", filter=in_period & Q(assignments__status=Assignment.Status.ACCEPTED)
            ),
        )
        .order_by("status", "family_name_kana", "given_name_kana", "pk")
    )


def expiring_qualifications(
    today: datetime.date | None = None, days: int = EXPIRY_WARNING_DAYS
) -> list[Qualification]:
    today = today or timezone.localdate()
    return list(
        Qualification.objects.filter(
            expires_on__gte=today - datetime.timedelta(days=30),
            expires_on__lte=today + datetime.timedelta(days=days),
            volunteer__status=Volunteer.Status.APPROVED,
        )
        .select_related("volunteer")
        .order_by("expires_on", "pk")
    )


def applications() -> list[Volunteer]:
    return list(Volunteer.objects.filter(status=Volunteer.Status.APPLIED).order_by("applied_at"))


def runs(limit: int = 20) -> list[MatchingRun]:
    return list(MatchingRun.objects.select_related("created_by")[:limit])


def unfilled_of(run: MatchingRun) -> list[ShiftNeed]:
    """The run's unfilled needs with their sessions, in time order: 1 query."""
    reasons = {row["need"]: row for row in run.unfilled}
    needs = ShiftNeed.objects.filter(pk__in=reasons).select_related(
        "session__course", "session__venue"
    )
    rows = []
    for need in needs.order_by("session__starts_at", "role"):
        need.missing = reasons[need.pk]["missing"]
        need.reason = reasons[need.pk]["reason"]
        rows.append(need)
    return rows


def venue_shifts(venue_ids: Iterable[int] | None, day: datetime.date) -> list[Assignment]:
    """Volunteers expected at these venues on `day` (None = every venue): 1 query."""
    lo, hi = _day_range(day, day)
    rows = (
        Assignment.objects.filter(
            status=Assignment.Status.ACCEPTED,
            session__starts_at__gte=lo,
            session__starts_at__lt=hi,
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("volunteer", "session__course", "session__venue", "need")
        .order_by("session__starts_at", "volunteer__family_name_kana", "pk")
    )
    if venue_ids is not None:
        rows = rows.filter(session__venue_id__in=venue_ids)
    return list(rows)
