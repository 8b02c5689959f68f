"""Tickets: the token a booking is shown and scanned by."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from attendance.models import Ticket
from classes.models import Booking


def _actor(user):
    return user if user is not None and user.is_authenticated else None


def ticket_issue(*, booking_id, user=None):
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
def ticket_reissue(*, booking_id, user, now=None):
    """Replace the booking's ticket: the old token stops working (scans say `revoked`)."""
    now = now or timezone.now()
    Booking.objects.select_for_update().get(pk=booking_id)
    Ticket.objects.filter(booking_id=booking_id, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=_actor(user), revoke_reason=Ticket.RevokeReason.REISSUED
    )
    return Ticket.objects.create(booking_id=booking_id, issued_by=_actor(user), issued_at=now)
