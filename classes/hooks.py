"""What happens to bookings and sessions that other apps follow (followups.hooks explains the
mechanism and its two timings). Classes imports none of the listeners.

After commit, each listener run by a task and retried until done:
- `booking_changed` (BookingChange) — every booking state change, one event per BookingEvent.
  Listeners: classes.notify.booking_changed (confirmation, offer or cancellation notice to the
  resident); volunteers.listeners.booking_changed (the session's assistant count).
- `session_cancelled` (SessionCancelled) — a session called off, with or without bookings.
  Listener: volunteers.listeners.session_cancelled (its shifts end, volunteers are told).
- `session_moved` (SessionMoved) — a coming session's date, time or venue changed.
  Listeners: classes.notify.session_moved (residents holding or offered a seat);
  volunteers.notify.session_moved (volunteers on its shifts).

In the transaction:
- `ticket_link` (TicketFor) — the address of a booking's ticket page, for the SMS texts.
  Listener: attendance.tickets.ticket_link_for (the one provider; classes.notify uses the first
  answer).
"""

from dataclasses import dataclass

from followups.hooks import AfterCommit, InTransaction


@dataclass(frozen=True)
class BookingChange:
    booking_id: int
    session_id: int
    resident_id: int
    from_status: str
    to_status: str
    reason: str


@dataclass(frozen=True)
class SessionCancelled:
    session_id: int


@dataclass(frozen=True)
class SessionMoved:
    session_id: int


@dataclass(frozen=True)
class TicketFor:
    booking_id: int


booking_changed = AfterCommit("classes.booking_changed", BookingChange)
session_cancelled = AfterCommit("classes.session_cancelled", SessionCancelled)
session_moved = AfterCommit("classes.session_moved", SessionMoved)
ticket_link = InTransaction("classes.ticket_link", TicketFor)
