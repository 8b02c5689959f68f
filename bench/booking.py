"""Resident search and booking contention benchmark. Prints `key: value` lines.

    .venv/bin/python bench/booking.py                       # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/booking.py

Never touches the developer's database: on PostgreSQL it creates (and afterwards drops) a
database of its own on the same server, named after DATABASE_URL's and the process
(bench/_db.py); on SQLite it uses a temporary file. See README.md.
"""

import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out, percentile  # noqa: E402

BENCH_DB_NAME = "bench_booking"
RESIDENTS = 100_000
RANDOM_SEED = 7
INSERT_BATCH = 5_000
# Each query is timed this many times through the search function and as hand-written SQL.
SEARCH_RUNS = 30
SEARCH_WARMUP = 3
# What desk staff type: kana in every form, full readings, phone numbers, kanji.
SEARCH_QUERIES = [
    "ﾔﾏﾀﾞ",
    "やまだ た",
    "サトウ",
    "くろき",
    "クロキ キヨシ",
    "たかはしかずお",
    "090-1234-5678",
    "０９０１２３４５６７８",
    "0901",
    "0982-54",
    "山田",
    "佐藤 和子",
]
TRIALS = 5
CALLS_PER_TRIAL = 200
SEATS = 20
# SQLite lets one writer at a time in; more threads only queue on its lock.
SQLITE_CONCURRENCY = 8
# Connections left free on the PostgreSQL server for everyone else.
PG_SPARE_CONNECTIONS = 10


# --- residents ------------------------------------------------------------------------------


def build_residents(count):
    from django.db import connection
    from django.utils import timezone

    from demo.people import fake_residents, story_residents
    from residents.models import Resident

    rng = random.Random(RANDOM_SEED)
    today = timezone.localdate()
    # The demo story's residents (山田 太郎 on 090-1234-5678) so phone searches hit someone.
    batch = story_residents(today=today)
    made = 0
    while made < count:
        batch += fake_residents(rng, min(INSERT_BATCH, count - made) - len(batch), today=today)
        Resident.objects.bulk_create(batch, batch_size=INSERT_BATCH)
        made += len(batch)
        batch = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE residents_resident")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return Resident.objects.count()


# --- search ---------------------------------------------------------------------------------

# The same WHERE, ORDER BY and LIMIT as resident_search, written by hand per kind of term.
_COLUMNS = "*"
SQL_KANA = f"""
    SELECT {_COLUMNS} FROM residents_resident
    WHERE merged_into_id IS NULL AND (kana_key LIKE %s OR given_kana_key LIKE %s)
    ORDER BY CASE WHEN kana_key = %s THEN 0 WHEN kana_key LIKE %s THEN 1 ELSE 2 END, kana_key, id
    LIMIT %s
"""
SQL_PHONE = f"""
    SELECT {_COLUMNS} FROM residents_resident
    WHERE merged_into_id IS NULL AND (phone_mobile LIKE %s OR phone_home LIKE %s)
    ORDER BY CASE WHEN phone_mobile = %s OR phone_home = %s THEN 0 ELSE 1 END, kana_key, id
    LIMIT %s
"""
SQL_PHONE_PARTIAL = f"""
    SELECT {_COLUMNS} FROM residents_resident
    WHERE merged_into_id IS NULL AND (phone_mobile LIKE %s OR phone_home LIKE %s)
    ORDER BY kana_key, id
    LIMIT %s
"""
SQL_NAME = f"""
    SELECT {_COLUMNS} FROM residents_resident
    WHERE merged_into_id IS NULL AND name_key LIKE %s
    ORDER BY CASE WHEN name_key = %s THEN 0 WHEN name_key LIKE %s THEN 1 ELSE 2 END, kana_key, id
    LIMIT %s
"""


def hand_written_sql(text, limit):
    """(kind, sql, params) doing what the search does for `text`, which holds one kind of term."""
    from residents.normalize import parse_phone
    from residents.queries import parse_search

    terms = parse_search(text)
    if terms.kana:
        (kana,) = terms.kana
        return "kana", SQL_KANA, [f"{kana}%", f"{kana}%", kana, f"{kana}%", limit]
    if terms.phones:
        (prefix,) = terms.phones
        if parse_phone(prefix) is None:  # a partial number: nothing can match it exactly
            return "phone", SQL_PHONE_PARTIAL, [f"{prefix}%", f"{prefix}%", limit]
        return "phone", SQL_PHONE, [f"{prefix}%", f"{prefix}%", prefix, prefix, limit]
    (name,) = terms.names
    return "kanji", SQL_NAME, [f"%{name}%", name, f"{name}%", limit]


def bench_search():
    from django.conf import settings
    from django.db import connection

    from residents.queries import resident_search

    limit = settings.RESIDENT_SEARCH_LIMIT
    search_ms, sql_ms = [], []
    by_kind = {}
    hits = 0
    for text in SEARCH_QUERIES:
        kind, sql, params = hand_written_sql(text, limit)
        found = resident_search(text)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # The two must agree, or the comparison means nothing.
        if [r.pk for r in found] != [row[0] for row in rows]:
            sys.exit(f"hand-written SQL and resident_search disagree for {text!r}")
        hits += bool(found)
        for run in range(SEARCH_WARMUP + SEARCH_RUNS):
            started = time.perf_counter()
            resident_search(text)
            search_time = time.perf_counter() - started
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()
            sql_time = time.perf_counter() - started
            if run >= SEARCH_WARMUP:
                search_ms.append(search_time * 1000)
                sql_ms.append(sql_time * 1000)
                kind_samples = by_kind.setdefault(kind, ([], []))
                kind_samples[0].append(search_time * 1000)
                kind_samples[1].append(sql_time * 1000)
    out("search_queries", len(SEARCH_QUERIES))
    out("search_queries_with_hits", hits)
    out("search_runs_per_query", SEARCH_RUNS)
    out("search_ms_p50", statistics.median(search_ms))
    out("search_ms_p95", percentile(search_ms, 0.95))
    out("sql_ms_p50", statistics.median(sql_ms))
    out("sql_ms_p95", percentile(sql_ms, 0.95))
    out("search_ratio_vs_sql", statistics.median(search_ms) / statistics.median(sql_ms))
    for kind, (kind_search, kind_sql) in by_kind.items():
        out(f"search_ms_p50_{kind}", statistics.median(kind_search))
        out(f"sql_ms_p50_{kind}", statistics.median(kind_sql))


# --- booking contention ---------------------------------------------------------------------


def concurrency_limit():
    """How many threads may hold a connection at once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return SQLITE_CONCURRENCY
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        (max_connections,) = cursor.fetchone()
        cursor.execute("SHOW superuser_reserved_connections")
        (reserved,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        )
        (in_use,) = cursor.fetchone()
    free = int(max_connections) - int(reserved) - in_use - PG_SPARE_CONNECTIONS
    return max(1, min(CALLS_PER_TRIAL, free))


def contention_trial(trial, session_place, resident_ids, user, concurrency):
    """CALLS_PER_TRIAL threads book one session of SEATS seats at the same moment."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from classes.booking import BookingError, booking_create
    from classes.models import Booking, BookingStatus, Session

    course, venue = session_place
    starts_at = timezone.now() + datetime.timedelta(days=30 + trial)
    session = Session.objects.create(
        course=course,
        venue=venue,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=90),
        capacity=SEATS,
    )
    gate = threading.BoundedSemaphore(concurrency)
    released = []
    barrier = threading.Barrier(
        len(resident_ids), action=lambda: released.append(time.perf_counter())
    )
    outcomes = Counter()
    errors = []
    lock = threading.Lock()

    def book(resident_id):
        try:
            barrier.wait()
            with gate:
                try:
                    outcome = booking_create(
                        session_id=session.pk, resident_id=resident_id, user=user
                    )
                    result = outcome.booking.status
                except BookingError:
                    result = "refused"
                finally:
                    connection.close()
        except Exception as error:  # anything else is a failure to report
            with lock:
                errors.append(repr(error))
            return
        with lock:
            outcomes[result] += 1

    threads = [threading.Thread(target=book, args=(rid,)) for rid in resident_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - released[0]
    stored = Counter(
        Booking.objects.filter(session=session).values_list("status", flat=True).iterator()
    )
    booked = stored[BookingStatus.BOOKED]
    if stored[BookingStatus.WAITLISTED] != outcomes[BookingStatus.WAITLISTED]:
        errors.append("waitlist in the database differs from what the callers were told")
    return {
        "booked": booked,
        "waitlisted": stored[BookingStatus.WAITLISTED],
        "refused": outcomes["refused"],
        "errors": errors,
        "oversold": max(booked - SEATS, 0),
        "wall": wall,
    }


def bench_contention():
    from django.contrib.auth import get_user_model

    from classes.models import Category, Course, Venue
    from residents.models import Resident

    user = get_user_model().objects.create_user("bench-desk")
    place = (
        Course.objects.create(title="スマホ教室 入門 (ベンチ)", category=Category.SMARTPHONE_INTRO),
        Venue.objects.create(name="ベンチ会場", address="宮崎県日向市本町10番5号"),
    )
    ids = list(
        Resident.objects.order_by("pk").values_list("pk", flat=True)[: TRIALS * CALLS_PER_TRIAL]
    )
    concurrency = concurrency_limit()
    results = [
        contention_trial(
            trial,
            place,
            ids[trial * CALLS_PER_TRIAL : (trial + 1) * CALLS_PER_TRIAL],
            user,
            concurrency,
        )
        for trial in range(TRIALS)
    ]
    errors = [error for result in results for error in result["errors"]]
    out("booking_contention_trials", TRIALS)
    out("booking_calls_per_trial", CALLS_PER_TRIAL)
    out("booking_threads_per_trial", CALLS_PER_TRIAL)
    out("booking_concurrent_connections", concurrency)
    out("session_capacity", SEATS)
    out("booked_min", min(r["booked"] for r in results))
    out("booked_max", max(r["booked"] for r in results))
    out("waitlisted", sum(r["waitlisted"] for r in results))
    out("refused", sum(r["refused"] for r in results))
    out("oversold", max(r["oversold"] for r in results))
    out("errors", len(errors))
    out("bookings_per_s", TRIALS * CALLS_PER_TRIAL / sum(r["wall"] for r in results))
    for error in sorted(set(errors))[:5]:
        print(f"# error: {error}", file=sys.stderr)


def main():
    started = time.perf_counter()
    drop = create_bench_database(BENCH_DB_NAME)
    try:
        setup_django()
        from django.db import connection

        print("# Tsunagu booking benchmark")
        out("database", "postgresql" if connection.vendor == "postgresql" else connection.vendor)
        build_started = time.perf_counter()
        out("residents", build_residents(RESIDENTS))
        out("residents_build_s", time.perf_counter() - build_started)
        bench_search()
        bench_contention()
    finally:
        drop()
    out("total_s", time.perf_counter() - started)


if __name__ == "__main__":
    main()
