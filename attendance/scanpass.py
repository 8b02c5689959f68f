"""The scanner pass: a signed, expiring permission to post scans for one session.

The venue page issues it after checking the login, the role and the venue, and the scanner sends
it with every scan. The scan API then needs no login session, user or role lookups — each a
query on the busiest path of the day, repeated for every senior in the queue.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing

SALT = "attendance.scanpass"
# A working day: staff open the scanner page in the morning and keep it open.
MAX_AGE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True)
class ScanGrant:
    user_id: int
    session_id: int

    @property
    def user(self):
        # Only its id is needed to record who scanned; no query to load it.
        return get_user_model()(pk=self.user_id)


def scanpass_issue(*, user, session_id):
    return signing.dumps({"u": user.pk, "s": session_id}, salt=SALT)


def scanpass_check(value):
    """The grant inside a valid pass, or None for a missing, forged or expired one."""
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS)
        return ScanGrant(user_id=int(data["u"]), session_id=int(data["s"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
