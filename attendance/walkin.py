"""Walk-ins: someone comes to the venue without a seat. Find or register them, book and check
them in, in one transaction: all of it happens or none of it.

The booking rules stay in classes.booking (walk-ins may join a session that has begun, and are
seated over capacity only with a reason, which goes into the booking's history); the check-in
goes through the one check-in service.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.checkin import CheckInOutcome, checkin_redeem, checkin_replay
from attendance.models import CheckIn
from attendance.tickets import ticket_issue
from classes.booking import BookingError, booking_cancel, booking_create, offer_accept
from classes.models import Booking, BookingStatus
from residents.models import Resident
from residents.queries import resident_duplicates
from residents.services import resident_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Shown next to the reason field: the form asks for it only when it is needed.
FULL_MESSAGE = gettext_lazy(
    "The session is full. To admit this person over capacity, enter the reason."
)
# What a new walk-in may be registered with; the desk completes the record later.
NEW_RESIDENT_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "phone_mobile",
    "phone_home",
)


class WalkInError(Exception):
    """The walk-in could not be checked in; `message` is fit to show the user."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class WalkInOutcome:
    outcome: CheckInOutcome
    resident: Resident
    resident_created: bool = False


class PossibleDuplicate(WalkInError):
    """The newcomer may already be registered: staff choose one of `residents`, or confirm
    (`confirm_new`) that this is someone else before a new record is made."""

    def __init__(self, residents: list[Resident]) -> None:
        super().__init__(
            _(
                "Someone with the same reading or phone is already registered. "
                "If it is this person, choose them below; if not, tick the box."
            ),
            "possible_duplicate",
        )
        self.residents = residents


def possible_duplicates(new_resident: Mapping[str, str]) -> list[Resident]:
    """Registered residents a newcomer may be: the same reading, or the same phone number (a
    walk-in gives no birth year, so the reading alone is enough to ask)."""
    return resident_duplicates(
        family_name_kana=new_resident.get("family_name_kana", ""),
        given_name_kana=new_resident.get("given_name_kana", ""),
        birth_year=None,
        phones=[new_resident.get("phone_mobile"), new_resident.get("phone_home")],
    )


class _AlreadyDone(Exception):
    """The same form was sent twice at once and the other request won: undo ours."""

    def __init__(self, outcome: CheckInOutcome) -> None:
        self.outcome = outcome


def _answered(outcome: CheckInOutcome) -> WalkInOutcome:
    """A walk-in's answer from its check-in, which is always of a booking."""
    booking = outcome.booking
    assert booking is not None
    return WalkInOutcome(outcome, booking.resident)


def walkin_replay(nonce: uuid.UUID) -> WalkInOutcome | None:
    """The answer to a walk-in form already sent with this nonce, or None."""
    outcome = checkin_replay(nonce)
    if outcome is None or outcome.checkin.channel != CheckIn.Channel.WALK_IN:
        return None
    return _answered(outcome)


def _seat(
    *, session_id: int, resident: Resident, reason: str, user: User, now: datetime.datetime
) -> Booking:
    """A booking with a seat for the walk-in, or WalkInError. Runs inside the transaction."""
    outcome = booking_create(
        session_id=session_id,
        resident_id=resident.pk,
        user=user,
        now=now,
        walk_in=True,
        over_capacity_reason=reason,
    )
    booking = outcome.booking
    if booking.status == BookingStatus.OFFERED:
        # They were offered a seat and came: that is a yes (for everyone the offer was made to
        # together with them, as any answer to an offer to a group is; classes.booking).
        booking = offer_accept(booking_id=booking.pk, user=user, now=now).booking
    elif booking.status == BookingStatus.WAITLISTED and not outcome.created:
        # On the waitlist and here in person: give up the waitlist place and take a walk-in
        # seat instead (over capacity with a reason). If there is none, the rollback puts the
        # waitlist place back.
        booking_cancel(
            booking_id=booking.pk, user=user, note=_("Came to the venue as a walk-in"), now=now
        )
        return _seat(session_id=session_id, resident=resident, reason=reason, user=user, now=now)
    if booking.status == BookingStatus.WAITLISTED:
        raise WalkInError(str(FULL_MESSAGE), "full")
    if booking.status == BookingStatus.CANCELLED:  # not reachable today; never check one in
        raise WalkInError(_("This booking has been cancelled."), "cancelled")
    return booking


def walkin_checkin(
    *,
    session_id: int,
    resident_id: int | None = None,
    new_resident: Mapping[str, str] | None = None,
    over_capacity_reason: str = "",
    confirm_new: bool = False,
    device: str,
    nonce: uuid.UUID | str | None,
    user: User,
    now: datetime.datetime | None = None,
) -> WalkInOutcome:
    """Book and check in someone who came without a seat: an existing resident (`resident_id`)
    or a new one (`new_resident`, a dict of NEW_RESIDENT_FIELDS). A new one who may already be
    registered raises PossibleDuplicate unless staff have confirmed (`confirm_new`) that this
    is someone else.

    `nonce` identifies the form that was sent: sent twice, the first answer comes back and
    nothing is registered or booked twice.
    """
    if (resident_id is None) == (new_resident is None):
        raise TypeError("Give either resident_id or new_resident")
    now = now or timezone.now()
    try:
        nonce = uuid.UUID(str(nonce)) if nonce else None
    except ValueError:
        raise WalkInError(
            _("The form was sent incomplete. Please try again."), "bad_nonce"
        ) from None
    if nonce is not None:
        earlier = walkin_replay(nonce)
        if earlier is not None:
            return earlier
    if new_resident is not None and not confirm_new:
        duplicates = possible_duplicates(new_resident)
        if duplicates:
            raise PossibleDuplicate(duplicates)
    try:
        with transaction.atomic():
            return _walk_in(
                session_id=session_id,
                resident_id=resident_id,
                new_resident=new_resident,
                reason=(over_capacity_reason or "").strip(),
                device=device,
                nonce=nonce,
                user=user,
                now=now,
            )
    except _AlreadyDone as done:
        return _answered(done.outcome)
    except BookingError as error:
        raise WalkInError(error.message, error.code) from error


def _walk_in(
    *,
    session_id: int,
    resident_id: int | None,
    new_resident: Mapping[str, str] | None,
    reason: str,
    device: str,
    nonce: uuid.UUID | None,
    user: User,
    now: datetime.datetime,
) -> WalkInOutcome:
    created = new_resident is not None
    if new_resident is not None:
        unknown = set(new_resident) - set(NEW_RESIDENT_FIELDS)
        if unknown:
            raise TypeError(f"Not a walk-in field: {', '.join(sorted(unknown))}")
        resident = resident_create(
            user=user, note=_("Registered at the venue as a walk-in"), **new_resident
        )
    else:
        assert resident_id is not None  # walkin_checkin takes one or the other
        found = Resident.objects.filter(pk=resident_id).first()
        if found is None:
            raise WalkInError(_("This resident is not registered."), "unknown_resident")
        resident = found
    booking = _seat(session_id=session_id, resident=resident, reason=reason, user=user, now=now)
    ticket = ticket_issue(booking_id=booking.pk, user=user)
    outcome = checkin_redeem(
        token=ticket.token,
        session_id=session_id,
        device=device,
        nonce=nonce,
        user=user,
        channel=CheckIn.Channel.WALK_IN,
        now=now,
    )
    if outcome.checkin.booking_id != booking.pk:
        raise _AlreadyDone(outcome)
    return WalkInOutcome(outcome, resident, created)
