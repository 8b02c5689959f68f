"""The tables as CSV (UTF-8 with BOM, for Excel) and xlsx (openpyxl).

The public variant suppresses every count under SUPPRESS_BELOW respondents (shown as "<5",
its percentage left empty), including a cross-table column whose n is that small, so nobody
can be picked out of a small group.
"""

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from surveys.models import PROFILE_KINDS, Kind
from surveys.queries import DIMENSIONS, SUPPRESS_BELOW, crosstab, questions_of, survey_tables

CROSS_DIMENSIONS = ("profile", "course", "venue", "month")
SUPPRESSED = f"<{SUPPRESS_BELOW}"


def _cell(count, pct, public):
    if public and count < SUPPRESS_BELOW:
        return SUPPRESSED, ""
    return count, "" if pct is None else pct


def table_rows(survey, *, public=False, version=None):
    """All rows of the export as lists of cells: per-question tables, then cross-tables of each
    choice question by age band × gender, course, venue and month."""
    version = version or survey.version
    questions = questions_of(survey, version)
    tables = survey_tables(survey, version, questions)
    n = tables[0].n if tables else 0
    rows = [
        [survey.title],
        [_("Respondents (n)"), n if not public or n >= SUPPRESS_BELOW else SUPPRESSED],
        [_("Version"), version],
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        [_("Public version: counts under 5 are hidden") if public else _("Internal version")],
        [],
        [_("Question"), _("Answer"), _("Count"), _("Share of respondents (%)")],
    ]
    for table in tables:
        for row in table.rows:
            if table.question.kind == Kind.TEXT and row.code is None:
                count = _cell(table.answered, None, public)[0]
                rows.append([table.question.text, _("Answered (free text)"), count, ""])
            rows.append([table.question.text, row.label, *_cell(row.count, row.pct, public)])
    for question in questions:
        if question.kind in (Kind.TEXT, *PROFILE_KINDS):
            continue
        for dimension in CROSS_DIMENSIONS:
            cross = crosstab(survey, question, dimension, version)
            rows.append([])
            rows.append([question.text, str(DIMENSIONS[dimension])])
            header = [_("Answer")]
            for _key, label, col_n in cross.columns:
                shown = SUPPRESSED if public and col_n < SUPPRESS_BELOW else col_n
                header += [f"{label} (n={shown})", "%"]
            rows.append(header)
            for label, cells in cross.rows:
                line = [label]
                for (_key, _label, col_n), (count, pct) in zip(cross.columns, cells, strict=True):
                    if public and col_n < SUPPRESS_BELOW:
                        line += [SUPPRESSED, ""]
                    else:
                        line += list(_cell(count, pct, public))
                rows.append(line)
    return rows


def as_csv(rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel opens UTF-8 only with it
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([str(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def as_xlsx(rows, title):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "集計"
    for row in rows:
        sheet.append([cell if isinstance(cell, int | float) else str(cell) for cell in row])
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
