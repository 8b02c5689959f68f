"""The task cluster's heartbeat: recorded by the cluster, read by the health check and the
qcluster watchdog.

Why a heartbeat: django-q2 1.11 can stop taking work while every one of its processes is alive
and its own status says it is idle (see README, "Background work"). Only work that gets done
proves the cluster works, so a tiny scheduled task records when it was last carried through.
"""

import datetime
import os
import secrets
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from health.models import Heartbeat


def heartbeat_record(*, now: datetime.datetime | None = None) -> None:
    """Note that the heartbeat task has just been carried through."""
    Heartbeat.objects.update_or_create(
        pk=Heartbeat.ONE, defaults={"beat_at": now or timezone.now()}
    )


def heartbeat_last() -> datetime.datetime | None:
    """When the heartbeat was last recorded (one query); None before the first one."""
    return Heartbeat.objects.filter(pk=Heartbeat.ONE).values_list("beat_at", flat=True).first()


def heartbeat_age(
    last: datetime.datetime | None, *, since: datetime.datetime, now: datetime.datetime
) -> float:
    """Seconds without a heartbeat, counted from `since` (e.g. the cluster's start) at the
    earliest, so that a cluster that has just started is given its time for a first beat."""
    reference = max(last, since) if last else since
    return (now - reference).total_seconds()


def cache_answers() -> bool:
    """The shared cache (rate limits live there) stores and gives back a value.

    Each worker thread writes a key of its own, so two checks at once never read each other's
    value; the keys are few (one per thread) and expire after a minute."""
    key = f"health:{os.getpid()}:{threading.get_ident()}"
    value = secrets.token_hex(8)
    try:
        cache.set(key, value, timeout=60)
        return bool(cache.get(key) == value)
    except Exception:  # any backend's error (Redis down, the cache table gone): unreachable
        return False


@dataclass(frozen=True)
class Health:
    """What the health check answers."""

    database: bool
    last_beat: datetime.datetime | None
    age_seconds: float | None
    stale_after_seconds: int
    cache: bool = True

    @property
    def tasks(self) -> str:
        if not self.database:
            return "unknown"
        if self.last_beat is None:
            return "no heartbeat yet"
        return "stale" if self.age_seconds > self.stale_after_seconds else "ok"

    @property
    def ok(self) -> bool:
        return self.database and self.cache and self.tasks == "ok"

    def as_json(self) -> dict:
        return {
            "status": "ok" if self.ok else "failing",
            "database": "ok" if self.database else "unreachable",
            "cache": "ok" if self.cache else "unreachable",
            "tasks": self.tasks,
            "heartbeat_age_seconds": None if self.age_seconds is None else int(self.age_seconds),
            "stale_after_seconds": self.stale_after_seconds,
        }


def health_now(*, now: datetime.datetime | None = None) -> Health:
    """The database answers, the shared cache answers and the cluster's heartbeat is fresh?
    One query, and a write and a read of the cache."""
    now = now or timezone.now()
    stale_after = settings.HEARTBEAT_STALE_SECONDS
    cache_ok = cache_answers()
    try:
        last = heartbeat_last()
    except DatabaseError:
        return Health(False, None, None, stale_after, cache_ok)
    age = None if last is None else max(0.0, (now - last).total_seconds())
    return Health(True, last, age, stale_after, cache_ok)
