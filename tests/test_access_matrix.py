"""Every page, opened by every role: allowed roles get in, the others get 403, nobody a 500.

The table below must name every page of our apps; a new page that is not listed fails
`test_every_page_is_in_the_table`, so access is decided on purpose, not by accident.
"""

import datetime

import pytest
from django.contrib.auth.views import redirect_to_login
from django.urls import get_resolver, reverse
from django.utils import timezone

from accounts.access import Perm
from attendance.tickets import ticket_issue
from classes.booking import booking_create
from classes.models import ConsultationDay, Series
from tests.accounts import access_pages as accounts_pages
from tests.audit import access_pages as audit_pages
from tests.consultations import access_pages as consultations_pages
from tests.health import access_pages as health_pages
from tests.notifications import access_pages as notifications_pages
from tests.privacy import access_pages as privacy_pages
from tests.reports import access_pages as reports_pages
from tests.selfbook import access_pages as selfbook_pages
from tests.surveys import access_pages as surveys_pages
from tests.volunteers import access_pages as volunteers_pages

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # residents' ticket pages: no login, the token is the key
SCAN_PASS = "scan pass"  # the scan API: the venue page's signed pass, not a login (POST only)
# url name -> (permission needed, argument key). None = any logged-in user.
PAGES = {
    "home": (None, None),
    "residents:list": (Perm.RESIDENTS_VIEW, None),
    "residents:search": (Perm.RESIDENTS_VIEW, None),
    "residents:create": (Perm.RESIDENTS_EDIT, None),
    "residents:detail": (Perm.RESIDENTS_VIEW, "resident"),
    "residents:edit": (Perm.RESIDENTS_EDIT, "resident"),
    "residents:merge": (Perm.RESIDENTS_MERGE, "resident"),
    "classes:desk": (Perm.BOOKINGS_MANAGE, None),
    "classes:desk_resident": (Perm.BOOKINGS_MANAGE, "resident"),
    "classes:desk_sessions": (Perm.BOOKINGS_MANAGE, None),
    "classes:desk_companions": (Perm.BOOKINGS_MANAGE, None),
    "classes:desk_book": (Perm.BOOKINGS_MANAGE, None),
    "classes:booking_done": (Perm.BOOKINGS_MANAGE, "booking"),
    "classes:booking_cancel": (Perm.BOOKINGS_MANAGE, "booking"),
    "classes:booking_undo": (Perm.BOOKINGS_MANAGE, "booking"),
    "classes:booking_group_undo": (Perm.BOOKINGS_MANAGE, "booking"),
    "classes:offer_list": (Perm.BOOKINGS_MANAGE, None),
    "classes:offer_accept": (Perm.BOOKINGS_MANAGE, "booking"),
    "classes:offer_decline": (Perm.BOOKINGS_MANAGE, "booking"),
    "classes:resident_bookings": (Perm.RESIDENTS_VIEW, "resident"),
    "classes:session_list": (Perm.SESSIONS_VIEW, None),
    "classes:session_detail": (Perm.SESSIONS_VIEW, "session"),
    "classes:session_cancel": (Perm.SESSIONS_CANCEL, "session"),
    "classes:session_contacts": (Perm.CALLS_MAKE, "session"),
    "classes:schedule": (Perm.SCHEDULE_EDIT, None),
    "classes:session_create": (Perm.SCHEDULE_EDIT, None),
    "classes:session_edit": (Perm.SCHEDULE_EDIT, "session"),
    "classes:series_create": (Perm.SCHEDULE_EDIT, None),
    "classes:series_detail": (Perm.SCHEDULE_EDIT, "series"),
    "classes:series_exception_remove": (Perm.SCHEDULE_EDIT, "series"),
    "classes:series_regenerate": (Perm.SCHEDULE_EDIT, "series"),
    "classes:consultation_create": (Perm.SCHEDULE_EDIT, None),
    "classes:consultation_detail": (Perm.SCHEDULE_EDIT, "consultation"),
    "attendance:ticket": (PUBLIC, "token"),
    "attendance:ticket_cancel": (PUBLIC, "token"),
    "attendance:ticket_pdf": (PUBLIC, "token"),
    "attendance:ticket_offer_accept": (PUBLIC, "token"),
    "attendance:ticket_offer_decline": (PUBLIC, "token"),
    "attendance:booking_ticket_panel": (Perm.TICKETS_MANAGE, "booking"),
    "attendance:staff_ticket_pdf": (Perm.TICKETS_MANAGE, "booking"),
    "attendance:ticket_reissue": (Perm.TICKETS_MANAGE, "booking"),
    "attendance:roster_pdf": (Perm.SESSIONS_VIEW, "session"),
    "attendance:venue_today": (Perm.CHECKIN, None),
    "attendance:venue_session": (Perm.CHECKIN, "session"),
    "attendance:api_checkin": (SCAN_PASS, None),
    "attendance:venue_counts": (Perm.CHECKIN, "session"),
    "attendance:venue_scan_pass_renew": (Perm.CHECKIN, "session"),
    "attendance:venue_roster": (Perm.CHECKIN, "session"),
    "attendance:venue_checkin": (Perm.CHECKIN, "session"),
    "attendance:venue_undo": (Perm.CHECKIN, "session"),
    "attendance:venue_walkin": (Perm.CHECKIN, "session"),
    "attendance:venue_walkin_search": (Perm.CHECKIN, "session"),
}
# Each later app keeps its own rows (and the objects their URLs need) next to its tests.
APP_TABLES = [
    volunteers_pages,
    notifications_pages,
    surveys_pages,
    reports_pages,
    health_pages,
    accounts_pages,
    audit_pages,
    privacy_pages,
    selfbook_pages,
    consultations_pages,
]
for _table in APP_TABLES:
    PAGES.update(_table.PAGES)
# Which roles hold which permission: the table the access module implements, restated here
# so a change to it is a visible change to this test.
ROLES = {
    "desk": {
        Perm.RESIDENTS_VIEW,
        Perm.RESIDENTS_EDIT,
        Perm.RESIDENTS_MERGE,
        Perm.SESSIONS_VIEW,
        Perm.BOOKINGS_MANAGE,
        Perm.TICKETS_MANAGE,
        Perm.MESSAGES_VIEW,
        Perm.CALLS_MAKE,
        Perm.SURVEYS_ENTER,
        Perm.CONSULTATIONS_FOLLOWUP,
    },
    "venue": {
        Perm.SESSIONS_VIEW,
        Perm.CHECKIN,
        Perm.CONSULTATIONS_RECORD,
        Perm.CONSULTATIONS_FOLLOWUP,
    },
    "volunteer": {Perm.VOLUNTEER_SELF, Perm.CONSULTATIONS_RECORD},
    "dx": {
        Perm.RESIDENTS_VIEW,
        Perm.RESIDENTS_EDIT,
        Perm.RESIDENTS_MERGE,
        Perm.SESSIONS_VIEW,
        Perm.BOOKINGS_MANAGE,
        Perm.SCHEDULE_EDIT,
        Perm.SESSIONS_CANCEL,
        Perm.TICKETS_MANAGE,
        Perm.CHECKIN,
        Perm.VOLUNTEERS_MANAGE,
        Perm.MESSAGES_VIEW,
        Perm.CALLS_MAKE,
        Perm.SURVEYS_MANAGE,
        Perm.SURVEYS_ENTER,
        Perm.REPORTS_VIEW,
        Perm.REPORTS_EDIT,
        Perm.USERS_INVITE,
        Perm.ACCESS_LOG_VIEW,
        Perm.RESIDENTS_RIGHTS,
        Perm.CONSULTATIONS_RECORD,
        Perm.CONSULTATIONS_FOLLOWUP,
    },
    "nobody": set(),
    "admin": set(Perm),
}
USERS = {
    "desk": "desk_user",
    "venue": "venue_user",
    "volunteer": "volunteer_user",
    "dx": "dx_user",
    "nobody": "no_role_user",
    "admin": "admin_user",
}


def our_url_names():
    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace in (
            "residents",
            "classes",
            "attendance",
            "volunteers",
            "notifications",
            "surveys",
            "reports",
            "health",
            "accounts",
            "audit",
            "privacy",
            "selfbook",
            "consultations",
        ):
            names |= {f"{namespace}:{p.name}" for p in pattern.url_patterns}
        elif getattr(pattern, "name", None) == "home":
            names.add("home")
    return names


def test_every_page_is_in_the_table():
    assert our_url_names() == set(PAGES)


@pytest.fixture
def objects(make, desk_user, venue_user, volunteer_user, dx_user):
    venue = make.venue()
    venue.staff.add(venue_user)
    session = make.session(venue=venue)
    resident = make.resident()
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    series = Series.objects.create(
        title="毎週の教室",
        venue=venue,
        frequency=Series.Frequency.WEEKLY,
        weekday=2,
        start_date=datetime.date(2031, 4, 1),
        end_date=datetime.date(2031, 6, 30),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        capacity=10,
    )
    consultation = ConsultationDay.objects.create(
        course=make.course(category="consultation"),
        venue=venue,
        date=timezone.localdate() + datetime.timedelta(days=30),
        start_time=datetime.time(10),
        end_time=datetime.time(12),
    )
    found = {
        "venue": venue.pk,
        "token": ticket_issue(booking_id=booking.booking.pk).token,
        "resident": resident.pk,
        "session": session.pk,
        "booking": booking.booking.pk,
        "series": series.pk,
        "consultation": consultation.pk,
    }
    users = {"desk": desk_user, "venue": venue_user, "volunteer": volunteer_user, "dx": dx_user}
    for table in APP_TABLES:
        found.update(table.objects(make=make, base=found, users=users))
    return found


def url_for(name, objects):
    perm, key = PAGES[name]
    return reverse(name, args=[objects[key]] if key else [])


@pytest.mark.parametrize("role", list(USERS))
def test_each_role_opens_exactly_the_pages_it_may(request, client, objects, role):
    user = request.getfixturevalue(USERS[role])
    client.force_login(user)
    refused, let_in = [], []
    for name, (perm, _key) in PAGES.items():
        response = client.get(url_for(name, objects), HTTP_HX_REQUEST="true")
        assert response.status_code < 500, name
        allowed = perm in (None, PUBLIC, SCAN_PASS) or perm in ROLES[role]
        if allowed and response.status_code == 403:
            refused.append(name)
        if not allowed and response.status_code != 403:
            let_in.append((name, response.status_code))
    assert refused == [], f"{role} was refused pages it may open"
    assert let_in == [], f"{role} opened pages it may not"


def test_anonymous_visitors_are_sent_to_the_login_page(client, objects):
    for name, (perm, _key) in PAGES.items():
        url = url_for(name, objects)
        response = client.get(url)
        if perm == PUBLIC:
            assert response.status_code == 200, name
            continue
        if perm == SCAN_PASS:
            assert response.status_code == 405, name  # and a POST without a pass gets 401
            continue
        assert response.status_code == 302, name
        assert response["Location"] == redirect_to_login(url)["Location"], name


def test_venue_staff_see_only_their_venues(venue_client, make, objects):
    elsewhere = make.session()
    assert (
        venue_client.get(reverse("classes:session_detail", args=[objects["session"]])).status_code
        == 200
    )
    for name in ("classes:session_detail", "classes:session_contacts"):
        assert venue_client.get(reverse(name, args=[elsewhere.pk])).status_code == 403
    listed = venue_client.get(reverse("classes:session_list"), {"date_from": ""})
    # Only sessions of their venue (the apps' tables add some there), never the other one.
    assert {s.venue_id for s in listed.context["page"]} == {objects["venue"]}
    assert objects["session"] in [s.pk for s in listed.context["page"]]
