from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Ended sessions are closed this often: no-shows appear on the desk at most this long after.
CLOSE_SESSIONS_EVERY_MINUTES = 15


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule(
        "attendance.close_ended_sessions",
        "attendance.tasks.close_ended_sessions",
        minutes=CLOSE_SESSIONS_EVERY_MINUTES,
    )


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
        # SMS about a booking carry the resident's ticket link.
        from attendance.tickets import ticket_link_for
        from classes import hooks

        hooks.ticket_link.listen(ticket_link_for)
        # A logout, deactivation or lost role or venue refuses the user's scanner passes.
        from attendance.scanpass import connect_signals

        connect_signals()
