"""The log pages' reach into the registry: residents' names for ids, the registry's search.

Only the pages (views, exports) import this module. audit.models, services and queries import
no app built on them, so every app can record into the log without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from residents.models import Resident
from residents.queries import resident_search


def resident_names(ids: Iterable[int]) -> dict[int, str]:
    """Names of the residents entries name, by id; ids of records no longer there are left out."""
    wanted = set(ids)
    if not wanted:
        return {}
    found = Resident.objects.filter(pk__in=wanted).only("family_name", "given_name", "erased_at")
    return {r.pk: r.full_name for r in found}


def residents_matching(text: str, *, limit: int = 10) -> list[Resident]:
    """Residents the DX office picks from to read the log about them (the registry's search)."""
    return resident_search(text, limit=limit)
