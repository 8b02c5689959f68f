"""Survey tables benchmark: 100,000 responses to a 10-question survey. Prints `key: value` lines.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/surveys.py
    .venv/bin/python bench/surveys.py --responses 20000      # SQLite, in a temporary file

Times, in milliseconds, the data of the full tables page (surveys.queries.survey_tables: every
question's counts, 無回答 and n) and one cross-table (a multiple-choice question by age band ×
gender, surveys.queries.crosstab) through the real code; beside them, a baseline written for the
bench from the definitions (plain SQL, not the product's queries) computes the same numbers, in
the same run, interleaved. The run stops if any number differs. Never touches the developer's
database: on PostgreSQL it creates (and afterwards drops) a database of its own (bench/_db.py);
on SQLite it uses a temporary file.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._db import create_bench_database, setup_django  # noqa: E402
from bench._output import out, percentile  # noqa: E402

BENCH_DB_NAME = "bench_surveys"
DEFAULT_RESPONSES = 100_000
RUNS = 15
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
        # Every 11th respondent gives no age band, every 17th no gender; the others spread over
        # all eight age bands (その他 too) and four genders.
        cursor.execute(
            f"""{prefix} INSERT INTO surveys_response (survey_id, version, channel, age_band,
                gender, draft, started_at, submitted_at, answers_hash, course_id, venue_id)
            SELECT {survey.pk}, 1, 'paper',
                CASE WHEN i % 11 = 0 THEN NULL ELSE 1 + (i / 4) % 8 END,
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


# --- the product's code ----------------------------------------------------------------------
# Both sides give their numbers in one shape, so they can be compared value by value:
# {("n", column): respondents, (question or column, option code or None for 無回答): (count, %)}.


def product_tables(survey):
    from surveys.queries import survey_tables

    numbers = {}
    for table in survey_tables(survey):
        numbers[("n", table.question.pk)] = table.n
        for row in table.rows:
            numbers[(table.question.pk, row.code)] = (row.count, row.pct)
    return numbers


def product_crosstab(survey, question):
    from surveys.queries import crosstab

    cross = crosstab(survey, question, "profile")
    numbers = {("n", key): n for key, _label, n in cross.columns}
    codes = [option.code for option in question.options.all()] + [None]  # then 無回答
    if len(codes) != len(cross.rows):
        sys.exit(f"crosstab has {len(cross.rows)} rows for {len(codes)} options and 無回答")
    for code, (_label, cells) in zip(codes, cross.rows, strict=True):
        for (key, _label, _n), cell in zip(cross.columns, cells, strict=True):
            numbers[(key, code)] = cell
    return numbers


# --- the baseline: plain SQL written from the definitions ---------------------------------------
# Not the product's queries: respondents are the survey's submitted responses of its current
# version, and an answer counts because its response is one of them (a join), where the product
# relies on answers existing only for submitted responses and selects them by question id alone.
# A respondent who chose nothing in a question is 無回答; percentages are of respondents, so a
# multiple-choice question's add up to more than 100.

RESPONDENTS = "r.survey_id = %s AND r.version = %s AND r.submitted_at IS NOT NULL"


def _pct(count, n):
    return round(100 * count / n, 1) if n else None


def baseline_tables(survey):
    from django.db import connection

    version = [survey.pk, survey.version]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT q.id, o.code FROM surveys_question q
            LEFT JOIN surveys_option o ON o.question_id = q.id
            WHERE q.survey_id = %s AND q.version = %s""",
            version,
        )
        options = cursor.fetchall()
        cursor.execute(f"SELECT COUNT(*) FROM surveys_response r WHERE {RESPONDENTS}", version)
        n = cursor.fetchone()[0]
        cursor.execute(
            f"""SELECT a.question_id, o.code, COUNT(*)
            FROM surveys_answer a
            JOIN surveys_response r ON r.id = a.response_id
            JOIN surveys_option o ON o.id = a.option_id
            WHERE {RESPONDENTS}
            GROUP BY a.question_id, o.code""",
            version,
        )
        chosen = {(question, code): count for question, code, count in cursor.fetchall()}
        cursor.execute(
            f"""SELECT a.question_id, COUNT(DISTINCT a.response_id)
            FROM surveys_answer a
            JOIN surveys_response r ON r.id = a.response_id
            WHERE {RESPONDENTS}
            GROUP BY a.question_id""",
            version,
        )
        answered = dict(cursor.fetchall())
    numbers = {}
    for question, code in options:
        numbers[("n", question)] = n
        if code is not None:
            count = chosen.get((question, code), 0)
            numbers[(question, code)] = (count, _pct(count, n))
        missing = n - answered.get(question, 0)
        numbers[(question, None)] = (missing, _pct(missing, n))
    return numbers


def baseline_crosstab(survey, question):
    from django.db import connection

    version = [survey.pk, survey.version]
    with connection.cursor() as cursor:
        cursor.execute("SELECT code FROM surveys_option WHERE question_id = %s", [question.pk])
        codes = [code for (code,) in cursor.fetchall()]
        cursor.execute(
            f"""SELECT r.age_band, r.gender, COUNT(*) FROM surveys_response r
            WHERE {RESPONDENTS} GROUP BY r.age_band, r.gender""",
            version,
        )
        columns = {(age, gender): n for age, gender, n in cursor.fetchall()}
        # Every respondent once per option chosen, or once with no option (無回答: no answer).
        cursor.execute(
            f"""SELECT r.age_band, r.gender, o.code, COUNT(*) FROM surveys_response r
            LEFT JOIN surveys_answer a ON a.response_id = r.id AND a.question_id = %s
            LEFT JOIN surveys_option o ON o.id = a.option_id
            WHERE {RESPONDENTS}
            GROUP BY r.age_band, r.gender, o.code""",
            [question.pk, *version],
        )
        counts = {(age, gender, code): count for age, gender, code, count in cursor.fetchall()}
    numbers = {}
    for column, n in columns.items():
        numbers[("n", column)] = n
        for code in [*codes, None]:
            count = counts.get((*column, code), 0)
            numbers[(column, code)] = (count, _pct(count, n))
    return numbers


def mismatches(name, product, baseline):
    """The values on which the two sides disagree, one line each."""
    lines = []
    for key in sorted(product.keys() | baseline.keys(), key=repr):
        ours, theirs = product.get(key, "missing"), baseline.get(key, "missing")
        if ours != theirs:
            lines.append(f"{name} {key}: product {ours}, baseline {theirs}")
    return lines


def _timed(function, *args):
    began = time.perf_counter()
    result = function(*args)
    return (time.perf_counter() - began) * 1000, result


def bench(survey, runs):
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
        tables = product_tables(survey)
    out("tables_queries", len(captured.captured_queries))
    with CaptureQueriesContext(connection) as captured:
        cross = product_crosstab(survey, question)
    out("crosstab_queries", len(captured.captured_queries))
    wrong = mismatches("tables", tables, baseline_tables(survey))
    wrong += mismatches("crosstab", cross, baseline_crosstab(survey, question))
    out("mismatches", len(wrong))
    if wrong:
        print("\n".join(wrong[:20]), file=sys.stderr)
        sys.exit(f"the product and the baseline disagree on {len(wrong)} values (above)")
    out("respondents", max(n for key, n in tables.items() if key[0] == "n"))
    out("crosstab_cells", sum(1 for key in cross if key[0] != "n"))
    sides = {
        "tables": (product_tables, survey),
        "tables_baseline": (baseline_tables, survey),
        "crosstab": (product_crosstab, survey, question),
        "crosstab_baseline": (baseline_crosstab, survey, question),
    }
    expected = {"tables": tables, "crosstab": cross}
    times = {name: [] for name in sides}
    for run in range(runs):
        # Interleaved, and each pair in alternating order, so that neither side always runs on
        # the other's warm cache.
        for pair in (("tables", "tables_baseline"), ("crosstab", "crosstab_baseline")):
            for name in pair if run % 2 == 0 else reversed(pair):
                function, *args = sides[name]
                elapsed, result = _timed(function, *args)
                times[name].append(elapsed)
                if result != expected[name.removesuffix("_baseline")]:
                    sys.exit(f"{name} gave different numbers in run {run + 1}")
    out("runs", runs)
    for kind in ("tables", "crosstab"):
        product, baseline = times[kind], times[f"{kind}_baseline"]
        out(f"{kind}_ms", statistics.median(product))
        out(f"{kind}_ms_p95", percentile(product, 0.95))
        out(f"{kind}_baseline_ms", statistics.median(baseline))
        out(f"{kind}_baseline_ms_p95", percentile(baseline, 0.95))
        out(f"{kind}_ratio_vs_baseline", statistics.median(product) / statistics.median(baseline))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES)
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each side")
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
        bench(survey, args.runs)
    finally:
        drop()
    out("total_s", time.perf_counter() - started)


if __name__ == "__main__":
    main()
