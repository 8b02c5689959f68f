"""The national digital-support programme's figures (デジタル活用支援推進事業の実績報告) for a plan.

For the sessions held (status held, not cancelled) at the plan's municipality's venues:
- 開催回数: sessions held;
- 延べ参加者数: attendances (ok check-ins with a resident, not undone), each dated by its
  session's start as everywhere in reports.metrics;
- 1回あたり参加者数: attendances per session, its mean and its distribution (1, 2–4, 5–9, 10+
  attendees; a held session nobody attended, e.g. marked held by hand, is "0");
- 参加者1人の回の割合: the share of sessions with exactly one attendee;
- 実施体制: staff who worked the session (volunteer assignments checked in) in the role of lead
  (講師) or assistant (アシスタント); reception does not count. The programme's rule: at least
  one lecturer, plus one lecturer or assistant per 4 attendees (rounded up), i.e.
      leads ≥ 1  and  (leads − 1) + assistants ≥ ⌈attendees / 4⌉.
  A session meeting it is 基準を満たす; its share is of the sessions held.
Rows: the fiscal years of the plan up to the chosen one, and for the chosen fiscal year each
month (April to March), each venue and each partner organisation (None: the city's own).

One query: one row per held session of the span (plan start to the as-of date) with its
attendance and staff counts as correlated subqueries; Python groups those rows (a city holds a
few hundred to a few thousand sessions a year).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import CheckIn
from classes.models import Session, SessionStatus
from reports.fiscal import (
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range_utc,
    tokyo_midnight_utc,
)
from reports.metrics import MetricFilter
from reports.models import Plan
from reports.queries import as_of_date, breakdown_labels, fiscal_months
from volunteers.models import Assignment, Role

ATTENDEES_PER_HELPER = 4  # one lecturer or assistant per this many attendees, rounded up
# Distribution of attendees per session: (key, lowest, highest or None).
BANDS = (("0", 0, 0), ("1", 1, 1), ("2-4", 2, 4), ("5-9", 5, 9), ("10+", 10, None))
BAND_LABELS = {
    "0": _("0 people"),
    "1": _("1 person"),
    "2-4": _("2–4 people"),
    "5-9": _("5–9 people"),
    "10+": _("10 or more"),
}


def staffing_met(attendees: int, leads: int, assistants: int) -> bool:
    """The programme's rule: one lecturer, plus a lecturer or assistant per 4 attendees."""
    if leads < 1:
        return False
    return (leads - 1) + assistants >= math.ceil(attendees / ATTENDEES_PER_HELPER)


def _band(attendees: int) -> str:
    for key, low, high in BANDS:
        if attendees >= low and (high is None or attendees <= high):
            return key
    raise ValueError(attendees)


@dataclass
class ProgrammeRow:
    key: Any
    label: str
    sessions: int = 0
    attendances: int = 0
    single: int = 0
    staff: int = 0
    met: int = 0
    bands: dict[str, int] = field(default_factory=lambda: {key: 0 for key, *_r in BANDS})

    def add(self, attendees: int, leads: int, assistants: int) -> None:
        self.sessions += 1
        self.attendances += attendees
        self.single += attendees == 1
        self.staff += leads + assistants
        self.met += staffing_met(attendees, leads, assistants)
        self.bands[_band(attendees)] += 1

    @staticmethod
    def _ratio(part: int, whole: int, places: str = "0.1") -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) / Decimal(whole)).quantize(Decimal(places))

    @property
    def mean_attendees(self) -> Decimal | None:
        return self._ratio(self.attendances, self.sessions)

    @property
    def single_share(self) -> Decimal | None:
        """% of sessions with exactly one attendee."""
        return self._ratio(self.single * 100, self.sessions)

    @property
    def mean_staff(self) -> Decimal | None:
        return self._ratio(self.staff, self.sessions)

    @property
    def met_share(self) -> Decimal | None:
        """% of sessions staffed to the programme's rule."""
        return self._ratio(self.met * 100, self.sessions)

    @property
    def band_counts(self) -> list[int]:
        return [self.bands[key] for key, *_r in BANDS]


@dataclass
class ProgrammeReport:
    plan: Plan
    fiscal_year: int
    as_of: datetime.date
    by_fiscal_year: list[ProgrammeRow]
    by_month: list[ProgrammeRow]
    by_venue: list[ProgrammeRow]
    by_partner: list[ProgrammeRow]
    total: ProgrammeRow  # the chosen fiscal year

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    def tables(self) -> list[tuple[str, list[ProgrammeRow]]]:
        return [
            (str(_("Fiscal year")), self.by_fiscal_year),
            (str(_("Month")), self.by_month),
            (str(_("Venue")), self.by_venue),
            (str(_("Partner organisation")), self.by_partner),
        ]


def _count_of(queryset: Any) -> Subquery:
    return Subquery(
        queryset.order_by().values("session").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def _session_rows(
    plan: Plan, start: datetime.datetime, end: datetime.datetime
) -> Iterable[Mapping[str, Any]]:
    attendances = CheckIn.objects.filter(
        session=OuterRef("pk"),
        result=CheckIn.Result.OK,
        undone_at__isnull=True,
        resident__isnull=False,
    )
    worked = Assignment.objects.worked().filter(session=OuterRef("pk"))
    return (
        Session.objects.filter(
            MetricFilter.for_plan(plan).q(""),
            status=SessionStatus.HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .annotate(
            attendees=Coalesce(_count_of(attendances), 0),
            leads=Coalesce(_count_of(worked.filter(need__role=Role.LEAD)), 0),
            assistants=Coalesce(_count_of(worked.filter(need__role=Role.ASSISTANT)), 0),
        )
        .order_by("starts_at", "pk")
        .values("starts_at", "venue", "course__partner", "attendees", "leads", "assistants")
        .iterator(chunk_size=2000)
    )


def programme_report(plan: Plan, *, fy: int, today: datetime.date) -> ProgrammeReport:
    """The programme's figures for `fy` (to its end, or today while it runs), and for each of
    the plan's fiscal years up to it; two queries (the sessions, then venue and partner names)."""
    as_of = as_of_date(fy, today=today)
    start = fiscal_year_range_utc(plan.start_fy)[0]
    end = tokyo_midnight_utc(as_of + datetime.timedelta(days=1))
    years = {y: ProgrammeRow(y, fiscal_year_label(y)) for y in range(plan.start_fy, fy + 1)}
    months = {m: ProgrammeRow(m, f"{m.year}年{m.month}月") for m in fiscal_months(fy)}
    venues: dict[Any, ProgrammeRow] = {}
    partners: dict[Any, ProgrammeRow] = {}
    total = ProgrammeRow(fy, fiscal_year_label(fy))
    for row in _session_rows(plan, start, end):
        counts = (row["attendees"], row["leads"], row["assistants"])
        local = timezone.localtime(row["starts_at"])
        year = fiscal_year_of(local.date())
        if year in years:
            years[year].add(*counts)
        if year != fy:
            continue
        total.add(*counts)
        months[local.date().replace(day=1)].add(*counts)
        for groups, key in ((venues, row["venue"]), (partners, row["course__partner"])):
            groups.setdefault(key, ProgrammeRow(key, "")).add(*counts)
    venue_names = breakdown_labels("venue", list(venues))
    partner_names = breakdown_labels("partner", list(partners))
    for groups, names in ((venues, venue_names), (partners, partner_names)):
        for key, group in groups.items():
            group.label = str(names.get(key, key))

    def ordered(groups: dict[Any, ProgrammeRow]) -> list[ProgrammeRow]:
        return sorted(groups.values(), key=lambda r: (r.key is None, r.label))

    return ProgrammeReport(
        plan=plan,
        fiscal_year=fy,
        as_of=as_of,
        by_fiscal_year=list(years.values()),
        by_month=list(months.values()),
        by_venue=ordered(venues),
        by_partner=ordered(partners),
        total=total,
    )


def report_headers() -> list[str]:
    return [
        str(_("Sessions held")),
        str(_("Attendances")),
        str(_("Attendees per session (mean)")),
        *[str(_("Sessions with %(band)s") % {"band": BAND_LABELS[key]}) for key, *_r in BANDS],
        str(_("Sessions with a single attendee (%)")),
        str(_("Lecturers and assistants per session (mean)")),
        str(_("Sessions staffed to the rule")),
        str(_("Sessions staffed to the rule (%)")),
    ]


def report_cells(row: ProgrammeRow) -> list[Any]:
    return [
        row.sessions,
        row.attendances,
        row.mean_attendees,
        *row.band_counts,
        row.single_share,
        row.mean_staff,
        row.met,
        row.met_share,
    ]
