from django.urls import path

from classes.views import desk, schedule

app_name = "classes"

urlpatterns = [
    # The booking desk (desk staff on the phone)
    path("desk/", desk.desk, name="desk"),
    path("desk/resident/<int:resident_id>/", desk.desk_resident, name="desk_resident"),
    path("desk/sessions/", desk.desk_sessions, name="desk_sessions"),
    path("desk/companions/", desk.desk_companions, name="desk_companions"),
    path("desk/book/", desk.desk_book, name="desk_book"),
    path("desk/bookings/<int:pk>/", desk.booking_done, name="booking_done"),
    path("bookings/<int:pk>/cancel/", desk.booking_cancel_view, name="booking_cancel"),
    path("desk/bookings/<int:pk>/undo/", desk.booking_undo_view, name="booking_undo"),
    path(
        "desk/bookings/<int:pk>/undo-together/",
        desk.booking_group_undo_view,
        name="booking_group_undo",
    ),
    path("desk/offers/", desk.offer_list, name="offer_list"),
    path("desk/offers/<int:pk>/accept/", desk.offer_accept_view, name="offer_accept"),
    path("desk/offers/<int:pk>/decline/", desk.offer_decline_view, name="offer_decline"),
    path(
        "residents/<int:resident_id>/bookings/",
        desk.resident_bookings_view,
        name="resident_bookings",
    ),
    # Sessions and planning
    path("sessions/", schedule.session_list, name="session_list"),
    path("sessions/<int:pk>/", schedule.session_detail, name="session_detail"),
    path("sessions/<int:pk>/cancel/", schedule.session_cancel_view, name="session_cancel"),
    path("sessions/<int:pk>/contacts/", schedule.session_contacts_view, name="session_contacts"),
    path("planning/", schedule.schedule, name="schedule"),
    path("planning/sessions/new/", schedule.session_new, name="session_create"),
    path("planning/sessions/<int:pk>/edit/", schedule.session_edit, name="session_edit"),
    path("planning/series/new/", schedule.series_new, name="series_create"),
    path("planning/series/<int:pk>/", schedule.series_detail, name="series_detail"),
    path(
        "planning/series/<int:pk>/exceptions/remove/",
        schedule.series_exception_remove,
        name="series_exception_remove",
    ),
    path(
        "planning/series/<int:pk>/regenerate/",
        schedule.series_regenerate_view,
        name="series_regenerate",
    ),
    path("planning/consultation/new/", schedule.consultation_new, name="consultation_create"),
    path(
        "planning/consultation/<int:pk>/",
        schedule.consultation_detail,
        name="consultation_detail",
    ),
]
