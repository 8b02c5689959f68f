import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.shortcode import new_short_code, short_code_display
from classes.models import Booking, Session
from residents.models import Resident

# Upper-case letters and digits without 0/O, 1/I: nothing to misread on paper or say wrongly
# on the phone. 32 symbols = 5 bits each, so 26 of them carry 130 random bits.
TOKEN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TOKEN_LENGTH = 26


def new_token():
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class Ticket(models.Model):
    """The unguessable token a booking is shown and scanned by. A reissue revokes the old one."""

    class RevokeReason(models.TextChoices):
        REISSUED = "reissued", _("Replaced by a new ticket")

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="tickets"
    )
    token = models.CharField(_("token"), max_length=32, unique=True, default=new_token)
    # Printed beside the QR code for typing by hand; counts only at its session's venue and day.
    short_code = models.CharField(
        _("short code"), max_length=7, default=new_short_code, db_index=True
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(
        _("revoked because"), max_length=12, choices=RevokeReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(revoked_at__isnull=True),
                name="ticket_one_valid_per_booking",
            ),
        ]

    def __str__(self):
        return f"{self.token[:6]}… ({self.booking_id})"

    @property
    def is_valid(self):
        return self.revoked_at is None

    @property
    def short_code_display(self):
        return short_code_display(self.short_code)


class CheckIn(models.Model):
    """Every check-in attempt, whatever its result; the `ok` rows not undone are attendances."""

    class Result(models.TextChoices):
        OK = "ok", _("Checked in")
        ALREADY = "already_checked_in", _("Already checked in")
        WRONG_SESSION = "wrong_session", _("Booked for another session")
        WRONG_DAY = "wrong_day", _("Booked for another day")
        CANCELLED = "cancelled", _("Booking cancelled")
        WAITLISTED = "waitlisted", _("Still on the waitlist")
        REVOKED = "revoked", _("Ticket replaced by a newer one")
        UNKNOWN = "unknown", _("Unknown ticket")

    class Channel(models.TextChoices):
        CAMERA = "camera", _("Camera scan")
        MANUAL = "manual", _("By name from the roster")
        WALK_IN = "walk_in", _("Walk-in")
        API = "api", _("API")

    nonce = models.UUIDField(_("client nonce"), null=True, blank=True, unique=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    token = models.CharField(_("scanned token"), max_length=64, blank=True)
    # Every scan inserts a row here, so the table carries only the indexes something reads:
    # none on ticket, original, by and undone_by (nothing looks check-ins up by them), and
    # session's comes first in checkin_session_result.
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkins",
        db_index=False,
    )
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.CASCADE, related_name="checkins"
    )
    # The session the staff member was working when they scanned.
    session = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkins",
        db_index=False,
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="checkins"
    )
    # For already_checked_in: the check-in that came first.
    original = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    device = models.CharField(_("device"), max_length=64, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # True until the reports' rollup (reports/rollup.py) has counted this row as it is now:
    # set by the database on insert (the scan's own INSERT needs no extra column or query)
    # and again by whatever changes what the row counts for (an undo, a merge, a moved session).
    rollup_pending = models.BooleanField(default=True, db_default=True, editable=False)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["session", "result"], name="checkin_session_result"),
            models.Index(fields=["at"], name="checkin_at"),
            # Only the few rows the rollup has still to count: cheap to keep, cheap to find.
            models.Index(
                fields=["id"], condition=Q(rollup_pending=True), name="checkin_rollup_pending"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(result="ok", undone_at__isnull=True),
                name="checkin_one_attendance_per_booking",
            ),
        ]

    def __str__(self):
        return f"{self.result} {self.booking_id} {self.at:%Y-%m-%d %H:%M}"


class ScanPassGeneration(models.Model):
    """How many times a user's scanner passes have been revoked (attendance.scanpass).

    A pass carries the generation it was issued under; the scan's read compares it with this
    row, so a logout, a deactivation or a lost role or venue refuses the user's open scanners
    at their next scan. No row is generation 0.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    generation = models.PositiveIntegerField(_("scanner pass generation"), default=0)

    class Meta:
        verbose_name = _("scanner pass generation")
        verbose_name_plural = _("scanner pass generations")

    def __str__(self):
        return f"{self.user_id}: {self.generation}"
