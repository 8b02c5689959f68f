"""Read side of the reports pages and exports: a plan's dashboard for a fiscal year, the
monthly cumulative series against pace, and labelled breakdowns.

Every figure names its period. Each indicator of a fiscal year's dashboard has two values:
- 当年度 (`in_year`): the metric over the fiscal year alone, from 1 April to the as-of date
  (the year's last day, or today while it runs). For 実参加者数 and 累計実参加者数 this is the
  number of distinct residents who attended within the year.
- 累計 (`since_start`, also `progress.actual`): the metric from the plan's first day to the
  as-of date; distinct residents over that whole span for the unique metrics.
Targets, progress and pace are measured on 累計 (the seed plans' targets are cumulative).

Everything is built from reports.metrics (database aggregates); Python only walks the
aggregated rows (at most one per month of the plan), never attendances. Query count:
`dashboard` = 4 for the plan's indicators, venues, partners and targets + 1 per indicator
(its monthly series from the plan's start: its running total is the 累計; the months of the
fiscal year summed are the 当年度 of additive counts, and for unique participants the same
query also counts the residents who attended within the year) + 2 more per rate indicator
(the rate within the year and since the start); it does not grow with the data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from classes.models import Category, Partner, Venue
from reports import rollup
from reports.fiscal import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range_utc,
    tokyo_midnight_utc,
)
from reports.metrics import (
    BREAKDOWNS,
    MetricFilter,
    Progress,
    cumulative_unique_by_month,
    current_target,
    indicator_progress,
    metric_breakdown,
    metric_value,
    pace_on,
    progress_of,
)
from reports.models import Indicator, Metric, Plan, Target
from residents.models import AGE_BANDS, Gender, Smartphone

# Metrics whose value over a span is a share, not a count: the chart shows each month's own
# value instead of a running total.
RATE_METRICS = (Metric.NO_SHOW_RATE, Metric.SEATS_FILLED, Metric.SATISFACTION)
# Distinct residents since the plan began: by month a running total of first attendances.
DISTINCT_METRICS = (Metric.UNIQUE_PARTICIPANTS, Metric.CUMULATIVE_UNIQUE)

BREAKDOWN_LABELS = {
    "venue": _("Venue"),
    "age_band": _("Age band"),
    "category": _("Course category"),
    "partner": _("Partner organisation"),
    "gender": _("Gender"),
    "district": _("District"),
    "smartphone": _("Phone owned"),
    "fiscal_year": _("Fiscal year"),
    "month": _("Month"),
}
# The order the drill-down links appear in.
BREAKDOWN_ORDER = (
    "venue",
    "age_band",
    "category",
    "partner",
    "gender",
    "district",
    "smartphone",
    "fiscal_year",
    "month",
)
assert set(BREAKDOWN_ORDER) == set(BREAKDOWNS)


def fiscal_year_choices(plan: Plan, *, today: datetime.date) -> list[tuple[int, str]]:
    """(fy, 和暦 label) for the plan's fiscal years that have begun, newest first."""
    current = fiscal_year_of(today)
    years = [fy for fy in plan.fiscal_years if fy <= current] or [plan.start_fy]
    return [(fy, fiscal_year_label(fy)) for fy in reversed(years)]


def chosen_fiscal_year(plan: Plan, value: str | int | None, *, today: datetime.date) -> int:
    """The fiscal year asked for in ?fy=, else the current one (kept inside the plan)."""
    choices = [fy for fy, _label in fiscal_year_choices(plan, today=today)]
    try:
        fy = int(value)  # type: ignore[arg-type]  # None is a TypeError, as "" is a ValueError
    except (TypeError, ValueError):
        fy = fiscal_year_of(today)
    if fy in choices:
        return fy
    return min(max(fy, min(choices)), max(choices))


def as_of_date(fy: int, *, today: datetime.date) -> datetime.date:
    """The day a fiscal year's figures run to: its last day, or today while it runs."""
    return min(fiscal_year_bounds(fy)[1], today)


def fiscal_months(fy: int) -> list[datetime.date]:
    """The first day of each month of a fiscal year, April to March."""
    return [datetime.date(fy + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def _month_end(first: datetime.date) -> datetime.date:
    following = datetime.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


@dataclass(frozen=True)
class MonthPoint:
    month: datetime.date  # first day
    actual: Any  # running value at the end of the month (None after the as-of date)
    pace: Decimal | None

    @property
    def label(self) -> str:
        return f"{self.month.year}年{self.month.month}月"


@dataclass
class IndicatorReport:
    progress: Progress  # its actual is the 累計, from the plan's start to the as-of date
    series: list[MonthPoint] = field(default_factory=list)  # of the fiscal year, 累計 by month
    in_year: Any = None  # 当年度: the fiscal year alone, 1 April to the as-of date

    @property
    def since_start(self) -> Any:
        return self.progress.actual

    @property
    def indicator(self) -> Indicator:
        return self.progress.indicator

    @property
    def cumulative(self) -> bool:
        return self.indicator.metric not in RATE_METRICS

    @property
    def status(self) -> str:
        if self.progress.on_track is None:
            return "none"
        return "on_track" if self.progress.on_track else "behind"


@dataclass
class Dashboard:
    plan: Plan
    fiscal_year: int
    as_of: datetime.date
    rows: list[IndicatorReport]

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def plan_start_label(self) -> str:
        return fiscal_year_label(self.plan.start_fy)

    @property
    def months(self) -> list[datetime.date]:
        return fiscal_months(self.fiscal_year)

    def chart_data(self) -> dict[str, Any]:
        """What static/js/reports.js draws, passed to the page with json_script."""
        return {
            "labels": [f"{m.month}月" for m in self.months],
            "indicators": [
                {
                    "name": row.indicator.name,
                    "actual": [_plain(p.actual) for p in row.series],
                    "pace": [_plain(p.pace) for p in row.series],
                    "cumulative": row.cumulative,
                }
                for row in self.rows
            ],
        }


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal("0.1")))
    return value


def monthly_series(
    indicator: Indicator, *, fy: int, as_of: datetime.date, from_rollup: bool = False
) -> tuple[list[MonthPoint], Any, Any]:
    """The indicator's value at the end of each month of `fy`, counted from the plan's start;
    its value on `as_of` (None for rates, which need their own query); and its value in `fy`
    alone: the sum of the year's months for counts, the distinct residents of the year (from
    the same query) for unique participants, None for rates.

    One query: the metric grouped by month from the plan's first day to `as_of`. Counts are
    summed month by month (cumulative unique: each resident counts in the month of their first
    attendance since the plan began, so the running total is exactly the distinct count).
    Rates are each month's own value. With `from_rollup` (an attendance metric whose rollup is
    current and counted up to now: reports/rollup.py), the same figures come from its day rows.
    """
    plan = indicator.plan
    start = fiscal_year_range_utc(plan.start_fy)[0]
    end = tokyo_midnight_utc(as_of + datetime.timedelta(days=1))
    metric = Metric(indicator.metric)
    flt = MetricFilter.for_indicator(indicator)
    months = fiscal_months(fy)
    target = current_target(indicator, today=as_of)
    in_year: Any = None
    rows: list[tuple[Any, Any]] = []
    if start >= end:
        pass
    elif from_rollup:
        rows, in_year = rollup.month_sums(indicator, through=as_of, fiscal_year=fy)
        if metric in DISTINCT_METRICS:  # residents counted in the month of their first day
            total = 0
            for i, (month, newcomers) in enumerate(rows):
                total += newcomers
                rows[i] = (month, total)
    elif metric in DISTINCT_METRICS:
        # The running distinct count and the year's own distinct residents, one query.
        fy_start = fiscal_year_range_utc(fy)[0]
        running, in_year = cumulative_unique_by_month(start, end, flt, active_since=fy_start)
        rows = list(running)
    else:
        rows = metric_breakdown(metric, start=start, end=end, filter=flt, by="month")
    points = []
    if metric in RATE_METRICS:
        by_month = dict(rows)
        for month in months:
            actual = by_month.get(month) if month <= as_of else None
            points.append(MonthPoint(month, actual, _pace(target, month)))
        return points, None, None
    running_total = metric in DISTINCT_METRICS  # the rows are running totals already
    if not running_total:
        in_year = sum((v or 0) for m, v in rows if m >= months[0])
    total = 0
    pending = iter(rows)
    row = next(pending, None)
    for month in months:
        while row is not None and row[0] <= month:
            total = row[1] if running_total else total + (row[1] or 0)
            row = next(pending, None)
        actual = total if month <= as_of else None
        points.append(MonthPoint(month, actual, _pace(target, month)))
    for _month, value in [row, *pending] if row is not None else []:
        total = value if running_total else total + (value or 0)
    return points, total, in_year


def _pace(target: Target | None, month: datetime.date) -> Decimal | None:
    if target is None:
        return None
    return pace_on(target, today=_month_end(month)).quantize(Decimal("0.1"))


def plan_indicators(plan: Plan) -> QuerySet[Indicator]:
    return plan.indicators.select_related("plan", "rollup").prefetch_related(
        "venues", "partners", "topics", "targets"
    )


def in_year_value(indicator: Indicator, *, fy: int, as_of: datetime.date) -> Any:
    """当年度: the indicator's metric from 1 April of `fy` to `as_of`, in one query. For the
    unique metrics it is the distinct residents who attended within the year."""
    metric = Metric(indicator.metric)
    if metric in DISTINCT_METRICS:
        metric = Metric.UNIQUE_PARTICIPANTS
    start = fiscal_year_range_utc(fy)[0]
    end = tokyo_midnight_utc(as_of + datetime.timedelta(days=1))
    return metric_value(metric, start=start, end=end, filter=MetricFilter.for_indicator(indicator))


def dashboard(plan: Plan, *, fy: int, today: datetime.date) -> Dashboard:
    """The plan's indicators as of the end of `fy` (or today): 当年度 and 累計 side by side,
    progress and pace of the 累計, the 累計 by month of the year."""
    as_of = as_of_date(fy, today=today)
    rows = []
    indicators = list(plan_indicators(plan))
    with_rollup = {
        indicator.pk
        for indicator in indicators
        if indicator.metric in rollup.ROLLUP_METRICS and rollup.is_current(indicator)
    }
    # The rollup says what the check-ins say once what is pending is counted (a few at most:
    # the task counts them every minute); else the check-ins are read, as exact.
    if with_rollup and not rollup.rollup_ready():
        with_rollup = set()
    for indicator in indicators:
        from_rollup = indicator.pk in with_rollup
        series, total, in_year = monthly_series(
            indicator, fy=fy, as_of=as_of, from_rollup=from_rollup
        )
        if total is None:  # a rate: its own query over the whole span
            progress = indicator_progress(indicator, today=as_of)
        else:  # a count: the series' running total on the as-of date is the actual
            progress = progress_of(indicator, total, today=as_of)
        if in_year is None:  # a rate (or no data yet): its own query
            in_year = in_year_value(indicator, fy=fy, as_of=as_of)
        rows.append(IndicatorReport(progress=progress, series=series, in_year=in_year))
    return Dashboard(plan=plan, fiscal_year=fy, as_of=as_of, rows=rows)


# --- breakdowns with labels -----------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownRow:
    key: Any
    label: str
    value: Any


def breakdown_labels(by: str, keys: Iterable[Any]) -> dict[Any, Any]:
    """Display names for breakdown keys; one query for venues or partners, none otherwise."""
    if by == "venue":
        return dict(Venue.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "partner":
        names = dict(Partner.objects.filter(pk__in=keys).values_list("pk", "name"))
        return {**names, None: _("No partner")}
    if by == "category":
        return dict(Category.choices)
    if by == "age_band":
        return {**dict(AGE_BANDS), None: _("Birth year unknown")}
    if by == "gender":
        return {**dict(Gender.choices), "": _("Not recorded")}
    if by == "smartphone":
        return {**dict(Smartphone.choices), "": _("Not recorded")}
    if by == "district":
        return {"": _("Not recorded")}
    if by == "fiscal_year":
        return {key: fiscal_year_label(key) for key in keys if key is not None}
    if by == "month":
        return {key: f"{key.year}年{key.month}月" for key in keys if key is not None}
    return {}


def breakdown(
    indicator: Indicator, *, by: str, fy: int, today: datetime.date, scope: str = "fy"
) -> list[BreakdownRow]:
    """The indicator's metric grouped by `by`, with labels.

    scope "fy": within the fiscal year (to the as-of date); "plan": from the plan's start.
    Two queries at most: the grouped aggregate and, for venues or partners, their names.
    """
    as_of = as_of_date(fy, today=today)
    if scope == "plan":
        start = fiscal_year_range_utc(indicator.plan.start_fy)[0]
    else:
        start = fiscal_year_range_utc(fy)[0]
    end = tokyo_midnight_utc(as_of + datetime.timedelta(days=1))
    rows = metric_breakdown(
        indicator.metric,
        start=start,
        end=end,
        filter=MetricFilter.for_indicator(indicator),
        by=by,
    )
    # Unknowns (no birth year, no partner) last, whatever the database's NULL ordering.
    rows = sorted(rows, key=lambda row: row[0] is None)
    labels = breakdown_labels(by, [key for key, _value in rows])
    return [BreakdownRow(key, str(labels.get(key, key)), value) for key, value in rows]
