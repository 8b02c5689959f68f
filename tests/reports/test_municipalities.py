"""Plans own their data: two municipalities' plans in one installation never mix.

The kpi fixture is 日向市 (452068; venues A and B). Here 延岡市 (452033) gets a venue of its own
with one session in May 2025 attended by two residents, and a plan with its own contact.
"""

import datetime

import pytest
from django.urls import reverse

from classes.models import SessionStatus
from reports import opendata, queries
from reports.models import Indicator, Metric, Plan
from tests.factories import tokyo
from tests.reports.conftest import attend
from tests.reports.test_exports import rows_of

AUG_2025 = datetime.date(2025, 8, 15)


@pytest.fixture
def nobeoka(kpi, make):
    w = type("Nobeoka", (), {})()
    w.venue = make.venue(name="延岡市社会教育センター", municipality_code="452033")
    w.session = make.session(
        course=kpi.smart,
        venue=w.venue,
        starts_at=tokyo(2025, 5, 20, 14),
        status=SessionStatus.HELD,
    )
    for resident in (kpi.r1, make.resident()):
        attend(resident, w.session, tokyo(2025, 5, 20, 14, 5))
    w.plan = Plan.objects.create(
        name="延岡市デジタル推進計画",
        municipality="延岡市",
        municipality_code="452033",
        contact="0982-22-7000（延岡市 デジタル戦略課）",
        start_fy=2025,
        end_fy=2025,
    )
    for order, (name, metric) in enumerate(
        [
            ("開催回数", Metric.SESSIONS_HELD),
            ("延べ参加者数", Metric.ATTENDANCES),
            ("実参加者数", Metric.UNIQUE_PARTICIPANTS),
        ]
    ):
        Indicator.objects.create(plan=w.plan, name=name, metric=metric, order=order)
    return w


def figures(plan):
    dash = queries.dashboard(plan, fy=2025, today=AUG_2025)
    return {row.indicator.name: (row.in_year, row.since_start) for row in dash.rows}


def test_each_plan_counts_only_its_municipalitys_sessions(kpi, nobeoka):
    # 日向市 as without 延岡市 (tests/reports/test_periods.py): r1 attending in 延岡市 changes
    # nothing here.
    assert figures(kpi.plan) == {
        "スマホ教室受講者（累計）": (4, 5),
        "延べ参加者数": (6, 8),
        "開催回数": (4, 6),
    }
    assert figures(nobeoka.plan) == {
        "開催回数": (1, 1),
        "延べ参加者数": (2, 2),
        "実参加者数": (2, 2),
    }


def test_event_list_publishes_only_the_plans_sessions_with_its_code_and_contact(
    dx_client, kpi, nobeoka
):
    def events(plan):
        url = reverse("reports:opendata_events", args=[plan.pk])
        rows = rows_of(dx_client.get(url, {"fy": 2025}).content)
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]

    theirs = events(nobeoka.plan)
    assert [row["ID"] for row in theirs] == [str(nobeoka.session.pk)]
    assert theirs[0]["全国地方公共団体コード"] == "452033"
    assert theirs[0]["地方公共団体名"] == theirs[0]["主催者"] == "延岡市"
    assert (theirs[0]["連絡先名称"], theirs[0]["連絡先電話番号"]) == (
        "延岡市 デジタル戦略課",
        "0982-22-7000",
    )
    ours = events(kpi.plan)
    assert str(nobeoka.session.pk) not in [row["ID"] for row in ours]
    assert {row["場所名称"] for row in ours} == {kpi.venue_a.name, kpi.venue_b.name}
    # 日向市's plan has no contact of its own: the site's CONTACT_PHONE.
    assert ours[0]["連絡先電話番号"] == "0982-52-2111"


def test_participation_totals_hold_only_the_plans_venues(kpi, nobeoka):
    def venues(plan):
        rows = opendata.participation_rows(plan, fy=2025, fy_label="令和7年度")
        return {row[2] for row in rows if row[1] == "会場" and row[2] != opendata.TOTAL_LABEL}

    assert venues(nobeoka.plan) == {"延岡市社会教育センター"}
    assert "延岡市社会教育センター" not in venues(kpi.plan)


def test_a_plan_without_a_code_counts_only_venues_without_one(kpi, make):
    unplaced = make.venue(name="未設定の会場", municipality_code="")
    session = make.session(
        course=kpi.smart, venue=unplaced, starts_at=tokyo(2025, 6, 1, 10), status="held"
    )
    attend(kpi.r2, session, tokyo(2025, 6, 1, 10, 5))
    plan = Plan.objects.create(name="p", municipality="どこか", start_fy=2025, end_fy=2025)
    Indicator.objects.create(plan=plan, name="延べ参加者数", metric=Metric.ATTENDANCES)
    assert figures(plan) == {"延べ参加者数": (1, 1)}
    assert figures(kpi.plan)["延べ参加者数"] == (6, 8)


def test_an_indicator_can_only_pick_its_plans_venues(dx_client, kpi, nobeoka):
    page = dx_client.get(reverse("reports:indicator_create", args=[nobeoka.plan.pk]))
    assert "延岡市社会教育センター" in page.content.decode()
    assert kpi.venue_a.name not in page.content.decode()
    response = dx_client.post(
        reverse("reports:indicator_create", args=[nobeoka.plan.pk]),
        {"name": "x", "metric": Metric.ATTENDANCES, "venues": [kpi.venue_a.pk], "order": 0},
    )
    assert response.status_code == 200  # the form again, with its message
    assert not Indicator.objects.filter(plan=nobeoka.plan, name="x").exists()


def _fill(apps_registry):
    import importlib

    migration = importlib.import_module("reports.migrations.0004_plan_contact_venues_of_the_plan")
    migration.venues_of_the_only_municipality(apps_registry, None)


def test_upgrading_a_single_city_installation_keeps_its_figures(kpi, make):
    """Migration reports.0004: venues without a code take the code of the plans when they name
    one municipality; with two municipalities nothing is guessed."""
    from django.apps import apps

    from classes.models import Venue

    Venue.objects.update(municipality_code="")
    _fill(apps)
    assert set(Venue.objects.values_list("municipality_code", flat=True)) == {"452068"}
    assert figures(kpi.plan)["延べ参加者数"] == (6, 8)

    Venue.objects.update(municipality_code="")
    Plan.objects.create(
        name="p", municipality="延岡市", municipality_code="452033", start_fy=2025, end_fy=2025
    )
    _fill(apps)
    assert set(Venue.objects.values_list("municipality_code", flat=True)) == {""}
