from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule("reports.prune_exports", "reports.tasks.prune_exports")


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
