"""Support volunteers (デジタル活用支援員 / デジタル推進委員): profiles, availability, shift needs,
assignments and matching runs.

Reports (延べ活動人数 and hours) read `Assignment`: see its docstring.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from classes.models import Course, Session, Venue


class Skill(models.TextChoices):
    ANDROID = "android", _("Android phones")
    IPHONE = "iphone", _("iPhone")
    MYNUMBER = "mynumber", _("My Number Card and Mynaportal")
    LINE = "line", _("LINE")
    CASHLESS = "cashless", _("Cashless payment")
    ONLINE = "online", _("Online procedures")
    PROGRAMMING = "programming", _("Programming (Scratch)")
    LEAD = "lead", _("Teaching a class as lead")


def skill_labels(skills: list[str]) -> list[str]:
    """Skills as people read them ("Android phones", not "android")."""
    labels = dict(Skill.choices)
    return [str(labels.get(skill, skill)) for skill in skills]


class Role(models.TextChoices):
    LEAD = "lead", _("Lead teacher")
    ASSISTANT = "assistant", _("Assistant")
    RECEPTION = "reception", _("Reception")


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class VolunteerQuerySet(models.QuerySet["Volunteer"]):
    def approved(self) -> Self:
        return self.filter(status=Volunteer.Status.APPROVED)


class Volunteer(models.Model):
    """A registered supporter: one per user account, approved by the DX office."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")
        INACTIVE = "inactive", _("Resting")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="volunteer"
    )
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=50)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, help_text=_("Stored in E.164."))
    email = models.EmailField(_("e-mail"), blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    venues = models.ManyToManyField(
        Venue, verbose_name=_("venues I can reach"), blank=True, related_name="volunteers"
    )
    max_shifts_per_month = models.PositiveSmallIntegerField(_("most shifts a month"), default=4)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLIED
    )
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The private calendar feed's key; a new one revokes the old address.
    calendar_token = models.CharField(max_length=48, unique=True, default=new_calendar_token)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["family_name_kana", "given_name_kana", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_shifts_per_month__gte=1), name="volunteer_max_shifts_min"
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    def skill_labels(self) -> list[str]:
        return skill_labels(self.skills)


class Qualification(models.Model):
    """A training or appointment with its term: assignments need one valid on the shift's date."""

    class Kind(models.TextChoices):
        SHIENIN_TRAINING = "shienin", _("Digital support volunteer training completed")
        SUISHIN_IIN = "suishin", _("Digital promotion commissioner (1-year term)")
        OTHER = "other", _("Other")

    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(
        _("expires on"), null=True, blank=True, help_text=_("Empty when it does not expire.")
    )

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="qualification_dates_in_order",
            ),
        ]

    def __str__(self):
        return self.name or self.get_kind_display()

    def valid_on(self, day: datetime.date) -> bool:
        return self.issued_on <= day and (self.expires_on is None or day <= self.expires_on)


class AvailabilityWindow(models.Model):
    """A weekly recurring time the volunteer can help (local time, Asia/Tokyo)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=list(WEEKDAYS.items()))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="window_times_in_order"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="window_weekday_valid"),
        ]

    def __str__(self):
        return f"{WEEKDAYS[self.weekday]} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A dated change: away for the whole day, or extra hours on a day."""

    class Kind(models.TextChoices):
        AWAY = "away", _("Away all day")
        EXTRA = "extra", _("Extra hours")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    kind = models.CharField(_("change"), max_length=5, choices=Kind.choices)
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="away")
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time")),
                name="exception_extra_has_times",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.kind}"


# Assistants follow bookings at this ratio unless a course says otherwise.
DEFAULT_PARTICIPANTS_PER_ASSISTANT = 4


class CourseStaffing(models.Model):
    """How many supporters a course's sessions need; absent = the defaults below."""

    course = models.OneToOneField(Course, on_delete=models.CASCADE, related_name="staffing")
    leads = models.PositiveSmallIntegerField(_("lead teachers"), default=1)
    receptionists = models.PositiveSmallIntegerField(_("reception"), default=0)
    participants_per_assistant = models.PositiveSmallIntegerField(
        _("participants per assistant"), default=DEFAULT_PARTICIPANTS_PER_ASSISTANT
    )
    assistant_skills = models.JSONField(_("skills assistants need"), default=list, blank=True)

    class Meta:
        verbose_name = _("course staffing")
        verbose_name_plural = _("course staffing")
        constraints = [
            models.CheckConstraint(
                condition=Q(participants_per_assistant__gte=1), name="staffing_ratio_min"
            ),
        ]

    def __str__(self):
        return str(self.course)


class ShiftNeed(models.Model):
    """How many volunteers of one role a session needs, and the skills each must have.

    An assistant need with `follows_bookings` has its count set from the session's booked seats
    (one per `participants_per_assistant`, rounded up), whenever a booking changes.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="shift_needs")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    count = models.PositiveSmallIntegerField(_("people needed"), default=1)
    required_skills = models.JSONField(_("skills needed"), default=list, blank=True)
    follows_bookings = models.BooleanField(_("count follows bookings"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shift need")
        verbose_name_plural = _("shift needs")
        ordering = ["session", "role"]
        constraints = [
            models.UniqueConstraint(fields=["session", "role"], name="need_one_per_role"),
        ]

    # Set for the office pages (volunteers.queries): its assignments, and why places stayed
    # empty after a run.
    rows: list[Assignment]
    missing: int
    reason: str

    def __str__(self):
        return f"{self.session_id} {self.role} ×{self.count}"

    def required_skill_labels(self) -> list[str]:
        return skill_labels(self.required_skills)


class AssignmentQuerySet(models.QuerySet["Assignment"]):
    def holding(self) -> Self:
        """Assignments that fill a place: proposed or accepted."""
        return self.filter(status__in=HOLDING_STATUSES)

    def worked(self) -> Self:
        """Shifts the volunteer actually did (checked in)."""
        return self.filter(checked_in_at__isnull=False)


class Assignment(models.Model):
    """A volunteer on a shift need: the record of volunteer attendance.

    Life: PROPOSED (by matching or the coordinator) → ACCEPTED by the volunteer, or DECLINED
    (the place reopens); CANCELLED when the coordinator unassigns or the session is cancelled.
    At the venue the volunteer (or venue staff, `confirmed_by`) sets `checked_in_at`, then
    `checked_out_at`.

    For reports: 延べ活動人数 (volunteer attendances) = assignments with `checked_in_at` set,
    counted once each, dated by the session's `starts_at`; hours = `checked_out_at -
    checked_in_at` (a shift without a check-out counts the session's planned length, see
    `hours`). `volunteers.queries.hours_per_volunteer` computes both.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        MATCHING = "matching", _("Auto-assign")
        MANUAL = "manual", _("Coordinator")

    need = models.ForeignKey(ShiftNeed, on_delete=models.CASCADE, related_name="assignments")
    # Copied from the need so per-volunteer and per-session reads need no join.
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="assignments")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    source = models.CharField(_("made by"), max_length=10, choices=Source.choices)
    run = models.ForeignKey(
        "MatchingRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    decline_reason = models.CharField(_("reason"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # iCalendar SEQUENCE: raised on every change a calendar should pick up, including a change
    # of the session's time or venue (noticed by `feed_signature` when the feed is read).
    sequence = models.PositiveIntegerField(default=0)
    feed_signature = models.CharField(max_length=120, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["session__starts_at", "pk"]
        indexes = [
            models.Index(fields=["volunteer", "status"], name="assignment_volunteer_status"),
            models.Index(fields=["session", "status"], name="assignment_session_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "volunteer"],
                condition=Q(status__in=["proposed", "accepted"]),
                name="assignment_one_per_session",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="assignment_checkout_after_checkin",
            ),
        ]

    def __str__(self):
        return f"{self.volunteer_id}@{self.session_id} {self.status}"

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def ical_uid(self) -> str:
        return f"assignment-{self.pk}@tsunagu"

    @property
    def hours(self) -> float:
        """Hours worked: check-in to check-out, or the planned length when not checked out."""
        if not self.checked_in_at:
            return 0.0
        end = self.checked_out_at
        if end is None:
            return (self.session.ends_at - self.session.starts_at).total_seconds() / 3600
        return (end - self.checked_in_at).total_seconds() / 3600


HOLDING_STATUSES = (Assignment.Status.PROPOSED, Assignment.Status.ACCEPTED)


class MatchingRun(models.Model):
    """One auto-assign over a period: its progress while running and its result."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # 0–100
    stage = models.CharField(max_length=100, blank=True)
    places = models.PositiveIntegerField(_("places to fill"), default=0)
    covered = models.PositiveIntegerField(_("places filled"), default=0)
    proposed = models.PositiveIntegerField(_("new proposals"), default=0)
    # [{"need": id, "missing": n, "reason": code}], one per need left short.
    unfilled = models.JSONField(default=list, blank=True)
    solver_status = models.CharField(max_length=20, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="run_dates_in_order"
            ),
        ]

    def __str__(self):
        return f"{self.period_start}–{self.period_end} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
