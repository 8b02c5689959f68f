"""The demo city's KPI plans: one shaped like Hyuga's DX plan, one like Morioka's.

Hyuga's real targets run to the end of 令和7年度 (FY2025); the demo holds about one fiscal year of
sessions (the current one, reaching back into the last when this one has just begun), so the demo
plans start with the first fiscal year the demo's sessions fall in and end with the current one;
the targets fall on its last day, with the baseline before the plan's first: the pace line then
says something today, and nothing the demo holds falls outside its plans.
"""

import datetime
from typing import Any

from django.utils import timezone

from classes.models import Category
from consultations.models import Topic
from consultations.services import topics_restore_national
from reports.fiscal import fiscal_year_bounds, fiscal_year_of
from reports.models import Indicator, Metric, Plan, Target
from reports.rollup import rollup_maintain

HYUGA: dict[str, Any] = {
    "name": "日向市DX推進計画（デモ）",
    "municipality": "日向市",
    "municipality_code": "452068",
    "indicators": [
        (
            "スマホ教室受講者（累計）",
            Metric.CUMULATIVE_UNIQUE,
            [
                Category.SMARTPHONE_INTRO,
                Category.SMARTPHONE_BASIC,
                Category.SMARTPHONE_ADVANCED,
            ],
            900,
        ),
        (
            "プログラミング体験教室受講者（累計）",
            Metric.CUMULATIVE_UNIQUE,
            [Category.PROGRAMMING],
            45,
        ),
        ("延べ参加者数", Metric.ATTENDANCES, [], None),
        ("デジタル推進委員の延べ活動人数", Metric.VOLUNTEER_ATTENDANCES, [], None),
        ("受講後アンケートの満足度（%）", Metric.SATISFACTION, [], None),
        ("デジタル相談会の相談件数", Metric.CONSULTATIONS, [], None),
        ("マイナンバーカード・オンライン申請の相談件数", Metric.CONSULTATIONS, [], None),
    ],
}
# Indicators that count the consultations about some topics only (Topic keys).
TOPICS = {"マイナンバーカード・オンライン申請の相談件数": ["mynumber", "online"]}
MORIOKA: dict[str, Any] = {
    "name": "盛岡市デジタル推進計画（デモ）",
    "municipality": "盛岡市",
    "municipality_code": "032018",
    "indicators": [
        ("デジタル機器の利活用に関する講習の実施回数", Metric.SESSIONS_HELD, [], 130),
    ],
}
PLANS = (HYUGA, MORIOKA)


def _plan(shape, *, start_fy, end_fy):
    """The plan and each of its indicators unless they exist; True when something was made."""
    plan, created = Plan.objects.get_or_create(
        name=shape["name"],
        municipality=shape["municipality"],
        defaults={
            "municipality_code": shape["municipality_code"],
            "start_fy": start_fy,
            "end_fy": end_fy,
        },
    )
    first, last = fiscal_year_bounds(plan.start_fy)[0], fiscal_year_bounds(plan.end_fy)[1]
    for order, (name, metric, categories, value) in enumerate(shape["indicators"]):
        indicator, made = Indicator.objects.get_or_create(
            plan=plan,
            name=name,
            defaults={"metric": metric, "categories": list(categories), "order": order},
        )
        created |= made
        if made and name in TOPICS:
            topics_restore_national()
            indicator.topics.set(Topic.objects.filter(key__in=TOPICS[name]))
        if made and value is not None:
            Target.objects.create(
                indicator=indicator,
                value=value,
                target_date=last,
                baseline_value=0,
                baseline_date=first - datetime.timedelta(days=1),
            )
    return created


def seed(*, users, small, seed):
    """Create the demo plans unless they exist; True when something was created."""
    from demo.seed import planning_window  # demo.seed lists this module among its areas

    today = timezone.localdate()
    first_day, _last_day = planning_window(today)
    created = False
    for shape in PLANS:
        created |= _plan(shape, start_fy=fiscal_year_of(first_day), end_fy=fiscal_year_of(today))
    # The dashboards read the rollup from the first page, as the task would have built it.
    rollup_maintain()
    return created


def counts():
    return {
        "KPI plans": Plan.objects.count(),
        "KPI indicators": Indicator.objects.count(),
        "KPI targets": Target.objects.count(),
    }
