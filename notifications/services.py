"""Every change to messages, opt-outs and the call list: one function per verb.

Sending is claimed with a conditional UPDATE (queued -> sending), so two workers never send one
message, and only one message per number is in flight at a time. An attempt whose outcome is not
known (no answer after the request went out, or a worker that died holding its claim) becomes
"unknown": the provider is asked whether it got the message before any retry, so a resident
never gets it twice. Credentials the provider refuses pause all sending until they change.
"""

import datetime
import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications import hooks
from notifications.models import (
    IN_FLIGHT_STATUSES,
    OPEN_CALL_STATUSES,
    Answer,
    Call,
    CallOutcome,
    CallStatus,
    Message,
    MessageEvent,
    OptOut,
    PauseEnd,
    SendingPause,
    Status,
)
from notifications.transports import (
    Failure,
    TransportError,
    credentials_fingerprint,
    transport_for,
)

logger = logging.getLogger(__name__)

# Replies that opt a number out, and back in (compared after NFKC and upper-casing).
STOP_WORDS = {"停止", "ストップ", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"開始", "START", "UNSTOP"}
WAITS = gettext_noop("waits until %(time)s (quiet hours)")
WITHDRAWN = gettext_noop("not sent: %(why)s")
WORKER_STOPPED = gettext_noop("the worker sending it stopped: asking the provider")
# How far back the provider's records are searched for a message a dead worker handed over.
FIND_SENT_MARGIN = datetime.timedelta(minutes=2)
# A batch (the day's reminders) is sent by tasks of this many messages each; a worker that dies
# leaves at most this many for the sender loop.
SEND_TASK_CHUNK = 25
# Messages one pass of the sender loop sends at most.
SEND_BATCH = 500


class NotifyError(Exception):
    def __init__(self, message: str, code: str = "invalid") -> None:
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
    about: dict[str, Any] = field(default_factory=dict)


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
    about: dict[str, Any] = field(default_factory=dict)


# --- quiet hours -------------------------------------------------------------------------------


def _clock(text: str) -> datetime.time:
    hours, minutes = text.split(":")
    return datetime.time(int(hours), int(minutes))


def quiet_until(now: datetime.datetime | None = None) -> datetime.datetime | None:
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


# A history entry's detail: an English message id marked for translation (gettext_noop) and
# the values it names, translated when shown (MessageEvent.text), in the reader's language.
Note = tuple[str, dict[str, Any]]
NO_NOTE: Note = ("", {})


def note(text: str, **values: Any) -> Note:
    return text, {name: str(value)[:200] for name, value in values.items()}


def _event(message_id: int, status: str, detail: Note = NO_NOTE) -> None:
    text, values = detail
    MessageEvent.objects.create(
        message_id=message_id, status=status, detail=text[:300], params=values
    )


def _enqueue_sends(ids: list[int]) -> None:
    from django_q.brokers import get_broker
    from django_q.tasks import async_task

    broker = get_broker()  # one connection for the whole batch
    if len(ids) == 1:
        async_task("notifications.tasks.send_message", ids[0], broker=broker)
        return
    for start in range(0, len(ids), SEND_TASK_CHUNK):
        chunk = ids[start : start + SEND_TASK_CHUNK]
        async_task("notifications.tasks.send_messages", chunk, broker=broker)


def messages_queue(
    specs: Iterable[MessageSpec], *, now: datetime.datetime | None = None
) -> list[Message]:
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
        known: set[str] = set()
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
        created: list[Message]
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
                    detail=WAITS if waits else "",
                    params={"time": f"{timezone.localtime(wait):%Y-%m-%d %H:%M}"} if waits else {},
                    at=now,
                )
                for row in created
                for waits in [bool(wait) and row.status == Status.QUEUED]
            ],
            batch_size=500,
        )
        ready = [row.pk for row in created if row.status == Status.QUEUED and not wait]
        if ready:
            transaction.on_commit(lambda: _enqueue_sends(ready))
    return created


def message_queue(spec: MessageSpec, *, now: datetime.datetime | None = None) -> Message:
    """One message (see messages_queue); returns the logged message, new or earlier."""
    created = messages_queue([spec], now=now)
    return created[0] if created else Message.objects.get(key=spec.key)


# --- sending -----------------------------------------------------------------------------------

# `_deliver` and `_resolve` say so when the provider refused the credentials: the pass stops.
PAUSED = "paused"


class SendPass(TypedDict):
    resumed: int  # claims of stopped workers handed to the lookup
    resolved: int  # unknown outcomes settled by asking the provider
    sent: int
    paused: bool  # the provider refused the credentials: nothing goes out until fixed


def _retry_delay(attempts: int) -> datetime.timedelta | None:
    delays = settings.NOTIFY_RETRY_DELAYS
    return datetime.timedelta(seconds=delays[attempts - 1]) if attempts <= len(delays) else None


def _lookup_delay() -> datetime.timedelta:
    """How long after an unanswered send the provider is asked: its lists may not show a
    message created a moment ago, so not at once, but after the first retry delay."""
    delays = settings.NOTIFY_RETRY_DELAYS
    return datetime.timedelta(seconds=delays[0] if delays else 60)


def _at(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M:%S}"


def _unreached(message: Message) -> hooks.Unreached:
    """The resident did not get `message` (it failed, or the provider reports it undelivered):
    what the purpose's app needs to put them on the call list."""
    return hooks.Unreached(
        purpose=message.purpose,
        channel=message.channel,
        to=message.to,
        key=message.key,
        booking_id=message.booking_id,
        resident_id=message.resident_id,
        session_id=message.session_id,
        about=message.about,
    )


def message_send(*, message_id: int, now: datetime.datetime | None = None) -> str | None:
    """Send one due message if no one else has claimed it; returns its new status, or None when
    it was not sent now (not due, claimed elsewhere, quiet hours, sending paused)."""
    now = now or timezone.now()
    wait = quiet_until(now)
    if wait:
        Message.objects.filter(pk=message_id, status=Status.QUEUED).update(
            not_before=wait, updated_at=now
        )
        return None
    gate = _pause_gate(now)
    if gate == "closed":
        return None
    status = _send(message_id, now, probe=gate == "probe")
    return Status.QUEUED if status == PAUSED else status


def _claim(message_id: int, now: datetime.datetime) -> bool:
    try:
        with transaction.atomic():
            return bool(
                Message.objects.due(now)
                .filter(pk=message_id)
                .update(
                    status=Status.SENDING,
                    attempts=F("attempts") + 1,
                    claimed_at=now,
                    updated_at=now,
                )
            )
    except IntegrityError:
        # Another message to this number is in flight; this one waits for the next pass.
        return False


def _send(message_id: int, now: datetime.datetime, *, probe: bool) -> str | None:
    if not _claim(message_id, now):
        return None
    message = Message.objects.get(pk=message_id)
    return _deliver(message, now, probe=probe)


def _finish(message: Message, detail: Note, **fields: Any) -> str | None:
    """Write the outcome unless another worker took the message over meanwhile. A message that
    failed puts its resident on the call list (the purpose's app decides), in the same
    transaction."""
    fields["updated_at"] = timezone.now()
    with transaction.atomic():
        done = Message.objects.filter(
            pk=message.pk, status=Status.SENDING, claimed_at=message.claimed_at
        ).update(**fields)
        if done:
            _event(message.pk, fields["status"], detail)
            if fields["status"] == Status.FAILED:
                hooks.unreached.announce(_unreached(message))
    return fields["status"] if done else None


def _deliver(message: Message, now: datetime.datetime, *, probe: bool = False) -> str | None:
    try:
        provider_id = transport_for(message.channel).send(message)
    except TransportError as error:
        return _failed_attempt(message, error, now)
    if probe:
        _pause_end(now, PauseEnd.SENT_AGAIN)
    return _finish(
        message,
        note(gettext_noop("attempt %(attempt)s"), attempt=message.attempts),
        status=Status.SENT,
        provider_id=provider_id,
        sent_at=timezone.now(),
        error="",
    )


def _failed_attempt(message: Message, error: TransportError, now: datetime.datetime) -> str | None:
    attempt = message.attempts
    if error.kind == Failure.AUTH:
        _pause_start(error, now)
        _finish(
            message,
            note(
                gettext_noop("%(error)s: sending paused; not counted as an attempt"),
                error=error.message,
            ),
            status=Status.QUEUED,
            attempts=F("attempts") - 1,
            error=error.message,
        )
        return PAUSED
    if error.kind == Failure.UNKNOWN:
        ask_at = now + _lookup_delay()
        return _finish(
            message,
            note(
                gettext_noop(
                    "%(error)s (attempt %(attempt)s): it may have reached the provider, "
                    "which is asked at %(time)s before any retry"
                ),
                error=error.message,
                attempt=attempt,
                time=_at(ask_at),
            ),
            status=Status.UNKNOWN,
            error=error.message,
            not_before=ask_at,
        )
    delay = None if error.permanent else _retry_delay(attempt)
    if delay is None:
        return _finish(
            message,
            note(gettext_noop("%(error)s"), error=error.message),
            status=Status.FAILED,
            error=error.message,
        )
    return _finish(
        message,
        note(
            gettext_noop("%(error)s (attempt %(attempt)s, retry)"),
            error=error.message,
            attempt=attempt,
        ),
        status=Status.QUEUED,
        error=error.message,
        not_before=now + delay,
    )


def _resume_stale(now: datetime.datetime) -> int:
    """Messages whose worker died after claiming them: their outcome is unknown, so they go to
    the lookup (at once: the claim is old enough for the provider's lists to show them).
    Returns how many."""
    stale_before = now - datetime.timedelta(seconds=settings.NOTIFY_STALE_SECONDS)
    stale = Message.objects.filter(status=Status.SENDING, claimed_at__lt=stale_before)
    count = 0
    for message_id, claimed_at in stale.order_by("pk").values_list("pk", "claimed_at")[:SEND_BATCH]:
        with transaction.atomic():
            # Take the claim over: only one resumer wins.
            if not Message.objects.filter(
                pk=message_id, status=Status.SENDING, claimed_at=claimed_at
            ).update(status=Status.UNKNOWN, not_before=now, updated_at=now):
                continue
            _event(message_id, Status.UNKNOWN, note(WORKER_STOPPED))
        count += 1
    return count


def _resolve(
    message: Message,
    now: datetime.datetime,
    *,
    attempted_at: datetime.datetime | None,
    probe: bool = False,
) -> str | None:
    """Ask the provider whether a message whose outcome is unknown (claimed by this caller) got
    through: sent if one of its records is this message's, else sent again (or failed when its
    retries are used up). `attempted_at`: the claim of the attempt in doubt; the provider's
    record of it is newer (the margin covers the two clocks)."""
    since = (attempted_at or message.created_at) - FIND_SENT_MARGIN
    try:
        found = transport_for(message.channel).find_sent(message, since)
    except TransportError as error:
        if error.kind == Failure.AUTH:
            _pause_start(error, now)
            _finish(
                message,
                note(
                    gettext_noop("could not ask the provider: %(error)s; sending paused"),
                    error=error.message,
                ),
                status=Status.UNKNOWN,
                not_before=now,
                claimed_at=attempted_at,
            )
            return PAUSED
        ask_at = now + _lookup_delay()
        return _finish(
            message,
            note(
                gettext_noop("could not ask the provider: %(error)s; asking again at %(time)s"),
                error=error.message,
                time=_at(ask_at),
            ),
            status=Status.UNKNOWN,
            not_before=ask_at,
            claimed_at=attempted_at,  # the next lookup looks from the same attempt
        )
    if probe:
        _pause_end(now, PauseEnd.SENT_AGAIN)
    # A record another message already owns is not this one (same text to a shared number).
    owned = set(
        Message.objects.filter(provider_id__in=found)
        .exclude(pk=message.pk)
        .values_list("provider_id", flat=True)
    )
    provider_id = next((sid for sid in found if sid not in owned), None)
    if provider_id:
        return _finish(
            message,
            note(gettext_noop("the provider has it (%(id)s): sent"), id=provider_id),
            status=Status.SENT,
            provider_id=provider_id,
            sent_at=now,
            error="",
        )
    if _retry_delay(message.attempts) is None:
        return _finish(
            message,
            note(gettext_noop("the provider does not have it; no retries left")),
            status=Status.FAILED,
        )
    return _finish(
        message,
        note(gettext_noop("the provider does not have it: sending again")),
        status=Status.QUEUED,
        not_before=now,
    )


def messages_send_due(*, now: datetime.datetime | None = None, limit: int = SEND_BATCH) -> SendPass:
    """The sender loop's pass: hand claims of stopped workers to the lookup, settle unknown
    outcomes by asking the provider, then send what is due (not in the quiet hours). While
    sending is paused it does nothing but let one message try again now and then."""
    now = now or timezone.now()
    done = SendPass(resumed=_resume_stale(now), resolved=0, sent=0, paused=False)
    gate = _pause_gate(now)
    if gate == "closed":
        done["paused"] = True
        return done
    probe = gate == "probe"  # the first message to reach the provider tells
    unknown = Message.objects.filter(status=Status.UNKNOWN, not_before__lte=now)
    for message in unknown.order_by("not_before", "pk")[:limit]:
        # Take it over: only one caller asks (not_before changes when a lookup fails).
        if not Message.objects.filter(
            pk=message.pk, status=Status.UNKNOWN, not_before=message.not_before
        ).update(status=Status.SENDING, claimed_at=now, updated_at=now):
            continue
        attempted_at = message.claimed_at
        message.status, message.claimed_at = Status.SENDING, now
        outcome = _resolve(message, now, attempted_at=attempted_at, probe=probe)
        probe = False
        if outcome == PAUSED:
            done["paused"] = True
            return done
        done["resolved"] += outcome != Status.UNKNOWN  # not when the lookup itself failed
    if quiet_until(now) is not None:
        return done
    for message_id in Message.objects.due(now).order_by("pk").values_list("pk", flat=True)[:limit]:
        status = _send(message_id, now, probe=probe)
        if status is None:
            continue  # claimed elsewhere, or its number busy: the probe waits for the next
        probe = False
        if status == PAUSED:
            done["paused"] = True
            break
        done["sent"] += status == Status.SENT
    return done


# --- pausing for refused credentials -----------------------------------------------------------


def _pause_gate(now: datetime.datetime) -> str:
    """ "open" when sending is not paused; "closed" while it is; "probe" for the one caller
    that may try again now (at most every NOTIFY_PAUSE_PROBE_SECONDS). A pause for
    credentials other than the current settings' ends here: the settings were fixed."""
    pause = SendingPause.objects.open().filter(transport=settings.NOTIFY_TRANSPORT).first()
    if pause is None:
        return "open"
    if pause.fingerprint != credentials_fingerprint():
        _pause_end(now, PauseEnd.SETTINGS_CHANGED)
        return "open"
    next_probe = now + datetime.timedelta(seconds=settings.NOTIFY_PAUSE_PROBE_SECONDS)
    taken = SendingPause.objects.filter(
        pk=pause.pk, ended_at__isnull=True, probe_after__lte=now
    ).update(probe_after=next_probe)
    return "probe" if taken else "closed"


def _pause_start(error: TransportError, now: datetime.datetime) -> None:
    """The provider refused the credentials: pause sending (or keep it paused) for them."""
    fields = {
        "fingerprint": credentials_fingerprint(),
        "error": error.message[:300],
        "probe_after": now + datetime.timedelta(seconds=settings.NOTIFY_PAUSE_PROBE_SECONDS),
    }
    transport = settings.NOTIFY_TRANSPORT
    with transaction.atomic():
        if SendingPause.objects.open().filter(transport=transport).update(**fields):
            return
        try:
            with transaction.atomic():
                SendingPause.objects.create(transport=transport, started_at=now, **fields)
        except IntegrityError:
            return  # another worker paused it at the same moment
    logger.warning("Sending paused: the provider refused the credentials (%s)", error.message)


def _pause_end(now: datetime.datetime, why: str, user: Any = None) -> int:
    ended = (
        SendingPause.objects.open()
        .filter(transport=settings.NOTIFY_TRANSPORT)
        .update(ended_at=now, ended_why=why, ended_by=user)
    )
    if ended:
        logger.warning("Sending resumed (%s)", why)
    return ended


@transaction.atomic
def sending_resume(*, user: Any, now: datetime.datetime | None = None) -> None:
    """Staff ask to try sending again now: the pause ends and a sender pass is queued. If the
    provider refuses the credentials again, the first message pauses sending again."""
    now = now or timezone.now()
    staff = user if user is not None and user.is_authenticated else None
    if not _pause_end(now, PauseEnd.STAFF, user=staff):
        raise NotifyError(_("Sending is not paused."), "not_paused")
    transaction.on_commit(_enqueue_send_due)


def _enqueue_send_due() -> None:
    from django_q.tasks import async_task

    async_task("notifications.tasks.send_due")


@transaction.atomic
def message_cancel(*, message_id: int, user: Any = None, reason: str = "") -> None:
    """Staff stop a queued message."""
    done = Message.objects.filter(pk=message_id, status=Status.QUEUED).update(
        status=Status.CANCELLED, updated_at=timezone.now()
    )
    if not done:
        raise NotifyError(_("Only a queued message can be cancelled."), "not_queued")
    who = user.get_username() if user is not None and user.is_authenticated else ""
    _event(
        message_id,
        Status.CANCELLED,
        note(gettext_noop("cancelled by %(who)s %(reason)s"), who=who, reason=reason),
    )


# --- what Twilio tells us ----------------------------------------------------------------------

# Provider statuses (SMS MessageStatus, voice CallStatus) -> ours; others change nothing.
PROVIDER_STATUSES: dict[str, str] = {
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
_RANK: dict[str | None, int] = {
    Status.SENDING: 0,
    Status.UNKNOWN: 0,
    Status.SENT: 1,
    Status.DELIVERED: 2,
    Status.UNDELIVERABLE: 2,
}


@transaction.atomic
def message_status_report(
    *, token: str, provider_status: str, provider_id: str = "", error_code: str = ""
) -> Message | None:
    """A delivery status callback; returns the message or None when the token is unknown.

    The callback names the message by its token, so one with the provider's id for a message
    still waiting on its outcome (in flight, unknown, or queued again after an error answer or
    a lookup that came too early) proves the provider has it: it is sent, and nothing sends it
    again."""
    message = Message.objects.select_for_update().filter(token=token).first()
    if message is None:
        return None
    ours = PROVIDER_STATUSES.get(provider_status)
    current = _RANK.get(message.status, 9)
    if provider_id and message.status in (Status.QUEUED, *IN_FLIGHT_STATUSES):
        current = 0
        if _RANK.get(ours, 0) < _RANK[Status.SENT]:
            ours = Status.SENT
    detail = (
        note(
            gettext_noop("provider: %(status)s"),
            status=provider_status,
            code=error_code,
        )
        if error_code
        else note(gettext_noop("provider: %(status)s"), status=provider_status)
    )
    fields: dict[str, Any] = {}
    if ours and _RANK.get(ours, 0) > current:
        fields["status"] = ours
        if ours == Status.DELIVERED:
            fields["delivered_at"] = timezone.now()
        if ours != Status.UNDELIVERABLE and message.sent_at is None:
            fields["sent_at"] = timezone.now()
            fields["error"] = ""  # an earlier attempt's error no longer tells anything
        if ours == Status.UNDELIVERABLE:
            fields["error"] = f"{provider_status} {error_code}".strip()
    if provider_id and not message.provider_id:
        fields["provider_id"] = provider_id
    if fields:
        for name, value in fields.items():
            setattr(message, name, value)
        message.save(update_fields=[*fields, "updated_at"])
    _event(message.pk, message.status, detail)
    if fields.get("status") == Status.UNDELIVERABLE:
        # The resident did not get it: the purpose's app may put them on the call list.
        hooks.unreached.announce(_unreached(message))
    return message


def _reply_for(message: Message, action: str) -> hooks.Reply:
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


def message_voice_answer(
    *, token: str, digits: str | None, now: datetime.datetime | None = None
) -> tuple[Message | None, str | None, str]:
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
                _event(
                    message.pk,
                    message.status,
                    note(
                        gettext_noop("answer: %(digits)s (%(answer)s)"),
                        digits=digits,
                        answer=answer,
                    ),
                )
        except hooks.AnswerError as error:
            message.answer = ""
            _event(
                message.pk,
                message.status,
                note(
                    gettext_noop("answer %(digits)s refused: %(error)s"),
                    digits=digits,
                    error=error.message,
                ),
            )
            return message, None, error.message
    return message, answer, ""


# --- opt-outs ----------------------------------------------------------------------------------


def _keyword(body: str | None) -> str:
    return unicodedata.normalize("NFKC", body or "").strip().upper().rstrip("。.!！")


@transaction.atomic
def inbound_sms(*, phone: str, body: str | None) -> str:
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
            _event(message_id, Status.SKIPPED_OPT_OUT, note(gettext_noop("number opted out")))
        return "opted_out"
    if word in START_WORDS:
        OptOut.objects.filter(phone=phone).delete()
        return "opted_in"
    return ""


# --- the call list -----------------------------------------------------------------------------


def calls_add(specs: Iterable[CallSpec]) -> list[Call]:
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
def call_record_outcome(
    *, call_id: int, outcome: str, user: Any, note: str = "", now: datetime.datetime | None = None
) -> Call:
    """Staff log what came of a call. "cancelled" cancels the booking through the purpose's
    handler (in the same transaction: a refused cancel logs nothing)."""
    now = now or timezone.now()
    if outcome not in CallStatus.values or outcome in (CallStatus.OPEN, CallStatus.NOT_NEEDED):
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


def calls_withdraw(
    *, call_ids: Iterable[int], why: str, now: datetime.datetime | None = None
) -> int:
    """Take calls whose purpose has gone off the list (the purpose's app decides which); the
    ones staff have dealt with meanwhile are left as they are. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        open_ids = list(
            Call.objects.select_for_update()
            .filter(pk__in=list(call_ids), status__in=OPEN_CALL_STATUSES)
            .values_list("pk", flat=True)
        )
        Call.objects.filter(pk__in=open_ids).update(status=CallStatus.NOT_NEEDED, updated_at=now)
        CallOutcome.objects.bulk_create(
            [
                CallOutcome(call_id=pk, outcome=CallStatus.NOT_NEEDED, note=why[:200], at=now)
                for pk in open_ids
            ]
        )
    return len(open_ids)


def messages_withdraw(
    *, keys: Iterable[str], why: str, now: datetime.datetime | None = None
) -> int:
    """Stop messages that have not gone yet because what they say no longer holds (the purpose's
    app decides: a confirmation for a booking cancelled before it went out). Messages already
    on their way are left alone. Returns how many were stopped."""
    now = now or timezone.now()
    with transaction.atomic():
        queued = list(
            Message.objects.select_for_update()
            .filter(key__in=list(keys), status=Status.QUEUED)
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=queued).update(status=Status.CANCELLED, updated_at=now)
        for message_id in queued:
            _event(message_id, Status.CANCELLED, note(WITHDRAWN, why=why))
    return len(queued)


# What an erased person's messages and calls read afterwards.
ERASED_TEXT = "（消去済み）"


def resident_contacts_erase(
    *, resident_id: int, why: str, now: datetime.datetime | None = None
) -> tuple[int, int]:
    """A resident's personal data is erased: messages not yet sent are withdrawn and open
    calls taken off the list (through messages_withdraw / calls_withdraw), then every message
    and call about them loses its number, text and name for good; statuses stay. Returns
    (messages withdrawn, calls withdrawn)."""
    now = now or timezone.now()
    with transaction.atomic():
        keys = Message.objects.filter(resident_id=resident_id, status=Status.QUEUED).values_list(
            "key", flat=True
        )
        withdrawn = messages_withdraw(keys=list(keys), why=why, now=now)
        call_ids = Call.objects.filter(
            resident_id=resident_id, status__in=OPEN_CALL_STATUSES
        ).values_list("pk", flat=True)
        calls = calls_withdraw(call_ids=list(call_ids), why=why, now=now)
        Message.objects.filter(resident_id=resident_id).update(
            to="", text=ERASED_TEXT, updated_at=now
        )
        Call.objects.filter(resident_id=resident_id).update(
            who=ERASED_TEXT, phone="", script=ERASED_TEXT, updated_at=now
        )
    return withdrawn, calls


def messages_assign_resident(*, keys: Iterable[str], resident_id: int) -> int:
    """Name the resident messages were about once the sender knows who it was (a one-time code
    sent before the booking found or registered the person), so that a disclosure lists them
    and an erasure clears them. Messages already naming someone are left alone."""
    return Message.objects.filter(key__in=list(keys), resident_id__isnull=True).update(
        resident_id=resident_id, updated_at=timezone.now()
    )
