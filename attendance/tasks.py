"""django-q2 tasks of the attendance app. They call services and are safe to run again."""

from dataclasses import asdict

from attendance.closing import sessions_close_ended


def close_ended_sessions():
    """No-shows and held sessions for sessions that have ended; returns the counts."""
    return asdict(sessions_close_ended())
