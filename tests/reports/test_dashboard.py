"""The dashboard's numbers (monthly series, pace, fiscal-year selector) and its pages."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db.models import Count
from django.urls import reverse

from classes.models import SessionStatus
from reports import metrics, queries
from reports.fiscal import TOKYO, fiscal_year_range_utc
from reports.models import Indicator, Metric
from tests.factories import tokyo
from tests.reports.conftest import attend

AUG_2025 = datetime.date(2025, 8, 15)


def series(report):
    return [point.actual for point in report.series]


def test_cumulative_unique_by_month_counts_each_resident_in_their_first_month(kpi):
    dash = queries.dashboard(kpi.plan, fy=2025, today=AUG_2025)
    unique, visits, held = dash.rows
    # r1 and r4 came in FY2024 (r4 at 23:30 on 31 March, Tokyo), r5 at 00:10 on 1 April.
    assert series(unique) == [3, 4, 5, 5, 5, None, None, None, None, None, None, None]
    # The actual is the series' running total on the as-of date; the distinct count agrees.
    assert unique.progress.actual == 5
    assert metrics.indicator_progress(kpi.unique, today=AUG_2025).actual == 5
    assert metrics.indicator_progress(kpi.attendances, today=AUG_2025).actual == 8
    assert series(visits) == [3, 5, 8, 8, 8, None, None, None, None, None, None, None]
    # Sessions held since the plan began: Nov, Mar (FY2024), then Apr, May, Jun, Jul.
    assert series(held) == [3, 4, 5, 6, 6, None, None, None, None, None, None, None]


def test_fiscal_year_2024_ends_with_the_late_march_checkin(kpi):
    dash = queries.dashboard(kpi.plan, fy=2024, today=AUG_2025)
    assert dash.as_of == datetime.date(2025, 3, 31)
    unique = dash.rows[0]
    assert series(unique)[7:] == [1, 1, 1, 1, 2]  # November r1, March r4
    assert unique.progress.actual == 2


def test_pace_line_runs_from_baseline_to_target(kpi):
    dash = queries.dashboard(kpi.plan, fy=2025, today=AUG_2025)
    unique = dash.rows[0]
    # 10 people by 2026-03-31 from 0 on 2025-03-31: end of April is 30 of 365 days.
    assert unique.series[0].pace == Decimal("0.8")
    assert unique.series[-1].pace == Decimal("10.0")
    # Today (15 August, 137 days): pace 3.75…, actual 5 → on track.
    assert unique.progress.pace.quantize(Decimal("0.01")) == Decimal("3.75")
    assert unique.status == "on_track"
    assert dash.rows[1].status == "none"  # no target


def test_behind_when_the_actual_is_under_pace(kpi):
    kpi.target.value = 100
    kpi.target.save()
    unique = queries.dashboard(kpi.plan, fy=2025, today=AUG_2025).rows[0]
    assert unique.progress.progress == Decimal("5.0")
    assert unique.status == "behind"


def test_unique_participants_chart_is_cumulative_too(kpi):
    kpi.unique.metric = Metric.UNIQUE_PARTICIPANTS
    kpi.unique.save()
    unique = queries.dashboard(kpi.plan, fy=2025, today=AUG_2025).rows[0]
    assert series(unique)[:4] == [3, 4, 5, 5]


def test_rate_metrics_show_each_months_own_value(kpi):
    Indicator.objects.filter(plan=kpi.plan).delete()
    Indicator.objects.create(plan=kpi.plan, name="無断欠席率", metric=Metric.NO_SHOW_RATE)
    rate = queries.dashboard(kpi.plan, fy=2025, today=AUG_2025).rows[0]
    assert rate.progress.actual == Decimal("0.0")  # its own query over the whole span
    # All bookings attended: 0 % no-shows in months with sessions, None in others.
    assert series(rate)[:5] == [
        Decimal("0.0"),
        Decimal("0.0"),
        Decimal("0.0"),
        Decimal("0.0"),
        None,
    ]


def test_fiscal_year_choices_are_the_plans_years_that_have_begun(kpi):
    choices = queries.fiscal_year_choices(kpi.plan, today=AUG_2025)
    assert choices == [(2025, "令和7年度（2025年度）"), (2024, "令和6年度（2024年度）")]
    assert queries.chosen_fiscal_year(kpi.plan, "2024", today=AUG_2025) == 2024
    assert queries.chosen_fiscal_year(kpi.plan, "1999", today=AUG_2025) == 2024
    assert queries.chosen_fiscal_year(kpi.plan, "abc", today=AUG_2025) == 2025


def test_breakdown_by_venue_and_age_band(kpi):
    by_venue = queries.breakdown(kpi.attendances, by="venue", fy=2025, today=AUG_2025)
    assert {(row.label, row.value) for row in by_venue} == {
        ("日向市中央公民館", 2),  # May r1, r2
        ("大王谷コミュニティセンター", 4),  # April r5, June r1 r2 r3
    }
    by_age = queries.breakdown(kpi.unique, by="age_band", fy=2025, today=AUG_2025)
    # Ages in 2025: r1 75, r5 65, r2 45, r3 unknown.
    assert [(row.key, row.value) for row in by_age] == [(40, 1), (60, 1), (70, 1), (None, 1)]
    since_start = queries.breakdown(
        kpi.unique, by="age_band", fy=2025, today=AUG_2025, scope="plan"
    )
    assert dict((row.key, row.value) for row in since_start)[70] == 2  # r1 and r4 (77)


# --- pages ----------------------------------------------------------------------------------


def test_dashboard_page_shows_each_indicator_with_chart_data_and_table(dx_client, kpi):
    response = dx_client.get(reverse("reports:plan_dashboard", args=[kpi.plan.pk]), {"fy": 2025})
    assert response.status_code == 200
    page = response.content.decode()
    assert "令和7年度" in page and "令和6年度" in page  # the selector's 和暦 labels
    assert page.count('class="month-table"') == 3
    assert "chart-4.6.1.umd.min.js" in page
    data = response.context["chart_data"]
    assert data["indicators"][0]["name"] == "スマホ教室受講者（累計）"
    # FY2025 is over (today is after 31 March 2026): every month has its value.
    assert data["indicators"][0]["actual"] == [3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]
    assert data["indicators"][0]["pace"][-1] == 10.0
    embedded = page.split('id="kpi-chart-data" type="application/json">')[1].split("</script>")[0]
    assert json.loads(embedded) == data
    # 5 of 10 by the end of the year is under the pace (10 on 31 March).
    assert response.context["dash"].rows[0].status == "behind"
    assert 'class="badge bad"' in page


def test_dashboard_query_count_does_not_grow_with_data(
    dx_client, kpi, make, django_assert_num_queries
):
    url = reverse("reports:plan_dashboard", args=[kpi.plan.pk])
    # Session, user and roles (3), plan (1), indicators with venues, partners, consultation
    # topics and targets (5), one monthly series per indicator, whose running total is the 累計
    # and which also gives the 当年度 (3), recent exports (1): 13.
    with django_assert_num_queries(13):
        first = dx_client.get(url, {"fy": 2025})
    for n in range(15):
        session = make.session(
            course=kpi.smart,
            venue=kpi.venue_a,
            starts_at=tokyo(2025, 9, 1 + n, 10),
            status=SessionStatus.HELD,
        )
        attend(make.resident(), session, tokyo(2025, 9, 1 + n, 10, 5))
    with django_assert_num_queries(13):
        again = dx_client.get(url, {"fy": 2025})
    assert first.context["dash"].rows[0].progress.actual == 5
    assert again.context["dash"].rows[0].progress.actual == 20


def test_breakdown_page_drills_down_by_venue_and_age_band(
    dx_client, kpi, django_assert_max_num_queries
):
    url = reverse("reports:indicator_breakdown", args=[kpi.attendances.pk])
    with django_assert_max_num_queries(9):
        response = dx_client.get(url, {"by": "venue", "fy": 2025})
    assert response.status_code == 200
    # Venues in id order: A (May r1, r2), B (April r5, June r1 r2 r3).
    assert [(r.label, r.value) for r in response.context["rows"]] == [
        ("日向市中央公民館", 2),
        ("大王谷コミュニティセンター", 4),
    ]
    assert "日向市中央公民館" in response.content.decode()
    response = dx_client.get(url, {"by": "age_band", "fy": 2025})
    assert [(r.key, r.value) for r in response.context["rows"]] == [
        (40, 2),
        (60, 1),
        (70, 2),
        (None, 1),
    ]


def test_breakdown_page_falls_back_for_an_unknown_or_impossible_dimension(dx_client, kpi):
    url = reverse("reports:indicator_breakdown", args=[kpi.sessions.pk])
    response = dx_client.get(url, {"by": "age_band"})  # sessions have no age
    assert response.status_code == 200
    assert response.context["by"] == "venue"
    assert "age_band" not in dict(response.context["breakdowns"])
    assert dx_client.get(url, {"by": "nonsense", "fy": "x"}).status_code == 200


def test_plan_list_links_each_plan(dx_client, kpi, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = dx_client.get(reverse("reports:plan_list"))
    assert reverse("reports:plan_dashboard", args=[kpi.plan.pk]) in response.content.decode()


@pytest.mark.parametrize("fy", [2024, 2025, 2026])
def test_every_fiscal_year_of_the_plan_renders(dx_client, kpi, fy):
    response = dx_client.get(reverse("reports:plan_dashboard", args=[kpi.plan.pk]), {"fy": fy})
    assert response.status_code == 200


def test_first_attendance_counts_agree_with_the_not_exists_form(kpi, make):
    """The derived-table query and the portable NOT EXISTS query give the same buckets, also
    when a resident attends two sessions starting at the same instant (counted once)."""
    twin = make.resident()
    for venue in (kpi.venue_a, kpi.venue_b):
        session = make.session(
            course=kpi.smart, venue=venue, starts_at=tokyo(2025, 5, 31, 23), status="held"
        )
        attend(twin, session, tokyo(2025, 5, 31, 23, 59))
    start, end = fiscal_year_range_utc(2024)[0], fiscal_year_range_utc(2025)[1]
    spec = metrics._SPECS[Metric.ATTENDANCES]
    for by in ("month", "fiscal_year"):
        grouped = (
            metrics._cumulative_rows(start, end, metrics.ALL)
            .annotate(key=metrics._key_expression(spec, by, end))
            .values("key")
            .annotate(n=Count("pk"))
            .order_by("key")
        )
        portable = [
            (row["key"].astimezone(TOKYO).date() if by == "month" else row["key"], row["n"])
            for row in grouped
        ]
        assert metrics._first_in_span_counts(start, end, metrics.ALL, by) == portable
    assert metrics._first_in_span_counts(start, end, metrics.ALL, "month")[-2:] == [
        (datetime.date(2025, 5, 1), 2),  # r2 and the twin (once)
        (datetime.date(2025, 6, 1), 1),  # r3
    ]


def test_a_breakdown_of_people_by_venue_says_the_rows_can_add_up_to_more(dx_client, kpi):
    url = reverse("reports:indicator_breakdown", args=[kpi.unique.pk])
    by_venue = dx_client.get(url, {"by": "venue", "fy": 2025}).content.decode()
    assert 'id="overlap-note"' in by_venue
    assert "会場ごと（" in by_venue  # never 会場別 nor 性別別
    by_gender = dx_client.get(url, {"by": "gender", "fy": 2025}).content.decode()
    assert 'id="overlap-note"' not in by_gender  # each person is in one row
    assert "性別ごと（" in by_gender
    sessions = reverse("reports:indicator_breakdown", args=[kpi.sessions.pk])
    assert 'id="overlap-note"' not in dx_client.get(sessions, {"by": "venue"}).content.decode()
