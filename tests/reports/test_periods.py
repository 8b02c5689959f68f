"""Every figure names its period: 当年度 (the year alone) beside 累計 (from the plan's start).

The kpi fixture (tests/reports/conftest.py) plus two sessions on the FY2025/FY2026 edge:
  r4       2026-03-31 23:59:59 JST   the last second of FY2025
  r6, r1   2026-04-01 00:00:00 JST   the first second of FY2026 (r6's first attendance)
Hand count (plan FY2024–FY2026):
  FY2024 alone      attendances 2 (r1 Nov, r4 Mar)   unique 2 (r1, r4)           sessions 2
  FY2025 alone      attendances 7 (r5; r1 r2; r1 r2 r3; r4)  unique 5 (r5 r1 r2 r3 r4)  sessions 5
  to 2026-03-31     attendances 9                    unique 5 (r1 r4 r5 r2 r3)   sessions 7
  FY2026 alone      attendances 2 (r6, r1)           unique 2 (r6, r1)           sessions 1
  to 2026-08-01     attendances 11                   unique 6 (… r6)             sessions 8
"""

import datetime

import pytest
from django.template import Context, Template
from django.urls import reverse

from classes.models import Booking, SessionStatus
from reports import queries
from reports.fiscal import fiscal_year_label, fiscal_year_span_label
from reports.models import Indicator, Metric, Plan
from tests.factories import tokyo
from tests.reports.conftest import attend
from tests.reports.test_exports import get_export, rows_of

AUG_2026 = datetime.date(2026, 8, 1)


@pytest.fixture
def edges(kpi, make):
    last = make.session(
        course=kpi.smart, venue=kpi.venue_a, starts_at=tokyo(2026, 3, 31, 23), status="held"
    )
    first = make.session(
        course=kpi.smart, venue=kpi.venue_b, starts_at=tokyo(2026, 4, 1, 0), status="held"
    )
    attend(kpi.r4, last, tokyo(2026, 3, 31, 23, 59) + datetime.timedelta(seconds=59))
    attend(kpi.r6, first, tokyo(2026, 4, 1, 0, 0))
    attend(kpi.r1, first, tokyo(2026, 4, 1, 0, 0))
    kpi.yearly = Indicator.objects.create(
        plan=kpi.plan, name="実参加者数", metric=Metric.UNIQUE_PARTICIPANTS, order=3
    )
    return kpi


def figures(dash):
    return {row.indicator.name: (row.in_year, row.since_start) for row in dash.rows}


def test_each_fiscal_year_has_its_own_figures_beside_the_cumulative_ones(edges):
    assert figures(queries.dashboard(edges.plan, fy=2024, today=AUG_2026)) == {
        "スマホ教室受講者（累計）": (2, 2),
        "延べ参加者数": (2, 2),
        "開催回数": (2, 2),
        "実参加者数": (2, 2),
    }
    assert figures(queries.dashboard(edges.plan, fy=2025, today=AUG_2026)) == {
        "スマホ教室受講者（累計）": (5, 5),
        "延べ参加者数": (7, 9),
        "開催回数": (5, 7),
        "実参加者数": (5, 5),
    }
    assert figures(queries.dashboard(edges.plan, fy=2026, today=AUG_2026)) == {
        "スマホ教室受講者（累計）": (2, 6),
        "延べ参加者数": (2, 11),
        "開催回数": (1, 8),
        "実参加者数": (2, 6),  # distinct within the year, not since the plan began
    }


def test_a_running_year_counts_to_today(edges):
    # On 1 April 2026 only the first second's check-ins belong to FY2026.
    dash = queries.dashboard(edges.plan, fy=2026, today=datetime.date(2026, 4, 1))
    assert dash.as_of == datetime.date(2026, 4, 1)
    assert figures(dash)["延べ参加者数"] == (2, 11)
    assert dash.rows[0].series[0].actual == 6  # the 累計 at the end of April


def test_rates_have_an_in_year_and_a_cumulative_value(edges, make):
    Indicator.objects.filter(plan=edges.plan).delete()
    Indicator.objects.create(plan=edges.plan, name="無断欠席率", metric=Metric.NO_SHOW_RATE)
    no_show = make.session(
        course=edges.smart, venue=edges.venue_a, starts_at=tokyo(2026, 5, 1, 10), status="held"
    )
    Booking.objects.create(session=no_show, resident=edges.r2, status="no_show")
    row = queries.dashboard(edges.plan, fy=2026, today=AUG_2026).rows[0]
    # FY2026: 2 attended, 1 no-show → 33.3 %; since FY2024: 12 bookings attended (r6's July
    # check-in was undone, its booking still says attended), 1 no-show → 1 / 13 = 7.7 %.
    assert (str(row.in_year), str(row.since_start)) == ("33.3", "7.7")


@pytest.mark.parametrize(
    ("fy", "label"),
    [
        (2018, "平成30年度（2018年度）"),
        (2019, "令和元年度（2019年度）"),  # began under 平成 on 1 April; called 令和元年度
        (2025, "令和7年度（2025年度）"),
    ],
)
def test_fiscal_year_labels(fy, label):
    assert fiscal_year_label(fy) == label


def test_fiscal_year_span_labels_and_filters():
    assert fiscal_year_span_label(2025, 2027) == "令和7年度〜令和9年度（2025〜2027年度）"
    assert fiscal_year_span_label(2026, 2026) == "令和8年度（2026年度）"
    plan = Plan(name="p", municipality="m", start_fy=2019, end_fy=2021)
    text = Template("{% load wareki %}{{ fy|fiscal_year }} / {{ plan|fiscal_years }}").render(
        Context({"fy": 2020, "plan": plan})
    )
    assert text == "令和2年度（2020年度） / 令和元年度〜令和3年度（2019〜2021年度）"


def test_plan_list_shows_the_years_in_wareki(dx_client, kpi):
    page = dx_client.get(reverse("reports:plan_list")).content.decode()
    assert "令和6年度〜令和8年度（2024〜2026年度）" in page
    assert "2024–2026" not in page


def test_dashboard_page_and_csv_say_each_figures_period(dx_client, edges):
    # The suite's clock (tests/clock.py) is in June 2026: FY2026 runs, counted to that day.
    response = dx_client.get(reverse("reports:plan_dashboard", args=[edges.plan.pk]), {"fy": 2026})
    csv_rows = rows_of(get_export(dx_client, edges.plan, "csv", fy=2026).content)
    page = response.content.decode()
    assert "当年度" in page and "累計" in page and "令和8年度（2026年度）" in page
    row = page.split(f'data-indicator="{edges.yearly.pk}"')[1].split("</tr>")[0]
    assert '<td class="num in-year">2</td>' in row
    assert '<td class="num actual">6</td>' in row
    assert csv_rows[0][0] == "日向市 DX推進計画 令和8年度（2026年度）"
    assert csv_rows[2][2:4] == ["当年度：令和8年度（2026年度）", "累計：令和6年度（2024年度）から"]
    by_name = {line[0]: line[2:4] for line in csv_rows[3:7]}
    assert by_name == {
        "スマホ教室受講者（累計）": ["2", "6"],
        "延べ参加者数": ["2", "11"],
        "開催回数": ["1", "8"],
        "実参加者数": ["2", "6"],
    }


def test_the_sessions_held_count_of_a_year_ignores_cancelled_sessions(edges, make):
    make.session(
        course=edges.smart,
        venue=edges.venue_a,
        starts_at=tokyo(2026, 4, 2, 10),
        status=SessionStatus.CANCELLED,
    )
    assert figures(queries.dashboard(edges.plan, fy=2026, today=AUG_2026))["開催回数"] == (1, 8)


def test_a_check_in_after_midnight_counts_on_its_sessions_date(kpi, make):
    """The session's date decides: scanned at 00:05 on 1 April 2026 for the 23:30 session of
    31 March, the attendance is FY2025's (with the session), not FY2026's."""
    late = make.session(
        course=kpi.smart, venue=kpi.venue_a, starts_at=tokyo(2026, 3, 31, 23, 30), status="held"
    )
    newcomer = make.resident()
    attend(newcomer, late, tokyo(2026, 4, 1, 0, 5))
    fy2025 = figures(queries.dashboard(kpi.plan, fy=2025, today=AUG_2026))
    fy2026 = figures(queries.dashboard(kpi.plan, fy=2026, today=AUG_2026))
    assert fy2025["延べ参加者数"] == (7, 9)  # r5; r1 r2; r1 r2 r3; the newcomer
    assert fy2025["スマホ教室受講者（累計）"] == (5, 6)
    assert fy2025["開催回数"] == (5, 7)
    assert fy2026["延べ参加者数"] == (0, 9)
    march = queries.dashboard(kpi.plan, fy=2025, today=AUG_2026).rows[0].series[-1]
    assert (march.month, march.actual) == (datetime.date(2026, 3, 1), 6)


@pytest.mark.parametrize("fy", [2024, 2025, 2026])
def test_the_years_residents_from_the_series_query_agree_with_count_distinct(edges, fy):
    """The dashboard takes a year's 実参加者数 from its monthly series query (residents whose
    last attendance in the span is in the year); the plain COUNT(DISTINCT) agrees."""
    from reports.fiscal import fiscal_year_range_utc, tokyo_midnight_utc
    from reports.metrics import ALL, cumulative_unique_by_month, metric_value

    start = fiscal_year_range_utc(2024)[0]
    end = tokyo_midnight_utc(queries.as_of_date(fy, today=AUG_2026) + datetime.timedelta(days=1))
    fy_start = fiscal_year_range_utc(fy)[0]
    _rows, active = cumulative_unique_by_month(start, end, ALL, active_since=fy_start)
    assert active == metric_value(Metric.UNIQUE_PARTICIPANTS, start=fy_start, end=end, filter=ALL)
    assert active == {2024: 2, 2025: 5, 2026: 2}[fy]
