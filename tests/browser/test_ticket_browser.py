"""The resident's ticket pages in Chromium: a phone screen, 200 % zoom, axe-core (WCAG 2.1 AA)."""

import pytest
from django.urls import reverse

from attendance.tickets import ticket_issue, ticket_reissue
from classes.booking import booking_create
from classes.models import BookingStatus
from tests.browser.conftest import PHONE, scrolls_sideways
from tests.factories import tokyo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1280 px wide window at 200 % zoom lays the page out in 640 CSS pixels.
ZOOMED = {"width": 640, "height": 800}


@pytest.fixture
def ticket(make, desk_user):
    venue = make.venue(
        name="日向市中央公民館",
        address="宮崎県日向市本町10-5 日向市中央公民館 2階 大会議室（エレベーターあり）",
    )
    session = make.session(
        venue=venue,
        course=make.course(title="はじめてのスマホ教室（Android）写真とLINEの使い方"),
        starts_at=tokyo(2031, 12, 10, 13, 30),
    )
    resident = make.resident(family_name="日向", given_name="花子")
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    return ticket_issue(booking_id=booking.booking.pk)


def test_ticket_page_on_a_phone_passes_axe_and_shows_a_big_qr(open_page, axe, ticket):
    page = open_page(reverse("attendance:ticket", args=[ticket.token]), viewport=PHONE)

    assert page.locator("h1").inner_text() == "受講票"
    assert axe(page) == []
    assert not scrolls_sideways(page)
    qr = page.get_by_role("img", name="受付用QRコード")
    box = qr.bounding_box()
    assert box["width"] >= 240 and box["width"] == pytest.approx(box["height"], abs=1)
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("name", ["attendance:ticket", "attendance:ticket_cancel"])
def test_ticket_pages_at_200_percent_zoom_do_not_scroll_sideways(open_page, axe, ticket, name):
    page = open_page(reverse(name, args=[ticket.token]), viewport=ZOOMED, scale=2)
    assert not scrolls_sideways(page)
    assert axe(page) == []


def test_cancel_confirmation_then_done_pass_axe(open_page, axe, ticket):
    page = open_page(reverse("attendance:ticket", args=[ticket.token]), viewport=PHONE)
    page.get_by_role("link", name="この予約を取り消す").click()

    page.wait_for_url(f"**{reverse('attendance:ticket_cancel', args=[ticket.token])}")
    assert page.locator("h1").inner_text() == "本当に取り消しますか？"
    assert axe(page) == []

    page.get_by_role("button", name="はい、取り消します").click()
    page.get_by_role("heading", name="取り消しました").wait_for()
    assert axe(page) == []
    assert not scrolls_sideways(page)
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.CANCELLED


def test_replaced_and_unknown_tickets_read_well_too(open_page, axe, ticket, desk_user):
    ticket_reissue(booking_id=ticket.booking_id, user=desk_user)
    for path in (
        reverse("attendance:ticket", args=[ticket.token]),
        reverse("attendance:ticket", args=["NOTATOKEN"]),
    ):
        page = open_page(path, viewport=PHONE)
        assert axe(page) == [], path
        assert not scrolls_sideways(page), path


def test_the_language_menu_works_on_a_ticket_page(open_page, ticket):
    # A token page's own forms must pass the CSRF origin check (see PAGE_REFERRER_POLICY).
    page = open_page(reverse("attendance:ticket", args=[ticket.token]), viewport=PHONE)
    page.select_option("#language-select", "en")
    page.get_by_role("button", name="変更").click()
    page.get_by_role("heading", name="Class ticket").wait_for()
    assert page.url.endswith(reverse("attendance:ticket", args=[ticket.token]))
