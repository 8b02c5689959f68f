"""The help sessions' report for the DX office (デジタル活用相談会): what residents asked about, how
much was solved, the time it took, and where and when things stayed unsolved, for one fiscal
year; as a page, as CSV (UTF-8 with BOM, for Excel) and as an Excel workbook.

The figures are read from consultations.queries (a handful of grouped queries, whatever the
number of records). A consultation counts on its session's date, like every other figure. No
free note and no person is read: counts only, for staff (no suppression of small cells; this is
not published).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from consultations import queries
from consultations.models import Device, DeviceOS, FollowUp, Resolution
from reports.fiscal import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    fiscal_year_range_utc,
    tokyo_midnight_utc,
    wareki_date,
)

BOM = "\ufeff"


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _mean(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"))


def fiscal_year_choices(*, today: datetime.date) -> list[tuple[int, str]]:
    """(fy, 和暦 label) from the fiscal year of the first recorded consultation to the current
    one, newest first: one query."""
    current = fiscal_year_of(today)
    first = queries.first_consultation_at()
    start = min(fiscal_year_of(first), current) if first else current
    return [(fy, fiscal_year_label(fy)) for fy in range(current, start - 1, -1)]


def chosen_fiscal_year(value: str | None, choices: list[tuple[int, str]]) -> int:
    """The fiscal year asked for (?fy=), kept among the choices; else the newest."""
    years = [fy for fy, _label in choices]
    try:
        fy = int(value or "")
    except ValueError:
        return years[0]
    return min(max(fy, min(years)), max(years))


@dataclass(frozen=True)
class TopicRow:
    name: str
    count: int
    share: Decimal | None  # of all consultations, in % (one consultation may have several topics)
    not_resolved: int
    by_month: list[int]
    by_venue: list[int]


@dataclass(frozen=True)
class GroupRow:
    label: str
    count: int
    resolved: int

    @property
    def resolution_rate(self) -> Decimal | None:
        return _share(self.resolved, self.count)


@dataclass
class ConsultationReport:
    fiscal_year: int
    as_of: datetime.date
    count: int = 0
    resolved: int = 0
    partly: int = 0
    not_resolved: int = 0
    minutes: int = 0
    topics: list[TopicRow] = field(default_factory=list)
    months: list[datetime.date] = field(default_factory=list)
    by_month: list[GroupRow] = field(default_factory=list)
    venues: list[str] = field(default_factory=list)
    by_venue: list[GroupRow] = field(default_factory=list)
    devices: list[tuple[str, int]] = field(default_factory=list)
    systems: list[tuple[str, int]] = field(default_factory=list)
    followups: list[tuple[str, int]] = field(default_factory=list)

    @property
    def fiscal_year_label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def resolution_rate(self) -> Decimal | None:
        return _share(self.resolved, self.count)

    @property
    def mean_minutes(self) -> Decimal | None:
        return _mean(self.minutes, self.count)

    @property
    def month_labels(self) -> list[str]:
        return [f"{m.month}月" for m in self.months]


def _months(fy: int) -> list[datetime.date]:
    return [datetime.date(fy + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def consultation_report(*, fy: int, today: datetime.date) -> ConsultationReport:
    """The fiscal year's figures up to its end (or today while it runs): eight queries."""
    as_of = min(fiscal_year_bounds(fy)[1], today)
    start = fiscal_year_range_utc(fy)[0]
    end = tokyo_midnight_utc(as_of + datetime.timedelta(days=1))
    totals = queries.consultation_totals(start, end)
    report = ConsultationReport(
        fiscal_year=fy,
        as_of=as_of,
        count=totals["count"],
        resolved=totals["resolved"],
        partly=totals["partly"],
        not_resolved=totals["not_resolved"],
        minutes=totals["minutes"],
        months=_months(fy),
    )
    by_topic = queries.counts_by_topic(start, end)
    by_topic_month = queries.not_resolved_by_topic_and_month(start, end)
    by_topic_venue = queries.not_resolved_by_topic_and_venue(start, end)
    venue_counts = queries.counts_by_venue(start, end)
    report.venues = sorted(venue_counts)
    month_counts = queries.counts_by_month(start, end)
    report.by_month = [
        GroupRow(
            f"{m.year}年{m.month}月",
            month_counts.get(m, {}).get("count", 0),
            month_counts.get(m, {}).get("resolved", 0),
        )
        for m in report.months
    ]
    report.by_venue = [
        GroupRow(name, venue_counts[name]["count"], venue_counts[name]["resolved"])
        for name in report.venues
    ]
    for topic in queries.topics_with(by_topic):
        counts = by_topic.get(topic.pk, {"count": 0, "not_resolved": 0})
        report.topics.append(
            TopicRow(
                name=topic.name,
                count=counts["count"],
                share=_share(counts["count"], report.count),
                not_resolved=counts["not_resolved"],
                by_month=[by_topic_month.get((topic.pk, m), 0) for m in report.months],
                by_venue=[by_topic_venue.get((topic.pk, v), 0) for v in report.venues],
            )
        )
    coded = queries.counts_by(start, end, "device", "device_os", "followup")
    device_totals: dict[str, int] = {}
    system_totals: dict[str, int] = {}
    followup_totals: dict[str, int] = {}
    for (device, system, followup), n in coded.items():
        device_totals[device] = device_totals.get(device, 0) + n
        if system:
            system_totals[system] = system_totals.get(system, 0) + n
        followup_totals[followup] = followup_totals.get(followup, 0) + n
    report.devices = [(str(label), device_totals.get(value, 0)) for value, label in Device.choices]
    report.systems = [
        (str(label), system_totals.get(value, 0)) for value, label in DeviceOS.choices
    ]
    report.followups = [
        (str(label), followup_totals.get(value, 0)) for value, label in FollowUp.choices
    ]
    return report


def resolution_rows(report: ConsultationReport) -> list[tuple[str, int, Decimal | None]]:
    counts = {
        Resolution.RESOLVED: report.resolved,
        Resolution.PARTLY: report.partly,
        Resolution.NOT_RESOLVED: report.not_resolved,
    }
    return [
        (str(label), counts[Resolution(value)], _share(counts[Resolution(value)], report.count))
        for value, label in Resolution.choices
    ]


def _cell(value: object) -> object:
    return "" if value is None else value


@dataclass(frozen=True)
class Table:
    """One view of the report: a sheet of the workbook, a block of the CSV."""

    title: str
    headers: list[str]
    rows: list[list[object]]


def report_tables(report: ConsultationReport) -> list[Table]:
    """Every view of the report, in the page's order. Counts only; no note, no person."""
    count_header = str(_("Consultations"))
    by_group = [str(_("Consultations")), str(_("Resolved")), str(_("Resolution rate (%)"))]
    tables = [
        Table(
            str(_("Summary")),
            [
                count_header,
                str(_("Resolved")),
                str(_("Resolution rate (%)")),
                str(_("Total minutes")),
                str(_("Mean minutes")),
            ],
            [
                [
                    report.count,
                    report.resolved,
                    _cell(report.resolution_rate),
                    report.minutes,
                    _cell(report.mean_minutes),
                ]
            ],
        ),
        Table(
            str(_("Result")),
            [str(_("Result")), count_header, str(_("Share (%)"))],
            [[label, n, _cell(share)] for label, n, share in resolution_rows(report)],
        ),
        Table(
            str(_("Topic")),
            [
                str(_("Topic")),
                count_header,
                str(_("Share of consultations (%)")),
                str(_("Not fully resolved")),
            ],
            [[r.name, r.count, _cell(r.share), r.not_resolved] for r in report.topics],
        ),
        Table(
            str(_("Not fully resolved, by month")),
            [str(_("Topic")), *report.month_labels],
            [[r.name, *r.by_month] for r in report.topics],
        ),
        Table(
            str(_("Not fully resolved, by venue")),
            [str(_("Topic")), *report.venues],
            [[r.name, *r.by_venue] for r in report.topics],
        ),
    ]
    for heading, groups in ((_("Month"), report.by_month), (_("Venue"), report.by_venue)):
        tables.append(
            Table(
                str(heading),
                [str(heading), *by_group],
                [[g.label, g.count, g.resolved, _cell(g.resolution_rate)] for g in groups],
            )
        )
    for heading, pairs in (
        (_("Device"), report.devices),
        (_("Phone type"), report.systems),
        (_("What follows"), report.followups),
    ):
        tables.append(Table(str(heading), [str(heading), count_header], [[k, n] for k, n in pairs]))
    return tables


def report_heading(report: ConsultationReport) -> list[str]:
    return [
        str(_("Help sessions (one-to-one)")),
        report.fiscal_year_label,
        _("Figures as of %(date)s") % {"date": wareki_date(report.as_of)},
    ]


def consultation_csv(report: ConsultationReport) -> bytes:
    """The report as CSV: a title line, then one table per view of it, each headed by its
    columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(report_heading(report))
    for table in report_tables(report):
        writer.writerow([])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def consultation_xlsx(report: ConsultationReport) -> bytes:
    """The report as an Excel workbook: one sheet per view, each under the report's title."""
    from openpyxl import Workbook

    from reports.exports import xlsx_sheet

    book = Workbook()
    heading = " ".join(report_heading(report))
    for index, table in enumerate(report_tables(report)):
        xlsx_sheet(book, table.title, heading, table.headers, table.rows, first=index == 0)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def consultation_filename(fy: int, extension: str = "csv") -> str:
    return f"consultations-fy{fy}.{extension}"
