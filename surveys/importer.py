"""CSV import of answers collected by other tools.

Steps: `import_upload` decodes the file (UTF-8 with or without BOM, else Shift_JIS/cp932 as
Excel saves it in Japan) and keeps its text in an ImportBatch row; the user maps columns to
questions; `import_check` reports every bad line by its line number in the file (the heading
is line 1); `import_run` imports all lines, or only the good ones when asked, never a file with
errors otherwise.

A cell may hold option numbers ("1", "1 3", "1;3") or option labels ("LINEの使い方;その他"),
separated by spaces, commas, 、, ; or /.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from surveys import answers
from surveys.answers import RawAnswers, check_answers, parse_codes
from surveys.models import Channel, ImportBatch, Kind, Question, Survey
from surveys.queries import questions_of
from surveys.services import SurveyError, responses_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ENCODINGS = ("utf-8-sig", "cp932")
LABEL_SEPARATORS = (";", "；", "、", ",", "，", "/", "|")


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name) of uploaded bytes, or SurveyError when neither encoding fits."""
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SurveyError(_("The file is neither UTF-8 nor Shift_JIS. Save it as CSV (UTF-8)."))


def import_upload(*, survey: Survey, user: User, filename: str, content: bytes) -> ImportBatch:
    text, encoding = decode(content)
    if not text.strip():
        raise SurveyError(_("The file is empty."))
    return ImportBatch.objects.create(
        survey=survey,
        filename=filename[:200],
        encoding="Shift_JIS" if encoding == "cp932" else "UTF-8",
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


def _cell_codes(question: Question, cell: str) -> list[int] | None:
    """Option codes in a cell (numbers or labels), or None when something does not match."""
    options = list(question.options.all())
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


def import_check(
    batch: ImportBatch, questions: Sequence[Question], mapping: Mapping[str, str]
) -> Checked:
    heading, rows = read_rows(batch)
    by_key = {q.key: q for q in questions}
    columns = {int(i): by_key[key] for i, key in mapping.items() if key in by_key}
    result = Checked(total=len(rows))
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
        checked = check_answers(list(columns.values()), raw)
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
