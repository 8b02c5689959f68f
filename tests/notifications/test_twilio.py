"""The real twilio client against a local stub of Twilio's API: what is sent, and how errors
are told apart (temporary: retry later; permanent: stop and show staff)."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from notifications.models import Message, Status
from notifications.services import MessageSpec, message_queue, message_send, messages_send_due
from notifications.transports import TwilioSMS
from tests.factories import tokyo
from tests.notifications.conftest import FROM, SID, TOKEN

pytestmark = pytest.mark.django_db

NOON = tokyo(2031, 6, 2, 12, 0)


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
        now=NOON,
    )


def test_an_sms_goes_through_the_real_client(stub):
    message = queue()
    assert message_send(message_id=message.pk, now=NOON) == Status.SENT
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
    assert message_send(message_id=message.pk, now=NOON) == Status.SENT
    (request,) = stub.sent("voice")
    assert request["path"].endswith("/Calls.json")
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


@pytest.mark.parametrize("status, code", [(429, 20429), (500, 20500)])
def test_a_temporary_error_is_retried_later_with_backoff(stub, status, code):
    stub.fail_next(status, code)
    message = queue()
    assert message_send(message_id=message.pk, now=NOON) == Status.QUEUED
    message.refresh_from_db()
    assert message.not_before == NOON + datetime.timedelta(seconds=60)
    assert str(status) in message.error and not stub.sent()
    assert messages_send_due(now=NOON + datetime.timedelta(seconds=59))["sent"] == 0
    assert messages_send_due(now=NOON + datetime.timedelta(seconds=60))["sent"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")
    assert len(stub.sent()) == 1


def test_temporary_errors_give_up_after_the_last_retry(stub):
    stub.fail_next(500, 20500, count=3)
    message = queue()
    later = NOON
    for delay in (0, 60, 300):
        later += datetime.timedelta(seconds=delay)
        message_send(message_id=message.pk, now=later)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 3)
    assert len(stub.requests) == 3


def test_an_invalid_number_fails_at_once_and_stays_failed(stub):
    stub.invalid_numbers.add("+819099998888")
    message = queue(to="+819099998888")
    assert message_send(message_id=message.pk, now=NOON) == Status.FAILED
    message.refresh_from_db()
    assert "21211" in message.error and message.attempts == 1
    assert messages_send_due(now=NOON + datetime.timedelta(days=1))["sent"] == 0
    assert len(stub.requests) == 1


def test_a_network_failure_is_temporary(stub, settings):
    stub.stop()  # nothing listens there any more
    message = queue()
    assert message_send(message_id=message.pk, now=NOON) == Status.QUEUED


def test_a_stopped_worker_that_had_sent_is_not_sent_again(stub, settings):
    settings.NOTIFY_STALE_SECONDS = 60
    message = queue()
    # A worker claimed it, Twilio accepted it, and the worker died before writing it down.
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=NOON, attempts=1)
    TwilioSMS().send(message)
    other = queue(key="k2", text="別のお知らせ")  # same number, other text: not confused
    Message.objects.filter(pk=other.pk).update(status=Status.SENDING, claimed_at=NOON, attempts=1)

    later = NOON + datetime.timedelta(minutes=5)
    assert messages_send_due(now=later) == {"resumed": 2, "sent": 1}
    message.refresh_from_db()
    other.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", stub.sent()[0]["sid"])
    assert (other.status, other.attempts) == ("sent", 2)
    assert [r["form"]["Body"] for r in stub.sent()] == [
        "明日 10:00 スマホ教室です。",
        "別のお知らせ",
    ]
