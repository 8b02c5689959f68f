"""Session list, detail, cancel and contact list: who sees what, what they see, how many queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes.booking import booking_create
from classes.models import BookingStatus, CancelReason, Category, DeviceOS, SessionStatus
from tests.factories import tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_venues(make, venue_user):
    own, other = (
        make.venue(name="大王谷コミュニティセンター"),
        make.venue(name="細島地区交流センター"),
    )
    own.staff.add(venue_user)
    return own, other


def book(session, user, resident=None, **resident_fields):
    resident = resident or make_resident(**resident_fields)
    return booking_create(session_id=session.pk, resident_id=resident.pk, user=user).booking


def make_resident(**fields):
    from tests.factories import resident

    return resident(**fields)


# --- who may open what ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, make):
    session = make.session()
    for url in [
        reverse("classes:session_list"),
        reverse("classes:session_detail", args=[session.pk]),
        reverse("classes:session_cancel", args=[session.pk]),
        reverse("classes:session_contacts", args=[session.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("user_fixture", ["volunteer_user", "no_role_user"])
def test_roles_without_session_access_get_403(client, make, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    session = make.session()
    assert client.get(reverse("classes:session_list")).status_code == 403
    assert client.get(reverse("classes:session_detail", args=[session.pk])).status_code == 403
    assert client.get(reverse("classes:session_contacts", args=[session.pk])).status_code == 403


def test_desk_sees_list_and_detail_but_may_not_cancel(desk_client, make):
    session = make.session()
    assert desk_client.get(reverse("classes:session_list")).status_code == 200
    detail = desk_client.get(reverse("classes:session_detail", args=[session.pk]))
    assert detail.status_code == 200
    assert f"{reverse('classes:desk')}?session={session.pk}" in detail.content.decode()
    cancel_url = reverse("classes:session_cancel", args=[session.pk])
    assert desk_client.get(cancel_url).status_code == 403
    assert desk_client.post(cancel_url, {"reason": "台風"}).status_code == 403
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_venue_staff_see_only_their_venues(venue_client, make, two_venues):
    own, other = two_venues
    mine = make.session(venue=own, course=make.course(title="LINEの使い方"))
    theirs = make.session(venue=other, course=make.course(title="キャッシュレス決済体験"))

    page = venue_client.get(reverse("classes:session_list")).content.decode()
    assert "LINEの使い方" in page and "キャッシュレス決済体験" not in page
    # The venue filter offers their venues only.
    assert "大王谷コミュニティセンター" in page and "細島地区交流センター" not in page

    assert venue_client.get(reverse("classes:session_detail", args=[mine.pk])).status_code == 200
    assert venue_client.get(reverse("classes:session_detail", args=[theirs.pk])).status_code == 403
    assert (
        venue_client.get(reverse("classes:session_contacts", args=[theirs.pk])).status_code == 403
    )
    assert venue_client.get(reverse("classes:session_cancel", args=[mine.pk])).status_code == 403
    # The contact list is a page of phone numbers: for the staff who make the calls.
    assert venue_client.get(reverse("classes:session_contacts", args=[mine.pk])).status_code == 403


def test_venue_staff_do_not_get_the_booking_link(venue_client, make, two_venues):
    session = make.session(venue=two_venues[0])
    page = venue_client.get(reverse("classes:session_detail", args=[session.pk])).content.decode()
    assert reverse("classes:desk") not in page


def test_unknown_session_is_404(dx_client):
    assert dx_client.get(reverse("classes:session_detail", args=[999999])).status_code == 404


# --- the list ------------------------------------------------------------------------------


def test_list_shows_japanese_dates_seats_and_waitlist(desk_client, desk_user, make):
    session = make.session(
        starts_at=tokyo(2030, 4, 2, 10), capacity=1, course=make.course(title="スマホ教室 入門")
    )
    book(session, desk_user)
    book(session, desk_user)
    page = desk_client.get(reverse("classes:session_list")).content.decode()
    assert "2030年4月2日（火） 10:00–11:30" in page
    assert "満席" in page and "予約1人（定員1）" in page
    assert "1 / 1" not in page


def test_seats_are_said_the_same_way_on_the_desk_the_lists_and_a_volunteers_shift(
    desk_client, desk_user, make
):
    session = make.session(starts_at=tokyo(2030, 4, 2, 10), capacity=10)
    for _ in range(7):
        book(session, desk_user)
    make.session(starts_at=tokyo(2030, 4, 3, 10), capacity=10)
    lists = desk_client.get(reverse("classes:session_list")).content.decode()
    desk = desk_client.get(reverse("classes:desk_sessions")).content.decode()
    for page in (lists, desk):
        assert "予約7人・残り3席（定員10）" in page
        assert "予約0人・残り10席（定員10）" in page
        assert "10 / 10" not in page and "3 / 10" not in page


def test_list_starts_today_by_default_and_past_sessions_are_one_click_away(desk_client, make):
    make.session(starts_at=tokyo(2020, 4, 2, 10), course=make.course(title="昔の講座"))
    make.session(starts_at=tokyo(2030, 4, 2, 10), course=make.course(title="先の講座"))
    url = reverse("classes:session_list")
    page = desk_client.get(url).content.decode()
    assert "先の講座" in page and "昔の講座" not in page
    page = desk_client.get(url, {"date_from": ""}).content.decode()
    assert "先の講座" in page and "昔の講座" in page


def test_list_filters_by_category_phone_type_and_cancelled(desk_client, make):
    make.session(course=make.course(title="iPhone入門", device_os=DeviceOS.IPHONE))
    make.session(course=make.course(title="Android入門", device_os=DeviceOS.ANDROID))
    make.session(
        course=make.course(title="マイナンバー講座", category=Category.MYNUMBER),
        status=SessionStatus.CANCELLED,
    )
    url = reverse("classes:session_list")

    page = desk_client.get(url, {"device_os": "iphone"}).content.decode()
    assert "iPhone入門" in page and "Android入門" not in page
    assert "マイナンバー講座" not in page  # cancelled sessions are hidden by default

    page = desk_client.get(
        url, {"category": "mynumber", "include_cancelled": "on"}
    ).content.decode()
    assert "マイナンバー講座" in page and "iPhone入門" not in page
    assert "中止" in page


def test_bad_filter_input_shows_an_error_not_a_500(desk_client, make):
    make.session(course=make.course(title="スマホ教室"))
    response = desk_client.get(reverse("classes:session_list"), {"date_from": "2025-02-30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "正しい日付ではありません" in page and 'value="2025-02-30"' in page


def test_list_is_paginated_by_50(desk_client, make):
    course, venue = make.course(), make.venue()
    for day in range(1, 28):
        for hour in (10, 14):
            make.session(course=course, venue=venue, starts_at=tokyo(2030, 4, day, hour))
    url = reverse("classes:session_list")
    first = desk_client.get(url)
    assert len(first.context["page"].object_list) == 50
    second = desk_client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 4


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_sessions(desk_client, desk_user, make):
    course, venue = make.course(), make.venue()

    def add_sessions(count):
        for index in range(count):
            session = make.session(
                course=course, venue=venue, starts_at=tokyo(2030, 5, 1 + index % 28, 9 + index % 8)
            )
            book(session, desk_user)

    url = reverse("classes:session_list")
    add_sessions(5)
    few = _count_queries(desk_client, url)
    add_sessions(25)
    assert _count_queries(desk_client, url) == few
    assert few <= 8


def test_venue_staff_list_queries_are_bounded(venue_client, make, two_venues):
    for hour in range(9, 17):
        make.session(venue=two_venues[0], starts_at=tokyo(2030, 5, 1, hour))
    assert _count_queries(venue_client, reverse("classes:session_list")) <= 9


# --- the detail and the roster -------------------------------------------------------------


def test_roster_lists_seats_first_then_the_waitlist_in_order(desk_client, desk_user, make):
    session = make.session(capacity=2, starts_at=tokyo(2030, 4, 2, 10))
    first = book(
        session, desk_user, family_name="佐藤", given_name="花子", phone_mobile="+819011112222"
    )
    second = book(session, desk_user, family_name="鈴木", given_name="一郎")
    waiting_1 = book(session, desk_user, family_name="高橋", given_name="次郎")
    waiting_2 = book(session, desk_user, family_name="田中", given_name="三郎")
    assert waiting_2.status == BookingStatus.WAITLISTED

    response = desk_client.get(reverse("classes:session_detail", args=[session.pk]))
    assert [b.pk for b in response.context["seated"]] == [first.pk, second.pk]
    assert [b.pk for b in response.context["waitlist"]] == [waiting_1.pk, waiting_2.pk]
    page = response.content.decode()
    assert (
        page.index("佐藤 花子")
        < page.index("鈴木 一郎")
        < page.index("高橋 次郎")
        < page.index("田中 三郎")
    )
    assert "090-1111-2222" in page
    assert first.number in page
    assert "名簿を印刷する" in page


def test_detail_queries_do_not_grow_with_bookings(desk_client, desk_user, make):
    session = make.session(capacity=3)
    url = reverse("classes:session_detail", args=[session.pk])
    book(session, desk_user)
    few = _count_queries(desk_client, url)
    for _ in range(8):
        book(session, desk_user)  # 2 more seats, then the waitlist
    assert _count_queries(desk_client, url) == few
    assert few <= 7


# --- cancelling ----------------------------------------------------------------------------


def test_dx_cancels_a_session_and_gets_the_people_to_contact(dx_client, desk_user, make):
    session = make.session(capacity=1, starts_at=tokyo(2030, 4, 2, 10))
    seated = book(
        session,
        desk_user,
        family_name="佐藤",
        given_name_kana="ハナコ",
        phone_mobile="+819012345678",
    )
    waiting = book(
        session, desk_user, family_name="鈴木", phone_mobile="", phone_home="+81982523111"
    )

    url = reverse("classes:session_cancel", args=[session.pk])
    assert "中止の理由" in dx_client.get(url).content.decode()
    response = dx_client.post(url, {"reason": "台風の警報のため"})
    assert response.status_code == 302
    assert response["Location"] == reverse("classes:session_contacts", args=[session.pk])

    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.cancel_reason == "台風の警報のため"
    for booking in (seated, waiting):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert booking.cancel_reason == CancelReason.SESSION_CANCELLED

    page = dx_client.get(response["Location"]).content.decode()
    assert "佐藤" in page and "鈴木" in page
    assert "090-1234-5678" in page and "0982-52-3111" in page
    assert "台風の警報のため" in page
    assert "連絡が必要な人：2人" in page
    # What each person had before: a seat, or a waitlist place.
    contacts = dx_client.get(response["Location"]).context["contacts"]
    assert {b.resident.family_name: b.previous_status for b in contacts} == {
        "佐藤": BookingStatus.BOOKED,
        "鈴木": BookingStatus.WAITLISTED,
    }


def test_cancel_needs_a_reason_and_keeps_the_session(dx_client, make):
    session = make.session()
    response = dx_client.post(
        reverse("classes:session_cancel", args=[session.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    assert "form-errors" in response.content.decode() or "errorlist" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.SCHEDULED


def test_cancelling_twice_says_so_instead_of_failing(dx_client, make):
    session = make.session()
    url = reverse("classes:session_cancel", args=[session.pk])
    dx_client.post(url, {"reason": "会場の都合"})
    response = dx_client.post(url, {"reason": "会場の都合"})
    assert response.status_code == 200
    assert "すでに中止" in response.content.decode()


def test_contacts_page_queries_are_bounded(dx_client, desk_user, make):
    session = make.session(capacity=2)
    for _ in range(5):
        book(session, desk_user)
    dx_client.post(reverse("classes:session_cancel", args=[session.pk]), {"reason": "台風"})
    assert _count_queries(dx_client, reverse("classes:session_contacts", args=[session.pk])) <= 7
