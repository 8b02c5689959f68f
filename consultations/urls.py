from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    # The supporter's phone (venue staff, volunteers on the session's shifts)
    path("", views.today, name="today"),
    path("sessions/<int:pk>/", views.session_view, name="session"),
    path("bookings/<int:pk>/", views.record_form, name="record"),
    path("records/<int:pk>/", views.record_done, name="record_done"),
    # What follows a consultation
    path("records/<int:pk>/book/", views.followup_book, name="followup_book"),
    path("followups/", views.followup_list, name="followups"),
    path("followups/<int:pk>/", views.followup_detail, name="followup_detail"),
    path("followups/<int:pk>/close/", views.followup_close, name="followup_close"),
]
