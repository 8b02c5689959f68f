"""A resident books a class on a phone in Chromium: the calendar, the form, the code from the
text message, the done page. 375 px and 200 % zoom, axe-core (WCAG 2.1 AA), 44 px targets."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from classes.models import Booking, BookingSource
from notifications.services import messages_send_due
from tests.browser.conftest import PHONE, scrolls_sideways
from tests.factories import days_ahead
from tests.notifications.twilio_stub import TwilioStub

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A 1280 px wide window at 200 % zoom lays the page out in 640 CSS pixels.
ZOOMED = {"width": 640, "height": 800}


@pytest.fixture
def stub(settings):
    server = TwilioStub().start()
    settings.NOTIFY_TRANSPORT = "twilio"
    settings.TWILIO_API_BASE = server.url
    settings.TWILIO_ACCOUNT_SID = "AC" + "2" * 32
    settings.TWILIO_AUTH_TOKEN = "browser-test"
    settings.TWILIO_FROM_NUMBER = "+815012345678"
    settings.PUBLIC_BASE_URL = "https://tsunagu.example.jp"
    # The browser test runs at any hour: quiet hours are off here (tests/selfbook covers them).
    settings.NOTIFY_QUIET_START = settings.NOTIFY_QUIET_END = "00:00"
    yield server
    server.stop()


@pytest.fixture
def classes(make):
    venue = make.venue(
        name="日向市中央公民館",
        address="宮崎県日向市本町10-5 日向市中央公民館 2階 大会議室（エレベーターあり）",
    )
    course = make.course(
        title="はじめてのスマホ教室（Android）写真とLINEの使い方", device_os="android"
    )
    first = make.session(venue=venue, course=course, starts_at=days_ahead(5), capacity=3)
    make.session(venue=venue, course=make.course(category="consultation"), starts_at=days_ahead(6))
    return first


def small_targets(page):
    """Buttons, links styled as buttons and form controls smaller than 44 × 44 CSS px (a
    check box counts by its label, which ticks it too)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'main button, main a.button, main input, main select'))
            .filter(el => el.type !== 'hidden')
            .map(el => el.type === 'checkbox' && el.closest('label') ? el.closest('label') : el)
            .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
            .filter(([_, r]) => r.height < 44 || (r.width < 44))
            .map(([html, r]) => html + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""
    )


def test_a_resident_books_on_a_phone(open_page, axe, classes, stub):
    page = open_page(reverse("selfbook:calendar"), viewport=PHONE)
    assert page.locator("h1").inner_text() == "教室・相談会の予定とウェブ予約"
    assert axe(page) == []
    assert not scrolls_sideways(page)
    assert small_targets(page) == []
    page.get_by_role("link", name=re.compile("この回を予約する.*はじめてのスマホ教室")).click()

    expect(page.locator("body")).to_contain_text("残り3席")
    assert axe(page) == []
    assert not scrolls_sideways(page)
    page.get_by_label("姓", exact=True).fill("日向")
    page.get_by_label("名", exact=True).fill("花子")
    page.get_by_label("姓（ふりがな）", exact=True).fill("ひゅうが")
    page.get_by_label("名（ふりがな）", exact=True).fill("はなこ")
    page.get_by_label("携帯電話の番号", exact=True).fill("090-1234-5678")
    page.get_by_label(re.compile("市が名前と携帯電話の番号を記録")).check()
    assert small_targets(page) == []
    page.get_by_role("button", name="確認コードを送る").click()

    page.wait_for_url(re.compile("/book/code/"))
    assert "日向" not in page.url and "5678" not in page.url
    assert axe(page) == []
    assert not scrolls_sideways(page)
    messages_send_due()
    (sms,) = stub.sent("sms")
    assert sms["form"]["To"] == "+819012345678"
    code = re.search(r"\b(\d{6})\b", sms["form"]["Body"]).group(1)
    page.get_by_label("6けたの確認コード").fill(code)
    page.get_by_role("button", name="予約する", exact=True).click()

    page.wait_for_url(re.compile("/book/done/"))
    assert page.locator("h1").inner_text() == "予約しました"
    assert axe(page) == []
    assert not scrolls_sideways(page)
    booking = Booking.objects.get()
    assert booking.source == BookingSource.WEB and booking.resident.phone_mobile == "+819012345678"


def test_a_wrong_code_is_said_plainly_and_passes_axe(open_page, axe, classes, stub):
    page = open_page(reverse("selfbook:session", args=[classes.pk]), viewport=PHONE)
    page.get_by_label("姓", exact=True).fill("日向")
    page.get_by_label("名", exact=True).fill("花子")
    page.get_by_label("姓（ふりがな）", exact=True).fill("ひゅうが")
    page.get_by_label("名（ふりがな）", exact=True).fill("はなこ")
    page.get_by_label("携帯電話の番号", exact=True).fill("09012345678")
    page.get_by_label(re.compile("市が名前と携帯電話の番号を記録")).check()
    page.get_by_role("button", name="確認コードを送る").click()
    page.wait_for_url(re.compile("/book/code/"))
    page.get_by_label("6けたの確認コード").fill("12345")
    page.get_by_role("button", name="予約する", exact=True).click()
    # The form comes back on the same address: wait for what the resident reads.
    expect(page.locator("body")).to_contain_text("SMSに書かれた6けたの数字")
    assert axe(page) == []


@pytest.mark.parametrize("which", ["calendar", "session"])
def test_the_pages_at_200_percent_zoom_do_not_scroll_sideways(open_page, axe, classes, which):
    path = (
        reverse("selfbook:calendar")
        if which == "calendar"
        else reverse("selfbook:session", args=[classes.pk])
    )
    page = open_page(path, viewport=ZOOMED, scale=2)
    assert not scrolls_sideways(page)
    assert axe(page) == []


def test_a_resident_books_for_two_on_a_phone(open_page, axe, classes, stub):
    page = open_page(reverse("selfbook:session", args=[classes.pk]), viewport=PHONE)
    page.get_by_label("姓", exact=True).fill("日向")
    page.get_by_label("名", exact=True).fill("花子")
    page.get_by_label("姓（ふりがな）", exact=True).fill("ひゅうが")
    page.get_by_label("名（ふりがな）", exact=True).fill("はなこ")
    page.get_by_label("携帯電話の番号", exact=True).fill("090-1234-5678")
    page.get_by_label(re.compile("市が名前と携帯電話の番号を記録")).check()
    page.get_by_label("同行者の姓", exact=True).fill("日向")
    page.get_by_label("同行者の名", exact=True).fill("一郎")
    page.get_by_label("同行者の姓（ふりがな）").fill("ひゅうが")
    page.get_by_label("同行者の名（ふりがな）").fill("いちろう")
    page.get_by_label(re.compile("同行者は、市がこの予約のために")).check()
    assert axe(page) == []
    assert small_targets(page) == []
    assert not scrolls_sideways(page)
    page.get_by_role("button", name="確認コードを送る").click()

    page.wait_for_url(re.compile("/book/code/"))
    assert "一郎" not in page.content()
    assert axe(page) == []
    messages_send_due()
    (sms,) = stub.sent("sms")
    code = re.search(r"\b(\d{6})\b", sms["form"]["Body"]).group(1)
    page.get_by_label("6けたの確認コード").fill(code)
    page.get_by_role("button", name="予約する", exact=True).click()

    page.wait_for_url(re.compile("/book/done/"))
    assert page.locator("h1").inner_text() == "2名様の予約を承りました"
    assert "一郎" not in page.content() and "花子" not in page.content()
    assert axe(page) == []
    assert not scrolls_sideways(page)
    assert Booking.objects.filter(source=BookingSource.WEB).count() == 2
