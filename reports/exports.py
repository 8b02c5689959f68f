"""A plan's KPI report as CSV (UTF-8 with BOM, for Excel), xlsx (openpyxl) and PDF (WeasyPrint).

All three are drawn from one `reports.queries.Dashboard`, so they hold the same numbers as the
page. No personal data: only indicator totals and monthly totals.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from reports.fiscal import wareki_date
from reports.models import ExportFormat, Metric, Plan

if TYPE_CHECKING:
    from reports.queries import Dashboard

BOM = "\ufeff"
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.PDF: "application/pdf",
}


def filename(plan: Plan, fy: int, fmt: str) -> str:
    return f"kpi-plan{plan.pk}-fy{fy}.{fmt}"


def _status_text(row):
    return {"on_track": _("On track"), "behind": _("Behind"), "none": _("No target")}[row.status]


def _number(value):
    """Numbers as numbers: ints stay ints, Decimals with a fraction become floats."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def indicator_table(dash):
    """(headers, rows) of the indicators: one row each, numbers as numbers; the 当年度 and
    the 累計 figures side by side, each header naming its period."""
    headers = [
        _("Indicator"),
        _("Metric"),
        _("In-year (%(fy)s)") % {"fy": dash.fiscal_year_label},
        _("Cumulative (since %(fy)s)") % {"fy": dash.plan_start_label},
        _("Target (cumulative)"),
        _("Target date"),
        _("Progress (%)"),
        _("Pace today"),
        _("Status"),
    ]
    rows = []
    for row in dash.rows:
        p = row.progress
        rows.append(
            [
                row.indicator.name,
                str(Metric(row.indicator.metric).label),
                _number(row.in_year),
                _number(p.actual),
                _number(p.target.value) if p.target else None,
                p.target.target_date if p.target else None,
                _number(p.progress),
                _number(p.pace.quantize(Decimal("0.1"))) if p.pace is not None else None,
                _status_text(row),
            ]
        )
    return headers, rows


def monthly_table(dash):
    """(headers, rows): one row per month, an actual and a pace column per indicator; counts
    are cumulative from the plan's start (the header says so), rates each month's own."""
    headers = [_("Month")]
    for row in dash.rows:
        name = row.indicator.name
        actual = _("%(name)s (cumulative)") % {"name": name} if row.cumulative else name
        headers += [actual, _("%(name)s (pace)") % {"name": name}]
    rows = []
    for index, month in enumerate(dash.months):
        line = [f"{month.year}年{month.month}月"]
        for row in dash.rows:
            point = row.series[index]
            line += [_number(point.actual), _number(point.pace)]
        rows.append(line)
    return headers, rows


def _title(dash):
    return f"{dash.plan.municipality} {dash.plan.name} {dash.fiscal_year_label}"


def _as_of_text(dash):
    return _("Figures as of %(date)s") % {"date": wareki_date(dash.as_of)}


# --- CSV ------------------------------------------------------------------------------------


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def to_csv(dash):
    """UTF-8 with a BOM (Excel reads Japanese right), CRLF lines: indicators, then months."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_title(dash), _as_of_text(dash)])
    writer.writerow([])
    for headers, rows in (indicator_table(dash), monthly_table(dash)):
        writer.writerow(headers)
        for line in rows:
            writer.writerow([_csv_cell(v) for v in line])
        writer.writerow([])
    return (BOM + buffer.getvalue()).encode("utf-8")


def programme_csv(report) -> bytes:
    """The national programme's figures (reports.programme) as CSV: a title line, then one
    table per grouping (fiscal year, month, venue, partner), each headed by its columns."""
    from reports.programme import report_cells, report_headers

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    title = f"{report.plan.municipality} {report.plan.name} {report.fiscal_year_label}"
    as_of = _("Figures as of %(date)s") % {"date": wareki_date(report.as_of)}
    writer.writerow([title, str(_("National programme report")), as_of])
    writer.writerow([])
    for grouping, rows in report.tables():
        writer.writerow([grouping, *report_headers()])
        for row in rows:
            writer.writerow([row.label, *(_csv_cell(_number(v)) for v in report_cells(row))])
        writer.writerow([])
    return (BOM + buffer.getvalue()).encode("utf-8")


def programme_filename(plan: Plan, fy: int) -> str:
    return f"programme-plan{plan.pk}-fy{fy}.csv"


# --- xlsx -----------------------------------------------------------------------------------

_WIDTHS = {0: 34, 1: 26, 2: 20, 3: 20, 5: 14, 8: 12}
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
DATE_FORMAT = "yyyy/mm/dd"


def xlsx_sheet(book, title, heading, headers, rows, *, first=False):
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for line in rows:
        sheet.append(line)
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, datetime.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(cell.value, (float, Decimal)):
                cell.number_format = DECIMAL_FORMAT
            elif isinstance(cell.value, int):
                cell.number_format = INTEGER_FORMAT
    for index in range(len(headers)):
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = _WIDTHS.get(index, 16)
    sheet.freeze_panes = "A3"  # the heading and the header row stay in view
    return sheet


def to_xlsx(dash):
    from openpyxl import Workbook

    book = Workbook()
    heading = f"{_title(dash)}（{_as_of_text(dash)}）"
    xlsx_sheet(book, _("Indicators"), heading, *indicator_table(dash), first=True)
    xlsx_sheet(book, _("By month"), heading, *monthly_table(dash))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------

CHART_WIDTH = 480
CHART_HEIGHT = 200
CHART_LEFT = 48
CHART_BOTTOM = 24
CHART_TOP = 10


@dataclass(frozen=True)
class SvgChart:
    """Geometry of one indicator's line chart, drawn by templates/reports/pdf/_chart.svg."""

    width: int
    height: int
    actual_points: str
    pace_points: str
    x_labels: list  # [(x, text)]
    y_ticks: list  # [(y, text)]
    left: int
    bottom: int
    top: int
    title: str


def _axis_step(largest: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten, at least 1) that reaches `largest` in at
    most five steps: axes read 0/10/20/30/40/50, never 0/11/22/34/45."""
    power = Decimal(1)
    while True:
        for factor in (1, 2, 5):
            if power * factor * 5 >= largest:
                return power * factor
        power *= 10


def svg_chart(row, months):
    values = [v for p in row.series for v in (p.actual, p.pace) if v is not None]
    largest = max([Decimal(v) for v in values] + [Decimal(1)])
    step_value = _axis_step(largest)
    steps = math.ceil(largest / step_value)  # the axis ends on a round number
    top_value = step_value * steps
    plot_w = CHART_WIDTH - CHART_LEFT - 10
    plot_h = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    step = plot_w / max(len(months) - 1, 1)

    def y_of(value):
        return CHART_TOP + plot_h - float(Decimal(value) / top_value) * plot_h

    def points(attr):
        return " ".join(
            f"{CHART_LEFT + i * step:.1f},{y_of(getattr(p, attr)):.1f}"
            for i, p in enumerate(row.series)
            if getattr(p, attr) is not None
        )

    ticks = [(y_of(step_value * k), f"{step_value * k:,.0f}") for k in range(steps + 1)]
    return SvgChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        actual_points=points("actual"),
        pace_points=points("pace"),
        x_labels=[(CHART_LEFT + i * step, f"{m.month}月") for i, m in enumerate(months)],
        y_ticks=ticks,
        left=CHART_LEFT,
        bottom=CHART_HEIGHT - CHART_BOTTOM,
        top=CHART_TOP,
        title=row.indicator.name,
    )


def to_pdf(dash, *, base_url, now=None):
    from attendance.pdf import render_pdf

    headers, rows = indicator_table(dash)
    context = {
        "dash": dash,
        "title": _title(dash),
        "as_of_text": _as_of_text(dash),
        "printed": wareki_date(timezone.localdate(now or timezone.now())),
        "headers": headers,
        "rows": rows,
        "charts": [(row, svg_chart(row, dash.months)) for row in dash.rows],
        "monthly": monthly_table(dash),
    }
    return render_pdf("reports/pdf/report.html", context, base_url=base_url)


def render_export(dash: Dashboard, fmt: str, *, base_url: str) -> bytes:
    """The file bytes of a dashboard in a format."""
    fmt = ExportFormat(fmt)
    if fmt == ExportFormat.CSV:
        return to_csv(dash)
    if fmt == ExportFormat.XLSX:
        return to_xlsx(dash)
    return to_pdf(dash, base_url=base_url)
