"""Scanner passes in Debian's Chromium: the open scanner page renews its short-lived pass by
itself, fetches a new one when the server refuses the old, and stops being accepted as soon as
its user logs out (the scan waits in the queue; nothing is checked in)."""

import datetime

import pytest
from django.urls import reverse

from attendance.models import CheckIn
from attendance.scanpass import scanpass_revoke
from attendance.tickets import ticket_issue
from classes.booking import booking_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RENEW = "/scan-pass/"


@pytest.fixture
def scanner(page, login, live_server, make, venue_user, desk_user):
    """The venue user's scanner page for a session running now, and a way to book a ticket."""
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    session = make.session(venue=venue, starts_at=make.earlier_today(5), capacity=10)

    def ticket():
        booking = booking_create(
            session_id=session.pk,
            resident_id=make.resident().pk,
            user=desk_user,
            now=session.starts_at - datetime.timedelta(days=1),
        ).booking
        return ticket_issue(booking_id=booking.pk, user=desk_user).token

    renewals = []
    page.on("request", lambda request: RENEW in request.url and renewals.append(request.url))
    login(venue_user)
    page.goto(live_server.url + reverse("attendance:venue_session", args=[session.pk]))
    return page, ticket, renewals


def type_ticket(page, token):
    page.fill("#scan-code", token)
    page.press("#scan-code", "Enter")


def test_the_page_renews_its_pass_before_it_runs_out(settings, scanner):
    settings.SCAN_PASS_MINUTES = 0.05  # a 3-second pass, renewed every second or so
    page, ticket, renewals = scanner
    page.reload()  # the page as issued under this setting
    page.wait_for_timeout(4500)  # longer than the first pass lives
    assert len(renewals) >= 2
    type_ticket(page, ticket())
    page.locator("#scan-result .scan-result.ok").wait_for()
    assert CheckIn.objects.filter(result="ok").count() == 1


def test_a_refused_pass_is_replaced_and_the_waiting_scan_goes_through(scanner, venue_user):
    page, ticket, renewals = scanner
    scanpass_revoke([venue_user.pk])  # e.g. the venue taken away and given back: still logged in
    type_ticket(page, ticket())
    page.locator("#scan-result .scan-result.warn").wait_for()  # refused, kept in the queue
    assert not CheckIn.objects.exists()
    # The page fetched a new pass (login, role and venue checked again) and sent the scan: its
    # answer comes into the log as a late one. (The waiting count is hidden while the scan is in
    # flight too, so it alone does not say the scan went through.)
    page.locator("#scan-log .scan-log-ok").wait_for(timeout=15_000)
    assert page.locator("#scan-pending").is_hidden()
    assert renewals and CheckIn.objects.filter(result="ok").count() == 1


def test_after_logout_the_scanner_is_refused_at_once(scanner, live_server):
    page, ticket, renewals = scanner
    other = page.context.new_page()  # the same person logs out in another tab
    other.goto(live_server.url + reverse("home"))
    other.locator("form.logout button").click()
    other.wait_for_url(lambda url: "/accounts/login/" in url)

    type_ticket(page, ticket())
    page.locator("#scan-result .scan-result.warn").wait_for()
    page.wait_for_timeout(5000)  # a retry and a renewal attempt later: still refused
    assert renewals  # it tried, and the login page is no pass
    assert page.locator("#scan-pending").is_visible()
    assert not CheckIn.objects.exists()
