"""Access-log entries as rows people read: on the log page and in the CSV export."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Role
from audit import people, queries

BOM = "\ufeff"


@dataclass(frozen=True)
class EntryRow:
    at: datetime.datetime  # shown in Asia/Tokyo
    staff: str
    roles: str
    action: str
    what: str
    residents: list[tuple[int, str]]  # (id, name or "") for each resident named
    rows: int | None
    purpose: str


def role_labels(roles: str) -> str:
    labels = []
    for code in filter(None, roles.split(",")):
        try:
            labels.append(str(Role(code).label))
        except ValueError:
            labels.append(code)
    return "、".join(labels)


def entry_row(entry, names: dict[int, str]) -> EntryRow:
    ids = [r.resident_id for r in entry.residents.all()]
    return EntryRow(
        at=timezone.localtime(entry.at),
        staff=entry.username or _("(no account)"),
        roles=role_labels(entry.roles),
        action=str(entry.get_action_display()),
        what=_(entry.what) if entry.what else "",
        residents=[(pk, names.get(pk, "")) for pk in ids],
        rows=entry.row_count,
        purpose=entry.purpose,
    )


def log_csv(filters: dict) -> tuple[bytes, int, list[int]]:
    """The entries `filters` selects as CSV: UTF-8 with a BOM (Excel), CRLF lines.

    Returns the bytes, the number of entries and the ids of the residents the file names."""
    found = list(queries.entries(**filters))
    ids = sorted({r.resident_id for entry in found for r in entry.residents.all()})
    names = people.resident_names(ids)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            _("When"),
            _("Staff member"),
            _("Roles"),
            _("Action"),
            _("What"),
            _("Resident numbers"),
            _("Residents"),
            _("Rows"),
            _("Stated purpose"),
        ]
    )
    for entry in found:
        row = entry_row(entry, names)
        writer.writerow(
            [
                row.at.strftime("%Y-%m-%d %H:%M:%S"),
                row.staff,
                row.roles,
                row.action,
                row.what,
                " ".join(str(pk) for pk, _name in row.residents),
                "、".join(name for _pk, name in row.residents if name),
                "" if row.rows is None else row.rows,
                row.purpose,
            ]
        )
    return (BOM + buffer.getvalue()).encode("utf-8"), len(found), ids
