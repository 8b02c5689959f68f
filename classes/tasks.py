"""django-q2 tasks of the classes app. They call services and are safe to run again."""

from classes.booking import offers_expire


def expire_offers():
    """Close waitlist offers whose time is up and pass the seats on; returns how many moved on."""
    return len(offers_expire())


def send_day_before_reminders():
    """Remind tomorrow's residents by their channel; running it again sends nothing twice."""
    from classes.notify import day_before_reminders

    messages, calls = day_before_reminders()
    return {"messages": len(messages), "calls": len(calls)}
