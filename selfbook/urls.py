from django.urls import path

from selfbook import views

app_name = "selfbook"

urlpatterns = [
    # Residents, no login: the calendar and a session's form; the code and done pages are
    # named by the request's unguessable token (never a name or a number).
    path("book/", views.calendar_view, name="calendar"),
    path("book/sessions/<int:pk>/", views.session_view, name="session"),
    path("book/code/<str:token>/", views.code_view, name="code"),
    path("book/done/<str:token>/", views.done_view, name="done"),
    # The desk: records the web registered, to confirm or merge (Perm.RESIDENTS_EDIT)
    path("desk/web-bookings/", views.review_list, name="review_list"),
    path("desk/web-bookings/<int:pk>/confirm/", views.review_confirm_view, name="review_confirm"),
]
