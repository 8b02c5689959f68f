"""Disclosure (開示): everything held about one resident, gathered through each app's queries.

`disclosure_of` returns plain JSON-ready data (English keys, ISO dates, each coded value with
its Japanese label beside it); the PDF is rendered from the same data, so the two files a
resident receives always say the same thing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from attendance.queries import checkins_of_resident, tickets_of_resident
from audit.queries import entries
from classes.queries import bookings_of_resident
from consultations.queries import consultations_of_resident
from notifications.queries import calls_of_resident, messages_of_resident
from residents.models import Resident
from residents.queries import resident_history
from residents.services import EDITABLE_FIELDS
from surveys.queries import responses_of_resident


def _value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _user(user: Any) -> str:
    return user.get_username() if user is not None else ""


def _coded(obj: models.Model, name: str) -> dict[str, str]:
    return {"code": getattr(obj, name), "label": str(getattr(obj, f"get_{name}_display")())}


def _registry(resident: Resident) -> dict[str, Any]:
    fields = {}
    for name in EDITABLE_FIELDS:
        field = Resident._meta.get_field(name)
        assert isinstance(field, models.Field)
        value = getattr(resident, name)
        fields[name] = {
            "label": str(field.verbose_name),
            "value": _value(value),
            "shown": str(getattr(resident, f"get_{name}_display")())
            if getattr(field, "choices", None)
            else _value(value),
        }
    return {
        "id": resident.pk,
        "fields": fields,
        "registered_at": _value(resident.created_at),
        "registered_by": _user(resident.created_by),
        "consent_recorded_at": _value(resident.consent_recorded_at),
        "consent_recorded_by": _user(resident.consent_recorded_by),
        "history": [
            {
                "at": _value(event.at),
                "kind": {"code": event.kind, "label": str(event.get_kind_display())},
                "by": _user(event.actor),
                "fields": [str(label) for label in event.field_labels],
                "changes": [
                    {"field": str(label), "old": old, "new": new}
                    for label, old, new in event.changes_shown
                ],
                "detail": event.detail,
            }
            for event in resident_history(resident)
        ],
    }


def _bookings(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "number": booking.number,
            "course": booking.session.course.title,
            "venue": booking.session.venue.name,
            "starts_at": _value(booking.session.starts_at),
            "status": _coded(booking, "status"),
            "cancel_reason": _coded(booking, "cancel_reason") if booking.cancel_reason else None,
            "booked_at": _value(booking.created_at),
            "history": [
                {
                    "at": _value(event.at),
                    "from": event.from_status,
                    "to": event.to_status,
                    "reason": event.reason,
                    "note": event.note,
                    "by": _user(event.actor),
                }
                for event in booking.events.all()
            ],
        }
        for booking in bookings_of_resident(resident_id)
    ]


def _tickets(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "booking": ticket.booking.number,
            "issued_at": _value(ticket.issued_at),
            "revoked_at": _value(ticket.revoked_at),
            "revoke_reason": ticket.revoke_reason,
        }
        for ticket in tickets_of_resident(resident_id)
    ]


def _checkins(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "at": _value(checkin.at),
            "course": checkin.session.course.title if checkin.session else "",
            "venue": checkin.session.venue.name if checkin.session else "",
            "booking": checkin.booking.number if checkin.booking else "",
            "result": _coded(checkin, "result"),
            "channel": _coded(checkin, "channel"),
            "undone_at": _value(checkin.undone_at),
        }
        for checkin in checkins_of_resident(resident_id)
    ]


def _messages(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "created_at": _value(message.created_at),
            "channel": _coded(message, "channel"),
            "purpose": _coded(message, "purpose"),
            "to": message.to,
            "text": message.text_shown,
            "status": _coded(message, "status"),
            "sent_at": _value(message.sent_at),
            "delivered_at": _value(message.delivered_at),
            "history": [
                {"at": _value(event.at), "status": event.status, "detail": str(event.text())}
                for event in message.events.all()
            ],
        }
        for message in messages_of_resident(resident_id)
    ]


def _calls(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "day": _value(call.day),
            "purpose": _coded(call, "purpose"),
            "phone": call.phone,
            "status": _coded(call, "status"),
            "outcomes": [
                {
                    "at": _value(outcome.at),
                    "outcome": outcome.outcome,
                    "note": outcome.note,
                    "by": _user(outcome.by),
                }
                for outcome in call.outcomes.all()
            ],
        }
        for call in calls_of_resident(resident_id)
    ]


def _surveys(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "survey": response.survey.title,
            "channel": _coded(response, "channel"),
            "submitted_at": _value(response.submitted_at),
            "answers": [
                {
                    "question": answer.question.text,
                    "answer": "　".join(
                        part
                        for part in (answer.option.label if answer.option else "", answer.text)
                        if part
                    ),
                }
                for answer in response.answers.all()
            ],
        }
        for response in responses_of_resident(resident_id)
    ]


def _consultations(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "session": record.booking.session.course.title,
            "venue": record.booking.session.venue.name,
            "starts_at": _value(record.booking.session.starts_at),
            "booking": record.booking.number,
            "topics": [topic.name for topic in record.topics.all()],
            "device": _coded(record, "device"),
            "device_os": _coded(record, "device_os") if record.device_os else None,
            "resolution": _coded(record, "resolution"),
            "minutes": record.minutes,
            "followup": _coded(record, "followup"),
            "note": record.note,
            "recorded_at": _value(record.recorded_at),
            "by": _user(record.supporter),
        }
        for record in consultations_of_resident(resident_id)
    ]


def _access_log(resident_id: int) -> list[dict[str, Any]]:
    return [
        {
            "at": _value(entry.at),
            "by": entry.username,
            "action": {"code": entry.action, "label": str(entry.get_action_display())},
            "what": entry.what,
            "purpose": entry.purpose,
        }
        for entry in entries(resident_id=resident_id)
    ]


def disclosure_of(resident: Resident, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """Everything held about `resident`, as JSON-ready data. Volunteers are not linked to
    resident records (a volunteer has an account of their own), so there is no volunteer part."""
    return {
        "produced_at": _value(now or timezone.now()),
        "resident": _registry(resident),
        "bookings": _bookings(resident.pk),
        "tickets": _tickets(resident.pk),
        "checkins": _checkins(resident.pk),
        "messages": _messages(resident.pk),
        "calls": _calls(resident.pk),
        "surveys": _surveys(resident.pk),
        "consultations": _consultations(resident.pk),
        "access_log": _access_log(resident.pk),
    }
