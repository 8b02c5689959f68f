"""A reminder, offer or cancellation notice that did not reach the resident (a call nobody
answered, an SMS the network could not deliver, a message that failed when sent) puts them on
the staff's call list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classes import notify
from classes.booking import booking_cancel, booking_create
from followups.services import followups_run_due
from notifications.models import Call, Message, Status
from notifications.services import message_send
from residents.models import Contact, Resident
from residents.services import resident_update
from tests.factories import tokyo
from tests.notifications.test_webhooks import post_signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued_reminders(make, desk_user):
    """Tomorrow (as seen on 9 Dec 2031) at 13:30: one resident reminded by a voice call, one by
    SMS; the reminders are queued."""
    session = make.session(starts_at=tokyo(2031, 12, 10, 13, 30), capacity=5)
    by_voice = make.resident(
        family_name="音声", preferred_contact="voice", phone_mobile="", phone_home="0982-52-1111"
    )
    by_sms = make.resident(family_name="携帯", preferred_contact="sms", phone_mobile="09012340002")
    for resident in (by_voice, by_sms):
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    messages, _calls = notify.day_before_reminders(now=tokyo(2031, 12, 9, 10, 0))
    return {message.channel: message for message in messages}


@pytest.fixture
def reminders(queued_reminders):
    """The same reminders, sent."""
    Message.objects.update(status=Status.SENT, sent_at=timezone.now())
    return queued_reminders


def report(client, message, **data):
    """Twilio's status callback, then what follows it, as the task cluster would run it."""
    url = reverse("notifications:hook_status", args=[message.token])
    assert post_signed(client, url, data).status_code == 204
    followups_run_due()


def open_calls(client):
    return client.get(reverse("notifications:call_list")).context["open_calls"]


def test_a_reminder_call_nobody_answers_goes_on_the_call_list_once(desk_client, reminders):
    voice = reminders["voice"]
    report(desk_client, voice, CallStatus="no-answer", CallSid="CA1")
    report(desk_client, voice, CallStatus="no-answer", CallSid="CA1")  # Twilio sends it again

    voice.refresh_from_db()
    assert voice.status == Status.UNDELIVERABLE
    (call,) = open_calls(desk_client)
    assert (call.purpose, call.booking_id) == ("reminder", voice.booking_id)
    assert call.who.startswith("音声 ") and call.phone == "0982-52-1111"
    # The reminder's own script, as read on the day of the call (today, years before the
    # session in this test): the date, not 「明日」.
    assert "12月10日（水）13:30 から" in call.script and "明日" not in call.script
    page = desk_client.get(reverse("notifications:call_list")).content.decode()
    assert "自動音声の電話がつながりませんでした" in page
    assert Call.objects.count() == 1


def test_an_undelivered_reminder_sms_goes_on_the_call_list(desk_client, reminders):
    report(desk_client, reminders["sms"], MessageStatus="undelivered", ErrorCode="30003")
    (call,) = open_calls(desk_client)
    assert call.phone == "090-1234-0002"
    assert call.unreached_note == "SMS が届きませんでした。"


def test_a_delivered_or_answered_message_adds_no_call(desk_client, reminders):
    report(desk_client, reminders["voice"], CallStatus="completed", CallSid="CA1")
    report(desk_client, reminders["sms"], MessageStatus="delivered")
    # A late failure report cannot move a delivered message back, nor add a call.
    report(desk_client, reminders["sms"], MessageStatus="undelivered")
    assert open_calls(desk_client) == []


def test_no_call_once_it_no_longer_matters(desk_client, desk_user, reminders):
    voice, sms = reminders["voice"], reminders["sms"]
    booking_cancel(booking_id=voice.booking_id, user=desk_user)  # cancelled by then
    report(desk_client, voice, CallStatus="busy")
    resident = Resident.objects.get(pk=sms.resident_id)
    resident_update(resident=resident, user=desk_user, preferred_contact=Contact.NONE)
    report(desk_client, sms, MessageStatus="failed")  # asked not to be contacted since
    assert open_calls(desk_client) == []
    assert Message.objects.filter(status=Status.UNDELIVERABLE).count() == 2


def test_an_unanswered_offer_call_goes_on_the_call_list(desk_client, make, desk_user, followups):
    session = make.session(capacity=1)
    holder = make.resident(preferred_contact="staff_call")
    seat = booking_create(session_id=session.pk, resident_id=holder.pk, user=desk_user).booking
    waiting = make.resident(preferred_contact="voice", phone_mobile="+819012340003")
    booking_create(session_id=session.pk, resident_id=waiting.pk, user=desk_user)
    booking_cancel(booking_id=seat.pk, user=desk_user)
    followups.run()
    offer = Message.objects.get(purpose="offer")
    Message.objects.filter(pk=offer.pk).update(status=Status.SENT, sent_at=timezone.now())
    report(desk_client, offer, CallStatus="no-answer")
    (call,) = open_calls(desk_client)
    assert call.purpose == "offer" and "空きが出ました" in call.script


def test_a_reminder_sms_that_fails_when_sent_goes_on_the_call_list(
    desk_client, stub, queued_reminders, followups
):
    sms = queued_reminders["sms"]
    stub.invalid_numbers.add(sms.to)  # Twilio: 21211, not a valid number
    assert message_send(message_id=sms.pk) == Status.FAILED
    followups.run()
    (call,) = open_calls(desk_client)
    assert (call.purpose, call.booking_id, call.phone) == (
        "reminder",
        sms.booking_id,
        "090-1234-0002",
    )
    assert call.unreached_note == "SMS が届きませんでした。"
    assert call.key == f"unreached:{sms.key}"


def test_a_reminder_call_whose_retries_run_out_goes_on_the_call_list(
    desk_client, stub, queued_reminders, followups
):
    voice = queued_reminders["voice"]
    stub.fail_next(500, 20500, count=3)
    now = timezone.now()
    for delay in (0, 60, 300):
        now += datetime.timedelta(seconds=delay)
        assert open_calls(desk_client) == []  # not while a retry may still get through
        message_send(message_id=voice.pk, now=now)
        followups.run()
    voice.refresh_from_db()
    assert (voice.status, voice.attempts) == ("failed", 3)
    (call,) = open_calls(desk_client)
    assert call.booking_id == voice.booking_id and "12月10日" in call.script
    assert call.unreached_note.startswith("自動音声の電話がつながりませんでした")


def test_a_message_that_goes_through_on_a_retry_adds_no_call(desk_client, stub, queued_reminders):
    sms = queued_reminders["sms"]
    stub.fail_next(503, 20503)
    now = timezone.now()
    assert message_send(message_id=sms.pk, now=now) == Status.QUEUED
    assert message_send(message_id=sms.pk, now=now + datetime.timedelta(minutes=1)) == "sent"
    assert open_calls(desk_client) == []


def test_a_failed_message_adds_no_call_once_it_no_longer_matters(
    desk_client, desk_user, stub, queued_reminders
):
    sms = queued_reminders["sms"]
    booking_cancel(booking_id=sms.booking_id, user=desk_user)
    stub.invalid_numbers.add(sms.to)
    assert message_send(message_id=sms.pk) == Status.FAILED
    assert open_calls(desk_client) == []
