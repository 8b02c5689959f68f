from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Requests never confirmed (they hold what someone typed) are deleted this often.
PURGE_EVERY_MINUTES = 60


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule("selfbook.purge", "selfbook.tasks.purge_requests", minutes=PURGE_EVERY_MINUTES)


class SelfbookConfig(AppConfig):
    name = "selfbook"
    verbose_name = _("Booking on the web")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
        # A record the web registered, merged with another, needs no more checking.
        from residents.hooks import resident_merging
        from selfbook.services import webbookings_merge

        resident_merging.listen(webbookings_merge)
