"""The booking desk as desk staff use it on the phone: find, pick, book, read back."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.booking import booking_cancel, booking_create
from classes.models import Booking, BookingStatus
from notifications.models import Message

pytestmark = pytest.mark.django_db

DESK = reverse("classes:desk")


def post_booking(client, resident, session=None, *, nonce=None, series=None, state=""):
    data = {
        "resident_id": resident.pk,
        "form_nonce": str(nonce or uuid.uuid4()),
        "state": state,
    }
    if series is not None:
        data["series_id"] = series.pk
    else:
        data["session_id"] = session.pk
    return client.post(reverse("classes:desk_book"), data)


def test_desk_lists_upcoming_sessions_with_seats_left(desk_client, make, desk_user):
    session = make.session(capacity=3)
    booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    past = make.session(starts_at=timezone.now() - datetime.timedelta(days=1))

    page = desk_client.get(DESK)

    assert page.status_code == 200
    sessions = list(page.context["sessions"])
    assert session in sessions and past not in sessions
    assert sessions[sessions.index(session)].seats_left == 2
    assert "予約受付" in page.content.decode()


def test_desk_lists_sessions_under_one_heading_per_day(desk_client, make):
    morning = timezone.localtime(timezone.now() + datetime.timedelta(days=2)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    for hours in (0, 3):
        make.session(starts_at=morning + datetime.timedelta(hours=hours))
    make.session(starts_at=morning + datetime.timedelta(days=1))

    page = desk_client.get(reverse("classes:desk_sessions")).content.decode()

    days = [morning.date(), morning.date() + datetime.timedelta(days=1)]
    assert page.count('class="desk-day"') == 2
    for day in days:  # each date heads its sessions once and is not repeated on every row
        assert page.count(f"{day.month}月{day.day}日") == 1
    assert page.count("13:00–14:30") == 1


def test_desk_page_queries_do_not_grow_with_sessions(
    desk_client, make, desk_user, django_assert_max_num_queries
):
    resident = make.resident()
    venue, course = make.venue(), make.course()
    start = timezone.now() + datetime.timedelta(days=2)

    def add_sessions(count, first_day):
        for i in range(count):
            session = make.session(
                venue=venue,
                course=course,
                starts_at=start + datetime.timedelta(days=first_day + i),
            )
            booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)

    add_sessions(3, first_day=0)
    with django_assert_max_num_queries(14) as few:
        desk_client.get(DESK, {"resident": resident.pk})
    add_sessions(20, first_day=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        desk_client.get(DESK, {"resident": resident.pk})


def test_filters_narrow_the_sessions(desk_client, make, desk_user):
    near, far = make.venue(name="日知屋公民館"), make.venue(name="東郷地区交流センター")
    here = make.session(venue=near, capacity=1)
    there = make.session(venue=far, starts_at=timezone.now() + datetime.timedelta(days=9))
    booking_create(session_id=here.pk, resident_id=make.resident().pk, user=desk_user)

    by_venue = desk_client.get(reverse("classes:desk_sessions"), {"venue": far.pk})
    assert list(by_venue.context["sessions"]) == [there]
    with_seats = desk_client.get(reverse("classes:desk_sessions"), {"seats": "on"})
    assert list(with_seats.context["sessions"]) == [there]


def test_choosing_a_resident_with_htmx_swaps_in_their_card(desk_client, make):
    resident = make.resident(family_name="山田", given_name="花子")
    url = reverse("classes:desk_resident", args=[resident.pk])

    partial = desk_client.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "山田 花子" in html and 'form="book-form"' in html
    assert partial["HX-Push-Url"] == f"{DESK}?resident={resident.pk}"

    plain = desk_client.get(url)
    assert plain.status_code == 302 and plain["Location"] == f"{DESK}?resident={resident.pk}"


def test_booking_reads_back_the_number_date_and_venue(desk_client, make):
    session = make.session(
        starts_at=timezone.make_aware(datetime.datetime(2031, 11, 25, 10, 0)),
        venue=make.venue(name="日向市中央公民館"),
        course=make.course(title="スマホ教室 入門"),
    )
    resident = make.resident(family_name="山田", given_name="太郎")

    response = post_booking(desk_client, resident, session)

    booking = Booking.objects.get()
    assert booking.status == BookingStatus.BOOKED
    assert response.status_code == 302
    readback = desk_client.get(response["Location"]).content.decode()
    assert "山田 太郎" in readback
    assert f"予約番号は{booking.number}" in readback
    assert "11月25日（火）" in readback and "10時00分" in readback
    assert "日向市中央公民館" in readback


def test_the_same_post_twice_books_once_and_says_so(desk_client, make):
    session, resident, nonce = make.session(), make.resident(), uuid.uuid4()
    first = post_booking(desk_client, resident, session, nonce=nonce)
    second = post_booking(desk_client, resident, session, nonce=nonce)

    assert Booking.objects.count() == 1
    assert second["Location"] == first["Location"] + "?again=1"
    page = desk_client.get(second["Location"]).content.decode()
    assert "二重" in page


def test_a_session_that_filled_while_on_the_phone_puts_the_caller_on_the_waitlist(
    desk_client, make, desk_user
):
    session = make.session(capacity=1)
    desk_page = desk_client.get(DESK)  # the clerk sees one seat left ...
    assert desk_page.context["sessions"][0].seats_left == 1
    booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)

    response = post_booking(desk_client, make.resident(), session)  # ... another desk took it

    booking = Booking.objects.latest("pk")
    assert booking.status == BookingStatus.WAITLISTED
    page = desk_client.get(response["Location"]).content.decode()
    assert "キャンセル待ち" in page and "1番目" in page


def test_rule_errors_come_back_to_the_desk_with_state_kept(desk_client, make, desk_user):
    start = timezone.now() + datetime.timedelta(days=4)
    resident = make.resident()
    first = make.session(starts_at=start)
    clash = make.session(starts_at=start + datetime.timedelta(minutes=30))
    booking_create(session_id=first.pk, resident_id=resident.pk, user=desk_user)

    response = post_booking(desk_client, resident, clash, state="venue=7&category=consultation")

    assert response.status_code == 302
    assert response["Location"].startswith(DESK)
    assert "venue=7" in response["Location"] and f"resident={resident.pk}" in response["Location"]
    page = desk_client.get(response["Location"])
    assert "同じ時間" in page.content.decode()
    assert Booking.objects.filter(session=clash).count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"session_id": "1"},  # no resident chosen
        {"resident_id": "abc", "session_id": "1"},
        {"resident_id": "RESIDENT", "session_id": "not-a-number"},
        {"resident_id": "RESIDENT", "session_id": "999999"},
        {"resident_id": "RESIDENT", "series_id": "999999"},
    ],
)
def test_bad_booking_posts_get_a_message_never_a_500(desk_client, make, data):
    resident = make.resident()
    data = {k: (str(resident.pk) if v == "RESIDENT" else v) for k, v in data.items()}
    response = desk_client.post(reverse("classes:desk_book"), data, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Booking.objects.count() == 0


def test_cancel_offers_the_seat_and_the_offer_list_moves_it_on(desk_client, make, desk_user):
    session = make.session(capacity=1)
    seated = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    waiting_person = make.resident(family_name="佐藤", given_name="一郎")
    waiting = booking_create(session_id=session.pk, resident_id=waiting_person.pk, user=desk_user)

    confirm = desk_client.get(reverse("classes:booking_cancel", args=[seated.booking.pk]))
    assert confirm.status_code == 200
    done = desk_client.post(
        reverse("classes:booking_cancel", args=[seated.booking.pk]),
        {"reason": "by_resident", "note": ""},
        follow=True,
    )
    assert "佐藤 一郎" in done.content.decode()

    offers = desk_client.get(reverse("classes:offer_list"))
    assert [b.pk for b in offers.context["offers"]] == [waiting.booking.pk]
    desk_client.post(reverse("classes:offer_accept", args=[waiting.booking.pk]))
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.BOOKED
    assert list(desk_client.get(reverse("classes:offer_list")).context["offers"]) == []


def test_cancel_form_errors_keep_the_page(desk_client, make, desk_user):
    outcome = booking_create(
        session_id=make.session().pk, resident_id=make.resident().pk, user=desk_user
    )
    url = reverse("classes:booking_cancel", args=[outcome.booking.pk])
    response = desk_client.post(url, {"reason": "nonsense", "note": "電話で依頼"})
    assert response.status_code == 200
    assert "電話で依頼" in response.content.decode()
    booking_cancel(booking_id=outcome.booking.pk, user=desk_user)
    again = desk_client.post(url, {"reason": "by_staff"})
    assert again.status_code == 200 and "すでに取り消されています" in again.content.decode()


def test_offer_answer_on_a_closed_offer_is_a_message(desk_client, make):
    booking = Booking.objects.create(
        session=make.session(), resident=make.resident(), status=BookingStatus.BOOKED
    )
    response = desk_client.post(reverse("classes:offer_decline", args=[booking.pk]), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


DESK_PAGES = [
    ("classes:desk", []),
    ("classes:desk_sessions", []),
    ("classes:offer_list", []),
]


@pytest.mark.parametrize("name,args", DESK_PAGES)
@pytest.mark.parametrize(
    "client_fixture,expected",
    [
        ("desk_client", 200),
        ("dx_client", 200),
        ("venue_client", 403),
        ("volunteer_client", 403),
        ("client", 302),
    ],
)
def test_desk_pages_by_role(request, name, args, client_fixture, expected):
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse(name, args=args))
    assert response.status_code == expected
    if expected == 302:
        assert reverse("account_login") in response["Location"]


def test_booking_post_is_refused_to_venue_staff(venue_client, make):
    response = post_booking(venue_client, make.resident(), make.session())
    assert response.status_code == 403
    assert Booking.objects.count() == 0


def test_resident_page_shows_their_bookings(desk_client, make, desk_user):
    resident = make.resident()
    session = make.session(course=make.course(title="LINEの使い方"))
    booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)

    detail = desk_client.get(reverse("residents:detail", args=[resident.pk])).content.decode()
    url = reverse("classes:resident_bookings", args=[resident.pk])
    assert url in detail
    partial = desk_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "LINEの使い方" in partial and "<html" not in partial
    page = desk_client.get(url).content.decode()
    assert "LINEの使い方" in page and "<html" in page


def test_a_cancelled_bookings_page_reads_back_nothing(desk_client, make, desk_user):
    resident = make.resident(family_name="山田", given_name="太郎")
    made = booking_create(session_id=make.session().pk, resident_id=resident.pk, user=desk_user)
    booking_cancel(booking_id=made.booking.pk, user=desk_user)

    page = desk_client.get(reverse("classes:booking_done", args=[made.booking.pk]))
    text = page.content.decode()

    assert "この予約は取り消されています" in text
    assert "ご予約を承りました" not in text and "予約完了" not in text
    assert "readback" not in text


def test_an_offer_accepted_at_the_desk_reads_back_like_a_booking(desk_client, make, desk_user):
    session = make.session(capacity=1, venue=make.venue(name="日知屋公民館"))
    seated = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    waiting_person = make.resident(family_name="佐藤", given_name="一郎")
    waiting = booking_create(session_id=session.pk, resident_id=waiting_person.pk, user=desk_user)
    booking_cancel(booking_id=seated.booking.pk, user=desk_user)

    answered = desk_client.post(
        reverse("classes:offer_accept", args=[waiting.booking.pk]), follow=True
    )

    text = answered.content.decode()
    assert answered.redirect_chain[-1][0].startswith(
        reverse("classes:booking_done", args=[waiting.booking.pk])
    )
    assert "空席のご案内を受けていただきました" in text
    assert "佐藤 一郎様、ご予約を承りました" in text and "日知屋公民館" in text
    assert reverse("attendance:booking_ticket_panel", args=[waiting.booking.pk]) in text


def test_a_booking_made_by_mistake_is_taken_back_in_one_step(
    desk_client, make, desk_user, followups
):
    session = make.session(capacity=1)
    resident = make.resident(preferred_contact="sms", phone_mobile="+819012345678")
    response = post_booking(desk_client, resident, session)
    booking = Booking.objects.get(resident=resident)
    waiting = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    followups.run()
    confirmation = Message.objects.get(key=f"confirmation:{booking.pk}")
    assert confirmation.status == "queued"  # not gone yet
    page = desk_client.get(response["Location"]).content.decode()
    undo = reverse("classes:booking_undo", args=[booking.pk])
    assert undo in page

    back = desk_client.post(undo, follow=True)
    followups.run()

    assert "予約を取り消しました" in back.content.decode()
    booking.refresh_from_db()
    assert (booking.status, booking.cancel_reason) == ("cancelled", "entered_in_error")
    confirmation.refresh_from_db()
    assert confirmation.status == "cancelled"  # the caller is not told of a booking they lack
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.OFFERED  # the seat goes to the next in line


def test_a_booking_can_only_be_taken_back_within_minutes(desk_client, make, settings):
    settings.BOOKING_UNDO_MINUTES = 10
    resident = make.resident()
    post_booking(desk_client, resident, make.session())
    booking = Booking.objects.get()
    Booking.objects.filter(pk=booking.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )

    page = desk_client.get(reverse("classes:booking_done", args=[booking.pk])).content.decode()
    refused = desk_client.post(reverse("classes:booking_undo", args=[booking.pk]), follow=True)

    assert reverse("classes:booking_undo", args=[booking.pk]) not in page
    assert "取り消しできる時間を過ぎました" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
