"""django-q2 tasks: they call services and are safe to run again."""

from selfbook.services import webbookings_purge


def purge_requests():
    """Delete web booking requests never confirmed, and old code counts. Hourly."""
    return webbookings_purge()
