"""What a login attempt changes: the throttle's counts and the user's count of failures.

Called from Django's auth signals (accounts.signals), so the Django admin's login and
allauth's count alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts import throttle
from accounts.models import LoginFailures


@dataclass(frozen=True)
class FailuresSinceLastLogin:
    count: int
    last_failed_at: datetime | None


def login_failure_record(*, address: str, login: str) -> int:
    """A wrong password for `login` from `address`: throttle it, and count it on the account
    it names (by username or e-mail) for its owner to see. Returns the wait earned."""
    wait = throttle.login_failed(address, login)
    name = login.strip()
    if name:
        User = get_user_model()
        user_ids = list(
            User.objects.filter(Q(username__iexact=name) | Q(email__iexact=name)).values_list(
                "pk", flat=True
            )[:2]
        )
        now = timezone.now()
        with transaction.atomic():
            for user_id in user_ids:
                LoginFailures.objects.get_or_create(user_id=user_id)
                LoginFailures.objects.filter(user_id=user_id).update(
                    count=F("count") + 1, last_failed_at=now
                )
    return wait


def login_success_record(
    *, user: AbstractBaseUser, address: str, logins: list[str]
) -> FailuresSinceLastLogin:
    """The user is in: their pairs start afresh, and the failures since their last login are
    handed back (to be shown) and reset."""
    for login in logins:
        throttle.login_succeeded(address, login)
    with transaction.atomic():
        row = LoginFailures.objects.select_for_update().filter(user_id=user.pk).first()
        if row is None or row.count == 0:
            return FailuresSinceLastLogin(0, None)
        seen = FailuresSinceLastLogin(row.count, row.last_failed_at)
        row.count = 0
        row.save(update_fields=["count"])
    return seen
