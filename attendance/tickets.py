"""Tickets: the token a booking is shown and scanned by."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import Ticket
from attendance.qr import ticket_url
from classes.booking import CANCELLABLE_STATUSES, BookingError, ChangeOutcome, booking_cancel
from classes.hooks import TicketFor
from classes.models import Booking, BookingStatus, CancelReason, SessionStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.access import Actor


class TicketError(Exception):
    """A ticket rule said no; `message` is fit to show the user (or the resident)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _actor(user: Actor) -> User | None:
    return user if user is not None and user.is_authenticated else None


def ticket_issue(*, booking_id: int, user: Actor = None) -> Ticket:
    """The booking's valid ticket, created on first need. Safe to call again at any time."""
    ticket = Ticket.objects.filter(booking_id=booking_id, revoked_at__isnull=True).first()
    if ticket is not None:
        return ticket
    try:
        with transaction.atomic():
            return Ticket.objects.create(booking_id=booking_id, issued_by=_actor(user))
    except IntegrityError:
        # Another request issued it at the same moment: theirs is the ticket.
        return Ticket.objects.get(booking_id=booking_id, revoked_at__isnull=True)


@transaction.atomic
def ticket_reissue(*, booking_id: int, user: Actor, now: datetime.datetime | None = None) -> Ticket:
    """Replace the booking's ticket: the old token stops working (scans say `revoked`)."""
    now = now or timezone.now()
    try:
        booking = Booking.objects.select_for_update().get(pk=booking_id)
    except Booking.DoesNotExist:
        raise TicketError(_("This booking does not exist."), "unknown_booking") from None
    if booking.status == BookingStatus.CANCELLED:
        raise TicketError(
            _("This booking is cancelled, so there is no ticket to reissue."), "cancelled"
        )
    Ticket.objects.filter(booking_id=booking_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=_actor(user), revoke_reason=Ticket.RevokeReason.REISSUED
    )
    return Ticket.objects.create(booking_id=booking_id, issued_by=_actor(user), issued_at=now)


def ticket_can_cancel(ticket: Ticket, now: datetime.datetime | None = None) -> bool:
    """Whether the resident may still cancel from the ticket page: a valid ticket, a booking
    or waitlist place not yet used, and a session that is on and has not begun."""
    now = now or timezone.now()
    booking = ticket.booking
    session = booking.session
    return (
        ticket.is_valid
        and booking.status in CANCELLABLE_STATUSES
        and session.status == SessionStatus.SCHEDULED
        and session.starts_at > now
    )


def ticket_cancel(*, ticket_id: int, now: datetime.datetime | None = None) -> ChangeOutcome:
    """The resident cancels their booking from the ticket page (no account: the token is the
    key). A freed seat is offered to the waitlist; returns classes.booking.ChangeOutcome."""
    now = now or timezone.now()
    try:
        ticket = Ticket.objects.select_related("booking__session").get(pk=ticket_id)
    except Ticket.DoesNotExist:
        raise TicketError(_("This ticket does not exist."), "unknown") from None
    if not ticket.is_valid:
        raise TicketError(_("This ticket has been replaced by a newer one."), "revoked")
    if ticket.booking.status == BookingStatus.CANCELLED:
        raise TicketError(_("This booking has already been cancelled."), "already_cancelled")
    if not ticket_can_cancel(ticket, now):
        raise TicketError(
            _("This booking can no longer be cancelled here. Please call us."), "too_late"
        )
    try:
        return booking_cancel(
            booking_id=ticket.booking_id,
            user=None,
            reason=CancelReason.BY_RESIDENT,
            note="ticket page",
            now=now,
        )
    except BookingError as error:
        raise TicketError(error.message, error.code) from None


def ticket_link_for(event: TicketFor) -> str:
    """classes.hooks.ticket_link listener: the booking's ticket page as an absolute address for
    an SMS (the ticket is issued on first need)."""
    ticket = ticket_issue(booking_id=event.booking_id)
    return ticket_url(ticket.token, base_url=settings.PUBLIC_BASE_URL)
