from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.access import Perm, can


@login_required
def home(request):
    """Send each role to the page it works on most."""
    user = request.user
    if can(user, Perm.BOOKINGS_MANAGE) and not can(user, Perm.SCHEDULE_EDIT):
        return redirect("classes:desk")
    if can(user, Perm.CHECKIN) and not can(user, Perm.SCHEDULE_EDIT):
        return redirect("attendance:venue_today")
    if can(user, Perm.REPORTS_VIEW):
        # The DX office starts from where the city stands against its plan.
        return redirect("reports:plan_list")
    if can(user, Perm.SESSIONS_VIEW):
        return redirect("classes:session_list")
    if can(user, Perm.VOLUNTEER_SELF):
        return redirect("volunteers:my_shifts")
    return render(request, "accounts/home.html")
