"""Read side of the public booking pages and of the desk's check: bounded queries."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from classes.models import Booking, Session, SessionStatus
from classes.queries import sessions_filtered
from selfbook.models import Review, WebBooking

# The desk's list of records to check shows at most this many, oldest first.
REVIEW_LIMIT = 100


def bookable_sessions(now: datetime.datetime | None = None) -> QuerySet[Session]:
    """Sessions a resident may book on the web: scheduled, not begun, an offered course at a
    venue in use, and not part of a series booked only as a whole (that is the desk's)."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            status=SessionStatus.SCHEDULED,
            starts_at__gt=now,
            course__is_active=True,
            venue__is_active=True,
        )
        .exclude(series__book_as_whole=True)
        .select_related("course", "venue")
    )


def calendar_sessions(
    filters: dict[str, Any], now: datetime.datetime | None = None
) -> QuerySet[Session]:
    """The public calendar: bookable sessions (`bookable_sessions`) filtered as the form says
    (classes.queries.sessions_filtered), with `seats_left` and `waitlisted`, by date."""
    bookable = bookable_sessions(now).values("pk")
    return sessions_filtered(**filters).filter(pk__in=bookable).order_by("starts_at", "pk")


def calendar_session(pk: int, now: datetime.datetime | None = None) -> Session | None:
    """One session of the calendar with its seat counts, or None when it cannot be booked."""
    return calendar_sessions({}, now).filter(pk=pk).first()


def webbooking_by_token(token: str) -> WebBooking | None:
    """The request a code page or a done page is for, with its session and booking."""
    if not token or len(token) > 40:
        return None
    return (
        WebBooking.objects.select_related("session__course", "session__venue", "booking")
        .filter(token=token)
        .first()
    )


def companion_booking(web_booking: WebBooking) -> Booking | None:
    """The booking of the companion booked together with this request, if any."""
    companion = (
        WebBooking.objects.filter(lead=web_booking, booking__isnull=False)
        .select_related("booking")
        .first()
    )
    return companion.booking if companion is not None else None


def reviews_pending(limit: int = REVIEW_LIMIT) -> list[WebBooking]:
    """Records the web registered that the desk has not checked yet, oldest first, with the
    resident, the booked session and, for a companion, who booked them."""
    return list(
        WebBooking.objects.filter(review=Review.PENDING)
        .select_related(
            "resident",
            "lead__resident",
            "booking__session__course",
            "booking__session__venue",
        )
        .order_by("booked_at", "pk")[:limit]
    )
