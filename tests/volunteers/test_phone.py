"""The volunteer's pages on a phone (375 px, Chromium): WCAG 2.1 AA by axe-core, big buttons,
and the accept/check-in flow by tapping.

The browser runs in a thread of its own: the browser tests' session-wide Playwright (in
tests/browser) may already hold this thread's event loop, and a second sync Playwright cannot
start beside it in the same thread.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, axe_violations
from volunteers.models import Assignment, Qualification, Role, ShiftNeed, Volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-for-tests-123"  # tests/conftest.py's users


def _on_a_phone(base, username, urls, shift_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 375, "height": 740}
            )
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_login", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            found = {}
            for url in urls:
                page.goto(f"{base}{url}")
                violations = axe_violations(page)
                if violations:
                    found[url] = violations
            page.goto(f"{base}{urls[0]}")
            page.click(".vol-shift")
            page.wait_for_url(f"**{shift_url}")
            accept = page.locator('form[action$="/accept/"] button')
            height = accept.bounding_box()["height"]
            accept.click()
            # Check-in is open: the shift starts in 30 minutes.
            page.locator('form[action$="/check-in/"] button').click()
            page.wait_for_selector('form[action$="/check-out/"]')
            return found, height
        finally:
            browser.close()


def test_volunteer_pages_on_a_phone(live_server, make, volunteer_user):
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
    with ThreadPoolExecutor(max_workers=1) as pool:
        found, height = pool.submit(
            _on_a_phone, live_server.url, volunteer_user.username, urls, shift_url
        ).result()
    assert found == {}
    assert height >= 44  # a tap target a thumb finds
    shift.refresh_from_db()
    assert shift.status == Assignment.Status.ACCEPTED and shift.checked_in_at
