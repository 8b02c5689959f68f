"""和暦 labels of fiscal years in templates: {% load wareki %}.

{{ 2025|fiscal_year }} → 令和7年度（2025年度）;
{{ plan|fiscal_years }} → 令和7年度〜令和9年度（2025〜2027年度）.
Both are reports.fiscal's functions, so pages and files say a year the same way.
"""

from django import template

from reports.fiscal import fiscal_year_label, fiscal_year_span_label

register = template.Library()


@register.filter
def fiscal_year(value: object) -> str:
    try:
        return fiscal_year_label(int(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""


@register.filter
def fiscal_years(plan: object) -> str:
    first, last = getattr(plan, "start_fy", None), getattr(plan, "end_fy", None)
    if first is None or last is None:
        return ""
    return fiscal_year_span_label(first, last)
