"""Writing and running follow-ups: one function per verb.

A follow-up is claimed with a conditional UPDATE that also sets its lease (`not_before` moves
past the run), then run in one transaction with its row locked: the listener's writes and the
row's `done` commit together, so a follow-up is done exactly once. A failure rolls back the
listener's writes and schedules a retry; a worker that dies mid-run leaves the row to be claimed
again when its lease ends; after the last retry the row is `failed` and shows in the admin.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from followups.hooks import dotted_path, hook_named
from followups.models import FollowUp, Status

logger = logging.getLogger(__name__)

# Follow-ups one pass of the sweeper runs at most, and how many ids one task carries.
RUN_BATCH = 500
# Done follow-ups are kept this long (to see what happened), then removed by the sweeper.
KEEP_DONE = datetime.timedelta(days=14)


def _enqueue(ids: list[int]) -> None:
    from django_q.tasks import async_task

    async_task("followups.tasks.run_followups", ids)


def followups_add(calls: Iterable[tuple[str, dict[str, Any]]], *, hook: str = "") -> list[int]:
    """Write follow-ups (function path, keyword data) in the current transaction; a task runs
    them once it commits. Returns their ids."""
    rows = [FollowUp(hook=hook, call=call, payload=payload) for call, payload in calls]
    if not rows:
        return []
    ids = [row.pk for row in FollowUp.objects.bulk_create(rows)]
    transaction.on_commit(lambda: _enqueue(ids))
    return ids


def later(function: Any, **payload: Any) -> int:
    """Call `function(**payload)` after the current transaction commits, by a task, retried
    until it succeeds. `function` is a module-level function safe to run twice; `payload` plain
    JSON values (ids, not objects)."""
    return followups_add([(dotted_path(function), payload)])[0]


def _retry_delay(attempts: int) -> datetime.timedelta | None:
    delays = settings.FOLLOWUP_RETRY_DELAYS
    return datetime.timedelta(seconds=delays[attempts - 1]) if attempts <= len(delays) else None


def _carry_out(followup: FollowUp) -> None:
    function = import_string(followup.call)
    if followup.hook:
        function(hook_named(followup.hook).event_from(followup.payload))
    else:
        function(**followup.payload)


def followup_run(*, followup_id: int, now: datetime.datetime | None = None) -> str | None:
    """Run one due follow-up unless another worker holds it; returns its new status or None."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.FOLLOWUP_LEASE_SECONDS)
    claimed = FollowUp.objects.filter(
        pk=followup_id, status=Status.PENDING, not_before__lte=now
    ).update(attempts=F("attempts") + 1, not_before=now + lease)
    if not claimed:
        return None
    with transaction.atomic():
        followup = FollowUp.objects.select_for_update().get(pk=followup_id)
        if followup.status != Status.PENDING:
            return None  # a worker whose lease ran out finished it meanwhile
        try:
            with transaction.atomic():
                _carry_out(followup)
        except Exception as error:
            delay = _retry_delay(followup.attempts)
            logger.warning(
                "Follow-up %s (%s) failed on attempt %s: %r",
                followup.pk,
                followup.call,
                followup.attempts,
                error,
            )
            followup.status = Status.PENDING if delay else Status.FAILED
            followup.not_before = now + (delay or datetime.timedelta())
            followup.error = "".join(traceback.format_exception_only(error)).strip()[:2000]
            followup.save(update_fields=["status", "not_before", "error"])
            return followup.status
        followup.status = Status.DONE
        followup.done_at = timezone.now()
        followup.error = ""
        followup.save(update_fields=["status", "done_at", "error"])
    return Status.DONE


def followups_run(*, followup_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """Run these follow-ups (each claimed on its own); returns how many are done."""
    return sum(followup_run(followup_id=pk, now=now) == Status.DONE for pk in followup_ids)


def followups_run_due(*, now: datetime.datetime | None = None, limit: int = RUN_BATCH) -> int:
    """The sweeper's pass: run what is due (a lost task, a retry, a dead worker's lease), then
    forget follow-ups done long ago. Returns how many were done."""
    now = now or timezone.now()
    due = (
        FollowUp.objects.filter(status=Status.PENDING, not_before__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = followups_run(followup_ids=list(due), now=now)
    FollowUp.objects.filter(status=Status.DONE, done_at__lt=now - KEEP_DONE).delete()
    return done


def followup_retry(*, followup_id: int) -> bool:
    """Staff run a failed follow-up again (after fixing what made it fail)."""
    return bool(
        FollowUp.objects.filter(pk=followup_id, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, not_before=timezone.now()
        )
    )
