"""CSV import of answers collected by other tools.

Steps: `import_upload` decodes the file (UTF-8 with or without BOM, else Shift_JIS/cp932 as
Excel saves it in Japan, or UTF-16 with its BOM, tab-separated, as Excel's "Unicode text")
and keeps its text, as comma-separated values, in an ImportBatch row; the user maps columns to
questions; `import_check` reports every bad line by its line number in the file (the heading
is line 1), and what n becomes; `import_run` imports all lines, or only the good ones when
asked, never a file with errors otherwise. Blank and 無回答 cells import as 無回答.

A cell may hold option numbers ("1", "1 3", "1;3") or option labels ("LINEの使い方;その他"),
separated by spaces, commas, 、, ; or /.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys import answers
from surveys.answers import RawAnswers, check_answers, parse_codes
from surveys.models import Channel, ImportBatch, Kind, Question, Response, Survey
from surveys.queries import questions_of
from surveys.services import SurveyError, responses_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ENCODINGS = ("utf-8-sig", "cp932")
LABEL_SEPARATORS = (";", "；", "、", ",", "，", "/", "|")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name) of uploaded bytes, or SurveyError saying what is wrong.

    UTF-8 with or without BOM, Shift_JIS (cp932) as Excel saves "CSV", and UTF-16 with its
    BOM as Excel saves "Unicode text". Text holding control characters (a binary file, or
    UTF-16 without its BOM) is refused rather than stored.
    """
    if content.startswith(UTF16_BOMS):
        try:
            text, encoding = content.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise SurveyError(
                _(
                    "The file starts like UTF-16 text but cannot be read as it. "
                    "Save it as CSV (UTF-8)."
                )
            ) from None
    else:
        for encoding in ENCODINGS:
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SurveyError(
                _(
                    "The file is not UTF-8, Shift_JIS or UTF-16 text (is it an Excel workbook?). "
                    "Save it as CSV (UTF-8)."
                )
            )
    if CONTROL_CHARACTERS.search(text):
        raise SurveyError(
            _(
                "The file holds control characters (such as NUL) that text files do not: it may "
                "not be a CSV file. Save it as CSV (UTF-8)."
            )
        )
    return text, encoding


ENCODING_NAMES = {"utf-8-sig": "UTF-8", "cp932": "Shift_JIS", "utf-16": "UTF-16"}


def as_comma_separated(text: str) -> str:
    """The text as comma-separated values: tab-separated text (Excel's "Unicode text", or a
    table pasted from a spreadsheet) is rewritten, anything else is returned as it is."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if "\t" not in first_line or "," in first_line:
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(csv.reader(io.StringIO(text), delimiter="\t"))
    return out.getvalue()


def import_upload(*, survey: Survey, user: User, filename: str, content: bytes) -> ImportBatch:
    text, encoding = decode(content)
    if not text.strip():
        raise SurveyError(_("The file is empty."))
    try:
        text = as_comma_separated(text)
        for _cells in csv.reader(io.StringIO(text)):
            pass
    except csv.Error:
        raise SurveyError(
            _("A cell of the file is too long or badly quoted to be read as CSV.")
        ) from None
    return ImportBatch.objects.create(
        survey=survey,
        filename=filename[:200],
        encoding=ENCODING_NAMES[encoding],
        content=text,
        created_by=user,
    )


def _norm(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower().replace(" ", "")


def read_rows(batch: ImportBatch) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(heading cells, [(line number, cells), ...]); blank lines are skipped."""
    reader = csv.reader(io.StringIO(batch.content))
    heading = next(reader, [])
    rows = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            rows.append((start, cells))
    return heading, rows


def guess_mapping(heading: Sequence[str], questions: Sequence[Question]) -> dict[str, str]:
    """Column index -> question key where a heading matches a question's text or "Q<n>"."""
    by_text = {_norm(q.text): q.key for q in questions}
    by_number = {}
    for n, question in enumerate(questions, start=1):
        for name in (f"q{n}", f"問{n}", f"設問{n}", str(n)):
            by_number[_norm(name)] = question.key
    mapping: dict[str, str] = {}
    for index, cell in enumerate(heading):
        key = by_text.get(_norm(cell)) or by_number.get(_norm(cell))
        if key and key not in mapping.values():
            mapping[str(index)] = key
    return mapping


# Cells that say the respondent gave no answer: imported as 無回答 (counted in n, in the 無回答
# row of the question's table and the 無回答 column of its cross-tables), never refused.
NO_ANSWER_WORDS = ("無回答", "未回答", "無記入", "不明")


def _cell_codes(question: Question, cell: str) -> list[int] | None:
    """Option codes in a cell (numbers or labels), or None when something does not match."""
    options = list(question.options.all())
    if _norm(cell) in {_norm(word) for word in NO_ANSWER_WORDS} and not any(
        _norm(o.label) == _norm(cell) for o in options
    ):
        return []
    codes = parse_codes(cell, len(options))
    if codes is not None:
        return codes
    text = cell
    for separator in LABEL_SEPARATORS:
        text = text.replace(separator, "\n")
    by_label = {_norm(o.label): o.code for o in options}
    codes = []
    for part in text.splitlines():
        if not part.strip():
            continue
        code = by_label.get(_norm(part))
        if code is None:
            return None
        codes.append(code)
    return codes


@dataclass
class Checked:
    good: list[tuple[int, answers.Checked]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0
    n_before: int = 0  # respondents (n) of the survey's tables before the import

    @property
    def n_after(self) -> int:
        """The tables' n once the good lines are imported (the refused ones are not counted)."""
        return self.n_before + len(self.good)


def import_check(
    batch: ImportBatch, questions: Sequence[Question], mapping: Mapping[str, str]
) -> Checked:
    heading, rows = read_rows(batch)
    by_key = {q.key: q for q in questions}
    columns = {int(i): by_key[key] for i, key in mapping.items() if key in by_key}
    survey = batch.survey
    result = Checked(
        total=len(rows),
        n_before=Response.objects.filter(
            survey=survey, version=survey.version, submitted_at__isnull=False
        ).count(),
    )
    if not columns:
        raise SurveyError(_("Choose a question for at least one column."))
    for line, cells in rows:
        raw: RawAnswers = {}
        problems: list[str] = []
        if len(cells) != len(heading):
            problems.append(
                _("%(found)s columns instead of %(expected)s")
                % {"found": len(cells), "expected": len(heading)}
            )
        for index, question in columns.items():
            cell = cells[index].strip() if index < len(cells) else ""
            if question.kind == Kind.TEXT:
                raw[question.key] = {"text": cell}
                continue
            codes = _cell_codes(question, cell)
            if codes is None:
                problems.append(
                    _("column %(column)s “%(value)s” is not an option of “%(question)s”")
                    % {"column": index + 1, "value": cell, "question": question.text}
                )
                codes = []
            raw[question.key] = {"codes": codes}
        # Imported answers are what respondents gave elsewhere: a blank or 無回答 cell is 無回答
        # (counted in n), not a refused line, even for a question the web form requires.
        checked = check_answers(list(columns.values()), raw, partial=True)
        for key, message in checked.errors.items():
            problems.append(f"{by_key[key].text}: {message}")
        if problems:
            result.errors.append((line, "; ".join(str(p) for p in problems)))
        else:
            result.good.append((line, checked))
    return result


@transaction.atomic
def import_run(
    *, batch_id: int, user: User, mapping: Mapping[str, str], good_only: bool = False
) -> int:
    """Import the batch's lines as responses; with errors only when `good_only`. Returns the
    number imported."""
    batch = ImportBatch.objects.select_for_update().select_related("survey").get(pk=batch_id)
    if batch.imported_at:
        raise SurveyError(_("This file was already imported."))
    survey = batch.survey
    questions = questions_of(survey)
    result = import_check(batch, questions, mapping)
    if result.errors and not good_only:
        raise SurveyError(
            _("The file has lines with errors. Fix them, or choose to import only the good lines.")
        )
    responses_record(
        survey=survey,
        questions=questions,
        rows=result.good,
        channel=Channel.IMPORT,
        user=user,
        batch=batch,
    )
    batch.mapping = mapping
    batch.imported_rows = len(result.good)
    batch.skipped_rows = len(result.errors)
    batch.imported_at = timezone.now()
    batch.save(update_fields=["mapping", "imported_rows", "skipped_rows", "imported_at"])
    return len(result.good)
