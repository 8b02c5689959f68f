"""What happens to shifts that other apps may follow (followups.hooks explains the mechanism).

After commit, each listener run by a task and retried until done:
- `shift_declined` (ShiftDeclined) — a volunteer declined a proposed or accepted shift; the
  coordinator sees it on the coverage page. Listeners: none yet.
"""

from dataclasses import dataclass

from followups.hooks import AfterCommit


@dataclass(frozen=True)
class ShiftDeclined:
    assignment_id: int


shift_declined = AfterCommit("volunteers.shift_declined", ShiftDeclined)
