"""Read side of the access log: by staff member, by resident, for an export."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch

from audit.models import AccessLog, AccessLogQuerySet, AccessLogResident


def entries(
    *,
    user_id: int | None = None,
    resident_id: int | None = None,
    action: str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> AccessLogQuerySet:
    """Entries newest first, narrowed to one staff member, one resident and a period; each
    with the ids of its residents (one more query, whatever the page size)."""
    found = AccessLog.objects.all()
    if user_id is not None:
        found = found.filter(user_id=user_id)
    if resident_id is not None:
        found = found.filter(residents__resident_id=resident_id)
    if action:
        found = found.filter(action=action)
    if since is not None:
        found = found.filter(at__gte=since)
    if until is not None:
        found = found.filter(at__lt=until)
    return found.order_by("-at", "-pk").prefetch_related(
        Prefetch("residents", queryset=AccessLogResident.objects.order_by("resident_id"))
    )


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday and Sunday of the week holding `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)
