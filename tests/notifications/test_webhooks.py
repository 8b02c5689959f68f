"""Twilio's webhooks: signed or refused; delivery reports, STOP replies, and the keys pressed in
a voice call (2 cancels the booking through the booking service and offers the seat on)."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from classes import notify
from classes.booking import booking_cancel, booking_create
from classes.models import BookingEvent, BookingStatus
from notifications.models import Message, OptOut, Status
from notifications.services import message_send
from tests.factories import tokyo
from tests.notifications.conftest import BASE, TOKEN

pytestmark = pytest.mark.django_db


def post_signed(client, url, data, token=TOKEN):
    signature = RequestValidator(token).compute_signature(BASE + url, data)
    return client.post(url, data, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def seat_and_waitlist(make, desk_user):
    """A one-seat session tomorrow (as seen on 9 Dec): a voice resident holds the seat, an SMS
    resident waits."""
    session = make.session(starts_at=tokyo(2031, 12, 10, 13, 30), capacity=1)
    holder = make.resident(preferred_contact="voice", phone_mobile="+819012340001")
    waiting = make.resident(preferred_contact="sms", phone_mobile="+819012340002")
    seat = booking_create(session_id=session.pk, resident_id=holder.pk, user=desk_user).booking
    queue = booking_create(session_id=session.pk, resident_id=waiting.pk, user=desk_user).booking
    return seat, queue


@pytest.fixture
def voice_reminder(seat_and_waitlist):
    (message,), _calls = notify.day_before_reminders(now=tokyo(2031, 12, 9, 10, 0))
    assert message.channel == "voice"
    return message


def test_unsigned_or_wrongly_signed_calls_are_refused(client, voice_reminder):
    url = reverse("notifications:hook_voice", args=[voice_reminder.token])
    assert client.post(url, {"Digits": "2"}).status_code == 403
    assert post_signed(client, url, {"Digits": "2"}, token="another-token").status_code == 403
    signature = RequestValidator(TOKEN).compute_signature(BASE + url, {"Digits": "1"})
    forged = client.post(url, {"Digits": "2"}, HTTP_X_TWILIO_SIGNATURE=signature)
    assert forged.status_code == 403
    assert client.get(url).status_code == 405
    voice_reminder.refresh_from_db()
    assert voice_reminder.answer == ""


def test_pressing_2_cancels_the_booking_and_offers_the_seat_on(
    client, stub, seat_and_waitlist, voice_reminder, followups
):
    seat, queue = seat_and_waitlist
    assert message_send(message_id=voice_reminder.pk, now=tokyo(2031, 12, 9, 10, 0)) == "sent"
    (call,) = stub.sent("voice")
    action = ET.fromstring(call["form"]["Twiml"]).find("Gather").get("action")
    path = action.removeprefix(BASE)

    response = post_signed(client, path, {"Digits": "2", "CallSid": call["sid"]})
    followups.run()

    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert "キャンセルを承りました" in response.content.decode()
    seat.refresh_from_db()
    queue.refresh_from_db()
    assert (seat.status, seat.cancel_reason) == ("cancelled", "by_resident")
    assert BookingEvent.objects.filter(booking=seat).last().note == "answered by voice"
    assert queue.status == BookingStatus.OFFERED
    voice_reminder.refresh_from_db()
    assert voice_reminder.answer == "cancel"
    # The next in line hears of the seat by SMS, with the link to take or decline it.
    offer = Message.objects.get(purpose="offer")
    assert (offer.booking_id, offer.channel) == (queue.pk, "sms")
    assert f"{BASE}/t/" in offer.text

    again = post_signed(client, path, {"Digits": "2"})  # Twilio retries: nothing new happens
    assert again.status_code == 200
    assert BookingEvent.objects.filter(booking=seat, to_status="cancelled").count() == 1


def test_pressing_1_confirms_and_9_repeats(client, voice_reminder, seat_and_waitlist):
    url = reverse("notifications:hook_voice", args=[voice_reminder.token])
    repeat = post_signed(client, url, {"Digits": "9"})
    assert ET.fromstring(repeat.content).find("Gather") is not None
    voice_reminder.refresh_from_db()
    assert voice_reminder.answer == ""
    confirm = post_signed(client, url, {"Digits": "1"})
    assert "ありがとうございます" in confirm.content.decode()
    voice_reminder.refresh_from_db()
    assert voice_reminder.answer == "confirm"
    seat, _queue = seat_and_waitlist
    seat.refresh_from_db()
    assert seat.status == BookingStatus.BOOKED


def test_an_offer_taken_by_pressing_1(client, make, desk_user, followups):
    session = make.session(capacity=1)
    holder = make.resident(preferred_contact="staff_call")
    seat = booking_create(session_id=session.pk, resident_id=holder.pk, user=desk_user).booking
    waiting = make.resident(preferred_contact="voice", phone_mobile="+819012340003")
    queue = booking_create(session_id=session.pk, resident_id=waiting.pk, user=desk_user).booking
    booking_cancel(booking_id=seat.pk, user=desk_user)
    followups.run()
    offer = Message.objects.get(purpose="offer")
    post_signed(client, reverse("notifications:hook_voice", args=[offer.token]), {"Digits": "1"})
    followups.run()
    queue.refresh_from_db()
    assert queue.status == BookingStatus.BOOKED


def test_delivery_reports_move_the_status_forward_only(client, voice_reminder):
    url = reverse("notifications:hook_status", args=[voice_reminder.token])
    Message.objects.filter(pk=voice_reminder.pk).update(status=Status.SENT, sent_at=timezone.now())
    assert (
        post_signed(client, url, {"CallStatus": "completed", "CallSid": "CA1"}).status_code == 204
    )
    assert post_signed(client, url, {"CallStatus": "ringing"}).status_code == 204
    voice_reminder.refresh_from_db()
    assert voice_reminder.status == Status.DELIVERED and voice_reminder.delivered_at
    assert post_signed(client, url, {"MessageStatus": "undelivered"}).status_code == 204
    voice_reminder.refresh_from_db()
    assert voice_reminder.status == Status.DELIVERED
    unknown = reverse("notifications:hook_status", args=["no-such-token"])
    assert post_signed(client, unknown, {"MessageStatus": "delivered"}).status_code == 404


def test_an_undelivered_sms_is_marked_undeliverable(client, voice_reminder):
    url = reverse("notifications:hook_status", args=[voice_reminder.token])
    Message.objects.filter(pk=voice_reminder.pk).update(status=Status.SENT, sent_at=timezone.now())
    post_signed(client, url, {"MessageStatus": "undelivered", "ErrorCode": "30003"})
    voice_reminder.refresh_from_db()
    assert voice_reminder.status == Status.UNDELIVERABLE and "30003" in voice_reminder.error


def test_replying_stop_opts_the_number_out(client):
    url = reverse("notifications:hook_sms")
    response = post_signed(client, url, {"From": "+819012340001", "Body": "停止"})
    assert response.status_code == 200
    assert "配信を停止しました" in response.content.decode()
    assert OptOut.objects.filter(phone="+819012340001").exists()
    assert client.post(url, {"From": "+819012340009", "Body": "STOP"}).status_code == 403
    assert not OptOut.objects.filter(phone="+819012340009").exists()
