"""KPI dashboard benchmark: a plan's dashboard page over many attendances; `key: value` lines.

    .venv/bin/python bench/kpi.py --rows 100000              # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/kpi.py
    DATABASE_URL=... .venv/bin/python bench/kpi.py --rows 10000000   # national scale

Never touches the developer's database: on PostgreSQL it creates (and afterwards drops) a
database of its own (bench/_db.py); on SQLite it uses a temporary file. See bench/README.md.

What it measures: the dashboard page (`reports:plan_dashboard`, ?fy=2025) through Django's test
client as a DX office user, against a baseline written here from the definitions (DESIGN.md)
and not from the product's SQL; and whether every figure of the page equals the baseline's,
after the rollup's first build and again after real events (late check-ins, undos, merges)
made through the product's services on the big data.
"""

import argparse
import datetime
import logging
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out, percentile  # noqa: E402

BENCH_DB_NAME = "bench_kpi"
PG_DEFAULT_ROWS = 1_000_000
SQLITE_DEFAULT_ROWS = 200_000
ATTENDANCES_PER_SESSION = 10
ATTENDANCES_PER_RESIDENT = 10
VENUES = 20
# The plan's municipality (日向市); every OTHER_TOWN_EVERY-th venue is another town's (延岡市),
# whose sessions no figure of the plan may count.
TOWN, OTHER_TOWN = "452068", "452033"
OTHER_TOWN_EVERY = 10
PLAN_DAYS = 1825  # FY2021 to FY2025
FIRST_DAY_UTC = "2021-04-01 01:00:00"  # 10:00 in Tokyo
WARMUPS = 2
RUNS = 20
SMARTPHONE = ("smartphone_intro", "smartphone_basic", "smartphone_advanced")
CATEGORIES = (*SMARTPHONE, "consultation", "programming", "mynumber", "other")
FISCAL_YEAR = 2025  # the dashboard's fiscal-year selector: 令和7年度, the plan's last year
PLAN_START_FY = 2021
# Events applied to the big data between the checks, per round.
LATE_CHECKINS = 150
NEW_RESIDENTS = 30
UNDOS = 20
MERGES = 15
TOKYO = ZoneInfo("Asia/Tokyo")


def _series(vendor, count):
    """(WITH prefix, FROM source) producing rows i = 1..count."""
    if vendor == "postgresql":
        return "", f"generate_series(1, {int(count)}) AS g(i)"
    return (
        f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {int(count)})",
        "g",
    )


def _plus(vendor, column, amount):
    """SQL for a timestamp `column` plus an SQL integer expression of minutes."""
    if vendor == "postgresql":
        return f"({column} + ({amount}) * interval '1 minute')"
    return f"strftime('%Y-%m-%d %H:%M:%S', {column}, '+' || ({amount}) || ' minutes')"


# --- data ------------------------------------------------------------------------------------


def build(rows):
    """Residents, sessions and `rows` check-ins, one INSERT … SELECT each. The check-ins are
    written as already counted (`rollup_pending` FALSE), as are the sessions: they stand for the
    rows there were when the rollup was first built, as the migrations that added the columns
    leave them."""
    from django.db import connection

    from classes.models import Course, Partner, Venue

    vendor = connection.vendor
    partner = Partner.objects.create(name="ベンチ通信")
    Venue.objects.bulk_create(
        Venue(
            name=f"会場{n}",
            address="宮崎県日向市本町10-5",
            municipality_code=OTHER_TOWN if n % OTHER_TOWN_EVERY == OTHER_TOWN_EVERY - 1 else TOWN,
        )
        for n in range(VENUES)
    )
    courses = Course.objects.bulk_create(
        Course(title=f"講座{n}", category=c, partner=partner if n % 2 else None)
        for n, c in enumerate(CATEGORIES)
    )
    v0 = Venue.objects.order_by("pk").first().pk
    c0 = min(c.pk for c in courses)
    sessions = max(1, rows // ATTENDANCES_PER_SESSION)
    residents = max(1, rows // ATTENDANCES_PER_RESIDENT)
    now = "'2026-03-31 00:00:00'" if vendor != "postgresql" else "now()"
    with connection.cursor() as cursor:
        prefix, source = _series(vendor, residents)
        cursor.execute(
            f"""{prefix} INSERT INTO residents_resident (family_name, given_name,
                family_name_kana, given_name_kana, birth_year, gender, phone_mobile, phone_home,
                smartphone, preferred_contact, district, consent_contact, consent_data_use,
                notes, kana_key, given_kana_key, name_key, created_at, updated_at, erase_reason)
            SELECT '山田', '太郎', 'ヤマダ', 'タロウ', 1930 + i % 70,
                CASE i % 3 WHEN 0 THEN 'female' WHEN 1 THEN 'male' ELSE '' END, '', '',
                'smartphone', 'staff_call', '本町', FALSE, FALSE, '', 'やまだたろう', 'たろう',
                '山田太郎', {now}, {now}, ''
            FROM {source}"""
        )
        # Held sessions first (the attendances' ids), then 1 in 50 as many cancelled ones.
        for status, count in (("held", sessions), ("cancelled", max(1, sessions // 50))):
            prefix, source = _series(vendor, count)
            first = (
                f"timestamptz '{FIRST_DAY_UTC}+00'"
                if vendor == "postgresql"
                else f"'{FIRST_DAY_UTC}'"
            )
            starts = _plus(vendor, first, f"(i % {PLAN_DAYS}) * 1440")
            ends = _plus(vendor, first, f"(i % {PLAN_DAYS}) * 1440 + 90")
            cursor.execute(
                f"""{prefix} INSERT INTO classes_session (course_id, venue_id, starts_at, ends_at,
                    capacity, status, notes, cancel_reason, rollup_pending)
                SELECT {c0} + i % {len(CATEGORIES)}, {v0} + i % {VENUES}, {starts}, {ends},
                    {ATTENDANCES_PER_SESSION + 2}, '{status}', '', '', FALSE
                FROM {source}"""
            )
        cursor.execute("SELECT MIN(id) FROM classes_session")
        s0 = cursor.fetchone()[0]
        cursor.execute("SELECT MIN(id) FROM residents_resident")
        r0 = cursor.fetchone()[0]
        # Every 100th attendance undone, every 97th a refused re-scan: neither may count.
        prefix, source = _series(vendor, rows)
        at = _plus(vendor, "s.starts_at", "5 + i % 30")
        cursor.execute(
            f"""{prefix} INSERT INTO attendance_checkin (result, channel, token, session_id,
                resident_id, device, at, note, undone_at, rollup_pending)
            SELECT CASE WHEN i % 97 = 0 THEN 'already_checked_in' ELSE 'ok' END, 'camera', '',
                s.id, {r0} + (CAST(i AS BIGINT) * 7919 + i / 13) % {residents}, '', {at}, '',
                CASE WHEN i % 100 = 0 THEN {at} END, FALSE
            FROM {source} JOIN classes_session s ON s.id = {s0} + i % {sessions}"""
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT COUNT(*) FROM attendance_checkin")
        return cursor.fetchone()[0]


def make_plan():
    from reports.models import Indicator, Metric, Plan, Target

    plan = Plan.objects.create(
        name="DX推進計画",
        municipality="日向市",
        municipality_code=TOWN,
        start_fy=PLAN_START_FY,
        end_fy=FISCAL_YEAR,
    )
    for order, (name, metric, categories, target) in enumerate(
        [
            ("スマホ教室受講者（累計）", Metric.CUMULATIVE_UNIQUE, list(SMARTPHONE), 900),
            ("プログラミング体験教室受講者（累計）", Metric.CUMULATIVE_UNIQUE, ["programming"], 45),
            ("開催回数", Metric.SESSIONS_HELD, [], 130),
        ]
    ):
        indicator = Indicator.objects.create(
            plan=plan, name=name, metric=metric, categories=categories, order=order
        )
        Target.objects.create(
            indicator=indicator,
            value=target,
            target_date=datetime.date(2026, 3, 31),
            baseline_date=datetime.date(2021, 4, 1),
        )
    return plan


def dx_user():
    """A DX office user, made the way tests/conftest.py makes one (the role is a group)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.access import Role

    user = get_user_model().objects.create_user(username="dx", password="bench-only-pass-123")
    group, _created = Group.objects.get_or_create(name=Role.DXOFFICE)
    user.groups.add(group)
    return user


# --- the baseline: the definitions, written here -----------------------------------------------


def _tokyo_midnight(year, month):
    return datetime.datetime(year, month, 1, tzinfo=TOKYO)


def cuts():
    """The instants the figures run to (exclusive), in UTC: the plan's start, the end of each
    month of the fiscal year (Tokyo midnight of the 1st of the next month), the fiscal year's
    start. The page's as-of date is 31 March 2026 (the year has ended), so its 累計 runs to the
    end of March."""
    plan_start = _tokyo_midnight(PLAN_START_FY, 4)
    month_ends = []
    for m in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16):
        year = FISCAL_YEAR + (m > 12)
        month_ends.append(_tokyo_midnight(year, (m - 1) % 12 + 1))
    fy_start = _tokyo_midnight(FISCAL_YEAR, 4)
    return plan_start, month_ends, fy_start


def _p(value):
    """A datetime as the database's cursor wants it (UTC text on SQLite)."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(value)


_CHECKINS = """attendance_checkin c
    JOIN classes_session s ON s.id = c.session_id
    JOIN classes_course k ON k.id = s.course_id
    JOIN classes_venue v ON v.id = s.venue_id
    WHERE c.result = 'ok' AND c.undone_at IS NULL AND c.resident_id IS NOT NULL
      AND v.municipality_code = %s AND k.category IN ({marks})
      AND s.starts_at >= %s AND s.starts_at < %s"""


def baseline_figures():
    """Per indicator of the plan, in order: {"since_start", "in_year", "monthly": [12]}.

    Cumulative unique participants: each resident's first attendance since the plan's start
    (ROW_NUMBER() OVER (PARTITION BY resident ORDER BY session start) = 1), counted when it
    falls before each month's end: the running distinct count at each month's end; the March
    value is the 累計. 当年度: COUNT(DISTINCT resident) over the fiscal year. Sessions held: a
    plain count of held sessions before each month's end, and within the year."""
    from django.db import connection

    plan_start, month_ends, fy_start = cuts()
    end = month_ends[-1]
    counts = ", ".join("SUM(CASE WHEN f.starts_at < %s THEN 1 ELSE 0 END)" for _ in month_ends)
    firsts = f"""SELECT {counts} FROM (
            SELECT s.starts_at,
                ROW_NUMBER() OVER (PARTITION BY c.resident_id ORDER BY s.starts_at) AS rn
            FROM {_CHECKINS}) f
        WHERE f.rn = 1"""
    in_year = f"SELECT COUNT(DISTINCT c.resident_id) FROM {_CHECKINS}"
    held = f"""SELECT {counts.replace("f.", "s.")},
            SUM(CASE WHEN s.starts_at >= %s THEN 1 ELSE 0 END)
        FROM classes_session s JOIN classes_venue v ON v.id = s.venue_id
        WHERE s.status = 'held' AND v.municipality_code = %s
          AND s.starts_at >= %s AND s.starts_at < %s"""
    results = []
    with connection.cursor() as cursor:
        for categories in (SMARTPHONE, ("programming",)):
            marks = ", ".join(["%s"] * len(categories))
            where = [TOWN, *categories]
            cursor.execute(
                firsts.format(marks=marks),
                [*map(_p, month_ends), *where, _p(plan_start), _p(end)],
            )
            monthly = [n or 0 for n in cursor.fetchone()]
            cursor.execute(in_year.format(marks=marks), [*where, _p(fy_start), _p(end)])
            results.append(
                {"since_start": monthly[-1], "in_year": cursor.fetchone()[0], "monthly": monthly}
            )
        cursor.execute(held, [*map(_p, month_ends), _p(fy_start), TOWN, _p(plan_start), _p(end)])
        *monthly, year = [n or 0 for n in cursor.fetchone()]
        results.append({"since_start": monthly[-1], "in_year": year, "monthly": monthly})
    return results


def plain_distinct():
    """Untimed: COUNT(DISTINCT resident) from the plan's start to the as-of date, the plainest
    way, for each attendance indicator: the window function's March value must equal it."""
    from django.db import connection

    plan_start, month_ends, _fy_start = cuts()
    results = []
    with connection.cursor() as cursor:
        for categories in (SMARTPHONE, ("programming",)):
            marks = ", ".join(["%s"] * len(categories))
            cursor.execute(
                f"SELECT COUNT(DISTINCT c.resident_id) FROM {_CHECKINS.format(marks=marks)}",
                [TOWN, *categories, _p(plan_start), _p(month_ends[-1])],
            )
            results.append(cursor.fetchone()[0])
    return results


# --- the page --------------------------------------------------------------------------------


class Page:
    def __init__(self, plan, user):
        from django.test import Client
        from django.urls import reverse

        self.client = Client()
        self.client.force_login(user)
        self.url = reverse("reports:plan_dashboard", args=[plan.pk]) + f"?fy={FISCAL_YEAR}"

    def get(self):
        response = self.client.get(self.url)
        if response.status_code != 200:
            sys.exit(f"the dashboard answered {response.status_code}")
        return response

    def figures(self):
        """The page's figures (with Django's test environment, so the response carries the
        template context) and the queries it made."""
        from django.db import connection
        from django.test.utils import (
            CaptureQueriesContext,
            setup_test_environment,
            teardown_test_environment,
        )

        timed_queries = []

        def timer(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                ms = (time.perf_counter() - began) * 1000
                timed_queries.append({"sql": sql, "params": params, "many": many, "ms": ms})

        setup_test_environment()
        try:
            with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                response = self.get()
            dash = response.context["dash"]
        finally:
            teardown_test_environment()
        self.timed_queries = timed_queries  # with their parameters, for EXPLAIN
        figures = [
            {
                "since_start": row.since_start,
                "in_year": row.in_year,
                "monthly": [point.actual for point in row.series],
            }
            for row in dash.rows
        ]
        return figures, captured.captured_queries


def mismatches(page, baseline):
    """How many figures differ: per indicator 累計, 当年度 and the 12 monthly values."""
    count, checked = 0, 0
    for n, (got, want) in enumerate(zip(page, baseline, strict=True)):
        for key in ("since_start", "in_year"):
            checked += 1
            if got[key] != want[key]:
                count += 1
                print(f"# indicator {n} {key}: page {got[key]}, baseline {want[key]}")
        for month, (a, b) in enumerate(zip(got["monthly"], want["monthly"], strict=True)):
            checked += 1
            if a != b:
                count += 1
                print(f"# indicator {n} month {month + 1} of the year: page {a}, baseline {b}")
    return count, checked


def check(page, label):
    """Compare the page with the baseline; returns the mismatches and the page's queries."""
    figures, queries = page.figures()
    baseline = baseline_figures()
    plain = plain_distinct()
    windowed = [b["since_start"] for b in baseline[:2]]
    if plain != windowed:
        sys.exit(f"baseline disagrees with itself: COUNT(DISTINCT) {plain}, window {windowed}")
    count, checked = mismatches(figures, baseline)
    out(f"mismatches_{label}", count)
    out(f"values_{label}", " ".join(f"{f['since_start']}/{f['in_year']}" for f in figures))
    # Whether the page read the rollup's day rows (else it read the check-ins: exact, slower).
    out(f"rollup_read_{label}", int(any("reports_rollupday" in q["sql"] for q in queries)))
    return count, checked, queries


# --- events on the big data, through the product's services -------------------------------------


class Events:
    def __init__(self, user, seed=17):
        self.user = user
        self.rng = random.Random(seed)
        self.late = []  # check-ins made by late_checkins, with their bookings

    def _candidate_sessions(self, limit):
        """Held sessions of the plan's town in the courses the attendance indicators count."""
        from classes.models import Session

        ids = list(
            Session.objects.filter(
                status="held",
                venue__municipality_code=TOWN,
                course__category__in=[*SMARTPHONE, "programming"],
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return [ids[self.rng.randrange(len(ids))] for _ in range(limit)] if ids else []

    def late_checkins(self):
        """Check-ins for past sessions, made after the rollup counted the rest: by residents
        already counted (a session earlier than their first moves their first month) and by
        new residents. `at` is within the session's check-in window (from the day's 00:00 to
        its end plus the grace), the only time a scan is accepted."""
        from attendance.models import CheckIn
        from classes.models import Booking, Session
        from residents.models import Resident

        resident_ids = list(Resident.objects.order_by("pk").values_list("pk", flat=True))
        new = [
            Resident.objects.create(
                family_name="新井",
                given_name=f"花子{n}",
                family_name_kana="アライ",
                given_name_kana="ハナコ",
                birth_year=1950,
            ).pk
            for n in range(NEW_RESIDENTS)
        ]
        sessions = Session.objects.in_bulk(self._candidate_sessions(LATE_CHECKINS))
        made, pairs = 0, set()
        for n, session in enumerate(sessions.values()):
            resident = new[n] if n < len(new) else self.rng.choice(resident_ids)
            if (session.pk, resident) in pairs:
                continue
            if Booking.objects.filter(session=session, resident_id=resident).exists():
                continue
            pairs.add((session.pk, resident))
            booking = Booking.objects.create(
                session=session, resident_id=resident, status="attended"
            )
            checkin = CheckIn.objects.create(
                result="ok",
                channel="manual",
                at=session.starts_at + datetime.timedelta(minutes=40),
                session=session,
                resident_id=resident,
                booking=booking,
            )
            self.late.append(checkin.pk)
            made += 1
        return made

    def undos(self, *, of_late):
        """checkin_undo within its minutes (`now` just after the check-in): of check-ins the
        rollup has counted, generated ones given the booking a scan would have had, and (in the
        second round) of late check-ins made in the first."""
        from django.db import IntegrityError, transaction

        from attendance.checkin import checkin_undo
        from attendance.models import CheckIn
        from classes.models import Booking

        chosen = []
        if of_late:
            chosen = self.rng.sample(self.late, min(UNDOS // 2, len(self.late)))
        candidates = list(
            CheckIn.objects.filter(
                result="ok",
                undone_at__isnull=True,
                booking__isnull=True,
                resident__isnull=False,
                session__venue__municipality_code=TOWN,
                session__course__category__in=[*SMARTPHONE, "programming"],
                session__starts_at__gte=_tokyo_midnight(FISCAL_YEAR - 1, 10),
            )
            .order_by("pk")
            .values_list("pk", "session_id", "resident_id")[: UNDOS * 50]
        )
        for pk, session_id, resident_id in self.rng.sample(
            candidates, min(UNDOS - len(chosen), len(candidates))
        ):
            try:
                with transaction.atomic():
                    booking = Booking.objects.create(
                        session_id=session_id, resident_id=resident_id, status="attended"
                    )
                    CheckIn.objects.filter(pk=pk).update(booking=booking)
            except IntegrityError:  # the resident booked twice in that session: skip
                continue
            chosen.append(pk)
        done = 0
        for pk in chosen:
            at = CheckIn.objects.values_list("at", flat=True).get(pk=pk)
            with transaction.atomic():
                checkin_undo(checkin_id=pk, user=self.user, now=at + datetime.timedelta(minutes=1))
            done += 1
        return done

    def merges(self):
        """resident_merge of residents who attended (pairs it refuses are skipped)."""
        from attendance.models import CheckIn
        from residents.services import ResidentError, resident_merge

        attended = list(
            CheckIn.objects.filter(
                result="ok", session__course__category__in=[*SMARTPHONE, "programming"]
            )
            .order_by("pk")
            .values_list("resident_id", flat=True)[:20000]
        )
        done = refused = 0
        while done < MERGES and refused < MERGES * 5:
            keep, remove = self.rng.sample(attended, 2)
            try:
                resident_merge(keep_id=keep, remove_id=remove, user=self.user)
                done += 1
            except ResidentError:
                refused += 1
        return done, refused


def pending():
    from attendance.models import CheckIn

    return CheckIn.objects.filter(rollup_pending=True).count()


# --- timing ----------------------------------------------------------------------------------


def timed(function, runs, warmups=WARMUPS):
    for _ in range(warmups):
        function()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        function()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def slowest(queries, top, explain):
    """The page's queries by time (of each execute), in an untimed load right after the timed
    ones; `page_sql_ms` is their sum, the rest of a page load is Python and the template."""
    from django.db import connection

    ranked = sorted(queries, key=lambda q: q["ms"], reverse=True)
    out("page_sql_ms", sum(q["ms"] for q in queries))
    for n, query in enumerate(ranked[:top], 1):
        sql = " ".join(query["sql"].split())
        print(f"# query {n}: {query['ms']:.1f} ms: {sql[:400]} {str(query['params'])[:120]}")
    if not explain or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for n, query in enumerate([q for q in ranked if not q["many"]][:explain], 1):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"], query["params"])
            print(f"# EXPLAIN ANALYZE of query {n}:")
            for (line,) in cursor.fetchall():
                print(f"#   {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="attendances to generate")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed page loads")
    parser.add_argument(
        "--baseline-runs", type=int, help="timed runs of the baseline (default: --runs)"
    )
    parser.add_argument("--top", type=int, default=5, help="slowest page queries to print")
    parser.add_argument(
        "--explain", type=int, default=0, help="EXPLAIN ANALYZE this many slowest (PostgreSQL)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    drop = create_bench_database(BENCH_DB_NAME)
    try:
        setup_django()
        from django.conf import settings
        from django.db import connection

        from reports import rollup

        if "testserver" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        rows = args.rows or (
            PG_DEFAULT_ROWS if connection.vendor == "postgresql" else SQLITE_DEFAULT_ROWS
        )
        print("# Tsunagu KPI dashboard benchmark")
        out("database", connection.vendor)
        began = time.perf_counter()
        out("attendances", build(rows))
        out("build_s", time.perf_counter() - began)
        plan, user = make_plan(), dx_user()
        began = time.perf_counter()
        maintained = rollup.rollup_maintain()
        out("rollup_build_s", time.perf_counter() - began)
        out("rollup_built", maintained["built"])
        page = Page(plan, user)

        # (a) after the first build
        total, checked, queries = check(page, "after_build")
        out("queries", len(queries))

        # The page, then the baseline, each after its warm-ups.
        dashboard = timed(page.get, args.runs)
        page.figures()  # one more load, warm, whose queries are timed one by one (below)
        baseline = timed(baseline_figures, args.baseline_runs or args.runs)
        out("runs", args.runs)
        out("baseline_runs", args.baseline_runs or args.runs)
        out("dashboard_ms_median", statistics.median(dashboard))
        out("dashboard_ms_p95", percentile(dashboard, 0.95))
        out("baseline_ms", statistics.median(baseline))
        out("baseline_ms_p95", percentile(baseline, 0.95))
        # The page's 95th percentile over the baseline's median: the page at its slower end
        # against the definitional query at its typical speed.
        out("ratio_vs_baseline", percentile(dashboard, 0.95) / statistics.median(baseline))
        slowest(page.timed_queries, args.top, args.explain)

        # (b) events through the product's services; the page counts what is pending itself.
        # (A merge enqueues follow-up tasks; their "Enqueued" lines are not `key: value`.)
        logging.getLogger("django-q").setLevel(logging.WARNING)
        events = Events(user)
        out("events_late_checkins", events.late_checkins())
        out("events_undos", events.undos(of_late=False))
        merged, refused = events.merges()
        out("events_merges", merged)
        out("events_merges_refused", refused)
        out("pending_before_page", pending())
        count, n, _queries = check(page, "after_events_page")
        out("pending_after_page", pending())
        total, checked = total + count, checked + n

        # (c) more events, counted by rollup_maintain (the task's work) before the page.
        out("events2_late_checkins", events.late_checkins())
        out("events2_undos", events.undos(of_late=True))
        merged, refused = events.merges()
        out("events2_merges", merged)
        out("events2_merges_refused", refused)
        began = time.perf_counter()
        maintained = rollup.rollup_maintain()
        out("rollup_maintain_s", time.perf_counter() - began)
        out("rollup_maintain_counted", maintained["counted"])
        count, n, _queries = check(page, "after_events_maintain")
        total, checked = total + count, checked + n
        out("figures_checked", checked)
        out("rollup_mismatches", total)
    finally:
        drop()
    out("total_s", time.perf_counter() - started)
    if total:
        sys.exit(1)


if __name__ == "__main__":
    main()
