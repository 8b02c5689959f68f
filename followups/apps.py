from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Follow-ups whose task was lost (a process died between commit and queueing) or that wait for
# a retry are picked up this often.
RUN_DUE_EVERY_MINUTES = 1


def ensure_schedules(**kwargs):
    """Register the follow-up sweeper with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule("followups.run_due", "followups.tasks.run_due", minutes=RUN_DUE_EVERY_MINUTES)


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
