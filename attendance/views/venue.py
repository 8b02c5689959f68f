"""The venue: today's sessions, the scanner page (counts, camera, roster, walk-ins) and the scan
API the camera page posts to.

Venue staff work only their venues' sessions: every session-specific view checks the venue and
answers 403 for another one. Check-ins of every kind go through attendance.checkin.
"""

import datetime
import json
import uuid

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, can, check_venue, require, venue_scope
from attendance import queries
from attendance.checkin import (
    UNDO_MINUTES,
    CheckInError,
    ScanPassRevoked,
    checkin_redeem,
    checkin_undo,
    checkin_window_open,
)
from attendance.forms import RosterCheckInForm, UndoForm, WalkInForm, scan_request
from attendance.models import CheckIn
from attendance.scanpass import max_age_seconds, scanpass_check, scanpass_issue
from attendance.shortcode import short_code_in
from attendance.tickets import ticket_issue
from attendance.walkin import PossibleDuplicate, WalkInError, walkin_checkin, walkin_replay
from audit.recording import record_search
from classes.models import Booking, Session
from classes.scheduling import short_date
from residents.models import Resident
from residents.queries import IDENTIFY_LIMIT, resident_identify, resident_search

Result = CheckIn.Result
# Residents listed when looking up a walk-in; the venue narrows the search, not pages.
WALKIN_SEARCH_LIMIT = 10
# The longest search text kept; a name and a year or a phone number fit easily.
WALKIN_QUERY_LENGTH = 100
# How the result box looks: green for in, orange for a repeat, red for everything else.
_LEVELS = {Result.OK: "ok", Result.ALREADY: "warn"}


# --- what the scanner shows -----------------------------------------------------------------


def _staff_name(user):
    if user is None:
        return ""
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.get_username()


def _local_hm(moment):
    return timezone.localtime(moment).strftime("%H:%M") if moment else ""


def _reason(outcome):
    """The result in plain Japanese, ready to show in the big box."""
    result = outcome.result
    if result == Result.OK:
        return _("%(name)s: checked in.") % {"name": outcome.resident_name}
    if result == Result.ALREADY:
        by = _staff_name(outcome.first_by)
        if by:
            return _("Already checked in (%(time)s, %(by)s).") % {
                "time": _local_hm(outcome.first_at),
                "by": by,
            }
        return _("Already checked in (%(time)s).") % {"time": _local_hm(outcome.first_at)}
    if result == Result.WRONG_SESSION:
        return _("This ticket is for another session today (starts %(time)s).") % {
            "time": _local_hm(outcome.booking.session.starts_at)
        }
    if result == Result.WRONG_DAY:
        start = timezone.localtime(outcome.booking.session.starts_at)
        return _("This ticket is for another day (%(date)s %(time)s).") % {
            "date": short_date(start.date()),
            "time": start.strftime("%H:%M"),
        }
    if result == Result.CANCELLED:
        return _("This booking has been cancelled.")
    if result == Result.WAITLISTED:
        return _("This person is on the waitlist and has no seat yet.")
    if result == Result.REVOKED:
        return _("This ticket was replaced by a newer one. Please ask for the new ticket.")
    if short_code_in(outcome.checkin.token):
        return _(
            "No ticket with this code is booked at this venue today. Please check the code, "
            "or find the person on the roster."
        )
    return _("This code is not a Tsunagu ticket.")


def _answer(outcome):
    """The scan's answer as the page shows it (the API's JSON and the result box)."""
    return {
        "result": outcome.result,
        "ok": outcome.ok,
        "level": _LEVELS.get(outcome.result, "bad"),
        "message": _reason(outcome),
        "name": outcome.resident_name,
        "first_at": _local_hm(outcome.first_at),
        "first_by": _staff_name(outcome.first_by),
        "checkin_id": outcome.checkin_id,
    }


# --- pages ----------------------------------------------------------------------------------


def _session_for(request, pk):
    """The session with its counts, or 404; 403 when it is at another venue."""
    try:
        session = queries.venue_session(pk)
    except Session.DoesNotExist:
        raise Http404 from None
    check_venue(request.user, session.venue_id)
    return _with_facts(session)


def _with_facts(session):
    # booking_create seats a newcomer only when nobody waits and a seat is free.
    session.is_full = session.waiting > 0 or session.booked >= session.capacity
    # Tickets count now (its day, or the grace after a late session): no "not today" warning.
    session.is_today = checkin_window_open(session.starts_at, session.ends_at, timezone.now())
    session.not_yet = max(session.booked - session.checked_in, 0)
    return session


def _roster(session, search):
    roster = queries.venue_roster(session.pk, search=search)
    undo_after = timezone.now() - datetime.timedelta(minutes=UNDO_MINUTES)
    for booking in roster:
        booking.nonce = uuid.uuid4()  # one per button: a double tap checks in once
        booking.can_undo = bool(booking.checkin_at and booking.checkin_at > undo_after)
    return roster


def _walkin_form(data=None, **kwargs):
    return WalkInForm(data, initial={"nonce": uuid.uuid4()}, prefix="walkin", **kwargs)


def _page_context(session, request, search="", **extra):
    context = {
        "session": session,
        "roster": _roster(session, search),
        "search": search,
        "walkin_form": _walkin_form(),
        "walkin_nonce": uuid.uuid4(),
        "undo_minutes": UNDO_MINUTES,
        # The login, role and venue were checked for this page: the pass carries that to scans.
        "scan_pass": scanpass_issue(user=request.user, session_id=session.pk),
        "scan_pass_renew_seconds": _renew_seconds(),
    }
    context.update(extra)
    return context


@require(Perm.CHECKIN)
@require_GET
def today(request):
    day = timezone.localdate()
    sessions = queries.venue_sessions_today(venue_scope(request.user), day=day, now=timezone.now())
    return render(request, "attendance/venue/today.html", {"sessions": sessions, "day": day})


@require(Perm.CHECKIN)
@require_GET
def session_checkin(request, pk):
    session = _session_for(request, pk)
    return render(request, "attendance/venue/session.html", _page_context(session, request))


def _renew_seconds():
    # Halfway through a pass's life: a renewal that fails once (a dead spot in the hall) has
    # time to succeed before the pass runs out.
    return max(max_age_seconds() // 2, 1)


@require(Perm.CHECKIN)
@require_GET
def scan_pass_renew(request, pk):
    """A fresh scanner pass for the open scanner page, through the page's own checks (login,
    role, venue); the page's script asks before the pass it holds runs out."""
    venue_id = Session.objects.filter(pk=pk).values_list("venue_id", flat=True).first()
    if venue_id is None:
        raise Http404
    check_venue(request.user, venue_id)
    scan_pass = scanpass_issue(user=request.user, session_id=pk)
    return JsonResponse({"pass": scan_pass, "renew_in": _renew_seconds()})


@require(Perm.CHECKIN)
@require_GET
def session_counts(request, pk):
    """The live counts alone: htmx polls them every few seconds."""
    session = _session_for(request, pk)
    return render(request, "attendance/venue/_counts.html", {"session": session})


def _roster_search(request):
    """The roster's search box: sent by POST, so a name typed at the venue is in no URL."""
    return request.POST.get("q", "").strip()[:WALKIN_QUERY_LENGTH]


@require(Perm.CHECKIN)
@require_http_methods(["GET", "POST"])
def session_roster_view(request, pk):
    """The roster alone, for the kana search as you type (POST) and the refresh after a scan;
    without JavaScript the search renders the whole page."""
    session = _session_for(request, pk)
    search = _roster_search(request)
    if not request.htmx:
        context = _page_context(session, request, search=search)
        return render(request, "attendance/venue/session.html", context)
    return render(
        request,
        "attendance/venue/_roster.html",
        {"session": session, "roster": _roster(session, search), "search": search},
    )


def _after_action(request, session, answer):
    """htmx gets the roster with the result and counts swapped in; others go back to the page."""
    if request.htmx:
        search = _roster_search(request)
        if answer.get("level") == "ok" or answer.get("undone"):
            session = _with_facts(queries.venue_session(session.pk))  # the counts changed
        return render(
            request,
            "attendance/venue/_roster.html",
            {
                "session": session,
                "roster": _roster(session, search),
                "search": search,
                "answer": answer,
                "oob": True,
            },
        )
    return _back_to_page(request, session, answer)


def _back_to_page(request, session, answer):
    """Without htmx: the answer as a message on the session page."""
    level = {"ok": messages.SUCCESS, "warn": messages.WARNING}.get(answer["level"], messages.ERROR)
    messages.add_message(request, level, answer["message"])
    return redirect("attendance:venue_session", pk=session.pk)


def _refusal(message):
    return {"level": "bad", "message": message, "name": ""}


@require(Perm.CHECKIN)
@require_POST
def roster_checkin(request, pk):
    """出席 on a roster line: the booking's ticket goes through the one check-in service."""
    session = _session_for(request, pk)
    form = RosterCheckInForm(request.POST)
    if not form.is_valid():
        return _after_action(request, session, _refusal(_("Please choose the person again.")))
    booking_id = form.cleaned_data["booking"]
    if not Booking.objects.filter(pk=booking_id, session_id=session.pk).exists():
        return _after_action(request, session, _refusal(_("This person is not on this roster.")))
    ticket = ticket_issue(booking_id=booking_id, user=request.user)
    outcome = checkin_redeem(
        token=ticket.token,
        session_id=session.pk,
        device=form.cleaned_data["device"],
        nonce=form.cleaned_data["nonce"],
        user=request.user,
        channel=CheckIn.Channel.MANUAL,
    )
    return _after_action(request, session, _answer(outcome))


@require(Perm.CHECKIN)
@require_POST
def checkin_undo_view(request, pk):
    """取り消し: take back a check-in made by mistake in the last few minutes."""
    session = _session_for(request, pk)
    form = UndoForm(request.POST)
    checkin = None
    if form.is_valid():
        checkin = (
            CheckIn.objects.select_related("resident")
            .filter(pk=form.cleaned_data["checkin"], session_id=session.pk)
            .first()
        )
    if checkin is None:
        return _after_action(request, session, _refusal(_("There is no such check-in.")))
    try:
        checkin_undo(checkin_id=checkin.pk, user=request.user)
    except CheckInError as error:
        return _after_action(request, session, _refusal(error.message))
    name = checkin.resident.full_name if checkin.resident else ""
    answer = {
        "level": "warn",
        "name": name,
        "message": _("Check-in taken back: %(name)s.") % {"name": name},
        "undone": True,
    }
    return _after_action(request, session, answer)


# --- walk-ins -------------------------------------------------------------------------------


def _walkin_found(user, search):
    """What a walk-in search shows: staff who may browse residents search as the desk does;
    everyone else (venue staff) only identifies one person (residents.queries.resident_identify).
    Gives the residents and whether the text was enough to search."""
    if not search:
        return [], True
    if can(user, Perm.RESIDENTS_VIEW):
        return resident_search(search, limit=WALKIN_SEARCH_LIMIT), True
    identified = resident_identify(search)
    return identified.residents, identified.enough


def _walkin_search_context(request, session, search):
    found, enough = _walkin_found(request.user, search)
    record_search(request, "walk-in search", found)
    return {
        "session": session,
        "walkin_search": search,
        "found": found,
        "enough": enough,
        "identify_limit": IDENTIFY_LIMIT,
        "walkin_nonce": uuid.uuid4(),
    }


@require(Perm.CHECKIN)
@require_POST
def walkin_search(request, pk):
    """Residents matching what was typed, each with a button to check them in. Sent by POST so
    that a name or phone number never sits in a URL; htmx gets the results alone, a plain
    form the walk-in page with them."""
    session = _session_for(request, pk)
    search = request.POST.get("q", "").strip()[:WALKIN_QUERY_LENGTH]
    if request.htmx:
        context = _walkin_search_context(request, session, search)
        return render(request, "attendance/venue/_walkin_results.html", context)
    return _walkin_page(request, session, _walkin_form(), search=search)


def _walkin_page(request, session, form, status=200, *, search="", **extra):
    context = {"walkin_form": form, **_walkin_search_context(request, session, search)}
    context.update(extra)
    return render(request, "attendance/venue/walkin.html", context, status=status)


@require(Perm.CHECKIN)
@require_http_methods(["GET", "POST"])
def walkin(request, pk):
    """Register (or find), book and check in someone who came without a seat."""
    session = _session_for(request, pk)
    if request.method == "GET":
        return _walkin_page(request, session, _walkin_form())
    form = _walkin_form(request.POST)
    if not form.is_valid():
        return _walkin_page(request, session, form)
    data = form.cleaned_data
    earlier = walkin_replay(data["nonce"])
    if earlier is not None:  # sent twice: the first answer stands
        return _walkin_done(request, session, earlier)
    chosen = None
    if data["resident"]:
        chosen = Resident.objects.active().filter(pk=data["resident"]).first()
        if chosen is None:
            form.add_error(None, _("This resident is not registered."))
            return _walkin_page(request, session, form)
    try:
        result = walkin_checkin(
            session_id=session.pk,
            resident_id=chosen.pk if chosen else None,
            new_resident=None if chosen else form.new_resident(),
            over_capacity_reason=data["over_capacity_reason"],
            confirm_new=data["confirm_new"],
            device=data["device"],
            nonce=data["nonce"],
            user=request.user,
        )
    except PossibleDuplicate as question:
        form.add_error("confirm_new", question.message)
        duplicates = question.residents
        if not can(request.user, Perm.RESIDENTS_VIEW):
            duplicates = duplicates[:IDENTIFY_LIMIT]  # a handful, shown only to confirm who
        record_search(request, "walk-in duplicates", duplicates)
        return _walkin_page(request, session, form, duplicates=duplicates)
    except WalkInError as error:
        field = "over_capacity_reason" if error.code == "full" else None
        form.add_error(field, error.message)
        if chosen is None:
            return _walkin_page(request, session, form)
        # The chosen person's card takes the reason; the form below is for someone else.
        other = _walkin_form(auto_id="other_%s")
        return _walkin_page(request, session, form, chosen=chosen, other_form=other)
    return _walkin_done(request, session, result)


def _walkin_done(request, session, result):
    return _back_to_page(request, session, _answer(result.outcome))


# --- the scan API ---------------------------------------------------------------------------


def _api_error(message, status):
    return JsonResponse({"ok": False, "result": "error", "message": message}, status=status)


# Authenticated by the X-Scan-Pass header, which a page on another site cannot make a browser
# send; there is no cookie-based authority here for CSRF to protect.
@csrf_exempt
@require_POST
def api_checkin(request):
    """One scan: JSON {session, code, nonce, device} in, the answer out.

    The scanner pass (issued by the venue page) stands for the login, role and venue checks, so
    a scan costs only the check-in service's queries. A retried request (same nonce) gets the
    first answer back and changes nothing.
    """
    grant = scanpass_check(request.headers.get("X-Scan-Pass"))
    if grant is None:
        return _api_error(_("The scanner page has expired. Please reload it."), 401)
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return _api_error(_("The scanner sent something unreadable. Please scan again."), 400)
    scan = scan_request(payload)
    if scan is None:
        return _api_error(_("The scan was incomplete. Please scan again."), 400)
    if scan.session != grant.session_id:
        return _api_error(_("This scanner page is for another session. Please reload it."), 403)
    try:
        outcome = checkin_redeem(
            token=scan.code,
            session_id=grant.session_id,
            device=scan.device,
            nonce=scan.nonce,
            user=grant.user,
            channel=CheckIn.Channel.CAMERA,
            scan_pass=grant,
        )
    except ScanPassRevoked as error:  # its user logged out, or lost the right to scan here
        return _api_error(error.message, 401)
    except CheckInError as error:
        return _api_error(error.message, 400)
    return JsonResponse(_answer(outcome))
