"""Residents booking themselves: a request made on the public pages, the code sent for it,
and the desk's review of the records the web made.

A `WebBooking` holds what the resident typed (names, reading, mobile number) only until the
booking is made: then the names and number live in the registry (matched or new) and are
wiped here. A resident may bring one companion (a spouse, say): their names, reading and, if
given, their own mobile number wait on the same request, and once both are booked together the
companion has a request of their own (`lead` names the first one), so that the desk checks a
companion registered anew just like the booker. One that is never confirmed is deleted after a
day (selfbook.tasks). `CodeSend` counts the codes sent, by a keyed hash of the number (never
the number), so the limits hold in the database whatever the cache forgets.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models import Booking, Session
from residents.models import Resident


def new_token() -> str:
    """The request's address on the code page: unguessable, and nothing personal."""
    return secrets.token_urlsafe(24)


class WebBookingStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the code")
    BOOKED = "booked", _("Booked")


class Review(models.TextChoices):
    NONE = "", _("Not needed (the resident was found in the registry)")
    PENDING = "pending", _("To be checked by the desk")
    CONFIRMED = "confirmed", _("Checked: a new resident")
    MERGED = "merged", _("Merged with an existing record")


class WebBooking(models.Model):
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=WebBookingStatus.choices,
        default=WebBookingStatus.PENDING,
    )
    # What the resident typed, until the booking is made (then wiped: see the module).
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=100, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    consent_contact = models.BooleanField(_("agrees to be contacted"), default=False)
    consent_data_use = models.BooleanField(_("agrees to data use"), default=False)
    # One companion booked together with the resident (optional; wiped like the above). Their
    # own mobile number only helps to find their record, and is never shown.
    companion_family_name = models.CharField(
        _("companion's family name"), max_length=50, blank=True
    )
    companion_given_name = models.CharField(_("companion's given name"), max_length=50, blank=True)
    companion_family_name_kana = models.CharField(
        _("companion's family name (kana)"), max_length=100, blank=True
    )
    companion_given_name_kana = models.CharField(
        _("companion's given name (kana)"), max_length=100, blank=True
    )
    companion_phone = models.CharField(_("companion's mobile phone"), max_length=16, blank=True)
    # When there are not seats for both: both join the waitlist together (else nobody is booked).
    waitlist_together = models.BooleanField(_("waitlist together"), default=False)
    # A companion's own request, made when both were booked: the booker's request.
    lead = models.ForeignKey(
        "self",
        verbose_name=_("booked together with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companions",
        editable=False,
    )
    # The one-time code: only its keyed hash, when it stops working, and wrong tries so far.
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    codes_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    # The form shown once: a double tap on 「確認コードを送る」 finds this request again.
    form_nonce = models.UUIDField(unique=True, editable=False)
    # The booking's request key (classes.booking): a double tap on 「予約する」 books once.
    request_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review = models.CharField(
        _("desk check"), max_length=10, choices=Review.choices, default=Review.NONE, blank=True
    )
    reviewed_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, editable=False)
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("web booking")
        verbose_name_plural = _("web bookings")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["review", "created_at"], name="webbooking_review"),
            models.Index(fields=["status", "created_at"], name="webbooking_status"),
        ]

    def __str__(self) -> str:
        return f"web booking #{self.pk} {self.status}"

    @property
    def has_companion(self) -> bool:
        """A companion is still to be booked with this request (until it is booked)."""
        return bool(self.companion_family_name_kana or self.companion_given_name_kana)


class CodeSend(models.Model):
    """One code sent: by whose number (a keyed hash), when. The limits count these."""

    phone_hash = models.CharField(max_length=64, editable=False)
    sent_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("code sent")
        verbose_name_plural = _("codes sent")
        indexes = [
            models.Index(fields=["phone_hash", "sent_at"], name="codesend_phone"),
            models.Index(fields=["sent_at"], name="codesend_sent_at"),
        ]

    def __str__(self) -> str:
        return f"code {self.sent_at:%Y-%m-%d %H:%M}"
