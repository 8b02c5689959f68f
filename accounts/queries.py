"""Read side of accounts: what the invitation pages show."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.access import Role
from accounts.models import Invitation


def invitations_recent(limit: int | None = 100) -> QuerySet[Invitation]:
    """Invitations, newest first, with who made them and their venues, in two queries."""
    rows = Invitation.objects.select_related("created_by", "account").prefetch_related("venues")
    return rows[:limit] if limit else rows


def role_labels(roles: Iterable[str]) -> list[str]:
    labels = dict(Role.choices)
    return [str(labels.get(role, role)) for role in roles]
