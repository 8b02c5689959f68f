"""The KPI numbers, each defined once (DESIGN.md "Definitions the numbers must follow").

Every metric is a database aggregate over one source queryset: `metric_value` for a period
[start, end) and a `MetricFilter`, `metric_breakdown` for the same grouped by one dimension in
a single query. `indicator_progress` and `plan_dashboard` put targets and pace next to them.

An attendance is dated by its session's start, not by the moment of the scan: the session's
date decides (attendance/checkin.py "When a ticket counts"), so a resident scanned at 00:05 on
1 April for a session of 31 March counts in March and in the fiscal year that ends then, with
the session itself (開催回数).

- attendances (延べ参加者数): check-ins with result ok, not undone, whose session starts in the
  period.
- unique_participants (実参加者数): distinct residents among those attendances.
- cumulative_unique (累計実参加者数): distinct residents over the whole span asked for (the plan's
  start to the date) — never a sum of yearly uniques. By month or fiscal year it is a running
  total: each resident counts from the bucket of their first attendance in the span.
- new_participants: residents whose first attendance ever (any course) falls in the period;
  the first attendance itself must match the filter, so every resident is new exactly once.
  "First" orders attendances by their session's start, then by check-in id.
- sessions_held (開催回数): sessions with status held whose `starts_at` is in the period.
- bookings: seat-holding bookings (booked, offered, attended, no-show) of sessions starting in
  the period; no_show_rate: no_show / (attended + no_show) of those, in %.
- seats_filled: seat-holding bookings / capacity of sessions held in the period, in %.
- volunteer_attendances (延べ活動人数): volunteer shifts worked (volunteers' `worked()`:
  checked in), dated by the session's start; volunteer_hours: their hours, check-in to
  check-out, or the session's planned length when not checked out (as `Assignment.hours`),
  summed in the database.
- consultations (相談件数): help sessions recorded (consultations.ConsultationRecord), dated by
  their session's start; consultations_resolved: of them, those marked 解決.
- satisfaction: surveys' `satisfaction_share` (respondents answering 4 or 5 of 5 on a
  satisfaction question), in %; it breaks down by venue and month only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncMonth
from django.db.models.lookups import GreaterThanOrEqual

from attendance.models import CheckIn
from classes.models import SEAT_STATUSES, Booking, BookingStatus, Session, SessionStatus
from consultations.models import Resolution
from consultations.queries import records_about, records_between
from reports.fiscal import fiscal_year_range_utc, tokyo_midnight_utc
from reports.models import Indicator, Metric, Plan, Target
from residents.models import AGE_BANDS
from surveys.queries import satisfaction_share
from volunteers.models import Assignment

TOKYO = ZoneInfo("Asia/Tokyo")

BREAKDOWNS = (
    "fiscal_year",
    "month",
    "venue",
    "category",
    "partner",
    "age_band",
    "gender",
    "district",
    "smartphone",
)
_TIME_BREAKDOWNS = ("fiscal_year", "month")
_PERSON_BREAKDOWNS = ("age_band", "gender", "district", "smartphone")


@dataclass(frozen=True)
class MetricFilter:
    """Which sessions count: course categories, venue ids, partner ids; empty means all. And
    always, for a plan's figures, the plan's municipality: sessions at venues with the plan's
    local government code (None only where no plan is involved)."""

    categories: tuple[str, ...] = ()
    venue_ids: tuple[int, ...] = ()
    partner_ids: tuple[int, ...] = ()
    municipality_code: str | None = None
    # Consultation metrics: records about any of these topics (sessions are not filtered by it).
    topic_ids: tuple[int, ...] = ()

    @classmethod
    def for_plan(cls, plan: Plan) -> MetricFilter:
        """Everything of the plan's municipality."""
        return cls(municipality_code=plan.municipality_code)

    @classmethod
    def for_indicator(cls, indicator: Indicator) -> MetricFilter:
        """The indicator's filter within its plan's municipality; reads venues, partners and
        topics through prefetched rows if any (and the plan through select_related)."""
        return cls(
            categories=tuple(indicator.categories or ()),
            venue_ids=tuple(v.pk for v in indicator.venues.all()),
            partner_ids=tuple(p.pk for p in indicator.partners.all()),
            municipality_code=indicator.plan.municipality_code,
            topic_ids=tuple(t.pk for t in indicator.topics.all()),
        )

    def q(self, session_path):
        """The filter as a Q on the session reached by `session_path` ("" or "session__")."""
        q = Q()
        if self.municipality_code is not None:
            q &= Q(**{f"{session_path}venue__municipality_code": self.municipality_code})
        if self.categories:
            q &= Q(**{f"{session_path}course__category__in": self.categories})
        if self.venue_ids:
            q &= Q(**{f"{session_path}venue__in": self.venue_ids})
        if self.partner_ids:
            q &= Q(**{f"{session_path}course__partner__in": self.partner_ids})
        return q


ALL = MetricFilter()


def _attendances():
    return CheckIn.objects.filter(
        result=CheckIn.Result.OK, undone_at__isnull=True, resident__isnull=False
    )


def _first_attendance(source, *, earlier_filter=None):
    """Keep the check-ins that are their resident's first among `source` + `earlier_filter`,
    ordered by their session's start, then id."""
    starts = OuterRef("session__starts_at")
    earlier = _attendances().filter(
        earlier_filter or Q(),
        Q(session__starts_at__lt=starts) | Q(session__starts_at=starts, pk__lt=OuterRef("pk")),
        resident=OuterRef("resident"),
    )
    return source.filter(~Exists(earlier))


@dataclass(frozen=True)
class _Spec:
    """How one metric reads: its rows, the paths to session, resident and time, its sums."""

    rows: object  # (start, end, filter) -> queryset
    time: str
    session: str
    resident: str | None
    aggregates: object  # () -> dict of aggregates
    finish: object  # row dict -> value


def _count(row):
    return row["n"] or 0


def _percent(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# A check-in is accepted only from 00:00 of its session's day until that day's end or the
# session's end plus CHECKIN_GRACE_MINUTES (attendance/checkin.py "When a ticket counts"), so
# the attendances of sessions starting in [start, end) were all scanned in [start, end + grace).
# Bounding `at` by that (and a day's margin either side) changes no number and lets the
# database range-scan the check-ins by time instead of joining every one to its session.
_SCAN_MARGIN = datetime.timedelta(days=1)


def attendance_rows(start, end, flt):
    grace = datetime.timedelta(minutes=settings.CHECKIN_GRACE_MINUTES)
    return _attendances().filter(
        flt.q("session__"),
        at__gte=start - _SCAN_MARGIN,
        at__lt=end + grace + _SCAN_MARGIN,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    )


def _cumulative_rows(start, end, flt):
    # The first attendance in the span (NOT EXISTS an earlier one), for databases without a
    # bucket expression in _first_in_span_counts.
    return _first_attendance(
        attendance_rows(start, end, flt),
        earlier_filter=Q(flt.q("session__"), session__starts_at__gte=start),
    )


def _new_rows(start, end, flt):
    return _first_attendance(attendance_rows(start, end, flt))


def session_rows(start, end, flt):
    return Session.objects.filter(
        flt.q(""), status=SessionStatus.HELD, starts_at__gte=start, starts_at__lt=end
    )


def _booking_rows(start, end, flt):
    return Booking.objects.filter(
        flt.q("session__"),
        status__in=SEAT_STATUSES,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    )


def _seat_rows(start, end, flt):
    taken = (
        Booking.objects.filter(session=OuterRef("pk"), status__in=SEAT_STATUSES)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return session_rows(start, end, flt).annotate(
        taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0)
    )


def _shift_rows(start, end, flt):
    return Assignment.objects.worked().filter(
        flt.q("session__"), session__starts_at__gte=start, session__starts_at__lt=end
    )


def _consultation_rows(start, end, flt):
    rows = records_between(start, end).filter(flt.q("booking__session__"))
    if flt.topic_ids:
        # A subquery, not a join: a record about two of the topics still counts once.
        rows = rows.filter(pk__in=records_about(flt.topic_ids))
    return rows


def _shift_duration():
    worked = ExpressionWrapper(
        F("checked_out_at") - F("checked_in_at"), output_field=DurationField()
    )
    planned = ExpressionWrapper(
        F("session__ends_at") - F("session__starts_at"), output_field=DurationField()
    )
    return Case(
        When(checked_out_at__isnull=True, then=planned),
        default=worked,
        output_field=DurationField(),
    )


def _hours(row):
    total = row["duration"]
    if not total:
        return Decimal("0.0")
    return (Decimal(total.total_seconds()) / 3600).quantize(Decimal("0.1"))


_SPECS = {
    Metric.ATTENDANCES: _Spec(
        attendance_rows,
        "session__starts_at",
        "session__",
        "resident__",
        lambda: {"n": Count("pk")},
        _count,
    ),
    Metric.UNIQUE_PARTICIPANTS: _Spec(
        attendance_rows,
        "session__starts_at",
        "session__",
        "resident__",
        lambda: {"n": Count("resident", distinct=True)},
        _count,
    ),
    Metric.CUMULATIVE_UNIQUE: _Spec(
        attendance_rows,
        "session__starts_at",
        "session__",
        "resident__",
        lambda: {"n": Count("resident", distinct=True)},
        _count,
    ),
    Metric.NEW_PARTICIPANTS: _Spec(
        _new_rows,
        "session__starts_at",
        "session__",
        "resident__",
        lambda: {"n": Count("pk")},
        _count,
    ),
    Metric.SESSIONS_HELD: _Spec(
        session_rows, "starts_at", "", None, lambda: {"n": Count("pk")}, _count
    ),
    Metric.BOOKINGS: _Spec(
        _booking_rows,
        "session__starts_at",
        "session__",
        "resident__",
        lambda: {"n": Count("pk")},
        _count,
    ),
    Metric.NO_SHOW_RATE: _Spec(
        _booking_rows,
        "session__starts_at",
        "session__",
        "resident__",
        lambda: {
            "no_show": Count("pk", filter=Q(status=BookingStatus.NO_SHOW)),
            "attended": Count("pk", filter=Q(status=BookingStatus.ATTENDED)),
        },
        lambda row: _percent(row["no_show"] or 0, (row["no_show"] or 0) + (row["attended"] or 0)),
    ),
    Metric.SEATS_FILLED: _Spec(
        _seat_rows,
        "starts_at",
        "",
        None,
        # Aliases differ from the fields: an aggregate named like a field would shadow it.
        lambda: {"seats_taken": Sum("taken"), "seats": Sum("capacity")},
        lambda row: _percent(row["seats_taken"] or 0, row["seats"] or 0),
    ),
    Metric.VOLUNTEER_ATTENDANCES: _Spec(
        _shift_rows, "session__starts_at", "session__", None, lambda: {"n": Count("pk")}, _count
    ),
    Metric.VOLUNTEER_HOURS: _Spec(
        _shift_rows,
        "session__starts_at",
        "session__",
        None,
        lambda: {"duration": Sum(_shift_duration())},
        _hours,
    ),
    Metric.CONSULTATIONS: _Spec(
        _consultation_rows,
        "booking__session__starts_at",
        "booking__session__",
        "resident__",
        lambda: {"n": Count("pk")},
        _count,
    ),
    Metric.CONSULTATIONS_RESOLVED: _Spec(
        _consultation_rows,
        "booking__session__starts_at",
        "booking__session__",
        "resident__",
        lambda: {"n": Count("pk", filter=Q(resolution=Resolution.RESOLVED))},
        _count,
    ),
}
# Breakdowns surveys' satisfaction_share gives (its `by`): ours → theirs.
_SATISFACTION_BY = {"venue": "venue", "month": "month"}


def _satisfaction(start, end, flt, by=None):
    """surveys.queries.satisfaction_share over [start, end) for the filter, in %."""
    courses = None
    if flt.categories or flt.partner_ids:
        from classes.models import Course

        courses = Course.objects.all()
        if flt.categories:
            courses = courses.filter(category__in=flt.categories)
        if flt.partner_ids:
            courses = courses.filter(partner__in=flt.partner_ids)
        courses = courses.values("pk")
    venues = list(flt.venue_ids) or None
    if flt.municipality_code is not None:
        from classes.models import Venue

        scoped = Venue.objects.filter(municipality_code=flt.municipality_code)
        if venues is not None:
            scoped = scoped.filter(pk__in=venues)
        venues = scoped.values("pk")
    result = satisfaction_share(
        start=start.astimezone(TOKYO).date(),
        end=(end - datetime.timedelta(microseconds=1)).astimezone(TOKYO).date(),
        course_ids=courses,
        venue_ids=venues,
        by=_SATISFACTION_BY[by] if by else None,
    )

    def percent(row):
        return _percent(row["satisfied"], row["respondents"])

    if by is None:
        return percent(result)
    return [(key, percent(row)) for key, row in result.items()]


def satisfaction_breakdowns():
    return tuple(_SATISFACTION_BY)


def _spec(metric):
    try:
        return _SPECS[Metric(metric)]
    except (ValueError, KeyError):
        raise ValueError(f"unknown metric {metric!r}") from None


def metric_value(
    metric: str,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    filter: MetricFilter = ALL,  # noqa: A002 - the brief's name
) -> Any:
    """The metric over [start, end) (aware datetimes) for the filter, in one query."""
    if metric == Metric.SATISFACTION:
        return _satisfaction(start, end, filter)
    spec = _spec(metric)
    return spec.finish(spec.rows(start, end, filter).aggregate(**spec.aggregates()))


def _age_band_expression(path, end):
    # Age as Resident.age_on gives it when only the year is known: the age reached in the
    # calendar year of the period's last day. Band key = the band's lower bound.
    year = (end - datetime.timedelta(microseconds=1)).astimezone(TOKYO).year
    field = f"{path}birth_year"
    whens = [
        When(**{f"{field}__lte": year - lower}, then=Value(lower))
        for lower, _label in reversed(AGE_BANDS)
    ]
    return Case(When(**{f"{field}__isnull": True}, then=Value(None)), *whens, default=Value(0))


def _key_expression(spec, by, end):
    time, session, person = spec.time, spec.session, spec.resident
    if by == "month":
        return TruncMonth(time, tzinfo=TOKYO)
    if by == "fiscal_year":
        year = ExtractYear(time, tzinfo=TOKYO)
        return Case(
            When(GreaterThanOrEqual(ExtractMonth(time, tzinfo=TOKYO), 4), then=year),
            default=year - 1,
            output_field=IntegerField(),
        )
    if by == "venue":
        return F(f"{session}venue")
    if by == "category":
        return F(f"{session}course__category")
    if by == "partner":
        return F(f"{session}course__partner")
    if person is None:
        raise ValueError(f"{by} is not a breakdown of a session metric")
    if by == "age_band":
        return _age_band_expression(person, end)
    return F(f"{person}{by}")


# Tokyo month (first day) and fiscal year of a UTC timestamp, in SQL; Tokyo has no DST, so
# nine hours ahead is exact. Used over a derived table the ORM cannot express.
_FIRST_BUCKET_SQL = {
    "postgresql": {
        "month": "to_char({col} AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-01')",
        "fiscal_year": (
            "CAST(EXTRACT(YEAR FROM ({col} AT TIME ZONE 'Asia/Tokyo'"
            " - interval '3 months')) AS integer)"
        ),
    },
    "sqlite": {
        "month": "strftime('%%Y-%%m-01', {col}, '+9 hours')",
        "fiscal_year": "CAST(strftime('%%Y', {col}, '+9 hours', 'start of month', '-3 months')"
        " AS integer)",
    },
}


def _first_in_span_counts(start, end, flt, by, *, active_since=None):
    """[(bucket, residents whose first attendance in [start, end) falls in it)], one query;
    with `active_since`, also how many residents attended on or after it, as
    ([(bucket, n)], active) — the distinct residents of [active_since, end) from the same scan.

    The attendances grouped by resident with their first and last session start (built by the
    ORM, so filters stay in one place), then grouped again by the bucket of the first:
        SELECT bucket(first_at), COUNT(*), SUM(last_at >= active_since) FROM (SELECT
        resident_id, MIN(starts_at) AS first_at, MAX(starts_at) AS last_at … GROUP BY
        resident_id) GROUP BY 1
    Databases without a bucket expression here use the NOT EXISTS form (same numbers) and,
    for `active_since`, a COUNT(DISTINCT) of their own.
    """
    buckets = _FIRST_BUCKET_SQL.get(connection.vendor)
    if buckets is None:
        rows = _cumulative_rows(start, end, flt)
        spec = _SPECS[Metric.ATTENDANCES]
        grouped = (
            rows.annotate(key=_key_expression(spec, by, end))
            .values("key")
            .annotate(n=Count("pk"))
            .order_by("key")
        )
        counts = [(row["key"], row["n"]) for row in grouped]
        if active_since is None:
            return counts
        return counts, metric_value(
            Metric.UNIQUE_PARTICIPANTS, start=active_since, end=end, filter=flt
        )
    firsts = (
        attendance_rows(start, end, flt)
        .order_by()
        .values("resident")
        .annotate(first_at=Min("session__starts_at"), last_at=Max("session__starts_at"))
        .values("first_at", "last_at")
    )
    sql, params = firsts.query.sql_with_params()
    bucket = buckets[by].format(col="firsts.first_at")
    since = connection.ops.adapt_datetimefield_value(active_since or start)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {bucket} AS bucket, COUNT(*),"
            " SUM(CASE WHEN firsts.last_at >= %s THEN 1 ELSE 0 END)"
            f" FROM ({sql}) firsts GROUP BY 1 ORDER BY 1",
            [since, *params],
        )
        rows = cursor.fetchall()
    if by == "month":
        counts = [(datetime.date.fromisoformat(key), n) for key, n, _active in rows]
    else:
        counts = [(key, n) for key, n, _active in rows]
    if active_since is None:
        return counts
    return counts, sum(active or 0 for *_counts, active in rows)


def cumulative_unique_by_month(
    start: datetime.datetime,
    end: datetime.datetime,
    flt: MetricFilter,
    *,
    active_since: datetime.datetime,
) -> tuple[list[tuple[datetime.date, int]], int]:
    """In one query: the running distinct count of residents by Tokyo month over [start, end)
    (each counted from the month of their first attendance in the span), and the distinct
    residents who attended in [active_since, end) — a fiscal year's 実参加者数 beside its 累計."""
    counts, active = _first_in_span_counts(start, end, flt, "month", active_since=active_since)
    running, total = [], 0
    for key, n in counts:
        total += n
        running.append((key, total))
    return running, active


def metric_breakdown(
    metric: str,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    filter: MetricFilter = ALL,  # noqa: A002 - the brief's name
    by: str,
) -> list[tuple[Any, Any]]:
    """[(key, value)] of the metric over [start, end) grouped by `by`, in one query.

    Keys: month → the first day of the Tokyo month (date), fiscal_year → int, venue/partner →
    id, category/gender/district/smartphone → the stored value, age_band → lower bound of the
    band (0, 20, …, 70) or None when the birth year is unknown. cumulative_unique by month or
    fiscal year is a running total since `start`; by other keys it is distinct per group.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    metric = Metric(metric)
    if metric == Metric.SATISFACTION:
        if by not in _SATISFACTION_BY:
            raise ValueError(f"satisfaction has no breakdown by {by}")
        return _satisfaction(start, end, filter, by)
    spec = _spec(metric)
    if metric == Metric.CUMULATIVE_UNIQUE and by in _TIME_BREAKDOWNS:
        # A running total of residents by the bucket of their first attendance in the span.
        result, total = [], 0
        for key, n in _first_in_span_counts(start, end, filter, by):
            if by == "month" and isinstance(key, datetime.datetime):
                key = key.astimezone(TOKYO).date()
            total += n
            result.append((key, total))
        return result
    grouped = (
        spec.rows(start, end, filter)
        .annotate(key=_key_expression(spec, by, end))
        .values("key")
        .annotate(**spec.aggregates())
        .order_by("key")
    )
    result = []
    for row in grouped:
        key = row["key"]
        if by == "month" and isinstance(key, datetime.datetime):
            key = key.astimezone(TOKYO).date()
        result.append((key, spec.finish(row)))
    return result


@dataclass(frozen=True)
class Progress:
    indicator: Indicator
    target: Target | None
    actual: int | Decimal | None  # Decimal for rates
    progress: Decimal | None  # actual / target, in %
    pace: Decimal | None  # where the actual should be today on the straight line
    on_track: bool | None


def plan_range_utc(
    plan: Plan, *, today: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of the plan's first fiscal year, end of `today`) in UTC."""
    start, _end = fiscal_year_range_utc(plan.start_fy)
    return start, tokyo_midnight_utc(today + datetime.timedelta(days=1))


def current_target(indicator: Indicator, *, today: datetime.date) -> Target | None:
    """The first target not yet past, else the last one (from prefetched targets if any)."""
    targets = sorted(indicator.targets.all(), key=lambda t: (t.target_date, t.pk))
    for target in targets:
        if target.target_date >= today:
            return target
    return targets[-1] if targets else None


def pace_on(target: Target, *, today: datetime.date) -> Decimal:
    """baseline + (target − baseline) × elapsed / total, on a straight line between the dates."""
    total = (target.target_date - target.baseline_date).days
    elapsed = min(max((today - target.baseline_date).days, 0), total)
    baseline = Decimal(target.baseline_value)
    return baseline + (Decimal(target.value) - baseline) * elapsed / total


def indicator_progress(indicator: Indicator, *, today: datetime.date) -> Progress:
    """Actual from the plan's start to `today` against the indicator's current target."""
    start, end = plan_range_utc(indicator.plan, today=today)
    actual = metric_value(
        indicator.metric, start=start, end=end, filter=MetricFilter.for_indicator(indicator)
    )
    return progress_of(indicator, actual, today=today)


def progress_of(
    indicator: Indicator, actual: int | Decimal | None, *, today: datetime.date
) -> Progress:
    """An actual (from the plan's start to `today`) against the current target and pace."""
    target = current_target(indicator, today=today)
    if target is None:
        return Progress(indicator, None, actual, None, None, None)
    value = actual or 0
    progress = _percent(value, target.value) if target.value else None
    pace = pace_on(target, today=today)
    return Progress(indicator, target, actual, progress, pace, Decimal(value) >= pace)


def plan_dashboard(plan: Plan, *, today: datetime.date) -> list[Progress]:
    """Every indicator's progress: 5 queries for the plan's rows, then one per indicator."""
    indicators = plan.indicators.select_related("plan").prefetch_related(
        "venues", "partners", "topics", "targets"
    )
    return [indicator_progress(indicator, today=today) for indicator in indicators]
