"""Booking and session changes that other apps react to, without classes importing them.

An app that must follow bookings (shift needs, reminders) registers a listener in its
AppConfig.ready(): `on_booking_change(listener)`. Every booking state change (each
BookingEvent) calls every listener with a `BookingChange` of plain ids, after the transaction
commits, so a rolled-back change reaches nobody. A failing listener is logged and does not
affect the booking or the other listeners. `on_session_cancel(listener)` works the same way
for a cancelled session (with or without bookings), called with the session's id.
"""

from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class BookingChange:
    booking_id: int
    session_id: int
    resident_id: int
    from_status: str
    to_status: str
    reason: str


_listeners = []


def on_booking_change(listener):
    """Register `listener(change)`; usable as a decorator. Registering twice is harmless."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def announce(change):
    for listener in list(_listeners):
        transaction.on_commit(lambda listener=listener: listener(change), robust=True)


_session_cancel_listeners = []


def on_session_cancel(listener):
    """Register `listener(session_id)`; usable as a decorator. Registering twice is harmless."""
    if listener not in _session_cancel_listeners:
        _session_cancel_listeners.append(listener)
    return listener


def announce_session_cancel(session_id):
    for listener in list(_session_cancel_listeners):
        transaction.on_commit(lambda listener=listener: listener(session_id), robust=True)
