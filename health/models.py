from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """When the task cluster last carried the heartbeat task end to end (scheduler, broker,
    worker, result saved by the monitor). One row, updated in place."""

    ONE = 1  # the primary key of the only row

    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("heartbeat")

    def __str__(self) -> str:
        return f"heartbeat at {self.beat_at.isoformat()}"
