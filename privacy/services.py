"""Residents' rights as services: disclosure and erasure. Each is logged."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import access_record
from classes.booking import booking_cancel
from classes.models import CancelReason
from consultations.services import consultation_notes_erase
from notifications.services import resident_contacts_erase
from privacy.disclosure import disclosure_of
from privacy.queries import retention_candidates, upcoming_bookings_of
from residents.models import Resident
from residents.services import ResidentError, resident_anonymise
from surveys.services import responses_anonymise

if TYPE_CHECKING:
    from accounts.access import Actor


class RightsError(Exception):
    """A request that cannot be answered; the message is fit to show the user."""


def _resident(resident_id: int) -> Resident:
    try:
        return Resident.objects.select_related("created_by", "consent_recorded_by").get(
            pk=resident_id
        )
    except Resident.DoesNotExist:
        raise RightsError(_("This resident record does not exist.")) from None


@transaction.atomic
def resident_disclose(
    *,
    resident_id: int,
    user: Actor,
    purpose: str,
    file_format: str,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Answer a disclosure request: log it (with the request's reference as the purpose),
    then gather everything held, the log row just written included."""
    purpose = purpose.strip()
    if not purpose:
        raise RightsError(_("Please write the request's reference or purpose."))
    resident = _resident(resident_id)
    access_record(
        user=user,
        action=Action.DISCLOSE,
        what=f"disclosure {file_format}",
        residents=[resident.pk],
        rows=1,
        purpose=purpose,
        now=now,
    )
    return disclosure_of(resident, now=now)


# The reason the retention task gives.
RETENTION_REASON = "保存期間経過"


@transaction.atomic
def resident_erase(
    *,
    resident_id: int,
    user: Actor,
    reason: str,
    now: datetime.datetime | None = None,
) -> Resident:
    """Erase a resident's personal data for good (消去): the registry's names, kana, phones,
    date of birth (the year stays, for the age bands), notes and the values its history kept;
    what they wrote in linked surveys; the numbers and texts of messages and calls, after
    withdrawing those not yet made; the supporters' notes of their consultations. Bookings,
    check-ins, survey answers and consultation records stay as anonymous rows, so every KPI and
    survey table reads the same. Bookings and waitlist places of sessions still to come are
    cancelled first: the person is not expected, and the seat goes to the next in line (any
    message about it is withdrawn with the others). Logged."""
    reason = reason.strip()
    if not reason:
        raise RightsError(_("Please write why the data is erased."))
    person = user if user is not None and user.is_authenticated else None
    _upcoming_bookings_cancel(resident_id, user=person, now=now or timezone.now())
    try:
        resident = resident_anonymise(resident_id=resident_id, user=person, reason=reason, now=now)
    except ResidentError as exc:
        raise RightsError(str(exc)) from exc
    responses_anonymise(resident_id=resident.pk)
    consultation_notes_erase(resident_id=resident.pk)
    resident_contacts_erase(resident_id=resident.pk, why=_("Personal data erased"), now=now)
    access_record(
        user=user,
        action=Action.ERASE,
        what="resident erasure",
        residents=[resident.pk],
        purpose=reason,
        now=now,
    )
    return resident


def _upcoming_bookings_cancel(resident_id: int, *, user: Actor, now: datetime.datetime) -> None:
    upcoming = upcoming_bookings_of(resident_id, now=now)
    for booking_id in upcoming.values_list("pk", flat=True):
        booking_cancel(
            booking_id=booking_id,
            user=user,
            reason=CancelReason.BY_STAFF,
            note=_("Personal data erased"),
            now=now,
        )


def residents_retention_erase(*, now: datetime.datetime | None = None) -> int:
    """The retention rule: erase everyone retention_candidates names (the list the DX office
    sees), each in its own transaction, with the reason 保存期間経過. Returns how many."""
    erased = 0
    for candidate in retention_candidates(now=now):
        try:
            resident_erase(
                resident_id=candidate.resident.pk, user=None, reason=RETENTION_REASON, now=now
            )
        except RightsError:  # erased meanwhile by hand
            continue
        erased += 1
    return erased
