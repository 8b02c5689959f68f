"""What volunteers do when sessions change: the listeners volunteers registers on classes'
hooks (volunteers.apps; classes.hooks names them). Each runs after the change commits, by a
task, and is safe to run twice."""

from __future__ import annotations

from classes.hooks import BookingChange, SessionCancelled
from volunteers.services import assignments_cancel_for_cancelled_sessions, needs_follow_bookings


def booking_changed(change: BookingChange) -> None:
    """classes.hooks.booking_changed listener: the assistant count may change."""
    if change.reason == "session_cancelled":
        return  # the session's shifts end with it (session_cancelled)
    needs_follow_bookings(session_id=change.session_id)


def session_cancelled(event: SessionCancelled) -> None:
    """classes.hooks.session_cancelled listener: its shifts are cancelled, bookings or not."""
    assignments_cancel_for_cancelled_sessions(session_ids=[event.session_id])
