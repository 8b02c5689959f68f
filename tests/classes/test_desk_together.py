"""The booking desk with a caller who comes with someone: companions added to the card, one
click books everyone (or puts everyone on the waitlist together), one read-back, one undo; the
waitlist, the offers and the call list show people together as one entry."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.tickets import ticket_issue
from audit.models import AccessLog
from classes.booking import booking_cancel, booking_create, booking_create_group
from classes.models import Booking, BookingGroup, BookingStatus
from notifications.models import Call, CallOutcome, Message
from tests.test_untranslated import DATA_WORDS, english_on

pytestmark = pytest.mark.django_db

DESK = reverse("classes:desk")
COMPANIONS = reverse("classes:desk_companions")


@pytest.fixture
def couple(make):
    return [
        make.resident(family_name="山田", given_name="太郎", given_name_kana="タロウ"),
        make.resident(family_name="山田", given_name="花子", given_name_kana="ハナコ"),
    ]


def post_together(client, caller, companions, session, *, nonce=None, waitlist=False, state=""):
    data = {
        "resident_id": caller.pk,
        "companion_id": [c.pk for c in companions],
        "form_nonce": str(nonce or uuid.uuid4()),
        "state": state,
        "waitlist_session_id" if waitlist else "session_id": session.pk,
    }
    return client.post(reverse("classes:desk_book"), data)


def fill(session, user, make, count):
    return [
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=user).booking
        for _ in range(count)
    ]


# --- companions on the caller's card -------------------------------------------------------------


def test_a_companion_is_added_from_the_search_and_taken_off_again(desk_client, make, couple):
    caller, spouse = couple
    found = desk_client.post(reverse("residents:search"), {"q": "やまだ", "for": "companion"})
    html = found.content.decode()
    assert f"{COMPANIONS}?add={spouse.pk}" in html
    assert 'hx-include="#selected-resident, .companion-id"' in html

    added = desk_client.get(
        COMPANIONS, {"resident_id": caller.pk, "add": spouse.pk}, HTTP_HX_REQUEST="true"
    )

    assert added.status_code == 200
    card = added.content.decode()
    assert "山田 花子" in card and f'name="companion_id" value="{spouse.pk}"' in card
    assert "2名をまとめて1回で予約します" in card
    assert added["HX-Push-Url"] == f"{DESK}?resident={caller.pk}&companion={spouse.pk}"
    assert added["HX-Trigger-After-Swap"] == "partyChanged"
    assert AccessLog.objects.filter(what="desk companions").exists()

    removed = desk_client.get(
        COMPANIONS,
        {"resident_id": caller.pk, "companion_id": spouse.pk, "remove": spouse.pk},
        HTTP_HX_REQUEST="true",
    )
    assert 'name="companion_id"' not in removed.content.decode()
    assert removed["HX-Push-Url"] == f"{DESK}?resident={caller.pk}"


def test_the_caller_is_never_their_own_companion_and_four_is_the_most(desk_client, make, couple):
    caller, spouse = couple
    others = [make.resident() for _ in range(3)]
    response = desk_client.get(
        COMPANIONS,
        {
            "resident_id": caller.pk,
            "companion_id": [caller.pk, spouse.pk, "x", 999999, *[o.pk for o in others]],
        },
        HTTP_HX_REQUEST="true",
    )
    assert [c.pk for c in response.context["companions"]] == [spouse.pk, others[0].pk, others[1].pk]
    assert "一緒に予約できるのは4名までです" in response.content.decode()
    assert 'id="companion-q"' not in response.content.decode()


def test_companions_without_htmx_or_without_a_caller(desk_client, couple):
    caller, spouse = couple
    plain = desk_client.get(COMPANIONS, {"resident_id": caller.pk, "add": spouse.pk})
    assert plain.status_code == 302
    assert plain["Location"] == f"{DESK}?resident={caller.pk}&companion={spouse.pk}"
    assert desk_client.get(COMPANIONS, HTTP_HX_REQUEST="true").status_code == 404


def test_registering_a_companion_comes_back_with_both_on_the_card(desk_client, make, couple):
    caller, spouse = couple
    page = desk_client.get(DESK, {"resident": caller.pk, "companion": spouse.pk})
    back = f"{DESK}?caller={caller.pk}&companion={spouse.pk}"
    assert page.context["companion_register_url"] == back
    nobody = desk_client.post(
        reverse("residents:search"), {"q": "ぬまた", "for": "companion", "next": back}
    ).content.decode()
    assert f'name="next" value="{back}"' in nobody.replace("&amp;", "&")

    newcomer = make.resident(family_name="沼田", given_name="一")  # as registration makes it
    returned = desk_client.get(back + f"&resident={newcomer.pk}")

    assert returned.context["resident"] == caller
    assert returned.context["companions"] == [spouse, newcomer]
    assert returned.context["party_size"] == 3


def test_the_session_list_offers_to_book_everyone_or_wait_together(
    desk_client, make, desk_user, couple
):
    roomy = make.session(capacity=5)
    tight = make.session(capacity=3, starts_at=timezone.now() + datetime.timedelta(days=8))
    fill(tight, desk_user, make, 2)

    page = desk_client.get(
        reverse("classes:desk_sessions"),
        {"resident_id": couple[0].pk, "companion_id": couple[1].pk},
    ).content.decode()

    assert f'name="session_id" value="{roomy.pk}">2名で予約' in page
    assert f'name="waitlist_session_id" value="{tight.pk}">2名そろってキャンセル待ち' in page


def test_a_single_caller_is_not_offered_seats_held_for_a_waiting_couple(
    desk_client, make, desk_user, couple
):
    session = make.session(capacity=2)
    seated = fill(session, desk_user, make, 2)
    booking_create_group(
        session_id=session.pk,
        resident_ids=[c.pk for c in couple],
        user=desk_user,
        waitlist_ok=True,
    )
    booking_cancel(booking_id=seated[0].pk, user=desk_user)  # 1 seat, waiting for the couple

    page = desk_client.get(reverse("classes:desk_sessions")).content.decode()

    assert f'name="session_id" value="{session.pk}">キャンセル待ちに登録' in page


# --- booking together ----------------------------------------------------------------------------


def test_a_couple_is_booked_in_one_click_and_read_back_together(desk_client, make, couple):
    session = make.session(
        capacity=5,
        starts_at=timezone.make_aware(datetime.datetime(2031, 11, 25, 10, 0)),
        venue=make.venue(name="日向市中央公民館"),
        course=make.course(title="スマホ教室 入門"),
    )

    response = post_together(desk_client, couple[0], couple[1:], session)

    first, second = Booking.objects.order_by("pk")
    assert (first.resident, second.resident) == tuple(couple)
    assert first.status == second.status == BookingStatus.BOOKED
    assert first.group_id == second.group_id is not None
    assert response["Location"] == reverse("classes:booking_done", args=[first.pk])
    page = desk_client.get(response["Location"]).content.decode()
    assert "山田 太郎様、山田 花子様、2名様のご予約を承りました" in page
    assert (
        f"山田 太郎様：番号 {first.number}" in page and f"山田 花子様：番号 {second.number}" in page
    )
    assert "11月25日（火）" in page and "日向市中央公民館" in page
    assert reverse("classes:booking_group_undo", args=[first.pk]) in page
    assert reverse("classes:booking_undo", args=[first.pk]) not in page
    assert reverse("attendance:staff_ticket_pdf", args=[second.pk]) in page  # one ticket each


def test_the_same_post_twice_books_the_couple_once(desk_client, make, couple):
    session, nonce = make.session(), uuid.uuid4()
    first = post_together(desk_client, couple[0], couple[1:], session, nonce=nonce)
    again = post_together(desk_client, couple[0], couple[1:], session, nonce=nonce)

    assert Booking.objects.count() == 2 and BookingGroup.objects.count() == 1
    assert again["Location"] == first["Location"] + "?again=1"


def test_one_seat_for_two_books_nobody_then_both_wait_together(
    desk_client, make, desk_user, couple
):
    session = make.session(capacity=3)
    fill(session, desk_user, make, 2)

    refused = post_together(desk_client, couple[0], couple[1:], session, state="venue=3")

    assert not Booking.objects.filter(resident__in=couple).exists()
    back = refused["Location"]
    assert back.startswith(DESK) and "venue=3" in back
    assert f"resident={couple[0].pk}" in back and f"companion={couple[1].pk}" in back
    desk = desk_client.get(back)
    html = desk.content.decode()
    assert "2名に対して残り1席です。どなたも予約していません" in html
    assert f'name="waitlist_session_id" value="{session.pk}"' in html

    waiting = post_together(desk_client, couple[0], couple[1:], session, waitlist=True)

    pair = list(Booking.objects.filter(resident__in=couple).order_by("pk"))
    assert [b.status for b in pair] == ["waitlisted", "waitlisted"]
    page = desk_client.get(waiting["Location"]).content.decode()
    assert "2名様そろってキャンセル待ちでお受けしました" in page
    assert "キャンセル待ちの1番目です" in page


def test_a_series_booked_as_a_whole_is_not_booked_together(desk_client, make, couple):
    response = desk_client.post(
        reverse("classes:desk_book"),
        {
            "resident_id": couple[0].pk,
            "companion_id": couple[1].pk,
            "series_id": "1",
            "form_nonce": str(uuid.uuid4()),
        },
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert "お一人ずつ" in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("session_field", ["", "abc", "999999"])
def test_bad_group_posts_get_a_message_never_a_500(desk_client, couple, session_field):
    response = desk_client.post(
        reverse("classes:desk_book"),
        {"resident_id": couple[0].pk, "companion_id": couple[1].pk, "session_id": session_field},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_undo_takes_back_both_and_offers_the_seats_on(
    desk_client, make, desk_user, couple, followups
):
    session = make.session(capacity=2)
    response = post_together(desk_client, couple[0], couple[1:], session)
    waiting = fill(session, desk_user, make, 2)
    lead = Booking.objects.get(resident=couple[0])

    back = desk_client.post(reverse("classes:booking_group_undo", args=[lead.pk]), follow=True)
    followups.run()

    assert "予約を取り消しました。山田 太郎様、山田 花子様は、この回の予約はありません" in (
        back.content.decode()
    )
    pair = Booking.objects.filter(resident__in=couple)
    assert set(pair.values_list("status", "cancel_reason")) == {("cancelled", "entered_in_error")}
    for booking in waiting:
        booking.refresh_from_db()
        assert booking.status == BookingStatus.OFFERED
    page = desk_client.get(response["Location"]).content.decode()
    assert reverse("classes:booking_group_undo", args=[lead.pk]) not in page
    # No confirmation is left to tell the couple of bookings they no longer have.
    assert not Message.objects.filter(booking_id__in=[b.pk for b in pair], status="queued")


def test_undo_too_late_is_a_message(desk_client, make, couple, settings):
    settings.BOOKING_UNDO_MINUTES = 10
    post_together(desk_client, couple[0], couple[1:], make.session())
    Booking.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    lead = Booking.objects.get(resident=couple[0])

    refused = desk_client.post(reverse("classes:booking_group_undo", args=[lead.pk]), follow=True)

    assert "取り消しできる時間を過ぎました" in refused.content.decode()
    assert set(Booking.objects.values_list("status", flat=True)) == {"booked"}


def test_booking_together_is_refused_to_venue_staff(venue_client, make, couple):
    assert post_together(venue_client, couple[0], couple[1:], make.session()).status_code == 403
    assert venue_client.post(reverse("classes:booking_group_undo", args=[1])).status_code == 403
    assert venue_client.get(COMPANIONS, HTTP_HX_REQUEST="true").status_code == 403
    assert Booking.objects.count() == 0


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
def test_companions_by_role(request, couple, client_fixture, expected):
    client = request.getfixturevalue(client_fixture)
    response = client.get(
        COMPANIONS, {"resident_id": couple[0].pk, "add": couple[1].pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == expected


def test_the_desk_page_with_companions_keeps_its_queries(
    desk_client, make, desk_user, couple, django_assert_max_num_queries
):
    friends = [make.resident() for _ in range(2)]
    start = timezone.now() + datetime.timedelta(days=2)

    def add_sessions(count, first_day):
        for i in range(count):
            session = make.session(starts_at=start + datetime.timedelta(days=first_day + i))
            booking_create(session_id=session.pk, resident_id=couple[0].pk, user=desk_user)

    params = {"resident": couple[0].pk, "companion": [couple[1].pk, *(f.pk for f in friends)]}
    add_sessions(3, first_day=0)
    # The desk page's 14 at most, and one for the companions.
    with django_assert_max_num_queries(15) as few:
        desk_client.get(DESK, params)
    add_sessions(20, first_day=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        desk_client.get(DESK, params)


# --- the waitlist, the offers, the call list ----------------------------------------------------


@pytest.fixture
def waiting_couple(make, desk_user, couple):
    session = make.session(capacity=2, course=make.course(title="はじめてのスマホ教室"))
    seated = fill(session, desk_user, make, 2)
    pair = booking_create_group(
        session_id=session.pk,
        resident_ids=[c.pk for c in couple],
        user=desk_user,
        waitlist_ok=True,
    ).bookings
    behind = fill(session, desk_user, make, 1)[0]
    return session, seated, pair, behind


def test_the_waitlist_shows_a_couple_as_one_entry(desk_client, waiting_couple):
    session, _seated, pair, behind = waiting_couple

    page = desk_client.get(reverse("classes:session_detail", args=[session.pk]))

    waitlist = page.context["waitlist"]
    assert [b.pk for b in waitlist] == [pair[0].pk, behind.pk]
    assert [b.place for b in waitlist] == [1, 3]
    assert "山田 太郎さん ほか1名" in page.content.decode()


def test_the_offers_list_has_one_line_and_one_answer_for_the_couple(
    desk_client, desk_user, waiting_couple, django_assert_max_num_queries
):
    _session, seated, pair, behind = waiting_couple
    for booking in seated:
        booking_cancel(booking_id=booking.pk, user=desk_user)

    with django_assert_max_num_queries(6):
        offers = desk_client.get(reverse("classes:offer_list"))

    assert [b.pk for b in offers.context["offers"]] == [pair[0].pk]
    html = offers.content.decode()
    assert "山田 太郎さん ほか1名" in html and "山田 花子" in html and "全員承諾" in html
    assert reverse("classes:offer_accept", args=[pair[1].pk]) not in html

    answered = desk_client.post(reverse("classes:offer_accept", args=[pair[0].pk]), follow=True)

    text = answered.content.decode()
    assert "山田 太郎様、山田 花子様が空席のご案内を受けました" in text
    assert "2名様のご予約を承りました" in text
    assert set(
        Booking.objects.filter(pk__in=[b.pk for b in pair]).values_list("status", flat=True)
    ) == {"booked"}
    behind.refresh_from_db()
    assert behind.status == BookingStatus.WAITLISTED


def test_a_group_offer_goes_to_the_caller_only_and_names_everyone(
    make, desk_user, waiting_couple, followups
):
    _session, seated, pair, _behind = waiting_couple
    for person in (pair[0].resident, pair[1].resident):
        person.preferred_contact = "sms"
        person.phone_mobile = f"+8190123400{person.pk % 100:02d}"
        person.consent_contact = True
        person.save()
    for booking in seated:
        booking_cancel(booking_id=booking.pk, user=desk_user)

    followups.run()

    (offer,) = Message.objects.filter(purpose="offer")
    assert offer.booking_id == pair[0].pk
    assert "2名分の空きが出ました" in offer.text
    assert "山田 太郎様、山田 花子様" in offer.text


def test_the_call_list_has_one_card_for_the_couple_and_one_outcome_for_both(
    desk_client, desk_user, waiting_couple, followups
):
    _session, seated, pair, behind = waiting_couple
    for person in (pair[0].resident, pair[1].resident):
        person.preferred_contact = "staff_call"
        person.consent_contact = True
        person.save()
    for booking in seated:
        booking_cancel(booking_id=booking.pk, user=desk_user)
    followups.run()

    (call,) = Call.objects.filter(purpose="offer")
    assert call.booking_id == pair[0].pk
    assert call.who == "、".join(
        f"{b.resident.full_name}（{b.resident.full_name_kana}）" for b in pair
    )
    assert "2名分" in call.script and "2名様の分として" in call.script
    page = desk_client.get(reverse("notifications:call_list")).content.decode()
    assert page.count(f'id="call-{call.pk}"') == 1

    desk_client.post(
        reverse("notifications:call_outcome", args=[call.pk]), {"outcome": "cancelled"}
    )
    followups.run()

    statuses = set(
        Booking.objects.filter(pk__in=[b.pk for b in pair]).values_list("status", "cancel_reason")
    )
    assert statuses == {("cancelled", "offer_declined")}
    assert CallOutcome.objects.filter(call=call).count() == 1
    behind.refresh_from_db()
    assert behind.status == BookingStatus.OFFERED


def test_the_ticket_page_says_the_offer_counts_for_everyone(client, desk_user, waiting_couple):
    _session, seated, pair, _behind = waiting_couple
    for booking in seated:
        booking_cancel(booking_id=booking.pk, user=desk_user)
    token = ticket_issue(booking_id=pair[1].pk).token

    page = client.get(reverse("attendance:ticket", args=[token])).content.decode()
    ask = client.get(reverse("attendance:ticket_offer_accept", args=[token])).content.decode()

    assert "ご一緒にお待ちの2名様分の席です" in page and "ご一緒にお待ちの2名様分の席です" in ask
    client.post(reverse("attendance:ticket_offer_accept", args=[token]))
    assert set(
        Booking.objects.filter(pk__in=[b.pk for b in pair]).values_list("status", flat=True)
    ) == {"booked"}


# --- every page of booking together reads in Japanese ------------------------------------------


def test_pages_for_people_booked_together_read_in_japanese(
    desk_client, make, desk_user, couple, waiting_couple, followups
):
    session, seated, pair, _behind = waiting_couple
    booked = booking_create_group(
        session_id=make.session(starts_at=timezone.now() + datetime.timedelta(days=9)).pk,
        resident_ids=[couple[0].pk, make.resident().pk],
        user=desk_user,
    )
    pages = {
        "desk": desk_client.get(DESK, {"resident": couple[0].pk, "companion": couple[1].pk}),
        "companions": desk_client.get(
            COMPANIONS, {"resident_id": couple[0].pk, "add": couple[1].pk}, HTTP_HX_REQUEST="true"
        ),
        "sessions": desk_client.get(
            reverse("classes:desk_sessions"),
            {"resident_id": couple[0].pk, "companion_id": couple[1].pk},
        ),
        "read-back booked": desk_client.get(reverse("classes:booking_done", args=[booked.lead.pk])),
        "read-back waiting": desk_client.get(reverse("classes:booking_done", args=[pair[0].pk])),
        "waitlist": desk_client.get(reverse("classes:session_detail", args=[session.pk])),
    }
    for booking in seated:
        booking_cancel(booking_id=booking.pk, user=desk_user)
    followups.run()
    pages["offers"] = desk_client.get(reverse("classes:offer_list"))
    pages["read-back offered"] = desk_client.get(reverse("classes:booking_done", args=[pair[1].pk]))
    token = ticket_issue(booking_id=pair[1].pk).token
    pages["ticket"] = desk_client.get(reverse("attendance:ticket", args=[token]))
    pages["ticket offer"] = desk_client.get(
        reverse("attendance:ticket_offer_decline", args=[token])
    )

    found = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        english = english_on(response.content.decode(), DATA_WORDS)
        if english:
            found[name] = sorted(english)
    assert found == {}
