"""Residents book themselves, no account: the public calendar, a session's booking form, the
code page, the done page; and the desk's list of records the web registered.

Plain HTML forms that work without JavaScript. Nothing personal goes into a URL: the forms that
carry names and numbers are POSTs, and the code and done pages are named by the request's
unguessable token. The public answers are never cached and never indexed, and send no
Referer elsewhere.
"""

import uuid
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import Perm, require
from accounts.clientip import client_address
from audit.recording import record_search
from classes.booking import waitlist_position
from classes.models import BookingStatus
from selfbook import queries
from selfbook.forms import BookForm, CalendarFilterForm, CodeForm
from selfbook.limits import address_allows
from selfbook.models import WebBookingStatus
from selfbook.services import (
    WebBookingError,
    webbooking_confirm,
    webbooking_resend,
    webbooking_review_confirm,
    webbooking_start,
)

# Sessions on one page of the calendar (grouped by day).
CALENDAR_PAGE_SIZE = 20


def _public(response):
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    add_never_cache_headers(response)
    return response


def _too_many():
    return WebBookingError(
        _("Too many codes were asked for from this connection. Please try again in an hour."),
        "address_limit",
    )


def _seats(session):
    """Seats a newcomer could take now: none while anyone is waiting (the booking rule)."""
    if session.waitlisted:
        return 0
    return max(session.seats_left, 0)


def _days(sessions):
    """[(date, [session, ...]), ...] in Asia/Tokyo, each session with `free` seats."""
    for session in sessions:
        session.free = _seats(session)
    return [
        (day, list(group))
        for day, group in groupby(sessions, key=lambda s: timezone.localdate(s.starts_at))
    ]


@require_http_methods(["GET"])
def calendar_view(request):
    params = request.GET.copy()
    if not params.get("date_from"):
        params["date_from"] = timezone.localdate().isoformat()
    form = CalendarFilterForm(params)
    form.is_valid()
    sessions = queries.calendar_sessions(form.filters())
    page = Paginator(sessions, CALENDAR_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "days": _days(list(page.object_list)),
        "contact_phone": settings.CONTACT_PHONE,
    }
    return _public(render(request, "selfbook/calendar.html", context))


def _session_or_404(pk):
    session = queries.calendar_session(pk)
    if session is None:
        raise Http404
    session.free = _seats(session)
    return session


@require_http_methods(["GET", "POST"])
def session_view(request, pk):
    """A session's details and the booking form; sending it asks for a code by SMS."""
    session = _session_or_404(pk)
    error = ""
    status = 200
    if request.method == "POST":
        form = BookForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if not address_allows(client_address(request)):
                    raise _too_many()
                web_booking = webbooking_start(
                    session_id=session.pk,
                    family_name=data["family_name"],
                    given_name=data["given_name"],
                    family_name_kana=data["family_name_kana"],
                    given_name_kana=data["given_name_kana"],
                    phone=data["phone"],
                    consent_contact=data["consent_contact"],
                    consent_data_use=data["consent_data_use"],
                    form_nonce=data["nonce"],
                    companion=form.companion(),
                    waitlist_together=data["waitlist_together"],
                )
            except WebBookingError as refusal:
                error = refusal.message
                status = 429 if refusal.code == "address_limit" else 200
            else:
                return redirect("selfbook:code", token=web_booking.token)
    else:
        form = BookForm(initial={"nonce": uuid.uuid4()})
    context = {
        "session": session,
        "form": form,
        "error": error,
        "contact_phone": settings.CONTACT_PHONE,
        "code_minutes": settings.SELFBOOK_CODE_MINUTES,
        "quiet_start": settings.NOTIFY_QUIET_START,
        "quiet_end": settings.NOTIFY_QUIET_END,
    }
    return _public(render(request, "selfbook/session.html", context, status=status))


def _request_or_404(token):
    web_booking = queries.webbooking_by_token(token)
    if web_booking is None:
        raise Http404
    return web_booking


def _needs_new_code(web_booking):
    """The code can no longer be typed in: too many wrong tries, or out of time."""
    expires = web_booking.code_expires_at
    return web_booking.attempts >= settings.SELFBOOK_CODE_ATTEMPTS or (
        expires is not None and expires <= timezone.now()
    )


@require_http_methods(["GET", "POST"])
def code_view(request, token):
    """Type in the code (or ask for a new one); the right code books."""
    web_booking = _request_or_404(token)
    if web_booking.status == WebBookingStatus.BOOKED:
        return redirect("selfbook:done", token=web_booking.token)
    resend = request.method == "POST" and "resend" in request.POST
    form = CodeForm(
        request.POST if request.method == "POST" and not resend else None,
        initial={"waitlist_together": web_booking.waitlist_together},
    )
    error = ""
    sent_again = False
    status = 200
    if request.method == "POST":
        try:
            if resend:
                if not address_allows(client_address(request)):
                    raise _too_many()
                webbooking_resend(token=web_booking.token)
                sent_again = True
            elif form.is_valid():
                webbooking_confirm(
                    token=web_booking.token,
                    code=form.cleaned_data["code"],
                    waitlist_together=(
                        form.cleaned_data["waitlist_together"]
                        if web_booking.has_companion
                        else None
                    ),
                )
                return redirect("selfbook:done", token=web_booking.token)
        except WebBookingError as refusal:
            error = refusal.message
            status = 429 if refusal.code == "address_limit" else 200
        web_booking.refresh_from_db()
    context = {
        "web_booking": web_booking,
        "session": web_booking.session,
        "form": form,
        "error": error,
        "sent_again": sent_again,
        "needs_new_code": _needs_new_code(web_booking),
        "has_companion": web_booking.has_companion,
        "code_minutes": settings.SELFBOOK_CODE_MINUTES,
        "codes_per_number": settings.SELFBOOK_CODES_PER_NUMBER,
        "contact_phone": settings.CONTACT_PHONE,
    }
    return _public(render(request, "selfbook/code.html", context, status=status))


@require_http_methods(["GET"])
def done_view(request, token):
    """「予約しました」 with the session, and nothing about the person (nor the companion: only
    the booking numbers)."""
    web_booking = _request_or_404(token)
    if web_booking.status != WebBookingStatus.BOOKED or web_booking.booking is None:
        return redirect("selfbook:code", token=web_booking.token)
    booking = web_booking.booking
    context = {
        "session": web_booking.session,
        "booking": booking,
        "companion_booking": queries.companion_booking(web_booking),
        "waitlisted": booking.status == BookingStatus.WAITLISTED,
        "position": waitlist_position(booking),
        "contact_phone": settings.CONTACT_PHONE,
    }
    return _public(render(request, "selfbook/done.html", context))


# --- the desk ----------------------------------------------------------------------------------


@require(Perm.RESIDENTS_EDIT)
@require_http_methods(["GET"])
def review_list(request):
    """「ウェブ予約の確認」: records the web registered, to confirm or merge."""
    pending = queries.reviews_pending()
    record_search(request, "web booking check list", [w.resident for w in pending])
    return render(
        request,
        "selfbook/review_list.html",
        {"pending": pending, "limit": queries.REVIEW_LIMIT},
    )


@require(Perm.RESIDENTS_EDIT)
@require_POST
def review_confirm_view(request, pk):
    try:
        webbooking_review_confirm(web_booking_id=pk, user=request.user)
    except WebBookingError as refusal:
        messages.warning(request, refusal.message)
    else:
        messages.success(request, _("Checked: the record is kept as a new resident."))
    return redirect("selfbook:review_list")
