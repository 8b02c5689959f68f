"""One line in a view records a look at personal data: who looked is the request's user.

Views call these after they have found what they show, so a 404 or a refused form records
nothing. `what` names the page, search or export in English words, never what was typed.
Changes (register, edit, merge) are recorded by the services that make them, in the change's
own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from audit.models import AccessLog, Action
from audit.services import access_record

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http import HttpRequest


def record_view(request: HttpRequest, what: str, residents: Iterable[int | Model]) -> AccessLog:
    """A page showing one resident's record (or a few, side by side) was opened."""
    return access_record(user=request.user, action=Action.VIEW, what=what, residents=residents)


def record_search(
    request: HttpRequest, what: str, residents: Iterable[int | Model]
) -> AccessLog | None:
    """A search listed residents: their ids are kept, the search text never is. A search that
    found nobody showed no one's data and records nothing."""
    found = list(residents)
    if not found:
        return None
    return access_record(user=request.user, action=Action.SEARCH, what=what, residents=found)


def record_export(
    request: HttpRequest,
    what: str,
    residents: Iterable[int | Model],
    *,
    rows: int,
    purpose: str = "",
) -> AccessLog:
    """A file holding personal data was produced: its kind, rows, residents and stated purpose."""
    return access_record(
        user=request.user,
        action=Action.EXPORT,
        what=what,
        residents=residents,
        rows=rows,
        purpose=purpose,
    )
