"""The scanner pass: a signed, expiring permission to post scans for one session.

The venue page issues it after checking the login, the role and the venue, and the scanner sends
it with every scan. The scan API then needs no login session, user or role lookups — each a
query on the busiest path of the day, repeated for every senior in the queue.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core import signing

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SALT = "attendance.scanpass"
# A working day: staff open the scanner page in the morning and keep it open.
MAX_AGE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True)
class ScanGrant:
    user_id: int
    session_id: int

    @functools.cached_property
    def user(self) -> User:
        # Only its id is needed to record who scanned: no query to load it, and made once per
        # pass (passes are cached in _opened); nothing changes it.
        return get_user_model()(pk=self.user_id)


def scanpass_issue(*, user: User, session_id: int) -> str:
    expires = int(time.time()) + MAX_AGE_SECONDS
    return signing.dumps({"u": user.pk, "s": session_id, "x": expires}, salt=SALT)


@functools.lru_cache(maxsize=1024)
def _opened(value: str) -> tuple[ScanGrant, int]:
    """The grant a pass carries and when it expires, for a pass whose signature is good.

    A phone sends the same pass with every scan, so each worker checks a signature once.
    """
    data = signing.loads(value, salt=SALT)
    return ScanGrant(user_id=int(data["u"]), session_id=int(data["s"])), int(data["x"])


def scanpass_check(value: str | None) -> ScanGrant | None:
    """The grant inside a valid pass, or None for a missing, forged or expired one."""
    if not value:
        return None
    try:
        grant, expires = _opened(value)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return grant if time.time() < expires else None
