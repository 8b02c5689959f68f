from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Waitlist offers are checked this often; an expired offer waits at most this long to move on.
OFFER_EXPIRY_CHECK_MINUTES = 5


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule(
        "classes.expire_offers",
        "classes.tasks.expire_offers",
        minutes=OFFER_EXPIRY_CHECK_MINUTES,
    )
    ensure_schedule(
        "classes.day_before_reminders",
        "classes.tasks.send_day_before_reminders",
        next_run=next_reminder_run(),
    )


def next_reminder_run(now=None):
    """The next NOTIFY_REMINDER_TIME (Asia/Tokyo) from now."""
    import datetime

    from django.conf import settings
    from django.utils import timezone

    local = timezone.localtime(now or timezone.now())
    hours, minutes = (int(part) for part in settings.NOTIFY_REMINDER_TIME.split(":"))
    run = local.replace(hour=hours, minute=minutes, second=0, microsecond=0)
    return run if run > local else run + datetime.timedelta(days=1)


class ClassesConfig(AppConfig):
    name = "classes"
    verbose_name = _("Classes")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
        # Residents hear about their bookings (classes.notify), and answer by phone.
        from classes import hooks, notify

        # A merged resident's bookings move by the booking rules.
        from classes.booking import bookings_merge
        from notifications.hooks import answer, unreached
        from residents.hooks import resident_merging

        resident_merging.listen(bookings_merge)
        hooks.booking_changed.listen(notify.booking_changed)
        hooks.session_moved.listen(notify.session_moved)
        answer.listen(notify.answer_booking, only={"purpose": notify.ANSWERED_PURPOSES})
        unreached.listen(notify.call_unreached, only={"purpose": notify.UNREACHED_PURPOSES})
