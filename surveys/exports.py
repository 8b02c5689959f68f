"""The tables as CSV (UTF-8 with BOM, for Excel) and xlsx (openpyxl).

The public variant goes through reports.disclosure, the same rules as the open data: counts of
1–4 are hidden as "x" (percentage left empty), and more cells are hidden so that none can be
worked out from the totals: n, each question's table (its counts add up to n for single-choice
questions), the cross-tables (a row adds up to the question's count, a column of a
single-choice question to the column's n) and the columns' n (adding up to n, and for age band
× gender to the age-band and gender tables). A cross-table column of fewer than 5 respondents is
hidden whole, zeros included, so its few respondents' answers don't show; as a hidden cell may
then be 0, the tables are protected against a reader who knows only that hidden cells are ≥ 0.
"""

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from reports import disclosure
from surveys.models import PROFILE_KINDS, Kind
from surveys.queries import DIMENSIONS, crosstab, questions_of, survey_tables

CROSS_DIMENSIONS = ("profile", "course", "venue", "month")
SUPPRESS_BELOW = disclosure.SUPPRESS_BELOW
SUPPRESSED = disclosure.SUPPRESSED
# Questions whose answers add up to n: one option (or 無回答) per respondent.
ADDITIVE_KINDS = (Kind.SINGLE, Kind.RATING, Kind.AGE_BAND, Kind.GENDER)


def public_table(survey, version=None):
    """(values, lines, always_hidden, tables, crosses) of a survey's published tables, keyed:
    "n"; ("q", question id, row index) per question row (options, then 無回答) and
    ("q", question id, "answered") for text; ("col", dimension, column key) per cross-table
    column n; ("x", question id, dimension, row index, column key) per cross-table cell."""
    version = version or survey.version
    questions = questions_of(survey, version)
    tables = survey_tables(survey, version, questions)
    n = tables[0].n if tables else 0
    values = {"n": n}
    lines = []
    always_hidden = set()
    profile_rows = {}
    for table in tables:
        question = table.question
        keys = []
        for i, row in enumerate(table.rows):
            values[("q", question.pk, i)] = row.count
            keys.append(("q", question.pk, i))
        if question.kind == Kind.TEXT:
            values[("q", question.pk, "answered")] = table.answered
            keys.append(("q", question.pk, "answered"))
        if question.kind in (*ADDITIVE_KINDS, Kind.TEXT):
            lines.append(disclosure.Line(tuple(keys), "n"))
        if question.kind in PROFILE_KINDS and question.kind not in profile_rows:
            # option code → row; the respondent's code on the Response is the option's code
            codes = {row.code: i for i, row in enumerate(table.rows)}
            profile_rows[question.kind] = (question.pk, codes)
    crosses = []
    columns_done = set()
    for question in questions:
        if question.kind in (Kind.TEXT, *PROFILE_KINDS):
            continue
        for dimension in CROSS_DIMENSIONS:
            cross = crosstab(survey, question, dimension, version)
            crosses.append(cross)
            if dimension not in columns_done:
                columns_done.add(dimension)
                col_keys = []
                for key, _label, col_n in cross.columns:
                    values[("col", dimension, key)] = col_n
                    col_keys.append(("col", dimension, key))
                lines.append(disclosure.Line(tuple(col_keys), "n"))
                if dimension == "profile":
                    lines += _profile_lines(cross, profile_rows)
            for i, (_label, cells) in enumerate(cross.rows):
                row_keys = []
                for (key, _l, col_n), (count, _pct) in zip(cross.columns, cells, strict=True):
                    cell = ("x", question.pk, dimension, i, key)
                    values[cell] = count
                    row_keys.append(cell)
                    if col_n < SUPPRESS_BELOW:
                        always_hidden.add(cell)
                lines.append(disclosure.Line(tuple(row_keys), ("q", question.pk, i)))
            if question.kind in ADDITIVE_KINDS:
                for j, (key, _l, _n) in enumerate(cross.columns):
                    members = tuple(
                        ("x", question.pk, dimension, i, key) for i in range(len(cross.rows))
                    )
                    lines.append(disclosure.Line(members, ("col", dimension, cross.columns[j][0])))
    return values, lines, always_hidden, tables, crosses


def _profile_lines(cross, profile_rows):
    """Age band × gender columns add up to the age-band and the gender tables' rows."""
    lines = []
    for position, kind in enumerate((Kind.AGE_BAND, Kind.GENDER)):
        if kind not in profile_rows:
            continue
        question_id, codes = profile_rows[kind]
        groups = {}
        for key, _label, _n in cross.columns:
            groups.setdefault(key[position], []).append(("col", "profile", key))
        no_answer = len(codes) - 1 if None not in codes else codes[None]
        for code, members in groups.items():
            row = codes.get(code, no_answer) if code is not None else no_answer
            lines.append(disclosure.Line(tuple(members), ("q", question_id, row)))
    return lines


def table_rows(survey, *, public=False, version=None):
    """All rows of the export as lists of cells: per-question tables, then cross-tables of each
    choice question by age band × gender, course, venue and month."""
    version = version or survey.version
    values, lines, always_hidden, tables, crosses = public_table(survey, version)
    hidden = disclosure.protect(values, lines, hidden=always_hidden, floor=0) if public else set()

    def count(key):
        return disclosure.published(values[key], key, hidden)

    def pct(key, value):
        return "" if key in hidden or value is None else value

    rows = [
        [survey.title],
        [_("Respondents (n)"), count("n")],
        [_("Version"), version],
        [_("Exported at"), timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        [_("Public version: counts under 5 are hidden") if public else _("Internal version")],
    ]
    if public:
        rows.append(
            [
                _(
                    '"x": hidden (counts of 1–4, and the cells hidden with them so that they '
                    "cannot be worked out from the totals); 0: nobody."
                )
            ]
        )
    rows += [[], [_("Question"), _("Answer"), _("Count"), _("Share of respondents (%)")]]
    for table in tables:
        qid = table.question.pk
        for i, row in enumerate(table.rows):
            if table.question.kind == Kind.TEXT and row.code is None:
                rows.append(
                    [
                        table.question.text,
                        _("Answered (free text)"),
                        count(("q", qid, "answered")),
                        "",
                    ]
                )
            key = ("q", qid, i)
            rows.append([table.question.text, row.label, count(key), pct(key, row.pct)])
    for cross in crosses:
        qid, dimension = cross.question.pk, cross.dimension
        rows.append([])
        rows.append([cross.question.text, str(DIMENSIONS[dimension])])
        header = [_("Answer")]
        for key, label, _col_n in cross.columns:
            header += [f"{label} (n={count(('col', dimension, key))})", "%"]
        rows.append(header)
        for i, (label, cells) in enumerate(cross.rows):
            line = [label]
            for (key, _l, _n), (_count, share) in zip(cross.columns, cells, strict=True):
                cell = ("x", qid, dimension, i, key)
                line += [count(cell), pct(cell, share)]
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
