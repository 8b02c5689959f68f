"""Read side of attendance: what the venue scanner and the ticket pages show. Bounded queries."""

from attendance.models import TOKEN_ALPHABET, Ticket

# --- tickets (helper_tickets) -------------------------------------------------------------------

_TICKET_RELATED = ("booking__session__course", "booking__session__venue", "booking__resident")


def ticket_by_token(token):
    """The ticket (valid or revoked) with its booking, session, venue and resident, or None.

    Anything that cannot be a token (too long, other characters) is answered without a query.
    """
    token = (token or "").strip().upper()
    if not token or len(token) > Ticket._meta.get_field("token").max_length:
        return None
    if not set(token) <= set(TOKEN_ALPHABET):
        return None
    return Ticket.objects.select_related(*_TICKET_RELATED).filter(token=token).first()
