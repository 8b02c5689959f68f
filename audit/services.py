"""Recording into the access log: the one function every app calls."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accounts.access import roles_of
from audit.models import AccessLog, AccessLogResident, Action

if TYPE_CHECKING:
    from django.db.models import Model

    from accounts.access import Actor


def _resident_ids(residents: Iterable[int | Model]) -> list[int]:
    ids = {item if isinstance(item, int) else item.pk for item in residents}
    return sorted(i for i in ids if i is not None)


def access_record(
    *,
    user: Actor,
    action: Action,
    what: str,
    residents: Iterable[int | Model] = (),
    rows: int | None = None,
    purpose: str = "",
    now: datetime.datetime | None = None,
) -> AccessLog:
    """One row saying that `user` did `action` on `what`, about `residents` (ids or records).

    `what` names the page, search or export in English words ("resident page", "desk search",
    "roster CSV"), never a name or a number someone typed. Exports give `rows` and the
    `purpose` the user stated. Runs in the caller's transaction when there is one, so a
    change and its record land together."""
    ids = _resident_ids(residents)
    person = user if user is not None and user.is_authenticated else None
    # No savepoint of its own: if the record fails, the caller's change fails with it.
    with transaction.atomic(savepoint=False):
        entry = AccessLog.objects.create(
            at=now or timezone.now(),
            user=person,
            username=person.get_username() if person is not None else "",
            roles=",".join(sorted(roles_of(person))) if person is not None else "",
            action=action,
            what=what[:100],
            resident_count=len(ids),
            row_count=rows,
            purpose=purpose[:200],
        )
        AccessLogResident.objects.bulk_create(
            [AccessLogResident(entry=entry, resident_id=pk) for pk in ids], batch_size=500
        )
    return entry
