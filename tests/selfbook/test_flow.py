"""A resident books a class on the web: the calendar, the form, the code by SMS (read from the
message the Twilio stub received), the booking through the desk's service, the ticket link by
SMS. And what must not happen: a wrong or old code, a second booking, a name in a URL."""

import datetime
import uuid
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from audit.models import AccessLog
from classes.booking import booking_create
from classes.models import Booking, BookingSource, BookingStatus
from notifications.models import Message
from residents.models import Resident
from selfbook.models import Review, WebBooking

pytestmark = pytest.mark.django_db

MOBILE = "+819012340001"
TYPED_MOBILE = "090-1234-0001"


def form(**overrides):
    data = {
        "family_name": "鬼束",
        "given_name": "花子",
        "family_name_kana": "おにつか",
        "given_name_kana": "はなこ",
        "phone": TYPED_MOBILE,
        "consent_contact": "on",
        "consent_data_use": "on",
        "nonce": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def ask_for_code(client, session, **overrides):
    return client.post(reverse("selfbook:session", args=[session.pk]), form(**overrides))


def type_code(client, response, code):
    return client.post(response["Location"], {"code": code})


@pytest.fixture
def session(make):
    return make.session(
        course=make.course(title="はじめてのスマホ教室"),
        venue=make.venue(name="日知屋公民館"),
        capacity=2,
    )


def test_a_resident_books_with_the_code_and_gets_the_ticket_link(
    client, session, phone_of, followups
):
    phone = phone_of(MOBILE)
    page = client.get(reverse("selfbook:session", args=[session.pk]))
    assert page.status_code == 200 and "はじめてのスマホ教室" in page.content.decode()

    asked = ask_for_code(client, session)
    assert asked.status_code == 302
    code = phone.last_code()
    done = type_code(client, asked, code)
    assert done.status_code == 302
    page = client.get(done["Location"])
    text = page.content.decode()
    assert "予約しました" in text and "はじめてのスマホ教室" in text
    assert "鬼束" not in text and "1234" not in text  # nothing about the person

    booking = Booking.objects.get()
    assert (booking.status, booking.source) == (BookingStatus.BOOKED, BookingSource.WEB)
    assert booking.resident.phone_mobile == MOBILE
    assert booking.resident.kana_key == "おにつかはなこ"

    followups.run()  # the confirmation follows the booking, as the task cluster runs it
    (ticket_text,) = [t for t in phone.texts() if "ご予約を承りました" in t]
    link = ticket_text.split("受講票: ")[1].split()[0]
    assert link.startswith("https://tsunagu.example.jp/t/")
    ticket = client.get(urlsplit(link).path)
    assert ticket.status_code == 200 and "受講票" in ticket.content.decode()


def test_the_code_request_keeps_only_hashes_and_the_request_forgets_the_person(
    client, session, phone_of
):
    asked = ask_for_code(client, session)
    web_booking = WebBooking.objects.get()
    code = phone_of(MOBILE).last_code()
    assert code not in web_booking.code_hash and web_booking.phone == MOBILE
    type_code(client, asked, code)
    web_booking.refresh_from_db()
    assert (web_booking.family_name, web_booking.phone, web_booking.code_hash) == ("", "", "")
    # The code's message is now about the person: a disclosure lists it, an erasure clears it.
    (message,) = Message.objects.filter(template_key="selfbook_code_sms")
    assert message.resident_id == web_booking.resident_id


def test_five_wrong_codes_and_the_code_is_refused_even_when_right(client, session, phone_of):
    asked = ask_for_code(client, session)
    code = phone_of(MOBILE).last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        page = type_code(client, asked, wrong)
        assert page.status_code == 200
        assert f"あと{left}回" in page.content.decode()
    page = type_code(client, asked, wrong)
    assert "新しいコードを送ってください" in page.content.decode()
    page = type_code(client, asked, code)
    assert page.status_code == 200 and "新しいコードを送ってください" in page.content.decode()
    assert not Booking.objects.exists()

    # A new code works again (and the old one does not).
    client.post(asked["Location"], {"resend": "1"})
    new_code = phone_of(MOBILE).last_code()
    assert type_code(client, asked, new_code).status_code == 302
    assert Booking.objects.count() == 1


def test_an_expired_code_is_refused(client, session, phone_of, _frozen_clock):
    asked = ask_for_code(client, session)
    code = phone_of(MOBILE).last_code()
    _frozen_clock.shift(datetime.timedelta(minutes=10, seconds=1))
    page = type_code(client, asked, code)
    assert "有効期限が切れました" in page.content.decode()
    assert not Booking.objects.exists()


def test_a_code_in_full_width_digits_with_spaces_is_read(client, session, phone_of):
    asked = ask_for_code(client, session)
    code = phone_of(MOBILE).last_code()
    typed = " ".join(chr(ord(c) + 0xFEE0) for c in code)  # ０ ９ ...
    assert type_code(client, asked, typed).status_code == 302


def test_a_full_session_puts_the_resident_on_the_waitlist_and_says_so(
    client, make, session, phone_of
):
    for _ in range(2):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=None)
    calendar = client.get(reverse("selfbook:calendar")).content.decode()
    assert "満席・キャンセル待ち" in calendar
    asked = ask_for_code(client, session)
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    page = client.get(done["Location"]).content.decode()
    assert "キャンセル待ち（1番目）に登録しました" in page and "まだ席はありません" in page
    booking = Booking.objects.get(source=BookingSource.WEB)
    assert booking.status == BookingStatus.WAITLISTED


def test_a_double_tap_sends_one_code_and_books_once(client, session, phone_of):
    data = form()
    url = reverse("selfbook:session", args=[session.pk])
    first = client.post(url, data)
    second = client.post(url, data)
    assert first["Location"] == second["Location"]
    phone = phone_of(MOBILE)
    assert len([t for t in phone.texts() if "確認コード" in t]) == 1
    code = phone.last_code()
    assert type_code(client, first, code).status_code == 302
    again = type_code(client, first, code)
    assert again.status_code == 302 and again["Location"].startswith("/book/done/")
    assert Booking.objects.count() == 1


def test_a_registered_resident_is_recognised_by_number_and_reading(client, session, make, phone_of):
    known = make.resident(
        family_name="鬼束",
        given_name="花子",
        family_name_kana="オニツカ",
        given_name_kana="ハナコ",
        phone_mobile=MOBILE,
        preferred_contact="voice",
    )
    asked = ask_for_code(client, session, family_name_kana="ｵﾆﾂｶ", given_name_kana="はなこ")
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    assert client.get(done["Location"]).status_code == 200
    assert Resident.objects.count() == 1
    assert Booking.objects.get().resident == known
    assert WebBooking.objects.get().review == Review.NONE
    entry = AccessLog.objects.get(what="web booking: resident recognised")
    assert entry.user is None and [r.resident_id for r in entry.residents.all()] == [known.pk]


@pytest.mark.parametrize(
    "overrides",
    [
        {"family_name_kana": "おにつか", "given_name_kana": "はるこ"},  # another reading
        {"phone": "090-1234-0002"},  # another number
    ],
)
def test_details_that_do_not_identify_someone_make_a_new_record_for_the_desk(
    client, session, make, phone_of, overrides
):
    someone = make.resident(
        family_name_kana="おにつか", given_name_kana="はなこ", phone_mobile=MOBILE
    )
    number = "+81" + overrides.get("phone", TYPED_MOBILE).replace("-", "")[1:]
    asked = ask_for_code(client, session, **overrides)
    done = type_code(client, asked, phone_of(number).last_code())
    page = client.get(done["Location"]).content.decode()
    # The page is the same whether the number was known or not: nothing of the other person.
    assert "予約しました" in page and someone.given_name not in page
    booking = Booking.objects.get()
    assert booking.resident != someone
    assert booking.resident.created_by is None
    web_booking = WebBooking.objects.get()
    assert web_booking.review == Review.PENDING and web_booking.resident == booking.resident
    entry = AccessLog.objects.get(what="web booking: resident registered")
    assert entry.user is None and entry.action == "create"


def test_the_booking_rules_refuse_plainly_without_naming_the_other_booking(
    client, session, make, phone_of
):
    known = make.resident(
        family_name_kana="おにつか", given_name_kana="はなこ", phone_mobile=MOBILE
    )
    same_time = make.session(starts_at=session.starts_at, course=make.course(title="LINE講座"))
    booking_create(session_id=same_time.pk, resident_id=known.pk, user=None)
    asked = ask_for_code(client, session)
    page = type_code(client, asked, phone_of(MOBILE).last_code())
    text = page.content.decode()
    assert "同じ時間に、ほかのご予約があります" in text and "LINE講座" not in text
    assert Booking.objects.filter(session=session).count() == 0


def test_no_name_or_number_in_any_address_of_the_flow(client, session, phone_of):
    addresses = [reverse("selfbook:calendar"), reverse("selfbook:session", args=[session.pk])]
    asked = ask_for_code(client, session)
    addresses.append(asked["Location"])
    addresses.append(client.post(asked["Location"], {"resend": "1"}).request["PATH_INFO"])
    done = type_code(client, asked, phone_of(MOBILE).last_code())
    addresses.append(done["Location"])
    page = client.get(done["Location"])
    addresses += [a for a in _links(page.content.decode())]
    for address in addresses:
        for secret in ("鬼束", "花子", "おにつか", "はなこ", "1234", "0001", "%E6"):
            assert secret not in address, address


def _links(html):
    import re

    return re.findall(r'(?:href|action)="([^"]*)"', html)


def test_a_session_that_cannot_be_booked_here_answers_not_found(client, make):
    from classes.booking import session_cancel

    cancelled = make.session()
    session_cancel(session_id=cancelled.pk, user=None, reason="台風")
    assert client.get(reverse("selfbook:session", args=[cancelled.pk])).status_code == 404
    past = make.session(starts_at=make.days_ahead(-1))
    assert client.get(reverse("selfbook:session", args=[past.pk])).status_code == 404
    assert client.get(reverse("selfbook:code", args=["not-a-token"])).status_code == 404


def test_bad_input_keeps_what_was_typed_and_says_what_to_fix(client, session):
    page = ask_for_code(client, session, phone="0982-52-2111", consent_contact="")
    text = page.content.decode()
    assert page.status_code == 200
    assert "携帯電話の番号（090・080・070で始まる番号）" in text
    assert "チェックを入れてください" in text
    assert 'value="鬼束"' in text and 'value="おにつか"' in text
    assert not WebBooking.objects.exists() and not Message.objects.exists()


def test_staff_reading_the_message_log_never_see_a_code(client, desk_client, session, phone_of):
    ask_for_code(client, session)
    code = phone_of(MOBILE).last_code()
    message = Message.objects.get(template_key="selfbook_code_sms")
    pages = [
        desk_client.get(reverse("notifications:message_list")),
        desk_client.get(reverse("notifications:message_detail", args=[message.pk])),
    ]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200 and "予約の確認コードは ●●●●●● です" in text
        assert code not in text
