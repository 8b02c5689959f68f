"""Every change to messages, opt-outs and the call list: one function per verb.

Sending is claimed with a conditional UPDATE (queued -> sending), so two workers never send one
message; a worker that dies holding a claim is found by `messages_send_due` and the provider is
asked whether the message got through before it is queued again.
"""

import datetime
import logging
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import hooks
from notifications.models import (
    OPEN_CALL_STATUSES,
    Answer,
    Call,
    CallOutcome,
    CallStatus,
    Message,
    MessageEvent,
    OptOut,
    Status,
)
from notifications.transports import TransportError, transport_for

logger = logging.getLogger(__name__)

# Replies that opt a number out, and back in (compared after NFKC and upper-casing).
STOP_WORDS = {"停止", "ストップ", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"開始", "START", "UNSTOP"}
# How far back the provider's records are searched for a message a dead worker handed over.
FIND_SENT_MARGIN = datetime.timedelta(minutes=2)
# A batch (the day's reminders) is sent by tasks of this many messages each; a worker that dies
# leaves at most this many for the sender loop.
SEND_TASK_CHUNK = 25
# Messages one pass of the sender loop sends at most.
SEND_BATCH = 500


class NotifyError(Exception):
    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class MessageSpec:
    channel: str
    to: str
    purpose: str
    template_key: str
    text: str
    key: str
    resident_id: int | None = None
    booking_id: int | None = None
    session_id: int | None = None
    about: dict = field(default_factory=dict)


@dataclass
class CallSpec:
    day: datetime.date
    purpose: str
    who: str
    phone: str
    script: str
    key: str
    resident_id: int | None = None
    booking_id: int | None = None
    session_id: int | None = None
    about: dict = field(default_factory=dict)


# --- quiet hours -------------------------------------------------------------------------------


def _clock(text):
    hours, minutes = text.split(":")
    return datetime.time(int(hours), int(minutes))


def quiet_until(now=None):
    """When the quiet hours around `now` end, or None when messages may go out now."""
    local = timezone.localtime(now or timezone.now())
    start, end = _clock(settings.NOTIFY_QUIET_START), _clock(settings.NOTIFY_QUIET_END)
    moment = local.time()
    if start == end:
        return None
    if start > end:  # overnight, e.g. 21:00-09:00
        if moment >= start:
            day = local.date() + datetime.timedelta(days=1)
        elif moment < end:
            day = local.date()
        else:
            return None
    elif start <= moment < end:
        day = local.date()
    else:
        return None
    return datetime.datetime.combine(day, end, tzinfo=local.tzinfo)


# --- queueing ----------------------------------------------------------------------------------


def _event(message_id, status, detail=""):
    MessageEvent.objects.create(message_id=message_id, status=status, detail=detail[:300])


def _enqueue_sends(ids):
    from django_q.brokers import get_broker
    from django_q.tasks import async_task

    broker = get_broker()  # one connection for the whole batch
    if len(ids) == 1:
        async_task("notifications.tasks.send_message", ids[0], broker=broker)
        return
    for start in range(0, len(ids), SEND_TASK_CHUNK):
        chunk = ids[start : start + SEND_TASK_CHUNK]
        async_task("notifications.tasks.send_messages", chunk, broker=broker)


def messages_queue(specs, *, now=None):
    """Log the messages and queue them for sending; keys already logged are left alone.

    Returns the newly created messages. Numbers that opted out are logged as skipped; inside
    the quiet hours a message waits (`not_before`) for the morning. Sending is queued after
    the transaction commits, so a rolled-back change sends nothing.
    """
    now = now or timezone.now()
    specs = list({spec.key: spec for spec in specs}.values())
    if not specs:
        return []
    wait = quiet_until(now)
    with transaction.atomic():
        known = set()
        keys = [spec.key for spec in specs]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            known |= set(Message.objects.filter(key__in=chunk).values_list("key", flat=True))
        fresh = [spec for spec in specs if spec.key not in known]
        phones = {spec.to for spec in fresh}
        opted_out = set(OptOut.objects.filter(phone__in=phones).values_list("phone", flat=True))
        rows = [
            Message(
                channel=spec.channel,
                to=spec.to,
                purpose=spec.purpose,
                template_key=spec.template_key,
                text=spec.text,
                key=spec.key,
                resident_id=spec.resident_id,
                booking_id=spec.booking_id,
                session_id=spec.session_id,
                about=spec.about,
                status=Status.SKIPPED_OPT_OUT if spec.to in opted_out else Status.QUEUED,
                not_before=wait,
                created_at=now,
            )
            for spec in fresh
        ]
        try:
            with transaction.atomic():
                created = Message.objects.bulk_create(rows, batch_size=500)
        except IntegrityError:
            # Another run logged some of the same keys at the same moment: one by one.
            created = []
            for row in rows:
                try:
                    with transaction.atomic():
                        row.save(force_insert=True)
                except IntegrityError:
                    continue
                created.append(row)
        MessageEvent.objects.bulk_create(
            [
                MessageEvent(
                    message=row,
                    status=row.status,
                    detail=f"waits until {timezone.localtime(wait):%Y-%m-%d %H:%M}"
                    if wait and row.status == Status.QUEUED
                    else "",
                    at=now,
                )
                for row in created
            ],
            batch_size=500,
        )
        ready = [row.pk for row in created if row.status == Status.QUEUED and not wait]
        if ready:
            transaction.on_commit(lambda: _enqueue_sends(ready))
    return created


def message_queue(spec, *, now=None):
    """One message (see messages_queue); returns the logged message, new or earlier."""
    created = messages_queue([spec], now=now)
    return created[0] if created else Message.objects.get(key=spec.key)


# --- sending -----------------------------------------------------------------------------------


def _retry_delay(attempts):
    delays = settings.NOTIFY_RETRY_DELAYS
    return datetime.timedelta(seconds=delays[attempts - 1]) if attempts <= len(delays) else None


def message_send(*, message_id, now=None):
    """Send one due message if no one else has claimed it; returns its new status or None."""
    now = now or timezone.now()
    wait = quiet_until(now)
    if wait:
        Message.objects.filter(pk=message_id, status=Status.QUEUED).update(
            not_before=wait, updated_at=now
        )
        return None
    claimed = (
        Message.objects.due(now)
        .filter(pk=message_id)
        .update(status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now, updated_at=now)
    )
    if not claimed:
        return None
    message = Message.objects.get(pk=message_id)
    return _deliver(message, now)


def _finish(message, detail, **fields):
    """Write the outcome unless another worker took the message over meanwhile."""
    fields["updated_at"] = timezone.now()
    with transaction.atomic():
        done = Message.objects.filter(
            pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at
        ).update(**fields)
        if done:
            _event(message.pk, fields["status"], detail)
    return fields["status"] if done else None


def _deliver(message, now):
    try:
        provider_id = transport_for(message.channel).send(message)
    except TransportError as error:
        delay = None if error.permanent else _retry_delay(message.attempts)
        if delay is None:
            return _finish(message, error.message, status=Status.FAILED, error=error.message)
        return _finish(
            message,
            f"{error.message} (attempt {message.attempts}, retry)",
            status=Status.QUEUED,
            error=error.message,
            not_before=now + delay,
        )
    return _finish(
        message,
        f"attempt {message.attempts}",
        status=Status.SENT,
        provider_id=provider_id,
        sent_at=timezone.now(),
        error="",
    )


def _resume_stale(now):
    """Messages whose worker died after claiming them: sent if the provider has them, else
    queued again. Returns how many were looked at."""
    stale_before = now - datetime.timedelta(seconds=settings.NOTIFY_STALE_SECONDS)
    stale = Message.objects.filter(status=Status.SENDING, claimed_at__lt=stale_before)
    count = 0
    for message in stale.order_by("pk")[:SEND_BATCH]:
        # Take the claim over: only one resumer wins.
        if not Message.objects.filter(
            pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at
        ).update(claimed_at=now):
            continue
        since = message.claimed_at - FIND_SENT_MARGIN
        message.claimed_at = now
        count += 1
        try:
            provider_id = transport_for(message.channel).find_sent(message, since)
        except TransportError as error:
            _event(message.pk, Status.SENDING, f"check after a stopped worker: {error.message}")
            continue
        if provider_id:
            _finish(
                message,
                "the provider had it after a stopped worker",
                status=Status.SENT,
                provider_id=provider_id,
                sent_at=now,
            )
        else:
            _finish(message, "worker stopped before sending; queued again", status=Status.QUEUED)
    return count


def messages_send_due(*, now=None, limit=SEND_BATCH):
    """The sender loop's pass: resume stale claims, then send what is due. Returns counts."""
    now = now or timezone.now()
    resumed = _resume_stale(now)
    sent = 0
    if quiet_until(now) is None:
        for message_id in (
            Message.objects.due(now).order_by("pk").values_list("pk", flat=True)[:limit]
        ):
            if message_send(message_id=message_id, now=now) == Status.SENT:
                sent += 1
    return {"resumed": resumed, "sent": sent}


@transaction.atomic
def message_cancel(*, message_id, user=None, reason=""):
    """Staff stop a queued message."""
    done = Message.objects.filter(pk=message_id, status=Status.QUEUED).update(
        status=Status.CANCELLED, updated_at=timezone.now()
    )
    if not done:
        raise NotifyError(_("Only a queued message can be cancelled."), "not_queued")
    who = user.get_username() if user is not None and user.is_authenticated else ""
    _event(message_id, Status.CANCELLED, f"{who} {reason}".strip())


# --- what Twilio tells us ----------------------------------------------------------------------

# Provider statuses (SMS MessageStatus, voice CallStatus) -> ours; others change nothing.
PROVIDER_STATUSES = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "completed": Status.DELIVERED,
    "undelivered": Status.UNDELIVERABLE,
    "failed": Status.UNDELIVERABLE,
    "busy": Status.UNDELIVERABLE,
    "no-answer": Status.UNDELIVERABLE,
    "canceled": Status.UNDELIVERABLE,
}
# A callback may move a message only forward along this order.
_RANK = {Status.SENDING: 0, Status.SENT: 1, Status.DELIVERED: 2, Status.UNDELIVERABLE: 2}


@transaction.atomic
def message_status_report(*, token, provider_status, provider_id="", error_code=""):
    """A delivery status callback; returns the message or None when the token is unknown."""
    message = Message.objects.select_for_update().filter(token=token).first()
    if message is None:
        return None
    ours = PROVIDER_STATUSES.get(provider_status)
    detail = f"provider: {provider_status}" + (f" (error {error_code})" if error_code else "")
    fields = {}
    if ours and _RANK.get(ours, 0) > _RANK.get(message.status, 9):
        fields["status"] = ours
        if ours == Status.DELIVERED:
            fields["delivered_at"] = timezone.now()
        if ours == Status.SENT and message.sent_at is None:
            fields["sent_at"] = timezone.now()
        if ours == Status.UNDELIVERABLE:
            fields["error"] = detail
    if provider_id and not message.provider_id:
        fields["provider_id"] = provider_id
    if fields:
        for name, value in fields.items():
            setattr(message, name, value)
        message.save(update_fields=[*fields, "updated_at"])
    _event(message.pk, message.status, detail)
    if fields.get("status") == Status.UNDELIVERABLE:
        # The resident did not get it: the purpose's app may put them on the call list.
        hooks.unreached.announce(
            hooks.Unreached(
                purpose=message.purpose,
                channel=message.channel,
                to=message.to,
                key=message.key,
                booking_id=message.booking_id,
                resident_id=message.resident_id,
                session_id=message.session_id,
                about=message.about,
            )
        )
    return message


def _reply_for(message, action):
    return hooks.Reply(
        purpose=message.purpose,
        action=action,
        via="voice",
        booking_id=message.booking_id,
        resident_id=message.resident_id,
        session_id=message.session_id,
        about=message.about,
    )


DIGITS = {"1": Answer.CONFIRM, "2": Answer.CANCEL}


def message_voice_answer(*, token, digits, now=None):
    """A key pressed in a voice call. Returns (message, answer or None, error message or "").

    The first answer counts: it is recorded and handed to the purpose's handler in one
    transaction (a refused answer records nothing). Pressing again later changes nothing.
    """
    now = now or timezone.now()
    answer = DIGITS.get((digits or "").strip()[:1])
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(token=token).first()
        if message is None or answer is None:
            return message, None, ""
        if message.answer:
            return message, message.answer, ""
        try:
            with transaction.atomic():
                message.answer = answer
                message.answered_at = now
                message.save(update_fields=["answer", "answered_at", "updated_at"])
                hooks.answer.announce(_reply_for(message, answer))
                _event(message.pk, message.status, f"answer: {digits} ({answer})")
        except hooks.AnswerError as error:
            message.answer = ""
            _event(message.pk, message.status, f"answer {digits} refused: {error.message}")
            return message, None, error.message
    return message, answer, ""


# --- opt-outs ----------------------------------------------------------------------------------


def _keyword(body):
    return unicodedata.normalize("NFKC", body or "").strip().upper().rstrip("。.!！")


@transaction.atomic
def inbound_sms(*, phone, body):
    """A reply to our number: 停止 / STOP opts the number out (and stops what is queued for
    it), 開始 / START opts back in. Returns "opted_out", "opted_in" or ""."""
    word = _keyword(body)
    if word in STOP_WORDS:
        OptOut.objects.get_or_create(phone=phone, defaults={"keyword": word[:20]})
        queued = list(
            Message.objects.filter(to=phone, status=Status.QUEUED).values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=queued).update(
            status=Status.SKIPPED_OPT_OUT, updated_at=timezone.now()
        )
        for message_id in queued:
            _event(message_id, Status.SKIPPED_OPT_OUT, "number opted out")
        return "opted_out"
    if word in START_WORDS:
        OptOut.objects.filter(phone=phone).delete()
        return "opted_in"
    return ""


# --- the call list -----------------------------------------------------------------------------


def calls_add(specs):
    """Put people on the call list; keys already there are left alone. Returns the new calls."""
    specs = list({spec.key: spec for spec in specs}.values())
    if not specs:
        return []
    with transaction.atomic():
        known = set(
            Call.objects.filter(key__in=[s.key for s in specs]).values_list("key", flat=True)
        )
        rows = [
            Call(
                day=spec.day,
                purpose=spec.purpose,
                who=spec.who[:200],
                phone=spec.phone,
                script=spec.script,
                key=spec.key,
                resident_id=spec.resident_id,
                booking_id=spec.booking_id,
                session_id=spec.session_id,
                about=spec.about,
            )
            for spec in specs
            if spec.key not in known
        ]
        return Call.objects.bulk_create(rows)


@transaction.atomic
def call_record_outcome(*, call_id, outcome, user, note="", now=None):
    """Staff log what came of a call. "cancelled" cancels the booking through the purpose's
    handler (in the same transaction: a refused cancel logs nothing)."""
    now = now or timezone.now()
    if outcome not in CallStatus.values or outcome == CallStatus.OPEN:
        raise NotifyError(_("Please choose what came of the call."), "bad_outcome")
    try:
        call = Call.objects.select_for_update().get(pk=call_id)
    except Call.DoesNotExist:
        raise NotifyError(_("This call is no longer on the list."), "unknown_call") from None
    if call.status not in OPEN_CALL_STATUSES:
        raise NotifyError(
            _("This call has already been dealt with: %(outcome)s.")
            % {"outcome": call.get_status_display()},
            "done",
        )
    if outcome == CallStatus.CANCELLED:
        try:
            hooks.answer.announce(
                hooks.Reply(
                    purpose=call.purpose,
                    action=Answer.CANCEL,
                    via="call",
                    booking_id=call.booking_id,
                    resident_id=call.resident_id,
                    session_id=call.session_id,
                    about=call.about,
                    user=user,
                )
            )
        except hooks.AnswerError as error:
            raise NotifyError(error.message, "refused") from None
    call.status = outcome
    call.save(update_fields=["status", "updated_at"])
    CallOutcome.objects.create(
        call=call,
        outcome=outcome,
        note=note[:200],
        by=user if user is not None and user.is_authenticated else None,
        at=now,
    )
    return call
