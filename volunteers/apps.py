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
        from classes.hooks import on_booking_change, on_session_cancel, on_session_move
        from volunteers.notify import shift_moved_notice
        from volunteers.services import on_booking_change as follow_bookings
        from volunteers.services import on_session_cancel as end_shifts

        on_booking_change(follow_bookings)
        on_session_cancel(end_shifts)
        on_session_move(shift_moved_notice)
