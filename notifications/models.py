"""The message log is the model: every SMS and voice call, every attempt, every answer.

Notifications imports none of our apps. What a message is about is kept as plain ids
(resident, booking, session, volunteer shift), so the log outlives any of them.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def new_token():
    return secrets.token_urlsafe(16)


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    # The last attempt may have reached the provider (no answer came): it is asked before any
    # retry, at `not_before`.
    UNKNOWN = "unknown", _("Checking whether it was sent")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED_OPT_OUT = "skipped_opt_out", _("Not sent: number opted out")


class Purpose(models.TextChoices):
    CONFIRMATION = "confirmation", _("Booking confirmation")
    REMINDER = "reminder", _("Day-before reminder")
    OFFER = "offer", _("Waitlist offer")
    SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
    SESSION_MOVED = "session_moved", _("Session date or venue changed")
    SHIFT_PROPOSAL = "shift_proposal", _("Shift proposal")
    SHIFT_REMINDER = "shift_reminder", _("Shift reminder")
    SHIFT_CANCELLED = "shift_cancelled", _("Shift cancelled")
    SHIFT_MOVED = "shift_moved", _("Shift date or venue changed")
    OTHER = "other", _("Other")


class Answer(models.TextChoices):
    CONFIRM = "confirm", _("Confirmed")
    CANCEL = "cancel", _("Asked to cancel")


# A message in these states may be at the provider with its outcome not yet written down.
IN_FLIGHT_STATUSES = (Status.SENDING, Status.UNKNOWN)


class MessageQuerySet(models.QuerySet["Message"]):
    def due(self, now: datetime.datetime | None = None) -> "MessageQuerySet":
        now = now or timezone.now()
        return self.filter(status=Status.QUEUED).filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now)
        )


class Message(models.Model):
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    to = models.CharField(_("to"), max_length=16, help_text=_("E.164, e.g. +819012345678"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    template_key = models.CharField(_("template"), max_length=40)
    text = models.TextField(_("text"))
    # What the message is about, as plain ids (notifications imports none of our apps).
    resident_id = models.BigIntegerField(_("resident"), null=True, blank=True)
    booking_id = models.BigIntegerField(_("booking"), null=True, blank=True)
    session_id = models.BigIntegerField(_("session"), null=True, blank=True)
    about = models.JSONField(_("about"), default=dict, blank=True)
    # One message per key: re-running a task finds the row instead of sending again.
    key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    # Names the message in webhook addresses (never the pk, never personal data).
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    provider_id = models.CharField(_("provider id"), max_length=64, blank=True, db_index=True)
    error = models.TextField(_("error"), blank=True)
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "not_before"], name="message_due"),
            models.Index(fields=["resident_id", "-created_at"], name="message_resident"),
            models.Index(fields=["-created_at"], name="message_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
            # One message per number and channel at a time between claim and outcome: what the
            # provider lists for that number since then can only be this message's.
            models.UniqueConstraint(
                fields=["channel", "to"],
                condition=Q(status__in=["sending", "unknown"]),
                name="message_one_in_flight_per_number",
            ),
        ]

    def __str__(self):
        return f"{self.channel} {self.purpose} {self.status} #{self.pk}"

    @property
    def text_shown(self) -> str:
        """The text as staff pages show it: secrets the sender named in `about["conceal"]` (a
        one-time code) are blanked, so reading the log never gives a stranger's code."""
        text = self.text
        for secret in self.about.get("conceal", ()):
            text = text.replace(secret, "●" * len(secret))
        return text

    @property
    def error_display(self) -> str:
        """The error in the reader's words where it is the network's report ("undelivered
        30003"); the provider's own error text otherwise (staff may pass it on)."""
        status, _space, code = self.error.partition(" ")
        if status not in PROVIDER_STATUS_LABELS:
            return self.error
        return provider_report(status, code)


# What the network reports of a message (Twilio's MessageStatus and CallStatus), in our words.
PROVIDER_STATUS_LABELS = {
    "queued": _("waiting at the provider"),
    "accepted": _("accepted by the provider"),
    "sending": _("being sent"),
    "sent": _("sent by the provider"),
    "delivered": _("delivered"),
    "read": _("read"),
    "initiated": _("dialling"),
    "ringing": _("ringing"),
    "in-progress": _("answered"),
    "completed": _("call ended"),
    "undelivered": _("not delivered"),
    "failed": _("could not be sent"),
    "busy": _("line busy"),
    "no-answer": _("no answer"),
    "canceled": _("cancelled by the provider"),
}
# Twilio's error codes staff meet most, said plainly; others show the bare code.
PROVIDER_ERRORS = {
    "21211": _("the number is not valid"),
    "21610": _("the number asked us to stop (STOP)"),
    "21614": _("the number cannot receive SMS"),
    "30003": _("the phone could not be reached (switched off or out of range)"),
    "30005": _("the number does not exist or is no longer in use"),
    "30006": _("a landline, or a network that cannot take SMS"),
    "30007": _("stopped by the phone company as unwanted"),
    "30008": _("an unknown error at the phone company"),
}


def provider_report(status: str, code: str = "") -> str:
    """「届きませんでした（エラー 30003: 電源が入っていないか圏外）」"""
    label = str(PROVIDER_STATUS_LABELS.get(status, status))
    if not code:
        return label
    meaning = PROVIDER_ERRORS.get(code)
    error = (
        gettext("error %(code)s: %(meaning)s") % {"code": code, "meaning": meaning}
        if meaning
        else gettext("error %(code)s") % {"code": code}
    )
    return f"{label}（{error}）"


class MessageEvent(models.Model):
    """One line of a message's history: an attempt, an error, a status callback, an answer.

    `detail` is an English message id and `params` the values it names: the line is translated
    when shown (`text`), so staff read it in their language whatever the worker's was."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=16, choices=Status.choices)
    detail = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message history entry")
        verbose_name_plural = _("message history")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.message_id} {self.status}"

    def text(self) -> str:
        if not self.detail:
            return ""
        values = dict(self.params)
        if "status" in values:
            values["status"] = provider_report(values["status"], values.pop("code", ""))
        if "answer" in values:
            values["answer"] = str(dict(Answer.choices).get(values["answer"], values["answer"]))
        try:
            return gettext(self.detail) % values if values else gettext(self.detail)
        except (KeyError, TypeError, ValueError):  # a line written before params existed
            return self.detail


class PauseEnd(models.TextChoices):
    SETTINGS_CHANGED = "settings_changed", _("The credentials in the settings changed")
    SENT_AGAIN = "sent_again", _("A later try went through")
    STAFF = "staff", _("Staff asked to try again")


class SendingPauseQuerySet(models.QuerySet["SendingPause"]):
    def open(self) -> "SendingPauseQuerySet":
        return self.filter(ended_at__isnull=True)


class SendingPause(models.Model):
    """Sending stopped because the provider refused our credentials (Twilio 401/403): queued
    messages wait instead of failing. It ends when the credentials in the settings change
    (`fingerprint` names the refused ones), when a later try goes through, or when staff ask
    to try again. Rows are kept: when sending stopped, why, and what ended it."""

    transport = models.CharField(_("transport"), max_length=20)
    fingerprint = models.CharField(max_length=64, editable=False)
    error = models.CharField(_("error"), max_length=300)
    started_at = models.DateTimeField(_("paused at"), default=timezone.now)
    # The next moment one message may try again.
    probe_after = models.DateTimeField()
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_why = models.CharField(
        _("ended because"), max_length=20, choices=PauseEnd.choices, blank=True
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SendingPauseQuerySet.as_manager()
    # Set by notifications.queries.sending_pause: the credentials changed since the pause.
    settings_changed = False

    class Meta:
        verbose_name = _("sending pause")
        verbose_name_plural = _("sending pauses")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["transport"],
                condition=Q(ended_at__isnull=True),
                name="sending_pause_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.transport} paused {self.started_at:%Y-%m-%d %H:%M}"


class OptOut(models.Model):
    """A number that replied 停止 / STOP: nothing more is sent to it."""

    phone = models.CharField(_("phone"), max_length=16, unique=True)
    keyword = models.CharField(_("reply"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("opted out at"), default=timezone.now)

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self):
        return self.phone


class CallStatus(models.TextChoices):
    OPEN = "open", _("To call")
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    CANCELLED = "cancelled", _("Cancelled the booking")
    CALL_AGAIN = "call_again", _("Call again")
    # Set by the system, not by staff: what the call was for has gone (the offer was taken or
    # declined, the booking cancelled). It leaves the call list.
    NOT_NEEDED = "not_needed", _("No longer needed")


# A call-list line made because an automated message did not get through says so.
UNREACHED_NOTES = {
    Channel.VOICE: _("The automated call did not get through (no answer or busy)."),
    Channel.SMS: _("The SMS could not be delivered."),
}

# Calls in these states are still on the list.
OPEN_CALL_STATUSES = (CallStatus.OPEN, CallStatus.NO_ANSWER, CallStatus.CALL_AGAIN)


class Call(models.Model):
    """A line on the staff's daily call list: who to phone, why, and what to read out."""

    day = models.DateField(_("day"))
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    who = models.CharField(_("who"), max_length=200)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    script = models.TextField(_("script"))
    resident_id = models.BigIntegerField(_("resident"), null=True, blank=True)
    booking_id = models.BigIntegerField(_("booking"), null=True, blank=True)
    session_id = models.BigIntegerField(_("session"), null=True, blank=True)
    about = models.JSONField(_("about"), default=dict, blank=True)
    key = models.CharField(max_length=120, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The other open calls to the same number on the list (notifications.queries.call_list).
    same_number: list["Call"]

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("call list")
        ordering = ["day", "pk"]
        indexes = [models.Index(fields=["status", "day"], name="call_open_day")]

    def __str__(self):
        return f"{self.day} {self.purpose} {self.who}"

    @property
    def unreached_note(self):
        """Why someone who gets automated messages is on the list: one did not reach them."""
        return UNREACHED_NOTES.get(self.about.get("unreached"), "")


class CallOutcome(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="outcomes")
    outcome = models.CharField(_("outcome"), max_length=12, choices=CallStatus.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call outcome")
        verbose_name_plural = _("call outcomes")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.call_id} {self.outcome}"
