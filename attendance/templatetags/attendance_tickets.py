"""Ticket links on staff pages that are not ours (the desk's booking page)."""

from django import template

from attendance.qr import ticket_url
from attendance.tickets import ticket_issue
from classes.models import BookingStatus

register = template.Library()


@register.simple_tag(takes_context=True)
def booking_ticket(context, booking):
    """The booking's valid ticket, issued on first need (one query once it exists); None for a
    cancelled booking, which has nothing to show or send."""
    if booking.status == BookingStatus.CANCELLED:
        return None
    request = context.get("request")
    return ticket_issue(booking_id=booking.pk, user=getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def ticket_page_url(context, ticket):
    """The ticket page's absolute URL on this site, to open, copy or read out."""
    return ticket_url(ticket.token, request=context["request"])
