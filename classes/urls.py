from django.urls import path

from classes.views import desk, schedule

app_name = "classes"

urlpatterns = [
    # The booking desk (desk staff on the phone)
    path("desk/", desk.desk, name="desk"),
    path("desk/resident/<int:resident_id>/", desk.desk_resident, name="desk_resident"),
    path("desk/sessions/", desk.desk_sessions, name="desk_sessions"),
    path("desk/book/", desk.desk_book, name="desk_book"),
    path("desk/bookings/<int:pk>/", desk.booking_done, name="booking_done"),
    path("bookings/<int:pk>/cancel/", desk.booking_cancel, name="booking_cancel"),
    path("desk/offers/", desk.offer_list, name="offer_list"),
    path("desk/offers/<int:pk>/accept/", desk.offer_accept, name="offer_accept"),
    path("desk/offers/<int:pk>/decline/", desk.offer_decline, name="offer_decline"),
    # Sessions and planning
    path("sessions/", schedule.session_list, name="session_list"),
    path("sessions/<int:pk>/", schedule.session_detail, name="session_detail"),
    path("sessions/<int:pk>/cancel/", schedule.session_cancel, name="session_cancel"),
    path("planning/", schedule.schedule, name="schedule"),
    path("planning/sessions/new/", schedule.session_create, name="session_create"),
    path("planning/sessions/<int:pk>/edit/", schedule.session_edit, name="session_edit"),
    path("planning/series/new/", schedule.series_create, name="series_create"),
    path("planning/series/<int:pk>/", schedule.series_detail, name="series_detail"),
    path("planning/consultation/new/", schedule.consultation_create, name="consultation_create"),
]
