"""The DX office edits plans, indicators and targets; bad input keeps what was typed."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import translation

from reports.models import Indicator, Metric, Plan, Target


def test_changing_a_target_changes_the_dashboard(dx_client, kpi):
    url = reverse("reports:target_edit", args=[kpi.target.pk])
    assert dx_client.get(url).status_code == 200
    response = dx_client.post(
        url,
        {
            "value": "4",
            "target_date": "2026-03-31",
            "baseline_value": "0",
            "baseline_date": "2025-03-31",
        },
    )
    assert response.status_code == 302
    kpi.target.refresh_from_db()
    assert kpi.target.value == Decimal("4")
    page = dx_client.get(reverse("reports:plan_dashboard", args=[kpi.plan.pk]), {"fy": 2025})
    first = page.context["dash"].rows[0]
    assert (first.progress.progress, first.status) == (Decimal("125.0"), "on_track")


def test_target_before_its_baseline_is_refused_and_the_input_kept(dx_client, kpi):
    url = reverse("reports:target_edit", args=[kpi.target.pk])
    with translation.override("en"):
        response = dx_client.post(
            url,
            {
                "value": "777",
                "target_date": "2024-01-31",
                "baseline_value": "0",
                "baseline_date": "2025-03-31",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    form = response.context["form"]
    assert "target_date" in form.errors
    page = response.content.decode()
    assert 'value="777"' in page and 'value="2024-01-31"' in page
    kpi.target.refresh_from_db()
    assert kpi.target.value == 10


def test_a_mistyped_date_and_a_negative_target_are_explained(dx_client, kpi):
    url = reverse("reports:target_create", args=[kpi.unique.pk])
    response = dx_client.post(
        url,
        {
            "value": "-5",
            "target_date": "来年3月",
            "baseline_value": "0",
            "baseline_date": "2025-04-01",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"value", "target_date"}
    assert "来年3月" in response.content.decode()
    assert Target.objects.count() == 1


def test_a_new_plan_with_a_wrong_code_or_years_is_refused(dx_client):
    url = reverse("reports:plan_create")
    response = dx_client.post(
        url,
        {
            "name": "計画",
            "municipality": "日向市",
            "municipality_code": "452067",
            "start_fy": "2025",
            "end_fy": "2023",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"municipality_code", "end_fy"}
    assert 'value="452067"' in response.content.decode()
    response = dx_client.post(
        url,
        {
            "name": "計画",
            "municipality": "日向市",
            "municipality_code": "452068",
            "start_fy": "2025",
            "end_fy": "2027",
        },
    )
    plan = Plan.objects.get()
    assert response.url == reverse("reports:plan_dashboard", args=[plan.pk])
    assert (plan.start_fy, plan.end_fy) == (2025, 2027)


def test_adding_an_indicator_with_a_filter_then_its_target(dx_client, kpi):
    response = dx_client.post(
        reverse("reports:indicator_create", args=[kpi.plan.pk]),
        {
            "name": "プログラミング体験教室受講者（累計）",
            "metric": Metric.CUMULATIVE_UNIQUE,
            "categories": ["programming"],
            "venues": [kpi.venue_b.pk],
            "order": "3",
        },
    )
    indicator = Indicator.objects.get(name="プログラミング体験教室受講者（累計）")
    assert response.url == reverse("reports:target_create", args=[indicator.pk])
    assert indicator.categories == ["programming"]
    assert list(indicator.venues.all()) == [kpi.venue_b]
    dx_client.post(
        response.url,
        {
            "value": "45",
            "target_date": "2026-03-31",
            "baseline_value": "0",
            "baseline_date": "2025-03-31",
        },
    )
    dash = dx_client.get(
        reverse("reports:plan_dashboard", args=[kpi.plan.pk]), {"fy": 2025}
    ).context["dash"]
    programming = next(row for row in dash.rows if row.indicator == indicator)
    assert programming.progress.actual == 3  # June at venue B: r1, r2, r3
    assert programming.progress.target.value == 45


def test_an_unknown_metric_keeps_the_form(dx_client, kpi):
    response = dx_client.post(
        reverse("reports:indicator_edit", args=[kpi.unique.pk]),
        {"name": "名前を変えた", "metric": "happiness", "order": "0"},
    )
    assert response.status_code == 200
    assert "metric" in response.context["form"].errors
    assert "名前を変えた" in response.content.decode()


def test_deleting_a_target_is_post_only(dx_client, kpi):
    url = reverse("reports:target_delete", args=[kpi.target.pk])
    assert dx_client.get(url).status_code == 405
    assert dx_client.post(url).status_code == 302
    assert not Target.objects.exists()


def test_desk_staff_cannot_edit_targets(desk_client, kpi):
    url = reverse("reports:target_edit", args=[kpi.target.pk])
    response = desk_client.post(
        url,
        {
            "value": "1",
            "target_date": "2026-03-31",
            "baseline_value": "0",
            "baseline_date": str(datetime.date(2025, 3, 31)),
        },
    )
    assert response.status_code == 403
    kpi.target.refresh_from_db()
    assert kpi.target.value == 10
