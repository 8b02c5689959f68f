"""What other apps add to the resident's ticket page, without attendance importing them.

An app registers a provider in its AppConfig.ready(): `on_ticket_page(provider)`. The ticket
page calls `provider(ticket=..., state=...)` (state as in `views.ticket.ticket_state`, e.g.
"attended") and shows each returned `TicketLink` as a big button, in registration order.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TicketLink:
    label: str  # already translated
    url: str
    note: str = ""  # one plain sentence under the button, already translated


_providers = []


def on_ticket_page(provider):
    """Register `provider(*, ticket, state) -> list[TicketLink]`; usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def ticket_links(*, ticket, state):
    return [link for provider in _providers for link in provider(ticket=ticket, state=state)]
