"""The booking desk in a real browser: search as you type, choose the caller, book, read back."""

import datetime

import pytest
from django.utils import timezone

from classes.models import Booking, BookingStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_desk_finds_a_caller_typed_in_half_width_kana_and_books(
    page, login, live_server, make, desk_user
):
    make.resident(
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        phone_mobile="+819012345678",
    )
    make.resident(
        family_name="佐藤", given_name="花子", family_name_kana="サトウ", given_name_kana="ハナコ"
    )
    session = make.session(
        capacity=1,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        course=make.course(title="スマホ教室 入門"),
    )
    login(desk_user)

    addresses = []  # every URL the browser asks for: none may carry what was typed
    page.on("request", lambda request: addresses.append(request.url))
    page.goto(f"{live_server.url}/desk/")
    page.fill("#desk-q", "ﾔﾏﾀﾞ")
    result = page.locator("#desk-results").get_by_text("山田 太郎")
    result.wait_for()
    assert page.locator("#desk-results").get_by_text("佐藤").count() == 0
    result.click()
    page.locator("#desk-resident-card").get_by_text("090-1234-5678").wait_for()
    assert "resident=" in page.url  # the choice survives a reload

    page.locator("#desk-sessions").get_by_role("button", name="予約する").click()
    page.wait_for_url("**/desk/bookings/**")
    readback = page.locator("#readback").inner_text()
    booking = Booking.objects.get(session=session)
    assert booking.status == BookingStatus.BOOKED
    assert f"予約番号は{booking.number}" in readback
    assert "山田 太郎" in readback

    # Phone search finds the same person, in full-width digits with hyphens.
    page.goto(f"{live_server.url}/desk/")
    page.fill("#desk-q", "０９０－１２３４")
    page.locator("#desk-results").get_by_text("山田 太郎").wait_for()
    # Enter searches in place; the clerk stays on the desk.
    page.press("#desk-q", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/desk/")
    assert addresses and not [url for url in addresses if "q=" in url or "%EF%BE" in url]


def test_desk_books_a_caller_and_a_companion_in_one_click_and_takes_both_back(
    page, login, live_server, make, desk_user, axe
):
    caller = make.resident(
        family_name="山田", given_name="太郎", family_name_kana="ヤマダ", given_name_kana="タロウ"
    )
    spouse = make.resident(
        family_name="山田", given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ"
    )
    session = make.session(
        capacity=2,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        course=make.course(title="スマホ教室 入門"),
    )
    login(desk_user)
    addresses = []
    page.on("request", lambda request: addresses.append(request.url))
    page.goto(f"{live_server.url}/desk/?resident={caller.pk}")

    page.fill("#companion-q", "はなこ")
    page.locator("#companion-results").get_by_text("山田 花子").click()
    page.locator("#desk-companions").get_by_text("2名をまとめて1回で予約します").wait_for()
    assert f"companion={spouse.pk}" in page.url
    book = page.locator("#desk-sessions").get_by_role("button", name="2名で予約")
    book.wait_for()  # the session list follows the companions
    assert axe(page) == []

    book.click()
    page.wait_for_url("**/desk/bookings/**")
    readback = page.locator("#readback").inner_text()
    assert "山田 太郎様、山田 花子様、2名様のご予約を承りました" in readback
    assert set(Booking.objects.filter(session=session).values_list("status", flat=True)) == {
        "booked"
    }
    assert axe(page) == []

    page.get_by_role("button", name="2名分の予約をまとめて取り消す").click()
    page.wait_for_url("**/desk/?resident=*")
    assert set(Booking.objects.filter(session=session).values_list("cancel_reason", flat=True)) == {
        "entered_in_error"
    }
    assert not [url for url in addresses if "q=" in url or "%E3%81%AF" in url]
