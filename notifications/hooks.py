"""What reaches other apps from the phone (followups.hooks explains the mechanism).
Notifications imports none of the listeners; they say which purposes they handle with
`only={"purpose": {...}}`.

In the transaction:
- `answer` (Reply) — a key pressed in a voice call (1 confirm, 2 cancel) or "cancelled" recorded
  on the call list. It runs inside the transaction that records the answer: raising
  `AnswerError` refuses it and nothing is recorded. Listener: classes.notify.answer_booking
  (confirmation, reminder, offer, session moved).

- `resident_name` (ResidentFor) — the name to show for a message's resident on staff pages
  (notifications keeps only the id). Listener: residents.queries.resident_name_for (the one
  provider; the first answer is shown).

After commit, each listener run by a task and retried until done:
- `unreached` (Unreached) — a message did not reach its resident: the network reported it
  undelivered (a call nobody answered, an SMS not delivered) or it could not be sent at all.
  Listener: classes.notify.call_unreached (a line on today's call list, for reminders, offers,
  moved and cancelled sessions).
"""

from dataclasses import dataclass, field
from typing import Any

from followups.hooks import AfterCommit, InTransaction


@dataclass(frozen=True)
class Reply:
    purpose: str
    action: str  # "confirm" or "cancel"
    via: str  # "voice" or "call"
    booking_id: int | None = None
    resident_id: int | None = None
    session_id: int | None = None
    about: dict[str, Any] = field(default_factory=dict)
    user: Any = None  # the staff member for call-list outcomes, None for the resident


class AnswerError(Exception):
    """The answer could not be acted on; `message` is fit to show staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Unreached:
    purpose: str
    channel: str  # "sms" or "voice"
    to: str  # the E.164 number that was tried
    key: str  # the message's idempotency key
    booking_id: int | None = None
    resident_id: int | None = None
    session_id: int | None = None
    about: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResidentFor:
    resident_id: int


answer = InTransaction("notifications.answer", Reply)
resident_name = InTransaction("notifications.resident_name", ResidentFor)
unreached = AfterCommit("notifications.unreached", Unreached)
