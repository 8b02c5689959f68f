"""What a one-to-one help session (デジタル活用相談会) was about and how it ended.

A `ConsultationRecord` belongs to one booking of a consultation session (a walk-in has one too:
attendance.walkin books and checks them in), one record per booking. The topics come from an
ordered list the DX office keeps in the admin (`Topic`), seeded with the national programme's
themes. Reports count records by their session's date (its month, its fiscal year), as every
other figure does.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Booking, Category
from residents.models import Resident
from volunteers.models import Assignment


def validate_course_categories(value: object) -> None:
    if not isinstance(value, list) or any(item not in Category.values for item in value):
        raise ValidationError(_("Choose course categories from the list."))


class TopicQuerySet(models.QuerySet["Topic"]):
    def active(self) -> TopicQuerySet:
        return self.filter(is_active=True)


class Topic(models.Model):
    """A theme a resident asks about (LINE, マイナンバーカード…), in the order the form shows."""

    key = models.SlugField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(
        _("shown on the form"),
        default=True,
        help_text=_("A topic no longer asked about stays in the reports of earlier records."),
    )
    course_categories = models.JSONField(
        _("classes to suggest"),
        default=list,
        blank=True,
        validators=[validate_course_categories],
        help_text=_(
            "Course categories suggested when the supporter chooses to book a class after a "
            "consultation about this topic."
        ),
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class Device(models.TextChoices):
    SMARTPHONE = "smartphone", _("Smartphone")
    TABLET = "tablet", _("Tablet")
    FEATURE_PHONE = "feature_phone", _("Feature phone")
    PC = "pc", _("Computer")
    OTHER = "other", _("Other device")
    NONE = "none", _("No device")


# Devices whose operating system the form asks for.
DEVICES_WITH_OS = (Device.SMARTPHONE, Device.TABLET)


class DeviceOS(models.TextChoices):
    IOS = "ios", _("iPhone / iOS")
    ANDROID = "android", _("Android")
    OTHER = "other", _("Other system")
    UNKNOWN = "unknown", _("Not known")


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    PARTLY = "partly", _("Partly resolved")
    NOT_RESOLVED = "not_resolved", _("Not resolved")


class FollowUp(models.TextChoices):
    NONE = "none", _("None")
    CLASS = "class", _("Book a class")
    CONSULTATION = "consultation", _("Another consultation")
    CARRIER = "carrier", _("Refer to the mobile shop")


# Follow-ups the desk acts on: a booking to make (by phone, if not made at the venue).
BOOKING_FOLLOWUPS = (FollowUp.CLASS, FollowUp.CONSULTATION)
# The longest free note; it is for the supporters, never exported.
NOTE_LENGTH = 200
MINUTES_MAX = 480


class ConsultationRecordQuerySet(models.QuerySet["ConsultationRecord"]):
    def followups_open(self) -> ConsultationRecordQuerySet:
        """Records asking for a booking that nobody has made or closed yet."""
        return self.filter(
            followup__in=BOOKING_FOLLOWUPS,
            followup_booking__isnull=True,
            followup_closed_at__isnull=True,
        )


class ConsultationRecord(models.Model):
    booking = models.OneToOneField(
        Booking,
        verbose_name=_("booking"),
        on_delete=models.CASCADE,
        related_name="consultation",
    )
    # Copied from the booking, so a resident's records need no join (and a merge moves them).
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="records")
    device = models.CharField(_("device used"), max_length=16, choices=Device.choices)
    device_os = models.CharField(
        _("phone type"), max_length=8, choices=DeviceOS.choices, blank=True
    )
    resolution = models.CharField(
        _("consultation result"), max_length=14, choices=Resolution.choices
    )
    minutes = models.PositiveSmallIntegerField(_("minutes spent"))
    followup = models.CharField(
        _("follow-up"), max_length=14, choices=FollowUp.choices, default=FollowUp.NONE
    )
    note = models.CharField(_("note"), max_length=NOTE_LENGTH, blank=True)
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The supporter's shift on the session, when the supporter is a volunteer on it.
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("volunteer shift"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultations",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What became of a follow-up: the booking made for it, or closed by the desk without one.
    followup_booking = models.ForeignKey(
        Booking,
        verbose_name=_("follow-up booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    followup_closed_at = models.DateTimeField(_("follow-up closed at"), null=True, blank=True)
    followup_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsultationRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation record")
        verbose_name_plural = _("consultation records")
        ordering = ["recorded_at", "pk"]
        indexes = [
            models.Index(
                fields=["recorded_at"],
                condition=Q(
                    followup__in=["class", "consultation"],
                    followup_booking__isnull=True,
                    followup_closed_at__isnull=True,
                ),
                name="consultation_followup_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=MINUTES_MAX),
                name="consultation_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} {self.resolution}"

    @property
    def corrected(self) -> bool:
        """Changed by someone other than its writer, or after the day it was written: the record
        then says who changed it and when."""
        if self.updated_by_id is None:
            return False
        later = timezone.localdate(self.updated_at) != timezone.localdate(self.recorded_at)
        return later or self.updated_by_id != self.supporter_id

    @property
    def followup_is_open(self) -> bool:
        return (
            self.followup in BOOKING_FOLLOWUPS
            and self.followup_booking_id is None
            and self.followup_closed_at is None
        )
