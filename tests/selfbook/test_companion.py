"""A resident books a class on the web for two: themselves and one companion (a spouse), in one
step through the desk's service for booking together. All or none; the waitlist together only
when chosen; the companion is never taken for someone else by name alone."""

import re

import pytest
from django.urls import reverse

from audit.models import AccessLog
from classes.booking import booking_create
from classes.models import Booking, BookingSource, BookingStatus
from residents.models import Resident
from selfbook.models import Review, WebBooking
from tests.selfbook.test_flow import MOBILE, ask_for_code, type_code

pytestmark = pytest.mark.django_db

COMPANION = {
    "companion_family_name": "鬼束",
    "companion_given_name": "一郎",
    "companion_family_name_kana": "おにつか",
    "companion_given_name_kana": "いちろう",
    "companion_consent": "on",
}


@pytest.fixture
def session(make):
    return make.session(
        course=make.course(title="はじめてのスマホ教室"),
        venue=make.venue(name="日知屋公民館"),
        capacity=3,
    )


def _fill(make, session, seats_taken):
    for _ in range(seats_taken):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=None)


def test_both_are_booked_in_one_step_from_the_web(
    client, desk_client, session, phone_of, followups
):
    phone = phone_of(MOBILE)
    asked = ask_for_code(client, session, **COMPANION)
    assert asked.status_code == 302
    assert len([t for t in phone.texts() if "確認コード" in t]) == 1
    done = type_code(client, asked, phone.last_code())
    page = client.get(done["Location"]).content.decode()
    assert "2名様の予約を承りました" in page
    assert "鬼束" not in page and "一郎" not in page and "1234" not in page

    lead, companion = Booking.objects.filter(session=session).order_by("pk")
    assert lead.group_id == companion.group_id is not None
    assert {lead.status, companion.status} == {BookingStatus.BOOKED}
    assert {lead.source, companion.source} == {BookingSource.WEB}
    assert companion.resident.kana_key == "おにつかいちろう"
    # A new companion has the booker's (verified) mobile, and waits for the desk like the booker.
    assert companion.resident.phone_mobile == MOBILE
    mine = WebBooking.objects.get(lead__isnull=True)
    theirs = WebBooking.objects.get(lead=mine)
    assert (theirs.resident, theirs.booking, theirs.review) == (
        companion.resident,
        companion,
        Review.PENDING,
    )
    assert mine.companion_family_name_kana == "" and mine.companion_phone == ""
    assert AccessLog.objects.filter(what="web booking: companion registered").count() == 1
    # The desk's check list says who booked the companion.
    listed = desk_client.get(reverse("selfbook:review_list")).content.decode()
    assert f"{lead.resident.full_name}様と一緒に予約" in listed

    followups.run()
    tickets = [t for t in phone.texts() if "ご予約を承りました" in t]
    assert len(tickets) == 2  # one ticket each, both to the verified mobile
    links = {re.search(r"受講票: (\S+)", t).group(1) for t in tickets}
    assert len(links) == 2


def test_one_seat_left_books_nobody_and_then_both_wait_together_when_chosen(
    client, make, session, phone_of
):
    _fill(make, session, 2)
    shown = client.get(reverse("selfbook:session", args=[session.pk])).content.decode()
    assert "残りは1席のため" in shown
    asked = ask_for_code(client, session, **COMPANION)
    code = phone_of(MOBILE).last_code()
    page = client.post(asked["Location"], {"code": code})
    text = page.content.decode()
    assert page.status_code == 200 and "どなたも予約していません" in text
    assert Booking.objects.filter(session=session).count() == 2
    assert Resident.objects.filter(kana_key="おにつかいちろう").count() == 0  # rolled back
    assert WebBooking.objects.get().attempts == 0  # the code still works

    done = client.post(asked["Location"], {"code": code, "waitlist_together": "on"})
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "2名そろってキャンセル待ち" in page and "1番目" in page
    waiting = Booking.objects.filter(session=session, status=BookingStatus.WAITLISTED)
    assert waiting.count() == 2 and len({b.group_id for b in waiting}) == 1


def test_the_waitlist_together_chosen_on_the_form_needs_no_second_try(
    client, make, session, phone_of
):
    _fill(make, session, 2)
    asked = ask_for_code(client, session, waitlist_together="on", **COMPANION)
    code_page = client.get(asked["Location"]).content.decode()
    assert re.search(r'name="waitlist_together"[^>]*checked', code_page)  # the choice, kept
    done = client.post(
        asked["Location"], {"code": phone_of(MOBILE).last_code(), "waitlist_together": "on"}
    )
    assert done.status_code == 302
    statuses = set(
        Booking.objects.filter(source=BookingSource.WEB).values_list("status", flat=True)
    )
    assert statuses == {BookingStatus.WAITLISTED}


def test_the_companion_is_never_taken_for_someone_else_by_name_alone(
    client, make, session, phone_of
):
    # Someone of the same name and reading, with another mobile number.
    other = make.resident(
        family_name="鬼束",
        given_name="一郎",
        family_name_kana="おにつか",
        given_name_kana="いちろう",
        phone_mobile="+819099990000",
    )
    asked = ask_for_code(client, session, **COMPANION)
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    page = client.get(done["Location"]).content.decode()
    assert "09099990000" not in page and "9999" not in page
    companion = WebBooking.objects.get(lead__isnull=False)
    assert companion.resident != other and companion.review == Review.PENDING
    assert not Booking.objects.filter(resident=other).exists()


def test_the_companion_is_recognised_by_their_own_mobile_and_reading(
    client, make, session, phone_of
):
    known = make.resident(
        family_name_kana="オニツカ", given_name_kana="イチロウ", phone_mobile="+819055550000"
    )
    asked = ask_for_code(client, session, companion_phone="090-5555-0000", **COMPANION)
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    page = client.get(done["Location"]).content.decode()
    assert "5555" not in page
    companion = WebBooking.objects.get(lead__isnull=False)
    assert (companion.resident, companion.review) == (known, Review.NONE)
    entry = AccessLog.objects.get(what="web booking: companion recognised")
    assert entry.user is None and [r.resident_id for r in entry.residents.all()] == [known.pk]
    # Nothing of the companion's number is kept on the request.
    assert WebBooking.objects.get(lead__isnull=True).companion_phone == ""


def test_a_companion_sharing_the_booker_phone_is_recognised(client, make, session, phone_of):
    known = make.resident(
        family_name_kana="おにつか", given_name_kana="いちろう", phone_mobile=MOBILE
    )
    asked = ask_for_code(client, session, **COMPANION)
    type_code(client, asked, phone_of(MOBILE).last_code())
    assert Booking.objects.filter(resident=known, source=BookingSource.WEB).exists()


def test_half_a_companion_or_no_consent_is_asked_for_plainly(client, session):
    page = ask_for_code(client, session, companion_given_name_kana="いちろう")
    text = page.content.decode()
    assert page.status_code == 200 and "同行者のお名前とふりがなも" in text
    assert "同行者の分も予約するには" in text and 'value="いちろう"' in text
    same = dict(
        COMPANION, companion_family_name_kana="オニツカ", companion_given_name_kana="ハナコ"
    )
    page = ask_for_code(client, session, **same)
    assert "あなたと同じです" in page.content.decode()
    page = ask_for_code(client, session, companion_phone="0982-52-2111", **COMPANION)
    assert "携帯電話の番号" in page.content.decode()
    assert not WebBooking.objects.exists()


def test_no_name_or_number_of_either_in_any_address(client, session, phone_of):
    addresses = [reverse("selfbook:session", args=[session.pk])]
    asked = ask_for_code(client, session, companion_phone="090-5555-0000", **COMPANION)
    addresses.append(asked["Location"])
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    addresses.append(done["Location"])
    html = client.get(done["Location"]).content.decode()
    addresses += re.findall(r'(?:href|action)="([^"]*)"', html)
    for address in addresses:
        for secret in ("鬼束", "一郎", "いちろう", "5555", "1234", "%E6"):
            assert secret not in address, address


def test_the_pages_for_two_answer_in_a_few_queries(
    client, session, phone_of, django_assert_max_num_queries
):
    asked = ask_for_code(client, session, **COMPANION)
    with django_assert_max_num_queries(8):
        client.get(asked["Location"])
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    with django_assert_max_num_queries(8):
        client.get(done["Location"])


def test_the_pages_for_two_read_in_japanese(client, make, session, phone_of):
    from tests.test_untranslated import DATA_WORDS, english_on

    pages = [client.get(reverse("selfbook:session", args=[session.pk])).content.decode()]
    asked = ask_for_code(client, session, **COMPANION)
    pages.append(client.get(asked["Location"]).content.decode())
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    pages.append(client.get(done["Location"]).content.decode())
    # Short of seats: the refusal, then the waitlist together.
    _fill(make, session, 1)
    asked = ask_for_code(client, session, phone="090-1234-0003", **COMPANION)
    code = phone_of("+819012340003").last_code()
    pages.append(client.post(asked["Location"], {"code": code}).content.decode())
    done = client.post(asked["Location"], {"code": code, "waitlist_together": "on"})
    pages.append(client.get(done["Location"]).content.decode())
    assert "2名そろってキャンセル待ち" in pages[-1]
    for html in pages:
        assert english_on(html, DATA_WORDS) == set()
