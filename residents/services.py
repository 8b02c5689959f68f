"""Every change to the resident registry: register, edit, merge. Each leaves a ResidentEvent
and a row in the access log (who changed whose record), in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import access_record
from residents.hooks import ResidentMerge, resident_merging
from residents.models import Resident, ResidentEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What staff may set on a resident; everything else is derived or bookkeeping.
EDITABLE_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "birth_year",
    "gender",
    "phone_mobile",
    "phone_home",
    "smartphone",
    "preferred_contact",
    "district",
    "consent_contact",
    "consent_data_use",
    "consent_date",
    "notes",
)
# Filled from the removed record when the kept one has nothing there.
_MERGE_FILL_FIELDS = ("gender", "phone_mobile", "phone_home", "district")
_CONSENT_FIELDS = ("consent_contact", "consent_data_use", "consent_date")


class ResidentError(Exception):
    """A change that cannot be made; the message is fit to show the user."""


class StaleResidentError(ResidentError):
    """Someone saved the record after the form was opened; `current_version` is theirs."""

    def __init__(self, message: str, *, current_version: str) -> None:
        super().__init__(message)
        self.current_version = current_version


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable on a resident: {', '.join(sorted(unknown))}")
    # The year follows a full date of birth (as Resident.save does), so it is no change.
    if fields.get("birth_date"):
        fields["birth_year"] = fields["birth_date"].year


@transaction.atomic
def resident_create(
    *, user: User | None, note: str = "", logged_as: str = "resident", **fields: Any
) -> Resident:
    """Register a resident; `note` goes into the history (e.g. why a duplicate was accepted).
    `logged_as` is what the access log calls it ("web booking: resident registered" when the
    resident registered themselves, with no staff account)."""
    _check_fields(fields)
    resident = Resident(**fields, created_by=user)
    if any(name in fields for name in _CONSENT_FIELDS):
        resident.consent_recorded_at = timezone.now()
        resident.consent_recorded_by = user
    resident.save()
    ResidentEvent.objects.create(
        resident=resident, kind=ResidentEvent.Kind.CREATED, detail=note, actor=user
    )
    access_record(user=user, action=Action.CREATE, what=logged_as, residents=[resident])
    return resident


def _stored(value: Any) -> Any:
    """A field value as the history keeps it in JSON."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _version(resident: Resident) -> str:
    return resident.updated_at.isoformat()


@transaction.atomic
def resident_update(
    *, resident: Resident, user: User | None, expected_version: str | None = None, **fields: Any
) -> Resident:
    """Change a resident's details; records which fields changed.

    `expected_version` is the record's `updated_at` when the form was opened: if someone saved
    in between, nothing is saved and the user is asked to look again.
    """
    _check_fields(fields)
    current = Resident.objects.select_for_update().get(pk=resident.pk)
    if current.is_merged:
        raise ResidentError(
            _("This record was merged into another one. Please edit that record instead.")
        )
    if current.is_erased:
        raise ResidentError(_("This person's personal data was erased; it cannot be edited."))
    if expected_version and expected_version != _version(current):
        raise StaleResidentError(
            _(
                "Someone else changed this record while you were editing. "
                "Please check the current details and save again."
            ),
            current_version=_version(current),
        )
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if not changed:
        return current
    changes = [
        {"field": name, "old": _stored(getattr(current, name)), "new": _stored(fields[name])}
        for name in changed
    ]
    for name in changed:
        setattr(current, name, fields[name])
    if set(changed) & set(_CONSENT_FIELDS):
        current.consent_recorded_at = timezone.now()
        current.consent_recorded_by = user
    current.save()
    ResidentEvent.objects.create(
        resident=current,
        kind=ResidentEvent.Kind.UPDATED,
        fields=changed,
        changes=changes,
        actor=user,
    )
    access_record(user=user, action=Action.EDIT, what="resident", residents=[current])
    return current


def _fill_missing(keep: Resident, remove: Resident) -> list[str]:
    """Copy what the kept record lacks from the removed one; returns the field names copied."""
    copied = []
    for name in _MERGE_FILL_FIELDS:
        if not getattr(keep, name) and getattr(remove, name):
            setattr(keep, name, getattr(remove, name))
            copied.append(name)
    if (
        not keep.birth_date
        and remove.birth_date
        and keep.birth_year in (None, remove.birth_date.year)
    ):
        keep.birth_date = remove.birth_date
        copied.append("birth_date")
    if keep.birth_year is None and remove.birth_year is not None:
        keep.birth_year = remove.birth_year
        copied.append("birth_year")
    # Consent belongs together with its date: take the other record's only if ours has none.
    if not keep.consent_date and remove.consent_date:
        for name in _CONSENT_FIELDS:
            setattr(keep, name, getattr(remove, name))
        copied += _CONSENT_FIELDS
    if remove.notes and remove.notes not in keep.notes:
        keep.notes = f"{keep.notes}\n{remove.notes}".strip()
        copied.append("notes")
    return copied


def _resident_links() -> Iterator[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every foreign key from another model to Resident, hidden ones included.

    `Resident._meta.related_objects` leaves out relations declared with related_name="+",
    which would silently stay on the removed record; get_fields(include_hidden=True) does not.
    The history (ResidentEvent) stays with the record it describes.
    """
    for relation in Resident._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.many_to_many:
            continue
        if not isinstance(relation, ForeignObjectRel):  # what is left is the reverse side
            continue
        if relation.related_model is ResidentEvent:
            continue
        if isinstance(relation.field, models.ForeignKey):  # OneToOneField is one too
            yield relation.related_model, relation.field


@transaction.atomic
def resident_merge(*, keep_id: int, remove_id: int, user: User | None) -> Resident:
    """Merge the `remove_id` record into `keep_id`: its rows move, it stays as history."""
    if keep_id == remove_id:
        raise ResidentError(_("A record cannot be merged into itself."))
    # Lock both rows in id order, the same order every merge takes them in.
    locked = {
        r.pk: r
        for r in Resident.objects.select_for_update()
        .filter(pk__in=[keep_id, remove_id])
        .order_by("pk")
    }
    keep, remove = locked.get(keep_id), locked.get(remove_id)
    if keep is None or remove is None:
        raise ResidentError(_("One of the two records no longer exists."))
    if keep.is_merged:
        raise ResidentError(
            _("No. %(id)s was already merged into another record; merge into that one instead.")
            % {"id": keep.pk}
        )
    if remove.is_merged:
        raise ResidentError(_("No. %(id)s was already merged.") % {"id": remove.pk})

    copied = _fill_missing(keep, remove)
    keep.save()

    # Apps with rules of their own (one booking per session) move their rows first.
    resident_merging.announce(ResidentMerge(keep=keep, remove=remove, user=user))
    for model, field in _resident_links():
        try:
            with transaction.atomic():
                model._base_manager.filter(**{field.name: remove}).update(**{field.name: keep})
        except IntegrityError as exc:
            raise ResidentError(
                _(
                    "These records cannot be merged automatically (%(what)s). "
                    "Please ask the DX office."
                )
                % {"what": model._meta.verbose_name}
            ) from exc

    remove.merged_into = keep
    remove.save(update_fields=["merged_into"])
    ResidentEvent.objects.create(
        resident=keep, kind=ResidentEvent.Kind.MERGED_IN, other=remove, fields=copied, actor=user
    )
    ResidentEvent.objects.create(
        resident=remove, kind=ResidentEvent.Kind.MERGED_AWAY, other=keep, actor=user
    )
    access_record(user=user, action=Action.MERGE, what="resident", residents=[keep, remove])
    return keep


# What an erasure overwrites, and with what. Kept: birth year, gender, district and the kind of
# phone (the KPI breakdowns: age band, gender, district, 持っている電話) and the consents' flags.
ERASED_VALUES: dict[str, Any] = {
    "family_name": "",
    "given_name": "",
    "family_name_kana": "",
    "given_name_kana": "",
    "birth_date": None,
    "phone_mobile": "",
    "phone_home": "",
    "notes": "",
}


@transaction.atomic
def resident_anonymise(
    *,
    resident_id: int,
    user: User | None,
    reason: str,
    now: datetime.datetime | None = None,
) -> Resident:
    """Overwrite a resident's personal fields for good (names, kana, phones, date of birth —
    the year stays —, notes), and the values its history kept; the row stays, anonymous, and
    is hidden from searches. Records merged into it are anonymised with it. Called by the
    privacy app's erasure; refused for a record already erased."""
    now = now or timezone.now()
    resident = Resident.objects.select_for_update().filter(pk=resident_id).first()
    if resident is None:
        raise ResidentError(_("This resident record does not exist."))
    if resident.is_erased:
        raise ResidentError(_("This person's personal data was already erased."))
    ids = [resident.pk, *Resident.objects.filter(merged_into=resident).values_list("pk", flat=True)]
    for record in Resident.objects.select_for_update().filter(pk__in=ids):
        if record.birth_date and not record.birth_year:
            record.birth_year = record.birth_date.year
        for name, value in ERASED_VALUES.items():
            setattr(record, name, value)
        record.erased_at = now
        record.erased_by = user
        record.erase_reason = reason[:200]
        record.save()
    # An edit's old and new values, and free notes, may hold what was just erased.
    ResidentEvent.objects.filter(resident_id__in=ids).update(changes=[], detail="")
    ResidentEvent.objects.create(
        resident=resident,
        kind=ResidentEvent.Kind.ERASED,
        detail=reason[:200],
        actor=user,
        at=now,
    )
    return resident
