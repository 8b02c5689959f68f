"""Credentials the provider refuses (Twilio 401/403) pause sending instead of failing every
queued message: staff see why on the message pages, one message tries again now and then, and
sending resumes by itself when the settings change, or when staff ask."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_q.models import OrmQ

from notifications.models import Message, SendingPause, Status
from notifications.services import (
    MessageSpec,
    NotifyError,
    message_send,
    messages_queue,
    messages_send_due,
    sending_resume,
)
from tests.notifications.conftest import SID, TOKEN

pytestmark = pytest.mark.django_db

NEW_TOKEN = "rotated-auth-token"
PROBE_EVERY = datetime.timedelta(seconds=300)


@pytest.fixture
def rotated(stub, settings):
    """Twilio now takes only a new auth token; the settings still hold the old one."""
    settings.NOTIFY_PAUSE_PROBE_SECONDS = 300
    stub.credentials = (SID, NEW_TOKEN)
    return stub


def queue(n=3, now=None):
    return messages_queue(
        [
            MessageSpec(
                channel="sms",
                to=f"+8190111100{i:02d}",
                purpose="reminder",
                template_key="reminder_sms",
                text=f"明日の教室のお知らせ {i}",
                key=f"pause:{i}",
            )
            for i in range(n)
        ],
        now=now or timezone.now(),
    )


def statuses():
    return sorted(Message.objects.values_list("status", "attempts"))


def test_refused_credentials_pause_sending_and_fail_nothing(rotated):
    first, *_ = queue()
    now = timezone.now()
    assert messages_send_due(now=now) == {"resumed": 0, "resolved": 0, "sent": 0, "paused": True}
    # One request told: the other messages were not tried, and none is failed or counted.
    assert len(rotated.requests) == 1 and rotated.sent() == []
    assert statuses() == [("queued", 0)] * 3
    first.refresh_from_db()
    with translation.override("en"):
        said = first.events.last().text()
    assert said == (
        "Twilio 401 20003: Unable to create record: Authenticate: sending paused; "
        "not counted as an attempt"
    )
    pause = SendingPause.objects.get()
    assert pause.ended_at is None and "20003" in pause.error

    # A task that sends one message, meanwhile, sends nothing.
    assert message_send(message_id=first.pk, now=now) is None
    assert messages_send_due(now=now + PROBE_EVERY - datetime.timedelta(seconds=1))["paused"]
    assert len(rotated.requests) == 1


def test_one_message_tries_again_every_few_minutes(rotated):
    queue()
    now = timezone.now()
    messages_send_due(now=now)
    later = now + PROBE_EVERY
    assert messages_send_due(now=later)["paused"]  # the probe: refused again
    assert len(rotated.requests) == 2
    assert messages_send_due(now=later + datetime.timedelta(seconds=10))["paused"]
    assert len(rotated.requests) == 2
    assert statuses() == [("queued", 0)] * 3
    assert SendingPause.objects.count() == 1

    rotated.credentials = None  # fixed on Twilio's side (the account paid, say)
    done = messages_send_due(now=later + PROBE_EVERY)
    assert (done["sent"], done["paused"]) == (3, False)
    assert SendingPause.objects.get().ended_why == "sent_again"
    assert statuses() == [("sent", 1)] * 3


def test_new_credentials_in_the_settings_resume_sending_at_once(rotated, settings, desk_client):
    queue()
    messages_send_due()
    page = desk_client.get(reverse("notifications:message_list")).content.decode()
    assert "送信を一時停止しています" in page
    assert "TWILIO_AUTH_TOKEN" in page and "20003" in page

    settings.TWILIO_AUTH_TOKEN = NEW_TOKEN
    page = desk_client.get(reverse("notifications:message_list")).content.decode()
    assert "設定が変更されました" in page
    assert messages_send_due()["sent"] == 3
    assert len(rotated.sent()) == 3 and all(
        r["auth"] == f"{SID}:{NEW_TOKEN}" for r in rotated.sent()
    )
    pause = SendingPause.objects.get()
    assert (pause.ended_why, pause.ended_by) == ("settings_changed", None)
    assert (
        "送信を一時停止しています"
        not in desk_client.get(reverse("notifications:message_list")).content.decode()
    )


def test_missing_credentials_pause_sending_too(stub, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    queue(1)
    assert messages_send_due()["paused"] and stub.requests == []
    assert "not configured" in SendingPause.objects.get().error
    settings.TWILIO_AUTH_TOKEN = TOKEN
    assert messages_send_due()["sent"] == 1


def test_the_message_page_says_why_and_staff_can_try_again_now(
    rotated,
    desk_client,
    desk_user,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    (message,) = queue(1)
    messages_send_due()
    detail = desk_client.get(reverse("notifications:message_detail", args=[message.pk]))
    html = detail.content.decode()
    assert "送信を一時停止しています" in html
    assert "処理待ちのメッセージは送信されずに待機しています" in html
    assert "5分ごとに1件ずつ再試行します" in html
    assert reverse("notifications:sending_resume") in html
    # session, user, roles, count, page of messages, the pause
    with django_assert_max_num_queries(6):
        desk_client.get(reverse("notifications:message_list"))

    with django_capture_on_commit_callbacks(execute=True):
        answer = desk_client.post(reverse("notifications:sending_resume"), follow=True)
    assert "送信を再開します" in answer.content.decode()
    pause = SendingPause.objects.get()
    assert (pause.ended_why, pause.ended_by) == ("staff", desk_user)
    # A sender pass is queued at once; the credentials are still refused, so it pauses again.
    assert [task.func() for task in OrmQ.objects.all()] == ["notifications.tasks.send_due"]
    assert messages_send_due()["paused"]
    assert SendingPause.objects.open().count() == 1 and SendingPause.objects.count() == 2
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)

    again = desk_client.post(reverse("notifications:sending_resume"), follow=True)
    assert "送信を再開します" in again.content.decode()
    with pytest.raises(NotifyError):
        sending_resume(user=desk_user)


def test_a_refused_lookup_pauses_too_and_the_outcome_stays_unknown(stub, settings, clock):
    settings.TWILIO_TIMEOUT = 0.3
    stub.hang_next()
    (message,) = queue(1)
    assert message_send(message_id=message.pk) == Status.UNKNOWN
    stub.credentials = (SID, NEW_TOKEN)
    clock.shift(60)
    assert messages_send_due()["paused"]
    message.refresh_from_db()
    assert message.status == Status.UNKNOWN and len(stub.sent()) == 1
    settings.TWILIO_AUTH_TOKEN = NEW_TOKEN
    assert messages_send_due()["resolved"] == 1
    message.refresh_from_db()
    assert message.status == Status.SENT and len(stub.sent()) == 1
