"""The survey link on the resident's ticket page, once they have checked in."""

from django.urls import reverse
from django.utils.translation import gettext as _

from attendance.hooks import TicketLink
from surveys.queries import survey_for_booking


def survey_link_on_ticket(page):
    """attendance.hooks.ticket_page listener. One query, and only for an attended booking: is an
    open survey attached?"""
    ticket, state = page.ticket, page.state
    if state != "attended":
        return []
    if survey_for_booking(ticket.booking) is None:
        return []
    return [
        TicketLink(
            label=_("Answer a short survey"),
            url=reverse("surveys:answer_ticket", args=[ticket.token]),
            note=_("Tell us how the class went. It takes one or two minutes."),
        )
    ]
