"""The one way an app tells other apps that something happened, without importing them.

A hook is declared in the `hooks` module of the app where the change happens, with the type of
its event, and its timing is in its class:

- `InTransaction`: every listener is called at once, inside the caller's transaction. What the
  listeners return comes back as a list, and an error propagates: a listener can refuse the
  change (a key pressed in a call that cannot cancel the booking records nothing). Pages use it
  too, to collect what other apps add (links on the ticket page).
- `AfterCommit`: each listener's call is written as a follow-up row (followups.models) in the
  caller's transaction and carried out by a django-q2 task after the commit. A rolled-back
  change tells nobody; a listener that fails is retried later; a process that dies after the
  commit loses nothing. Its events are dataclasses of plain values (stored as JSON) and its
  listeners module-level functions that are safe to run twice.

Listeners are registered explicitly, in their app's `AppConfig.ready()`:
`booking_changed.listen(notify.booking_changed)`, or `answer.listen(handler,
only={"purpose": {"reminder", "offer"}})` to hear some events only. Each hooks module's docstring
lists who listens to its hooks (a test holds the docstrings to the registrations).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

Event = TypeVar("Event")
Listener = Callable[[Any], Any]

_hooks: dict[str, Hook[Any]] = {}


def dotted_path(function: Callable[..., Any]) -> str:
    """Where a worker finds `function` again: it must be a module-level function."""
    path = f"{function.__module__}.{function.__qualname__}"
    try:
        found = import_string(path)
    except ImportError:
        found = None
    if found is not function:
        raise ImproperlyConfigured(f"{path} must be a module-level function")
    return path


def hook_named(name: str) -> Hook[Any]:
    return _hooks[name]


def all_hooks() -> list[Hook[Any]]:
    return list(_hooks.values())


class Hook(Generic[Event]):
    timing: ClassVar[str]

    def __init__(self, name: str, event_type: type[Event]) -> None:
        if name in _hooks:
            raise ImproperlyConfigured(f"Two hooks are named {name!r}")
        self.name = name
        self.event_type = event_type
        self._listeners: list[tuple[Listener, Mapping[str, Collection[Any]]]] = []
        _hooks[name] = self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def listen(
        self, listener: Listener, *, only: Mapping[str, Collection[Any]] | None = None
    ) -> Listener:
        """Register `listener(event)`; `only` = {field: allowed values} filters the events it
        hears. Registering the same listener again replaces its filter."""
        self.unlisten(listener)
        self._listeners.append((listener, dict(only or {})))
        return listener

    def unlisten(self, listener: Listener) -> None:
        self._listeners = [(each, only) for each, only in self._listeners if each != listener]

    @property
    def listeners(self) -> list[Listener]:
        return [listener for listener, _only in self._listeners]

    def event_from(self, payload: dict[str, Any]) -> Event:
        """The event a follow-up row stored (as JSON), made again."""
        return self.event_type(**payload)

    def hearing(self, event: Event) -> list[Listener]:
        """The listeners that hear this event, in registration order."""
        return [
            listener
            for listener, only in self._listeners
            if all(getattr(event, name) in allowed for name, allowed in only.items())
        ]


class InTransaction(Hook[Event]):
    """Listeners run at once, in the caller's transaction; an error refuses the change."""

    timing = "in the transaction"

    def announce(self, event: Event) -> list[Any]:
        return [listener(event) for listener in self.hearing(event)]


class AfterCommit(Hook[Event]):
    """Listeners run after the commit, each by a django-q2 task, retried until done."""

    timing = "after commit, by a task"

    def __init__(self, name: str, event_type: type[Event]) -> None:
        if not dataclasses.is_dataclass(event_type):
            raise ImproperlyConfigured(f"{name}: the event of an AfterCommit hook is a dataclass")
        super().__init__(name, event_type)

    def listen(
        self, listener: Listener, *, only: Mapping[str, Collection[Any]] | None = None
    ) -> Listener:
        dotted_path(listener)  # the follow-up row names it; the worker imports it from there
        return super().listen(listener, only=only)

    def announce(self, event: Event) -> list[int]:
        """Write one follow-up per listener that hears `event`; returns their ids."""
        return self.announce_all([event])

    def announce_all(self, events: Iterable[Event]) -> list[int]:
        from followups.services import followups_add

        calls = [
            (dotted_path(listener), dataclasses.asdict(event))  # type: ignore[call-overload]
            for event in events
            for listener in self.hearing(event)
        ]
        return followups_add(calls, hook=self.name)
