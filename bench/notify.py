"""10,000 day-before reminders through a django-q2 cluster and a local Twilio stub; then
10,000 more with a 30-second outage of the stub in the middle; then 10,000 more where a share
of the sends get no answer (accepted then hung or reset, or reset before Twilio took them).
`key: value` lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/notify .venv/bin/python bench/notify.py

Never touches the developer's database: on PostgreSQL it creates (and afterwards drops) a
database of its own on the same server (bench/_db.py) (SQLite works too, in a temporary file, but
two worker processes writing to one SQLite file is not what production runs). Redis must be on
REDIS_URL (default redis://127.0.0.1:6379/0); the cluster uses a queue of the run's own.

The real path end to end: classes.notify.day_before_reminders logs the messages and queues one
send task each (on commit) into Redis; a `manage.py qcluster` with two workers sends them with
the real twilio client to the stub (tests/notifications/twilio_stub.py). The benchmark drives
the sender loop (notifications.tasks.send_due, every minute in production) every few seconds,
so retries after the outage come round quickly. See README.md.
"""

import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out  # noqa: E402

BENCH_DB_NAME = "bench_notify"
REMINDERS = int(os.environ.get("BENCH_REMINDERS", 10_000))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
OUTAGE_SECONDS = float(os.environ.get("BENCH_OUTAGE_SECONDS", 30))
# The outage starts when this share of the second batch has gone out.
OUTAGE_AT = 0.3
# The sender loop (retries, stopped workers) runs this often during the benchmark.
SEND_DUE_EVERY_S = 3
# Backoff after a temporary error, seconds: the outage must end within the sum.
RETRY_DELAYS = "5,10,20,40,80"
STUB_DELAY_S = 0.005  # Twilio answers in milliseconds; the stub waits a little
# The ambiguous day: the share of sends the stub takes and then never answers ("hang", until
# the client's timeout), takes and then resets ("reset"), or resets before taking ("drop").
AMBIGUOUS_SHARES = {"hang": 0.01, "reset": 0.01, "drop": 0.01}
TWILIO_TIMEOUT_S = 1  # the client gives up on a hung send after this long
LIST_LAG_S = 1.0  # a record shows in the stub's lists this long after it was taken
INSERT_BATCH = 5_000
TIMEOUT_S = 1_800
DAYS = 3  # plain, outage, ambiguous
SID, TOKEN, FROM = "AC" + "b" * 32, "bench-token", "+815012345678"


def configure(stub_url, cluster_name):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.notifications.q_settings",
            "Q_CLUSTER_NAME": cluster_name,
            "Q_WORKERS": str(WORKERS),
            "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
            "NOTIFY_TRANSPORT": "twilio",
            "TWILIO_API_BASE": stub_url,
            "TWILIO_ACCOUNT_SID": SID,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": FROM,
            "PUBLIC_BASE_URL": "https://tsunagu.example.jp",
            "NOTIFY_QUIET_START": "00:00",  # the benchmark runs at any hour
            "NOTIFY_QUIET_END": "00:00",
            "NOTIFY_RETRY_DELAYS": RETRY_DELAYS,
            "NOTIFY_STALE_SECONDS": "60",
            "TWILIO_TIMEOUT": str(TWILIO_TIMEOUT_S),
            "LOG_LEVEL": "WARNING",
            # Workers keep their database connection between tasks, as in production.
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE") or "60",
        }
    )


def build_data():
    """REMINDERS residents who prefer SMS, each booked on three sessions on following days;
    returns the "now"s at which each day's reminders run, and the numbers each day's reminders
    must reach (the bench's own bookings: what should be sent, whatever our log says)."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from classes.models import Booking, BookingStatus, Category, Course, Session, Venue
    from residents.models import Resident

    venue = Venue.objects.create(name="ベンチ会場", address="宮崎県日向市本町10番5号")
    course = Course.objects.create(title="スマホ教室 入門 (ベンチ)", category=Category.OTHER)
    day = timezone.localdate() + datetime.timedelta(days=30)
    runs, sessions = [], []
    for offset in range(DAYS):
        start = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=offset), datetime.time(10))
        )
        sessions.append(
            Session.objects.create(
                course=course,
                venue=venue,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                capacity=REMINDERS,
            )
        )
        runs.append(start - datetime.timedelta(days=1))
    residents = []
    for n in range(REMINDERS):
        resident = Resident(
            family_name="日向",
            given_name=f"花子{n}",
            family_name_kana="ヒュウガ",
            given_name_kana="ハナコ",
            phone_mobile=f"+81901{n:07d}",
            preferred_contact="sms",
        )
        resident.refresh_derived()
        residents.append(resident)
    residents = Resident.objects.bulk_create(residents, batch_size=INSERT_BATCH)
    Booking.objects.bulk_create(
        (
            Booking(session=session, resident=r, status=BookingStatus.BOOKED)
            for session in sessions
            for r in residents
        ),
        batch_size=INSERT_BATCH,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    phones = {r.phone_mobile for r in residents}
    return runs, [phones] * DAYS


def run_batch(cluster, stub, now, expected_phones, prefix, outage=False, ambiguous=False):
    """Log a day's reminders and wait until every one is finished; prints `<prefix>` keys."""
    from classes.notify import day_before_reminders
    from notifications.models import Message, MessageEvent, Status

    stub.requests.clear()
    stub.shares = dict(AMBIGUOUS_SHARES) if ambiguous else {}
    started = time.monotonic()
    messages, calls = day_before_reminders(now=now)
    logged = time.monotonic()
    ids = [m.pk for m in messages]
    batch = (
        Message.objects.filter(pk__in=ids)
        if len(ids) < 1000
        else Message.objects.filter(pk__gte=min(ids), pk__lte=max(ids))
    )
    outage_started = outage_ended = None
    next_loop = time.monotonic() + SEND_DUE_EVERY_S
    open_statuses = [Status.QUEUED, Status.SENDING, Status.UNKNOWN]
    while True:
        time.sleep(0.5)
        now_s = time.monotonic()
        if outage and outage_started is None and len(stub.sent()) >= OUTAGE_AT * len(ids):
            stub.down, outage_started = True, now_s
        if outage_started and outage_ended is None and now_s - outage_started >= OUTAGE_SECONDS:
            stub.down, outage_ended = False, now_s
        if now_s >= next_loop:
            cluster.enqueue("notifications.tasks.send_due")
            next_loop = now_s + SEND_DUE_EVERY_S
        open_ = batch.filter(status__in=open_statuses).count()
        if not open_ and (not outage or outage_ended):
            break
        if now_s - started > TIMEOUT_S:
            break
    finished = time.monotonic()
    stub.shares = {}
    statuses = Counter(batch.values_list("status", flat=True))

    # What the stub took, against what the bench's own bookings call for: one reminder per
    # booked number, whatever our message log says.
    accepted = Counter(r["form"]["To"] for r in stub.sent("sms"))
    out(f"{prefix}messages", len(ids))
    out(f"{prefix}calls", len(calls))
    out(f"{prefix}sent", statuses[Status.SENT])
    out(f"{prefix}failed", statuses[Status.FAILED])
    out(f"{prefix}duplicates", sum(count - 1 for count in accepted.values()))
    out(f"{prefix}lost", len(expected_phones - set(accepted)))
    out(f"{prefix}unexpected", len(set(accepted) - expected_phones))
    out(f"{prefix}api_requests", len(stub.requests))
    out(f"{prefix}lookups", len(stub.lookups()))
    out(f"{prefix}retried", batch.filter(attempts__gt=1).count())
    out(f"{prefix}log_s", logged - started)
    out(f"{prefix}total_s", finished - started)
    out(f"{prefix}messages_per_s", len(ids) / (finished - started))
    if outage:
        out("outage_s", (outage_ended or finished) - (outage_started or finished))
    if ambiguous:
        for mode in AMBIGUOUS_SHARES:
            out(f"{prefix}{mode}", len(stub.misbehaved(mode)))
        unknown = MessageEvent.objects.filter(message__in=batch, status=Status.UNKNOWN).values(
            "message"
        )
        out(f"{prefix}unknown_outcomes", unknown.distinct().count())


def main():
    started = time.monotonic()
    from tests.notifications.qcluster import Cluster
    from tests.notifications.twilio_stub import TwilioStub

    stub = TwilioStub(delay=STUB_DELAY_S, list_lag=LIST_LAG_S).start()
    stub.hang_s = 3 * TWILIO_TIMEOUT_S  # a hung request is let go once the client gave up
    name = f"tsunagu-bench-{uuid.uuid4().hex[:8]}"
    configure(stub.url, name)
    drop = create_bench_database(BENCH_DB_NAME)
    try:
        setup_django()
        from django.db import connection

        out("database", connection.vendor)
        out("database_name", connection.settings_dict["NAME"])
        out("workers", WORKERS)
        runs, phones = build_data()
        with Cluster(name, {}, workers=WORKERS) as cluster:
            run_batch(cluster, stub, runs[0], phones[0], "")
            run_batch(cluster, stub, runs[1], phones[1], "outage_", outage=True)
            run_batch(cluster, stub, runs[2], phones[2], "ambiguous_", ambiguous=True)
        out("total_run_s", time.monotonic() - started)
    finally:
        stub.stop()
        drop()


if __name__ == "__main__":
    main()
