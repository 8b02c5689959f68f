"""A maintained rollup of the attendance metrics, so that a plan's dashboard reads a few hundred
day rows per indicator instead of every check-in (at national scale, ten million of them).

What it holds, per indicator whose metric is one of ROLLUP_METRICS, counting exactly what
reports.metrics counts (its `attendance_rows`, from the plan's first day on):
- RollupAttendee: how many times each resident attended on each day (the session's Tokyo date);
- RollupDay: per day, the attendances (延べ), the residents whose first attendance since the
  plan's start was that day (their running sum is 累計実参加者数), and the residents whose first
  attendance in that day's fiscal year was that day (summed from 1 April, 当年度の実参加者数).
The dashboard sums day rows up to its as-of date, so a period ending on any day is exact.

How it stays exact: every check-in is written with `rollup_pending` set (by the database, so the
scan's INSERT is unchanged), and whatever changes what a check-in counts for sets it again: an
undo, a merge of two residents (the rows of the record merged away), a session moved to another
day, venue or course, a venue's municipality or a course's category or partner changed
(reports/apps.py). `rollup_refresh` takes the pending check-ins, works out their residents' rows
again from the check-ins themselves, and changes the day counts by the difference between the
old rows and the new. A change to an indicator's own definition (its categories, venues,
partners, its plan's first year or municipality) makes its rollup unusable until
`rollup_build` has counted it again from the check-ins; until then the dashboard reads the
check-ins as before. Both run in the `reports.maintain_rollup` task every minute, and the
dashboard counts the few check-ins still pending before it reads (`rollup_ready`), so what it
shows never lags behind a scan.

Refreshes and builds take the rollup's row locks, so they run one after another; the pending
check-ins they take are locked too, so an undo made meanwhile waits and marks its row again.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Min, QuerySet, Sum, When
from django.db.models.functions import ExtractYear, TruncDate
from django.utils import timezone

from attendance.models import CheckIn
from classes.models import Session
from reports.fiscal import TOKYO, fiscal_year_of, fiscal_year_range_utc
from reports.metrics import MetricFilter, attendance_rows, session_rows
from reports.models import (
    Indicator,
    Metric,
    RollupAttendee,
    RollupDay,
    RollupIndicator,
    RollupSession,
)
from residents.models import Resident

ATTENDANCE_METRICS = (Metric.ATTENDANCES, Metric.UNIQUE_PARTICIPANTS, Metric.CUMULATIVE_UNIQUE)
ROLLUP_METRICS = (*ATTENDANCE_METRICS, Metric.SESSIONS_HELD)
# Check-ins counted per refresh: a batch's residents are read in one query per indicator.
REFRESH_BATCH = 1000
# The dashboard counts at most this many pending check-ins itself before reading the rollup;
# beyond that (a venue renamed its municipality: all its check-ins again) it reads the
# check-ins, as exact and slower, while the task catches up.
CATCH_UP_LIMIT = 3000
_NO_END = datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC)


def definition(indicator: Indicator) -> dict:
    """What the indicator's rollup counts; from prefetched venues and partners if any."""
    flt = MetricFilter.for_indicator(indicator)
    return {
        "start_fy": indicator.plan.start_fy,
        "municipality_code": flt.municipality_code,
        "categories": sorted(flt.categories),
        "venues": sorted(flt.venue_ids),
        "partners": sorted(flt.partner_ids),
    }


def is_current(indicator: Indicator) -> bool:
    """Built, and for the indicator's definition as it is now (reads `indicator.rollup`, so
    select_related("rollup") keeps this free of queries)."""
    try:
        state = indicator.rollup
    except RollupIndicator.DoesNotExist:
        return False
    return state.definition == definition(indicator)


def _rows_since_plan_start(indicator: Indicator):
    start = fiscal_year_range_utc(indicator.plan.start_fy)[0]
    return attendance_rows(start, _NO_END, MetricFilter.for_indicator(indicator))


def _by_resident_and_day(queryset):
    return (
        queryset.annotate(day=TruncDate("session__starts_at", tzinfo=TOKYO))
        .order_by()
        .values("resident", "day")
        .annotate(n=Count("pk"))
    )


def _fiscal_year_of_day():
    year = ExtractYear("day")
    return Case(When(day__month__gte=4, then=year), default=year - 1, output_field=IntegerField())


def _first_days(indicator_id: int, *, by_fiscal_year: bool) -> dict[datetime.date, int]:
    """{day: residents whose first day (in the plan, or in each fiscal year) it was}."""
    rows = RollupAttendee.objects.filter(indicator_id=indicator_id).order_by()
    # Grouped by resident, or by resident and the fiscal year of the day.
    grouping: QuerySet[Any, Any] = (
        rows.annotate(fy=_fiscal_year_of_day()).values("resident_id", "fy")
        if by_fiscal_year
        else rows.values("resident_id")
    )
    firsts = grouping.annotate(first_day=Min("day")).values("first_day")
    sql, params = firsts.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT firsts.first_day, COUNT(*) FROM ({sql}) firsts GROUP BY firsts.first_day",
            params,
        )
        return {_as_date(day): n for day, n in cursor.fetchall()}


def _as_date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


@transaction.atomic
def rollup_build(*, indicator_id: int) -> RollupIndicator | None:
    """Count an indicator's rollup again from the check-ins; None for a metric it does not
    cover. Idempotent; check-ins written meanwhile stay pending and are counted by the next
    refresh (counting a resident again from the check-ins changes nothing)."""
    indicator = (
        Indicator.objects.select_related("plan")
        .prefetch_related("venues", "partners", "topics")
        .get(pk=indicator_id)
    )
    if indicator.metric not in ROLLUP_METRICS:
        RollupIndicator.objects.filter(pk=indicator_id).delete()
        return None
    RollupIndicator.objects.get_or_create(
        indicator=indicator, defaults={"definition": {}, "built_at": timezone.now()}
    )
    state = RollupIndicator.objects.select_for_update().get(pk=indicator_id)
    RollupAttendee.objects.filter(indicator_id=indicator_id).delete()
    RollupSession.objects.filter(indicator_id=indicator_id).delete()
    RollupDay.objects.filter(indicator_id=indicator_id).delete()
    if indicator.metric == Metric.SESSIONS_HELD:
        _build_sessions(indicator)
    else:
        _build_attendances(indicator)
    state.definition = definition(indicator)
    state.built_at = timezone.now()
    state.save()
    return state


def _insert_select(model, columns, indicator_id, queryset) -> None:
    """INSERT … SELECT of the ORM's own query: millions of rows never pass through Python."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} (indicator_id, {', '.join(columns)})"
            f" SELECT %s, q.* FROM ({sql}) q",
            [indicator_id, *params],
        )


def _held_since_plan_start(indicator: Indicator):
    """(session id, Tokyo day) of the sessions held the indicator counts, from the plan's start."""
    start = fiscal_year_range_utc(indicator.plan.start_fy)[0]
    held = session_rows(start, _NO_END, MetricFilter.for_indicator(indicator))
    return (
        held.annotate(day=TruncDate("starts_at", tzinfo=TOKYO)).order_by().values_list("pk", "day")
    )


def _build_sessions(indicator: Indicator) -> None:
    _insert_select(
        RollupSession, ["session_id", "day"], indicator.pk, _held_since_plan_start(indicator)
    )
    RollupDay.objects.bulk_create(
        RollupDay(indicator_id=indicator.pk, day=day, sessions=n)
        for day, n in RollupSession.objects.filter(indicator_id=indicator.pk)
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )


def _build_attendances(indicator: Indicator) -> None:
    indicator_id = indicator.pk
    _insert_select(
        RollupAttendee,
        ["resident_id", "day", "attendances"],
        indicator_id,
        _by_resident_and_day(_rows_since_plan_start(indicator)).values_list("resident", "day", "n"),
    )
    attendances = dict(
        RollupAttendee.objects.filter(indicator_id=indicator_id)
        .order_by()
        .values("day")
        .annotate(n=Sum("attendances"))
        .values_list("day", "n")
    )
    newcomers = _first_days(indicator_id, by_fiscal_year=False)
    year_newcomers = _first_days(indicator_id, by_fiscal_year=True)
    RollupDay.objects.bulk_create(
        RollupDay(
            indicator_id=indicator_id,
            day=day,
            attendances=attendances.get(day, 0),
            newcomers=newcomers.get(day, 0),
            year_newcomers=year_newcomers.get(day, 0),
        )
        for day in sorted({*attendances, *newcomers, *year_newcomers})
    )


# The counters of a RollupDay, in the order the deltas below hold them.
_COUNTERS = ("attendances", "newcomers", "year_newcomers", "sessions")


def _zero() -> list[int]:
    return [0] * len(_COUNTERS)


def _contributions(days: dict[datetime.date, int]) -> dict[datetime.date, list[int]]:
    """What one resident's attended days add to the day counts: {day: [attendances,
    newcomers, year_newcomers, 0]}."""
    result: dict[datetime.date, list[int]] = defaultdict(_zero)
    if not days:
        return result
    for day, n in days.items():
        result[day][0] += n
    result[min(days)][1] += 1
    firsts: dict[int, datetime.date] = {}
    for day in days:
        fy = fiscal_year_of(day)
        if fy not in firsts or day < firsts[fy]:
            firsts[fy] = day
    for day in firsts.values():
        result[day][2] += 1
    return result


def _with_merged_away(resident_ids: set[int]) -> set[int]:
    """The residents and every record merged into them, at any depth: a merge moved those
    records' check-ins, and their rows must go."""
    found, frontier = set(resident_ids), set(resident_ids)
    while frontier:
        frontier = (
            set(Resident.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
            - found
        )
        found |= frontier
    return found


def _current_states() -> list[Indicator]:
    """The indicators with a rollup built for their definition as it is now, locked."""
    locked = set(
        RollupIndicator.objects.select_for_update().order_by("pk").values_list("pk", flat=True)
    )
    indicators = (
        Indicator.objects.filter(pk__in=locked)
        .select_related("plan", "rollup")
        .prefetch_related("venues", "partners", "topics")
    )
    return [indicator for indicator in indicators if is_current(indicator)]


@transaction.atomic
def rollup_refresh(*, batch: int = REFRESH_BATCH) -> int:
    """Count up to `batch` pending check-ins and `batch` pending sessions into every current
    rollup; returns how many were taken (0: nothing was pending)."""
    indicators = _current_states()
    attendances = [i for i in indicators if i.metric in ATTENDANCE_METRICS]
    sessions = [i for i in indicators if i.metric == Metric.SESSIONS_HELD]
    pending = list(
        CheckIn.objects.select_for_update()
        .filter(rollup_pending=True)
        .order_by("pk")
        .values_list("pk", "resident_id")[:batch]
    )
    if pending:
        residents = _with_merged_away({resident for _pk, resident in pending if resident})
        if residents and attendances:
            _recount_residents(attendances, residents)
        CheckIn.objects.filter(pk__in=[pk for pk, _r in pending]).update(rollup_pending=False)
    # Sessions after check-ins: the lock order of the booking services is the session first,
    # and a refresh never waits on a check-in while holding a session.
    pending_sessions = list(
        Session.objects.select_for_update()
        .filter(rollup_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    if pending_sessions:
        if sessions:
            _recount_sessions(sessions, pending_sessions)
        Session.objects.filter(pk__in=pending_sessions).update(rollup_pending=False)
    return len(pending) + len(pending_sessions)


def _recount_sessions(indicators: list[Indicator], session_ids: list[int]) -> None:
    ids = [indicator.pk for indicator in indicators]
    old = {
        (indicator_id, session_id): day
        for indicator_id, session_id, day in RollupSession.objects.filter(
            indicator_id__in=ids, session_id__in=session_ids
        ).values_list("indicator_id", "session_id", "day")
    }
    new = {}
    for indicator in indicators:
        for session_id, day in _held_since_plan_start(indicator).filter(pk__in=session_ids):
            new[indicator.pk, session_id] = day
    deltas: dict[tuple[int, datetime.date], list[int]] = defaultdict(_zero)
    for (indicator_id, _session_id), day in old.items():
        deltas[indicator_id, day][3] -= 1
    for (indicator_id, _session_id), day in new.items():
        deltas[indicator_id, day][3] += 1
    RollupSession.objects.filter(indicator_id__in=ids, session_id__in=session_ids).delete()
    RollupSession.objects.bulk_create(
        RollupSession(indicator_id=indicator_id, session_id=session_id, day=day)
        for (indicator_id, session_id), day in new.items()
    )
    _apply(deltas)


def _recount_residents(indicators: list[Indicator], residents: set[int]) -> None:
    ids = [indicator.pk for indicator in indicators]
    old: dict[tuple[int, int], dict[datetime.date, int]] = defaultdict(dict)
    for indicator_id, resident_id, day, n in RollupAttendee.objects.filter(
        indicator_id__in=ids, resident_id__in=residents
    ).values_list("indicator_id", "resident_id", "day", "attendances"):
        old[indicator_id, resident_id][day] = n
    new: dict[tuple[int, int], dict[datetime.date, int]] = defaultdict(dict)
    for indicator in indicators:
        rows = _rows_since_plan_start(indicator).filter(resident__in=residents)
        for row in _by_resident_and_day(rows):
            new[indicator.pk, row["resident"]][row["day"]] = row["n"]
    deltas: dict[tuple[int, datetime.date], list[int]] = defaultdict(_zero)
    for key in {*old, *new}:
        before, after = old.get(key, {}), new.get(key, {})
        if before == after:
            continue
        for sign, days in ((-1, before), (1, after)):
            for day, counts in _contributions(days).items():
                delta = deltas[key[0], day]
                for i, n in enumerate(counts):
                    delta[i] += sign * n
    RollupAttendee.objects.filter(indicator_id__in=ids, resident_id__in=residents).delete()
    RollupAttendee.objects.bulk_create(
        RollupAttendee(indicator_id=indicator_id, resident_id=resident_id, day=day, attendances=n)
        for (indicator_id, resident_id), days in new.items()
        for day, n in days.items()
    )
    _apply(deltas)


def _apply(deltas: dict[tuple[int, datetime.date], list[int]]) -> None:
    changed = {key: delta for key, delta in deltas.items() if any(delta)}
    if not changed:
        return
    existing = {
        (row.indicator_id, row.day): row
        for row in RollupDay.objects.filter(
            indicator_id__in={indicator_id for indicator_id, _day in changed},
            day__in={day for _indicator_id, day in changed},
        )
    }
    updated: list[RollupDay] = []
    created: list[RollupDay] = []
    emptied: list[int] = []
    for (indicator_id, day), delta in changed.items():
        row = existing.get((indicator_id, day)) or RollupDay(indicator_id=indicator_id, day=day)
        values = [getattr(row, name) + n for name, n in zip(_COUNTERS, delta, strict=True)]
        if min(values) < 0:
            raise AssertionError(f"rollup of indicator {indicator_id} below zero on {day}")
        for name, value in zip(_COUNTERS, values, strict=True):
            setattr(row, name, value)
        if row.pk is None:
            created.append(row)
        elif any(values):
            updated.append(row)
        else:
            emptied.append(row.pk)
    RollupDay.objects.bulk_create(created)
    RollupDay.objects.bulk_update(updated, list(_COUNTERS))
    RollupDay.objects.filter(pk__in=emptied).delete()


def rollup_ready(*, limit: int = CATCH_UP_LIMIT) -> bool:
    """Count what is pending, up to `limit` check-ins; True when nothing is left, so that a
    current rollup says what the check-ins say. One query when nothing is pending."""
    if not _anything_pending():
        return True
    taken = 0
    while taken < limit:
        done = rollup_refresh(batch=min(REFRESH_BATCH, limit - taken))
        if not done:
            return True
        taken += done
    return not _anything_pending()


def _anything_pending() -> bool:
    # Two look-ups of the partial indexes; one query with OR would scan the sessions.
    return (
        CheckIn.objects.filter(rollup_pending=True).exists()
        or Session.objects.filter(rollup_pending=True).exists()
    )


def rollup_maintain() -> dict[str, int]:
    """Build the rollups that are missing or out of date, then count every pending check-in
    (the `reports.maintain_rollup` task, every minute)."""
    built = 0
    indicators = (
        Indicator.objects.filter(metric__in=ROLLUP_METRICS)
        .select_related("plan", "rollup")
        .prefetch_related("venues", "partners", "topics")
    )
    for indicator in indicators:
        if not is_current(indicator):
            rollup_build(indicator_id=indicator.pk)
            built += 1
    RollupIndicator.objects.exclude(indicator__metric__in=ROLLUP_METRICS).delete()
    counted = 0
    while taken := rollup_refresh():
        counted += taken
    return {"built": built, "counted": counted}


def month_sums(
    indicator: Indicator, *, through: datetime.date, fiscal_year: int
) -> tuple[list[tuple[datetime.date, int]], int | None]:
    """One query over the indicator's day rows up to `through`: [(first day of a Tokyo month,
    its count)] from the plan's start — attendances, residents counted for the first time
    (their running total is the distinct count), or sessions held, by the metric — and for the
    unique metrics the residents who attended in `fiscal_year` up to `through` (else None)."""
    fy_start = datetime.date(fiscal_year, 4, 1)
    column = {
        Metric.ATTENDANCES: "attendances",
        Metric.SESSIONS_HELD: "sessions",
    }.get(Metric(indicator.metric), "newcomers")
    rows = (
        RollupDay.objects.filter(indicator=indicator, day__lte=through)
        .order_by("day")
        .values_list("day", column, "year_newcomers")
    )
    months: dict[datetime.date, int] = {}
    in_year = 0
    for day, n, year_newcomers in rows:
        month = day.replace(day=1)
        months[month] = months.get(month, 0) + n
        if day >= fy_start:
            in_year += year_newcomers
    return list(months.items()), in_year if column == "newcomers" else None


def _mark_checkins(**filters) -> None:
    """Mark the check-ins matching `filters` for the rollup to count again."""
    CheckIn.objects.filter(rollup_pending=False, **filters).update(rollup_pending=True)


def _mark_sessions(*, with_checkins: bool, **filters) -> None:
    """Mark the sessions matching `filters` (fields of Session) for the rollup to count again,
    and with `with_checkins` their check-ins too."""
    Session.objects.filter(rollup_pending=False, **filters).update(rollup_pending=True)
    if with_checkins:
        _mark_checkins(**{f"session__{name}": value for name, value in filters.items()})


# --- what changes what a check-in counts for (connected in reports/apps.py) --------------------

# The session fields that decide which indicators and which day a check-in counts for.
_SESSION_FIELDS = {"starts_at", "venue", "venue_id", "course", "course_id"}


def session_saved(sender, instance, created, update_fields=None, **kwargs):
    if created:  # pending from its INSERT
        return
    fields = set(update_fields) if update_fields is not None else None
    if fields is None or fields & _SESSION_FIELDS:
        _mark_sessions(with_checkins=True, pk=instance.pk)
    elif "status" in fields:
        _mark_sessions(with_checkins=False, pk=instance.pk)


def venue_saved(sender, instance, created, **kwargs):
    if not created:  # its municipality may have changed
        _mark_sessions(with_checkins=True, venue_id=instance.pk)


def course_saved(sender, instance, created, **kwargs):
    if not created:  # its category or partner may have changed
        _mark_sessions(with_checkins=True, course_id=instance.pk)


def checkin_deleting(sender, instance, **kwargs):
    """A deleted check-in (its session or booking deleted) leaves nothing to count again from:
    the rollups are built again."""
    if instance.result == CheckIn.Result.OK and instance.undone_at is None:
        RollupIndicator.objects.all().delete()


def session_deleting(sender, instance, **kwargs):
    """A held session deleted leaves no row to count again: sessions' rollups are rebuilt."""
    if RollupSession.objects.filter(session_id=instance.pk).exists():
        RollupIndicator.objects.filter(indicator__metric=Metric.SESSIONS_HELD).delete()


def resident_merging(merge) -> None:
    """residents.hooks.resident_merging listener: the check-ins of the record merged away are
    about to move to the one kept; both residents' rows are counted again."""
    _mark_checkins(resident_id=merge.remove.pk)
