"""Surveys: questions in numbered versions, responses and their answers.

A survey's questions belong to a version. Once a version has submitted responses it is frozen:
editing copies its questions (with the same `key`s and option codes) into the next version, and
new responses use that one, so an old answer never changes meaning (services.py).

Every choice-like question (single, multiple, rating 1–5, age band, gender) has Option rows,
and an answer to it is one Answer row per chosen option; a rating's value is its option's code.
The respondent's age band and gender are also kept on the Response (as option codes), so the
cross-tables group by two columns of one table instead of joining answers with answers.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Booking, Course, Session, Venue
from residents.models import Resident

# Unambiguous symbols, as the tickets use: nothing to misread when typed from paper.
TOKEN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TOKEN_LENGTH = 26


def new_token():
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class Kind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTI = "multi", _("Multiple choice")
    RATING = "rating", _("Rating 1–5")
    TEXT = "text", _("Free text")
    AGE_BAND = "age_band", _("Age band")
    GENDER = "gender", _("Gender")


CHOICE_KINDS = (Kind.SINGLE, Kind.MULTI, Kind.RATING, Kind.AGE_BAND, Kind.GENDER)
PROFILE_KINDS = (Kind.AGE_BAND, Kind.GENDER)
# The fixed options of the profile and rating questions, in code order (code = position + 1).
# "その他" (code 8) is what real surveys' age columns hold besides the decades (e.g. "答えたくない"
# written in); 無回答 is no answer (null), counted in n as its own row / column.
AGE_BANDS = ["10代", "20代", "30代", "40代", "50代", "60代", "70代以上", "その他"]
AGE_BAND_DECADES = 7  # codes 1–7 are decades (7 = 70代以上); 8 is その他
GENDERS = ["男性", "女性", "その他", "回答しない"]
RATING_LABELS = [
    "1 とても不満",
    "2 やや不満",
    "3 ふつう",
    "4 やや満足",
    "5 とても満足",
]
FIXED_OPTIONS: dict[str, list[str]] = {
    Kind.AGE_BAND: AGE_BANDS,
    Kind.GENDER: GENDERS,
    Kind.RATING: RATING_LABELS,
}


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction for respondents"), blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("current version"), default=1)
    template = models.CharField(_("made from template"), max_length=32, blank=True)
    public_link = models.BooleanField(_("anyone with the link may answer"), default=False)
    public_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    courses = models.ManyToManyField(
        Course, verbose_name=_("courses"), blank=True, related_name="surveys"
    )
    sessions = models.ManyToManyField(
        Session, verbose_name=_("sessions"), blank=True, related_name="surveys"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status == self.Status.OPEN


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    version = models.PositiveIntegerField()
    # Stable across versions: the copy of a question in the next version keeps its key.
    key = models.CharField(max_length=12)
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("hint"), max_length=300, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    max_choices = models.PositiveSmallIntegerField(
        _("at most this many choices"), null=True, blank=True
    )
    # The rating question reports read as "satisfaction" (queries.satisfaction_share).
    is_satisfaction = models.BooleanField(_("satisfaction question"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "version", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "version", "key"], name="survey_question_key_per_version"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=1),
                name="survey_question_max_choices_positive",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def has_options(self):
        return self.kind in CHOICE_KINDS

    @property
    def options_fixed(self):
        return self.kind in FIXED_OPTIONS


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    # The number written on paper forms and typed in the grid: position + 1, renumbered when
    # options are reordered (which only happens in a version without answers).
    code = models.PositiveSmallIntegerField()
    label = models.CharField(_("label"), max_length=200)
    # "その他": the respondent may write what they mean.
    takes_text = models.BooleanField(_("with free text (その他)"), default=False)
    # "わからない" / "特にない": cannot be combined with other options.
    exclusive = models.BooleanField(_("excludes the other options"), default=False)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "code"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="survey_option_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.label}"


class Channel(models.TextChoices):
    TICKET = "ticket", _("Ticket page")
    SMS = "sms", _("SMS link")
    PUBLIC = "public", _("Public link")
    PAPER = "paper", _("Paper form")
    IMPORT = "import", _("CSV import")


class Invitation(models.Model):
    """An SMS link for one resident (usually one booking): its own unguessable token."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "booking"],
                condition=Q(booking__isnull=False),
                name="survey_invitation_one_per_booking",
            )
        ]

    def __str__(self):
        return f"{self.token[:6]}… ({self.survey_id})"


class ImportBatch(models.Model):
    """An uploaded CSV between the steps: its decoded text, the mapping, and the outcome."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=200)
    encoding = models.CharField(max_length=16)
    content = models.TextField()
    mapping = models.JSONField(default=dict, blank=True)  # column index (str) -> question key
    imported_rows = models.PositiveIntegerField(null=True, blank=True)
    skipped_rows = models.PositiveIntegerField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer import")
        verbose_name_plural = _("answer imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.filename


class Response(models.Model):
    """One respondent's answers. A draft (submitted_at empty) keeps its answers in `draft`;
    Answer rows exist only for submitted responses, so tables never see half an answer."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    version = models.PositiveIntegerField()
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where and when the class was, for the tables by course, venue and period.
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    venue = models.ForeignKey(
        Venue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The profile answers as option codes (AGE_BANDS / GENDERS position + 1); null = 無回答.
    age_band = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.PositiveSmallIntegerField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True)  # question key -> raw answer
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Public link: a hash of the answers and the sender, to refuse the same form sent twice.
    answers_hash = models.CharField(max_length=64, blank=True, db_index=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    source_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["survey", "submitted_at"], name="survey_response_submitted"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "booking"],
                condition=Q(booking__isnull=False),
                name="survey_one_response_per_booking",
            ),
            models.CheckConstraint(
                condition=Q(age_band__isnull=True)
                | Q(age_band__gte=1, age_band__lte=len(AGE_BANDS)),
                name="survey_response_age_band_code",
            ),
            models.CheckConstraint(
                condition=Q(gender__isnull=True) | Q(gender__gte=1, gender__lte=4),
                name="survey_response_gender_code",
            ),
        ]

    def __str__(self):
        return f"{self.survey_id} #{self.pk}"

    @property
    def is_submitted(self):
        return self.submitted_at is not None


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    option = models.ForeignKey(
        Option, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["question", "option"], name="survey_answer_question"),
            models.Index(fields=["question", "response"], name="survey_answer_respondent"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "option"],
                condition=Q(option__isnull=False),
                name="survey_answer_option_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=Q(option__isnull=True),
                name="survey_answer_text_once",
            ),
        ]

    def __str__(self):
        return f"{self.response_id} {self.question_id} {self.option_id or ''}"
