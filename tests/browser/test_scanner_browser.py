"""The venue scanner in Debian's Chromium: a fake camera shows a ticket's QR code, the page
reads it and checks the person in; scans made while the network is down are sent once later."""

import datetime
import uuid

import pytest
import qrcode
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from attendance.models import CheckIn
from attendance.tickets import ticket_issue
from classes.booking import booking_create
from classes.models import Booking, BookingStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

API_ROUTE = "**/venue/api/checkin/**"
PHONE = {"width": 375, "height": 740}
TALL_PHONE = {"width": 390, "height": 844}

IN_VIEW = """el => { const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight; }"""
WIDTH, HEIGHT = 640, 480


def write_y4m(path, text):
    """One 640x480 frame (it loops) with the QR code of `text`, black on white, quiet zone."""
    code = qrcode.make(text, border=4).get_image().convert("L")
    code = code.resize((320, 320), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - 320) // 2, (HEIGHT - 320) // 2))
    grey = bytes([128]) * (WIDTH * HEIGHT // 4)  # U and V planes of 4:2:0
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F30:1 Ip A1:1 C420jpeg\n".encode())
        video.write(b"FRAME\n" + frame.tobytes() + grey + grey)
    return path


def running_now(make, venue_user, **fields):
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    return make.session(venue=venue, starts_at=make.earlier_today(5), **fields)


def ticket_for(session, resident, user):
    booking = booking_create(
        session_id=session.pk,
        resident_id=resident.pk,
        user=user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking
    return ticket_issue(booking_id=booking.pk, user=user)


def session_cookie(user, live_server):
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}


@pytest.fixture
def camera_browser(browser):
    """A new Chromium whose fake camera plays a given file (fixed at launch)."""
    launched = []

    def launch(video_path):
        args = [
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video_path}",
            "--use-fake-ui-for-media-stream",
        ]
        # The session's Playwright instance launches it: a second one cannot run in this thread.
        launched.append(browser.browser_type.launch(executable_path=CHROMIUM, args=args))
        return launched[-1]

    yield launch
    for each in launched:
        each.close()


def test_the_camera_reads_a_ticket_then_says_already_checked_in(
    camera_browser, live_server, make, venue_user, desk_user, tmp_path, axe
):
    session = running_now(make, venue_user, course=make.course(title="スマホ教室 入門"))
    yamada = make.resident(family_name="山田", given_name="太郎")
    ticket = ticket_for(session, yamada, desk_user)
    ticket_url = live_server.url + reverse("attendance:ticket", args=[ticket.token])
    video = write_y4m(tmp_path / "ticket.y4m", ticket_url)

    context = camera_browser(str(video)).new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport=TALL_PHONE
    )
    context.add_cookies([session_cookie(venue_user, live_server)])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + reverse("attendance:venue_session", args=[session.pk]))
    page.get_by_role("button", name="カメラを起動").click()

    ok = page.locator("#scan-result .scan-result.ok")
    ok.wait_for()
    assert ok.inner_text().strip() == "山田 太郎 様 受付しました"
    # The picture and the answer are in sight together on the phone held upright.
    assert page.locator("#scanner-video").evaluate(IN_VIEW)
    assert ok.evaluate(IN_VIEW)
    checkin = CheckIn.objects.get()
    assert (checkin.result, checkin.channel, checkin.ticket_id) == ("ok", "camera", ticket.pk)
    assert checkin.device.startswith("会場端末-")
    assert Booking.objects.get(pk=ticket.booking_id).status == BookingStatus.ATTENDED
    # The counts reload themselves after the scan (htmx): wait for it rather than race it.
    expect(page.locator('#venue-counts [data-count="checked_in"]')).to_have_text("1")
    # The roster refreshed after the scan: 山田 太郎 now has the undo button.
    page.locator("#roster").get_by_role("button", name="取り消し").wait_for()

    # The code is still in view: one scan, not a stream of them, until "next person".
    page.wait_for_timeout(1000)
    assert CheckIn.objects.count() == 1
    page.get_by_role("button", name="次の方へ").click()
    repeat = page.locator("#scan-result .scan-result.warn")
    repeat.wait_for()
    assert "すでに受付済みです" in repeat.inner_text()
    assert "山田 太郎" in repeat.inner_text()
    assert CheckIn.objects.filter(result="already_checked_in").count() == 1
    assert CheckIn.objects.filter(result="ok").count() == 1

    assert axe(page) == []
    context.close()


def test_scans_made_offline_are_sent_once_when_the_network_returns(
    page, login, live_server, make, venue_user, desk_user
):
    session = running_now(make, venue_user, capacity=5)
    first = ticket_for(session, make.resident(family_name="山田", given_name="一郎"), desk_user)
    second = ticket_for(session, make.resident(family_name="佐藤", given_name="花子"), desk_user)
    login(venue_user)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("attendance:venue_session", args=[session.pk]))

    requests = []

    def lose_the_network(route):
        requests.append(route.request.post_data_json["nonce"])
        if len(requests) == 1:
            route.fetch()  # the server checks the first one in, but the answer never arrives
        route.abort("internetdisconnected")

    page.context.route(API_ROUTE, lose_the_network)
    for ticket in (first, second):
        page.fill("#scan-code", ticket.token)
        page.press("#scan-code", "Enter")
        page.locator("#scan-result .scan-result.warn").get_by_text("通信できません").wait_for()
    pending = page.locator("#scan-pending")
    pending.get_by_text("未送信 2 件").wait_for()
    assert CheckIn.objects.filter(result="ok").count() == 1  # the lost answer's scan

    page.context.unroute(API_ROUTE)
    pending.wait_for(state="hidden", timeout=15_000)
    # The counter drops a scan once it is on its way; its answer lands in the log.
    page.locator("#scan-log").get_by_text("佐藤 花子 様").wait_for(timeout=15_000)

    assert CheckIn.objects.filter(result="ok").count() == 2
    assert CheckIn.objects.count() == 2  # the retried scan got its first answer back
    assert set(CheckIn.objects.values_list("nonce", flat=True)) == {
        uuid.UUID(nonce) for nonce in requests
    }
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.ATTENDED}
    log = page.locator("#scan-log").inner_text()
    assert "後から送信" in log and "山田 一郎 様 受付しました" in log and "佐藤 花子 様" in log
    page.reload()  # nothing left in the browser's queue
    assert page.locator("#scan-pending").is_hidden()


def test_the_venue_pages_pass_axe(page, login, live_server, axe, make, venue_user, desk_user):
    session = running_now(make, venue_user, capacity=2, course=make.course(title="LINE教室"))
    ticket_for(session, make.resident(family_name="山田"), desk_user)
    ticket_for(session, make.resident(family_name="佐藤"), desk_user)
    booking_create(
        session_id=session.pk,
        resident_id=make.resident(family_name="鈴木").pk,
        user=desk_user,
        now=session.starts_at - datetime.timedelta(days=1),
    )
    login(venue_user)
    page.set_viewport_size(PHONE)
    found = {}

    def check(name):
        violations = axe(page)
        if violations:
            found[name] = violations

    page.goto(live_server.url + reverse("attendance:venue_today"))
    check("today")
    session_url = live_server.url + reverse("attendance:venue_session", args=[session.pk])
    page.goto(session_url)
    check("session")
    # Check in by name: the green answer and the undo button, in place.
    page.locator("#roster").get_by_role("button", name="出席").first.click()
    page.locator("#scan-result .scan-result.ok").wait_for()
    check("after check-in")
    # A red answer (typed nonsense) in the big box.
    page.fill("#scan-code", "NOT-A-TICKET")
    page.press("#scan-code", "Enter")
    page.locator("#scan-result .scan-result.bad").wait_for()
    check("red answer")
    # The walk-in page with the full session's errors and the kept input.
    page.fill("#id_walkin-family_name", "田中")
    page.get_by_role("button", name="登録して受付する").click()
    page.get_by_text("入力してください。").first.wait_for()
    check("walk-in errors")
    # A walk-in found by the full reading and birth year, typed in (sent by POST, not in a URL).
    walkin_url = reverse("attendance:venue_walkin", args=[session.pk])
    page.goto(f"{live_server.url}{walkin_url}")
    page.fill("#walkin-q", "やまだ")
    page.get_by_text("それだけでは探せません").wait_for()
    page.fill("#walkin-q", "やまだ たろう 1950")
    page.locator("#walkin-results").get_by_role("button", name="この方を受付").first.wait_for()
    assert page.url == f"{live_server.url}{walkin_url}"
    check("walk-in search")
    assert found == {}


def test_a_barcode_reader_that_types_checks_in_and_keeps_the_cursor(
    page, login, live_server, make, venue_user, desk_user
):
    session = running_now(make, venue_user, capacity=5)
    first = ticket_for(session, make.resident(family_name="山田", given_name="一郎"), desk_user)
    second = ticket_for(session, make.resident(family_name="佐藤", given_name="花子"), desk_user)
    login(venue_user)
    page.set_viewport_size(TALL_PHONE)
    page.goto(live_server.url + reverse("attendance:venue_session", args=[session.pk]))
    back = page.get_by_role("link", name="今日の開催回に戻る").bounding_box()
    assert back["height"] >= 44  # a tap target for a thumb

    page.get_by_label("読み取り機（バーコードリーダー）を使う").check()
    assert page.evaluate("document.activeElement.id") == "scan-code"
    # The reader types the QR's text and Enter, as a keyboard would.
    page.keyboard.type(live_server.url + reverse("attendance:ticket", args=[first.token]))
    page.keyboard.press("Enter")
    page.locator("#scan-result .scan-result.ok").get_by_text("山田 一郎").wait_for()
    expect(page.locator('#venue-counts [data-count="checked_in"]')).to_have_text("1")
    assert page.evaluate("document.activeElement.id") == "scan-code"
    # The code printed under the QR, typed by hand the same way.
    page.keyboard.type(second.short_code_display.lower())
    page.keyboard.press("Enter")
    page.locator("#scan-result .scan-result.ok").get_by_text("佐藤 花子").wait_for()
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert CheckIn.objects.filter(result="ok").count() == 2

    page.reload()  # the choice is kept on this device
    assert page.get_by_label("読み取り機（バーコードリーダー）を使う").is_checked()
    assert page.evaluate("document.activeElement.id") == "scan-code"
