"""The venue pages and the scan API: who may open them, what a scan answers, roster check-in."""

import datetime
import json
import time
import uuid
from unittest import mock

import pytest
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from attendance.checkin import checkin_redeem
from attendance.models import CheckIn, Ticket
from attendance.scanpass import max_age_seconds
from attendance.tickets import ticket_issue, ticket_reissue
from classes.booking import booking_cancel, booking_create, booking_create_group
from classes.models import BookingStatus
from tests.attendance.test_pdf import pdf_text

pytestmark = pytest.mark.django_db

API = reverse("attendance:api_checkin")


def running_now(make, venue, **fields):
    """A session that began a few minutes ago (today in Tokyo), so every scan is on time."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = max(now - datetime.timedelta(minutes=5), midnight)
    return make.session(venue=venue, starts_at=starts, **fields)


def book(session, resident, user):
    """Booked the day before, when the session was still open for booking."""
    return booking_create(
        session_id=session.pk,
        resident_id=resident.pk,
        user=user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking


@pytest.fixture
def venue(make, venue_user):
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    return venue


@pytest.fixture
def session(make, venue):
    return running_now(make, venue, capacity=5, course=make.course(title="スマホ教室 入門"))


@pytest.fixture
def yamada(make):
    return make.resident(
        family_name="山田", given_name="太郎", family_name_kana="ヤマダ", given_name_kana="タロウ"
    )


@pytest.fixture
def ticket(session, yamada, desk_user):
    return ticket_issue(booking_id=book(session, yamada, desk_user).pk, user=desk_user)


def pass_for(client, session):
    """The scanner pass the session page gives its scanner ("" when the page is refused)."""
    page = client.get(reverse("attendance:venue_session", args=[session.pk]))
    return page.context["scan_pass"] if page.status_code == 200 else ""


def scan(client, session, code, nonce=None, scan_pass=None, **extra):
    if scan_pass is None:
        passes = client.__dict__.setdefault("_scan_passes", {})
        if session.pk not in passes:
            passes[session.pk] = pass_for(client, session)
        scan_pass = passes[session.pk]
    body = {"session": session.pk, "code": code, "nonce": str(nonce or uuid.uuid4())}
    body.update(extra)
    return client.post(
        API, json.dumps(body), content_type="application/json", HTTP_X_SCAN_PASS=scan_pass
    )


# --- who may open what ----------------------------------------------------------------------


def venue_urls(session):
    pk = session.pk
    return [
        reverse("attendance:venue_today"),
        reverse("attendance:venue_session", args=[pk]),
        reverse("attendance:venue_counts", args=[pk]),
        reverse("attendance:venue_roster", args=[pk]),
        reverse("attendance:venue_walkin", args=[pk]),
    ]


@pytest.mark.parametrize(
    "user, allowed",
    [
        ("venue_user", True),
        ("dx_user", True),
        ("admin_user", True),
        ("desk_user", False),
        ("volunteer_user", False),
        ("no_role_user", False),
    ],
)
def test_venue_pages_by_role(request, client, session, user, allowed):
    client.force_login(request.getfixturevalue(user))
    for url in venue_urls(session):
        assert client.get(url).status_code == (200 if allowed else 403), url
    # Without the page there is no scanner pass, and without a pass no scan.
    response = scan(client, session, "NOSUCHTICKET")
    assert response.status_code == (200 if allowed else 401)


def test_venue_staff_are_refused_another_venues_session(venue_client, make, venue):
    elsewhere = running_now(make, make.venue())
    for url in venue_urls(elsewhere)[1:]:
        assert venue_client.get(url).status_code == 403, url
    # No page, no pass; and a pass for one session does not open another.
    assert scan(venue_client, elsewhere, "NOSUCHTICKET").status_code == 401
    own = running_now(make, venue)
    borrowed = pass_for(venue_client, own)
    response = scan(venue_client, elsewhere, "NOSUCHTICKET", scan_pass=borrowed)
    assert response.status_code == 403
    assert "別の開催回" in response.json()["message"]
    assert not CheckIn.objects.exists()  # refused before the check-in service
    post_urls = ["venue_checkin", "venue_undo", "venue_walkin"]
    for name in post_urls:
        url = reverse(f"attendance:{name}", args=[elsewhere.pk])
        assert venue_client.post(url).status_code == 403, name


def test_anonymous_visitors_go_to_the_login_page(client, session):
    for url in venue_urls(session):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == redirect_to_login(url)["Location"]
    # The scan API answers the scanner, not a person: no pass, no scan.
    assert scan(client, session, "X").status_code == 401


def test_unknown_session_is_404(venue_client):
    assert venue_client.get(reverse("attendance:venue_session", args=[999999])).status_code == 404
    response = scan(venue_client, type("S", (), {"pk": 999999}), "X")
    assert response.status_code == 401  # no page for it, so no pass


# --- today's sessions -----------------------------------------------------------------------


def test_today_lists_this_days_sessions_at_my_venues_with_counts(
    venue_client, make, venue, session, yamada, desk_user, venue_user, dx_user
):
    waiting = make.resident(family_name="佐藤")
    full = running_now(make, venue, capacity=1, course=make.course(title="LINE教室"))
    book(full, make.resident(family_name="鈴木"), desk_user)
    book(full, waiting, desk_user)
    ticket = ticket_issue(booking_id=book(session, yamada, desk_user).pk)
    checkin_redeem(
        token=ticket.token, session_id=session.pk, device="d", nonce=None, user=venue_user
    )
    tomorrow = make.session(venue=venue, starts_at=timezone.now() + datetime.timedelta(days=1))
    elsewhere = running_now(make, make.venue())

    response = venue_client.get(reverse("attendance:venue_today"))
    listed = {s.pk: s for s in response.context["sessions"]}
    assert set(listed) == {session.pk, full.pk}
    assert (listed[session.pk].booked, listed[session.pk].checked_in) == (1, 1)
    assert (listed[full.pk].booked, listed[full.pk].waiting) == (1, 1)
    text = response.content.decode()
    assert "予約 1人 ・ 受付済み 1人 ・ キャンセル待ち 0人" in text
    assert reverse("attendance:venue_session", args=[session.pk]) in text
    assert tomorrow.pk not in listed

    dx_client = Client()
    dx_client.force_login(dx_user)
    every = {s.pk for s in dx_client.get(reverse("attendance:venue_today")).context["sessions"]}
    assert every == {session.pk, full.pk, elsewhere.pk}


def test_today_costs_the_same_queries_for_many_sessions(
    venue_client, make, venue, desk_user, django_assert_max_num_queries
):
    running_now(make, venue)
    # session, user, groups, staffed venues, the sessions with counts
    with django_assert_max_num_queries(5):
        venue_client.get(reverse("attendance:venue_today"))
    for _ in range(5):
        book(running_now(make, venue), make.resident(), desk_user)
    with django_assert_max_num_queries(5):
        response = venue_client.get(reverse("attendance:venue_today"))
    assert len(response.context["sessions"]) == 6


# --- the scan API ---------------------------------------------------------------------------


def test_scan_ok_answers_name_counts_and_checks_in(venue_client, session, ticket, venue_user):
    nonce = uuid.uuid4()
    response = scan(venue_client, session, f"http://testserver/t/{ticket.token}/", nonce)

    assert response.status_code == 200
    answer = response.json()
    assert answer["result"] == "ok" and answer["ok"] is True
    assert answer["message"] == "山田 太郎 様 受付しました"
    assert answer["name"] == "山田 太郎"
    checkin = CheckIn.objects.get(pk=answer["checkin_id"])
    assert (checkin.result, checkin.channel, checkin.nonce) == ("ok", "camera", nonce)
    assert checkin.by == venue_user
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.ATTENDED


def test_second_scan_says_when_and_by_whom(dx_client, session, ticket, desk_user):
    desk_user.first_name, desk_user.last_name = "花子", "受付担当"
    desk_user.save()
    first = checkin_redeem(
        token=ticket.token, session_id=session.pk, device="d", nonce=None, user=desk_user
    )
    answer = scan(dx_client, session, ticket.token).json()
    at = timezone.localtime(first.checkin.at).strftime("%H:%M")
    assert answer["result"] == "already_checked_in" and answer["ok"] is False
    assert answer["message"] == f"すでに受付済みです（{at} 受付担当 花子）"
    assert (answer["first_at"], answer["first_by"]) == (at, "受付担当 花子")
    assert answer["name"] == "山田 太郎"


def test_scan_answers_for_every_reason(
    venue_client, make, venue, session, ticket, desk_user, yamada
):
    later_today = running_now(make, venue)
    other_day = make.session(venue=venue, starts_at=timezone.now() + datetime.timedelta(days=3))
    full = make.session(venue=venue, capacity=1)
    book(full, make.resident(), desk_user)

    def token_for(session, resident=None):
        booking = book(session, resident or make.resident(), desk_user)
        return booking, ticket_issue(booking_id=booking.pk).token

    _, wrong_session = token_for(later_today)
    _, wrong_day = token_for(other_day)
    cancelled_booking, cancelled = token_for(session)
    booking_cancel(booking_id=cancelled_booking.pk, user=desk_user)
    _, waitlisted = token_for(full)
    reissued = ticket_reissue(booking_id=ticket.booking_id, user=desk_user)

    start = timezone.localtime(later_today.starts_at).strftime("%H:%M")
    day = timezone.localtime(other_day.starts_at)
    weekday = "月火水木金土日"[day.weekday()]
    expected = {
        wrong_session: ("wrong_session", f"今日の別の回の受講票です（{start} 開始の回）"),
        wrong_day: (
            "wrong_day",
            f"別の日の受講票です（{day.month}月{day.day}日（{weekday}） {day:%H:%M}）",
        ),
        cancelled: ("cancelled", "この予約は取り消されています"),
        waitlisted: ("waitlisted", "キャンセル待ちの方です。まだ席はありません"),
        ticket.token: (
            "revoked",
            "この受講票は再発行されたため使えません。新しい受講票をお持ちか確認してください",
        ),
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ": ("unknown", "このコードは受講票ではありません"),
        "https://example.com/not-ours": ("unknown", "このコードは受講票ではありません"),
    }
    for code, (result, message) in expected.items():
        answer = scan(venue_client, session, code).json()
        assert (answer["result"], answer["message"]) == (result, message), code
        assert answer["ok"] is False
    assert scan(venue_client, session, reissued.token).json()["result"] == "ok"
    assert CheckIn.objects.filter(session=session).count() == len(expected) + 1


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"session": 1}',
        b'{"session": "abc", "code": "X", "nonce": "6f1c5f4e-3b8a-4f57-9e1a-2c0d4b1b7a11"}',
        b'{"session": 1, "code": "", "nonce": "6f1c5f4e-3b8a-4f57-9e1a-2c0d4b1b7a11"}',
        b'{"session": 1, "code": "X", "nonce": "not-a-uuid"}',
        b'{"session": 1, "code": "X"}',
        b'{"session": -1, "code": "X", "nonce": "6f1c5f4e-3b8a-4f57-9e1a-2c0d4b1b7a11"}',
        b'{"session": 1, "code": {"a": 1}, "nonce": "6f1c5f4e-3b8a-4f57-9e1a-2c0d4b1b7a11"}',
        b'{"session": 1e400, "code": "X", "nonce": "6f1c5f4e-3b8a-4f57-9e1a-2c0d4b1b7a11"}',
    ],
)
def test_garbage_gets_400_with_a_japanese_message(venue_client, session, body):
    body = body.replace(b'"session": 1,', f'"session": {session.pk},'.encode())
    response = venue_client.post(
        API, body, content_type="application/json", HTTP_X_SCAN_PASS=pass_for(venue_client, session)
    )
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert "もう一度読み取ってください" in response.json()["message"]
    assert not CheckIn.objects.exists()


def test_a_very_long_code_is_refused_not_stored(venue_client, session):
    response = scan(venue_client, session, "A" * 10_000)
    assert response.status_code == 400
    assert not CheckIn.objects.exists()


def test_the_api_takes_only_post(venue_client):
    assert venue_client.get(API).status_code == 405


def test_a_retried_request_gets_the_first_answer_and_counts_once(venue_client, session, ticket):
    nonce = uuid.uuid4()
    first = scan(venue_client, session, ticket.token, nonce).json()
    again = scan(venue_client, session, ticket.token, nonce).json()
    assert first["result"] == again["result"] == "ok"
    assert first["message"] == again["message"]
    assert first["checkin_id"] == again["checkin_id"]
    assert CheckIn.objects.count() == 1


def test_the_api_needs_a_valid_unexpired_pass(venue_client, session, ticket):
    good = pass_for(venue_client, session)
    assert scan(venue_client, session, ticket.token, scan_pass="forged").status_code == 401
    assert scan(venue_client, session, ticket.token, scan_pass=good[:-2] + "xx").status_code == 401
    later = time.time() + max_age_seconds() + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert scan(venue_client, session, ticket.token, scan_pass=good).status_code == 401
    assert not CheckIn.objects.exists()
    assert scan(venue_client, session, ticket.token, scan_pass=good).json()["result"] == "ok"


def test_the_api_needs_no_cookie_or_csrf_token(venue_client, session, ticket):
    scan_pass = pass_for(venue_client, session)
    anonymous = Client(enforce_csrf_checks=True)  # no login cookie, no CSRF token
    body = json.dumps({"session": session.pk, "code": ticket.token, "nonce": str(uuid.uuid4())})
    sent = anonymous.post(API, body, content_type="application/json", HTTP_X_SCAN_PASS=scan_pass)
    assert sent.status_code == 200 and sent.json()["result"] == "ok"


def test_device_label_is_kept_and_cut_to_fit(venue_client, session, ticket):
    scan(venue_client, session, ticket.token, device="会場端末-" + "X" * 200)
    assert CheckIn.objects.get().device == ("会場端末-" + "X" * 200)[:64]


SCAN_QUERIES = 4 if connection.vendor == "postgresql" else 5


def test_a_scan_costs_a_fixed_number_of_queries(
    venue_client, session, ticket, make, desk_user, django_assert_num_queries
):
    scan_pass = pass_for(venue_client, session)
    # No login session, user, role or venue lookups: the pass stands for them. The check-in
    # service (in the test's transaction): savepoint; the ticket with its booking and any
    # standing check-in; claim and log, one statement on PostgreSQL; release.
    with django_assert_num_queries(SCAN_QUERIES):
        assert scan(venue_client, session, ticket.token, scan_pass=scan_pass).json()["ok"]
    other = ticket_issue(booking_id=book(session, make.resident(), desk_user).pk)
    for _ in range(20):  # a full roster and a waitlist change nothing
        book(session, make.resident(), desk_user)
    with django_assert_num_queries(SCAN_QUERIES):
        assert scan(venue_client, session, other.token, scan_pass=scan_pass).json()["ok"]
    # A repeat: savepoint; the ticket with the first check-in and who made it; the log; release.
    with django_assert_num_queries(4):
        again = scan(venue_client, session, other.token, scan_pass=scan_pass).json()
        assert again["result"] == "already_checked_in"


# --- the session page: counts, roster, search -----------------------------------------------


def test_session_page_shows_counts_scanner_roster_and_walk_in(venue_client, session, ticket):
    response = venue_client.get(reverse("attendance:venue_session", args=[session.pk]))
    text = response.content.decode()
    assert response.context["session"].booked == 1
    assert 'id="venue-counts"' in text and 'hx-trigger="every 5s, tsunagu:scanned' in text
    assert f'data-api="{API}"' in text and f'data-session="{session.pk}"' in text
    assert "vendor/jsqr/jsQR.js" in text and "js/scanner.js" in text
    assert "山田 太郎" in text and "出席" in text
    assert "登録して受付する" in text
    counts = venue_client.get(reverse("attendance:venue_counts", args=[session.pk]))
    assert 'data-count="booked">1<' in counts.content.decode()


def test_session_page_queries_do_not_grow_with_the_roster(
    venue_client, session, make, desk_user, venue_user, django_assert_max_num_queries
):
    url = reverse("attendance:venue_session", args=[session.pk])
    book(session, make.resident(), desk_user)
    with django_assert_max_num_queries(7) as small:
        venue_client.get(url)
    for _ in range(4):
        booking = book(session, make.resident(), desk_user)
        checkin_redeem(
            token=ticket_issue(booking_id=booking.pk).token,
            session_id=session.pk,
            device="d",
            nonce=None,
            user=venue_user,
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = venue_client.get(url)
    assert len(response.context["roster"]) == 5


def test_roster_search_by_kana_in_any_form(venue_client, session, yamada, make, desk_user):
    book(session, yamada, desk_user)
    sato = make.resident(
        family_name="佐藤", given_name="花子", family_name_kana="サトウ", given_name_kana="ハナコ"
    )
    book(session, sato, desk_user)
    url = reverse("attendance:venue_roster", args=[session.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}
    for typed in ["ヤマダ　タロウ", "やまだたろう", "ﾔﾏﾀﾞ ﾀﾛｳ", "たろう", "山田"]:
        found = venue_client.post(url, {"q": typed}, **htmx).context["roster"]
        assert [b.resident.full_name for b in found] == ["山田 太郎"], typed
    assert len(venue_client.post(url, {"q": ""}, **htmx).context["roster"]) == 2
    nobody = venue_client.post(url, {"q": "すずき"}, **htmx)
    assert "「すずき」に当てはまる方は名簿にいません。" in nobody.content.decode()
    # Without JavaScript the search (a POST: no name in the address) renders the whole page.
    page = venue_client.post(url, {"q": "ｻﾄｳ"})
    assert [b.resident.full_name for b in page.context["roster"]] == ["佐藤 花子"]
    assert 'value="ｻﾄｳ"' in page.content.decode() and "<html" in page.content.decode()
    # The session page ignores a ?q= left in an old bookmark.
    old = venue_client.get(reverse("attendance:venue_session", args=[session.pk]), {"q": "ｻﾄｳ"})
    assert len(old.context["roster"]) == 2


def test_the_roster_says_who_came_booked_together(
    venue_client, desk_client, session, yamada, make, desk_user
):
    hanako = make.resident(
        family_name="山田", given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ"
    )
    sato = make.resident(family_name="佐藤", given_name="一郎", family_name_kana="サトウ")
    booking_create_group(
        session_id=session.pk, resident_ids=[yamada.pk, hanako.pk], user=desk_user,
        now=session.starts_at - datetime.timedelta(days=1),
    )  # fmt: skip
    book(session, sato, desk_user)
    url = reverse("attendance:venue_roster", args=[session.pk])
    htmx = {"HTTP_HX_REQUEST": "true"}

    def together(roster):
        return {
            b.resident.full_name: [o.resident.full_name for o in b.together_with] for b in roster
        }

    whole = venue_client.post(url, {"q": ""}, **htmx)
    assert together(whole.context["roster"]) == {
        "山田 太郎": ["山田 花子"],
        "山田 花子": ["山田 太郎"],
        "佐藤 一郎": [],
    }
    assert "ご一緒: 山田 花子様" in whole.content.decode()
    # A search that finds one of them still names the other.
    found = venue_client.post(url, {"q": "はなこ"}, **htmx)
    assert together(found.context["roster"]) == {"山田 花子": ["山田 太郎"]}
    # The desk's session page and the printed roster say it too.
    detail = desk_client.get(reverse("classes:session_detail", args=[session.pk]))
    assert "ご一緒: 山田 太郎様" in detail.content.decode()
    printed = desk_client.post(
        reverse("attendance:roster_pdf", args=[session.pk]), {"purpose": "会場で受付に使う"}
    )
    assert "ご一緒: 山田 花子" in pdf_text(printed.content)  # (the column wraps 様)


# --- check-in by name and undo --------------------------------------------------------------


def test_check_in_by_name_from_the_roster(venue_client, session, yamada, desk_user, venue_user):
    booking = book(session, yamada, desk_user)
    url = reverse("attendance:venue_checkin", args=[session.pk])
    nonce = uuid.uuid4()
    data = {"booking": booking.pk, "nonce": nonce, "device": "会場端末-AB12", "q": "やまだ"}

    response = venue_client.post(url, data, headers={"HX-Request": "true"})
    venue_client.post(url, data, headers={"HX-Request": "true"})  # double tap

    text = response.content.decode()
    assert "山田 太郎 様 受付しました" in text
    assert 'hx-swap-oob="innerHTML"' in text and 'data-count="checked_in">1<' in text
    assert "取り消し" in text  # the undo button replaces 出席
    checkin = CheckIn.objects.get()
    assert (checkin.result, checkin.channel, checkin.device) == ("ok", "manual", "会場端末-AB12")
    assert checkin.by == venue_user and checkin.ticket == Ticket.objects.get(booking=booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ATTENDED


def test_check_in_by_name_without_javascript_goes_back_with_a_message(
    venue_client, session, yamada, desk_user
):
    booking = book(session, yamada, desk_user)
    url = reverse("attendance:venue_checkin", args=[session.pk])
    response = venue_client.post(url, {"booking": booking.pk, "nonce": uuid.uuid4()}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("attendance:venue_session", args=[session.pk])
    assert "山田 太郎 様 受付しました" in response.content.decode()


def test_check_in_by_name_refuses_a_booking_of_another_session(
    venue_client, session, make, venue, desk_user
):
    other = book(make.session(venue=venue), make.resident(), desk_user)
    url = reverse("attendance:venue_checkin", args=[session.pk])
    response = venue_client.post(
        url, {"booking": other.pk, "nonce": uuid.uuid4()}, headers={"HX-Request": "true"}
    )
    assert "この方はこの回の名簿にありません。" in response.content.decode()
    assert not Ticket.objects.filter(booking=other).exists()
    assert not CheckIn.objects.exists()
    response = venue_client.post(url, {"booking": "x"}, headers={"HX-Request": "true"})
    assert (
        response.status_code == 200
        and "もう一度、名簿から選んでください。" in response.content.decode()
    )


def test_undo_a_check_in_within_ten_minutes(venue_client, session, ticket, venue_user):
    answer = scan(venue_client, session, ticket.token).json()
    url = reverse("attendance:venue_undo", args=[session.pk])

    response = venue_client.post(url, {"checkin": answer["checkin_id"]}, HTTP_HX_REQUEST="true")

    assert "山田 太郎 様の受付を取り消しました" in response.content.decode()
    checkin = CheckIn.objects.get(pk=answer["checkin_id"])
    assert checkin.undone_at is not None and checkin.undone_by == venue_user
    ticket.booking.refresh_from_db()
    assert ticket.booking.status == BookingStatus.BOOKED
    assert 'data-count="checked_in">0<' in response.content.decode()


def test_undo_is_offered_and_allowed_only_for_ten_minutes(
    venue_client, session, ticket, venue_user
):
    answer = scan(venue_client, session, ticket.token).json()
    page = reverse("attendance:venue_session", args=[session.pk])
    assert venue_client.get(page).context["roster"][0].can_undo
    CheckIn.objects.filter(pk=answer["checkin_id"]).update(
        at=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert not venue_client.get(page).context["roster"][0].can_undo
    url = reverse("attendance:venue_undo", args=[session.pk])
    response = venue_client.post(url, {"checkin": answer["checkin_id"]}, follow=True)
    with translation.override("ja"):
        too_late = gettext("A check-in can only be taken back within %(minutes)s minutes.")
    assert too_late % {"minutes": 10} in response.content.decode()
    assert CheckIn.objects.get(pk=answer["checkin_id"]).undone_at is None


def test_undo_refuses_a_check_in_of_another_session(venue_client, session, make, venue, desk_user):
    other = make.session(venue=venue, starts_at=session.starts_at)
    booking = book(other, make.resident(), desk_user)
    outcome = checkin_redeem(
        token=ticket_issue(booking_id=booking.pk).token,
        session_id=other.pk,
        device="",
        nonce=None,
        user=desk_user,
    )
    url = reverse("attendance:venue_undo", args=[session.pk])
    response = venue_client.post(url, {"checkin": outcome.checkin.pk}, HTTP_HX_REQUEST="true")
    assert "その受付記録はありません。" in response.content.decode()
    assert CheckIn.objects.get(pk=outcome.checkin.pk).undone_at is None
