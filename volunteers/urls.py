from django.urls import path

from volunteers.views import me, office, venue

app_name = "volunteers"

urlpatterns = [
    # The volunteer (phone)
    path("apply/", me.apply, name="apply"),
    path("me/", me.my_shifts_view, name="my_shifts"),
    path("me/profile/", me.profile, name="profile"),
    path("me/qualifications/", me.qualifications, name="qualifications"),
    path("me/availability/", me.availability, name="availability"),
    path("me/shifts/<int:pk>/", me.shift_detail, name="shift_detail"),
    path("me/shifts/<int:pk>/accept/", me.shift_accept, name="shift_accept"),
    path("me/shifts/<int:pk>/decline/", me.shift_decline, name="shift_decline"),
    path("me/shifts/<int:pk>/check-in/", me.shift_check_in, name="shift_check_in"),
    path("me/shifts/<int:pk>/check-out/", me.shift_check_out, name="shift_check_out"),
    path("me/hours/", me.hours, name="hours"),
    path("me/calendar/new-address/", me.calendar_rotate, name="calendar_rotate"),
    path("calendar/<str:token>.ics", me.calendar_feed, name="calendar_feed"),
    # The DX office
    path("office/", office.coverage_view, name="coverage"),
    path("office/sessions/<int:pk>/", office.session_needs, name="session_needs"),
    path("office/sessions/<int:pk>/assign/", office.assign, name="assign"),
    path("office/assignments/<int:pk>/unassign/", office.unassign, name="unassign"),
    path("office/volunteers/", office.volunteer_list, name="volunteer_list"),
    path("office/volunteers/<int:pk>/", office.volunteer_detail, name="volunteer_detail"),
    path(
        "office/volunteers/<int:pk>/approve/",
        office.volunteer_approve_view,
        name="volunteer_approve",
    ),
    path("office/runs/", office.run_list, name="run_list"),
    path("office/runs/<int:pk>/", office.run_detail, name="run_detail"),
    path("office/runs/<int:pk>/progress/", office.run_progress, name="run_progress"),
    path("office/hours.csv", office.hours_csv, name="hours_csv"),
    # Venue staff
    path("venue/", venue.venue_shifts_view, name="venue_shifts"),
    path("venue/shifts/<int:pk>/confirm/", venue.venue_confirm, name="venue_confirm"),
]
