"""What the booking side tells residents, and how: confirmation, the day-before reminder, a
waitlist offer, a session moved to another date, time or venue, a cancelled session.

An offer of seats to residents waiting together (a BookingGroup: a couple, a parent and a
grown child) goes to one of them, who answers for all: the first member, in booking order (the
caller who booked), whom we may contact. Its text names everyone it is for, and on the call
list it is one line with one outcome.

The channel follows the resident's preferred contact: SMS to a mobile number, an automated
voice call (1 = confirm, 2 = cancel), or a line on the staff's call list when they asked for a
call from staff or have no number the chosen channel can reach, or when a reminder, offer or
cancellation notice did not get through (`call_unreached`). Nothing is sent to residents
who asked not to be contacted. Every message has an idempotency key, so running any of this
again never sends twice. Notifications does the logging, quiet hours, sending and retries.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from classes import hooks
from classes.booking import BookingError, booking_cancel, offer_accept, offer_decline
from classes.hooks import BookingChange, SessionMoved
from classes.models import (
    Booking,
    BookingSource,
    BookingStatus,
    CancelReason,
    Session,
    SessionStatus,
)
from notifications.hooks import AnswerError, Reply, Unreached
from notifications.models import Call, Channel, Message, Purpose
from notifications.queries import open_calls_about
from notifications.services import (
    CallSpec,
    MessageSpec,
    calls_add,
    calls_withdraw,
    messages_queue,
    messages_withdraw,
    quiet_until,
)
from residents.models import Contact, Resident
from residents.normalize import format_phone_national, is_mobile, parse_phone, to_e164

logger = logging.getLogger(__name__)

WEEKDAYS_JA = "月火水木金土日"
SIGNATURE = "【つなぐ】"

# --- the ticket link ---------------------------------------------------------------------------


def ticket_link(booking_id: int) -> str:
    """The ticket page's address. Tickets belong to attendance, which builds on classes: it
    answers the `classes.hooks.ticket_link` hook."""
    links = hooks.ticket_link.announce(hooks.TicketFor(booking_id=booking_id))
    return str(links[0]) if links else ""


# --- channel and texts -------------------------------------------------------------------------


def route(resident: Resident) -> tuple[str, str] | None:
    """(channel, E.164 number) for a message, ("call", number or "") for the call list, or
    None when the resident is not to be contacted: they asked not to be, did not agree to be
    (consent_contact, read out at registration), or the record was merged or erased."""
    if (
        resident.preferred_contact == Contact.NONE
        or resident.merged_into_id
        or not resident.consent_contact
        or resident.erased_at is not None
    ):
        return None
    mobile = parse_phone(resident.phone_mobile)
    home = parse_phone(resident.phone_home)
    if resident.preferred_contact == Contact.SMS and mobile and is_mobile(mobile):
        return Channel.SMS, to_e164(mobile)
    number = mobile or home
    if resident.preferred_contact == Contact.VOICE and number:
        return Channel.VOICE, to_e164(number)
    return "call", to_e164(number) if number else ""


def _web_route(booking: Booking, way: tuple[str, str]) -> tuple[str, str]:
    """A booking the resident made on the web was made with a code sent to their mobile: its
    confirmation (the ticket link) goes there by SMS, whatever channel they otherwise prefer.
    Only for someone who may be contacted at all (`route` said so)."""
    mobile = parse_phone(booking.resident.phone_mobile)
    if booking.source == BookingSource.WEB and mobile and is_mobile(mobile):
        return Channel.SMS, to_e164(mobile)
    return way


def when(session: Session) -> str:
    start = timezone.localtime(session.starts_at)
    return f"{start.month}月{start.day}日（{WEEKDAYS_JA[start.weekday()]}）{start:%H:%M}"


def relative_day(day: datetime.date, today: datetime.date) -> str:
    """「明日」 or 「本日」 for a date that is tomorrow or today as the reader sees it, else ""
    (the date that follows says when)."""
    if day == today:
        return "本日"
    if day == today + datetime.timedelta(days=1):
        return "明日"
    return ""


def _session_day(session: Session) -> datetime.date:
    return timezone.localdate(session.starts_at)


def spoken_when(session: Session) -> str:
    start = timezone.localtime(session.starts_at)
    minutes = f"{start.minute}分" if start.minute else ""
    return (
        f"{start.month}月{start.day}日、{WEEKDAYS_JA[start.weekday()]}曜日、"
        f"{start.hour}時{minutes}から"
    )


def _deadline(booking: Booking) -> str:
    until = timezone.localtime(booking.offer_expires_at)
    return f"{until.month}月{until.day}日 {until:%H:%M}"


def _link_line(booking: Booking) -> str:
    link = ticket_link(booking.pk)
    return f" 受講票: {link}" if link else ""


def _offer_party(booking: Booking) -> list[Booking]:
    """Everyone offered seats together with this booking: its group's members holding the
    offer, residents loaded, in booking order; just the booking when it stands alone."""
    cached: list[Booking] | None = getattr(booking, "_offer_party", None)
    if cached is not None:
        return cached
    party = [booking]
    if booking.group_id is not None and booking.status == BookingStatus.OFFERED:
        members = list(
            Booking.objects.filter(group_id=booking.group_id, status=BookingStatus.OFFERED)
            .select_related("resident")
            .order_by("pk")
        )
        if any(b.pk == booking.pk for b in members):
            party = [booking if b.pk == booking.pk else b for b in members]
    setattr(booking, "_offer_party", party)  # noqa: B010
    return party


def _answers_for_party(booking: Booking) -> bool:
    """Whether this booking's resident is the one an offer to their group goes to."""
    contact = next((b for b in _offer_party(booking) if route(b.resident) is not None), None)
    return contact is not None and contact.pk == booking.pk


def _party_names(party: list[Booking]) -> str:
    return "、".join(f"{b.resident.full_name}様" for b in party)


def _offer_texts(booking: Booking) -> tuple[str, str, str]:
    """(SMS, spoken, call-list script) of an offer of seats to a group, sent to one member."""
    session = booking.session
    party = _offer_party(booking)
    course, venue, count = session.course.title, session.venue.name, len(party)
    names = _party_names(party)
    sms = (
        f"{SIGNATURE}{when(session)}〜 {course}（{venue}）に{count}名分の空きが出ました"
        f"（{names}）。{_deadline(booking)}までに、{count}名そろって受けるか辞退するかを"
        f"お選びください。{_link_line(booking)}"
    )
    spoken = (
        f"こちらは、市のスマホ教室のご案内です。ご一緒にキャンセル待ちの、{course}に、"
        f"{count}名様分の空きが出ました。{spoken_when(session)}、{venue}です。"
        f"お返事は、{count}名様の分として承ります。"
    )
    script = (
        f"{booking.resident.full_name}様でいらっしゃいますか。ご一緒にキャンセル待ちの"
        f"{names}、{count}名分の「{course}」（{when(session)}、{venue}）に空きが出ました。"
        f"{_deadline(booking)}までにお返事をいただけますか。お返事は{count}名様の分として"
        "承ります。（受ける場合は予約窓口の「空席のご案内」で記録、辞退はキャンセルを記録して"
        "ください）"
    )
    return sms, spoken, script


def _texts(purpose: str, booking: Booking, *, today: datetime.date) -> tuple[str, str, str]:
    """(SMS text, spoken text, call-list script) for a booking, read on `today` (the day a
    message goes out, or the day of the call): 明日 only when the session is tomorrow."""
    session = booking.session
    day = relative_day(_session_day(session), today)
    written = f"{day} " if day else ""
    spoken_day = f"{day}、" if day else ""
    course, venue = session.course.title, session.venue.name
    name = booking.resident.full_name
    contact = settings.CONTACT_PHONE
    if purpose == Purpose.CONFIRMATION:
        sms = f"{SIGNATURE}ご予約を承りました。{when(session)}〜 {course}（{venue}）。"
        return sms + _link_line(booking), "", ""
    if purpose == Purpose.REMINDER:
        sms = (
            f"{SIGNATURE}{written}{when(session)}〜 {course}（{venue}）のご予約があります。"
            f"{_link_line(booking)} 行けなくなったら受講票のページか {contact} へご連絡ください。"
        )
        spoken = (
            f"こちらは、市のスマホ教室のご案内です。{spoken_day}{spoken_when(session)}、"
            f"{venue}で、{course}があります。"
        )
        script = (
            f"{name}様でいらっしゃいますか。市役所のスマホ教室担当です。"
            f"{written}{when(session)} から {venue} で「{course}」のご予約をいただいています。"
            "ご出席いただけますか。（行けない場合はキャンセルを記録してください）"
        )
        return sms, spoken, script
    if purpose == Purpose.OFFER and len(_offer_party(booking)) > 1:
        return _offer_texts(booking)
    if purpose == Purpose.OFFER:
        sms = (
            f"{SIGNATURE}{when(session)}〜 {course}（{venue}）に空きが出ました。"
            f"{_deadline(booking)}までに、受けるか辞退するかをお選びください。{_link_line(booking)}"
        )
        spoken = (
            f"こちらは、市のスマホ教室のご案内です。キャンセル待ちの、{course}に、空きが出ました。"
            f"{spoken_when(session)}、{venue}です。"
        )
        script = (
            f"{name}様でいらっしゃいますか。キャンセル待ちの「{course}」"
            f"（{when(session)}、{venue}）に空きが出ました。"
            f"{_deadline(booking)}までにお返事をいただけますか。"
            "（受ける場合は予約窓口の「空席のご案内」で記録、辞退はキャンセルを記録してください）"
        )
        return sms, spoken, script
    if purpose == Purpose.SESSION_MOVED:
        sms = (
            f"{SIGNATURE}ご予約の {course} の日時・会場が変わりました。"
            f"新しい日時: {when(session)}〜 会場: {venue}（{session.venue.address}）。"
            f"{_link_line(booking)} 行けなくなったら受講票のページか {contact} へご連絡ください。"
        )
        spoken = (
            f"こちらは、市のスマホ教室のご案内です。ご予約の、{course}の、日時か会場が変わりました。"
            f"新しい日時は、{spoken_when(session)}、会場は、{venue}です。"
        )
        script = (
            f"{name}様でいらっしゃいますか。市役所のスマホ教室担当です。ご予約の「{course}」の"
            f"日時か会場が変わりました。新しい日時は {when(session)} から、会場は {venue}"
            f"（{session.venue.address}）です。ご都合はいかがでしょうか。"
            "（行けない場合はキャンセルを記録してください）"
        )
        return sms, spoken, script
    # Purpose.SESSION_CANCELLED
    sms = (
        f"{SIGNATURE}申し訳ありません。{when(session)}〜 {course}（{venue}）は中止になりました。"
        f"お問い合わせ: {contact}"
    )
    spoken = (
        f"こちらは、市のスマホ教室のご案内です。申し訳ありません。{spoken_when(session)}の、"
        f"{venue}の、{course}は、中止になりました。"
    )
    script = (
        f"{name}様でいらっしゃいますか。申し訳ありません、{when(session)} の {venue}"
        f"「{course}」は中止になりました。別の日のご予約をご案内できます。"
    )
    return sms, spoken, script


def _plan(
    bookings: Iterable[Booking],
    purpose: str,
    key_for: Callable[[Booking], str],
    *,
    now: datetime.datetime,
    sms_only: bool = False,
) -> tuple[list[Message], list[Call]]:
    """Messages and call-list lines for `bookings` (resident, session, course, venue loaded)."""
    messages: list[MessageSpec] = []
    calls: list[CallSpec] = []
    today = timezone.localdate(now)
    # A message held back by the quiet hours is read on the morning it goes out.
    send_day = timezone.localdate(quiet_until(now) or now)
    for booking in bookings:
        resident = booking.resident
        way = route(resident)
        if way is None:
            continue
        if purpose == Purpose.CONFIRMATION:
            way = _web_route(booking, way)
        channel, number = way
        if sms_only and channel != Channel.SMS:
            continue
        sms, spoken, script = _texts(
            purpose, booking, today=today if channel == "call" else send_day
        )
        ids = {
            "resident_id": resident.pk,
            "booking_id": booking.pk,
            "session_id": booking.session_id,
        }
        key = key_for(booking)
        if channel == "call":
            calls.append(_call(purpose, booking, number, script, key, day=today))
            continue
        messages.append(
            MessageSpec(
                channel=channel,
                to=number,
                purpose=purpose,
                template_key=f"{purpose}_{channel}",
                text=sms if channel == Channel.SMS else spoken,
                key=key,
                about={"keys": purpose != Purpose.SESSION_CANCELLED},
                **ids,
            )
        )
    return messages_queue(messages, now=now), calls_add(calls)


def _call(
    purpose: str,
    booking: Booking,
    number: str,
    script: str,
    key: str,
    *,
    day: datetime.date,
    about: dict[str, Any] | None = None,
) -> CallSpec:
    resident = booking.resident
    # An offer to a group is one line naming everyone it is for, the one to phone first.
    party = _offer_party(booking) if purpose == Purpose.OFFER else [booking]
    who = "、".join(f"{b.resident.full_name}（{b.resident.full_name_kana}）" for b in party)
    return CallSpec(
        day=day,
        purpose=purpose,
        who=who[:200],
        phone=format_phone_national(number),
        script=script,
        key=key,
        resident_id=resident.pk,
        booking_id=booking.pk,
        session_id=booking.session_id,
        about=about or {},
    )


def _bookings(**filters: Any) -> QuerySet[Booking]:
    return Booking.objects.filter(**filters).select_related(
        "resident", "session__course", "session__venue"
    )


# --- what is sent ------------------------------------------------------------------------------


def booking_confirmation(
    *, booking_id: int, now: datetime.datetime | None = None
) -> tuple[list[Message], list[Call]]:
    """SMS with the ticket link, for residents who prefer SMS and for bookings they made
    themselves on the web (`_web_route`)."""
    now = now or timezone.now()
    # A walk-in booked at the venue, once the session has begun, needs no message.
    bookings = _bookings(pk=booking_id, status=BookingStatus.BOOKED, session__starts_at__gt=now)
    return _plan(
        bookings, Purpose.CONFIRMATION, lambda b: f"confirmation:{b.pk}", now=now, sms_only=True
    )


def offer_notice(
    *, booking_id: int, now: datetime.datetime | None = None
) -> tuple[list[Message], list[Call]]:
    """The offer of a seat, by the resident's channel; an offer to a group goes to one member
    only, for all of them (the module docstring says which)."""
    now = now or timezone.now()
    bookings = [
        b for b in _bookings(pk=booking_id, status=BookingStatus.OFFERED) if _answers_for_party(b)
    ]
    return _plan(
        bookings,
        Purpose.OFFER,
        lambda b: f"offer:{b.pk}:{b.offer_expires_at:%Y%m%d%H%M}",
        now=now,
    )


def session_cancelled_notice(
    *, booking_id: int, now: datetime.datetime | None = None
) -> tuple[list[Message], list[Call]]:
    now = now or timezone.now()
    bookings = _bookings(pk=booking_id, cancel_reason=CancelReason.SESSION_CANCELLED)
    return _plan(
        bookings, Purpose.SESSION_CANCELLED, lambda b: f"session_cancelled:{b.pk}", now=now
    )


def session_moved_notice(
    *, session_id: int, now: datetime.datetime | None = None
) -> tuple[list[Message], list[Call]]:
    """A coming session's date, time or venue changed: everyone holding or offered a seat hears
    the new ones (once per new date, time and venue)."""
    now = now or timezone.now()
    bookings = _bookings(
        session_id=session_id,
        status__in=[BookingStatus.BOOKED, BookingStatus.OFFERED],
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
    ).order_by("pk")
    return _plan(
        bookings,
        Purpose.SESSION_MOVED,
        lambda b: (
            f"session_moved:{b.pk}:{b.session.starts_at:%Y%m%d%H%M}"
            f"-{b.session.ends_at:%H%M}:{b.session.venue_id}"
        ),
        now=now,
    )


def day_before_reminders(
    *, now: datetime.datetime | None = None
) -> tuple[list[Message], list[Call]]:
    """Remind everyone booked for tomorrow's sessions (Asia/Tokyo), by their channel."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    start = datetime.datetime.combine(
        tomorrow, datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    bookings = _bookings(
        status=BookingStatus.BOOKED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gte=start,
        session__starts_at__lt=start + datetime.timedelta(days=1),
    ).order_by("pk")
    return _plan(
        bookings, Purpose.REMINDER, lambda b: f"reminder:{b.pk}:{tomorrow.isoformat()}", now=now
    )


def session_moved(event: SessionMoved) -> None:
    """classes.hooks.session_moved listener."""
    session_moved_notice(session_id=event.session_id)


def booking_changed(change: BookingChange) -> None:
    """classes.hooks.booking_changed listener: tell the resident what changed, by their
    channel."""
    if change.reason in ("booked", "offer_accepted"):
        booking_confirmation(booking_id=change.booking_id)
    elif change.reason == "offered":
        offer_notice(booking_id=change.booking_id)
    elif change.reason == "session_cancelled":
        session_cancelled_notice(booking_id=change.booking_id)
    if change.to_status == BookingStatus.CANCELLED:
        # A confirmation held back by the quiet hours, or the retries, must not say
        # 「ご予約を承りました」 after the booking is gone.
        messages_withdraw(keys=[f"confirmation:{change.booking_id}"], why="予約が取り消されました")
    calls_withdraw_moot(booking_id=change.booking_id)


def calls_withdraw_moot(*, booking_id: int, now: datetime.datetime | None = None) -> int:
    """Take a booking's calls off the call list once what they were for has gone: an offer
    taken or declined, a reminder for a cancelled booking. Returns how many."""
    now = now or timezone.now()
    moot = [
        call_id
        for call_id, purpose in open_calls_about(booking_id)
        if purpose in _STILL_DUE and not _still_due(purpose, booking_id, now)
    ]
    if not moot:
        return 0
    return calls_withdraw(
        call_ids=moot, why="予約の状況が変わり、お電話は不要になりました", now=now
    )


def _still_due(purpose: str, booking_id: int, now: datetime.datetime) -> bool:
    return Booking.objects.filter(
        pk=booking_id, session__starts_at__gt=now, **_STILL_DUE[purpose]
    ).exists()


# --- a message that did not get through ---------------------------------------------------------

# Messages whose failure puts the resident on the call list, and those answered by a key press
# or a call-list outcome.
UNREACHED_PURPOSES = frozenset(
    {Purpose.REMINDER, Purpose.OFFER, Purpose.SESSION_MOVED, Purpose.SESSION_CANCELLED}
)
ANSWERED_PURPOSES = frozenset(
    {Purpose.CONFIRMATION, Purpose.REMINDER, Purpose.OFFER, Purpose.SESSION_MOVED}
)

# What must still hold for a purpose's message to be worth a phone call from staff.
_STILL_DUE: dict[str, dict[str, Any]] = {
    Purpose.REMINDER: {"status": BookingStatus.BOOKED},
    Purpose.OFFER: {"status": BookingStatus.OFFERED},
    Purpose.SESSION_CANCELLED: {"cancel_reason": CancelReason.SESSION_CANCELLED},
    Purpose.SESSION_MOVED: {"status__in": [BookingStatus.BOOKED, BookingStatus.OFFERED]},
}


def call_unreached(unreached: Unreached, *, now: datetime.datetime | None = None) -> list[Call]:
    """notifications.hooks.unreached listener: a reminder, offer or cancellation notice that did
    not reach the resident (a call nobody answered, an SMS the network could not deliver, one
    that could not be sent) becomes a line on today's call list, so that a person phones
    instead. Not when it no longer matters (the booking was cancelled, the offer taken or
    expired, the session over)."""
    still_due = _STILL_DUE.get(unreached.purpose)
    if still_due is None or unreached.booking_id is None:
        return []
    now = now or timezone.now()
    bookings = _bookings(pk=unreached.booking_id, session__starts_at__gt=now, **still_due)
    calls = [
        _call(
            unreached.purpose,
            booking,
            unreached.to,
            _texts(unreached.purpose, booking, today=timezone.localdate(now))[2],
            f"unreached:{unreached.key}",
            day=timezone.localdate(now),
            about={"unreached": unreached.channel},
        )
        for booking in bookings
        if route(booking.resident) is not None  # not since asked not to be contacted
    ]
    added: list[Call] = calls_add(calls)
    return added


# --- answers: a key pressed in a call, an outcome on the call list -----------------------------


def answer_booking(reply: Reply) -> None:
    """notifications.hooks.answer listener: 1 = confirm (takes an offered seat), 2 = cancel
    (declines an offer, or cancels the booking and frees the seat for the waitlist)."""
    if reply.booking_id is None:
        return
    try:
        status = Booking.objects.values_list("status", flat=True).get(pk=reply.booking_id)
    except Booking.DoesNotExist:
        raise AnswerError("この予約は見つかりません。") from None
    try:
        if reply.action == "cancel":
            if status == BookingStatus.OFFERED:
                offer_decline(booking_id=reply.booking_id, user=reply.user)
            else:
                booking_cancel(
                    booking_id=reply.booking_id,
                    user=reply.user,
                    reason=CancelReason.BY_RESIDENT,
                    note=f"answered by {reply.via}",
                )
        elif reply.action == "confirm" and status == BookingStatus.OFFERED:
            offer_accept(booking_id=reply.booking_id, user=reply.user)
    except BookingError as error:
        if error.code == "already_cancelled":
            return
        raise AnswerError(error.message) from None
