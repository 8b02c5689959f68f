"""django-q2 task functions: they take ids and call the services."""

from volunteers.autoassign import matching_run_execute


def run_matching(run_id, time_limit=None):
    """Queued by `autoassign.matching_run_start`; safe to retry (a finished run is left alone)."""
    matching_run_execute(run_id=run_id, time_limit=time_limit)


def send_shift_reminders():
    """Daily (NOTIFY_REMINDER_TIME): remind volunteers of tomorrow's accepted shifts by SMS;
    running it again sends nothing twice."""
    from volunteers.notify import day_before_reminders

    return {"messages": len(day_before_reminders())}
