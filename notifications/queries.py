"""Read side: the message log, a resident's messages, the call list. Bounded queries."""

import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from notifications.models import (
    OPEN_CALL_STATUSES,
    Call,
    CallOutcome,
    CallStatus,
    Message,
    MessageQuerySet,
    SendingPause,
)
from notifications.transports import credentials_fingerprint

# A resident's page shows this many of their latest messages.
RESIDENT_MESSAGES_LIMIT = 20


def messages_filtered(
    *, status: str = "", channel: str = "", purpose: str = "", day: datetime.date | None = None
) -> MessageQuerySet:
    messages = Message.objects.all()
    if status:
        messages = messages.filter(status=status)
    if channel:
        messages = messages.filter(channel=channel)
    if purpose:
        messages = messages.filter(purpose=purpose)
    if day and not datetime.date.min < day < datetime.date.max:
        return messages.none()  # no message is from the calendar's edges (not datetimes)
    if day:
        start = datetime.datetime.combine(
            day, datetime.time(), tzinfo=timezone.get_current_timezone()
        )
        messages = messages.filter(
            created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1)
        )
    return messages.order_by("-created_at", "-pk")


def message_with_history(pk: int) -> Message | None:
    return Message.objects.prefetch_related("events").filter(pk=pk).first()


def resident_messages(resident_id: int, limit: int = RESIDENT_MESSAGES_LIMIT) -> list[Message]:
    return list(
        Message.objects.filter(resident_id=resident_id).order_by("-created_at", "-pk")[:limit]
    )


def call_list(day: datetime.date | None = None) -> list[Call]:
    """Today's calls and older ones still open, with their logged outcomes (2 queries). Calls
    no longer needed are not on it.

    Calls to one number come one after another (where the first of them is), and each open
    call carries `same_number`: the other open calls to its number (a couple sharing a home
    phone gets a card each, and the caller can say both in one call)."""
    day = day or timezone.localdate()
    calls = Call.objects.filter(day__lte=day, status__in=OPEN_CALL_STATUSES) | Call.objects.filter(
        day=day
    ).exclude(status=CallStatus.NOT_NEEDED)
    found = list(
        calls.distinct()
        .order_by("day", "pk")
        .prefetch_related(
            Prefetch("outcomes", queryset=CallOutcome.objects.select_related("by").order_by("at"))
        )
    )
    by_number: dict[str, list[Call]] = {}
    for call in found:
        # A call with no number on record is alone: "" is nobody's number.
        by_number.setdefault(call.phone or f"#{call.pk}", []).append(call)
    for calls_to_one_number in by_number.values():
        for call in calls_to_one_number:
            call.same_number = [
                other
                for other in calls_to_one_number
                if other is not call and other.status in OPEN_CALL_STATUSES
            ]
    return [call for calls_to_one_number in by_number.values() for call in calls_to_one_number]


def sending_pause() -> SendingPause | None:
    """The open pause of sending (refused credentials), or None (1 query). `settings_changed`
    says the credentials have changed since: the sender's next pass resumes."""
    pause = SendingPause.objects.open().filter(transport=settings.NOTIFY_TRANSPORT).first()
    if pause is not None:
        pause.settings_changed = pause.fingerprint != credentials_fingerprint()
    return pause


def open_calls_about(booking_id: int) -> list[tuple[int, str]]:
    """(id, purpose) of the calls about a booking still to be made (1 query)."""
    return list(
        Call.objects.filter(booking_id=booking_id, status__in=OPEN_CALL_STATUSES).values_list(
            "pk", "purpose"
        )
    )


def messages_of_resident(resident_id: int) -> list[Message]:
    """Every message about a resident, oldest first, with its history: for a disclosure."""
    return list(
        Message.objects.filter(resident_id=resident_id)
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )


def calls_of_resident(resident_id: int) -> list[Call]:
    """Every call-list line about a resident, oldest first, with its outcomes."""
    return list(
        Call.objects.filter(resident_id=resident_id)
        .prefetch_related("outcomes")
        .order_by("day", "pk")
    )
