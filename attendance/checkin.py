"""The one check-in service: camera, roster, walk-in and API all come through checkin_redeem.

A scan is idempotent and cheap. The same ticket twice, or from two phones at once, makes one
check-in (the booking row is locked); a retried request with the same client nonce gets the
first answer back and changes nothing (the nonce is unique: the retry's insert fails and the
first answer is read back). The usual path costs three queries: the ticket with its booking
(locked), the check-in row and the booking's status.

The CheckIn rows are the history of attendance — who checked whom in, when, how, and any undo —
so check-ins add no BookingEvent of their own.
"""

import datetime
import re
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import CheckIn, Ticket
from classes.models import Booking, BookingStatus

# A check-in made by mistake can be taken back this long afterwards.
UNDO_MINUTES = 10
# A QR code may hold the ticket's URL (.../t/<token>/) or the bare token.
_TOKEN_IN_TEXT = re.compile(r"([2-9A-HJ-NP-Z]{20,32})/?$")

Result = CheckIn.Result
# What judging a scan and answering it reads: the scan path builds no wider query than this.
_SCAN_FIELDS = (
    "token",
    "revoked_at",
    "booking__status",
    "booking__session__starts_at",
    "booking__resident__family_name",
    "booking__resident__given_name",
)


class CheckInError(Exception):
    def __init__(self, message, code="invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckInOutcome:
    """What the scanner shows: the result code, whose booking, and for a repeat the first one."""

    checkin: CheckIn
    result: str
    booking: Booking | None
    first_at: datetime.datetime | None = None
    first_by: object = None

    @property
    def ok(self):
        return self.result == Result.OK

    @property
    def resident_name(self):
        return self.booking.resident.full_name if self.booking else ""


def token_from_scan(text):
    """The token inside what a scanner read, or the text itself when it holds none."""
    text = (text or "").strip()
    match = _TOKEN_IN_TEXT.search(text.upper())
    return match.group(1) if match else text[:64]


def _as_uuid(nonce):
    if nonce in (None, ""):
        return None
    try:
        return uuid.UUID(str(nonce))
    except ValueError:
        raise CheckInError(_("The scanner sent a malformed request id."), "bad_nonce") from None


def _outcome(checkin):
    first = checkin.original
    return CheckInOutcome(
        checkin=checkin,
        result=checkin.result,
        booking=checkin.booking,
        first_at=first.at if first else None,
        first_by=first.by if first else None,
    )


def checkin_replay(nonce):
    """The answer first given to this nonce, or None when it is new."""
    earlier = (
        CheckIn.objects.select_related("booking__resident", "booking__session", "original__by")
        .filter(nonce=nonce)
        .first()
    )
    return _outcome(earlier) if earlier else None


def _judge(ticket, booking, session_id, now):
    """The result code for this ticket scanned at this session, before anything changes."""
    if ticket is None:
        return Result.UNKNOWN
    if not ticket.is_valid:
        return Result.REVOKED
    if booking.status == BookingStatus.CANCELLED:
        return Result.CANCELLED
    if booking.status in (BookingStatus.WAITLISTED, BookingStatus.OFFERED):
        return Result.WAITLISTED
    # A ticket counts only on the day of its session, even on that session's own page.
    if timezone.localdate(booking.session.starts_at) != timezone.localdate(now):
        return Result.WRONG_DAY
    if booking.session_id != session_id:
        return Result.WRONG_SESSION
    if booking.status == BookingStatus.ATTENDED:
        return Result.ALREADY
    return Result.OK


@transaction.atomic
def _redeem(*, token, session_id, device, nonce, user, channel, now):
    try:
        ticket = (
            Ticket.objects.select_for_update(of=("booking",))
            .select_related("booking__session", "booking__resident")
            .only(*_SCAN_FIELDS)
            .get(token=token)
        )
    except Ticket.DoesNotExist:
        ticket = None
    booking = ticket.booking if ticket else None
    result = _judge(ticket, booking, session_id, now)
    original = None
    if result == Result.ALREADY:
        original = (
            CheckIn.objects.select_related("by")
            .filter(booking=booking, result=Result.OK, undone_at__isnull=True)
            .first()
        )
    checkin = CheckIn.objects.create(
        nonce=nonce,
        result=result,
        channel=channel,
        token=token[:64],
        ticket=ticket,
        booking=booking,
        session_id=session_id,
        resident=booking.resident if booking else None,
        original=original,
        device=device[:64],
        by=user if user is not None and user.is_authenticated else None,
        at=now,
    )
    if result == Result.OK:
        # From booked, or from no_show for someone who came late.
        Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.ATTENDED, updated_at=now)
        booking.status = BookingStatus.ATTENDED
    return _outcome(checkin)


def checkin_redeem(
    *, token, session_id, device, nonce, user, channel=CheckIn.Channel.CAMERA, now=None
):
    """Check a ticket in at the session being worked; every attempt is logged with its result."""
    now = now or timezone.now()
    nonce = _as_uuid(nonce)
    token = token_from_scan(token)
    try:
        return _redeem(
            token=token,
            session_id=session_id,
            device=device or "",
            nonce=nonce,
            user=user,
            channel=channel,
            now=now,
        )
    except IntegrityError:
        # This nonce was used before (a retry), or twice at the same moment: the first answer
        # stands, and the retry's own changes were rolled back.
        replay = checkin_replay(nonce) if nonce is not None else None
        if replay is None:
            raise
        return replay


@transaction.atomic
def checkin_undo(*, checkin_id, user, now=None):
    """Take back a check-in made by mistake, within UNDO_MINUTES; the booking is booked again."""
    now = now or timezone.now()
    try:
        checkin = CheckIn.objects.select_for_update().get(pk=checkin_id, result=Result.OK)
    except CheckIn.DoesNotExist:
        raise CheckInError(_("There is no such check-in."), "unknown") from None
    if checkin.undone_at is not None:
        raise CheckInError(_("This check-in was already taken back."), "already_undone")
    if now - checkin.at > datetime.timedelta(minutes=UNDO_MINUTES):
        raise CheckInError(
            _("A check-in can only be taken back within %(minutes)s minutes.")
            % {"minutes": UNDO_MINUTES},
            "too_late",
        )
    Booking.objects.select_for_update().get(pk=checkin.booking_id)
    actor = user if user is not None and user.is_authenticated else None
    checkin.undone_at = now
    checkin.undone_by = actor
    checkin.save(update_fields=["undone_at", "undone_by"])
    Booking.objects.filter(pk=checkin.booking_id).update(
        status=BookingStatus.BOOKED, updated_at=now
    )
    return checkin
