"""KPI dashboard benchmark: a plan's dashboard over many attendances. Prints `key: value` lines.

    .venv/bin/python bench/kpi.py --rows 100000              # SQLite, in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/kpi.py
    DATABASE_URL=... .venv/bin/python bench/kpi.py --rows 10000000   # national scale

Never touches the developer's database: on PostgreSQL it creates (and afterwards drops) a
database of its own (bench/_db.py); on SQLite it uses a temporary file. See README.md.
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out  # noqa: E402

BENCH_DB_NAME = "bench_kpi"
PG_DEFAULT_ROWS = 1_000_000
SQLITE_DEFAULT_ROWS = 200_000
ATTENDANCES_PER_SESSION = 10
ATTENDANCES_PER_RESIDENT = 10
VENUES = 20
PLAN_DAYS = 1825  # FY2021 to FY2025
FIRST_DAY_UTC = "2021-04-01 01:00:00"  # 10:00 in Tokyo
RUNS = 7
SMARTPHONE = ("smartphone_intro", "smartphone_basic", "smartphone_advanced")
CATEGORIES = (*SMARTPHONE, "consultation", "programming", "mynumber", "other")
TODAY = datetime.date(2026, 3, 31)
FISCAL_YEAR = 2025  # the dashboard's fiscal-year selector: 令和7年度, the plan's last year


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


def build(rows):
    from django.db import connection

    from classes.models import Course, Partner, Venue

    vendor = connection.vendor
    partner = Partner.objects.create(name="ベンチ通信")
    Venue.objects.bulk_create(
        Venue(name=f"会場{n}", address="宮崎県日向市本町10-5") for n in range(VENUES)
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
                notes, kana_key, given_kana_key, name_key, created_at, updated_at)
            SELECT '山田', '太郎', 'ヤマダ', 'タロウ', 1930 + i % 70,
                CASE i % 3 WHEN 0 THEN 'female' WHEN 1 THEN 'male' ELSE '' END, '', '',
                'smartphone', 'staff_call', '本町', FALSE, FALSE, '', 'やまだたろう', 'たろう',
                '山田太郎', {now}, {now}
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
                    capacity, status, notes, cancel_reason)
                SELECT {c0} + i % {len(CATEGORIES)}, {v0} + i % {VENUES}, {starts}, {ends},
                    {ATTENDANCES_PER_SESSION + 2}, '{status}', '', ''
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
                resident_id, device, at, note, undone_at)
            SELECT CASE WHEN i % 97 = 0 THEN 'already_checked_in' ELSE 'ok' END, 'camera', '',
                s.id, {r0} + (CAST(i AS BIGINT) * 7919 + i / 13) % {residents}, '', {at}, '',
                CASE WHEN i % 100 = 0 THEN {at} END
            FROM {source} JOIN classes_session s ON s.id = {s0} + i % {sessions}"""
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT COUNT(*) FROM attendance_checkin")
        return cursor.fetchone()[0]


def make_plan():
    from reports.models import Indicator, Metric, Plan, Target

    plan = Plan.objects.create(name="DX推進計画", municipality="日向市", start_fy=2021, end_fy=2025)
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


def dashboard_numbers(plan):
    """What the dashboard page shows, through the real code: per indicator its actual and the
    cumulative value at the end of each month of the chosen fiscal year."""
    from reports.queries import dashboard

    dash = dashboard(plan, fy=FISCAL_YEAR, today=TODAY)
    return [(row.progress.actual, [p.actual for p in row.series]) for row in dash.rows]


def _month_sql(vendor, column):
    """SQL for the Tokyo month (YYYY-MM) of a UTC timestamp column (Tokyo has no DST)."""
    if vendor == "postgresql":
        return f"to_char({column} AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column}, '+9 hours')"


def _fill_months(counts, months):
    """The total and the running totals at the end of each month of the fiscal year, from
    (month, count) rows."""
    total, result, counts = 0, [], sorted(counts)
    for month in months:
        while counts and counts[0][0] <= month:
            total += counts.pop(0)[1]
        result.append(total)
    return total + sum(n for _month, n in counts), result


def sql_numbers():
    """The same numbers, written by hand, one query per indicator: residents counted in the
    month of their first attendance since the plan began (GROUP BY resident, then GROUP BY
    month; their sum is the distinct count), and sessions held by month."""
    from django.db import connection

    from reports.fiscal import fiscal_year_range_utc, tokyo_midnight_utc

    vendor = connection.vendor
    start = fiscal_year_range_utc(2021)[0]
    end = tokyo_midnight_utc(TODAY + datetime.timedelta(days=1))
    months = [f"{FISCAL_YEAR + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    firsts = f"""SELECT {_month_sql(vendor, "f.first_at")} AS m, COUNT(*) FROM (
            SELECT c.resident_id, MIN(c.at) AS first_at
            FROM attendance_checkin c JOIN classes_session s ON s.id = c.session_id
                JOIN classes_course k ON k.id = s.course_id
            WHERE c.result = 'ok' AND c.undone_at IS NULL AND c.resident_id IS NOT NULL
                AND c.at >= %s AND c.at < %s AND k.category IN ({{}})
            GROUP BY c.resident_id) f
        GROUP BY m"""
    held = f"""SELECT {_month_sql(vendor, "starts_at")} AS m, COUNT(*) FROM classes_session
        WHERE status = 'held' AND starts_at >= %s AND starts_at < %s GROUP BY m"""
    results = []
    with connection.cursor() as cursor:
        for categories in (SMARTPHONE, ("programming",)):
            marks = ", ".join(["%s"] * len(categories))
            cursor.execute(firsts.format(marks), [start, end, *categories])
            results.append(_fill_months(cursor.fetchall(), months))
        cursor.execute(held, [start, end])
        results.append(_fill_months(cursor.fetchall(), months))
    return results


def distinct_counts():
    """Once, untimed: COUNT(DISTINCT resident) and COUNT(*) over the span, the plain way, to
    check the totals both sides derive from their monthly counts."""
    from django.db import connection

    from reports.fiscal import fiscal_year_range_utc, tokyo_midnight_utc

    start = fiscal_year_range_utc(2021)[0]
    end = tokyo_midnight_utc(TODAY + datetime.timedelta(days=1))
    unique = """SELECT COUNT(DISTINCT c.resident_id) FROM attendance_checkin c
        JOIN classes_session s ON s.id = c.session_id JOIN classes_course k ON k.id = s.course_id
        WHERE c.result = 'ok' AND c.undone_at IS NULL AND c.resident_id IS NOT NULL
          AND c.at >= %s AND c.at < %s AND k.category IN ({})"""
    results = []
    with connection.cursor() as cursor:
        for categories in (SMARTPHONE, ("programming",)):
            cursor.execute(
                unique.format(", ".join(["%s"] * len(categories))), [start, end, *categories]
            )
            results.append(cursor.fetchone()[0])
        cursor.execute(
            """SELECT COUNT(*) FROM classes_session
            WHERE status = 'held' AND starts_at >= %s AND starts_at < %s""",
            [start, end],
        )
        results.append(cursor.fetchone()[0])
    return results


def bench(plan):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        expected = dashboard_numbers(plan)
    out("queries", len(captured.captured_queries))
    got = sql_numbers()
    if expected != got:
        sys.exit(f"dashboard {expected} and hand-written SQL {got} disagree")
    plain = distinct_counts()
    if [actual for actual, _series in expected] != plain:
        sys.exit(f"dashboard totals {expected} and COUNT(DISTINCT …) {plain} disagree")
    out("dashboard_values", " ".join(str(actual) for actual, _series in expected))
    out("march_cumulative", " ".join(str(series[-1]) for _actual, series in expected))
    dashboard, sql = [], []
    for _ in range(RUNS):
        began = time.perf_counter()
        dashboard_numbers(plan)
        dashboard.append((time.perf_counter() - began) * 1000)
        began = time.perf_counter()
        sql_numbers()
        sql.append((time.perf_counter() - began) * 1000)
    out("runs", RUNS)
    out("dashboard_ms", statistics.median(dashboard))
    out("sql_ms", statistics.median(sql))
    out("ratio_vs_sql", statistics.median(dashboard) / statistics.median(sql))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="attendances to generate")
    args = parser.parse_args()
    started = time.perf_counter()
    drop = create_bench_database(BENCH_DB_NAME)
    try:
        setup_django()
        from django.db import connection

        rows = args.rows or (
            PG_DEFAULT_ROWS if connection.vendor == "postgresql" else SQLITE_DEFAULT_ROWS
        )
        print("# Tsunagu KPI dashboard benchmark")
        out("database", connection.vendor)
        build_started = time.perf_counter()
        out("attendances", build(rows))
        out("build_s", time.perf_counter() - build_started)
        bench(make_plan())
    finally:
        drop()
    out("total_s", time.perf_counter() - started)


if __name__ == "__main__":
    main()
