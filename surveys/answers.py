"""Answers read and checked before anything is recorded: what a respondent chose or typed on
the web form, a line of the paper grid or a cell of an imported CSV file, turned into raw
answers, checked against the questions, and the profile (age band, gender) read from them or
suggested from the resident's record. Recording is surveys.services' work.
"""

from __future__ import annotations

import datetime
import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys.models import AGE_BAND_DECADES, GENDERS, Kind, Question

if TYPE_CHECKING:
    from django.http import QueryDict
    from django_stubs_ext import StrOrPromise

    from residents.models import Resident

MISSING = gettext_lazy("Please answer this question.")
SEPARATORS = " ,、，;；/・\t　"


class RawAnswer(TypedDict, total=False):
    """One question's answer as given, unchecked (also what a draft keeps)."""

    codes: Sequence[int | None]  # option codes; a choice that is no number is -1
    text: str  # a free-text question's answer
    other: str  # the text of an option that takes one ("その他")


# Raw answers by question key.
RawAnswers = dict[str, RawAnswer]
# A checked answer: (option codes, free text, the text of the "other" option).
CheckedAnswer = tuple[list[int], str, str]


@dataclass
class Checked:
    """Answers after checking: question key -> (codes, text, other_text); errors by key."""

    answers: dict[str, CheckedAnswer] = field(default_factory=dict)
    errors: dict[str, StrOrPromise] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_codes(value: str | None, option_count: int) -> list[int] | None:
    """Option codes typed on the grid or found in a CSV cell: "1 3", "1,3", "13" (when every
    code is one digit), full-width digits too. Returns a list of ints or None if unreadable."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        return []
    for separator in SEPARATORS:
        value = value.replace(separator, " ")
    parts = value.split()
    if len(parts) == 1 and option_count < 10 and parts[0].isdigit() and len(parts[0]) > 1:
        parts = list(parts[0])
    if not all(part.isdigit() for part in parts):
        return None
    return [int(part) for part in parts]


def check_answers(
    questions: Iterable[Question], raw: Mapping[str, RawAnswer], *, partial: bool = False
) -> Checked:
    """Check raw answers {key: {"codes": [...], "text": "...", "other": "..."}} against the
    questions (with options prefetched). `partial` (a draft) skips the "required" rule."""
    result = Checked()
    for question in questions:
        given = raw.get(question.key) or {}
        codes = [c for c in given.get("codes") or [] if c is not None]
        text = (given.get("text") or "").strip()
        other = (given.get("other") or "").strip()
        error: StrOrPromise | None = None
        if question.kind == Kind.TEXT:
            if not text and question.required and not partial:
                error = MISSING
            result.answers[question.key] = ([], text, "")
        else:
            options = {o.code: o for o in question.options.all()}
            codes = list(dict.fromkeys(codes))
            if any(code not in options for code in codes):
                wrong = ", ".join(str(c) for c in codes if c not in options)
                error = _("There is no option %(codes)s. Use 1 to %(last)s.") % {
                    "codes": wrong,
                    "last": max(options, default=0),
                }
            elif not codes and question.required and not partial:
                error = MISSING
            elif len(codes) > 1 and question.kind != Kind.MULTI:
                error = _("Choose only one answer.")
            elif question.max_choices and len(codes) > question.max_choices:
                error = _("Choose at most %(n)s answers.") % {"n": question.max_choices}
            elif len(codes) > 1 and any(options[c].exclusive for c in codes):
                label = next(options[c].label for c in codes if options[c].exclusive)
                error = _("“%(label)s” cannot be chosen together with other answers.") % {
                    "label": label
                }
            if not any(options[c].takes_text for c in codes if c in options):
                other = ""
            result.answers[question.key] = (codes, "", other)
        if error:
            result.errors[question.key] = error
    return result


def raw_from_post(questions: Iterable[Question], data: QueryDict) -> RawAnswers:
    """The raw answers in a submitted answer form (names q_<key>, q_<key>_other)."""
    raw: RawAnswers = {}
    for question in questions:
        name = f"q_{question.key}"
        if question.kind == Kind.TEXT:
            raw[question.key] = {"text": data.get(name, "")}
            continue
        codes = [int(v) if v.isdigit() else -1 for v in data.getlist(name)]
        raw[question.key] = {"codes": codes, "other": data.get(f"{name}_other", "")}
    return raw


def raw_from_grid(
    questions: Iterable[Question], values: Mapping[str, str]
) -> tuple[RawAnswers, dict[str, str]]:
    """The raw answers of one grid row: {key: typed text}; unreadable codes become errors."""
    raw: RawAnswers = {}
    unreadable: dict[str, str] = {}
    for question in questions:
        typed = values.get(question.key, "")
        if question.kind == Kind.TEXT:
            raw[question.key] = {"text": typed}
            continue
        codes = parse_codes(typed, len(question.options.all()))
        if codes is None:
            unreadable[question.key] = _("Type option numbers, e.g. 1 or 1 3.")
            codes = []
        raw[question.key] = {"codes": codes}
    return raw, unreadable


def answers_hash(checked: Checked, *, salt: str = "") -> str:
    material = repr(sorted(checked.answers.items())) + "|" + salt
    return hashlib.sha256(material.encode()).hexdigest()


def profile_codes(questions: Iterable[Question], checked: Checked) -> tuple[int | None, int | None]:
    """(age band code, gender code) among the checked answers, None where not answered."""
    age = gender = None
    for question in questions:
        codes = checked.answers.get(question.key, ([], "", ""))[0]
        if question.kind == Kind.AGE_BAND and codes:
            age = codes[0]
        elif question.kind == Kind.GENDER and codes:
            gender = codes[0]
    return age, gender


def prefill_profile(
    resident: Resident | None, *, today: datetime.date | None = None
) -> dict[str, int]:
    """Draft answers for the profile questions from the resident's record (the respondent can
    change them; what they submit wins): {"age_band": code, "gender": code}."""
    today = today or timezone.localdate()
    found: dict[str, int] = {}
    if resident is None:
        return found
    if resident.birth_year:
        age = today.year - resident.birth_year
        if age >= 10:
            found[Kind.AGE_BAND] = min(age // 10, AGE_BAND_DECADES)
    gender = {"male": 1, "female": 2, "other": 3, "undisclosed": 4}.get(resident.gender)
    if gender:
        found[Kind.GENDER] = gender
    assert len(GENDERS) == 4
    return found
