"""The KPI numbers, each defined once (DESIGN.md "Definitions the numbers must follow").

Every metric is a database aggregate over one source queryset: `metric_value` for a period
[start, end) and a `MetricFilter`, `metric_breakdown` for the same grouped by one dimension in
a single query. `indicator_progress` and `plan_dashboard` put targets and pace next to them.

- attendances (延べ参加者数): check-ins with result ok, not undone, `at` in the period.
- unique_participants (実参加者数): distinct residents among those attendances.
- cumulative_unique (累計実参加者数): distinct residents over the whole span asked for (the plan's
  start to the date) — never a sum of yearly uniques. By month or fiscal year it is a running
  total: each resident counts from the bucket of their first attendance in the span.
- new_participants: residents whose first attendance ever (any course) falls in the period;
  the first attendance itself must match the filter, so every resident is new exactly once.
- sessions_held (開催回数): sessions with status held whose `starts_at` is in the period.
- bookings: seat-holding bookings (booked, offered, attended, no-show) of sessions starting in
  the period; no_show_rate: no_show / (attended + no_show) of those, in %.
- seats_filled: seat-holding bookings / capacity of sessions held in the period, in %.
- volunteer_attendances (延べ活動人数): volunteer shifts worked (volunteers' `worked()`:
  checked in), dated by the session's start; volunteer_hours: their hours, check-in to
  check-out, or the session's planned length when not checked out (as `Assignment.hours`),
  summed in the database.
- satisfaction: surveys' `satisfaction_share` (respondents answering 4 or 5 of 5 on a
  satisfaction question), in %; it breaks down by venue and month only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
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
    """Which sessions count: course categories, venue ids, partner ids; empty means all."""

    categories: tuple[str, ...] = ()
    venue_ids: tuple[int, ...] = ()
    partner_ids: tuple[int, ...] = ()

    @classmethod
    def for_indicator(cls, indicator: Indicator) -> MetricFilter:
        """The indicator's filter; reads venues and partners through prefetched rows if any."""
        return cls(
            categories=tuple(indicator.categories or ()),
            venue_ids=tuple(v.pk for v in indicator.venues.all()),
            partner_ids=tuple(p.pk for p in indicator.partners.all()),
        )

    def q(self, session_path):
        """The filter as a Q on the session reached by `session_path` ("" or "session__")."""
        q = Q()
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
    """Keep the check-ins that are their resident's first among `source` + `earlier_filter`."""
    earlier = _attendances().filter(
        earlier_filter or Q(),
        Q(at__lt=OuterRef("at")) | Q(at=OuterRef("at"), pk__lt=OuterRef("pk")),
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


def _attendance_rows(start, end, flt):
    return _attendances().filter(flt.q("session__"), at__gte=start, at__lt=end)


def _cumulative_rows(start, end, flt):
    # The first attendance in the span (NOT EXISTS an earlier one), for databases without a
    # bucket expression in _first_in_span_counts.
    return _first_attendance(
        _attendance_rows(start, end, flt), earlier_filter=Q(flt.q("session__"), at__gte=start)
    )


def _new_rows(start, end, flt):
    return _first_attendance(_attendance_rows(start, end, flt))


def _session_rows(start, end, flt):
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
    return _session_rows(start, end, flt).annotate(
        taken=Coalesce(Subquery(taken, output_field=IntegerField()), 0)
    )


def _shift_rows(start, end, flt):
    return Assignment.objects.worked().filter(
        flt.q("session__"), session__starts_at__gte=start, session__starts_at__lt=end
    )


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
        _attendance_rows, "at", "session__", "resident__", lambda: {"n": Count("pk")}, _count
    ),
    Metric.UNIQUE_PARTICIPANTS: _Spec(
        _attendance_rows,
        "at",
        "session__",
        "resident__",
        lambda: {"n": Count("resident", distinct=True)},
        _count,
    ),
    Metric.CUMULATIVE_UNIQUE: _Spec(
        _attendance_rows,
        "at",
        "session__",
        "resident__",
        lambda: {"n": Count("resident", distinct=True)},
        _count,
    ),
    Metric.NEW_PARTICIPANTS: _Spec(
        _new_rows, "at", "session__", "resident__", lambda: {"n": Count("pk")}, _count
    ),
    Metric.SESSIONS_HELD: _Spec(
        _session_rows, "starts_at", "", None, lambda: {"n": Count("pk")}, _count
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
    result = satisfaction_share(
        start=start.astimezone(TOKYO).date(),
        end=(end - datetime.timedelta(microseconds=1)).astimezone(TOKYO).date(),
        course_ids=courses,
        venue_ids=list(flt.venue_ids) or None,
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


def metric_value(metric, *, start, end, filter=ALL):  # noqa: A002 - the brief's name
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


def _first_in_span_counts(start, end, flt, by):
    """[(bucket, residents whose first attendance in [start, end) falls in it)], one query.

    The attendances grouped by resident with their first time (built by the ORM, so filters
    stay in one place), then grouped again by the bucket of that first time:
        SELECT bucket(first_at), COUNT(*) FROM (SELECT resident_id, MIN(at) AS first_at …
        GROUP BY resident_id) GROUP BY 1
    Databases without a bucket expression here use the NOT EXISTS form (same numbers).
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
        return [(row["key"], row["n"]) for row in grouped]
    firsts = (
        _attendance_rows(start, end, flt)
        .order_by()
        .values("resident")
        .annotate(first_at=Min("at"))
        .values("first_at")
    )
    sql, params = firsts.query.sql_with_params()
    bucket = buckets[by].format(col="firsts.first_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {bucket} AS bucket, COUNT(*) FROM ({sql}) firsts GROUP BY 1 ORDER BY 1",
            params,
        )
        rows = cursor.fetchall()
    if by == "month":
        return [(datetime.date.fromisoformat(key), n) for key, n in rows]
    return rows


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
    """Every indicator's progress: 4 queries for the plan's rows, then one per indicator."""
    indicators = plan.indicators.select_related("plan").prefetch_related(
        "venues", "partners", "targets"
    )
    return [indicator_progress(indicator, today=today) for indicator in indicators]
