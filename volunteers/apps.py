from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_schedules(**kwargs):
    """Register the daily shift reminders with django-q2 (idempotent, runs after every migrate),
    at the same NOTIFY_REMINDER_TIME as the residents' day-before reminders."""
    from classes.apps import next_reminder_run
    from config.schedules import ensure_schedule

    ensure_schedule(
        "volunteers.shift_reminders",
        "volunteers.tasks.send_shift_reminders",
        next_run=next_reminder_run(),
    )


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Volunteers")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
        # Shifts follow their sessions (volunteers.listeners, volunteers.notify).
        from classes import hooks
        from volunteers import listeners, notify

        hooks.booking_changed.listen(listeners.booking_changed)
        hooks.session_cancelled.listen(listeners.session_cancelled)
        hooks.session_moved.listen(notify.session_moved)
