"""django-q2 tasks: they take ids, call services, and are safe to run again."""

from followups.services import followups_run, followups_run_due


def run_followups(followup_ids: list[int]) -> int:
    """Run the follow-ups a change wrote, once it committed (a second run does nothing)."""
    return followups_run(followup_ids=followup_ids)


def run_due() -> int:
    """The sweeper: follow-ups whose task was lost, that wait for a retry, or whose worker died.
    Scheduled every minute."""
    return followups_run_due()
