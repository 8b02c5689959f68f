"""The short code printed under the QR: typed by hand at the venue when a QR cannot be read."""

import random

import pytest
from django.urls import reverse

from attendance.checkin import SHORT_CODE_MISSES
from attendance.models import CheckIn
from attendance.shortcode import (
    ALPHABET,
    LENGTH,
    new_short_code,
    short_code_checks,
    short_code_display,
    short_code_in,
)
from attendance.tickets import ticket_issue
from tests.attendance.test_venue import book, running_now, scan

pytestmark = pytest.mark.django_db


def test_no_character_can_be_taken_for_another():
    for confusable in "0O1IL2Z5S8BUVGDQ":
        assert confusable not in ALPHABET


def test_every_single_slip_is_caught_by_the_check_character():
    rng = random.Random(7)
    for _ in range(300):
        code = new_short_code()
        assert len(code) == LENGTH and short_code_checks(code)
        position = rng.randrange(LENGTH)
        for other in ALPHABET.replace(code[position], ""):
            slipped = code[:position] + other + code[position + 1 :]
            assert not short_code_checks(slipped)


@pytest.mark.parametrize("typed", ["kp74-wxc", "ＫＰ７４－ＷＸＣ", " KP74 WXC ", "KP74WXC"])
def test_typed_forms_read_as_the_code(typed):
    assert short_code_in(typed) == "KP74WXC"
    assert short_code_display("KP74WXC") == "KP74-WXC"


@pytest.mark.parametrize("typed", ["", "001063", "KP74-WX", "KP74-WXC9", "KO74-WXC"])
def test_other_text_is_no_code(typed):
    assert short_code_in(typed) is None


@pytest.fixture
def venue(make, venue_user):
    venue = make.venue(name="日向市中央公民館")
    venue.staff.add(venue_user)
    return venue


@pytest.fixture
def session(make, venue):
    return running_now(make, venue, capacity=5)


@pytest.fixture
def ticket(session, make, desk_user):
    booking = book(session, make.resident(family_name="山田", given_name="太郎"), desk_user)
    return ticket_issue(booking_id=booking.pk, user=desk_user)


def test_the_printed_code_checks_the_person_in(venue_client, session, ticket):
    typed = ticket.short_code_display.lower()
    answer = scan(venue_client, session, typed).json()
    assert answer["result"] == "ok" and answer["name"] == "山田 太郎"
    assert CheckIn.objects.get(result="ok").ticket_id == ticket.pk


def test_a_code_counts_only_at_its_venue_on_its_day(venue_client, session, make, venue, desk_user):
    elsewhere = running_now(make, make.venue(name="別の会場"))
    other = book(elsewhere, make.resident(), desk_user)
    code = ticket_issue(booking_id=other.pk).short_code
    answer = scan(venue_client, session, code).json()
    assert answer["result"] == "unknown"
    assert "今日この会場にはありません" in answer["message"]
    assert CheckIn.objects.filter(result="ok").count() == 0


def test_the_booking_number_gets_told_what_to_type(venue_client, session, ticket):
    response = scan(venue_client, session, ticket.booking.number)
    assert response.status_code == 400
    assert "予約番号" in response.json()["message"]


def test_a_slip_is_told_as_a_slip(venue_client, session, ticket):
    code = ticket.short_code
    other = next(c for c in ALPHABET if c != code[2])
    response = scan(venue_client, session, code[:2] + other + code[3:])
    assert response.status_code == 400
    assert "打ち間違" in response.json()["message"]


def test_wrong_codes_are_limited_per_staff_member(venue_client, session, ticket, settings):
    for _ in range(SHORT_CODE_MISSES):
        assert scan(venue_client, session, new_short_code()).json()["result"] == "unknown"
    response = scan(venue_client, session, ticket.short_code)
    assert response.status_code == 400
    assert "名簿" in response.json()["message"]


def test_the_ticket_page_shows_the_code(client, ticket):
    page = client.get(reverse("attendance:ticket", args=[ticket.token])).content.decode()
    assert ticket.short_code_display in page
