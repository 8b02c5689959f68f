"""The demo city's notifications: a few messages in every state and today's call list.

Built through the real services (classes.notify composes the texts and picks the channel by
each resident's preferred contact); only the statuses of a few messages are then set by hand,
as Twilio's delivery reports would have.
"""

import datetime
import random

from django.utils import timezone

DEMO_KEY = "demo:"
# The demo tells this many upcoming bookings by SMS or voice, and puts this many on the call
# list (of the first CANDIDATES upcoming ones); QUEUED of the messages are left waiting to go.
CANDIDATES = 80
MESSAGED = 18
CALLED = 6
QUEUED = 3


def seed(*, users, small, seed):
    """Create this area's demo data unless it exists; True when something was created.

    `users` maps demo usernames (desk, venue, volunteer, dxoffice, admin) to users.
    """
    from classes.models import Booking, BookingStatus
    from classes.notify import _bookings, _plan, route
    from notifications.models import Call, Message, Purpose, Status

    if Message.objects.filter(key__startswith=DEMO_KEY).exists():
        return False
    rng = random.Random(seed)
    now = timezone.now()
    upcoming = list(
        Booking.objects.filter(
            status=BookingStatus.BOOKED, session__starts_at__gt=now, resident__merged_into=None
        )
        .order_by("session__starts_at", "pk")
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    if not upcoming:
        return False
    # Enough residents reached by SMS or voice for a message in every state with some still
    # queued, and a few who asked for a call from staff.
    candidates = list(_bookings(pk__in=upcoming).order_by("pk"))
    ways = {b.pk: route(b.resident) for b in candidates}
    messaged = [b for b in candidates if ways[b.pk] and ways[b.pk][0] != "call"]
    called = [b for b in candidates if ways[b.pk] and ways[b.pk][0] == "call"]
    bookings = sorted(messaged[:MESSAGED] + called[:CALLED], key=lambda b: b.pk)
    # Everyone is told as if tomorrow were their class: messages, and calls for those who asked
    # for a call from staff.
    _plan(bookings, Purpose.REMINDER, lambda b: f"{DEMO_KEY}reminder:{b.pk}", now=now)
    _plan(
        bookings[:6],
        Purpose.CONFIRMATION,
        lambda b: f"{DEMO_KEY}confirmation:{b.pk}",
        now=now - datetime.timedelta(days=3),
        sms_only=True,
    )
    # What Twilio would have reported back by now.
    finished = (
        [Status.DELIVERED] * 6
        + [Status.SENT] * 3
        + [
            Status.FAILED,
            Status.UNDELIVERABLE,
            Status.CANCELLED,
            Status.SKIPPED_OPT_OUT,
        ]
    )
    demo = list(Message.objects.filter(key__startswith=DEMO_KEY).order_by("pk"))
    rng.shuffle(demo)
    for message, status in zip(demo[QUEUED:], finished, strict=False):
        message.status = status
        message.attempts = 0 if status in (Status.CANCELLED, Status.SKIPPED_OPT_OUT) else 1
        if status in (Status.SENT, Status.DELIVERED, Status.UNDELIVERABLE):
            message.sent_at = now - datetime.timedelta(minutes=rng.randint(5, 120))
            message.provider_id = f"SMdemo{message.pk:06d}"
        if status == Status.DELIVERED:
            message.delivered_at = message.sent_at + datetime.timedelta(seconds=4)
        if status == Status.FAILED:
            message.error = "Twilio 400 21211: The 'To' number is not a valid phone number."
            message.attempts = 1
        if status == Status.UNDELIVERABLE:
            message.error = "provider: undelivered (error 30003)"
        message.save()
    # Today's call list gets at least a few lines, whatever the residents' choices.
    if not Call.objects.filter(key__startswith=DEMO_KEY, day=timezone.localdate()).exists():
        from notifications.services import CallSpec, calls_add

        calls_add(
            CallSpec(
                day=timezone.localdate(),
                purpose=Purpose.REMINDER,
                who=f"{b.resident.full_name}（{b.resident.full_name_kana}）",
                phone=b.resident.phone_display,
                script=f"{b.resident.full_name}様でいらっしゃいますか。市役所のスマホ教室担当です。"
                f"{timezone.localtime(b.session.starts_at):%-m月%-d日 %H:%M} から "
                f"{b.session.venue.name} で「{b.session.course.title}」のご予約があります。",
                key=f"{DEMO_KEY}call:{b.pk}",
                resident_id=b.resident_id,
                booking_id=b.pk,
                session_id=b.session_id,
            )
            for b in bookings[:4]
        )
    return True


def counts():
    from notifications.models import Call, Message

    return {"messages": Message.objects.count(), "calls": Call.objects.count()}
