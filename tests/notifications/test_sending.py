"""The log, the claim, quiet hours, retries and opt-outs, with the console transport."""

import datetime

import pytest
from django.utils import timezone, translation
from django_q.models import OrmQ

from notifications import services
from notifications.models import Message, OptOut, Status
from notifications.services import MessageSpec, message_queue, message_send, messages_send_due
from notifications.tasks import send_message
from tests.factories import tokyo

pytestmark = pytest.mark.django_db

NOON = tokyo(2031, 6, 2, 12, 0)
HOUR = datetime.timedelta(hours=1)


def spec(key="k1", to="+819011112222", channel="sms", **extra):
    return MessageSpec(
        channel=channel,
        to=to,
        purpose="reminder",
        template_key="reminder_sms",
        text="明日の教室のお知らせです。",
        key=key,
        **extra,
    )


def test_a_message_is_logged_once_per_key_and_sent_once(caplog):
    first = message_queue(spec(), now=NOON)
    again = message_queue(spec(), now=NOON)
    assert first.pk == again.pk and Message.objects.count() == 1
    assert first.status == Status.QUEUED

    with caplog.at_level("INFO", logger="notifications.transports"):
        assert message_send(message_id=first.pk, now=NOON) == Status.SENT
        assert message_send(message_id=first.pk, now=NOON) is None  # nothing left to claim
    first.refresh_from_db()
    assert (first.status, first.attempts, first.provider_id) == ("sent", 1, f"console-{first.pk}")
    assert [r.getMessage().count("明日の教室") for r in caplog.records] == [1]
    assert "+819011112222" not in caplog.text  # the number is masked in the log
    assert list(first.events.values_list("status", flat=True)) == ["queued", "sent"]


def test_the_claim_is_a_conditional_update():
    message = message_queue(spec(), now=NOON)
    # Another worker claimed it a moment ago.
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=NOON)
    assert message_send(message_id=message.pk, now=NOON) is None
    message.refresh_from_db()
    assert message.attempts == 0


def test_quiet_hours_hold_messages_until_morning(settings):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:00", "09:00"
    late = tokyo(2031, 6, 2, 22, 30)
    message = message_queue(spec(), now=late)
    assert message.not_before == tokyo(2031, 6, 3, 9, 0)
    assert message_send(message_id=message.pk, now=late) is None
    assert messages_send_due(now=tokyo(2031, 6, 3, 8, 59))["sent"] == 0
    assert messages_send_due(now=tokyo(2031, 6, 3, 9, 0))["sent"] == 1
    early = message_queue(spec(key="k2"), now=tokyo(2031, 6, 3, 6, 0))
    assert early.not_before == tokyo(2031, 6, 3, 9, 0)
    assert services.quiet_until(tokyo(2031, 6, 3, 9, 0)) is None
    assert services.quiet_until(tokyo(2031, 6, 3, 20, 59)) is None


def test_a_number_that_opted_out_gets_nothing():
    OptOut.objects.create(phone="+819011112222", keyword="停止")
    message = message_queue(spec(), now=NOON)
    assert message.status == Status.SKIPPED_OPT_OUT
    assert message_send(message_id=message.pk, now=NOON) is None


def test_replying_stop_opts_out_and_stops_what_is_queued():
    waiting = message_queue(spec(), now=NOON)
    assert services.inbound_sms(phone="+819011112222", body=" 停止。") == "opted_out"
    waiting.refresh_from_db()
    assert waiting.status == Status.SKIPPED_OPT_OUT
    assert services.inbound_sms(phone="+819011112222", body="ｓｔｏｐ") == "opted_out"
    assert OptOut.objects.count() == 1
    assert services.inbound_sms(phone="+819011112222", body="開始") == "opted_in"
    assert not OptOut.objects.exists()
    assert services.inbound_sms(phone="+819011112222", body="ありがとう") == ""


def test_staff_can_stop_a_queued_message(desk_user):
    message = message_queue(spec(), now=NOON)
    services.message_cancel(message_id=message.pk, user=desk_user)
    message.refresh_from_db()
    assert message.status == Status.CANCELLED
    with pytest.raises(services.NotifyError):
        services.message_cancel(message_id=message.pk, user=desk_user)


def test_many_messages_in_one_go_skip_known_keys(django_assert_max_num_queries):
    message_queue(spec(key="a"), now=NOON)
    specs = [spec(key=k, to=f"+81901111{n:04d}") for n, k in enumerate("abcdefgh")]
    # known keys; opt-outs; insert messages; insert events (+ savepoints)
    with django_assert_max_num_queries(8):
        created = services.messages_queue(specs, now=NOON)
    assert sorted(m.key for m in created) == list("bcdefgh")


def test_a_stopped_worker_is_resumed_and_queued_again(settings):
    settings.NOTIFY_STALE_SECONDS = 60
    message = message_queue(spec(), now=NOON)
    Message.objects.filter(pk=message.pk).update(status=Status.SENDING, claimed_at=NOON, attempts=1)
    assert messages_send_due(now=NOON + datetime.timedelta(seconds=30)) == {
        "resumed": 0,
        "resolved": 0,
        "sent": 0,
        "paused": False,
    }
    later = NOON + datetime.timedelta(minutes=2)
    # Console has no record to check, so the message is queued again and sent.
    assert messages_send_due(now=later) == {"resumed": 1, "resolved": 1, "sent": 1, "paused": False}
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    with translation.override("en"):
        history = [(event.status, event.text()) for event in message.events.all()]
    assert history == [
        ("queued", ""),
        ("unknown", "the worker sending it stopped: asking the provider"),
        ("queued", "the provider does not have it: sending again"),
        ("sent", "attempt 2"),
    ]


def test_two_messages_to_one_number_are_never_in_flight_together():
    first = message_queue(spec(key="a"), now=NOON)
    second = message_queue(spec(key="b"), now=NOON)
    # The first one's outcome is not known yet (its answer never came).
    Message.objects.filter(pk=first.pk).update(
        status=Status.UNKNOWN, claimed_at=NOON, attempts=1, not_before=NOON + HOUR
    )
    assert message_send(message_id=second.pk, now=NOON) is None
    second.refresh_from_db()
    assert (second.status, second.attempts) == ("queued", 0)
    other_number = message_queue(spec(key="c", to="+819033334444"), now=NOON)
    assert message_send(message_id=other_number.pk, now=NOON) == Status.SENT
    # Once the first is settled (console: nothing to find, so it goes again), both go out.
    assert messages_send_due(now=NOON + HOUR)["sent"] == 2
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_sending_is_queued_as_a_task_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        message = message_queue(spec(), now=timezone.now())
        assert not OrmQ.objects.exists()  # nothing is queued before the commit
    for callback in callbacks:
        callback()
    (task,) = [q.task for q in OrmQ.objects.all()]
    assert (task["func"], task["args"]) == ("notifications.tasks.send_message", (message.pk,))
    send_message(*task["args"])
    message.refresh_from_db()
    assert message.status == Status.SENT
