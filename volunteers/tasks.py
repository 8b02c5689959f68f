"""django-q2 task functions: they take ids and call the services."""

from volunteers.autoassign import matching_run_execute


def run_matching(run_id, time_limit=None):
    """Queued by `autoassign.matching_run_start`; safe to retry (a finished run is left alone)."""
    matching_run_execute(run_id=run_id, time_limit=time_limit)
