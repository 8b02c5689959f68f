"""How many volunteers a session needs and whether one fits a shift: the counting and checking
the shift-need and assignment services (volunteers.services) share."""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from classes.models import SEAT_STATUSES, Course, Session
from volunteers.models import (
    DEFAULT_PARTICIPANTS_PER_ASSISTANT,
    Assignment,
    CourseStaffing,
    ShiftNeed,
    Volunteer,
)


def assistants_for(booked: int, per_assistant: int) -> int:
    """Assistants a session needs for `booked` participants (rounded up; at least one)."""
    return max(1, math.ceil(booked / max(per_assistant, 1)))


def seats_taken(session_ids: Iterable[int]) -> dict[int, int]:
    """Seats held in each session (booked, offered, attended), by session id."""
    rows = (
        Session.objects.filter(pk__in=session_ids)
        .annotate(n=Count("bookings", filter=Q(bookings__status__in=SEAT_STATUSES)))
        .values_list("pk", "n")
    )
    return dict(rows)


def participants_per_assistant(course: Course) -> int:
    """The course's ratio, or the default when its staffing was never set."""
    try:
        return course.staffing.participants_per_assistant
    except CourseStaffing.DoesNotExist:
        return DEFAULT_PARTICIPANTS_PER_ASSISTANT


def assignment_warnings(*, volunteer: Volunteer, need: ShiftNeed) -> list[str]:
    """Why this volunteer should not take this need: overlapping shift, maximum, availability,
    skills, qualification, venue. Bounded queries (6)."""
    from volunteers.autoassign import person_for  # plain-data view of the volunteer

    session = need.session
    start = timezone.localtime(session.starts_at)
    end = timezone.localtime(session.ends_at)
    day = start.date()
    warnings = []
    missing = set(need.required_skills) - set(volunteer.skills)
    if missing:
        warnings.append(_("Does not have the skills this role needs."))
    person = person_for(volunteer, around=day)
    if not person.qualified_on(day):
        warnings.append(_("Has no qualification valid on the day of the shift."))
    if session.venue_id not in person.venues:
        warnings.append(_("Has not said they can reach this venue."))
    if not person.available(day, start.time(), end.time()):
        warnings.append(_("Is not available at this time."))
    others = (
        Assignment.objects.holding()
        .filter(volunteer=volunteer, session__starts_at__date=day)
        .exclude(session=session)
        .select_related("session")
    )
    for other in others:
        o_start = timezone.localtime(other.session.starts_at)
        o_end = timezone.localtime(other.session.ends_at)
        if o_start < end and start < o_end:
            warnings.append(_("Has another shift at the same time."))
        elif (o_start.hour < 12) == (
            start.hour < 12
        ) and other.session.venue_id != session.venue_id:
            warnings.append(_("Has a shift at another venue in the same half-day."))
    month_count = (
        Assignment.objects.holding()
        .filter(
            volunteer=volunteer,
            session__starts_at__year=start.year,
            session__starts_at__month=start.month,
        )
        .exclude(session=session)
        .count()
    )
    if month_count >= volunteer.max_shifts_per_month:
        warnings.append(_("Already has the most shifts they take in this month."))
    return warnings
