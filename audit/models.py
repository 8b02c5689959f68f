"""The access log: one row per look at, search of, export of or change to personal data.

Rows are only ever added. The model refuses to change or delete a saved row, its queryset
refuses bulk updates and deletes, and on PostgreSQL a trigger refuses them too (migration
0002), so not even a raw statement from the application rewrites what happened.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Someone tried to change or delete an access-log row."""


class Action(models.TextChoices):
    VIEW = "view", _("Viewed")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    CREATE = "create", _("Registered")
    EDIT = "edit", _("Edited")
    MERGE = "merge", _("Merged")
    DISCLOSE = "disclose", _("Disclosure")
    ERASE = "erase", _("Erased")


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("access-log rows are never changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("access-log rows are never deleted")


class AccessLog(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,  # a removed account leaves its rows as they are
    )
    # Kept as text as well: the row still says who after the account is renamed or removed.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    roles = models.CharField(_("roles"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    # What was looked at: a page ("resident page"), a search, or an export's kind.
    what = models.CharField(_("what"), max_length=100)
    # Residents named by id (the rows of AccessLogResident); how many, for the list pages.
    resident_count = models.PositiveIntegerField(_("residents"), default=0)
    # An export's number of rows holding personal data.
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    purpose = models.CharField(_("stated purpose"), max_length=200, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access-log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="accesslog_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("access-log rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("access-log rows are never deleted")


class AccessLogResident(models.Model):
    """One resident an access-log row is about (a search that returned 5 people: 5 rows)."""

    entry = models.ForeignKey(AccessLog, on_delete=models.PROTECT, related_name="residents")
    # A plain id, not a key to residents: the log is the bottom layer and outlives any record.
    resident_id = models.PositiveBigIntegerField(_("resident"))

    class Meta:
        indexes = [models.Index(fields=["resident_id", "entry"], name="accesslog_resident")]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.resident_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("access-log rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("access-log rows are never deleted")
