from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The sender loop runs this often: a message waiting for a retry or for the morning goes out
# at most this long after its time.
SEND_DUE_EVERY_MINUTES = 1


def ensure_schedules(**kwargs):
    """Register the sender loop with django-q2 (idempotent, runs after every migrate)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="notifications.send_due",
        defaults={
            "func": "notifications.tasks.send_due",
            "schedule_type": Schedule.MINUTES,
            "minutes": SEND_DUE_EVERY_MINUTES,
            "repeats": -1,
        },
    )


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
