"""The DX office in Chromium: the dashboard draws its charts, a target is changed, drill-down
by venue and age band, and the KPI pages pass axe-core (WCAG 2.1 AA)."""

import pytest
from django.urls import reverse

from tests.reports import conftest as reports_fixtures

kpi = reports_fixtures.kpi  # the hand-counted plan of tests/reports, as a fixture here

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row(indicator):
    return f"tr[data-indicator='{indicator.pk}']"


def test_dashboard_draws_a_chart_per_indicator_and_the_target_can_be_changed(
    page, login, live_server, kpi, dx_user
):
    login(dx_user)
    dashboard = f"{live_server.url}{reverse('reports:plan_dashboard', args=[kpi.plan.pk])}"
    page.goto(f"{dashboard}?fy=2025")
    page.wait_for_selector("canvas[data-drawn='true']")
    assert page.locator("canvas[data-drawn='true']").count() == 3
    # Chart.js drew real points: the first chart's actual line ends at 5 in March.
    last = page.evaluate(
        "document.querySelector('canvas[data-chart-index=\"0\"]').kpiChart"
        ".data.datasets[0].data.at(-1)"
    )
    assert last == 5
    assert "badge bad" in page.locator(row(kpi.unique)).inner_html()

    page.select_option("#fy", "2024")
    page.click(".fy-select button")
    page.wait_for_url("**fy=2024")
    assert page.locator(row(kpi.unique) + " td.actual").inner_text() == "2"

    page.goto(f"{dashboard}?fy=2025")
    page.click(f"a[href='{reverse('reports:target_edit', args=[kpi.target.pk])}']")
    page.fill("#id_value", "4")
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(f"**{reverse('reports:plan_dashboard', args=[kpi.plan.pk])}")
    page.goto(f"{dashboard}?fy=2025")
    assert "badge ok" in page.locator(row(kpi.unique)).inner_html()


def test_drill_down_by_venue_then_age_band(page, login, live_server, kpi, dx_user):
    login(dx_user)
    page.goto(f"{live_server.url}{reverse('reports:plan_dashboard', args=[kpi.plan.pk])}?fy=2025")
    page.locator(row(kpi.attendances) + " a").first.click()
    page.wait_for_url("**by=venue**")
    cells = page.locator("table tbody tr").all_inner_texts()
    assert cells == ["日向市中央公民館\t2", "大王谷コミュニティセンター\t4"]
    page.click("a[href*='by=age_band']")
    page.wait_for_url("**by=age_band**")
    assert page.locator("table tbody tr").count() == 4


def test_kpi_pages_pass_axe(page, login, live_server, kpi, dx_user, axe):
    login(dx_user)
    urls = [
        reverse("reports:plan_list"),
        reverse("reports:plan_dashboard", args=[kpi.plan.pk]) + "?fy=2025",
        reverse("reports:indicator_breakdown", args=[kpi.unique.pk]) + "?by=age_band",
        reverse("reports:target_edit", args=[kpi.target.pk]),
        reverse("reports:indicator_edit", args=[kpi.unique.pk]),
        reverse("reports:plan_edit", args=[kpi.plan.pk]),
        reverse("reports:programme", args=[kpi.plan.pk]) + "?fy=2025",
    ]
    found = {}
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        if "plans/" in url and "fy=" in url and "programme" not in url:
            page.wait_for_selector("canvas[data-drawn='true']")
        violations = axe(page)
        if violations:
            found[url] = violations
    assert found == {}
