"""Help-session records: one service per verb, each in a transaction, taking the acting user.

- `consultation_record` writes what a consultation was about and how it ended, once per booking;
  sent again the same day by whoever wrote it (or later by venue staff), it changes the record.
- `consultation_followup_book` books the resident for the follow-up through the booking service
  (capacity, waitlist, overlap and the request key all hold as at the desk).
- `consultation_followup_close` takes a follow-up off the desk's list without a booking.
- `topics_restore_national` puts back the national programme's topics that are missing (as the
  data migration first wrote them), leaving the office's own edits alone.

Every write names the resident in the access log, in the change's own transaction.
"""

from __future__ import annotations

import datetime
import importlib
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import access_record
from classes.booking import BookingError, BookingOutcome, booking_create
from classes.models import Booking
from consultations.models import (
    BOOKING_FOLLOWUPS,
    DEVICES_WITH_OS,
    MINUTES_MAX,
    NOTE_LENGTH,
    ConsultationRecord,
    Device,
    DeviceOS,
    FollowUp,
    Resolution,
    Topic,
)
from consultations.queries import (
    RECORDABLE_STATUSES,
    is_consultation,
    is_recordable,
    record_editable,
    supporter_of,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from accounts.access import Actor


class ConsultationError(Exception):
    """A rule said no; `message` is fit to show the user, `field` names the form field."""

    def __init__(self, message: str, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _person(user: Actor) -> User | None:
    """The user to keep on a row: nobody for an anonymous visitor or a task."""
    if user is not None and user.is_authenticated:
        return user
    return None


def _clean_answers(
    *,
    topic_ids: Sequence[int],
    device: str,
    device_os: str,
    resolution: str,
    minutes: int,
    followup: str,
    note: str,
) -> tuple[list[Topic], str, str]:
    """The topics, the phone type (blank for devices that have none) and the note, or
    ConsultationError naming the answer to fix."""
    wanted = set(topic_ids)
    topics = list(Topic.objects.filter(pk__in=wanted))
    if not wanted or len(topics) != len(wanted):
        raise ConsultationError(_("Choose at least one topic."), "topics", "topics")
    if device not in Device.values:
        raise ConsultationError(_("Choose the device the person uses."), "device", "device")
    if device in DEVICES_WITH_OS:
        if device_os not in DeviceOS.values:
            raise ConsultationError(
                _("Choose the phone type (or 'Not known')."), "device_os", "device_os"
            )
    else:
        device_os = ""
    if resolution not in Resolution.values:
        raise ConsultationError(_("Choose how the consultation ended."), "resolution", "resolution")
    if not 1 <= minutes <= MINUTES_MAX:
        raise ConsultationError(
            _("Minutes spent must be between 1 and %(max)s.") % {"max": MINUTES_MAX},
            "minutes",
            "minutes",
        )
    if followup not in FollowUp.values:
        raise ConsultationError(_("Choose what follows."), "followup", "followup")
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        raise ConsultationError(
            _("The note can be at most %(max)s characters.") % {"max": NOTE_LENGTH},
            "note",
            "note",
        )
    return topics, device_os, note


@transaction.atomic
def consultation_record(
    *,
    booking_id: int,
    user: Actor,
    topic_ids: Sequence[int],
    device: str,
    device_os: str,
    resolution: str,
    minutes: int,
    followup: str,
    note: str = "",
    now: datetime.datetime | None = None,
) -> ConsultationRecord:
    """Record a consultation of a booking (a walk-in's too): its topics, device and phone type,
    result, minutes, follow-up and a short note. The supporter is `user`: venue staff of the
    session's venue, or a volunteer with an accepted shift on the session (the shift is kept
    with the record). A booking has one record: sent again on the day it was written, by its
    writer, or on any day by venue staff, the record is changed instead (a double tap changes
    nothing)."""
    now = now or timezone.now()
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("session__course", "session__venue")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise ConsultationError(_("This booking does not exist."), "unknown_booking")
    session = booking.session
    if not is_consultation(session):
        raise ConsultationError(
            _("Only one-to-one help sessions are recorded here."), "not_consultation"
        )
    if booking.status not in RECORDABLE_STATUSES:
        raise ConsultationError(
            _("This person has no seat in this session (cancelled or waiting)."), "no_seat"
        )
    if not is_recordable(session, now=now):
        raise ConsultationError(_("A consultation is recorded on its day, not before."), "not_yet")
    supporter = supporter_of(user, session)
    if supporter is None:
        raise ConsultationError(
            _("Only venue staff and the volunteers of this session record its consultations."),
            "not_supporter",
        )
    topics, device_os, note = _clean_answers(
        topic_ids=topic_ids,
        device=device,
        device_os=device_os,
        resolution=resolution,
        minutes=minutes,
        followup=followup,
        note=note,
    )
    person = _person(user)
    record = ConsultationRecord.objects.filter(booking=booking).first()
    created = record is None
    if record is None:
        record = ConsultationRecord(
            booking=booking,
            resident_id=booking.resident_id,
            supporter=person,
            assignment_id=min(supporter.assignment_ids, default=None),
            recorded_at=now,
        )
    elif not record_editable(record, user, now=now):
        raise ConsultationError(
            _(
                "This consultation was already recorded. The person who recorded it can change "
                "it on that day; later, venue staff can correct it."
            ),
            "already_recorded",
        )
    record.device = device
    record.device_os = device_os
    record.resolution = resolution
    record.minutes = minutes
    if record.followup != followup:
        # A changed follow-up is a new request: the desk sees it again.
        record.followup_closed_at = None
        record.followup_closed_by = None
    record.followup = followup
    record.note = note
    record.updated_at = now
    record.updated_by = person
    record.save()
    record.topics.set(topics)
    access_record(
        user=user,
        action=Action.CREATE if created else Action.EDIT,
        what="consultation record",
        residents=[booking.resident_id],
        now=now,
    )
    return record


@transaction.atomic
def consultation_followup_book(
    *,
    record_id: int,
    session_id: int,
    user: Actor,
    request_key: uuid.UUID | None = None,
    now: datetime.datetime | None = None,
) -> BookingOutcome:
    """Book the consulted resident into `session_id` for the record's follow-up, through the
    booking service (capacity, waitlist, overlap; the same request key twice books once). The
    first booking made so answers the follow-up: it leaves the desk's list."""
    now = now or timezone.now()
    record = ConsultationRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise ConsultationError(_("This consultation record does not exist."), "unknown_record")
    if record.followup not in BOOKING_FOLLOWUPS:
        raise ConsultationError(_("This consultation asked for no booking."), "no_booking_followup")
    try:
        outcome = booking_create(
            session_id=session_id,
            resident_id=record.resident_id,
            user=user,
            request_key=request_key,
            now=now,
        )
    except BookingError as error:
        raise ConsultationError(error.message, error.code) from error
    # The first follow-up booking answers it; a second one (another class) changes nothing here.
    ConsultationRecord.objects.filter(pk=record.pk, followup_booking__isnull=True).update(
        followup_booking=outcome.booking
    )
    return outcome


@transaction.atomic
def consultation_followup_close(
    *, record_id: int, user: Actor, now: datetime.datetime | None = None
) -> ConsultationRecord:
    """Take a follow-up off the desk's list without a booking (the resident declined, or was
    booked another way)."""
    now = now or timezone.now()
    closed = (
        ConsultationRecord.objects.followups_open()
        .filter(pk=record_id)
        .update(followup_closed_at=now, followup_closed_by=_person(user))
    )
    record = ConsultationRecord.objects.filter(pk=record_id).first()
    if record is None:
        raise ConsultationError(_("This consultation record does not exist."), "unknown_record")
    if not closed:
        raise ConsultationError(_("This follow-up has already been dealt with."), "not_open")
    return record


def consultation_notes_erase(*, resident_id: int) -> int:
    """Erasure (privacy.services.resident_erase): the free notes about the resident, which may
    name them, are overwritten; the records stay, anonymous, so every figure reads the same.
    Returns how many notes were erased."""
    return (
        ConsultationRecord.objects.filter(resident_id=resident_id).exclude(note="").update(note="")
    )


def topics_restore_national() -> None:
    """The migration's own list, so that there is one list; a transactional test or a restored
    empty table can lose the rows the migration wrote."""
    migration = importlib.import_module("consultations.migrations.0002_topics")
    migration.add_topics(apps, None)
