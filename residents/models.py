from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.normalize import format_phone_national, normalize_kana, normalize_name
from residents.wareki import era_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Age bands used by surveys and reports (the citizen survey's own bands).
AGE_BANDS = [
    (0, _("Under 20")),
    (20, _("20s")),
    (30, _("30s")),
    (40, _("40s")),
    (50, _("50s")),
    (60, _("60s")),
    (70, _("70 and over")),
]


def age_band_for(age: int | None) -> StrOrPromise | None:
    if age is None:
        return None
    label = AGE_BANDS[0][1]
    for lower, band in AGE_BANDS:
        if age >= lower:
            label = band
    return label


# How an erased resident is named everywhere (lists, rosters, bookings, the record itself).
ERASED_NAME = _("Erased person")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefer not to say")


class Smartphone(models.TextChoices):
    SMARTPHONE = "smartphone", _("Smartphone")
    FEATURE_PHONE = "feature_phone", _("Feature phone")
    NONE = "none", _("No mobile phone")


class Contact(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Automated voice call")
    STAFF_CALL = "staff_call", _("Call from staff")
    NONE = "none", _("Do not contact")


class ResidentQuerySet(models.QuerySet["Resident"]):
    def active(self) -> Self:
        """Residents that are not merged into another record nor erased."""
        return self.filter(merged_into__isnull=True, erased_at__isnull=True)


class Resident(models.Model):
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=100)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=100)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    phone_mobile = models.CharField(_("mobile phone"), max_length=16, blank=True)
    phone_home = models.CharField(_("home phone"), max_length=16, blank=True)
    smartphone = models.CharField(
        _("phone owned"), max_length=16, choices=Smartphone.choices, default=Smartphone.NONE
    )
    preferred_contact = models.CharField(
        _("preferred contact"), max_length=12, choices=Contact.choices, default=Contact.STAFF_CALL
    )
    district = models.CharField(_("district"), max_length=50, blank=True, db_index=True)
    consent_contact = models.BooleanField(_("agrees to be contacted"), default=False)
    consent_data_use = models.BooleanField(_("agrees to data use"), default=False)
    consent_date = models.DateField(_("date of consent"), null=True, blank=True)
    # When and by whom the consents were last asked and recorded (the desk's script read out);
    # set by the services whenever a consent is recorded or changed.
    consent_recorded_at = models.DateTimeField(
        _("consent recorded at"), null=True, blank=True, editable=False
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    notes = models.TextField(_("notes"), blank=True)

    # Derived search keys, kept in step by save(); never edited directly.
    kana_key = models.CharField(max_length=200, editable=False)
    given_kana_key = models.CharField(max_length=100, editable=False)
    name_key = models.CharField(max_length=100, editable=False)

    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Erasure (消去): the personal fields are overwritten; the row stays, anonymous, so bookings,
    # check-ins and survey answers still count. Set by privacy's erase service only.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    erase_reason = models.CharField(_("reason for erasure"), max_length=200, blank=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["kana_key", "pk"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' whatever
            # the collation; other databases ignore the operator class.
            models.Index(
                fields=["kana_key"], name="resident_kana_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["given_kana_key"],
                name="resident_given_kana_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["phone_mobile"],
                name="resident_mobile_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["phone_home"],
                name="resident_home_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["birth_year"], name="resident_birth_year"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(birth_year__gte=1900, birth_year__lte=2100),
                name="resident_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="resident_not_merged_into_self",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_derived()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {
                "birth_year",
                "kana_key",
                "given_kana_key",
                "name_key",
                "updated_at",
            }
        super().save(*args, **kwargs)

    def refresh_derived(self) -> None:
        """Recompute the derived fields; save() calls it, bulk loaders call it themselves."""
        if self.birth_date:
            self.birth_year = self.birth_date.year
        self.kana_key = normalize_kana(self.family_name_kana + self.given_name_kana)
        self.given_kana_key = normalize_kana(self.given_name_kana)
        self.name_key = normalize_name(self.family_name + self.given_name)

    @staticmethod
    def name_from(family_name: str, given_name: str) -> str:
        """A name as shown everywhere: family name first, as on Japanese forms."""
        return f"{family_name} {given_name}"

    @property
    def full_name(self) -> str:
        if self.erased_at is not None:
            return str(ERASED_NAME)
        return self.name_from(self.family_name, self.given_name)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    def age_on(self, day: datetime.date | None = None) -> int | None:
        day = day or timezone.localdate()
        if self.birth_date:
            before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
            return day.year - self.birth_date.year - before_birthday
        if self.birth_year:
            # Only the year is known: the age they reach this calendar year.
            return day.year - self.birth_year
        return None

    @property
    def age(self) -> int | None:
        return self.age_on()

    @property
    def age_band(self) -> StrOrPromise | None:
        return age_band_for(self.age)

    @property
    def birth_era(self) -> str:
        """The birth year in the Japanese era, e.g. 昭和25年."""
        return era_label(self.birth_year, self.birth_date)

    @property
    def phone_mobile_display(self) -> str:
        return format_phone_national(self.phone_mobile)

    @property
    def phone_home_display(self) -> str:
        return format_phone_national(self.phone_home)

    @property
    def phone_display(self) -> str:
        return self.phone_mobile_display or self.phone_home_display

    @property
    def phone_last4(self) -> str:
        """The last 4 digits of the phone, all that a page confirming identity shows."""
        number = self.phone_mobile or self.phone_home
        return number[-4:] if number else ""

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class ResidentEvent(models.Model):
    """What happened to a resident record and who did it: registration, edits, merges."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Registered")
        UPDATED = "updated", _("Edited")
        MERGED_IN = "merged_in", _("Another record merged into this one")
        MERGED_AWAY = "merged_away", _("Merged into another record")
        ERASED = "erased", _("Personal data erased")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.TextField(blank=True)
    # Names of the Resident fields an edit changed, or a merge copied over; shown as labels.
    fields = models.JSONField(default=list, blank=True)
    # An edit's values before and after: [{"field": name, "old": value, "new": value}], values
    # as stored in JSON (dates in ISO form). Erasure overwrites them with the record.
    changes = models.JSONField(default=list, blank=True)
    other = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    # The labels of `fields`, set for the history page (residents.queries.resident_history).
    field_labels: list[StrOrPromise]
    # (label, old, new) of `changes` as shown, set by residents.queries.resident_history.
    changes_shown: list[tuple[StrOrPromise, str, str]]

    class Meta:
        verbose_name = _("resident history entry")
        verbose_name_plural = _("resident history")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.kind}"
