"""The file register (個人情報ファイル簿) of the resident file, read from the models and settings.

The items recorded are the models' own fields: a field added to the registry, or a new kind of
record about residents (anything with a key or a `resident_id` to a resident), appears here
without anyone remembering to edit this page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

# Fields of Resident that hold no personal data: keys, search keys derived from the name
# (the name itself is listed), bookkeeping of the record. Every other field is listed.
RESIDENT_NOT_PERSONAL = frozenset(
    {"id", "kana_key", "given_kana_key", "name_key", "merged_into", "created_by", "updated_at"}
)
# Records that name a resident but are not part of the resident file's content.
# The access log is the city's record of its staff's work, kept apart (see the README).
RELATED_LEFT_OUT = frozenset({"residents.resident", "audit.accesslogresident"})


@dataclass(frozen=True)
class Record:
    label: str  # e.g. 予約
    items: list[str]  # the fields' names as the screens say them


@dataclass(frozen=True)
class FileRegister:
    municipality: str
    file_name: str
    office: str
    purpose: list[str]
    resident_items: list[str]
    related: list[Record]
    sources: list[str]
    recipients: list[str]
    retention: str


def _label(field: models.Field) -> str:
    return str(field.verbose_name)


def _is_described(field: models.Field) -> bool:
    """A field with a name of its own (not Django's default from the attribute name)."""
    return str(field.verbose_name) != field.name.replace("_", " ")


def resident_items() -> list[str]:
    """Every concrete field of Resident that holds personal data, by its verbose name."""
    resident = apps.get_model("residents", "Resident")
    return [
        _label(f) for f in resident._meta.concrete_fields if f.name not in RESIDENT_NOT_PERSONAL
    ]


def _names_a_resident(model: type[models.Model]) -> models.Field | None:
    resident = apps.get_model("residents", "Resident")
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is resident:
            return field
        if field.attname == "resident_id":
            return field
    return None


def related_records() -> list[Record]:
    """Every other kind of record about a resident: bookings, check-ins, messages, calls,
    survey answers..., each with its described fields (keys and technical fields left out)."""
    found = []
    for model in apps.get_models():
        if model._meta.label_lower in RELATED_LEFT_OUT:
            continue
        link = _names_a_resident(model)
        if link is None:
            continue
        items = [
            _label(f)
            for f in model._meta.concrete_fields
            if f is not link and not f.primary_key and _is_described(f)
        ]
        # Lists kept with the record (a consultation's topics) are items too.
        items += [_label(f) for f in model._meta.many_to_many if _is_described(f)]
        found.append(Record(label=str(model._meta.verbose_name_plural), items=items))
    return sorted(found, key=lambda r: r.label)


def file_register() -> FileRegister:
    years = settings.RESIDENT_RETENTION_YEARS
    return FileRegister(
        municipality=settings.MUNICIPALITY_NAME,
        file_name=_("Register of participants in the smartphone classes (Tsunagu)"),
        office=settings.PERSONAL_DATA_OFFICE,
        purpose=[
            _(
                "Taking bookings for smartphone classes and consultation days, and checking "
                "participants in at the venue."
            ),
            _(
                "Reminding participants of their bookings and telling them of changes by SMS "
                "or an automated call, when they agreed to be contacted."
            ),
            _(
                "Measuring the programme's results (KPIs) and surveys, as statistics that name "
                "no one."
            ),
        ],
        resident_items=resident_items(),
        related=related_records(),
        sources=[
            _("The resident, at the booking desk, by phone or at the venue."),
            _(
                "The resident, on the web booking page (a mobile number confirmed with a code "
                "sent to it)."
            ),
            _("Survey forms the resident fills in."),
            _("The delivery reports of the SMS and voice provider (for messages sent)."),
        ],
        recipients=[
            _(
                "Twilio Inc. (SMS and automated voice calls): receives the phone number and the "
                "message, as a processor entrusted by the city; it uses them for nothing else."
            ),
            _(
                "Venue staff and volunteers of the classes: the names on their session's roster, "
                "as far as the session needs."
            ),
            _("No one else, except where a law requires it."),
        ],
        retention=(
            _(
                "%(years)s years after the resident's last activity (booking, check-in or change "
                "of the record); then the name, kana, phone numbers, date of birth and notes are "
                "erased and only anonymous figures remain."
            )
            % {"years": years}
            if years
            else _("Kept while the programme runs; erased on the resident's request.")
        ),
    )
