"""The volunteer's private calendar feed (iCalendar, RFC 5545) through the icalendar library.

Every shift is one VEVENT whose UID never changes (`Assignment.ical_uid`); SEQUENCE rises with
each change of the shift or of its session's time, venue or status (see
`services.feed_signatures_refresh`), so Google Calendar and iPhone update the event in place.
A cancelled or declined shift (or a cancelled session) stays in the feed with STATUS:CANCELLED,
so it disappears from the calendar rather than lingering.
"""

from icalendar import Calendar, Event

from classes.models import SessionStatus
from volunteers.models import Assignment


def _cancelled(assignment):
    return (
        assignment.status != Assignment.Status.ACCEPTED
        or assignment.session.status == SessionStatus.CANCELLED
    )


def feed(volunteer, assignments, *, role_labels, name):
    cal = Calendar()
    cal.add("prodid", "-//Tsunagu//volunteer shifts//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Tokyo")
    for a in assignments:
        session = a.session
        event = Event()
        event.add("uid", a.ical_uid)
        event.add("dtstamp", a.updated_at)
        event.add("last-modified", a.updated_at)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", f"{session.course.title}（{role_labels.get(a.need.role, '')}）")
        event.add("location", f"{session.venue.name} {session.venue.address}")
        cancelled = _cancelled(a)
        event.add("sequence", a.sequence)
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
        cal.add_component(event)
    return cal.to_ical()
