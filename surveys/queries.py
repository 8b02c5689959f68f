"""Read side of surveys: which survey applies, the questions, and the tables.

Every function answers in a fixed number of queries whatever the number of responses: counts
are database aggregates (COUNT … GROUP BY), never Python loops over answers.

Percentages are of respondents (submitted responses of the version), so a multiple-choice
question's shares add up to more than 100 %; 無回答 is respondents minus those who answered.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Booking, Course, Venue
from surveys.models import (
    AGE_BANDS,
    GENDERS,
    Answer,
    Channel,
    Kind,
    Option,
    Question,
    Response,
    Survey,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NO_ANSWER = "無回答"
# Cells under this many respondents are shown as "<5" in public exports.
SUPPRESS_BELOW = 5


def surveys_with_counts() -> QuerySet[Survey]:
    """Surveys, newest first, each with `answered` (submitted responses): one query."""
    return Survey.objects.annotate(
        answered=Count("responses", filter=Q(responses__submitted_at__isnull=False))
    )


def survey_for_booking(booking: Booking) -> Survey | None:
    """The open survey that applies to a booking's session (attached to the session or its
    course), newest first, or None. One query."""
    session = booking.session
    return (
        Survey.objects.filter(status=Survey.Status.OPEN)
        .filter(Q(sessions=session.pk) | Q(courses=session.course_id))
        .order_by("-created_at", "-pk")
        .first()
    )


def questions_of(survey: Survey, version: int | None = None) -> list[Question]:
    """The questions of a version (default: current) with their options: two queries."""
    return list(
        Question.objects.filter(survey=survey, version=version or survey.version)
        .order_by("position", "pk")
        .prefetch_related("options")
    )


def versions_with_answers(survey: Survey) -> list[int]:
    return list(
        Response.objects.filter(survey=survey, submitted_at__isnull=False)
        .values_list("version", flat=True)
        .distinct()
        .order_by("version")
    )


def paper_count(
    survey: Survey, *, user: User | None = None, since: datetime.datetime | None = None
) -> int:
    """Paper forms typed in for the survey (by `user`, since `since` when given)."""
    forms = Response.objects.filter(survey=survey, channel=Channel.PAPER)
    if user is not None:
        forms = forms.filter(entered_by=user)
    if since is not None:
        forms = forms.filter(submitted_at__gte=since)
    return forms.count()


# --- tables ---------------------------------------------------------------------------------


def _pct(count: int, total: int) -> float | None:
    return round(100 * count / total, 1) if total else None


@dataclass
class Row:
    label: str
    count: int
    pct: float | None
    code: int | None = None


@dataclass
class QuestionTable:
    question: Question
    n: int  # respondents of the version
    rows: list[Row] = field(default_factory=list)  # one Row per option, then 無回答
    answered: int = 0

    @property
    def no_answer(self) -> int:
        return self.n - self.answered


def _submitted(survey: Survey, version: int) -> QuerySet[Response]:
    return Response.objects.filter(survey=survey, version=version, submitted_at__isnull=False)


class _RowCount(Subquery):
    """How many rows a (correlated) subquery gives: (SELECT COUNT(*) FROM (subquery))."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) rows_counted)"
    output_field = IntegerField()


def survey_tables(
    survey: Survey, version: int | None = None, questions: Sequence[Question] | None = None
) -> list[QuestionTable]:
    """One table per question: count and % of respondents per option, 無回答, n.

    Five queries: the questions, their options, n, counts per option, respondents answering
    each question. Text questions get only answered / 無回答.
    """
    version = version or survey.version
    questions = questions if questions is not None else questions_of(survey, version)
    ids = [q.pk for q in questions]
    n = _submitted(survey, version).count()
    # Answer rows exist only for submitted responses, and a question belongs to one version:
    # the question ids alone select the answers, with no join (index on question, option /
    # question, response).
    per_option = dict(
        Answer.objects.filter(question_id__in=ids, option__isnull=False)
        .values_list("option_id")
        .annotate(c=Count("option_id"))
        .order_by()
    )
    # Respondents answering each question: per question, the distinct response ids read in
    # order from the (question, response) index and counted. Half the time of COUNT(DISTINCT
    # response_id) … GROUP BY question_id, which PostgreSQL 15 sorts for (bench/surveys.py).
    respondents = Answer.objects.filter(question=OuterRef("pk")).values("response_id").distinct()
    per_question = dict(
        Question.objects.filter(pk__in=ids)
        .order_by()
        .annotate(answered=_RowCount(respondents))
        .values_list("pk", "answered")
    )
    tables = []
    for question in questions:
        table = QuestionTable(question=question, n=n, answered=per_question.get(question.pk, 0))
        for option in question.options.all():
            count = per_option.get(option.pk, 0)
            table.rows.append(Row(option.label, count, _pct(count, n), option.code))
        table.rows.append(Row(NO_ANSWER, table.no_answer, _pct(table.no_answer, n)))
        tables.append(table)
    return tables


# --- cross-tables ---------------------------------------------------------------------------

DIMENSIONS = {
    "profile": _("Age band × gender"),
    "age_band": _("Age band"),
    "gender": _("Gender"),
    "course": _("Course"),
    "venue": _("Venue"),
    "month": _("Month"),
}


@dataclass
class CrossTab:
    question: Question
    dimension: str
    columns: list[tuple[tuple[Any, ...], str, int]]  # [(column key, label, n respondents)]
    # [(label, [(count, pct), ...])] one per option, then 無回答
    rows: list[tuple[str, list[tuple[int, float | None]]]]

    @property
    def total_n(self) -> int:
        return sum(n for _key, _label, n in self.columns)


def _group_fields(dimension: str, prefix: str = "") -> list[str]:
    if dimension == "profile":
        return [f"{prefix}age_band", f"{prefix}gender"]
    if dimension in ("age_band", "gender"):
        return [f"{prefix}{dimension}"]
    if dimension in ("course", "venue"):
        return [f"{prefix}{dimension}_id"]
    if dimension == "month":
        return ["month"]
    raise ValueError(dimension)


def _month(prefix: str = "") -> TruncMonth:
    return TruncMonth(f"{prefix}submitted_at", tzinfo=timezone.get_default_timezone())


def _column_label(dimension: str, key: tuple[Any, ...], names: Mapping[int, str]) -> str:
    def code_label(labels: Sequence[str], code: int | None) -> str:
        return labels[code - 1] if code else NO_ANSWER

    if dimension == "profile":
        return f"{code_label(AGE_BANDS, key[0])} {code_label(GENDERS, key[1])}"
    if dimension == "age_band":
        return code_label(AGE_BANDS, key[0])
    if dimension == "gender":
        return code_label(GENDERS, key[0])
    if dimension == "month":
        if key[0] is None:
            return NO_ANSWER
        day = key[0]
        if isinstance(day, datetime.datetime):
            day = timezone.localtime(day) if timezone.is_aware(day) else day
        return f"{day.year}年{day.month}月"
    return (
        names.get(key[0], str(_("Not linked to a class")))
        if key[0]
        else str(_("Not linked to a class"))
    )


def _sort_key(key: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    return tuple((value is None, value if value is not None else 0) for value in key)


def crosstab(
    survey: Survey, question: Question, dimension: str, version: int | None = None
) -> CrossTab:
    """Count and % of respondents per option of `question` by a dimension: age band × gender,
    age band, gender, course, venue or month of answering. Each column's n is its number of
    respondents; respondents who did not give their age or gender are a column of their own
    (無回答). Three queries, two when the question's options are prefetched (one more for
    course/venue: their names)."""
    version = version or survey.version
    fields = _group_fields(dimension)
    responses = _submitted(survey, version)
    if dimension == "month":
        responses = responses.annotate(month=_month())
    group_n = {
        tuple(row[f] for f in fields): row["n"]
        for row in responses.values(*fields).annotate(n=Count("id")).order_by()
    }
    # One pass over the respondents, each joined to their answers to the question (LEFT JOIN):
    # a row per option chosen, and a row without an option for a respondent who gave none
    # (無回答) — or who wrote a text answer, which `answered` tells apart.
    counts: dict[tuple[Any, ...], int] = {}
    missing: dict[tuple[Any, ...], int] = {}
    for row in (
        responses.annotate(
            chosen=FilteredRelation("answers", condition=Q(answers__question=question))
        )
        .values(*fields, "chosen__option_id")
        .annotate(c=Count("id"), answered=Count("chosen__id"))
        .order_by()
    ):
        key = tuple(row[f] for f in fields)
        if row["chosen__option_id"] is None:
            missing[key] = missing.get(key, 0) + row["c"] - row["answered"]
        else:
            counts[(row["chosen__option_id"], *key)] = row["c"]
    names: dict[int, str] = {}
    if dimension == "course":
        names = dict(
            Course.objects.filter(pk__in=[k[0] for k in group_n]).values_list("pk", "title")
        )
    elif dimension == "venue":
        names = dict(Venue.objects.filter(pk__in=[k[0] for k in group_n]).values_list("pk", "name"))
    keys = sorted(group_n, key=_sort_key)
    columns = [(key, _column_label(dimension, key, names), group_n[key]) for key in keys]
    rows = []
    for option in question.options.all():
        cells = []
        for key in keys:
            count = counts.get((option.pk, *key), 0)
            cells.append((count, _pct(count, group_n[key])))
        rows.append((option.label, cells))
    cells = []
    for key in keys:
        cells.append((missing.get(key, 0), _pct(missing.get(key, 0), group_n[key])))
    rows.append((NO_ANSWER, cells))
    return CrossTab(question=question, dimension=dimension, columns=columns, rows=rows)


def free_texts(questions: Iterable[Question], *, limit: int = 50) -> dict[int, list[str]]:
    """The latest free-text answers (text questions and その他) of these questions, newest
    first: {question id: [text, ...]}. One query, at most `limit` answers in all."""
    texts: dict[int, list[str]] = {}
    rows = (
        Answer.objects.filter(question__in=questions)
        .exclude(text="")
        .order_by("-pk")
        .values_list("question_id", "text")[:limit]
    )
    for question_id, text in rows:
        texts.setdefault(question_id, []).append(text)
    return texts


# --- for reports ----------------------------------------------------------------------------

SATISFIED_CODES = (4, 5)


class Satisfaction(TypedDict):
    respondents: int
    satisfied: int
    share: float | None


def satisfaction_share(
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    course_ids: Iterable[int] | None = None,
    venue_ids: Iterable[int] | None = None,
    by: str | None = None,
) -> Satisfaction | dict[Any, Satisfaction]:
    """Survey satisfaction %: of the respondents who answered a satisfaction question (a rating
    1–5 question flagged `is_satisfaction`, in any survey and any version), the share who
    answered 4 or 5.

    start / end: local dates (inclusive) of the class session the response belongs to, or of
    submitting when it is not linked to a session. course_ids / venue_ids: restrict to those.
    by: None for one total, or "course", "venue" or "month" for one row per group.

    Returns {"respondents": n, "satisfied": k, "share": k / n or None} — or, with `by`, a
    dict {group key: that dict} (course id, venue id, or the first day of the month as a date).
    One query.
    """
    answers = Answer.objects.filter(
        question__is_satisfaction=True,
        question__kind=Kind.RATING,
        response__submitted_at__isnull=False,
        option__isnull=False,
    )
    tz = timezone.get_default_timezone()
    if start is not None or end is not None:
        lower = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz) if start else None
        upper = (
            datetime.datetime.combine(
                end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            if end
            else None
        )
        in_session, in_submit = (
            Q(response__session__isnull=False),
            Q(response__session__isnull=True),
        )
        if lower:
            in_session &= Q(response__session__starts_at__gte=lower)
            in_submit &= Q(response__submitted_at__gte=lower)
        if upper:
            in_session &= Q(response__session__starts_at__lt=upper)
            in_submit &= Q(response__submitted_at__lt=upper)
        answers = answers.filter(in_session | in_submit)
    if course_ids is not None:
        answers = answers.filter(response__course_id__in=course_ids)
    if venue_ids is not None:
        answers = answers.filter(response__venue_id__in=venue_ids)
    totals = {
        "respondents": Count("response_id", distinct=True),
        "satisfied": Count(
            "response_id", distinct=True, filter=Q(option__code__in=SATISFIED_CODES)
        ),
    }

    def shaped(row: Mapping[str, Any]) -> Satisfaction:
        n, k = row["respondents"], row["satisfied"]
        return {"respondents": n, "satisfied": k, "share": (k / n) if n else None}

    if by is None:
        return shaped(answers.aggregate(**totals))
    if by == "month":
        # The month of the class session the answer is about; the day of answering only for
        # answers tied to no session (the same rule as start / end above).
        answers = answers.annotate(
            group=TruncMonth(
                Coalesce("response__session__starts_at", "response__submitted_at"), tzinfo=tz
            )
        )
    elif by in ("course", "venue"):
        answers = answers.annotate(group=F(f"response__{by}_id"))
    else:
        raise ValueError(by)
    result: dict[Any, Satisfaction] = {}
    for row in answers.values("group").annotate(**totals).order_by("group"):
        key = row["group"]
        if by == "month" and key is not None:
            key = (timezone.localtime(key) if timezone.is_aware(key) else key).date()
        result[key] = shaped(row)
    return result


def option_labels(question_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """{question id: {code: label}} for exports: one query."""
    labels: dict[int, dict[int, str]] = {}
    for qid, code, label in Option.objects.filter(question_id__in=question_ids).values_list(
        "question_id", "code", "label"
    ):
        labels.setdefault(qid, {})[code] = label
    return labels


def responses_of_resident(resident_id: int) -> list[Response]:
    """Every survey response linked to a resident, oldest first, with its survey and answers
    (question and option): for a disclosure and an erasure. Two queries."""
    return list(
        Response.objects.filter(resident_id=resident_id)
        .select_related("survey")
        .prefetch_related("answers__question", "answers__option")
        .order_by("started_at", "pk")
    )
