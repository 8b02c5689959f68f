"""Read side of the reports pages and exports: a plan's dashboard for a fiscal year, the
monthly cumulative series against pace, and labelled breakdowns.

Everything is built from reports.metrics (database aggregates); Python only walks the
aggregated rows (at most one per month of the plan), never attendances. Query count:
`dashboard` = 4 for the plan's indicators, venues, partners and targets + 1 per indicator
(its monthly series, whose running total is also its actual) + 1 more per rate indicator;
it does not grow with the data.
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
from reports.fiscal import (
    fiscal_year_bounds,
    fiscal_year_of,
    fiscal_year_range_utc,
    tokyo_midnight_utc,
    wareki_fiscal_label,
)
from reports.metrics import (
    BREAKDOWNS,
    MetricFilter,
    Progress,
    current_target,
    indicator_progress,
    metric_breakdown,
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
    return [(fy, wareki_fiscal_label(fy)) for fy in reversed(years)]


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
    progress: Progress
    series: list[MonthPoint] = field(default_factory=list)  # of the fiscal year

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
        return wareki_fiscal_label(self.fiscal_year)

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
    indicator: Indicator, *, fy: int, as_of: datetime.date
) -> tuple[list[MonthPoint], Any]:
    """The indicator's value at the end of each month of `fy`, counted from the plan's start,
    and its value on `as_of` (None for rates, which need their own query).

    One query: the metric grouped by month from the plan's first day to `as_of`. Counts are
    summed month by month (cumulative unique: each resident counts in the month of their first
    attendance since the plan began, so the running total is exactly the distinct count).
    Rates are each month's own value.
    """
    plan = indicator.plan
    start = fiscal_year_range_utc(plan.start_fy)[0]
    end = tokyo_midnight_utc(as_of + datetime.timedelta(days=1))
    metric = Metric(indicator.metric)
    flt = MetricFilter.for_indicator(indicator)
    months = fiscal_months(fy)
    target = current_target(indicator, today=as_of)
    if start >= end:
        rows = []
    else:
        asked = Metric.CUMULATIVE_UNIQUE if metric in DISTINCT_METRICS else metric
        rows = metric_breakdown(asked, start=start, end=end, filter=flt, by="month")
    points = []
    if metric in RATE_METRICS:
        by_month = dict(rows)
        for month in months:
            actual = by_month.get(month) if month <= as_of else None
            points.append(MonthPoint(month, actual, _pace(target, month)))
        return points, None
    running_total = metric in DISTINCT_METRICS  # metric_breakdown already gives running totals
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
    return points, total


def _pace(target: Target | None, month: datetime.date) -> Decimal | None:
    if target is None:
        return None
    return pace_on(target, today=_month_end(month)).quantize(Decimal("0.1"))


def plan_indicators(plan: Plan) -> QuerySet[Indicator]:
    return plan.indicators.select_related("plan").prefetch_related("venues", "partners", "targets")


def dashboard(plan: Plan, *, fy: int, today: datetime.date) -> Dashboard:
    """The plan's indicators as of the end of `fy` (or today): progress, pace, monthly series."""
    as_of = as_of_date(fy, today=today)
    rows = []
    for indicator in plan_indicators(plan):
        series, total = monthly_series(indicator, fy=fy, as_of=as_of)
        if total is None:  # a rate: its own query over the whole span
            progress = indicator_progress(indicator, today=as_of)
        else:  # a count: the series' running total on the as-of date is the actual
            progress = progress_of(indicator, total, today=as_of)
        rows.append(IndicatorReport(progress=progress, series=series))
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
        return {key: wareki_fiscal_label(key) for key in keys if key is not None}
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
