"""Help-session records: the supporter's phone pages (today's consultations, a session's people,
the form), what follows a consultation, and the desk's list of follow-ups to call.

Who may record is decided in one place, `consultations.queries.supporters_of`: venue staff of
the session's venue, or a volunteer with an accepted shift on that very session. Volunteers see
residents' names and nothing more.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import Perm, can, check_venue, require
from audit.recording import record_search, record_view
from classes.booking import request_key_for
from classes.models import Booking, BookingStatus, Session
from classes.scheduling import short_date
from config.forms import day_param
from consultations import queries
from consultations.forms import ConsultationForm, FollowUpBookForm
from consultations.models import BOOKING_FOLLOWUPS, ConsultationRecord
from consultations.services import (
    ConsultationError,
    consultation_followup_book,
    consultation_followup_close,
    consultation_record,
)

FOLLOWUPS_PER_PAGE = 50
# How far back the earlier weeks' pages reach: ten years covers any correction a plan needs and
# keeps a typed date from walking to the calendar's ends.
EARLIER_WEEKS_REACH = datetime.timedelta(days=366 * 10)


def _booking_for(request, pk):
    """The booking of a consultation the user supports, with session, resident and record; 404
    for anything else, 403 when the user does not support its session."""
    try:
        booking = queries.booking_for_record(pk)
    except Booking.DoesNotExist:
        raise Http404 from None
    if not queries.is_consultation(booking.session):
        raise Http404
    if booking.status not in queries.RECORDABLE_STATUSES:
        raise Http404
    if queries.supporter_of(request.user, booking.session) is None:
        raise PermissionDenied
    return booking


def _record_for(request, pk):
    """A record of a session the user supports, or 404/403."""
    try:
        record = queries.record_detail(pk)
    except ConsultationRecord.DoesNotExist:
        raise Http404 from None
    if queries.supporter_of(request.user, record.booking.session) is None:
        raise PermissionDenied
    return record


def _may_book(user):
    return can(user, Perm.CONSULTATIONS_FOLLOWUP)


def _with_nonces(sessions):
    for session in sessions:
        session.nonce = uuid.uuid4()  # one per button: a double tap books once
    return sessions


# --- the supporter's phone ---------------------------------------------------------------------


def _earlier_week_until(request, today):
    """The last day of an earlier week asked for (?until=), or None for this week's page: a
    day that is not a date, is today or later, or lies beyond the years kept reads as None."""
    until = day_param(request.GET.get("until"), None)
    if until is None or not today - EARLIER_WEEKS_REACH <= until < today:
        return None
    return until


@require(Perm.CONSULTATIONS_RECORD)
@require_GET
def today(request):
    """Today's consultations and the week before; staff page back a week at a time to correct
    an older record."""
    day = timezone.localdate()
    week = datetime.timedelta(days=queries.RECENT_DAYS)
    until = _earlier_week_until(request, day)
    groups = queries.consultation_groups(request.user, today=until or day)
    if until is None:
        today_groups = [g for g in groups if timezone.localdate(g.starts_at) == day]
        earlier_groups = [g for g in groups if timezone.localdate(g.starts_at) != day]
        older = day - week
        newer = None
    else:
        today_groups, earlier_groups = [], groups
        older = until - week
        newer = until + week if until + week < day else day
    return render(
        request,
        "consultations/today.html",
        {
            "day": day,
            "until": until,
            "week_from": (until or day) - week + datetime.timedelta(days=1),
            "today_groups": today_groups,
            "earlier_groups": earlier_groups,
            "may_correct": queries.is_staff_supporter(request.user),
            "older": older if day - older <= EARLIER_WEEKS_REACH else None,
            "newer": newer,
        },
    )


@require(Perm.CONSULTATIONS_RECORD)
@require_GET
def session_view(request, pk):
    """The people of a consultation day (every slot the user supports), each a tap away from
    the form."""
    try:
        session = queries.session_for_consultations(pk)
    except Session.DoesNotExist:
        raise Http404 from None
    if not queries.is_consultation(session):
        raise Http404
    slots = queries.group_slots(session)
    supported = queries.supporters_of(request.user, slots)
    slots = [slot for slot in slots if slot.pk in supported]
    if not slots:
        raise PermissionDenied
    bookings = queries.slot_bookings(slot.pk for slot in slots)
    for slot in slots:
        slot.people = [b for b in bookings if b.session_id == slot.pk]
    record_search(request, "consultation list", [b.resident_id for b in bookings])
    return render(
        request,
        "consultations/session.html",
        {
            "session": session,
            "slots": slots,
            "recordable": queries.is_recordable(session),
            "attended": BookingStatus.ATTENDED,
            "may_check_in": can(request.user, Perm.CHECKIN),
        },
    )


@require(Perm.CONSULTATIONS_RECORD)
def record_form(request, pk):
    """Record (or, the same day, correct) one person's consultation."""
    booking = _booking_for(request, pk)
    record = booking.record
    now = timezone.now()
    if record is not None and not queries.record_editable(record, request.user, now=now):
        return redirect("consultations:record_done", record.pk)
    recordable = queries.is_recordable(booking.session, now=now)
    form = ConsultationForm(request.POST or None, record=record)
    if request.method == "POST" and recordable and form.is_valid():
        try:
            saved = consultation_record(
                booking_id=booking.pk, user=request.user, now=now, **form.answers()
            )
        except ConsultationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Saved: the consultation of %(name)s.") % {"name": booking.resident.full_name},
            )
            return redirect("consultations:record_done", saved.pk)
    record_view(request, "consultation record page", [booking.resident_id])
    return render(
        request,
        "consultations/record_form.html",
        {"booking": booking, "form": form, "record": record, "recordable": recordable},
    )


@require(Perm.CONSULTATIONS_RECORD)
@require_GET
def record_done(request, pk):
    """The record as saved, and what follows: sessions to book for staff who may book; for a
    volunteer, word that the desk will call."""
    record = _record_for(request, pk)
    may_book = _may_book(request.user)
    suggestions = []
    if may_book and record.followup_is_open:
        suggestions = _with_nonces(queries.followup_suggestions(record))
    record_view(request, "consultation record page", [record.resident_id])
    return render(
        request,
        "consultations/record_done.html",
        {
            "record": record,
            "editable": queries.record_editable(record, request.user, now=timezone.now()),
            "may_book": may_book,
            "suggestions": suggestions,
            "asks_booking": record.followup in BOOKING_FOLLOWUPS,
        },
    )


# --- what follows a consultation ---------------------------------------------------------------


def _booked_message(outcome):
    booking = outcome.booking
    session = booking.session
    start = timezone.localtime(session.starts_at)
    what = (
        f"{short_date(start.date())} {start:%H:%M} {session.course.title}（{session.venue.name}）"
    )
    if booking.status == BookingStatus.WAITLISTED:
        return _("On the waitlist (number %(position)s): %(session)s") % {
            "position": outcome.waitlist_position,
            "session": what,
        }
    return _("Booked (booking number %(number)s): %(session)s") % {
        "number": booking.number,
        "session": what,
    }


@require(Perm.CONSULTATIONS_FOLLOWUP)
@require_POST
def followup_book(request, pk):
    """Book the consulted resident into a suggested session (the booking service's rules)."""
    record = ConsultationRecord.objects.select_related("booking__session").filter(pk=pk).first()
    if record is None:
        raise Http404
    # Venue staff book for the consultations of their own venues.
    check_venue(request.user, record.booking.session.venue_id)
    form = FollowUpBookForm(request.POST)
    back = "record"
    if not form.is_valid():
        messages.error(request, _("The form was sent incomplete. Please try again."))
    else:
        back = form.cleaned_data["back"]
        session_id = form.cleaned_data["session"]
        try:
            outcome = consultation_followup_book(
                record_id=record.pk,
                session_id=session_id,
                user=request.user,
                request_key=request_key_for(form.cleaned_data["nonce"], "followup", pk, session_id),
            )
        except ConsultationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _booked_message(outcome))
    if back == "desk" and can(request.user, Perm.CALLS_MAKE):
        return redirect("consultations:followup_detail", record.pk)
    if queries.supporter_of(request.user, record.booking.session) is not None:
        return redirect("consultations:record_done", record.pk)
    return redirect("consultations:followups")


@require(Perm.CALLS_MAKE)
@require_GET
def followup_list(request):
    page = Paginator(queries.followups_open(), FOLLOWUPS_PER_PAGE).get_page(request.GET.get("page"))
    record_search(request, "consultation follow-ups", [r.resident_id for r in page])
    return render(request, "consultations/followup_list.html", {"page": page})


@require(Perm.CALLS_MAKE)
@require_GET
def followup_detail(request, pk):
    try:
        record = queries.record_detail(pk)
    except ConsultationRecord.DoesNotExist:
        raise Http404 from None
    may_book = _may_book(request.user)
    suggestions = []
    if may_book and record.followup_is_open:
        suggestions = _with_nonces(queries.followup_suggestions(record))
    record_view(request, "consultation follow-up page", [record.resident_id])
    return render(
        request,
        "consultations/followup_detail.html",
        {"record": record, "may_book": may_book, "suggestions": suggestions},
    )


@require(Perm.CALLS_MAKE)
@require_POST
def followup_close(request, pk):
    try:
        record = consultation_followup_close(record_id=pk, user=request.user)
    except ConsultationError as error:
        if error.code == "unknown_record":
            raise Http404 from None
        messages.error(request, error.message)
        return redirect("consultations:followup_detail", pk)
    messages.success(
        request,
        _("The follow-up of %(name)s is marked as dealt with.")
        % {"name": record.resident.full_name},
    )
    return redirect("consultations:followups")
