"""Every change to the resident registry: register, edit, merge. Each leaves a ResidentEvent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel
from django.utils.translation import gettext as _

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
def resident_create(*, user: User | None, note: str = "", **fields: Any) -> Resident:
    """Register a resident; `note` goes into the history (e.g. why a duplicate was accepted)."""
    _check_fields(fields)
    resident = Resident(**fields, created_by=user)
    resident.save()
    ResidentEvent.objects.create(
        resident=resident, kind=ResidentEvent.Kind.CREATED, detail=note, actor=user
    )
    return resident


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
    for name in changed:
        setattr(current, name, fields[name])
    current.save()
    ResidentEvent.objects.create(
        resident=current, kind=ResidentEvent.Kind.UPDATED, fields=changed, actor=user
    )
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
    return keep
