"""Session pages (lists, rosters, cancelling) and planning (sessions, series, consultation days)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import Perm, check_venue, require, venue_scope
from audit.recording import record_view
from classes import queries
from classes.booking import BookingError, session_cancel
from classes.forms import (
    ConsultationDayForm,
    SeriesExceptionForm,
    SeriesForm,
    SessionCancelForm,
    SessionFilterForm,
    SessionForm,
)
from classes.models import SEAT_STATUSES, BookingStatus, ConsultationDay, Series, Session
from classes.scheduling import (
    ScheduleError,
    consultation_day_create,
    series_calendar,
    series_create,
    series_exception_delete,
    series_exception_set,
    series_regenerate,
    session_create,
    session_update,
)
from classes.scheduling import (
    series_dates as rule_dates,
)
from config.forms import DayField

SESSIONS_PER_PAGE = 50
SERIES_PER_PAGE = 50
UPCOMING_CONSULTATION_DAYS = 20


def _form_error(form, error, aliases=None):
    """Show a ScheduleError next to the field it is about, or above the form."""
    field = (aliases or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


def _session_or_404(request, pk):
    try:
        session = queries.session_with_seats(pk)
    except Session.DoesNotExist:
        raise Http404 from None
    check_venue(request.user, session.venue_id)
    return session


# --- Sessions ------------------------------------------------------------------------------


@require(Perm.SESSIONS_VIEW)
def session_list(request):
    scope = venue_scope(request.user)
    data = request.GET.copy()
    if "date_from" not in data:
        # By default the list starts today; clearing the field shows past sessions too.
        data["date_from"] = timezone.localdate().isoformat()
    form = SessionFilterForm(data, scope=scope)
    form.is_valid()
    sessions = queries.sessions_filtered(scope=scope, **form.filters())
    page = Paginator(sessions, SESSIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "classes/session_list.html", {"form": form, "page": page})


@require(Perm.SESSIONS_VIEW)
def session_detail(request, pk):
    session = _session_or_404(request, pk)
    roster = list(queries.session_roster(session))
    queries.with_companions(roster)
    return render(
        request,
        "classes/session_detail.html",
        {
            "session": session,
            "seated": [b for b in roster if b.status in SEAT_STATUSES],
            # People waiting together are one entry, as they are one in the line.
            "waitlist": queries.entries(b for b in roster if b.status == BookingStatus.WAITLISTED),
        },
    )


@require(Perm.SESSIONS_CANCEL)
def session_cancel_view(request, pk):
    session = _session_or_404(request, pk)
    form = SessionCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            affected = session_cancel(
                session_id=session.pk, user=request.user, reason=form.cleaned_data["reason"]
            )
        except BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                ngettext(
                    "The session is cancelled. Please contact the %(count)d person below.",
                    "The session is cancelled. Please contact the %(count)d people below.",
                    len(affected),
                )
                % {"count": len(affected)},
            )
            return redirect("classes:session_contacts", pk=session.pk)
    return render(request, "classes/session_cancel.html", {"session": session, "form": form})


@require(Perm.CALLS_MAKE)
def session_contacts_view(request, pk):
    """Who to tell that a cancelled session will not take place. Printable. A page of phone
    numbers: for the staff who make the calls (desk, DX office), not for venue staff."""
    session = _session_or_404(request, pk)
    contacts = list(queries.session_contacts(session))
    record_view(request, "contact list", [booking.resident_id for booking in contacts])
    labels = dict(BookingStatus.choices)
    for booking in contacts:
        booking.previous_status_label = labels.get(booking.previous_status, "")
    return render(
        request, "classes/session_contacts.html", {"session": session, "contacts": contacts}
    )


# --- Planning ------------------------------------------------------------------------------


@require(Perm.SCHEDULE_EDIT)
def schedule(request):
    page = Paginator(queries.series_overview(), SERIES_PER_PAGE).get_page(request.GET.get("page"))
    consultation_days = ConsultationDay.objects.filter(
        date__gte=timezone.localdate()
    ).select_related("course", "venue")[:UPCOMING_CONSULTATION_DAYS]
    return render(
        request,
        "classes/schedule.html",
        {"page": page, "consultation_days": consultation_days},
    )


def _session_form_page(request, session=None):
    """Create (session=None) or edit one session: the same form, the same rules."""
    if session is not None and session.is_cancelled:
        messages.error(request, _("This session has been cancelled and can no longer be changed."))
        return redirect("classes:session_detail", pk=session.pk)
    form = SessionForm(request.POST or None, session=session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "course": data["course"],
            "venue": data["venue"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "capacity": data["capacity"],
            "notes": data["notes"],
            "user": request.user,
        }
        try:
            if session is None:
                saved = session_create(**fields)
            else:
                saved = session_update(session_id=session.pk, **fields)
        except ScheduleError as error:
            _form_error(form, error, {"starts_at": "date", "ends_at": "end_time"})
        else:
            messages.success(request, _("The session is saved."))
            if getattr(saved, "moved", False):
                messages.info(
                    request,
                    _(
                        "Everyone booked and the volunteers on its shifts will be told the new "
                        "date, time and venue (by SMS, automated call or the call list)."
                    ),
                )
            offered = getattr(saved, "offered", [])
            if offered:
                messages.info(
                    request,
                    ngettext(
                        "%(count)d person on the waitlist was offered a seat. "
                        "See the waitlist offers.",
                        "%(count)d people on the waitlist were offered a seat. "
                        "See the waitlist offers.",
                        len(offered),
                    )
                    % {"count": len(offered)},
                )
            return redirect("classes:session_detail", pk=saved.pk)
    return render(request, "classes/session_form.html", {"form": form, "session": session})


@require(Perm.SCHEDULE_EDIT)
def session_new(request):
    return _session_form_page(request)


@require(Perm.SCHEDULE_EDIT)
def session_edit(request, pk):
    session = get_object_or_404(Session.objects.select_related("course", "venue"), pk=pk)
    return _session_form_page(request, session)


@require(Perm.SCHEDULE_EDIT)
def series_new(request):
    form = SeriesForm(request.POST or None)
    calendar = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "create":
            try:
                series = series_create(
                    title=data["title"],
                    venue=data["venue"],
                    courses=data["courses"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    capacity=data["capacity"],
                    book_as_whole=data["book_as_whole"],
                    user=request.user,
                    **form.rule(),
                )
            except ScheduleError as error:
                _form_error(form, error, {"courses": "course_1"})
            else:
                count = series.sessions.count()
                messages.success(
                    request,
                    ngettext(
                        "The series is created with %(count)d session.",
                        "The series is created with %(count)d sessions.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("classes:series_detail", pk=series.pk)
        else:
            try:
                calendar = series_calendar(**form.rule())
            except ScheduleError as error:
                _form_error(form, error)
            else:
                if not any(planned.held for planned in calendar):
                    form.add_error(
                        None,
                        _(
                            "No session would take place between these dates. "
                            "Please check the dates and the day of the week."
                        ),
                    )
                    calendar = None
    held = [planned for planned in calendar or () if planned.held]
    return render(
        request,
        "classes/series_form.html",
        {"form": form, "calendar": calendar, "held_count": len(held)},
    )


def _series_page(request, series, exception_form):
    sessions = list(queries.series_sessions(series))
    exceptions = list(series.exceptions.all())
    wanted = set(
        rule_dates(
            frequency=series.frequency,
            weekday=series.weekday,
            nth_week=series.nth_week,
            start_date=series.start_date,
            end_date=series.end_date,
            skip_holidays=series.skip_holidays,
            exceptions=exceptions,
        )
    )
    today = timezone.localdate()
    for session in sessions:
        # Off the rule but kept because people booked it: staff should cancel it properly.
        day = timezone.localdate(session.starts_at)
        session.off_rule = not session.is_cancelled and day >= today and day not in wanted
    return render(
        request,
        "classes/series_detail.html",
        {
            "series": series,
            "parts": list(series.parts.select_related("course")),
            "sessions": sessions,
            "exceptions": exceptions,
            "exception_form": exception_form,
        },
    )


def _report_regenerate(request, result):
    messages.success(
        request,
        _("Sessions updated: %(created)d added, %(deleted)d removed.")
        % {"created": len(result.created), "deleted": result.deleted},
    )
    if result.kept_booked:
        messages.warning(
            request,
            ngettext(
                "%(count)d session is no longer in the plan but has bookings, so it was kept. "
                "Please cancel it from its page so the residents are contacted.",
                "%(count)d sessions are no longer in the plan but have bookings, so they were "
                "kept. Please cancel them from their pages so the residents are contacted.",
                len(result.kept_booked),
            )
            % {"count": len(result.kept_booked)},
        )


@require(Perm.SCHEDULE_EDIT)
def series_detail(request, pk):
    series = get_object_or_404(Series.objects.select_related("venue"), pk=pk)
    form = SeriesExceptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = series_exception_set(
                series_id=series.pk,
                date=data["date"],
                action=data["action"],
                note=data["note"],
                user=request.user,
            )
        except ScheduleError as error:
            _form_error(form, error)
        else:
            _report_regenerate(request, result)
            return redirect("classes:series_detail", pk=series.pk)
    return _series_page(request, series, form)


@require(Perm.SCHEDULE_EDIT)
@require_POST
def series_exception_remove(request, pk):
    series = get_object_or_404(Series, pk=pk)
    try:
        day = DayField().clean(request.POST.get("date", ""))
        result = series_exception_delete(series_id=series.pk, date=day, user=request.user)
    except ValidationError:
        messages.error(request, _("There is no change recorded for this date."))
    except ScheduleError as error:
        messages.error(request, error.message)
    else:
        _report_regenerate(request, result)
    return redirect("classes:series_detail", pk=series.pk)


@require(Perm.SCHEDULE_EDIT)
@require_POST
def series_regenerate_view(request, pk):
    series = get_object_or_404(Series, pk=pk)
    try:
        result = series_regenerate(series_id=series.pk, user=request.user)
    except ScheduleError as error:
        messages.error(request, error.message)
    else:
        _report_regenerate(request, result)
    return redirect("classes:series_detail", pk=series.pk)


@require(Perm.SCHEDULE_EDIT)
def consultation_new(request):
    form = ConsultationDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            day = consultation_day_create(user=request.user, **form.cleaned_data)
        except ScheduleError as error:
            _form_error(form, error)
        else:
            count = day.slots.count()
            messages.success(
                request,
                ngettext(
                    "The consultation day is created with %(count)d slot.",
                    "The consultation day is created with %(count)d slots.",
                    count,
                )
                % {"count": count},
            )
            return redirect("classes:consultation_detail", pk=day.pk)
    return render(request, "classes/consultation_form.html", {"form": form})


@require(Perm.SCHEDULE_EDIT)
def consultation_detail(request, pk):
    day = get_object_or_404(ConsultationDay.objects.select_related("course", "venue"), pk=pk)
    return render(
        request,
        "classes/consultation_detail.html",
        {"day": day, "slots": list(queries.consultation_slots(day))},
    )
