from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save, pre_delete
from django.utils.translation import gettext_lazy as _


def ensure_schedules(**kwargs):
    """Register the periodic tasks with django-q2 (idempotent, runs after every migrate)."""
    from config.schedules import ensure_schedule

    ensure_schedule("reports.prune_exports", "reports.tasks.prune_exports")
    ensure_schedule("reports.maintain_rollup", "reports.tasks.maintain_rollup", minutes=1)


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        post_migrate.connect(ensure_schedules, sender=self)
        # What changes what a check-in counts for marks it for the rollup (reports/rollup.py).
        from attendance.models import CheckIn
        from classes.models import Course, Session, Venue
        from reports import rollup
        from residents.hooks import resident_merging

        post_save.connect(rollup.session_saved, sender=Session, dispatch_uid="rollup_session")
        post_save.connect(rollup.venue_saved, sender=Venue, dispatch_uid="rollup_venue")
        post_save.connect(rollup.course_saved, sender=Course, dispatch_uid="rollup_course")
        pre_delete.connect(rollup.checkin_deleting, sender=CheckIn, dispatch_uid="rollup_delete")
        pre_delete.connect(rollup.session_deleting, sender=Session, dispatch_uid="rollup_gone")
        resident_merging.listen(rollup.resident_merging)
