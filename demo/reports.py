"""The demo city's KPI plans: one shaped like Hyuga's DX plan, one like Morioka's.

Hyuga's real targets run to the end of 令和7年度 (FY2025); the demo holds one fiscal year of
sessions (the current one), so the demo plans span the current fiscal year and the targets fall
on its last day, with the baseline on its first: the pace line then says something today.
"""

import datetime
from typing import Any

from django.utils import timezone

from classes.models import Category
from reports.fiscal import fiscal_year_bounds, fiscal_year_of
from reports.models import Indicator, Metric, Plan, Target

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
    ],
}
MORIOKA: dict[str, Any] = {
    "name": "盛岡市デジタル推進計画（デモ）",
    "municipality": "盛岡市",
    "municipality_code": "032018",
    "indicators": [
        ("デジタル機器の利活用に関する講習の実施回数", Metric.SESSIONS_HELD, [], 130),
    ],
}
PLANS = (HYUGA, MORIOKA)


def _plan(shape, *, fy):
    """The plan and each of its indicators unless they exist; True when something was made."""
    plan, created = Plan.objects.get_or_create(
        name=shape["name"],
        municipality=shape["municipality"],
        defaults={"municipality_code": shape["municipality_code"], "start_fy": fy, "end_fy": fy},
    )
    first, last = fiscal_year_bounds(plan.start_fy)[0], fiscal_year_bounds(plan.end_fy)[1]
    for order, (name, metric, categories, value) in enumerate(shape["indicators"]):
        indicator, made = Indicator.objects.get_or_create(
            plan=plan,
            name=name,
            defaults={"metric": metric, "categories": list(categories), "order": order},
        )
        created |= made
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
    fy = fiscal_year_of(timezone.localdate())
    created = False
    for shape in PLANS:
        created |= _plan(shape, fy=fy)
    return created


def counts():
    return {
        "KPI plans": Plan.objects.count(),
        "KPI indicators": Indicator.objects.count(),
        "KPI targets": Target.objects.count(),
    }
