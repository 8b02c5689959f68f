"""Volunteer events other apps react to, without volunteers importing them.

`on_decline(listener)`: a volunteer declined a proposed or accepted shift. Listeners get the
assignment id after the transaction commits (so notifications can text the coordinator); a
failing listener is logged and affects nothing else.
"""

from django.db import transaction

_decline_listeners = []


def on_decline(listener):
    """Register `listener(assignment_id)`; usable as a decorator. Registering twice is harmless."""
    if listener not in _decline_listeners:
        _decline_listeners.append(listener)
    return listener


def announce_decline(assignment_id):
    for listener in list(_decline_listeners):
        transaction.on_commit(lambda listener=listener: listener(assignment_id), robust=True)
