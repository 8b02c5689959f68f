"""axe-core (WCAG 2.1 AA) on the pages of this slice, as staff and residents see them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_page_passes_axe(page, live_server, axe):
    page.goto(f"{live_server.url}{reverse('account_login')}")
    assert axe(page) == []


def test_staff_pages_pass_axe(page, login, live_server, axe, make, dx_user):
    resident = make.resident(family_name="山田", given_name="太郎")
    session = make.session(capacity=1, starts_at=timezone.now() + datetime.timedelta(days=2))
    waiting = make.resident()
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=dx_user)
    booking_create(session_id=session.pk, resident_id=waiting.pk, user=dx_user)
    login(dx_user)
    urls = [
        reverse("classes:desk") + f"?resident={resident.pk}",
        reverse("classes:booking_done", args=[booking.booking.pk]),
        reverse("classes:booking_cancel", args=[booking.booking.pk]),
        reverse("classes:offer_list"),
        reverse("classes:session_list"),
        reverse("classes:session_detail", args=[session.pk]),
        reverse("classes:schedule"),
        reverse("classes:series_create"),
        reverse("residents:list") + "?q=やまだ",
        reverse("residents:create"),
        reverse("residents:detail", args=[resident.pk]),
    ]
    found = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        violations = axe(page)
        if violations:
            found[url] = violations
    assert found == {}


def test_the_checker_itself_reports_a_known_violation(page, axe):
    page.set_content('<html lang="ja"><body><main><img src="x.png"></main></body></html>')
    assert "image-alt" in [rule for rule, _impact, _target in axe(page)]
