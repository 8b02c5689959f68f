from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="reports.prune_exports",
        defaults={
            "func": "reports.tasks.prune_exports",
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
        },
    )


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
