"""A real django-q2 cluster on Redis with two workers.

One is killed in the middle of the batch: every message still goes out exactly once (the
claim, and the sender loop asking the provider about messages a dead worker held).

One is killed while it waits for work, holding the shared task queue's read lock: the cluster
stalls, its heartbeat goes stale, /health/ answers 503, the watchdog restarts it, and the work
queued before and during the stall is done, each message exactly once."""

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from health.tasks import HEARTBEAT_HOOK, HEARTBEAT_TASK
from notifications.models import Message, Status
from notifications.services import MessageSpec, messages_queue, messages_send_due
from tests.notifications.conftest import BASE, FROM, SID, TOKEN
from tests.notifications.qcluster import Cluster

MESSAGES = 60
STALE_SECONDS = 2
# The recovery test: a heartbeat older than this is stale (production: 300 s). It must leave a
# restarted cluster time to start and beat, or the watchdog would restart it again.
HEARTBEAT_STALE = 6


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


def reminders(count: int, prefix: str, first: int = 0) -> list[MessageSpec]:
    return [
        MessageSpec(
            channel="sms",
            to=f"+81901234{n:04d}",
            purpose="reminder",
            template_key="reminder_sms",
            text=f"明日の教室のお知らせ {n}",
            key=f"{prefix}:{n}",
        )
        for n in range(first, first + count)
    ]


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
    created = messages_queue(reminders(MESSAGES, "cluster"))
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


@contextmanager
def scheduler_stand_in(cluster: Cluster, every: float = 0.5) -> Iterator[threading.Event]:
    """Enqueue what the scheduler would, every `every` seconds instead of every minute: the
    heartbeat and the sender loop. (The cluster's own scheduler ticks first 30 s after start.)
    `.clear()` on the returned event pauses it."""
    running = threading.Event()
    running.set()
    done = threading.Event()

    def feed():
        while not done.wait(every):
            if running.is_set():
                cluster.enqueue(HEARTBEAT_TASK, hook=HEARTBEAT_HOOK)
                cluster.enqueue("notifications.tasks.send_due")

    assert cluster.broker  # one connection, made before the thread shares it
    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        done.set()
        thread.join()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_stalled_cluster_is_restarted_by_the_watchdog_and_does_the_work_queued_before(
    stub, settings, client
):
    if connection.vendor != "postgresql":
        pytest.skip("the cluster's worker processes share the database: PostgreSQL only")
    settings.HEARTBEAT_STALE_SECONDS = HEARTBEAT_STALE
    env = {
        **cluster_env(stub),
        "HEARTBEAT_STALE_SECONDS": str(HEARTBEAT_STALE),
        "NOTIFY_RETRY_DELAYS": "3,3,3",
    }
    watchdog = ["qcluster_watchdog", "--check-every", "0.25", "--stop-grace", "1"]

    def health():
        return client.get(reverse("health:check")).status_code

    def waiting_for_retry(messages):
        pks = [m.pk for m in messages]
        return Message.objects.filter(pk__in=pks, status=Status.QUEUED, attempts=1).count()

    with (
        Cluster(f"tsunagu-test-{uuid.uuid4().hex[:8]}", env, command=watchdog) as cluster,
        scheduler_stand_in(cluster) as scheduling,
    ):
        assert wait_for(lambda: health() == 200, timeout=10), "no heartbeat from a new cluster"
        scheduling.clear()

        # Before the stall: the provider is down, ten reminders wait for their retry.
        stub.down = True
        before = messages_queue(reminders(10, "before"))
        for message in before:
            cluster.enqueue("notifications.tasks.send_message", message.pk)
        assert wait_for(lambda: waiting_for_retry(before) == len(before), timeout=10)
        stub.down = False

        # The stall: the worker waiting on the task queue dies holding the queue's read lock.
        # django-q2 replaces it and calls itself idle, but no worker takes a task again.
        time.sleep(0.3)  # both workers idle: one reads the task queue, the other waits for it
        killed = cluster.kill_reading_worker()
        assert wait_for(
            lambda: killed not in cluster.worker_pids and len(cluster.worker_pids) == 2, timeout=5
        )
        # During the stall twenty more are queued. The pusher still moves tasks out of Redis,
        # up to queue_limit (2) and one in hand: those die with the cluster, and the sender
        # loop sends their messages after the restart.
        during = messages_queue(reminders(20, "during", first=len(before)))
        for message in during:
            cluster.enqueue("notifications.tasks.send_message", message.pk)
        assert wait_for(lambda: cluster.queue_size() == len(during) - 3, timeout=5)
        scheduling.set()

        assert wait_for(lambda: health() == 503, timeout=HEARTBEAT_STALE + 5)
        assert client.get(reverse("health:check")).json()["tasks"] == "stale"
        assert stub.sent() == [], "a stalled cluster sent something"

        # The watchdog restarts the cluster; the new one does what was queued.
        expected = len(before) + len(during)
        assert wait_for(lambda: len(stub.sent()) >= expected, timeout=20)
        assert wait_for(lambda: health() == 200, timeout=10)
        assert any("restarting qcluster" in line for line in cluster.lines)

    per_number = Counter(r["form"]["To"] for r in stub.sent())
    assert len(per_number) == expected, "lost messages"
    assert max(per_number.values()) == 1, "duplicates"
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {Status.SENT: expected}
