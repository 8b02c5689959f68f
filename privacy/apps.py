import datetime

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The retention task runs daily at this Asia/Tokyo hour, when nobody works on the registry.
RETENTION_HOUR = 3


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from django.utils import timezone

    from config.schedules import ensure_schedule

    local = timezone.localtime()
    run = local.replace(hour=RETENTION_HOUR, minute=0, second=0, microsecond=0)
    if run <= local:
        run += datetime.timedelta(days=1)
    ensure_schedule(
        "privacy.erase_past_retention", "privacy.tasks.erase_past_retention", next_run=run
    )


class PrivacyConfig(AppConfig):
    """Residents' rights: disclosure of everything held about a person, erasure, the
    retention rule. The top layer: it reads every app through its public queries and changes
    them through their services; no app imports it."""

    name = "privacy"
    verbose_name = _("Residents' rights")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
