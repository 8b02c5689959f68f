"""A slow follow-up for the cluster test: a worker killed inside it must neither lose it nor
do it twice. The worker imports this module by the listener's path."""

import time
from dataclasses import dataclass

from django.db.models import F, Value
from django.db.models.functions import Concat

from followups.hooks import AfterCommit
from residents.models import Resident

SECONDS = 0.3


@dataclass(frozen=True)
class SlowWork:
    resident_id: int


slow_work = AfterCommit("tests.slow_work", SlowWork)


def do_slow_work(event):
    """Appends one mark to the resident's notes: done twice, there would be two."""
    Resident.objects.filter(pk=event.resident_id).update(notes=Concat(F("notes"), Value("x")))
    time.sleep(SECONDS)
