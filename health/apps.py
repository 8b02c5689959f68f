from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The heartbeat runs this often; with the scheduler's 30-second tick a healthy cluster's
# heartbeat is at most about 90 seconds old (see HEARTBEAT_STALE_SECONDS).
HEARTBEAT_EVERY_MINUTES = 1


def ensure_schedules(**kwargs: object) -> None:
    """Register the heartbeat with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule
    from health.tasks import HEARTBEAT_HOOK, HEARTBEAT_TASK

    ensure_schedule(
        "health.heartbeat", HEARTBEAT_TASK, minutes=HEARTBEAT_EVERY_MINUTES, hook=HEARTBEAT_HOOK
    )


class HealthConfig(AppConfig):
    """Is the site working: the database answers and the task cluster runs its work.

    For machines (a monitor, the qcluster watchdog); depends on none of the other apps."""

    name = "health"
    verbose_name = _("Health")

    def ready(self) -> None:
        post_migrate.connect(ensure_schedules, sender=self)
