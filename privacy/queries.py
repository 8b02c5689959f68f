"""Read side of residents' rights: what an erasure would take and leave, who the
retention rule would anonymise."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Max, QuerySet
from django.utils import timezone

from attendance.queries import checkins_of_resident
from classes.booking import CANCELLABLE_STATUSES
from classes.models import Booking
from classes.queries import bookings_of_resident
from notifications.models import OPEN_CALL_STATUSES, Status
from notifications.queries import calls_of_resident, messages_of_resident
from residents.models import Resident
from surveys.queries import responses_of_resident


@dataclass(frozen=True)
class ErasurePreview:
    bookings: int
    checkins: int
    responses: int
    free_texts: int
    messages: int
    queued_messages: int
    calls: int
    open_calls: int
    upcoming: int  # bookings and waitlist places of sessions still to come: cancelled


def upcoming_bookings_of(resident_id: int, *, now: datetime.datetime) -> QuerySet[Booking]:
    """The resident's bookings and waitlist places of sessions still to come: what an erasure
    cancels first, soonest first."""
    return Booking.objects.filter(
        resident_id=resident_id,
        status__in=CANCELLABLE_STATUSES,
        session__starts_at__gt=now,
    ).order_by("session__starts_at", "pk")


def erasure_preview(resident: Resident, *, now: datetime.datetime | None = None) -> ErasurePreview:
    """Counts of what stays anonymous and what is withdrawn, for the confirm page."""
    now = now or timezone.now()
    responses = responses_of_resident(resident.pk)
    messages = messages_of_resident(resident.pk)
    calls = calls_of_resident(resident.pk)
    bookings = bookings_of_resident(resident.pk)
    return ErasurePreview(
        upcoming=upcoming_bookings_of(resident.pk, now=now).count(),
        bookings=len(bookings),
        checkins=len(checkins_of_resident(resident.pk)),
        responses=len(responses),
        free_texts=sum(1 for r in responses for a in r.answers.all() if a.text),
        messages=len(messages),
        queued_messages=sum(1 for m in messages if m.status == Status.QUEUED),
        calls=len(calls),
        open_calls=sum(1 for c in calls if c.status in OPEN_CALL_STATUSES),
    )


# --- retention --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionCandidate:
    resident: Resident
    last_activity: datetime.datetime
    what: str  # "booking", "checkin", "edit" or "registration": the latest activity


def retention_cutoff(now: datetime.datetime, years: int) -> datetime.datetime:
    """`years` before `now` (29 February goes back to the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _latest(residents: QuerySet[Resident], **activity: Any) -> dict[int, datetime.datetime]:
    """{resident id: the latest of these reverse-relation times}, one grouped query."""
    found: dict[int, datetime.datetime] = {}
    rows: Any = (
        residents.order_by().values("pk").annotate(**{k: Max(v) for k, v in activity.items()})
    )
    for row in rows:
        times = [row[k] for k in activity if row[k] is not None]
        if times:
            found[row["pk"]] = max(times)
    return found


def retention_candidates(
    *, now: datetime.datetime | None = None, years: int | None = None
) -> list[RetentionCandidate]:
    """Residents whose last activity (a booking made or its class, a check-in, an edit of the
    record, else the registration) is older than RESIDENT_RETENTION_YEARS: the people the
    daily task anonymises, oldest activity first. Four queries whatever the registry's size.
    Nobody when the setting is 0."""
    now = now or timezone.now()
    years = settings.RESIDENT_RETENTION_YEARS if years is None else years
    if years <= 0:
        return []
    cutoff = retention_cutoff(now, years)
    # Registered after the cutoff: active by definition, not even looked at.
    residents = Resident.objects.filter(
        erased_at__isnull=True, merged_into__isnull=True, created_at__lt=cutoff
    )
    latest = {
        "booking": _latest(
            residents,
            made=models.F("bookings__created_at"),
            held=models.F("bookings__session__starts_at"),
        ),
        "checkin": _latest(residents, at=models.F("checkins__at")),
        "edit": _latest(residents, at=models.F("events__at")),
    }
    found = []
    for resident in residents.order_by("pk"):
        what, last = "registration", resident.created_at
        for kind, times in latest.items():
            if resident.pk in times and times[resident.pk] > last:
                what, last = kind, times[resident.pk]
        if last < cutoff:
            found.append(RetentionCandidate(resident=resident, last_activity=last, what=what))
    return sorted(found, key=lambda c: (c.last_activity, c.resident.pk))
