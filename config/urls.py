from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    # First: the venue's scan API is the busiest URL of the day, and Django tries patterns in
    # order. No other pattern matches a path of attendance's.
    path("", include("attendance.urls")),
    path("", account_views.home, name="home"),
    # Logins go through the throttle first (accounts.throttle), then allauth's view (with its
    # MFA step). The admin's login page sends to it, so nobody gets round either. These two
    # patterns come before the includes that also define them.
    path("accounts/login/", account_views.throttled(allauth_views.login), name="account_login"),
    path("admin/login/", secure_admin_login(admin.site.login)),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("residents/", include("residents.urls")),
    path("", include("classes.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("consultations/", include("consultations.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("surveys.urls")),
    path("", include("selfbook.urls")),
    path("reports/", include("reports.urls")),
    path("privacy/", include("privacy.urls")),
    path("health/", include("health.urls")),
    path("audit/", include("audit.urls")),
]

# allauth's rate limits answer with this page too (it looks for ROOT_URLCONF.handler429).
handler429 = account_views.too_many_attempts
