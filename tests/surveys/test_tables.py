"""The tables on answers we know: % of respondents, multi-choice over 100 %, 無回答, n, the
cross-tables by profile, course, venue and month, satisfaction for reports, bounded queries."""

import pytest

from surveys.models import Response
from surveys.queries import NO_ANSWER, crosstab, questions_of, satisfaction_share, survey_tables
from tests.surveys.helpers import answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(post_class):
    # q1 rating, q2 understanding, q3 next topics (multi), q4 text, q5 age band, q6 gender
    answer(post_class, q1=[5], q2=[1], q3=[1, 2], q5=[7], q6=[2])
    answer(post_class, q1=[4], q2=[2], q3=[2], q5=[7], q6=[1])
    answer(post_class, q1=[2], q2=[1])  # no topics, no profile
    answer(post_class, q1=[5], q2=[3], q3=[1, 2, 4], q4="楽しかった", q5=[6], q6=[2])
    return post_class


def rows_of(table):
    return {row.label: (row.count, row.pct) for row in table.rows}


def test_multi_choice_shares_are_of_respondents_and_add_up_to_more_than_100(answered):
    tables = survey_tables(answered)
    topics = rows_of(tables[2])
    assert tables[2].n == 4
    assert topics["写真・動画の撮り方と送り方"] == (2, 50.0)
    assert topics["LINEの使い方"] == (3, 75.0)
    assert topics["キャッシュレス決済"] == (1, 25.0)
    assert topics["特にない"] == (0, 0.0)
    assert topics[NO_ANSWER] == (1, 25.0)
    assert sum(pct for count, pct in topics.values() if count) > 100


def test_single_choice_rating_text_and_profile_tables(answered):
    tables = survey_tables(answered)
    rating = rows_of(tables[0])
    assert rating["5 とても満足"] == (2, 50.0)
    assert rating["4 やや満足"] == (1, 25.0)
    assert rating[NO_ANSWER] == (0, 0.0)
    assert (tables[3].answered, tables[3].no_answer) == (1, 3)
    assert rows_of(tables[4])["70代以上"] == (2, 50.0)
    assert rows_of(tables[4])[NO_ANSWER] == (1, 25.0)
    assert rows_of(tables[5])["女性"] == (2, 50.0)


def test_cross_table_by_age_band_and_gender_keeps_respondents_without_a_profile(answered):
    q3 = questions_of(answered)[2]
    cross = crosstab(answered, q3, "profile")
    columns = {label: n for _key, label, n in cross.columns}
    assert columns == {"60代 女性": 1, "70代以上 男性": 1, "70代以上 女性": 1, "無回答 無回答": 1}
    labels = [label for _key, label, _n in cross.columns]
    line = dict(cross.rows)["LINEの使い方"]
    assert dict(zip(labels, line, strict=True))["70代以上 男性"] == (1, 100.0)
    missing = dict(zip(labels, dict(cross.rows)[NO_ANSWER], strict=True))
    assert missing["無回答 無回答"] == (1, 100.0)
    assert missing["60代 女性"] == (0, 0.0)


def test_cross_table_by_age_band_alone(answered):
    q1 = questions_of(answered)[0]
    cross = crosstab(answered, q1, "age_band")
    columns = {label: n for _key, label, n in cross.columns}
    assert columns == {"60代": 1, "70代以上": 2, NO_ANSWER: 1}
    labels = [label for _key, label, _n in cross.columns]
    five = dict(zip(labels, dict(cross.rows)["5 とても満足"], strict=True))
    assert five["70代以上"] == (1, 50.0)
    assert five["60代"] == (1, 100.0)


def test_cross_table_by_course_venue_and_month(answered, make):
    session = make.session(
        course=make.course(title="スマホ教室 入門"), venue=make.venue(name="大王谷")
    )
    first = Response.objects.filter(survey=answered).order_by("pk").first()
    Response.objects.filter(pk=first.pk).update(
        session=session, course=session.course, venue=session.venue
    )
    q1 = questions_of(answered)[0]
    by_course = {label: n for _k, label, n in crosstab(answered, q1, "course").columns}
    assert by_course["スマホ教室 入門"] == 1
    assert sum(by_course.values()) == 4
    by_venue = {label: n for _k, label, n in crosstab(answered, q1, "venue").columns}
    assert by_venue["大王谷"] == 1
    by_month = crosstab(answered, q1, "month")
    assert by_month.total_n == 4
    assert len(by_month.columns) == 1 and by_month.columns[0][1].endswith("月")


def test_satisfaction_share_for_reports(answered, make):
    assert satisfaction_share() == {"respondents": 4, "satisfied": 3, "share": 0.75}
    course = make.course()
    first = Response.objects.filter(survey=answered).order_by("pk").first()
    Response.objects.filter(pk=first.pk).update(course=course)
    assert satisfaction_share(course_ids=[course.pk])["satisfied"] == 1
    by_course = satisfaction_share(by="course")
    assert by_course[course.pk]["respondents"] == 1
    assert by_course[None]["respondents"] == 3


def test_tables_cost_a_fixed_number_of_queries_whatever_the_answers(
    answered, django_assert_num_queries
):
    with django_assert_num_queries(5):
        survey_tables(answered)
    for _ in range(20):
        answer(answered, q1=[3], q2=[2], q3=[5, 6], q5=[1], q6=[3])
    with django_assert_num_queries(5):
        tables = survey_tables(answered)
    assert tables[0].n == 24
    q3 = questions_of(answered)[2]
    with django_assert_num_queries(2):
        crosstab(answered, q3, "profile")
    with django_assert_num_queries(2):  # no response linked to a course: no names to read
        crosstab(answered, q3, "course")


def test_tables_page_and_exports(dx_client, answered, django_assert_max_num_queries):
    url = f"/surveys/{answered.pk}/tables/"
    with django_assert_max_num_queries(15):
        response = dx_client.get(url, {"by": "profile"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "n = 4" in html
    assert "chart-4.6.1.umd.min.js" in html
    assert "楽しかった" in html  # the written answer
    csv_response = dx_client.get(f"/surveys/{answered.pk}/export/", {"format": "csv"})
    body = csv_response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "LINEの使い方,3,75.0" in text
    public = dx_client.get(
        f"/surveys/{answered.pk}/export/", {"format": "csv", "public": "1"}
    ).content.decode("utf-8-sig")
    assert "LINEの使い方,x," in public
    assert '"x": hidden' in public or "「x」" in public
    assert ",3,75.0" not in public
    xlsx = dx_client.get(f"/surveys/{answered.pk}/export/", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert [row[0] for row in values if row and row[1] == "LINEの使い方"][0].startswith("次に")
    assert any(row[1] == "LINEの使い方" and row[2] == 3 for row in values if row and len(row) > 2)


def test_satisfaction_by_month_follows_the_session_date_across_a_month_boundary(answered, make):
    import datetime

    from tests.factories import tokyo

    # A class on the evening of 31 May, answered the next morning (1 June); another answer of
    # 1 June tied to no session.
    session = make.session(starts_at=tokyo(2025, 5, 31, 18))
    late, loose = Response.objects.filter(survey=answered).order_by("pk")[:2]
    Response.objects.filter(pk=late.pk).update(session=session, submitted_at=tokyo(2025, 6, 1, 9))
    Response.objects.filter(pk=loose.pk).update(submitted_at=tokyo(2025, 6, 1, 9))
    Response.objects.filter(survey=answered).exclude(pk__in=[late.pk, loose.pk]).update(
        submitted_at=tokyo(2025, 7, 2, 9)
    )
    by_month = satisfaction_share(by="month")
    may, june = datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)
    assert by_month[may] == {"respondents": 1, "satisfied": 1, "share": 1.0}  # q1 = 5
    assert by_month[june] == {"respondents": 1, "satisfied": 1, "share": 1.0}  # q1 = 4
    # The same rule as the period filter: May holds the class of 31 May, not the loose answer.
    in_may = satisfaction_share(start=may, end=datetime.date(2025, 5, 31))
    assert in_may["respondents"] == by_month[may]["respondents"]


def published_hidden(survey):
    """The cells a reader sees as "x" in the public export, keyed as surveys.exports keys them:
    walks the exported rows in the order they are written."""
    from surveys.exports import SUPPRESSED, public_table, table_rows

    values, lines, _always, tables, crosses = public_table(survey)
    rows = table_rows(survey, public=True)
    hidden = set()
    if rows[1][1] == SUPPRESSED:
        hidden.add("n")
    cursor = rows.index([]) + 2  # the blank row, the header, then the question tables
    for table in tables:
        for i, row in enumerate(table.rows):
            if table.question.kind == "text" and row.code is None:
                if rows[cursor][2] == SUPPRESSED:
                    hidden.add(("q", table.question.pk, "answered"))
                cursor += 1
            shown = rows[cursor][2]
            key = ("q", table.question.pk, i)
            if shown == SUPPRESSED:
                hidden.add(key)
            else:
                assert shown == values[key]
            cursor += 1
    for cross in crosses:
        cursor += 2
        header = rows[cursor]
        for j, (key, _label, _n) in enumerate(cross.columns):
            if header[1 + 2 * j].endswith(f"(n={SUPPRESSED})"):
                hidden.add(("col", cross.dimension, key))
        cursor += 1
        for i in range(len(cross.rows)):
            for j, (key, _label, _n) in enumerate(cross.columns):
                cell = ("x", cross.question.pk, cross.dimension, i, key)
                shown = rows[cursor][1 + 2 * j]
                if shown == SUPPRESSED:
                    hidden.add(cell)
                else:
                    assert shown == values[cell]
            cursor += 1
    return values, lines, hidden


def test_public_export_leaks_no_hidden_cell(post_class, make):
    """Enough answers that some cells are shown: the attacker solves every line of the export
    (n, the question tables, cross-tables, columns' n) and pins no hidden cell. The table has
    too many hidden cells to enumerate, so this attacker uses the lines alone (linear algebra);
    the bounds attack runs on the smaller tables of tests/reports/test_disclosure.py."""
    from tests.reports.attack import linearly_recovered

    for i in range(14):
        answer(
            post_class,
            q1=[5 if i % 3 else 4],
            q2=[1 + i % 2],
            q3=[1, 2] if i % 4 else [2],
            q5=[7 if i < 9 else 6],
            q6=[2 if i % 5 else 1],
        )
    answer(post_class, q1=[1], q2=[3])
    values, lines, hidden = published_hidden(post_class)
    assert {key for key, value in values.items() if 0 < value < 5} <= hidden
    assert any(key not in hidden and value >= 5 for key, value in values.items())
    assert linearly_recovered(values, lines, hidden) == []
    # Primary suppression alone would leak: the attacker works on this table.
    primary = {key for key, value in values.items() if 0 < value < 5}
    assert linearly_recovered(values, lines, primary)
