"""django-q2 task functions of the privacy app. They call services."""

from privacy.services import residents_retention_erase


def erase_past_retention():
    """Daily: anonymise residents whose last activity is older than the retention period;
    returns how many."""
    return residents_retention_erase()
