"""The phone roles' pages walked in Chromium on the screen they work on: venue staff and
volunteers on a phone (390 × 844). Each page must load without a script error, fit the
screen's width (no sideways scrolling) and give every button room for a finger.

Not time-dependent, so `make test-instants` leaves it out (marker `walk`)."""

import pytest
from playwright.sync_api import Error as BrowserError

from tests.test_access_matrix import PAGES, PUBLIC, ROLES, SCAN_PASS, objects, url_for

pytestmark = [pytest.mark.browser, pytest.mark.walk, pytest.mark.django_db(transaction=True)]

__all__ = ["objects"]  # the matrix's fixture: one of everything the pages need

PHONE = {"width": 390, "height": 844}
SCREENS = {"venue": PHONE, "volunteer": PHONE}
USERS = {"venue": "venue_user", "volunteer": "volunteer_user"}
# Links and buttons smaller than this on a phone are hard to hit (WCAG 2.5.5 asks 44 px; the
# text links inside sentences are exempt and are not counted).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'main button, main a.button, main input[type=submit]')]
  .filter(el => el.offsetParent !== null)
  .filter(el => { const r = el.getBoundingClientRect(); return r.height < 40; })
  .map(el => (el.innerText || el.value || el.outerHTML).trim().slice(0, 40))"""


@pytest.mark.parametrize("role", list(SCREENS))
def test_each_role_walks_its_pages_without_a_stumble(request, browser, live_server, objects, role):
    user = request.getfixturevalue(USERS[role])
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=SCREENS[role])
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", "pass-for-tests-123")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    too_wide, small = {}, {}
    for name, (perm, _key) in PAGES.items():
        if perm == SCAN_PASS or not (perm in (None, PUBLIC) or perm in ROLES[role]):
            continue
        try:
            response = page.goto(live_server.url + url_for(name, objects))
        except BrowserError:
            continue  # an action that answers only POST: nothing to look at
        if response is None or response.status != 200:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > SCREENS[role]["width"]:
            too_wide[name] = width
        targets = page.evaluate(SMALL_TARGETS)
        if targets:
            small[name] = targets
    context.close()
    assert errors == []
    assert too_wide == {}, "pages wider than the screen"
    assert small == {}, "tap targets under 40 px on a phone"
