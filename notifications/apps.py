from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The sender loop runs this often: a message waiting for a retry or for the morning goes out
# at most this long after its time.
SEND_DUE_EVERY_MINUTES = 1


def ensure_schedules(**kwargs):
    """Register the sender loop with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule(
        "notifications.send_due", "notifications.tasks.send_due", minutes=SEND_DUE_EVERY_MINUTES
    )


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
