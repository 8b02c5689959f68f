"""The volunteer's own pages, made for a phone: apply, profile, availability, my shifts,
accept/decline, check-in/out, hours and the private calendar feed."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, require
from volunteers import queries, services
from volunteers.calendar import feed
from volunteers.forms import (
    DeclineForm,
    ExceptionForm,
    QualificationForm,
    VolunteerForm,
    WindowForm,
)
from volunteers.models import Assignment, Role, Volunteer
from volunteers.services import CHECKIN_EARLY, VolunteerError


def with_volunteer(view):
    """Volunteer pages: the user's profile as `request.volunteer`, or off to the application."""

    @require(Perm.VOLUNTEER_SELF)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        volunteer = Volunteer.objects.filter(user=request.user).first()
        if volunteer is None:
            return redirect("volunteers:apply")
        request.volunteer = volunteer
        return view(request, *args, **kwargs)

    return wrapper


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """Sign-up step two: anyone logged in may apply; the DX office approves."""
    volunteer = Volunteer.objects.filter(user=request.user).first()
    if volunteer is not None:
        return render(request, "volunteers/me/applied.html", {"volunteer": volunteer})
    initial = {"email": request.user.email, "max_shifts_per_month": 4}
    form = VolunteerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.volunteer_apply(user=request.user, **form.service_fields())
        except VolunteerError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you. The DX office will review your application."))
            return redirect("volunteers:apply")
    return render(request, "volunteers/me/apply.html", {"form": form})


@with_volunteer
@require_http_methods(["GET", "POST"])
def profile(request):
    volunteer = request.volunteer
    form = VolunteerForm(request.POST or None, instance=volunteer)
    if request.method == "POST" and form.is_valid():
        services.volunteer_update(volunteer=volunteer, user=request.user, **form.service_fields())
        messages.success(request, _("Your profile was saved."))
        return redirect("volunteers:profile")
    qualifications = volunteer.qualifications.all()
    return render(
        request,
        "volunteers/me/profile.html",
        {
            "form": form,
            "volunteer": volunteer,
            "qualifications": qualifications,
            "qualification_form": QualificationForm(prefix="q"),
            **_feed_links(request, volunteer),
        },
    )


def _feed_links(request, volunteer):
    """The private calendar address, and the same as a webcal link that a phone's calendar
    app subscribes to in one tap."""
    url = request.build_absolute_uri(
        reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
    )
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@with_volunteer
@require_http_methods(["GET", "POST"])
def qualifications(request):
    volunteer = request.volunteer
    form = QualificationForm(request.POST or None, prefix="q")
    if request.method == "POST":
        if "remove" in request.POST:
            services.qualification_remove(
                qualification_id=_int(request.POST.get("remove")),
                volunteer=volunteer,
                user=request.user,
            )
            return redirect("volunteers:profile")
        if form.is_valid():
            services.qualification_add(volunteer=volunteer, user=request.user, **form.cleaned_data)
            messages.success(request, _("The qualification was added."))
            return redirect("volunteers:profile")
    return render(
        request,
        "volunteers/me/qualifications.html",
        {"qualification_form": form, "qualifications": volunteer.qualifications.all()},
    )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@with_volunteer
@require_http_methods(["GET", "POST"])
def availability(request):
    """Weekly windows and dated exceptions; an overlapping window is refused with a message."""
    volunteer = request.volunteer
    window_form = WindowForm(prefix="w", volunteer=volunteer)
    exception_form = ExceptionForm(prefix="e", initial={"kind": "away"})
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "window":
                window_form = WindowForm(request.POST, prefix="w", volunteer=volunteer)
                if window_form.is_valid():
                    services.window_add(
                        volunteer=volunteer, user=request.user, **window_form.cleaned_data
                    )
                    messages.success(request, _("The time was added."))
                    return redirect("volunteers:availability")
            elif action == "exception":
                exception_form = ExceptionForm(request.POST, prefix="e")
                if exception_form.is_valid():
                    services.exception_add(
                        volunteer=volunteer, user=request.user, **exception_form.cleaned_data
                    )
                    messages.success(request, _("The date was added."))
                    return redirect("volunteers:availability")
            elif action == "remove_window":
                services.window_remove(
                    window_id=_int(request.POST.get("id")), volunteer=volunteer, user=request.user
                )
                return redirect("volunteers:availability")
            elif action == "remove_exception":
                services.exception_remove(
                    exception_id=_int(request.POST.get("id")),
                    volunteer=volunteer,
                    user=request.user,
                )
                return redirect("volunteers:availability")
        except VolunteerError as error:
            form = window_form if action == "window" else exception_form
            form.add_error(None, error.message)
    today = timezone.localdate()
    return render(
        request,
        "volunteers/me/availability.html",
        {
            "volunteer": volunteer,
            "windows": volunteer.windows.all(),
            "exceptions": volunteer.exceptions.filter(date__gte=today),
            "window_form": window_form,
            "exception_form": exception_form,
        },
    )


@with_volunteer
@require_GET
def my_shifts_view(request):
    upcoming, past = queries.my_shifts(request.volunteer)
    return render(
        request,
        "volunteers/me/shifts.html",
        {
            "volunteer": request.volunteer,
            "upcoming": upcoming,
            "past": past,
            "now": timezone.now(),
            **_feed_links(request, request.volunteer),
        },
    )


def _shift(request, pk):
    try:
        return queries.my_shift(request.volunteer, pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


@with_volunteer
@require_GET
def shift_detail(request, pk):
    shift = _shift(request, pk)
    now = timezone.now()
    session = shift.session
    return render(
        request,
        "volunteers/me/shift.html",
        {
            "shift": shift,
            "decline_form": DeclineForm(),
            "can_check_in": shift.status == Assignment.Status.ACCEPTED
            and not shift.checked_in_at
            and session.starts_at - CHECKIN_EARLY <= now <= session.ends_at + services.CHECKIN_LATE,
            "map_url": _map_url(session.venue),
        },
    )


def _map_url(venue):
    if venue.latitude is not None and venue.longitude is not None:
        return f"https://www.google.com/maps/search/?api=1&query={venue.latitude},{venue.longitude}"
    from urllib.parse import quote

    return f"https://www.google.com/maps/search/?api=1&query={quote(venue.address)}"


def _shift_action(request, pk, do, done_message):
    try:
        do()
    except VolunteerError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect("volunteers:shift_detail", pk=pk)


@with_volunteer
@require_POST
def shift_accept(request, pk):
    return _shift_action(
        request,
        pk,
        lambda: services.assignment_accept(
            assignment_id=pk, volunteer=request.volunteer, user=request.user
        ),
        _("Thank you. The shift is yours."),
    )


@with_volunteer
@require_POST
def shift_decline(request, pk):
    form = DeclineForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _shift_action(
        request,
        pk,
        lambda: services.assignment_decline(
            assignment_id=pk, volunteer=request.volunteer, user=request.user, reason=reason
        ),
        _("You declined the shift. The coordinator has been told."),
    )


@with_volunteer
@require_POST
def shift_check_in(request, pk):
    return _shift_action(
        request,
        pk,
        lambda: services.assignment_check_in(
            assignment_id=pk, volunteer=request.volunteer, user=request.user
        ),
        _("Checked in. Thank you for coming."),
    )


@with_volunteer
@require_POST
def shift_check_out(request, pk):
    return _shift_action(
        request,
        pk,
        lambda: services.assignment_check_out(
            assignment_id=pk, volunteer=request.volunteer, user=request.user
        ),
        _("Checked out. Thank you for your help today."),
    )


@with_volunteer
@require_GET
def hours(request):
    months, years = queries.hours_of(request.volunteer)
    return render(
        request,
        "volunteers/me/hours.html",
        {"volunteer": request.volunteer, "months": months, "years": years},
    )


@with_volunteer
@require_POST
def calendar_rotate(request):
    services.calendar_token_rotate(volunteer=request.volunteer, user=request.user)
    messages.success(request, _("A new calendar address was made. The old one no longer works."))
    return redirect("volunteers:profile")


@require_GET
def calendar_feed(request, token):
    """The private feed: the token is the key (no login; calendars cannot log in)."""
    volunteer = Volunteer.objects.filter(calendar_token=token).first()
    if volunteer is None or not volunteer.is_approved:
        raise Http404
    shifts = queries.feed_shifts(volunteer)
    services.feed_signatures_refresh(assignments=shifts)
    body = feed(
        volunteer,
        shifts,
        role_labels=dict(Role.choices),
        name=_("Tsunagu shifts"),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
