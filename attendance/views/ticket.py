"""Tickets: the resident's page at /t/<token>/ (no login, the token is the key), its cancel
step and PDF; for staff the printed ticket, the reissue and the paper roster."""

import re
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import Perm, can, check_venue, require
from attendance import hooks, pdf, queries, tickets
from attendance.qr import qr_svg, ticket_url
from audit.forms import ExportPurposeForm
from audit.recording import record_export
from classes import queries as class_queries
from classes.booking import BookingError, offer_accept, offer_decline, waitlist_position
from classes.models import BookingStatus, CancelReason, Session, SessionStatus

MAP_SEARCH_URL = "https://www.google.com/maps/search/?"


# --- helpers -----------------------------------------------------------------------------------


# The token in the address must never reach another site as a referrer. The pages say
# "same-origin", not "no-referrer": under no-referrer the browser sends "Origin: null" with the
# page's own forms (cancel, language), and Django's CSRF check refuses them.
PAGE_REFERRER_POLICY = "same-origin"


def _private(response, referrer_policy="no-referrer"):
    """Token pages and PDFs hold personal data: never cached, indexed or leaked as a referrer."""
    response.headers.setdefault("Referrer-Policy", referrer_policy)
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _token_page(view):
    """Find the ticket for the token in the URL: unknown → 404, replaced → 410, both as
    friendly pages in Japanese; then call the view with the valid ticket."""

    @wraps(view)
    def wrapper(request, token):
        ticket = queries.ticket_by_token(token)
        if ticket is None:
            response = render(request, "404.html", _contact_context(), status=404)
        elif not ticket.is_valid:
            response = render(
                request, "attendance/ticket/revoked.html", _contact_context(), status=410
            )
        else:
            response = view(request, ticket)
        return _private(response, PAGE_REFERRER_POLICY)

    return wrapper


def _contact_context():
    label = settings.CONTACT_PHONE
    number = re.match(r"[0-9+][0-9\-]*", label.strip())
    return {
        "contact_phone": label,
        "contact_tel": number.group(0).replace("-", "") if number else "",
    }


def map_url(venue):
    """A map search for the venue: its coordinates when known, else its address."""
    if venue.latitude is not None and venue.longitude is not None:
        query = f"{venue.latitude},{venue.longitude}"
    else:
        query = venue.address
    return MAP_SEARCH_URL + urlencode({"api": 1, "query": query})


def ticket_state(ticket, now=None):
    """What the resident's page says first, one word per case the template handles."""
    now = now or timezone.now()
    booking, session = ticket.booking, ticket.booking.session
    if session.status == SessionStatus.CANCELLED:
        return "session_cancelled"
    if booking.status == BookingStatus.CANCELLED:
        return "cancelled"
    if booking.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        return booking.status
    if session.ends_at <= now or session.status == SessionStatus.HELD:
        return "over"
    return booking.status  # booked, waitlisted, offered


def _ticket_context(request, ticket):
    booking = ticket.booking
    session = booking.session
    return {
        "ticket": ticket,
        "booking": booking,
        "session": session,
        "venue": session.venue,
        "resident": booking.resident,
        "map_url": map_url(session.venue),
        # An offer of seats to people waiting together is answered for all of them.
        "offered_together": class_queries.offered_together(booking),
        **_contact_context(),
    }


def _pdf_response(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _private(response)


# --- residents: no login -----------------------------------------------------------------------


@_token_page
def ticket_page(request, ticket):
    state = ticket_state(ticket)
    context = _ticket_context(request, ticket)
    context.update(
        state=state,
        position=waitlist_position(ticket.booking) if state == "waitlisted" else None,
        can_cancel=tickets.ticket_can_cancel(ticket),
        can_print=pdf.ticket_printable(ticket) and state == "booked",
        qr=qr_svg(ticket_url(ticket.token, request=request), label=_("QR code for check-in"))
        if state == "booked"
        else None,
        extra_links=hooks.ticket_links(ticket=ticket, state=state),
    )
    return render(request, "attendance/ticket/page.html", context)


@require_http_methods(["GET", "POST"])
@_token_page
def ticket_cancel_view(request, ticket):
    error = None
    if request.method == "POST":
        try:
            tickets.ticket_cancel(ticket_id=ticket.pk)
        except tickets.TicketError as failure:
            if failure.code != "already_cancelled":
                error = failure.message
        if error is None:
            # Back to a GET, so a reload does not send the form again.
            return redirect("attendance:ticket_cancel", token=ticket.token)
    context = _ticket_context(request, ticket)
    booking = ticket.booking
    if booking.status == BookingStatus.CANCELLED and not error:
        context["by_resident"] = booking.cancel_reason == CancelReason.BY_RESIDENT
        return render(request, "attendance/ticket/cancelled.html", context)
    context.update(error=error, can_cancel=tickets.ticket_can_cancel(ticket))
    return render(request, "attendance/ticket/cancel.html", context)


# The resident's two answers to a waitlist offer: the service that acts on each.
OFFER_ANSWERS = {"accept": offer_accept, "decline": offer_decline}


def _ticket_offer(request, ticket, answer):
    """Take or decline an offered seat: a GET asks first, the POST answers (no account: the
    token is the key, so the booking history records no user)."""
    error = None
    booking = ticket.booking
    if request.method == "POST":
        try:
            OFFER_ANSWERS[answer](booking_id=booking.pk, user=None)
        except BookingError as failure:
            error = failure.message
        else:
            return redirect("attendance:ticket", token=ticket.token)
    context = _ticket_context(request, ticket)
    context.update(
        answer=answer,
        error=error,
        is_open=ticket_state(ticket) == "offered" and booking.offer_expires_at > timezone.now(),
    )
    return render(request, "attendance/ticket/offer.html", context)


@require_http_methods(["GET", "POST"])
@_token_page
def ticket_offer_accept(request, ticket):
    return _ticket_offer(request, ticket, "accept")


@require_http_methods(["GET", "POST"])
@_token_page
def ticket_offer_decline(request, ticket):
    return _ticket_offer(request, ticket, "decline")


@_token_page
def ticket_pdf_view(request, ticket):
    if not pdf.ticket_printable(ticket):
        return redirect("attendance:ticket", token=ticket.token)
    content = pdf.ticket_pdf(
        ticket=ticket, base_url=request.build_absolute_uri("/"), size=request.GET.get("size")
    )
    return _pdf_response(content, f"ticket-{ticket.booking.number}.pdf")


# --- staff ---------------------------------------------------------------------------------------


def _booking_or_404(request, pk):
    booking = class_queries.booking_for_readback(pk)
    if booking is None:
        raise Http404
    check_venue(request.user, booking.session.venue_id)
    return booking


@require(Perm.TICKETS_MANAGE)
def staff_ticket_pdf(request, pk):
    booking = _booking_or_404(request, pk)
    if booking.status != BookingStatus.BOOKED:
        messages.error(request, _("Only a booking with a seat has a ticket to print."))
        return redirect("classes:booking_done", pk=booking.pk)
    ticket = tickets.ticket_issue(booking_id=booking.pk, user=request.user)
    ticket.booking = booking  # with its session, venue and resident already loaded
    content = pdf.ticket_pdf(
        ticket=ticket, base_url=request.build_absolute_uri("/"), size=request.GET.get("size")
    )
    # A ticket to hand or post to the resident it names: its purpose goes without saying.
    record_export(request, "ticket PDF", [booking.resident_id], rows=1)
    return _pdf_response(content, f"ticket-{booking.number}.pdf")


@require(Perm.TICKETS_MANAGE)
def booking_ticket_panel(request, pk):
    """Print, open and reissue buttons for a booking; the desk's booking page loads it."""
    booking = _booking_or_404(request, pk)
    if booking.status == BookingStatus.CANCELLED:
        # A cancelled booking has nothing to print or send.
        if request.htmx:
            return HttpResponse("")
        raise Http404
    ticket = tickets.ticket_issue(booking_id=booking.pk, user=request.user)
    context = {
        "booking": booking,
        "ticket": ticket,
        "page_url": ticket_url(ticket.token, request=request),
        "package": class_queries.series_bookings_of(booking),
    }
    template = "_desk.html" if request.htmx else "desk_page.html"
    return render(request, f"attendance/ticket/{template}", context)


@require(Perm.TICKETS_MANAGE)
@require_POST
def ticket_reissue_view(request, pk):
    booking = _booking_or_404(request, pk)
    try:
        tickets.ticket_reissue(booking_id=booking.pk, user=request.user)
    except tickets.TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "A new ticket was issued. The old ticket and its QR code no longer work: "
                "please print or send the new one."
            ),
        )
    return redirect("classes:booking_done", pk=booking.pk)


@require(Perm.SESSIONS_VIEW)
@require_http_methods(["GET", "POST"])
def roster_pdf_view(request, pk):
    """The paper roster: first the purpose it is printed for (kept in the access log), then
    the PDF. Staff who may not browse residents get phones as their last 4 digits."""
    try:
        session = class_queries.session_with_seats(pk)
    except Session.DoesNotExist:
        raise Http404 from None
    check_venue(request.user, session.venue_id)
    form = ExportPurposeForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(
            request, "attendance/roster_export.html", {"session": session, "purpose_form": form}
        )
    roster = list(class_queries.session_roster(session))
    class_queries.with_companions(roster)
    content = pdf.roster_pdf(
        session=session,
        roster=roster,
        base_url=request.build_absolute_uri("/"),
        full_phones=can(request.user, Perm.RESIDENTS_VIEW),
    )
    record_export(
        request,
        "roster PDF",
        [booking.resident_id for booking in roster],
        rows=len(roster),
        purpose=form.cleaned_data["purpose"],
    )
    day = timezone.localtime(session.starts_at)
    return _pdf_response(content, f"roster-{day:%Y%m%d}-{session.pk}.pdf")
