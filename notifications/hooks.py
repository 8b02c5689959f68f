"""Answers that reach other apps: a key pressed in a voice call, an outcome on the call list.

Notifications imports none of our apps. An app that acts on answers (classes: cancel the
booking, take the offered seat) registers a handler per purpose in its AppConfig.ready():
`on_answer("reminder", handler)`. The handler gets a `Reply` of plain ids and runs inside the
transaction that records the answer; raising `AnswerError` refuses it and records nothing.
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


_handlers = {}


def on_answer(purpose, handler):
    """Register `handler(reply)` for messages and calls of `purpose` (one handler each)."""
    _handlers[purpose] = handler
    return handler


def dispatch(reply):
    """Call the purpose's handler; True when one was registered."""
    handler = _handlers.get(reply.purpose)
    if handler is None:
        return False
    handler(reply)
    return True
