from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    # First: the venue's scan API is the busiest URL of the day, and Django tries patterns in
    # order. No other pattern matches a path of attendance's.
    path("", include("attendance.urls")),
    path("", account_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("", include("classes.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("surveys.urls")),
    path("reports/", include("reports.urls")),
    path("health/", include("health.urls")),
]
