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
        reverse("residents:list"),
        reverse("residents:create"),
        reverse("residents:detail", args=[resident.pk]),
    ]
    found = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        violations = axe(page)
        if violations:
            found[url] = violations
    # The residents list with results, searched the way staff search (by POST).
    page.goto(f"{live_server.url}{reverse('residents:list')}")
    page.fill("#resident-q", "やまだ")
    page.locator("#resident-results").get_by_text("山田 太郎").first.wait_for()
    violations = axe(page)
    if violations:
        found["residents:list searched"] = violations
    assert found == {}


def test_the_checker_itself_reports_a_known_violation(page, axe):
    page.set_content('<html lang="ja"><body><main><img src="x.png"></main></body></html>')
    assert "image-alt" in [rule for rule, _impact, _target in axe(page)]


def test_an_inline_script_on_our_pages_would_be_caught(page, live_server, csp_violations):
    # A page of ours with an inline script and a style attribute, as a template would render
    # it: the policy refuses both, and the watcher sees it (then forgets it: this one is made).
    page.route(
        f"{live_server.url}/__tests__/inline",
        lambda route: route.fulfill(
            body='<p style="color: red">x</p><script>document.title = "ran";</script>',
            content_type="text/html",
            headers={"Content-Security-Policy": _our_policy()},
        ),
    )
    page.goto(f"{live_server.url}/__tests__/inline")
    page.wait_for_timeout(200)
    assert page.title() != "ran"
    assert any("script" in seen for seen in csp_violations)
    assert any("style" in seen for seen in csp_violations)
    csp_violations.clear()


def _our_policy():
    from config.middleware import ContentSecurityPolicyMiddleware

    return ContentSecurityPolicyMiddleware(lambda request: None).header
