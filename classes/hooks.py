"""Booking and session changes that other apps react to, without classes importing them.

An app that must follow bookings (shift needs, reminders) registers a listener in its
AppConfig.ready(): `on_booking_change(listener)`. Every booking state change (each
BookingEvent) calls every listener with a `BookingChange` of plain ids, after the transaction
commits, so a rolled-back change reaches nobody. A failing listener is logged and does not
affect the booking or the other listeners. `on_session_cancel(listener)` works the same way
for a cancelled session (with or without bookings), called with the session's id, and
`on_session_move(listener)` for a coming session whose time or venue changed.
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


class _Listeners:
    """Listeners called after the transaction commits; a failing one is logged and skipped."""

    def __init__(self):
        self._listeners = []

    def register(self, listener):
        """Register `listener`; usable as a decorator. Registering twice is harmless."""
        if listener not in self._listeners:
            self._listeners.append(listener)
        return listener

    def unregister(self, listener):
        if listener in self._listeners:
            self._listeners.remove(listener)

    def announce(self, event):
        for listener in list(self._listeners):
            transaction.on_commit(lambda listener=listener: listener(event), robust=True)


_booking_changes = _Listeners()
_session_cancels = _Listeners()
_session_moves = _Listeners()

# on_booking_change(listener(BookingChange)); announce(change)
on_booking_change, announce = _booking_changes.register, _booking_changes.announce
# on_session_cancel(listener(session_id)); announce_session_cancel(session_id)
on_session_cancel = _session_cancels.register
announce_session_cancel = _session_cancels.announce
# on_session_move(listener(session_id)): a session's time or venue changed
on_session_move, announce_session_move = _session_moves.register, _session_moves.announce
