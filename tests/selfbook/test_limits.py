"""A script cannot use the booking form to send text messages in bulk: limits per client
address (the shared cache), per number and for the whole site in a day (the database), and
nothing at night."""

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from notifications.models import Message
from selfbook.models import CodeSend, WebBooking
from selfbook.services import webbookings_purge
from tests.factories import tokyo

pytestmark = pytest.mark.django_db


def form(number, **overrides):
    data = {
        "family_name": "試験",
        "given_name": "太郎",
        "family_name_kana": "しけん",
        "given_name_kana": "たろう",
        "phone": number,
        "consent_contact": "on",
        "nonce": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


@pytest.fixture
def session(make):
    return make.session(capacity=100)


def post(client, session, number, **extra):
    return client.post(reverse("selfbook:session", args=[session.pk]), form(number), **extra)


def test_fifty_numbers_from_one_address_send_at_most_ten_codes(client, session, stub):
    answers = [post(client, session, f"090-5555-{n:04d}") for n in range(50)]

    assert [a.status_code for a in answers[:10]] == [302] * 10
    assert {a.status_code for a in answers[10:]} == {429}
    assert "1時間ほどたってから" in answers[-1].content.decode()
    from notifications.services import messages_send_due

    messages_send_due()
    assert len(stub.sent("sms")) == 10  # the other forty numbers got nothing
    assert Message.objects.count() == 10 and WebBooking.objects.count() == 10


def test_the_address_is_read_behind_the_trusted_proxy(client, session, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        assert post(client, session, f"090-5555-{n:04d}", HTTP_X_FORWARDED_FOR="203.0.113.7")[
            "Location"
        ]
    # A client cannot pick a new address by writing one itself: the proxy's is what counts.
    refused = post(
        client, session, "090-5555-0099", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )
    assert refused.status_code == 429
    other = post(client, session, "090-5555-0098", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302


def test_one_number_gets_at_most_three_codes_a_day_whatever_the_cache_forgets(
    client, session, _frozen_clock
):
    for _ in range(3):
        assert post(client, session, "090-7777-0001").status_code == 302
    cache.clear()  # a restart, a flushed Redis: the database still counts
    refused = post(client, session, "090-7777-0001")
    assert refused.status_code == 200
    assert "今日はこれ以上確認コードを送れません" in refused.content.decode()
    assert Message.objects.count() == 3
    # Asking for a new code on the code page counts too.
    code_page = WebBooking.objects.first()
    page = client.post(reverse("selfbook:code", args=[code_page.token]), {"resend": "1"})
    assert "今日はこれ以上確認コードを送れません" in page.content.decode()
    assert Message.objects.count() == 3
    # A day later the number may ask again.
    _frozen_clock.shift(datetime.timedelta(hours=24, seconds=1))
    assert post(client, session, "090-7777-0001").status_code == 302


def test_the_codes_are_counted_by_a_keyed_hash_not_the_number(client, session):
    post(client, session, "090-7777-0002")
    (sent,) = CodeSend.objects.all()
    assert "7777" not in sent.phone_hash and len(sent.phone_hash) == 64


def test_a_daily_cap_for_the_whole_site(client, session, settings):
    settings.SELFBOOK_CODES_PER_DAY = 2
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(2):
        assert post(client, session, f"090-6666-000{n}").status_code == 302
    refused = post(client, session, "090-6666-0009", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert "本日のウェブ予約の受付は終わりました" in refused.content.decode()
    assert Message.objects.count() == 2


def test_no_code_is_sent_at_night(client, session, settings, _frozen_clock):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:00", "09:00"
    _frozen_clock.move_to(tokyo(2026, 6, 17, 21, 30))
    session.starts_at, session.ends_at = tokyo(2026, 6, 25, 10), tokyo(2026, 6, 25, 12)
    session.save()
    refused = post(client, session, "090-7777-0003")
    text = refused.content.decode()
    assert "夜間（21:00〜09:00）はSMSを送れません" in text and "お電話でご予約ください" in text
    assert 'value="しけん"' in text  # what was typed is kept
    assert not Message.objects.exists() and not WebBooking.objects.exists()
    _frozen_clock.move_to(tokyo(2026, 6, 18, 9, 0))
    assert post(client, session, "090-7777-0003").status_code == 302


def test_requests_never_confirmed_are_deleted_after_a_day(client, session, _frozen_clock):
    post(client, session, "090-7777-0004")
    assert webbookings_purge() == (0, 0)
    _frozen_clock.shift(datetime.timedelta(days=1, minutes=1))
    assert webbookings_purge() == (1, 0)
    _frozen_clock.shift(datetime.timedelta(days=1))
    assert webbookings_purge() == (0, 1)
