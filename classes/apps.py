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
        from classes import notify
        from classes.hooks import on_booking_change, on_session_move
        from notifications.hooks import on_answer, on_unreached

        on_booking_change(notify.booking_changed)
        on_session_move(notify.session_moved_notice)
        for purpose in ("confirmation", "reminder", "offer", "session_moved"):
            on_answer(purpose, notify.answer_booking)
        for purpose in ("reminder", "offer", "session_moved", "session_cancelled"):
            on_unreached(purpose, notify.call_unreached)
