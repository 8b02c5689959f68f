"""The volunteer's pages on a phone (375 px, Chromium): WCAG 2.1 AA by axe-core, big buttons,
and the accept/check-in flow by tapping."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import axe, browser, login, page  # noqa: F401 (fixtures)
from volunteers.models import Assignment, Qualification, Role, ShiftNeed, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_pages_on_a_phone(page, login, live_server, axe, make, volunteer_user):  # noqa: F811
    volunteer = Volunteer.objects.create(
        user=volunteer_user,
        family_name="日高",
        given_name="さくら",
        family_name_kana="ひだか",
        given_name_kana="さくら",
        phone="+819011112222",
        status=Volunteer.Status.APPROVED,
    )
    Qualification.objects.create(
        volunteer=volunteer, kind="shienin", issued_on=datetime.date(2024, 4, 1)
    )
    session = make.session(starts_at=timezone.now() + datetime.timedelta(minutes=30))
    need = ShiftNeed.objects.create(session=session, role=Role.ASSISTANT, count=1)
    shift = Assignment.objects.create(
        need=need, session=session, volunteer=volunteer, source="manual"
    )
    page.set_viewport_size({"width": 375, "height": 740})
    login(volunteer_user)
    found = {}
    for url in [
        reverse("volunteers:my_shifts"),
        reverse("volunteers:shift_detail", args=[shift.pk]),
        reverse("volunteers:availability"),
        reverse("volunteers:profile"),
        reverse("volunteers:hours"),
    ]:
        page.goto(f"{live_server.url}{url}")
        violations = axe(page)
        if violations:
            found[url] = violations
    assert found == {}

    page.goto(f"{live_server.url}{reverse('volunteers:my_shifts')}")
    page.click(".vol-shift")
    accept = page.locator('form[action$="/accept/"] button')
    assert accept.bounding_box()["height"] >= 44
    accept.click()
    # Check-in is open: the shift starts in 30 minutes.
    page.locator('form[action$="/check-in/"] button').click()
    page.wait_for_selector('form[action$="/check-out/"]')
    shift.refresh_from_db()
    assert shift.status == Assignment.Status.ACCEPTED and shift.checked_in_at
