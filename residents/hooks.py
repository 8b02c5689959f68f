"""What happens to residents that other apps follow (followups.hooks explains the mechanism).

In the transaction:
- `resident_merging` (ResidentMerge) — two records of one person are being merged, both rows
  locked. Listeners move what they hold of `remove` to `keep` by their own rules; anything
  still pointing at `remove` afterwards is moved as it is. Raising refuses the merge.
  Listeners: classes.booking.bookings_merge (keeps one booking per session);
  reports.rollup.resident_merging (the moved check-ins are counted again for the KPIs);
  selfbook.services.webbookings_merge (a record the web registered needs no more checking).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from followups.hooks import InTransaction

if TYPE_CHECKING:
    from accounts.access import Actor
    from residents.models import Resident


@dataclass(frozen=True)
class ResidentMerge:
    keep: Resident
    remove: Resident
    user: Actor


resident_merging = InTransaction("residents.resident_merging", ResidentMerge)
