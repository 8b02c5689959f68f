from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Waitlist offers are checked this often; an expired offer waits at most this long to move on.
OFFER_EXPIRY_CHECK_MINUTES = 5


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="classes.expire_offers",
        defaults={
            "func": "classes.tasks.expire_offers",
            "schedule_type": Schedule.MINUTES,
            "minutes": OFFER_EXPIRY_CHECK_MINUTES,
            "repeats": -1,
        },
    )


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("Classes")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
