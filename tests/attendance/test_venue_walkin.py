"""Walk-ins: find or register, book and check in, in one step; over capacity only with a reason."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import CheckIn
from attendance.walkin import PossibleDuplicate, WalkInError, walkin_checkin
from classes.booking import booking_create
from classes.models import Booking, BookingEvent, BookingStatus
from residents.models import Resident, ResidentEvent

pytestmark = pytest.mark.django_db

FULL = "満席です。定員を超えて受け付ける場合は理由を入力してください"


@pytest.fixture
def venue(make, venue_user):
    venue = make.venue()
    venue.staff.add(venue_user)
    return venue


@pytest.fixture
def session(make, venue):
    """Began ten minutes ago: too late to book at the desk, not for a walk-in."""
    return make.session(venue=venue, starts_at=make.earlier_today(10), capacity=2)


def fill(session, make, user, people=2):
    for _ in range(people):
        booking_create(
            session_id=session.pk,
            resident_id=make.resident().pk,
            user=user,
            now=session.starts_at - datetime.timedelta(days=1),
        )


def post(client, session, **fields):
    data = {"walkin-nonce": str(uuid.uuid4()), "walkin-device": "会場端末-W1"}
    data.update({f"walkin-{name}": value for name, value in fields.items()})
    return client.post(reverse("attendance:venue_walkin", args=[session.pk]), data)


NEW_PERSON = {
    "family_name": "田中",
    "given_name": "一郎",
    "family_name_kana": "たなか",
    "given_name_kana": "いちろう",
    "phone": "090-1111-2222",
}


def test_walk_in_of_a_registered_resident(venue_client, session, make, venue_user):
    resident = make.resident(family_name="山田", given_name="花子")

    response = post(venue_client, session, resident=resident.pk)

    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:venue_session", args=[session.pk])
    booking = Booking.objects.get(session=session, resident=resident)
    assert booking.status == BookingStatus.ATTENDED
    checkin = CheckIn.objects.get(booking=booking)
    assert (checkin.result, checkin.channel, checkin.by) == ("ok", "walk_in", venue_user)
    assert checkin.device == "会場端末-W1"
    page = venue_client.get(response["Location"])
    assert "山田 花子 様 受付しました" in page.content.decode()


def search(client, session, text, *, htmx=True):
    """The walk-in search box, sent by POST (as htmx does, or as the plain form without it)."""
    url = reverse("attendance:venue_walkin_search", args=[session.pk])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, {"q": text}, **headers)


def yamada(make, **fields):
    values = {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "birth_year": 1950,
        "phone_mobile": "+819012345678",
        "notes": "膝が悪い",
    }
    return make.resident(**{**values, **fields})


def test_walk_in_search_finds_a_person_by_full_reading_and_birth_year(venue_client, session, make):
    found = yamada(make)
    text = search(venue_client, session, "ﾔﾏﾀﾞ ﾊﾅｺ 昭和25年").content.decode()
    assert f'name="walkin-resident" value="{found.pk}"' in text and "この方を受付" in text
    # What confirms who it is: the reading, the birth year, the phone's last 4 digits.
    assert "ヤマダ ハナコ" in text and "昭和25年" in text and "5678" in text
    assert "090-1234-5678" not in text and "+819012345678" not in text
    assert "膝が悪い" not in text
    assert (
        search(venue_client, session, "やまだはなこ 1950")
        .content.decode()
        .count('name="walkin-resident"')
        == 1
    )


def test_walk_in_search_finds_a_person_by_complete_phone_number(venue_client, session, make):
    found = yamada(make, phone_mobile="", phone_home="+81982522111")
    for typed in ("0982-52-2111", "０９８２５２２１１１"):
        text = search(venue_client, session, typed).content.decode()
        assert f'value="{found.pk}"' in text, typed
        assert "2111" in text and "0982-52-2111" not in text.replace(f'value="{typed}"', "")


@pytest.mark.parametrize(
    "typed",
    ["090", "0901234", "ア", "ﾔﾏﾀﾞ", "やまだ", "やまだ はなこ", "山田 花子 1950", "090 1950"],
)
def test_walk_in_search_by_venue_staff_is_no_directory(venue_client, session, make, typed):
    yamada(make)
    text = search(venue_client, session, typed).content.decode()
    assert 'name="walkin-resident"' not in text
    assert "それだけでは探せません" in text


def test_walk_in_search_by_family_name_and_year_finds_nobody(venue_client, session, make):
    yamada(make)
    text = search(venue_client, session, "やまだ 1950").content.decode()
    assert 'name="walkin-resident"' not in text and "見つかりませんでした" in text


def test_walk_in_search_by_venue_staff_returns_three_at_most(venue_client, session, make):
    for _ in range(5):
        yamada(make, phone_mobile="")
    text = search(venue_client, session, "やまだ はなこ 1950").content.decode()
    assert text.count('name="walkin-resident"') == 3


def test_walk_in_search_by_staff_who_may_browse_residents_searches_as_the_desk(
    dx_client, session, make
):
    yamada(make)
    text = search(dx_client, session, "ﾔﾏﾀﾞ").content.decode()
    assert text.count('name="walkin-resident"') == 1


def test_walk_in_search_without_javascript_renders_the_page_with_the_results(
    venue_client, session, make
):
    found = yamada(make)
    response = search(venue_client, session, "09012345678", htmx=False)
    assert response.status_code == 200
    text = response.content.decode()
    assert f'value="{found.pk}"' in text and "当日参加" in text
    nobody = search(venue_client, session, "やまだ わたる 1950").content.decode()
    assert "下の欄で登録してください" in nobody


def test_walk_in_search_is_not_a_get(venue_client, session):
    url = reverse("attendance:venue_walkin_search", args=[session.pk])
    assert venue_client.get(url, {"q": "09012345678"}).status_code == 405


def test_walk_in_of_a_new_person(venue_client, session, venue_user):
    response = post(venue_client, session, **NEW_PERSON)

    assert response.status_code == 302
    resident = Resident.objects.get(family_name="田中")
    assert (resident.kana_key, resident.phone_mobile) == ("たなかいちろう", "+819011112222")
    assert resident.created_by == venue_user
    event = ResidentEvent.objects.get(resident=resident)
    assert event.kind == "created" and event.detail == "当日参加として会場で登録"
    booking = Booking.objects.get(resident=resident)
    assert booking.status == BookingStatus.ATTENDED
    assert CheckIn.objects.get(booking=booking).channel == "walk_in"


def test_a_home_number_goes_to_the_home_phone(venue_client, session):
    post(venue_client, session, **{**NEW_PERSON, "phone": "0982-52-2111"})
    resident = Resident.objects.get(family_name="田中")
    assert (resident.phone_mobile, resident.phone_home) == ("", "+81982522111")


def test_new_person_form_keeps_the_input_and_says_what_is_missing(venue_client, session):
    response = post(venue_client, session, family_name="田中", given_name_kana="Ichiro", phone="12")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="田中"' in text and 'value="Ichiro"' in text and 'value="12"' in text
    assert "入力してください。" in text
    assert "ひらがなかカタカナで" in text or "ひらがな" in text
    assert "090-1234-5678" in text  # the phone example
    assert not Resident.objects.exists() and not Booking.objects.exists()


def test_full_session_without_a_reason_keeps_the_input_and_changes_nothing(
    venue_client, session, make, desk_user
):
    fill(session, make, desk_user)
    residents_before = Resident.objects.count()

    response = post(venue_client, session, **NEW_PERSON)

    assert response.status_code == 200
    text = response.content.decode()
    assert FULL in text
    assert 'value="田中"' in text and 'value="いちろう"' in text and 'value="090-1111-2222"' in text
    assert Resident.objects.count() == residents_before  # the registration was rolled back
    assert Booking.objects.filter(session=session).count() == 2
    assert not CheckIn.objects.exists()


def test_full_session_with_a_reason_admits_and_records_why(venue_client, session, make, desk_user):
    fill(session, make, desk_user)

    response = post(venue_client, session, **NEW_PERSON, over_capacity_reason="椅子を追加しました")

    assert response.status_code == 302
    booking = Booking.objects.get(resident__family_name="田中")
    assert booking.status == BookingStatus.ATTENDED
    event = BookingEvent.objects.get(booking=booking, reason="booked_over_capacity")
    assert event.note == "椅子を追加しました"
    assert Booking.objects.filter(session=session).holding_seats().count() == 3


def test_chosen_resident_at_a_full_session_is_asked_for_the_reason(
    venue_client, session, make, desk_user
):
    fill(session, make, desk_user)
    resident = make.resident(family_name="山田", given_name="花子")
    nonce = str(uuid.uuid4())

    first = post(venue_client, session, resident=resident.pk, nonce=nonce)

    text = first.content.decode()
    assert first.status_code == 200 and FULL in text
    assert "山田 花子 様を受付" in text and f'value="{resident.pk}"' in text
    assert f'value="{nonce}"' in text  # the same form, sent again, is the same request
    assert not Booking.objects.filter(resident=resident).exists()

    second = post(
        venue_client, session, resident=resident.pk, nonce=nonce, over_capacity_reason="見学のみ"
    )
    assert second.status_code == 302
    assert Booking.objects.get(resident=resident).status == BookingStatus.ATTENDED


def test_the_same_form_sent_twice_registers_and_checks_in_once(venue_client, session):
    nonce = str(uuid.uuid4())
    post(venue_client, session, **NEW_PERSON, nonce=nonce)
    again = post(venue_client, session, **NEW_PERSON, nonce=nonce)
    assert again.status_code == 302
    assert Resident.objects.filter(family_name="田中").count() == 1
    assert CheckIn.objects.count() == 1


def test_a_possible_duplicate_is_shown_before_registering(venue_client, session, make):
    same = make.resident(
        family_name="田中",
        given_name="一郎",
        family_name_kana="タナカ",
        given_name_kana="イチロウ",
        phone_mobile="+819099998888",
    )
    first = post(venue_client, session, **NEW_PERSON)
    text = first.content.decode()
    assert first.status_code == 200 and "同じふりがな、または同じ電話番号の方" in text
    assert f'name="walkin-resident" value="{same.pk}"' in text
    assert "8888" in text and "090-9999-8888" not in text  # only what confirms who it is
    assert Resident.objects.count() == 1

    registered = post(venue_client, session, **NEW_PERSON, confirm_new="on")
    assert registered.status_code == 302
    assert Resident.objects.filter(family_name="田中").count() == 2


def test_service_asks_before_registering_someone_who_may_be_registered(session, make, venue_user):
    same = make.resident(family_name_kana="タナカ", given_name_kana="イチロウ")
    newcomer = {
        "family_name": "田中",
        "given_name": "一郎",
        "family_name_kana": "たなか",
        "given_name_kana": "いちろう",
    }
    with pytest.raises(PossibleDuplicate) as question:
        walkin_checkin(
            session_id=session.pk, new_resident=newcomer, device="d", nonce=None, user=venue_user
        )
    assert question.value.residents == [same] and Resident.objects.count() == 1
    result = walkin_checkin(
        session_id=session.pk,
        new_resident=newcomer,
        confirm_new=True,
        device="d",
        nonce=None,
        user=venue_user,
    )
    assert result.resident_created and result.outcome.ok


def test_someone_on_the_waitlist_who_comes_takes_a_walk_in_seat(
    venue_client, session, make, desk_user
):
    fill(session, make, desk_user)
    waiting = make.resident()
    booking_create(
        session_id=session.pk,
        resident_id=waiting.pk,
        user=desk_user,
        now=session.starts_at - datetime.timedelta(days=1),
    )
    assert Booking.objects.get(resident=waiting).status == BookingStatus.WAITLISTED

    refused = post(venue_client, session, resident=waiting.pk)
    assert FULL in refused.content.decode()
    assert Booking.objects.get(resident=waiting).status == BookingStatus.WAITLISTED  # unchanged

    post(venue_client, session, resident=waiting.pk, over_capacity_reason="空きが出たため")
    statuses = set(Booking.objects.filter(resident=waiting).values_list("status", flat=True))
    assert statuses == {BookingStatus.CANCELLED, BookingStatus.ATTENDED}


def test_walk_in_after_the_session_ended_is_refused_with_a_message(
    venue_client, make, venue, venue_user
):
    over = make.session(venue=venue, starts_at=timezone.now() - datetime.timedelta(hours=3))
    response = post(venue_client, over, **NEW_PERSON)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Resident.objects.exists()


def test_service_someone_already_booked_is_checked_in_with_their_booking(
    session, make, desk_user, venue_user
):
    resident = make.resident()
    booked = booking_create(
        session_id=session.pk,
        resident_id=resident.pk,
        user=desk_user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking
    result = walkin_checkin(
        session_id=session.pk, resident_id=resident.pk, device="d", nonce=None, user=venue_user
    )
    assert result.outcome.ok and result.outcome.booking.pk == booked.pk
    assert not result.resident_created
    again = walkin_checkin(
        session_id=session.pk, resident_id=resident.pk, device="d", nonce=None, user=venue_user
    )
    assert again.outcome.result == "already_checked_in"


def test_service_someone_offered_a_seat_who_comes_takes_it(session, make, desk_user, venue_user):
    resident = make.resident()
    booking = booking_create(
        session_id=session.pk,
        resident_id=resident.pk,
        user=desk_user,
        now=session.starts_at - datetime.timedelta(days=1),
    ).booking
    Booking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.OFFERED, offer_expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    result = walkin_checkin(
        session_id=session.pk, resident_id=resident.pk, device="d", nonce=None, user=venue_user
    )
    assert result.outcome.ok and result.outcome.booking.pk == booking.pk
    events = BookingEvent.objects.filter(booking=booking).order_by("pk")
    assert list(events.values_list("reason", flat=True))[-1] == "offer_accepted"
    assert CheckIn.objects.get(booking=booking).result == "ok"  # the attendance is in the log


def test_service_refuses_a_bad_nonce_and_an_unknown_resident(session, venue_user):
    with pytest.raises(WalkInError):
        walkin_checkin(
            session_id=session.pk, resident_id=1, device="", nonce="nope", user=venue_user
        )
    with pytest.raises(WalkInError) as error:
        walkin_checkin(
            session_id=session.pk, resident_id=999999, device="", nonce=None, user=venue_user
        )
    assert error.value.code == "unknown_resident"
