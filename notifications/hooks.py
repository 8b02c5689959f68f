"""What reaches other apps: a key pressed in a voice call, an outcome on the call list, and a
message that did not reach its resident.

Notifications imports none of our apps. An app that acts on answers (classes: cancel the
booking, take the offered seat) registers a handler per purpose in its AppConfig.ready():
`on_answer("reminder", handler)`. The handler gets a `Reply` of plain ids and runs inside the
transaction that records the answer; raising `AnswerError` refuses it and records nothing.

Likewise `on_unreached("reminder", handler)`: the handler gets an `Unreached` when the network
reports that a message of that purpose did not get through (a call nobody answered, an SMS not
delivered), inside the transaction that records the report.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    purpose: str
    action: str  # "confirm" or "cancel"
    via: str  # "voice" or "call"
    booking_id: int | None = None
    resident_id: int | None = None
    session_id: int | None = None
    about: dict = field(default_factory=dict)
    user: object = None  # the staff member for call-list outcomes, None for the resident


class AnswerError(Exception):
    """The answer could not be acted on; `message` is fit to show staff."""

    def __init__(self, message):
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
    about: dict = field(default_factory=dict)


class _ByPurpose:
    """One handler per purpose for one kind of event (a `Reply`, an `Unreached`)."""

    def __init__(self):
        self._handlers = {}

    def register(self, purpose, handler):
        self._handlers[purpose] = handler
        return handler

    def send(self, event):
        """Call the event's purpose's handler; True when one was registered."""
        handler = self._handlers.get(event.purpose)
        if handler is None:
            return False
        handler(event)
        return True


_answers = _ByPurpose()
_unreached = _ByPurpose()
# on_answer(purpose, handler(reply)); dispatch(reply) -> True when a handler took it
on_answer, dispatch = _answers.register, _answers.send
# on_unreached(purpose, handler(unreached)); announce_unreached(unreached) likewise
on_unreached, announce_unreached = _unreached.register, _unreached.send
