"""Seats said the same way on every page: how many booked, how many left, of how many.

A bare "3 / 10" read as seats left on one page and as people booked on another."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def seats(taken: int | None, capacity: int) -> SafeString:
    taken = taken or 0
    left = max(capacity - taken, 0)
    if left == 0:
        return format_html(
            '<span class="badge bad">{}</span> <span class="seats">{}</span>',
            gettext("Full"),
            gettext("%(taken)d booked (of %(capacity)d)") % {"taken": taken, "capacity": capacity},
        )
    return format_html(
        '<span class="seats">{}</span>',
        gettext("%(taken)d booked, %(left)d left (of %(capacity)d)")
        % {"taken": taken, "left": left, "capacity": capacity},
    )
