"""django-q2 tasks: they take ids, call services, and are safe to run again."""

from notifications.services import message_send, messages_send_due


def send_message(message_id):
    """Send one message now if it is due and unclaimed (a second run does nothing)."""
    return message_send(message_id=message_id)


def send_messages(message_ids):
    """Send a batch of messages (each claimed on its own); returns how many went out."""
    return sum(message_send(message_id=pk) == "sent" for pk in message_ids)


def send_due():
    """The sender loop: resume messages of stopped workers, send what waited (quiet hours,
    retries). Scheduled every minute."""
    return messages_send_due()
