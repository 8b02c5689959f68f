"""What other apps add to the resident's ticket page (followups.hooks explains the mechanism).

In the transaction:
- `ticket_page` (TicketPage) — the page asks; each listener returns a list of `TicketLink`s,
  shown as big buttons in registration order. Listener: surveys.ticket_page.survey_link_on_ticket
  (the survey, once the resident has checked in).
"""

from dataclasses import dataclass
from typing import Any

from followups.hooks import InTransaction


@dataclass(frozen=True)
class TicketLink:
    label: str  # already translated
    url: str
    note: str = ""  # one plain sentence under the button, already translated


@dataclass(frozen=True)
class TicketPage:
    ticket: Any  # attendance.models.Ticket, with its booking loaded
    state: str  # as views.ticket.ticket_state, e.g. "attended"


ticket_page = InTransaction("attendance.ticket_page", TicketPage)


def ticket_links(*, ticket, state):
    """Every app's links for this ticket page, in registration order."""
    return [link for links in ticket_page.announce(TicketPage(ticket, state)) for link in links]
