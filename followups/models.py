"""What must follow a change, written in the change's own transaction (an outbox row).

A `FollowUp` names a function (its dotted path) and the plain data to call it with. A django-q2
task calls it after the change commits and marks it done in the same transaction as the
function's own writes, so a follow-up is done once or not at all; a failure is retried later.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FollowUp(models.Model):
    hook = models.CharField(_("hook"), max_length=80, blank=True)
    call = models.CharField(_("function"), max_length=200)
    payload = models.JSONField(_("data"), default=dict)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    # Not run before this moment: due at once, later after a failure (the retry delay) or while
    # a worker holds it (its lease; if the worker dies the follow-up is due again afterwards).
    not_before = models.DateTimeField(_("due at"), default=timezone.now)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["pk"]
        indexes = [models.Index(fields=["status", "not_before"], name="followup_due")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False), name="followup_done_at"
            ),
        ]

    def __str__(self):
        return f"{self.hook or self.call} {self.status} #{self.pk}"
