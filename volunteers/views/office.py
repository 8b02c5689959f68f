"""The DX office's pages: coverage, a session's needs and assignments, volunteers (load,
approvals, expiring qualifications), auto-assign runs and the hours export."""

import csv
import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, require
from audit.forms import ExportPurposeForm
from audit.recording import record_export
from classes.models import Session
from config.forms import day_param
from volunteers import queries, services
from volunteers.autoassign import matching_run_start
from volunteers.forms import AssignForm, NeedForm, RunForm, StaffingForm
from volunteers.matching import Reason
from volunteers.models import CourseStaffing, MatchingRun, ShiftNeed, Volunteer
from volunteers.services import AssignmentConflict, VolunteerError

REASONS = {
    Reason.NO_SKILL: gettext_lazy("No one has the skills"),
    Reason.NO_QUALIFICATION: gettext_lazy("No one with the skills has a valid qualification"),
    Reason.NO_ONE_AVAILABLE: gettext_lazy("No one is available at that time and venue"),
    Reason.ALL_AT_MAXIMUM: gettext_lazy("Everyone available is at their monthly maximum"),
    Reason.ALL_BUSY: gettext_lazy("Everyone available has another shift then"),
}
BOM = "\ufeff"


def _date_param(request, name, default, params=None):
    return day_param((request.GET if params is None else params).get(name, ""), default)


def _period(request, weeks=queries.COVERAGE_WEEKS):
    today = timezone.localdate()
    first = _date_param(request, "from", today)
    last = _date_param(
        request, "until", first + datetime.timedelta(weeks=weeks) - datetime.timedelta(days=1)
    )
    if last < first:
        last = first
    return first, min(last, first + datetime.timedelta(days=366))


@require(Perm.VOLUNTEERS_MANAGE)
@require_GET
def coverage_view(request):
    """Next weeks' sessions, those with open places first, and recent declines to refill."""
    first, last = _period(request)
    rows = queries.coverage(first, last)
    return render(
        request,
        "volunteers/office/coverage.html",
        {
            "rows": rows,
            "first": first,
            "last": last,
            "declines": queries.recent_declines(),
            "open_places": sum(r.missing for r in rows),
        },
    )


def _session(pk):
    try:
        return Session.objects.select_related("course", "venue").get(pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None


@require(Perm.VOLUNTEERS_MANAGE)
@require_http_methods(["GET", "POST"])
def session_needs(request, pk):
    """One session: needs per role (editable), who holds each place, manual assignment."""
    session = _session(pk)
    need_form = NeedForm(prefix="need")
    if request.method == "POST":
        if request.POST.get("action") == "default":
            services.needs_ensure(sessions=[session], user=request.user)
            return redirect("volunteers:session_needs", pk=pk)
        if request.POST.get("action") == "staffing":
            staffing_form = StaffingForm(request.POST, prefix="staff")
            if staffing_form.is_valid():
                services.course_staffing_set(
                    course=session.course, user=request.user, **staffing_form.cleaned_data
                )
                messages.success(request, _("The course's staffing was saved."))
                return redirect("volunteers:session_needs", pk=pk)
            return _needs_page(request, session, staffing_form=staffing_form, status=400)
        need_form = NeedForm(request.POST, prefix="need")
        if need_form.is_valid():
            services.need_set(session_id=session.pk, user=request.user, **need_form.cleaned_data)
            messages.success(request, _("The need was saved."))
            return redirect("volunteers:session_needs", pk=pk)
    return _needs_page(request, session, need_form=need_form)


def _needs_page(
    request,
    session,
    *,
    need_form=None,
    assign_form=None,
    staffing_form=None,
    warnings=None,
    status=200,
):
    needs = queries.session_assignments(session.pk)
    if staffing_form is None:
        staffing = CourseStaffing.objects.filter(course=session.course).first()
        staffing_form = StaffingForm(
            instance=staffing or CourseStaffing(course=session.course), prefix="staff"
        )
    return render(
        request,
        "volunteers/office/session.html",
        {
            "session": session,
            "needs": needs,
            "need_form": need_form or NeedForm(prefix="need"),
            "assign_form": assign_form or AssignForm(),
            "staffing_form": staffing_form,
            "volunteers": Volunteer.objects.approved(),
            "warnings": warnings,
        },
        status=status,
    )


@require(Perm.VOLUNTEERS_MANAGE)
@require_POST
def assign(request, pk):
    """Put a volunteer on a need; conflicts are shown, and 'assign anyway' repeats with force."""
    session = _session(pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _needs_page(request, session, assign_form=form, status=400)
    need = ShiftNeed.objects.filter(pk=form.cleaned_data["need"], session=session).first()
    if need is None:
        messages.error(request, _("This need does not exist any more."))
        return redirect("volunteers:session_needs", pk=pk)
    try:
        services.assignment_assign(
            need_id=need.pk,
            volunteer_id=form.cleaned_data["volunteer"].pk,
            user=request.user,
            force=form.cleaned_data["force"],
        )
    except AssignmentConflict as conflict:
        return _needs_page(
            request,
            session,
            assign_form=form,
            warnings={
                "need": need.pk,
                "volunteer": form.cleaned_data["volunteer"],
                "messages": conflict.warnings,
            },
            status=409,
        )
    except VolunteerError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The volunteer was proposed for the shift."))
    return redirect("volunteers:session_needs", pk=pk)


@require(Perm.VOLUNTEERS_MANAGE)
@require_POST
def unassign(request, pk):
    try:
        assignment = services.assignment_unassign(assignment_id=pk, user=request.user)
    except VolunteerError as error:
        messages.error(request, error.message)
        return redirect("volunteers:coverage")
    messages.success(request, _("The volunteer was taken off the shift."))
    return redirect("volunteers:session_needs", pk=assignment.session_id)


@require(Perm.VOLUNTEERS_MANAGE)
@require_GET
def volunteer_list(request):
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return render(
        request,
        "volunteers/office/volunteers.html",
        {
            "applications": queries.applications(),
            "volunteers": queries.volunteer_load(first, last),
            "expiring": queries.expiring_qualifications(today),
            "first": first,
            "today": today,
        },
    )


@require(Perm.VOLUNTEERS_MANAGE)
@require_GET
def volunteer_detail(request, pk):
    volunteer = get_object_or_404(
        Volunteer.objects.select_related("user").prefetch_related(
            "venues", "windows", "qualifications"
        ),
        pk=pk,
    )
    upcoming, past = queries.my_shifts(volunteer)
    months, years = queries.hours_of(volunteer)
    return render(
        request,
        "volunteers/office/volunteer.html",
        {
            "volunteer": volunteer,
            "upcoming": upcoming,
            "months": months[:12],
            "years": years,
            "today": timezone.localdate(),
        },
    )


@require(Perm.VOLUNTEERS_MANAGE)
@require_POST
def volunteer_approve_view(request, pk):
    get_object_or_404(Volunteer, pk=pk)
    if request.POST.get("decision") == "reject":
        services.volunteer_reject(volunteer_id=pk, user=request.user)
        messages.success(request, _("The application was not approved."))
    else:
        services.volunteer_approve(volunteer_id=pk, user=request.user)
        messages.success(request, _("The volunteer was approved."))
    return redirect("volunteers:volunteer_list")


@require(Perm.VOLUNTEERS_MANAGE)
@require_http_methods(["GET", "POST"])
def run_list(request):
    form = RunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = matching_run_start(
                start=form.cleaned_data["period_start"],
                end=form.cleaned_data["period_end"],
                user=request.user,
            )
        except VolunteerError as error:
            form.add_error(None, error.message)
        else:
            return redirect("volunteers:run_detail", pk=run.pk)
    return render(request, "volunteers/office/runs.html", {"form": form, "runs": queries.runs()})


def _run(pk):
    try:
        return MatchingRun.objects.get(pk=pk)
    except MatchingRun.DoesNotExist:
        raise Http404 from None


def _run_context(run):
    unfilled = queries.unfilled_of(run) if run.status == MatchingRun.Status.DONE else []
    for need in unfilled:
        need.reason_label = REASONS.get(need.reason, need.reason)
    return {"run": run, "unfilled": unfilled}


@require(Perm.VOLUNTEERS_MANAGE)
@require_GET
def run_detail(request, pk):
    return render(request, "volunteers/office/run.html", _run_context(_run(pk)))


@require(Perm.VOLUNTEERS_MANAGE)
@require_GET
def run_progress(request, pk):
    """The run's state alone: htmx polls it until the run has finished."""
    return render(request, "volunteers/office/_run_state.html", _run_context(_run(pk)))


@require(Perm.VOLUNTEERS_MANAGE)
@require_http_methods(["GET", "POST"])
def hours_csv(request):
    """Shifts and hours per volunteer (UTF-8 with BOM for Excel), e.g. for local points. The
    file names volunteers: first the period and what it is for (kept in the access log)."""
    today = timezone.localdate()
    fy_start = datetime.date(queries.fiscal_year_of(today), 4, 1)
    params = request.POST if request.method == "POST" else request.GET
    first = _date_param(request, "from", fy_start, params)
    last = _date_param(request, "until", today, params)
    form = ExportPurposeForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        return render(
            request,
            "volunteers/office/hours_export.html",
            {"first": first, "last": last, "purpose_form": form},
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="volunteer-hours-{first:%Y%m%d}-{last:%Y%m%d}.csv"'
    )
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow([_("Volunteer number"), _("Name"), _("Kana"), _("Shifts"), _("Hours")])
    rows = 0
    for volunteer, shifts, hours in queries.hours_per_volunteer(first, last):
        rows += 1
        writer.writerow(
            [
                volunteer.pk,
                _text_cell(volunteer.full_name),
                _text_cell(volunteer.full_name_kana),
                shifts,
                f"{hours:.2f}",
            ]
        )
    # Volunteers, not residents: the row names no resident, only how many people it held.
    record_export(
        request, "volunteer hours CSV", [], rows=rows, purpose=form.cleaned_data["purpose"]
    )
    return response


def _text_cell(text):
    """Typed text never starts a formula when the file is opened in a spreadsheet."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
