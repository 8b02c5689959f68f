"""When a volunteer can come: a weekly window that clashes with one already entered, and the
message that says so (the availability form and `services.window_add` use the same rule)."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from volunteers.models import AvailabilityWindow, Volunteer


def window_overlap(
    volunteer: Volunteer,
    weekday: int,
    start: datetime.time,
    end: datetime.time,
    exclude_id: int | None = None,
) -> AvailabilityWindow | None:
    """The weekly window of `volunteer` that overlaps the given one, or None."""
    windows = AvailabilityWindow.objects.filter(
        volunteer=volunteer, weekday=weekday, start_time__lt=end, end_time__gt=start
    )
    if exclude_id:
        windows = windows.exclude(pk=exclude_id)
    return windows.first()


def overlap_message(window: AvailabilityWindow) -> str:
    return _(
        "This overlaps the time you already entered (%(day)s %(start)s–%(end)s). "
        "Change that one or choose another time."
    ) % {
        "day": window.get_weekday_display(),
        "start": f"{window.start_time:%H:%M}",
        "end": f"{window.end_time:%H:%M}",
    }
