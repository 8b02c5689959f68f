"""Every change to surveys: building them (with versioning) and recording responses.

One function per verb, keyword-only arguments including the acting user, one transaction each,
`SurveyError` with a message fit to show. Building never changes a version that has submitted
responses: the first edit after answers arrived copies the questions into a new version first
(`_editable_survey`), and the edit lands on the copy.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import Booking, BookingStatus
from classes.notify import route
from notifications.models import Channel as MessageChannel
from notifications.models import Purpose
from notifications.services import MessageSpec, messages_queue
from surveys import presets
from surveys.answers import Checked, RawAnswers, profile_codes
from surveys.models import (
    CHOICE_KINDS,
    FIXED_OPTIONS,
    Answer,
    Channel,
    Invitation,
    Kind,
    Option,
    Question,
    Response,
    Survey,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

    from classes.models import Course, Session
    from surveys.models import ImportBatch


class SurveyError(Exception):
    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(str(message))
        self.message = message


# --- building -------------------------------------------------------------------------------


def survey_create(*, user: User, title: str | None, intro: str = "") -> Survey:
    title = (title or "").strip()
    if not title:
        raise SurveyError(_("Give the survey a title."))
    return Survey.objects.create(title=title, intro=intro, created_by=user)


@transaction.atomic
def survey_from_template(*, user: User, template: str) -> Survey:
    spec = presets.TEMPLATES.get(template)
    if spec is None:
        raise SurveyError(_("There is no such template."))
    survey = Survey.objects.create(
        title=spec["title"], intro=spec["intro"], template=template, created_by=user
    )
    for question in spec["questions"]:
        _add_question(survey, **question)
    return survey


@transaction.atomic
def survey_update(
    *,
    survey_id: int,
    user: User,
    title: str | None,
    intro: str,
    status: str,
    public_link: bool,
    courses: Iterable[Course],
    sessions: Iterable[Session],
) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    title = (title or "").strip()
    if not title:
        raise SurveyError(_("Give the survey a title."))
    if status == Survey.Status.OPEN and not survey.questions.filter(version=survey.version):
        raise SurveyError(_("Add at least one question before opening the survey."))
    survey.title, survey.intro, survey.status = title, intro, status
    survey.public_link = public_link
    survey.save(update_fields=["title", "intro", "status", "public_link"])
    survey.courses.set(courses)
    survey.sessions.set(sessions)
    return survey


def _new_key() -> str:
    return secrets.token_hex(4)


def _add_question(
    survey: Survey,
    *,
    kind: str,
    text: str | None,
    help_text: str = "",
    required: bool = False,
    max_choices: int | None = None,
    is_satisfaction: bool = False,
    options: Iterable[OptionSpec] = (),
) -> Question:
    text = (text or "").strip()
    if not text:
        raise SurveyError(_("Write the question."))
    if kind not in Kind.values:
        raise SurveyError(_("Choose the kind of question."))
    if is_satisfaction and kind != Kind.RATING:
        raise SurveyError(_("Only a rating question can be the satisfaction question."))
    if kind in (Kind.SINGLE, Kind.MULTI) and not options:
        raise SurveyError(_("A choice question needs at least one option."))
    if kind != Kind.MULTI:
        max_choices = None
    position = (
        Question.objects.filter(survey=survey, version=survey.version).aggregate(m=Max("position"))[
            "m"
        ]
        or 0
    ) + 1
    if is_satisfaction:
        Question.objects.filter(survey=survey, version=survey.version).update(is_satisfaction=False)
    question = Question.objects.create(
        survey=survey,
        version=survey.version,
        key=_new_key(),
        position=position,
        kind=kind,
        text=text,
        help_text=help_text,
        required=required,
        max_choices=max_choices,
        is_satisfaction=is_satisfaction,
    )
    if kind in FIXED_OPTIONS:
        labels = [(label, False, False) for label in FIXED_OPTIONS[kind]]
    else:
        labels = [_option_spec(option) for option in options]
    Option.objects.bulk_create(
        Option(question=question, code=n, label=label, takes_text=other, exclusive=exclusive)
        for n, (label, other, exclusive) in enumerate(labels, start=1)
    )
    return question


# An option as a plain label, a dict (label, takes_text, exclusive) or such a tuple.
OptionSpec = str | dict[str, Any] | tuple[str, bool, bool]


def _option_spec(option: OptionSpec) -> tuple[str, bool, bool]:
    """An option as (label, takes_text, exclusive) from a tuple, a dict or a plain label."""
    if isinstance(option, str):
        return option.strip(), False, False
    if isinstance(option, dict):
        return option["label"], option.get("takes_text", False), option.get("exclusive", False)
    return option


def _has_answers(survey: Survey) -> bool:
    return Response.objects.filter(
        survey=survey, version=survey.version, submitted_at__isnull=False
    ).exists()


def _editable_survey(survey_id: int) -> Survey:
    """The survey, locked, with a current version that has no submitted answers: when it has,
    its questions and options are first copied into a new version (same keys and codes)."""
    survey = Survey.objects.select_for_update().get(pk=survey_id)
    if not _has_answers(survey):
        return survey
    questions = list(
        Question.objects.filter(survey=survey, version=survey.version).prefetch_related("options")
    )
    survey.version += 1
    survey.save(update_fields=["version"])
    copies = Question.objects.bulk_create(
        Question(
            survey=survey,
            version=survey.version,
            key=q.key,
            position=q.position,
            kind=q.kind,
            text=q.text,
            help_text=q.help_text,
            required=q.required,
            max_choices=q.max_choices,
            is_satisfaction=q.is_satisfaction,
        )
        for q in questions
    )
    if any(copy.pk is None for copy in copies):  # SQLite before 3.35 cannot return ids
        copies = list(Question.objects.filter(survey=survey, version=survey.version))
    by_key = {copy.key: copy for copy in copies}
    Option.objects.bulk_create(
        Option(
            question=by_key[q.key],
            code=o.code,
            label=o.label,
            takes_text=o.takes_text,
            exclusive=o.exclusive,
        )
        for q in questions
        for o in q.options.all()
    )
    return survey


def _current_question(question_id: int) -> tuple[Survey, Question]:
    """(survey, question) where question is the editable copy of `question_id`."""
    old = Question.objects.filter(pk=question_id).values("survey_id", "key").first()
    if old is None:
        raise SurveyError(_("This question no longer exists."))
    survey = _editable_survey(old["survey_id"])
    question = Question.objects.filter(
        survey=survey, version=survey.version, key=old["key"]
    ).first()
    if question is None:
        raise SurveyError(_("This question is not in the current version of the survey."))
    return survey, question


@transaction.atomic
def question_add(*, survey_id: int, user: User, **fields: Any) -> Question:
    survey = _editable_survey(survey_id)
    return _add_question(survey, **fields)


@transaction.atomic
def question_update(
    *,
    question_id: int,
    user: User,
    text: str | None,
    help_text: str = "",
    required: bool = False,
    max_choices: int | None = None,
    is_satisfaction: bool = False,
) -> Question:
    survey, question = _current_question(question_id)
    text = (text or "").strip()
    if not text:
        raise SurveyError(_("Write the question."))
    if is_satisfaction and question.kind != Kind.RATING:
        raise SurveyError(_("Only a rating question can be the satisfaction question."))
    if is_satisfaction:
        Question.objects.filter(survey=survey, version=survey.version).update(is_satisfaction=False)
    question.text, question.help_text, question.required = text, help_text, required
    question.max_choices = max_choices if question.kind == Kind.MULTI else None
    question.is_satisfaction = is_satisfaction
    question.save()
    return question


@transaction.atomic
def question_delete(*, question_id: int, user: User) -> Survey:
    survey, question = _current_question(question_id)
    question.delete()  # only ever a question of a version without answers
    return survey


@transaction.atomic
def question_move(*, question_id: int, user: User, direction: str) -> Survey:
    survey, question = _current_question(question_id)
    siblings = list(
        Question.objects.filter(survey=survey, version=survey.version).order_by("position", "pk")
    )
    for n, sibling in enumerate(siblings, start=1):
        sibling.position = n
    index = next(i for i, q in enumerate(siblings) if q.pk == question.pk)
    other = index + (-1 if direction == "up" else 1)
    if direction in ("up", "down") and 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = (
            siblings[other].position,
            siblings[index].position,
        )
    Question.objects.bulk_update(siblings, ["position"])
    return survey


@transaction.atomic
def option_add(
    *,
    question_id: int,
    user: User,
    label: str | None,
    takes_text: bool = False,
    exclusive: bool = False,
) -> Option:
    survey, question = _current_question(question_id)
    label = (label or "").strip()
    if question.options_fixed or question.kind not in CHOICE_KINDS:
        raise SurveyError(_("The options of this question are fixed."))
    if not label:
        raise SurveyError(_("Write the option."))
    code = (question.options.aggregate(m=Max("code"))["m"] or 0) + 1
    return Option.objects.create(
        question=question, code=code, label=label, takes_text=takes_text, exclusive=exclusive
    )


def _current_option(option_id: int) -> tuple[Survey, Question, int]:
    old = Option.objects.filter(pk=option_id).values("question_id", "code").first()
    if old is None:
        raise SurveyError(_("This option no longer exists."))
    survey, question = _current_question(old["question_id"])
    if question.options_fixed:
        raise SurveyError(_("The options of this question are fixed."))
    return survey, question, old["code"]


def _renumber(question: Question, ordered: list[Option]) -> None:
    """Give `ordered` options codes 1..n without tripping the unique (question, code) rule."""
    Option.objects.filter(question=question).update(code=F("code") + 1000)
    for n, option in enumerate(ordered, start=1):
        option.code = n
    Option.objects.bulk_update(ordered, ["code"])


@transaction.atomic
def option_move(*, option_id: int, user: User, direction: str) -> Survey:
    survey, question, code = _current_option(option_id)
    options = list(question.options.order_by("code"))
    index = next(i for i, o in enumerate(options) if o.code == code)
    other = index + (-1 if direction == "up" else 1)
    if direction in ("up", "down") and 0 <= other < len(options):
        options[index], options[other] = options[other], options[index]
        _renumber(question, options)
    return survey


@transaction.atomic
def option_delete(*, option_id: int, user: User) -> Survey:
    survey, question, code = _current_option(option_id)
    options = list(question.options.order_by("code"))
    if len(options) == 1 and question.kind in (Kind.SINGLE, Kind.MULTI):
        raise SurveyError(_("A choice question needs at least one option."))
    keep = [o for o in options if o.code != code]
    Option.objects.filter(question=question, code=code).delete()
    _renumber(question, keep)
    return survey


# --- answers: saving --------------------------------------------------------------------------

# How long the public link refuses the same answers from the same sender.
DUPLICATE_WINDOW = datetime.timedelta(hours=24)


def _linked(where: dict[str, Any]) -> dict[str, Any]:
    """A response is linked to a resident's record only if they agreed to the use of their
    data (residents.Resident.consent_data_use); otherwise it is kept without the link."""
    resident = where.get("resident")
    if resident is not None and not resident.consent_data_use:
        return {**where, "resident": None}
    return where


@transaction.atomic
def response_save_draft(
    *,
    survey: Survey,
    questions: Sequence[Question],
    raw: RawAnswers,
    response: Response | None = None,
    **where: Any,
) -> Response:
    """Keep unfinished answers to come back to; nothing is counted until submitted."""
    if response is None:
        response = Response(survey=survey, version=survey.version, **_linked(where))
    elif response.submitted_at:
        raise SurveyError(_("These answers were already sent."))
    response.draft = raw
    response.save()
    return response


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    questions: Sequence[Question],
    checked: Checked,
    channel: str,
    user: User | None = None,
    response: Response | None = None,
    public_hash: str = "",
    **where: Any,
) -> Response:
    """Record a checked set of answers as a submitted response (with Answer rows).

    `where` carries booking, invitation, resident, session, batch, source_line. A response for
    a booking that already has a submitted one is refused; a draft is completed in place.
    """
    if not checked.ok:
        raise SurveyError(_("Some answers need fixing."))
    if not survey.is_open and channel not in (Channel.PAPER, Channel.IMPORT):
        raise SurveyError(_("This survey is closed. Thank you for your interest."))
    now = timezone.now()
    if (
        public_hash
        and Response.objects.filter(
            survey=survey, answers_hash=public_hash, submitted_at__gte=now - DUPLICATE_WINDOW
        ).exists()
    ):
        raise SurveyError(_("These answers were already sent. Thank you."))
    if response is not None:
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.submitted_at:
            raise SurveyError(_("These answers were already sent. Thank you."))
    else:
        booking = where.get("booking")
        if booking is not None and Response.objects.filter(survey=survey, booking=booking).exists():
            raise SurveyError(_("These answers were already sent. Thank you."))
        response = Response(survey=survey, **_linked(where))
    session = where.get("session") or response.session
    response.version = survey.version
    response.channel = channel
    response.entered_by = user if channel in (Channel.PAPER, Channel.IMPORT) else None
    response.age_band, response.gender = profile_codes(questions, checked)
    if session is not None:
        response.session = session
        response.course_id, response.venue_id = session.course_id, session.venue_id
    response.draft = {}
    response.submitted_at = now
    response.answers_hash = public_hash
    response.save()
    Answer.objects.bulk_create(_answer_rows(response, questions, checked))
    return response


def _answer_rows(
    response: Response, questions: Sequence[Question], checked: Checked
) -> Iterator[Answer]:
    for question in questions:
        codes, text, other = checked.answers.get(question.key, ([], "", ""))
        if question.kind == Kind.TEXT:
            if text:
                yield Answer(response=response, question=question, text=text)
            continue
        options = {o.code: o for o in question.options.all()}
        for code in codes:
            option = options[code]
            yield Answer(
                response=response,
                question=question,
                option=option,
                text=other if option.takes_text else "",
            )


@transaction.atomic
def response_delete(*, response_id: int, user: User) -> None:
    """Remove a paper form typed by mistake (the grid's undo)."""
    deleted, _rows = Response.objects.filter(
        pk=response_id, channel=Channel.PAPER, entered_by=user
    ).delete()
    if not deleted:
        raise SurveyError(_("Only a paper form you typed in yourself can be removed here."))


# --- SMS invitations ----------------------------------------------------------------------------

INVITATION_SMS = (
    "{course}にご参加いただきありがとうございました。"
    "よろしければアンケートにご協力ください（1〜2分）。{url}"
)


@transaction.atomic
def invitations_send(
    *,
    survey_id: int,
    session_id: int,
    user: User,
    base_url: str | None = None,
    now: datetime.datetime | None = None,
) -> tuple[int, int]:
    """Make an invitation (its own link) for each attended booking of the session, and queue
    an SMS with the link for those who prefer SMS (through the notifications app, which keeps
    quiet hours and opt-outs). Returns (links made, SMS queued). Running it again makes and
    sends nothing new."""
    survey = Survey.objects.get(pk=survey_id)
    base_url = (base_url or settings.PUBLIC_BASE_URL).rstrip("/")
    bookings = list(
        Booking.objects.filter(session_id=session_id, status=BookingStatus.ATTENDED)
        .select_related("resident", "session__course")
        .order_by("pk")
    )
    have = set(
        Invitation.objects.filter(survey=survey, booking__in=bookings).values_list(
            "booking_id", flat=True
        )
    )
    made = Invitation.objects.bulk_create(
        Invitation(survey=survey, booking=b, resident=b.resident, created_by=user)
        for b in bookings
        if b.pk not in have
    )
    by_booking = {
        i.booking_id: i
        for i in Invitation.objects.filter(survey=survey, booking__in=bookings).only(
            "token", "booking_id"
        )
    }
    specs = []
    for booking in bookings:
        way = route(booking.resident)
        invitation = by_booking.get(booking.pk)
        if invitation is None or not way or way[0] != MessageChannel.SMS:
            continue
        url = base_url + reverse("surveys:answer_invitation", args=[invitation.token])
        specs.append(
            MessageSpec(
                channel=MessageChannel.SMS,
                to=way[1],
                purpose=Purpose.OTHER,
                template_key="survey_invitation_sms",
                text=INVITATION_SMS.format(course=booking.session.course.title, url=url),
                key=f"survey-invitation-{invitation.pk}",
                resident_id=booking.resident_id,
                booking_id=booking.pk,
                session_id=booking.session_id,
                about={"survey_id": survey.pk},
            )
        )
    queued = messages_queue(specs, now=now) if specs else []
    return len(made), len(queued)


def responses_record(
    *,
    survey: Survey,
    questions: Sequence[Question],
    rows: Sequence[tuple[int, Checked]],
    channel: str,
    user: User | None = None,
    batch: ImportBatch | None = None,
) -> list[Response]:
    """Record many checked answer sets at once (an import): rows are (source line, checked).
    Two INSERTs per batch of rows, whatever the file's size."""
    now = timezone.now()
    responses = []
    for line, checked in rows:
        if not checked.ok:
            raise SurveyError(_("Some answers need fixing."))
        age, gender = profile_codes(questions, checked)
        responses.append(
            Response(
                survey=survey,
                version=survey.version,
                channel=channel,
                entered_by=user,
                batch=batch,
                source_line=line,
                age_band=age,
                gender=gender,
                submitted_at=now,
                started_at=now,
            )
        )
    created = Response.objects.bulk_create(responses, batch_size=500)
    Answer.objects.bulk_create(
        (
            answer
            for response, (_line, checked) in zip(created, rows, strict=True)
            for answer in _answer_rows(response, questions, checked)
        ),
        batch_size=1000,
    )
    return created


# What an erased person's free-text answers read afterwards: the answer still counts as given.
ERASED_TEXT = "（消去済み）"


@transaction.atomic
def responses_anonymise(*, resident_id: int) -> int:
    """Erase what a resident wrote in their linked responses (text questions and その他):
    the text is overwritten, the answer row stays, so every table counts as before; drafts
    are emptied. Returns how many answers were overwritten."""
    responses = Response.objects.filter(resident_id=resident_id)
    responses.exclude(draft={}).update(draft={})
    return Answer.objects.filter(response__in=responses).exclude(text="").update(text=ERASED_TEXT)
