"""The volunteer's pages on a phone (375 px, Chromium): WCAG 2.1 AA by axe-core, big buttons,
and the accept/check-in flow by tapping."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from volunteers.models import Assignment, Qualification, Role, ShiftNeed, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_volunteer_pages_on_a_phone(page, login, axe, live_server, make, volunteer_user):
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
    shift_url = reverse("volunteers:shift_detail", args=[shift.pk])
    urls = [
        reverse("volunteers:my_shifts"),
        shift_url,
        reverse("volunteers:availability"),
        reverse("volunteers:profile"),
        reverse("volunteers:hours"),
    ]
    page.set_viewport_size({"width": 375, "height": 740})
    login(volunteer_user)
    found = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        violations = axe(page)
        if violations:
            found[url] = violations
    page.goto(f"{live_server.url}{urls[0]}")
    page.click(".vol-shift")
    page.wait_for_url(f"**{shift_url}")
    accept = page.locator('form[action$="/accept/"] button')
    height = accept.bounding_box()["height"]
    accept.click()
    # Check-in is open: the shift starts in 30 minutes.
    page.locator('form[action$="/check-in/"] button').click()
    page.wait_for_selector('form[action$="/check-out/"]')
    assert found == {}
    assert height >= 44  # a tap target a thumb finds
    shift.refresh_from_db()
    assert shift.status == Assignment.Status.ACCEPTED and shift.checked_in_at


def test_the_calendar_address_is_copied_with_one_tap_next_to_my_shifts(
    page, login, live_server, volunteer_user
):
    volunteer = Volunteer.objects.create(
        user=volunteer_user,
        family_name="日高",
        given_name="さくら",
        family_name_kana="ひだか",
        given_name_kana="さくら",
        status=Volunteer.Status.APPROVED,
    )
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size({"width": 375, "height": 740})
    login(volunteer_user)
    page.goto(f"{live_server.url}{reverse('volunteers:my_shifts')}")

    address = page.locator("#calendar-address").input_value()
    feed = reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
    assert address == f"{live_server.url}{feed}"
    webcal = page.get_by_role("link", name="カレンダーに追加する").get_attribute("href")
    assert webcal == "webcal://" + address.split("://", 1)[1]
    page.get_by_role("button", name="アドレスをコピー").click()
    page.get_by_text("コピーしました。").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == address
