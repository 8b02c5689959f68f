"""The scanner pass: a signed, short-lived permission to post scans for one session.

The venue page issues it after checking the login, the role and the venue, and the scanner sends
it with every scan. The scan API then needs no login session, user or role lookups — each a
query on the busiest path of the day, repeated for every senior in the queue.

A pass lives SCAN_PASS_MINUTES; the open scanner page fetches a fresh one (`renew` URL) well
before then, through the same login, role and venue checks as the page. A pass also carries
its user's pass generation (models.ScanPassGeneration): a logout, a deactivation, a password
change, or a lost role (a group, superuser status) or venue bumps it (`scanpass_revoke`, called
by the signals below), and the scan's own read (attendance.checkin) compares the two, so the
user's open scanners are refused at their next scan at no extra query.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.core import signing
from django.db.models import F
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from attendance.models import ScanPassGeneration

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SALT = "attendance.scanpass"


def max_age_seconds() -> int:
    return int(float(settings.SCAN_PASS_MINUTES) * 60)


@dataclass(frozen=True)
class ScanGrant:
    user_id: int
    session_id: int
    generation: int

    @functools.cached_property
    def user(self) -> User:
        # Only its id is needed to record who scanned: no query to load it, and made once per
        # pass (passes are cached in _opened); nothing changes it.
        return get_user_model()(pk=self.user_id)


def scanpass_generation(user_id: int) -> int:
    row = ScanPassGeneration.objects.filter(user_id=user_id).values_list("generation").first()
    return row[0] if row else 0


def scanpass_issue(*, user: User, session_id: int) -> str:
    expires = int(time.time()) + max_age_seconds()
    data = {"u": user.pk, "s": session_id, "g": scanpass_generation(user.pk), "x": expires}
    return signing.dumps(data, salt=SALT)


@functools.lru_cache(maxsize=1024)
def _opened(value: str) -> tuple[ScanGrant, int]:
    """The grant a pass carries and when it expires, for a pass whose signature is good.

    A phone sends the same pass with every scan, so each worker checks a signature once.
    """
    data = signing.loads(value, salt=SALT)
    grant = ScanGrant(user_id=int(data["u"]), session_id=int(data["s"]), generation=int(data["g"]))
    return grant, int(data["x"])


def scanpass_check(value: str | None) -> ScanGrant | None:
    """The grant inside a valid, unexpired pass, or None for a missing, forged or expired one.

    Whether its generation still stands is the scan's read's to say (attendance.checkin)."""
    if not value:
        return None
    try:
        grant, expires = _opened(value)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return grant if time.time() < expires else None


def scanpass_revoke(user_ids: Iterable[int | None]) -> None:
    """Refuse every pass these users hold: their scanners must fetch new ones (and fail to,
    when the user may no longer scan)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return
    ScanPassGeneration.objects.filter(user_id__in=ids).update(generation=F("generation") + 1)
    # Users without a row were at generation 0: a row at 1 revokes theirs. Another bump at the
    # same moment may have made the row already; either way the generation is past 0.
    ScanPassGeneration.objects.bulk_create(
        [ScanPassGeneration(user_id=pk, generation=1) for pk in ids], ignore_conflicts=True
    )


# --- what revokes: connected in AttendanceConfig.ready -------------------------------------


def _on_logout(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        scanpass_revoke([user.pk])


# Fields of the user whose change may end the right to scan: deactivation, a superuser made
# ordinary, a new password (the old one may have leaked). A save that names other fields only
# (the login's last_login) costs nothing.
_USER_FIELDS = {"is_active", "is_superuser", "password"}


def _on_user_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not _USER_FIELDS & set(update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values(*_USER_FIELDS).first()
    if before is None:
        return
    lost = (
        (before["is_active"] and not instance.is_active)
        or (before["is_superuser"] and not instance.is_superuser)
        or before["password"] != instance.password
    )
    if lost:
        scanpass_revoke([instance.pk])


def _on_membership_change(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any
) -> None:
    """A user left a group (a role) or a venue's staff, from either side of the relation."""
    user_model = get_user_model()
    if action not in {"post_remove", "pre_clear"}:
        return
    if isinstance(instance, user_model):
        scanpass_revoke([instance.pk])
    elif action == "post_remove":
        scanpass_revoke(pk_set or [])
    else:  # pre_clear on a group or venue: its members, before they go
        scanpass_revoke(_related_users(instance))


def _related_users(instance: Any) -> list[int]:
    from classes.models import Venue

    if isinstance(instance, Venue):
        return list(instance.staff.values_list("pk", flat=True))
    return list(instance.user_set.values_list("pk", flat=True))


def _on_group_or_venue_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    scanpass_revoke(_related_users(instance))


def connect_signals() -> None:
    from django.contrib.auth.models import Group

    from classes.models import Venue

    user_model = get_user_model()
    user_logged_out.connect(_on_logout, dispatch_uid="scanpass_logout")
    pre_save.connect(_on_user_save, sender=user_model, dispatch_uid="scanpass_user")
    m2m_changed.connect(
        _on_membership_change, sender=user_model.groups.through, dispatch_uid="scanpass_groups"
    )
    m2m_changed.connect(
        _on_membership_change, sender=Venue.staff.through, dispatch_uid="scanpass_venues"
    )
    pre_delete.connect(_on_group_or_venue_delete, sender=Group, dispatch_uid="scanpass_group")
    pre_delete.connect(_on_group_or_venue_delete, sender=Venue, dispatch_uid="scanpass_venue")
