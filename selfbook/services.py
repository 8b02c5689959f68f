"""Residents book themselves: ask for a code, type it in, and the booking is made by the same
service the desk uses (classes.booking.booking_create: capacity, waitlist, overlap, a request
key so that a double tap books once).

1. `webbooking_start` — from a session's page: the names, reading and mobile number typed, the
   consents ticked. A six-digit code goes to the number by SMS (notifications: logged, sent by
   the task cluster). The limits (selfbook.limits) and the quiet hours are checked first.
2. `webbooking_resend` — a new code for the same request (the old one stops working).
3. `webbooking_confirm` — the code typed in: at most SELFBOOK_CODE_ATTEMPTS wrong tries, within
   SELFBOOK_CODE_MINUTES. Then the resident is recognised in the registry (the same mobile
   number and the same reading) or registered anew and held for the desk to check, and booked.
   The page says only that the booking is made: never whether the number was known.

A companion (one, optional: a spouse, say) is booked together with the resident in the same
step (classes.booking.booking_create_group: both get a seat, or nobody is booked — unless the
resident chose 「2名そろってキャンセル待ち」, and then both join the waitlist as one entry).
The companion is recognised only as the resident is: their own mobile number, if typed, or else
the verified one (a phone a couple shares), together with their reading must single out one
record. Never by name alone. Otherwise a new record is made, with the verified mobile number
(the one the code went to: the companion's typed number is not checked, so nothing is sent
to it) and held for the desk to check like the resident's. Each gets their own ticket; the
confirmations follow the existing rule (classes.notify: the record's mobile number).

Quiet hours: no code is sent between NOTIFY_QUIET_START and NOTIFY_QUIET_END. The code is
something the resident asks for now, but the confirmation with the ticket link would wait for
the morning, and the project sends nothing at night; the page says to try again in the morning
or to call.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import access_record
from classes.booking import BookingError, booking_create, booking_create_group
from classes.models import BookingSource
from notifications.models import Channel, Purpose
from notifications.services import (
    MessageSpec,
    message_queue,
    messages_assign_resident,
    quiet_until,
)
from residents.hooks import ResidentMerge
from residents.models import Contact, Resident, Smartphone
from residents.queries import residents_identified_by
from residents.services import resident_create
from selfbook.limits import phone_hash
from selfbook.models import CodeSend, Review, WebBooking, WebBookingStatus
from selfbook.queries import bookable_sessions

if TYPE_CHECKING:
    from accounts.access import Actor

CODE_DIGITS = 6
SIGNATURE = "【つなぐ】"
# Requests never confirmed are deleted after this long; the codes' counts after the longer.
UNCONFIRMED_KEPT = datetime.timedelta(days=1)
CODE_COUNTS_KEPT = datetime.timedelta(days=2)


class WebBookingError(Exception):
    """The request cannot go on; `message` is fit to show the resident."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- the code ----------------------------------------------------------------------------------


def _code_hash(token: str, code: str) -> str:
    key = f"selfbook.code|{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{token}|{code}".encode(), hashlib.sha256).hexdigest()


def _message_key(web_booking: WebBooking, number: int) -> str:
    return f"selfbook:code:{web_booking.pk}:{number}"


def _code_keys(web_booking: WebBooking) -> list[str]:
    """The message keys of every code sent for the request (numbered from 1)."""
    return [_message_key(web_booking, n) for n in range(1, web_booking.codes_sent + 1)]


def _start_of_day(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


# The advisory lock every code request takes (an arbitrary constant: "tsunagu code").
_CODE_LOCK = 0x7473756E61677543


def _lock_code_sends() -> None:
    """Serialise code requests, so that two at the same instant cannot both pass a count (the
    number's or the day's). Codes are asked for a few times a minute at most, so one lock for
    the site costs nothing; SQLite's IMMEDIATE transactions already serialise every writer."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CODE_LOCK])


def _check_can_send(number_hash: str, now: datetime.datetime) -> None:
    if quiet_until(now) is not None:
        raise WebBookingError(
            _(
                "We cannot send text messages at night (%(start)s to %(end)s). "
                "Please try again in the morning, or book by phone."
            )
            % {"start": settings.NOTIFY_QUIET_START, "end": settings.NOTIFY_QUIET_END},
            "quiet_hours",
        )
    if CodeSend.objects.filter(sent_at__gte=_start_of_day(now)).count() >= (
        settings.SELFBOOK_CODES_PER_DAY
    ):
        raise WebBookingError(
            _("Booking on the web is closed for today. Please book by phone."), "day_cap"
        )
    recent = CodeSend.objects.filter(
        phone_hash=number_hash, sent_at__gt=now - datetime.timedelta(hours=24)
    )
    if recent.count() >= settings.SELFBOOK_CODES_PER_NUMBER:
        raise WebBookingError(
            _(
                "We cannot send more codes to this number today. "
                "Please try again tomorrow, or book by phone."
            ),
            "number_limit",
        )


def _code_text(code: str) -> str:
    minutes = settings.SELFBOOK_CODE_MINUTES
    return (
        f"{SIGNATURE}予約の確認コードは {code} です。{minutes}分以内に予約のページに入力して"
        "ください。お心当たりがなければ、このSMSは消してください。"
    )


def _issue_code(web_booking: WebBooking, now: datetime.datetime) -> None:
    """A new code for the request (an earlier one stops working), counted and sent."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    web_booking.code_hash = _code_hash(web_booking.token, code)
    web_booking.code_expires_at = now + datetime.timedelta(minutes=settings.SELFBOOK_CODE_MINUTES)
    web_booking.attempts = 0
    web_booking.codes_sent += 1
    web_booking.save(update_fields=["code_hash", "code_expires_at", "attempts", "codes_sent"])
    CodeSend.objects.create(phone_hash=phone_hash(web_booking.phone), sent_at=now)
    message_queue(
        MessageSpec(
            channel=Channel.SMS,
            to=web_booking.phone,
            purpose=Purpose.OTHER,
            template_key="selfbook_code_sms",
            text=_code_text(code),
            key=_message_key(web_booking, web_booking.codes_sent),
            session_id=web_booking.session_id,
            about={"web_booking": web_booking.pk, "conceal": [code]},
        ),
        now=now,
    )


# --- the verbs ---------------------------------------------------------------------------------


def webbooking_start(
    *,
    session_id: int,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    phone: str,
    consent_contact: bool,
    consent_data_use: bool,
    form_nonce: uuid.UUID,
    companion: dict[str, str] | None = None,
    waitlist_together: bool = False,
    now: datetime.datetime | None = None,
) -> WebBooking:
    """Ask for a booking from the public pages: a code goes to `phone` (E.164, a mobile).

    `companion`, if any: family_name, given_name, family_name_kana, given_name_kana and
    optionally phone (E.164), booked together; `waitlist_together` when short of seats.
    The same form sent twice (`form_nonce`) returns the first request and sends nothing more.
    """
    companion = companion or {}
    now = now or timezone.now()
    earlier = WebBooking.objects.filter(form_nonce=form_nonce).first()
    if earlier is not None:
        return earlier
    if not consent_contact:
        raise WebBookingError(
            _("To book here, please agree to how we use your name and number."), "no_consent"
        )
    try:
        with transaction.atomic():
            session = bookable_sessions(now).filter(pk=session_id).first()
            if session is None:
                raise WebBookingError(
                    _("This session cannot be booked here any more. Please choose another."),
                    "not_bookable",
                )
            number_hash = phone_hash(phone)
            _lock_code_sends()
            _check_can_send(number_hash, now)
            web_booking = WebBooking.objects.create(
                session=session,
                family_name=family_name[:50],
                given_name=given_name[:50],
                family_name_kana=family_name_kana[:100],
                given_name_kana=given_name_kana[:100],
                phone=phone,
                consent_contact=True,
                consent_data_use=consent_data_use,
                companion_family_name=companion.get("family_name", "")[:50],
                companion_given_name=companion.get("given_name", "")[:50],
                companion_family_name_kana=companion.get("family_name_kana", "")[:100],
                companion_given_name_kana=companion.get("given_name_kana", "")[:100],
                companion_phone=companion.get("phone", "")[:16],
                waitlist_together=bool(companion) and waitlist_together,
                form_nonce=form_nonce,
                created_at=now,
            )
            _issue_code(web_booking, now)
    except IntegrityError:
        # The same form at the same instant (a double tap): the first one is the request.
        return WebBooking.objects.get(form_nonce=form_nonce)
    return web_booking


def _lock(token: str) -> WebBooking:
    web_booking = WebBooking.objects.select_for_update().filter(token=token).first()
    if web_booking is None:
        raise WebBookingError(
            _("This page has expired. Please start again from the calendar."), "unknown"
        )
    return web_booking


@transaction.atomic
def webbooking_resend(*, token: str, now: datetime.datetime | None = None) -> WebBooking:
    """Send a new code for the request; the one sent before stops working."""
    now = now or timezone.now()
    web_booking = _lock(token)
    if web_booking.status == WebBookingStatus.BOOKED:
        return web_booking
    number_hash = phone_hash(web_booking.phone)
    _lock_code_sends()
    _check_can_send(number_hash, now)
    _issue_code(web_booking, now)
    return web_booking


def webbooking_confirm(
    *,
    token: str,
    code: str,
    waitlist_together: bool | None = None,
    now: datetime.datetime | None = None,
) -> WebBooking:
    """The code typed in: book (or join the waitlist), once. A wrong code counts as a try
    (kept even though the answer is a refusal); after the last one a new code is needed.
    `waitlist_together` (with a companion): the choice on the code page, if it was asked."""
    now = now or timezone.now()
    allowed: int = settings.SELFBOOK_CODE_ATTEMPTS
    with transaction.atomic():
        web_booking = _lock(token)
        if web_booking.status == WebBookingStatus.BOOKED:
            return web_booking
        if web_booking.attempts >= allowed:
            raise WebBookingError(
                _("The code was typed wrongly too many times. Please ask for a new code."),
                "attempts",
            )
        if web_booking.code_expires_at is None or web_booking.code_expires_at <= now:
            raise WebBookingError(_("This code has expired. Please ask for a new code."), "expired")
        typed = _code_hash(web_booking.token, code)
        if hmac.compare_digest(typed, web_booking.code_hash):
            if waitlist_together is not None and web_booking.has_companion:
                web_booking.waitlist_together = waitlist_together
            _book(web_booking, now)
            return web_booking
        web_booking.attempts += 1
        web_booking.save(update_fields=["attempts"])
        left = allowed - web_booking.attempts
    if left <= 0:
        raise WebBookingError(
            _("The code was typed wrongly too many times. Please ask for a new code."),
            "attempts",
        )
    raise WebBookingError(
        _("The code is not right. Please check the text message. Tries left: %(left)s.")
        % {"left": left},
        "wrong",
    )


# What the resident reads when the booking rules say no (never another person's booking).
def _booking_refusal(error: BookingError) -> WebBookingError:
    if error.code in ("session_cancelled", "session_started", "unknown_session"):
        return WebBookingError(
            _("This session cannot be booked any more. Please choose another date."), error.code
        )
    if error.code == "overlap":
        return WebBookingError(
            _("You already have a booking at the same time. Please call us to change it."),
            error.code,
        )
    return WebBookingError(_("We could not book this session. Please book by phone."), error.code)


# The same for two booked together: the desk's messages name people, and these never do.
def _group_refusal(error: BookingError) -> WebBookingError:
    if error.code == "group_short":
        return WebBookingError(
            _(
                "There are not seats for both of you, so nobody was booked. To join the "
                "waitlist together, tick 「2名そろってキャンセル待ち」 and type the code again."
            ),
            error.code,
        )
    if error.code in ("overlap", "already_booked"):
        return WebBookingError(
            _(
                "One of you already has a booking at this time, so nobody was booked. "
                "Please call us to book."
            ),
            error.code,
        )
    if error.code == "group_too_small":
        return WebBookingError(
            _(
                "The companion's details are the same as yours, so nobody was booked. "
                "Please start again, or book by phone."
            ),
            error.code,
        )
    if error.code in ("session_cancelled", "session_started", "unknown_session"):
        return _booking_refusal(error)
    return WebBookingError(_("We could not book this session. Please book by phone."), error.code)


def _resident_for(
    *,
    names: dict[str, str],
    match_phone: str,
    phone: str,
    consent_data_use: bool,
    who: str,
    now: datetime.datetime,
) -> tuple[Resident, bool]:
    """(resident, found): the one registry record with `match_phone` and this reading, or a
    new record with `phone`, marked for the desk to check. Either way the access log says so
    (`who`: "resident" or "companion")."""
    found = residents_identified_by(
        phone_mobile=match_phone,
        kana=names["family_name_kana"] + names["given_name_kana"],
    )
    if len(found) == 1:
        access_record(
            user=None,
            action=Action.SEARCH,
            what=f"web booking: {who} recognised",
            residents=found,
            now=now,
        )
        return found[0], True
    if who == "companion":
        note = _(
            "Registered on the web booking page as the companion of the resident who booked; "
            "the mobile number is theirs. The desk checks it."
        )
    else:
        note = _("Registered by the resident on the web booking page; the desk checks it.")
    resident = resident_create(
        user=None,
        note=note,
        logged_as=f"web booking: {who} registered",
        **names,
        phone_mobile=phone,
        smartphone=Smartphone.SMARTPHONE,
        preferred_contact=Contact.SMS,
        consent_contact=True,
        consent_data_use=consent_data_use,
        consent_date=timezone.localdate(now),
    )
    return resident, False


def _book(web_booking: WebBooking, now: datetime.datetime) -> None:
    resident, found = _resident_for(
        names={
            "family_name": web_booking.family_name,
            "given_name": web_booking.given_name,
            "family_name_kana": web_booking.family_name_kana,
            "given_name_kana": web_booking.given_name_kana,
        },
        match_phone=web_booking.phone,
        phone=web_booking.phone,
        consent_data_use=web_booking.consent_data_use,
        who="resident",
        now=now,
    )
    companion = None
    if web_booking.has_companion:
        companion = _resident_for(
            names={
                "family_name": web_booking.companion_family_name,
                "given_name": web_booking.companion_given_name,
                "family_name_kana": web_booking.companion_family_name_kana,
                "given_name_kana": web_booking.companion_given_name_kana,
            },
            match_phone=web_booking.companion_phone or web_booking.phone,
            phone=web_booking.phone,
            consent_data_use=False,
            who="companion",
            now=now,
        )
    companion_booking = None
    try:
        if companion is None:
            booking = booking_create(
                session_id=web_booking.session_id,
                resident_id=resident.pk,
                user=None,
                request_key=web_booking.request_key,
                now=now,
                source=BookingSource.WEB,
            ).booking
        else:
            if companion[0].pk == resident.pk:
                raise BookingError("", "group_too_small")
            group = booking_create_group(
                session_id=web_booking.session_id,
                resident_ids=[resident.pk, companion[0].pk],
                user=None,
                waitlist_ok=web_booking.waitlist_together,
                request_key=web_booking.request_key,
                now=now,
                source=BookingSource.WEB,
            )
            booking, companion_booking = group.bookings[0], group.bookings[1]
    except BookingError as error:
        refusal = _booking_refusal if companion is None else _group_refusal
        raise refusal(error) from None
    messages_assign_resident(keys=_code_keys(web_booking), resident_id=resident.pk)
    web_booking.status = WebBookingStatus.BOOKED
    web_booking.resident = resident
    web_booking.booking = booking
    web_booking.review = Review.NONE if found else Review.PENDING
    web_booking.booked_at = now
    # The registry has the names and number now: the request keeps none of them.
    web_booking.family_name = web_booking.given_name = ""
    web_booking.family_name_kana = web_booking.given_name_kana = ""
    web_booking.phone = ""
    web_booking.companion_family_name = web_booking.companion_given_name = ""
    web_booking.companion_family_name_kana = web_booking.companion_given_name_kana = ""
    web_booking.companion_phone = ""
    web_booking.code_hash = ""
    web_booking.save()
    if companion is not None:
        # The companion's own request: booked, and checked by the desk if registered anew.
        WebBooking.objects.create(
            session_id=web_booking.session_id,
            status=WebBookingStatus.BOOKED,
            consent_contact=True,
            form_nonce=uuid.uuid4(),
            lead=web_booking,
            resident=companion[0],
            booking=companion_booking,
            review=Review.NONE if companion[1] else Review.PENDING,
            created_at=web_booking.created_at,
            booked_at=now,
        )


# --- the desk's check --------------------------------------------------------------------------


@transaction.atomic
def webbooking_review_confirm(
    *, web_booking_id: int, user: Actor, now: datetime.datetime | None = None
) -> WebBooking:
    """The desk checked a record the web registered: a new resident, no duplicate."""
    web_booking = WebBooking.objects.select_for_update().filter(pk=web_booking_id).first()
    if web_booking is None or web_booking.review == Review.NONE:
        raise WebBookingError(_("There is nothing to check for this booking."), "unknown")
    if web_booking.review != Review.PENDING:
        raise WebBookingError(_("This record has already been checked."), "done")
    web_booking.review = Review.CONFIRMED
    web_booking.reviewed_at = now or timezone.now()
    web_booking.reviewed_by = user if user is not None and user.is_authenticated else None
    web_booking.save(update_fields=["review", "reviewed_at", "reviewed_by"])
    return web_booking


def webbookings_merge(merge: ResidentMerge) -> None:
    """residents.hooks.resident_merging listener: a record the web registered and merged with
    another (either way round) needs no more checking."""
    user = merge.user if merge.user is not None and merge.user.is_authenticated else None
    WebBooking.objects.filter(
        resident_id__in=[merge.keep.pk, merge.remove.pk], review=Review.PENDING
    ).update(review=Review.MERGED, reviewed_at=timezone.now(), reviewed_by=user)


def webbookings_purge(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Delete requests never confirmed (they hold what someone typed) and old code counts.
    Returns (requests, counts) deleted. Safe to run at any time."""
    now = now or timezone.now()
    requests, _kinds = WebBooking.objects.filter(
        status=WebBookingStatus.PENDING, created_at__lt=now - UNCONFIRMED_KEPT
    ).delete()
    counts, _kinds = CodeSend.objects.filter(sent_at__lt=now - CODE_COUNTS_KEPT).delete()
    return requests, counts
