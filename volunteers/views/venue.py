"""Venue staff confirm volunteers' check-in and check-out for today's shifts at their venues."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import Perm, check_venue, require, venue_scope
from volunteers import queries, services
from volunteers.models import Assignment
from volunteers.services import VolunteerError


@require(Perm.CHECKIN)
@require_GET
def venue_shifts_view(request):
    day = timezone.localdate()
    shifts = queries.venue_shifts(venue_scope(request.user), day)
    return render(request, "volunteers/venue/today.html", {"shifts": shifts, "day": day})


@require(Perm.CHECKIN)
@require_POST
def venue_confirm(request, pk):
    """確認: check a volunteer in (or out, when already in) on their behalf."""
    assignment = Assignment.objects.select_related("session", "volunteer").filter(pk=pk).first()
    if assignment is None:
        raise Http404
    check_venue(request.user, assignment.session.venue_id)
    try:
        if assignment.checked_in_at:
            services.assignment_check_out(assignment_id=pk, user=request.user)
            messages.success(request, _("%(name)s: checked out.") % {"name": assignment.volunteer})
        else:
            services.assignment_check_in(assignment_id=pk, user=request.user)
            messages.success(request, _("%(name)s: checked in.") % {"name": assignment.volunteer})
    except VolunteerError as error:
        messages.error(request, error.message)
    return redirect("volunteers:venue_shifts")
