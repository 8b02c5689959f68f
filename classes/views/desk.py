"""The booking desk: desk staff on the phone find the caller, pick a session, book, read back.

Screens: (1) the desk page (find the resident, filter sessions; both update in place with
htmx), (2) the booking POST, (3) the read-back page. Everything also works without JavaScript:
the page state lives in the query string.
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from classes import queries
from classes.booking import (
    BookingError,
    booking_cancel,
    booking_create,
    offer_accept,
    offer_decline,
    request_key_for,
    series_book,
    waitlist_position,
)
from classes.forms import BookingCancelForm, DeskFilterForm
from config.navigation import safe_next_url
from residents.models import Resident

# The desk lists this many matching sessions; staff narrow the filters for others.
DESK_SESSION_LIMIT = 40
# Query-string keys that make up the desk's state, kept across bookings and errors.
DESK_STATE_KEYS = ("resident", "date_from", "date_to", "venue", "category", "device_os", "seats")


def _desk_url(resident_id=None, state=None):
    query = QueryDict(mutable=True)
    for key in DESK_STATE_KEYS:
        if state and state.get(key):
            query[key] = state[key]
    if resident_id:
        query["resident"] = str(resident_id)
    url = reverse("classes:desk")
    return f"{url}?{query.urlencode()}" if query else url


def _selected_resident(value):
    try:
        resident_id = int(value)
    except (TypeError, ValueError):
        return None
    return Resident.objects.active().filter(pk=resident_id).first()


def _filter_form(params):
    data = params.copy()
    if not data.get("date_from"):
        data["date_from"] = timezone.localdate().isoformat()
    form = DeskFilterForm(data)
    form.is_valid()
    return form


def _sessions_context(params, resident):
    form = _filter_form(params)
    sessions = list(queries.sessions_for_desk(form.filters())[:DESK_SESSION_LIMIT])
    booked = queries.sessions_booked_by(resident, sessions) if resident else {}
    return {
        "filter_form": form,
        "sessions": sessions,
        "session_limit": DESK_SESSION_LIMIT,
        "booked_status": booked,
        "resident": resident,
    }


@require(Perm.BOOKINGS_MANAGE)
def desk(request):
    resident = _selected_resident(request.GET.get("resident"))
    context = _sessions_context(request.GET, resident)
    context.update(
        {
            "form_nonce": uuid.uuid4(),
            "state_query": request.GET.urlencode(),
            "search_text": request.GET.get("q", ""),
            "resident_bookings": queries.resident_bookings(resident) if resident else None,
            "picked_session": queries.session_for_desk(request.GET.get("session")),
        }
    )
    return render(request, "classes/desk/desk.html", context)


@require(Perm.BOOKINGS_MANAGE)
def desk_sessions(request):
    """The session table alone, for htmx: filters changed or the periodic seat refresh."""
    resident = _selected_resident(request.GET.get("resident_id") or request.GET.get("resident"))
    return render(request, "classes/desk/_sessions.html", _sessions_context(request.GET, resident))


@require(Perm.BOOKINGS_MANAGE)
def desk_resident(request, resident_id):
    """The caller's card with their bookings; htmx swaps it in, plain requests get the desk."""
    resident = _selected_resident(resident_id)
    if resident is None:
        raise Http404
    if not request.htmx:
        return redirect(_desk_url(resident.pk, request.GET))
    response = render(
        request,
        "classes/desk/_resident.html",
        {"resident": resident, "resident_bookings": queries.resident_bookings(resident)},
    )
    response["HX-Push-Url"] = _desk_url(resident.pk, request.GET)
    response["HX-Trigger"] = "residentSelected"
    return response


@require(Perm.BOOKINGS_MANAGE)
@require_POST
def desk_book(request):
    state = QueryDict(request.POST.get("state", ""))
    resident = _selected_resident(request.POST.get("resident_id"))
    back = _desk_url(resident.pk if resident else None, state)
    if resident is None:
        messages.error(request, _("First find and choose the caller (step 1)."))
        return redirect(back)
    nonce = request.POST.get("form_nonce", "")
    try:
        if request.POST.get("series_id"):
            series_id = int(request.POST["series_id"])
            bookings = series_book(
                series_id=series_id,
                resident_id=resident.pk,
                user=request.user,
                request_key=request_key_for(nonce, "series", series_id, resident.pk),
            )
            return redirect("classes:booking_done", pk=bookings[0].pk)
        session_id = int(request.POST.get("session_id", ""))
        outcome = booking_create(
            session_id=session_id,
            resident_id=resident.pk,
            user=request.user,
            request_key=request_key_for(nonce, "session", session_id, resident.pk),
        )
    except ValueError:
        messages.error(request, _("Please choose a session from the list."))
        return redirect(back)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect(back)
    url = reverse("classes:booking_done", args=[outcome.booking.pk])
    if not outcome.created:
        url += "?again=1"
    return HttpResponseRedirect(url)


@require(Perm.BOOKINGS_MANAGE)
def booking_done(request, pk):
    booking = queries.booking_for_readback(pk)
    if booking is None:
        raise Http404
    return render(
        request,
        "classes/desk/booking_done.html",
        {
            "booking": booking,
            "package": queries.series_bookings_of(booking),
            "position": waitlist_position(booking),
            "again": request.GET.get("again") == "1",
            "desk_url": _desk_url(booking.resident_id),
        },
    )


@require(Perm.BOOKINGS_MANAGE)
def booking_cancel_view(request, pk):
    booking = queries.booking_for_readback(pk)
    if booking is None:
        raise Http404
    form = BookingCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = booking_cancel(
                booking_id=booking.pk,
                user=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The booking was cancelled."))
            for offered in outcome.offered:
                messages.warning(
                    request,
                    _("A seat was offered to %(name)s from the waitlist: please call them.")
                    % {"name": offered.resident.full_name},
                )
            return redirect(safe_next_url(request, _desk_url(booking.resident_id)))
    return render(
        request,
        "classes/desk/booking_cancel.html",
        {"booking": booking, "form": form, "next": safe_next_url(request, "")},
    )


@require(Perm.BOOKINGS_MANAGE)
def offer_list(request):
    return render(
        request,
        "classes/desk/offer_list.html",
        {"offers": queries.open_offers(), "now": timezone.now()},
    )


def _answer_offer(request, pk, answer, success_message):
    try:
        outcome = answer(booking_id=pk, user=request.user)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success_message % {"name": outcome.booking.resident.full_name})
        for offered in outcome.offered:
            messages.warning(
                request,
                _("The seat is now offered to %(name)s: please call them.")
                % {"name": offered.resident.full_name},
            )
    return redirect("classes:offer_list")


@require(Perm.BOOKINGS_MANAGE)
@require_POST
def offer_accept_view(request, pk):
    return _answer_offer(request, pk, offer_accept, _("%(name)s accepted the seat: booked."))


@require(Perm.BOOKINGS_MANAGE)
@require_POST
def offer_decline_view(request, pk):
    return _answer_offer(request, pk, offer_decline, _("%(name)s declined the seat."))


@require(Perm.RESIDENTS_VIEW)
def resident_bookings_view(request, resident_id):
    """A resident's bookings, shown on the resident's page (loaded there with htmx)."""
    resident = Resident.objects.filter(pk=resident_id).first()
    if resident is None:
        raise Http404
    template = "_resident_bookings.html" if request.htmx else "resident_bookings.html"
    return render(
        request,
        f"classes/desk/{template}",
        {"resident": resident, "resident_bookings": queries.resident_bookings(resident)},
    )
