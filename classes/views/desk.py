"""The booking desk: desk staff on the phone find the caller, pick a session, book, read back.

Screens: (1) the desk page (find the resident, filter sessions; both update in place with
htmx), (2) the booking POST, (3) the read-back page. Everything also works without JavaScript:
the page state lives in the query string.

Companions: a caller booking for two or more (a couple, a parent and a grown child) adds the
others to their card (`companion` in the query string, found with the same search or
registered on the spot); the session list then books them all together in one step
(classes.booking.booking_create_group), and the read-back names everyone. Coming back from
registering a companion, the desk URL carries the caller as `caller` and the new record as
`resident` (the registration page sets that one).
"""

import uuid

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from accounts.access import Perm, require
from audit.recording import record_view
from classes import queries
from classes.booking import (
    GROUP_MAX_PEOPLE,
    BookingError,
    booking_cancel,
    booking_create,
    booking_create_group,
    booking_group_undo,
    booking_undo,
    booking_undoable,
    group_undoable,
    offer_accept,
    offer_decline,
    request_key_for,
    series_book,
    waitlist_position,
)
from classes.forms import BookingCancelForm, DeskFilterForm
from classes.models import BookingStatus
from config.forms import record_id
from config.navigation import safe_next_url
from residents.models import Resident

# The desk lists this many matching sessions; staff narrow the filters for others.
DESK_SESSION_LIMIT = 40
# Query-string keys that make up the desk's state, kept across bookings and errors.
DESK_STATE_KEYS = ("resident", "date_from", "date_to", "venue", "category", "device_os", "seats")


def _desk_url(resident_id=None, state=None, companions=(), *, caller_key="resident"):
    query = QueryDict(mutable=True)
    for key in DESK_STATE_KEYS:
        if state and state.get(key):
            query[key] = state[key]
    if resident_id:
        query.pop("resident", None)
        query[caller_key] = str(resident_id)
    if companions:
        query.setlist("companion", [str(c.pk) for c in companions])
    url = reverse("classes:desk")
    return f"{url}?{query.urlencode()}" if query else url


def _selected_resident(value):
    try:
        resident_id = int(value)
    except (TypeError, ValueError):
        return None
    return Resident.objects.active().filter(pk=resident_id).first()


def _ids(values):
    return [pk for pk in map(record_id, values) if pk is not None]


def _companions(params, resident, *, add=(), remove=()):
    """The caller's companions named in the request, in the order they were added: active
    records only, never the caller, at most GROUP_MAX_PEOPLE − 1 (1 query)."""
    if resident is None:
        return []
    wanted = [
        pk
        for pk in dict.fromkeys(
            _ids([*params.getlist("companion"), *params.getlist("companion_id"), *add])
        )
        if pk != resident.pk and pk not in remove
    ]
    if not wanted:
        return []
    found = Resident.objects.active().in_bulk(wanted[: GROUP_MAX_PEOPLE * 2])
    return [found[pk] for pk in wanted if pk in found][: GROUP_MAX_PEOPLE - 1]


def _desk_party(params):
    """(the caller, their companions) the request names. Back from registering a companion,
    `caller` is the caller and `resident` the new companion."""
    if params.get("caller"):
        resident = _selected_resident(params.get("caller"))
        return resident, _companions(params, resident, add=_ids([params.get("resident")]))
    resident = _selected_resident(params.get("resident_id") or params.get("resident"))
    return resident, _companions(params, resident)


def _companions_context(resident, companions, state=None):
    return {
        "companions": companions,
        "party_size": 1 + len(companions),
        "can_add_companion": 1 + len(companions) < GROUP_MAX_PEOPLE,
        # Registering a companion comes back here with the new record added.
        "companion_register_url": _desk_url(resident.pk, state, companions, caller_key="caller"),
    }


def _filter_form(params):
    data = params.copy()
    if not data.get("date_from"):
        data["date_from"] = timezone.localdate().isoformat()
    form = DeskFilterForm(data)
    form.is_valid()
    return form


def _sessions_context(params, resident, companions=()):
    form = _filter_form(params)
    sessions = list(queries.sessions_for_desk(form.filters())[:DESK_SESSION_LIMIT])
    booked = queries.sessions_booked_by(resident, sessions) if resident else {}
    return {
        "filter_form": form,
        "sessions": sessions,
        "session_limit": DESK_SESSION_LIMIT,
        "booked_status": booked,
        "resident": resident,
        "party_size": 1 + len(companions),
    }


@require(Perm.BOOKINGS_MANAGE)
def desk(request):
    resident, companions = _desk_party(request.GET)
    if resident is not None:
        record_view(request, "desk resident card", [resident, *companions])
    context = _sessions_context(request.GET, resident, companions)
    context.update(
        {
            "form_nonce": uuid.uuid4(),
            "state_query": request.GET.urlencode(),
            "resident_bookings": queries.resident_bookings(resident) if resident else None,
            "picked_session": queries.session_for_desk(request.GET.get("session")),
        }
    )
    if resident is not None:
        context.update(_companions_context(resident, companions, request.GET))
    return render(request, "classes/desk/desk.html", context)


@require(Perm.BOOKINGS_MANAGE)
def desk_sessions(request):
    """The session table alone, for htmx: filters changed or the periodic seat refresh."""
    resident, companions = _desk_party(request.GET)
    return render(
        request,
        "classes/desk/_sessions.html",
        _sessions_context(request.GET, resident, companions),
    )


@require(Perm.BOOKINGS_MANAGE)
def desk_companions(request):
    """The caller's companions, for htmx: one added (from the search) or taken off."""
    resident = _selected_resident(request.GET.get("resident_id") or request.GET.get("resident"))
    if resident is None:
        raise Http404
    companions = _companions(
        request.GET,
        resident,
        add=_ids([request.GET.get("add")]),
        remove=_ids([request.GET.get("remove")]),
    )
    if not request.htmx:
        return redirect(_desk_url(resident.pk, request.GET, companions))
    record_view(request, "desk companions", companions)
    response = render(
        request,
        "classes/desk/_companions.html",
        {"resident": resident, **_companions_context(resident, companions)},
    )
    response["HX-Push-Url"] = _desk_url(resident.pk, None, companions)
    # After the swap: the session list reads the companions the new card holds.
    response["HX-Trigger-After-Swap"] = "partyChanged"
    return response


@require(Perm.BOOKINGS_MANAGE)
def desk_resident(request, resident_id):
    """The caller's card with their bookings; htmx swaps it in, plain requests get the desk."""
    resident = _selected_resident(resident_id)
    if resident is None:
        raise Http404
    if not request.htmx:
        return redirect(_desk_url(resident.pk, request.GET))
    record_view(request, "desk resident card", [resident])
    response = render(
        request,
        "classes/desk/_resident.html",
        {
            "resident": resident,
            "resident_bookings": queries.resident_bookings(resident),
            **_companions_context(resident, []),
        },
    )
    response["HX-Push-Url"] = _desk_url(resident.pk, request.GET)
    # After the swap, so that the session list reads the new card (its caller, no companions).
    response["HX-Trigger-After-Swap"] = "residentSelected"
    return response


@require(Perm.BOOKINGS_MANAGE)
@require_POST
def desk_book(request):
    state = QueryDict(request.POST.get("state", ""))
    resident = _selected_resident(request.POST.get("resident_id"))
    companions = _companions(request.POST, resident)
    back = _desk_url(resident.pk if resident else None, state, companions)
    if resident is None:
        messages.error(request, _("First find and choose the caller (step 1)."))
        return redirect(back)
    nonce = request.POST.get("form_nonce", "")
    try:
        if companions:
            return _book_together(request, resident, companions, nonce)
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


def _book_together(request, resident, companions, nonce):
    """The caller and their companions into one session, all or none (raises BookingError and
    ValueError as desk_book expects)."""
    if request.POST.get("series_id"):
        raise BookingError(
            _(
                "A series booked as a whole is booked one person at a time. Take the "
                "companions off to book it for the caller."
            ),
            "series_together",
        )
    waitlist_ok = bool(request.POST.get("waitlist_session_id"))
    session_id = int(request.POST.get("session_id") or request.POST.get("waitlist_session_id", ""))
    people = [resident.pk, *(c.pk for c in companions)]
    outcome = booking_create_group(
        session_id=session_id,
        resident_ids=people,
        user=request.user,
        waitlist_ok=waitlist_ok,
        request_key=request_key_for(nonce, "group", session_id, *people),
    )
    url = reverse("classes:booking_done", args=[outcome.lead.pk])
    if not outcome.created:
        url += "?again=1"
    return HttpResponseRedirect(url)


@require(Perm.BOOKINGS_MANAGE)
def booking_done(request, pk):
    booking = queries.booking_for_readback(pk)
    if booking is None:
        raise Http404
    together = queries.group_bookings_of(booking)
    held = [b for b in together if b.status != BookingStatus.CANCELLED]
    return render(
        request,
        "classes/desk/booking_done.html",
        {
            "booking": booking,
            "package": queries.series_bookings_of(booking),
            "together": together,
            "held_together": held,
            # Read out as one: 「山田 太郎様、山田 花子様」.
            "together_names": _names(held),
            "position": waitlist_position(booking),
            "again": request.GET.get("again") == "1",
            "accepted": request.GET.get("accepted") == "1",
            "undoable": group_undoable(together) if together else booking_undoable(booking),
            "desk_url": _desk_url(booking.resident_id),
        },
    )


@require(Perm.BOOKINGS_MANAGE)
@require_POST
def booking_undo_view(request, pk):
    """The desk takes back a booking just made by mistake, from the read-back page."""
    try:
        outcome = booking_undo(booking_id=pk, user=request.user)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("classes:booking_done", pk=pk)
    messages.success(
        request,
        _("The booking was taken back: %(name)s is not booked for this session.")
        % {"name": outcome.booking.resident.full_name},
    )
    for offered in outcome.offered:
        messages.warning(
            request,
            _("A seat was offered to %(name)s from the waitlist: please call them.")
            % {"name": offered.resident.full_name},
        )
    return redirect(_desk_url(outcome.booking.resident_id))


@require(Perm.BOOKINGS_MANAGE)
@require_POST
def booking_group_undo_view(request, pk):
    """The desk takes back, from the read-back page, every booking just made together."""
    try:
        outcome = booking_group_undo(booking_id=pk, user=request.user)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("classes:booking_done", pk=pk)
    messages.success(
        request,
        _("The bookings were taken back: %(names)s are not booked for this session.")
        % {"names": _names(outcome.together)},
    )
    for offered in outcome.offered:
        messages.warning(
            request,
            _("A seat was offered to %(name)s from the waitlist: please call them.")
            % {"name": offered.resident.full_name},
        )
    return redirect(_desk_url(outcome.booking.resident_id))


def _names(bookings):
    """People named together in one sentence: 「山田 太郎様、山田 花子」 + the sentence's 様."""
    return pgettext("between names read out together", ", ").join(
        b.resident.full_name for b in bookings
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
        {"offers": queries.entries(queries.open_offers()), "now": timezone.now()},
    )


def _answer_offer(request, pk, answer, success_message):
    try:
        outcome = answer(booking_id=pk, user=request.user)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect("classes:offer_list")
    messages.success(
        request, success_message % {"name": _names(outcome.together or [outcome.booking])}
    )
    for offered in outcome.offered:
        messages.warning(
            request,
            _("The seat is now offered to %(name)s: please call them.")
            % {"name": offered.resident.full_name},
        )
    if answer is offer_accept:
        # The same read-back and ticket links as a booking made at the desk.
        return redirect(reverse("classes:booking_done", args=[pk]) + "?accepted=1")
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
    record_view(request, "resident bookings", [resident])
    return render(
        request,
        f"classes/desk/{template}",
        {"resident": resident, "resident_bookings": queries.resident_bookings(resident)},
    )
