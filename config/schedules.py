"""Periodic django-q2 tasks, registered by each app after migrate (idempotent)."""


def ensure_schedule(name, func, *, minutes=None, next_run=None, hook=None):
    """Register `func` to run every `minutes`, or daily (first at `next_run` when given);
    `hook` names a function the cluster calls with each run's saved result."""
    from django_q.models import Schedule

    defaults = {"func": func, "repeats": -1, "hook": hook}
    if minutes is not None:
        defaults.update(schedule_type=Schedule.MINUTES, minutes=minutes)
    else:
        defaults["schedule_type"] = Schedule.DAILY
        if next_run is not None:
            defaults["next_run"] = next_run
    Schedule.objects.update_or_create(name=name, defaults=defaults)
