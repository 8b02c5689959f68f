"""Volunteer hours as people say them: 11時間48分, not 11.8."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def hours_minutes(hours: float | Decimal | None) -> str:
    if hours is None:
        return ""
    whole, minutes = divmod(round(float(hours) * 60), 60)
    if not minutes:
        return gettext("%(hours)d h") % {"hours": whole}
    if not whole:
        return gettext("%(minutes)d min") % {"minutes": minutes}
    return gettext("%(hours)d h %(minutes)d min") % {"hours": whole, "minutes": minutes}
