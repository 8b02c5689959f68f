"""Survey tables benchmark: 100,000 responses to a 10-question survey. Prints `key: value` lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/surveys.py
    .venv/bin/python bench/surveys.py --responses 20000      # SQLite, in a temporary file

Times the data of the full tables page (surveys.queries.survey_tables: every question's counts,
無回答 and n) and one cross-table (a multiple-choice question by age band × gender,
surveys.queries.crosstab) through the real code, and the same numbers by hand-written SQL in
the same run, interleaved. Never touches the developer's database: on PostgreSQL it creates
(and afterwards drops) a database of its own (bench/_db.py); on SQLite it uses a temporary file.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out  # noqa: E402

BENCH_DB_NAME = "bench_surveys"
DEFAULT_RESPONSES = 100_000
RUNS = 7
COURSES = 6
VENUES = 5
FIRST_DAY_UTC = "2025-04-01 01:00:00"
DAYS = 365


def _series(vendor, count):
    if vendor == "postgresql":
        return "", f"generate_series(1, {int(count)}) AS g(i)"
    return (
        f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {int(count)})",
        "g",
    )


def _plus_minutes(vendor, amount):
    if vendor == "postgresql":
        return f"(timestamptz '{FIRST_DAY_UTC}+00' + ({amount}) * interval '1 minute')"
    return f"strftime('%Y-%m-%d %H:%M:%S', '{FIRST_DAY_UTC}', '+' || ({amount}) || ' minutes')"


def make_survey():
    from surveys.models import Kind, Survey
    from surveys.services import question_add

    survey = Survey.objects.create(title="ベンチマーク調査", status=Survey.Status.OPEN)
    specs = [
        (Kind.RATING, [], True),
        (Kind.SINGLE, ["a", "b", "c", "d"], False),
        (Kind.MULTI, [f"m{n}" for n in range(8)], False),
        (Kind.MULTI, [f"w{n}" for n in range(6)], False),
        (Kind.SINGLE, ["x", "y", "z"], False),
        (Kind.SINGLE, [f"s{n}" for n in range(5)], False),
        (Kind.MULTI, [f"t{n}" for n in range(5)], False),
        (Kind.TEXT, [], False),
        (Kind.AGE_BAND, [], False),
        (Kind.GENDER, [], False),
    ]
    for n, (kind, options, satisfaction) in enumerate(specs, start=1):
        question_add(
            survey_id=survey.pk,
            user=None,
            kind=kind,
            text=f"質問{n}",
            options=options,
            is_satisfaction=satisfaction,
        )
    return survey


def build(survey, responses):
    """Insert the responses and their answers with INSERT … SELECT (no Python loop per row)."""
    from django.db import connection

    from classes.models import Course, Venue
    from surveys.models import Kind, Question

    vendor = connection.vendor
    Course.objects.bulk_create(
        Course(title=f"講座{n}", category="smartphone_intro") for n in range(COURSES)
    )
    Venue.objects.bulk_create(Venue(name=f"会場{n}", address="日向市") for n in range(VENUES))
    c0 = Course.objects.order_by("pk").first().pk
    v0 = Venue.objects.order_by("pk").first().pk
    prefix, source = _series(vendor, responses)
    at = _plus_minutes(vendor, f"(i * 5) % {DAYS * 1440}")
    with connection.cursor() as cursor:
        # Every 11th respondent gives no age band, every 17th no gender.
        cursor.execute(
            f"""{prefix} INSERT INTO surveys_response (survey_id, version, channel, age_band,
                gender, draft, started_at, submitted_at, answers_hash, course_id, venue_id)
            SELECT {survey.pk}, 1, 'paper',
                CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + (i * 7) % 7 END,
                CASE WHEN i % 17 = 0 THEN NULL ELSE 1 + (i * 3) % 4 END,
                '{{}}', {at}, {at}, '', {c0} + i % {COURSES}, {v0} + i % {VENUES}
            FROM {source}"""
        )
        for position, question in enumerate(
            Question.objects.filter(survey=survey).order_by("position"), start=1
        ):
            skip = f"(r.id + {position}) % 13 <> 0"  # about 1 in 13 leave it empty (無回答)
            base = f"""INSERT INTO surveys_answer (response_id, question_id, option_id, text)
                SELECT r.id, {question.pk}, {{option}}, {{text}} FROM surveys_response r {{join}}
                WHERE r.survey_id = {survey.pk} AND {skip} AND {{where}}"""
            if question.kind == Kind.TEXT:
                sql = base.format(option="NULL", text="'感想'", join="", where="r.id % 5 = 0")
            elif question.kind == Kind.MULTI:
                sql = base.format(
                    option="o.id",
                    text="''",
                    join=f"JOIN surveys_option o ON o.question_id = {question.pk}",
                    where=f"(r.id * 31 + o.code * 17 + {position}) % 100 < 35",
                )
            elif question.kind in (Kind.AGE_BAND, Kind.GENDER):
                column = "age_band" if question.kind == Kind.AGE_BAND else "gender"
                sql = base.format(
                    option="o.id",
                    text="''",
                    join=f"JOIN surveys_option o ON o.question_id = {question.pk}",
                    where=f"o.code = r.{column}",
                ).replace(f" AND {skip}", "")
            else:
                count = question.options.count()
                sql = base.format(
                    option="o.id",
                    text="''",
                    join=f"JOIN surveys_option o ON o.question_id = {question.pk}",
                    where=f"o.code = 1 + (r.id * 7 + {position}) % {count}",
                )
            cursor.execute(sql)
        # As autovacuum would leave them: statistics, and the visibility map that lets
        # index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        cursor.execute("SELECT COUNT(*) FROM surveys_answer")
        return cursor.fetchone()[0]


# --- the real code -------------------------------------------------------------------------------


def real_tables(survey):
    from surveys.queries import survey_tables

    return [
        (t.question.pk, t.n, t.answered, [(r.code, r.count) for r in t.rows])
        for t in survey_tables(survey)
    ]


def real_crosstab(survey, question):
    from surveys.queries import crosstab

    cross = crosstab(survey, question, "profile")
    return [(key, n) for key, _label, n in cross.columns], [cells for _label, cells in cross.rows]


# --- the same by hand-written SQL -------------------------------------------------------------


def sql_tables(survey):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind FROM surveys_question WHERE survey_id = %s AND version = %s "
            "ORDER BY position, id",
            [survey.pk, survey.version],
        )
        questions = cursor.fetchall()
        cursor.execute(
            "SELECT question_id, id, code FROM surveys_option WHERE question_id IN "
            f"({', '.join(str(q) for q, _ in questions)}) ORDER BY question_id, code"
        )
        options = {}
        for question_id, option_id, code in cursor.fetchall():
            options.setdefault(question_id, []).append((option_id, code))
        cursor.execute(
            "SELECT COUNT(*) FROM surveys_response WHERE survey_id = %s AND version = %s "
            "AND submitted_at IS NOT NULL",
            [survey.pk, survey.version],
        )
        n = cursor.fetchone()[0]
        # Answers exist only for submitted responses; the version's question ids select them.
        ids = ", ".join(str(q) for q, _ in questions)
        cursor.execute(
            f"""SELECT option_id, COUNT(option_id) FROM surveys_answer
            WHERE question_id IN ({ids}) AND option_id IS NOT NULL GROUP BY option_id"""
        )
        per_option = dict(cursor.fetchall())
        cursor.execute(
            f"""SELECT question_id, COUNT(DISTINCT response_id) FROM surveys_answer
            WHERE question_id IN ({ids}) GROUP BY question_id"""
        )
        per_question = dict(cursor.fetchall())
    result = []
    for question_id, _kind in questions:
        answered = per_question.get(question_id, 0)
        rows = [(code, per_option.get(oid, 0)) for oid, code in options.get(question_id, [])]
        rows.append((None, n - answered))
        result.append((question_id, n, answered, rows))
    return result


def sql_crosstab(survey, question):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT age_band, gender, COUNT(*) FROM surveys_response
            WHERE survey_id = %s AND version = %s AND submitted_at IS NOT NULL
            GROUP BY age_band, gender""",
            [survey.pk, survey.version],
        )
        group_n = {(a, g): c for a, g, c in cursor.fetchall()}
        cursor.execute(
            """SELECT a.option_id, r.age_band, r.gender, COUNT(*) FROM surveys_answer a
            JOIN surveys_response r ON r.id = a.response_id
            WHERE a.question_id = %s AND a.option_id IS NOT NULL
            GROUP BY a.option_id, r.age_band, r.gender""",
            [question.pk],
        )
        counts = {(o, a, g): c for o, a, g, c in cursor.fetchall()}
        cursor.execute(
            """SELECT r.age_band, r.gender, COUNT(*) FROM surveys_response r
            WHERE r.survey_id = %s AND r.version = %s AND r.submitted_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM surveys_answer a
                          WHERE a.question_id = %s AND a.response_id = r.id)
            GROUP BY r.age_band, r.gender""",
            [survey.pk, survey.version, question.pk],
        )
        answered = {(a, g): c for a, g, c in cursor.fetchall()}
    keys = sorted(group_n, key=lambda k: tuple((v is None, v or 0) for v in k))
    rows = []
    for option in question.options.all():
        rows.append(
            [
                (
                    counts.get((option.pk, *k), 0),
                    round(100 * counts.get((option.pk, *k), 0) / group_n[k], 1),
                )
                for k in keys
            ]
        )
    rows.append(
        [
            (
                group_n[k] - answered.get(k, 0),
                round(100 * (group_n[k] - answered.get(k, 0)) / group_n[k], 1),
            )
            for k in keys
        ]
    )
    return [(k, group_n[k]) for k in keys], rows


def _timed(function, *args):
    began = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - began) * 1000, result


def bench(survey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from surveys.models import Kind, Question

    question = (
        Question.objects.filter(survey=survey, kind=Kind.MULTI)
        .order_by("position")
        .prefetch_related("options")
        .first()
    )
    with CaptureQueriesContext(connection) as captured:
        expected_tables = real_tables(survey)
    out("tables_queries", len(captured.captured_queries))
    with CaptureQueriesContext(connection) as captured:
        expected_cross = real_crosstab(survey, question)
    out("crosstab_queries", len(captured.captured_queries))
    if expected_tables != sql_tables(survey):
        sys.exit("survey_tables and the hand-written SQL disagree")
    if expected_cross != sql_crosstab(survey, question):
        sys.exit("crosstab and the hand-written SQL disagree")
    out("respondents", expected_tables[0][1])
    times = {"tables": [], "tables_sql": [], "crosstab": [], "crosstab_sql": []}
    for _ in range(RUNS):
        times["tables"].append(_timed(real_tables, survey)[0])
        times["tables_sql"].append(_timed(sql_tables, survey)[0])
        times["crosstab"].append(_timed(real_crosstab, survey, question)[0])
        times["crosstab_sql"].append(_timed(sql_crosstab, survey, question)[0])
    median = {key: statistics.median(values) for key, values in times.items()}
    out("runs", RUNS)
    out("tables_ms", median["tables"])
    out("tables_sql_ms", median["tables_sql"])
    out("tables_ratio_vs_sql", median["tables"] / median["tables_sql"])
    out("crosstab_ms", median["crosstab"])
    out("crosstab_sql_ms", median["crosstab_sql"])
    out("crosstab_ratio_vs_sql", median["crosstab"] / median["crosstab_sql"])
    out(
        "ratio_vs_sql",
        (median["tables"] + median["crosstab"]) / (median["tables_sql"] + median["crosstab_sql"]),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES)
    args = parser.parse_args()
    started = time.perf_counter()
    drop = create_bench_database(BENCH_DB_NAME)
    try:
        setup_django()
        from django.db import connection

        print("# Tsunagu survey tables benchmark")
        out("database", connection.vendor)
        survey = make_survey()
        build_started = time.perf_counter()
        out("answers", build(survey, args.responses))
        out("responses", args.responses)
        out("questions", survey.questions.count())
        out("build_s", time.perf_counter() - build_started)
        bench(survey)
    finally:
        drop()
    out("total_s", time.perf_counter() - started)


if __name__ == "__main__":
    main()
