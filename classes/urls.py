from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    # The booking desk (desk staff on the phone)
    path("desk/", views.desk, name="desk"),
    path("desk/resident/<int:resident_id>/", views.desk_resident, name="desk_resident"),
    path("desk/sessions/", views.desk_sessions, name="desk_sessions"),
    path("desk/book/", views.desk_book, name="desk_book"),
    path("desk/bookings/<int:pk>/", views.booking_done, name="booking_done"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("desk/offers/", views.offer_list, name="offer_list"),
    path("desk/offers/<int:pk>/accept/", views.offer_accept, name="offer_accept"),
    path("desk/offers/<int:pk>/decline/", views.offer_decline, name="offer_decline"),
    # Sessions and planning
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("planning/", views.schedule, name="schedule"),
    path("planning/sessions/new/", views.session_create, name="session_create"),
    path("planning/sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("planning/series/new/", views.series_create, name="series_create"),
    path("planning/series/<int:pk>/", views.series_detail, name="series_detail"),
    path("planning/consultation/new/", views.consultation_create, name="consultation_create"),
]
