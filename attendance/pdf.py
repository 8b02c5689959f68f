"""Printable tickets and the paper roster, rendered from HTML templates with WeasyPrint.

The templates name the font "Noto Sans CJK JP" (Debian's fonts-noto-cjk) with IPAexGothic as
the fallback; WeasyPrint embeds the glyphs it uses, so the PDF prints the same anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.qr import qr_svg, ticket_url
from attendance.tickets import TicketError
from classes.models import SEAT_STATUSES, BookingStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class PaperSize:
    css: str  # the CSS @page size
    label: StrOrPromise


# Postcard (はがき) is 100 × 148 mm, portrait.
TICKET_SIZES = {
    "a4": PaperSize("A4 portrait", _("A4")),
    "postcard": PaperSize("100mm 148mm", _("Postcard")),
}
DEFAULT_TICKET_SIZE = "a4"
# Empty rows at the end of the paper roster, for people who come without booking.
ROSTER_BLANK_ROWS = 5


def ticket_size(value):
    """The paper size asked for in ?size=, falling back to A4 for anything unknown."""
    return value if value in TICKET_SIZES else DEFAULT_TICKET_SIZE


def render_pdf(template, context, *, base_url):
    # Imported here: loading WeasyPrint parses its stylesheets, which every process starting
    # the site (and every manage.py command) would otherwise pay for.
    import weasyprint

    html = render_to_string(template, context)
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()


def ticket_printable(ticket):
    """A paper ticket is for a valid ticket of a booking that holds a seat (not yet used)."""
    return ticket.is_valid and ticket.booking.status == BookingStatus.BOOKED


def ticket_pdf(*, ticket, base_url, size=DEFAULT_TICKET_SIZE):
    """The ticket of a booking on A4 or a postcard; the QR holds the ticket page's URL.

    `ticket` comes with its booking, session, course, venue and resident loaded.
    """
    size = ticket_size(size)
    booking = ticket.booking
    if not ticket_printable(ticket):
        raise TicketError(_("Only a booking with a seat has a ticket to print."), "not_printable")
    context = {
        "ticket": ticket,
        "booking": booking,
        "session": booking.session,
        "resident": booking.resident,
        "size": size,
        "page_size": TICKET_SIZES[size].css,
        "qr": qr_svg(ticket_url(ticket.token, base_url=base_url), label=_("QR code for check-in")),
        "contact_phone": settings.CONTACT_PHONE,
    }
    return render_pdf("attendance/pdf/ticket.html", context, base_url=base_url)


def roster_pdf(*, session, roster, base_url, full_phones=True, now=None):
    """The session's roster (名簿) on A4 portrait: the paper fallback when the network is down.

    `roster` is classes.queries.session_roster(session): seats first, then the waitlist.
    Without `full_phones` (staff who may not browse residents) a phone shows its last 4 digits.
    """
    roster = list(roster)
    context = {
        "session": session,
        "seated": [b for b in roster if b.status in SEAT_STATUSES],
        "waitlist": [b for b in roster if b.status == BookingStatus.WAITLISTED],
        "blank_rows": range(ROSTER_BLANK_ROWS),
        "printed_at": now or timezone.now(),
        "full_phones": full_phones,
    }
    return render_pdf("attendance/pdf/roster.html", context, base_url=base_url)
