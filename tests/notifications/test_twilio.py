"""The real twilio client against a local stub of Twilio's API: what is sent, and how errors
are told apart (temporary: retry later; permanent: stop and show staff; unknown: ask Twilio
before any retry, so that a resident never gets a message twice)."""

import datetime
import socket
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message, Status
from notifications.services import MessageSpec, message_queue, message_send, messages_send_due
from notifications.transports import TwilioSMS
from tests.notifications.conftest import FROM, SID, TOKEN
from tests.notifications.test_webhooks import post_signed

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)
# The first retry delay in these tests (conftest): an unanswered send is looked up after it.
LOOKUP_AFTER = 60 * SECOND
# The stub stamps its records with the test's clock: tests that look records up run on it.


@pytest.fixture
def short_timeout(settings):
    settings.TWILIO_TIMEOUT = 0.3  # a hung request fails in 0.3 s, not 15


def queue(channel="sms", to="+819011112222", key="k1", text="明日 10:00 スマホ教室です。"):
    return message_queue(
        MessageSpec(
            channel=channel,
            to=to,
            purpose="reminder",
            template_key=f"reminder_{channel}",
            text=text,
            key=key,
            booking_id=7,
        ),
        now=timezone.now(),
    )


def history(message):
    return list(message.events.values_list("status", flat=True))


def test_an_sms_goes_through_the_real_client(stub):
    message = queue()
    assert message_send(message_id=message.pk) == Status.SENT
    (request,) = stub.sent("sms")
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Messages.json"
    assert request["auth"] == f"{SID}:{TOKEN}"
    assert request["form"]["To"] == "+819011112222"
    assert request["form"]["From"] == FROM
    assert request["form"]["Body"] == "明日 10:00 スマホ教室です。"
    assert request["form"]["StatusCallback"] == (
        f"https://tsunagu.example.jp/notifications/hooks/status/{message.token}/"
    )
    message.refresh_from_db()
    assert message.provider_id == request["sid"]


def test_a_voice_call_reads_japanese_twiml_with_a_keypad_choice(stub):
    message = queue(
        channel="voice", text="明日、6月3日、10時から、中央公民館で、スマホ教室があります。"
    )
    assert message_send(message_id=message.pk) == Status.SENT
    (request,) = stub.sent("voice")
    assert request["path"].endswith("/Calls.json")
    # Twilio tells the callback (our token) the call's sid when it dials, and when it ends.
    assert request["form_lists"]["StatusCallbackEvent"] == ["initiated", "completed"]
    twiml = ET.fromstring(request["form"]["Twiml"])
    gather = twiml.find("Gather")
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == (
        f"https://tsunagu.example.jp/notifications/hooks/voice/{message.token}/"
    )
    says = gather.findall("Say")
    assert all(say.get("language") == "ja-JP" for say in says)
    assert says[0].find("prosody").text.startswith("明日、6月3日、10時から")
    assert "1を" in says[1].text and "2を" in says[1].text and "9を" in says[1].text


@pytest.mark.parametrize("status, code", [(429, 20429), (500, 20500), (503, 20503)])
def test_a_temporary_error_is_retried_later_with_backoff(stub, status, code):
    """Twilio's own error answer says the request failed: retried without a lookup."""
    stub.fail_next(status, code)
    message = queue()
    now = timezone.now()
    assert message_send(message_id=message.pk, now=now) == Status.QUEUED
    message.refresh_from_db()
    assert message.not_before == now + LOOKUP_AFTER
    assert str(status) in message.error and not stub.sent()
    assert messages_send_due(now=now + 59 * SECOND)["sent"] == 0
    assert messages_send_due(now=now + 60 * SECOND)["sent"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert len(stub.sent()) == 1 and stub.lookups() == []


def test_temporary_errors_give_up_after_the_last_retry(stub):
    stub.fail_next(500, 20500, count=3)
    message = queue()
    later = timezone.now()
    for delay in (0, 60, 300):
        later += delay * SECOND
        message_send(message_id=message.pk, now=later)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert len(stub.requests) == 3


def test_an_invalid_number_fails_at_once_and_stays_failed(stub):
    stub.invalid_numbers.add("+819099998888")
    message = queue(to="+819099998888")
    assert message_send(message_id=message.pk) == Status.FAILED
    message.refresh_from_db()
    assert "21211" in message.error and message.attempts == 1
    assert messages_send_due(now=timezone.now() + datetime.timedelta(days=1))["sent"] == 0
    assert len(stub.requests) == 1


def test_a_refused_connection_is_temporary_and_retried_without_a_lookup(stub):
    stub.stop()  # nothing listens there any more: the request cannot have been sent
    message = queue()
    assert message_send(message_id=message.pk) == Status.QUEUED
    message.refresh_from_db()
    assert "ConnectionError" in message.error and history(message) == ["queued", "queued"]


# --- an answer that never came -----------------------------------------------------------------


@pytest.mark.parametrize("misbehave", ["hang_next", "reset_next"])
def test_an_sms_accepted_whose_answer_never_came_is_sent_exactly_once(
    stub, short_timeout, clock, misbehave
):
    getattr(stub, misbehave)()  # Twilio takes the SMS, then the answer is lost
    message = queue()
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    message.refresh_from_db()
    assert message.status == Status.UNKNOWN and message.attempts == 1
    assert ("ReadTimeout" if misbehave == "hang_next" else "ConnectionError") in message.error
    (accepted,) = stub.sent("sms")

    # No retry, and no lookup yet: Twilio's list may not show it for a moment.
    assert messages_send_due() == {"resumed": 0, "resolved": 0, "sent": 0, "paused": False}
    assert stub.lookups() == [] and len(stub.sent()) == 1

    clock.shift(LOOKUP_AFTER)
    assert messages_send_due() == {"resumed": 0, "resolved": 1, "sent": 0, "paused": False}
    message.refresh_from_db()
    assert (message.status, message.provider_id, message.attempts) == (
        "sent",
        accepted["sid"],
        1,
    )
    assert len(stub.sent()) == 1  # exactly once
    (lookup,) = stub.lookups("sms")
    assert lookup["query"]["To"] == "+819011112222" and lookup["query"]["From"] == FROM
    assert history(message) == ["queued", "unknown", "sent"]
    events = message.events.all()
    assert "送信会社に届いている可能性がある" in events[1].text()
    assert f"送信会社に記録がありました（{accepted['sid']}）" in events[2].text()


def test_the_lookup_looks_from_the_attempt_not_from_when_the_message_was_logged(
    stub, short_timeout, clock
):
    # Logged for a later day (as a batch prepared ahead is); sent, and not answered, now.
    message = message_queue(
        MessageSpec(
            channel="sms",
            to="+819011112222",
            purpose="reminder",
            template_key="reminder_sms",
            text="来月の教室のお知らせです。",
            key="ahead",
        ),
        now=timezone.now() + datetime.timedelta(days=30),
    )
    Message.objects.filter(pk=message.pk).update(not_before=None)
    stub.hang_next()
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    message.refresh_from_db()
    assert message.status == Status.SENT and len(stub.sent()) == 1


def test_an_sms_the_provider_never_took_is_sent_again_once(stub, short_timeout, clock):
    stub.drop_next()  # the connection is reset before Twilio took the request
    message = queue()
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    assert stub.sent() == []

    clock.shift(LOOKUP_AFTER)
    assert messages_send_due() == {"resumed": 0, "resolved": 1, "sent": 1, "paused": False}
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    (sent,) = stub.sent("sms")
    assert message.provider_id == sent["sid"]
    assert history(message) == ["queued", "unknown", "queued", "sent"]


def test_the_lookup_waits_because_twilios_lists_lag(stub, short_timeout, clock):
    stub.list_lag = 30  # a new record shows in Twilio's lists 30 s after it was taken
    stub.hang_next()
    message = queue()
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    # Asked at once, Twilio would not know it yet, and the SMS would go twice.
    since = message.created_at - datetime.timedelta(minutes=2)
    assert TwilioSMS().find_sent(message, since) == []
    stub.requests.clear()

    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    message.refresh_from_db()
    assert message.status == Status.SENT and len(stub.sent()) == 1


def test_a_gateway_timeout_is_an_unknown_outcome(stub, clock):
    """A 504 without Twilio's error body came from a gateway that may have passed it on."""
    stub.fail_next(504, None)
    message = queue()
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)  # not found, so sent again
    assert len(stub.lookups()) == 1 and len(stub.sent()) == 1


def test_the_lookup_failing_keeps_asking_and_never_sends_blind(stub, short_timeout, clock):
    stub.hang_next()
    message = queue()
    message_send(message_id=message.pk)
    stub.down = True  # Twilio answers 503 to the lookup too
    clock.shift(LOOKUP_AFTER)
    assert messages_send_due()["resolved"] == 0
    message.refresh_from_db()
    assert message.status == Status.UNKNOWN and len(stub.sent()) == 1
    assert "送信会社に確認できませんでした" in message.events.last().text()
    stub.down = False
    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    message.refresh_from_db()
    assert message.status == Status.SENT and len(stub.sent()) == 1


def test_an_unknown_outcome_without_retries_left_fails_when_twilio_has_nothing(
    stub, short_timeout, clock
):
    stub.fail_next(500, 20500, count=2)
    message = queue()
    for delay in (0, 60):
        clock.shift(delay)
        message_send(message_id=message.pk)
    stub.drop_next()  # the third and last attempt gets no answer, and never got in
    clock.shift(300)
    message_send(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("unknown", 3)
    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    message.refresh_from_db()
    assert message.status == Status.FAILED and stub.sent() == []


def test_a_status_callback_settles_an_unknown_outcome_at_once(client, stub, short_timeout):
    stub.hang_next()
    message = queue(channel="voice", text="明日、スマホ教室があります。")
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    (call,) = stub.sent("voice")
    # Twilio dials and tells the message's own callback the call's sid.
    url = reverse("notifications:hook_status", args=[message.token])
    post_signed(client, url, {"CallStatus": "initiated", "CallSid": call["sid"]})
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", call["sid"])
    assert messages_send_due(now=timezone.now() + LOOKUP_AFTER)["resolved"] == 0
    assert stub.lookups() == [] and len(stub.sent()) == 1


def test_a_callback_naming_the_record_stops_a_retry(client, stub):
    """Twilio answered 500, yet took the SMS: its status callback says so before the retry."""
    stub.fail_next(500, 20500)
    message = queue()
    assert message_send(message_id=message.pk) == Status.QUEUED
    url = reverse("notifications:hook_status", args=[message.token])
    post_signed(client, url, {"MessageStatus": "sent", "MessageSid": "SM" + "f" * 32})
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "SM" + "f" * 32)
    assert messages_send_due(now=timezone.now() + LOOKUP_AFTER)["sent"] == 0
    assert stub.sent() == []


# --- whose record is it --------------------------------------------------------------------------


def test_a_call_is_matched_to_its_own_message_not_an_earlier_call_to_the_number(
    stub, short_timeout, clock
):
    earlier = queue(channel="voice", key="reminder", text="明日、スマホ教室があります。")
    assert message_send(message_id=earlier.pk) == Status.SENT
    moved = queue(channel="voice", key="moved", text="教室の日時が変わりました。")
    stub.drop_next()  # this call never got to Twilio
    assert message_send(message_id=moved.pk) == Status.UNKNOWN
    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    moved.refresh_from_db()
    # The earlier call to the same number is the reminder's: this one is made now.
    first, second = stub.sent("voice")
    assert (moved.status, moved.attempts, moved.provider_id) == ("sent", 2, second["sid"])
    earlier.refresh_from_db()
    assert earlier.provider_id == first["sid"]


def test_the_same_text_to_a_shared_number_is_told_apart(stub, short_timeout, clock):
    """Two residents on one home number get the same reminder text: one was sent, the other's
    request never got in. The other is sent, not taken for the first."""
    sent = queue(key="resident-1")
    assert message_send(message_id=sent.pk) == Status.SENT
    other = queue(key="resident-2")
    stub.drop_next()
    assert message_send(message_id=other.pk) == Status.UNKNOWN
    clock.shift(LOOKUP_AFTER)
    messages_send_due()
    other.refresh_from_db()
    assert other.status == Status.SENT and len(stub.sent("sms")) == 2
    assert other.provider_id == stub.sent("sms")[1]["sid"]


def test_a_stopped_worker_that_had_sent_is_not_sent_again(stub, settings, clock):
    settings.NOTIFY_STALE_SECONDS = 60
    message = queue()
    now = timezone.now()
    # A worker claimed it, Twilio accepted it, and the worker died before writing it down.
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=now, attempts=1)
    TwilioSMS().send(message)
    other = queue(key="k2", to="+819033334444")  # its worker died before sending
    Message.objects.filter(pk=other.pk).update(status=Status.SENDING, claimed_at=now, attempts=1)

    clock.shift(5 * 60)
    assert messages_send_due() == {"resumed": 2, "resolved": 2, "sent": 1, "paused": False}
    message.refresh_from_db()
    other.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", stub.sent()[0]["sid"])
    assert (other.status, other.attempts) == ("sent", 2)
    assert [r["form"]["To"] for r in stub.sent()] == ["+819011112222", "+819033334444"]


def test_the_stub_takes_no_send_from_a_client_that_died_before_its_body(stub):
    # A worker killed between the request's headers and its body: the real API never sees the
    # request whole, and the cluster test counts the stub's sends as what reached Twilio.
    url = urlsplit(stub.url)
    path = f"/2010-04-01/Accounts/{SID}/Messages.json"
    with socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 80\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\nBody=abc".encode()
        )
    assert message_send(message_id=queue().pk) == Status.SENT
    assert [r["form"]["To"] for r in stub.sent()] == ["+819011112222"]
