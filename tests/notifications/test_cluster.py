"""A real django-q2 cluster on Redis with two workers; one is killed in the middle of the
batch. Every message still goes out exactly once (the claim, and the sender loop asking the
provider about messages a dead worker held)."""

import time
import uuid
from collections import Counter

import pytest
from django.db import connection

from notifications.models import Message, Status
from notifications.services import MessageSpec, messages_queue, messages_send_due
from tests.notifications.conftest import BASE, FROM, SID, TOKEN
from tests.notifications.qcluster import Cluster

MESSAGES = 60
STALE_SECONDS = 2


def cluster_env(stub):
    db = connection.settings_dict
    return {
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "NOTIFY_TRANSPORT": "twilio",
        "TWILIO_API_BASE": stub.url,
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_FROM_NUMBER": FROM,
        "PUBLIC_BASE_URL": BASE,
        "NOTIFY_QUIET_START": "00:00",
        "NOTIFY_QUIET_END": "00:00",
        "NOTIFY_STALE_SECONDS": str(STALE_SECONDS),
        "LOG_LEVEL": "INFO",
    }


def settled():
    statuses = Counter(Message.objects.values_list("status", flat=True))
    return statuses[Status.QUEUED] == 0 and statuses[Status.SENDING] <= 1


def settled_or_stalled(stub, quiet_seconds=3, timeout=30):
    """Wait until every message is out (the dead worker's own aside), or nothing has been sent
    for a few seconds."""
    deadline = time.monotonic() + timeout
    last, since = len(stub.sent()), time.monotonic()
    while not settled() and time.monotonic() < deadline:
        time.sleep(0.25)
        count = len(stub.sent())
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since > quiet_seconds:
            return


def wait_for(condition, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_one_killed_mid_batch_send_every_message_exactly_once(stub, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the cluster's worker processes share the database: PostgreSQL only")
    settings.NOTIFY_STALE_SECONDS = STALE_SECONDS
    stub.delay = 0.02  # long enough that the kill lands inside a send
    created = messages_queue(
        MessageSpec(
            channel="sms",
            to=f"+81901234{n:04d}",
            purpose="reminder",
            template_key="reminder_sms",
            text=f"明日の教室のお知らせ {n}",
            key=f"cluster:{n}",
        )
        for n in range(MESSAGES)
    )
    with Cluster(f"tsunagu-test-{uuid.uuid4().hex[:8]}", cluster_env(stub)) as cluster:
        for message in created:
            cluster.enqueue("notifications.tasks.send_message", message.pk)
        assert wait_for(lambda: len(stub.sent()) >= MESSAGES // 3, timeout=60)
        killed = cluster.kill_worker()
        assert wait_for(lambda: killed not in cluster.worker_pids, timeout=5)
        # The other worker carries on until the queue is done (or the dead worker's hold on
        # the cluster's shared queue stops it: then the sender loop below does the rest).
        settled_or_stalled(stub)
        assert len(stub.sent()) > MESSAGES // 3

    # The sender loop's pass: what the dead worker held is checked with the provider, and
    # anything still queued is sent.
    time.sleep(STALE_SECONDS + 0.5)
    messages_send_due()

    per_number = Counter(r["form"]["To"] for r in stub.sent())
    assert len(per_number) == MESSAGES, "lost messages"
    assert max(per_number.values()) == 1, "duplicates"
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {Status.SENT: MESSAGES}
