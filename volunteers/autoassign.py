"""Auto-assign over a period: load it from the database into `volunteers.matching`'s plain
structures, solve, and write the proposals back; a MatchingRun row carries the progress.

A run keeps every shift someone holds — accepted, or proposed by a coordinator or an earlier
run and not yet answered (they are locked: they take their places and count toward the
volunteer's load). So the places it fills are exactly the open places the coverage page shows,
and a volunteer already asked is not asked again. Nor is one who declined a session or was
withdrawn from it: they are not asked for that session again.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from classes.models import Course, Session, SessionStatus
from classes.scheduling import local_datetime
from followups.services import later
from volunteers import matching, notify
from volunteers.models import (
    HOLDING_STATUSES,
    Assignment,
    AvailabilityException,
    MatchingRun,
    ShiftNeed,
    Volunteer,
)
from volunteers.services import VolunteerError, needs_ensure

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

# Seconds the solver may take in a run (the bench and tests pass their own).
DEFAULT_TIME_LIMIT = getattr(settings, "VOLUNTEER_MATCHING_SECONDS", 10)
# Longest period one run may cover.
MAX_PERIOD_DAYS = 93
# Skills a course's category or phone type makes welcome beyond the required ones.
LIKED_SKILLS = {
    "android": {"android"},
    "iphone": {"iphone"},
    "mynumber": {"mynumber", "online"},
    "programming": {"programming"},
}


def _liked(course: Course) -> frozenset[str]:
    return frozenset(
        LIKED_SKILLS.get(course.device_os, set()) | LIKED_SKILLS.get(course.category, set())
    )


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def _month_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = start.replace(day=1)
    after = (end.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return first, after - datetime.timedelta(days=1)


def _locked_shift(assignment: Assignment) -> matching.Locked:
    s = assignment.session
    start, end = _local(s.starts_at), _local(s.ends_at)
    return matching.Locked(s.pk, s.venue_id, start.date(), start.time(), end.time())


def _person(
    volunteer: Volunteer,
    locked: list[matching.Locked],
    excluded: frozenset[int] = frozenset(),
) -> matching.Person:
    return matching.Person(
        id=volunteer.pk,
        skills=frozenset(volunteer.skills),
        venues=frozenset(v.pk for v in volunteer.venues.all()),
        max_per_month=volunteer.max_shifts_per_month,
        weekly=[(w.weekday, w.start_time, w.end_time) for w in volunteer.windows.all()],
        away=frozenset(
            e.date for e in volunteer.exceptions.all() if e.kind == AvailabilityException.Kind.AWAY
        ),
        extra=[
            (e.date, e.start_time, e.end_time)
            for e in volunteer.exceptions.all()
            if e.kind == AvailabilityException.Kind.EXTRA
        ],
        qualified=[(q.issued_on, q.expires_on) for q in volunteer.qualifications.all()],
        locked=locked,
        excluded_sessions=excluded,
    )


def _volunteers(first: datetime.date, last: datetime.date) -> QuerySet[Volunteer]:
    exceptions = AvailabilityException.objects.filter(date__gte=first, date__lte=last)
    return Volunteer.objects.prefetch_related(
        "venues", "windows", "qualifications", Prefetch("exceptions", queryset=exceptions)
    )


def person_for(volunteer: Volunteer, *, around: datetime.date) -> matching.Person:
    """One volunteer as the solver sees them, for the month around `around` (5 queries)."""
    first, last = _month_bounds(around, around)
    volunteer = _volunteers(first, last).get(pk=volunteer.pk)
    return _person(volunteer, [])


def _range(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        local_datetime(first, datetime.time.min),
        local_datetime(last + datetime.timedelta(days=1), datetime.time.min),
    )


def load_period(
    start: datetime.date, end: datetime.date
) -> tuple[list[matching.Person], list[matching.Need]]:
    """(people, needs) for the period, creating default needs where sessions have none."""
    lo, hi = _range(start, end)
    sessions = list(
        Session.objects.filter(starts_at__gte=lo, starts_at__lt=hi)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("course")
    )
    needs_ensure(sessions=sessions)
    excluded: dict[int, set[int]] = {}
    for volunteer_id, session_id in Assignment.objects.filter(
        session__in=sessions,
        status__in=[Assignment.Status.DECLINED, Assignment.Status.CANCELLED],
    ).values_list("volunteer_id", "session_id"):
        excluded.setdefault(volunteer_id, set()).add(session_id)
    first, last = _month_bounds(start, end)
    m_lo, m_hi = _range(first, last)
    held = (
        Assignment.objects.filter(
            status__in=HOLDING_STATUSES, session__starts_at__gte=m_lo, session__starts_at__lt=m_hi
        )
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
    )
    locked_by_person: dict[int, list[matching.Locked]] = {}
    taken: dict[int, int] = {}
    for a in held:
        locked_by_person.setdefault(a.volunteer_id, []).append(_locked_shift(a))
        taken[a.need_id] = taken.get(a.need_id, 0) + 1
    people = [
        _person(v, locked_by_person.get(v.pk, []), frozenset(excluded.get(v.pk, ())))
        for v in _volunteers(first, last).filter(status=Volunteer.Status.APPROVED)
    ]
    needs = []
    for need in ShiftNeed.objects.filter(session__in=sessions).select_related("session__course"):
        places = need.count - taken.get(need.pk, 0)
        if places <= 0:
            continue
        s = need.session
        s_start, s_end = _local(s.starts_at), _local(s.ends_at)
        needs.append(
            matching.Need(
                id=need.pk,
                session_id=s.pk,
                venue_id=s.venue_id,
                day=s_start.date(),
                start=s_start.time(),
                end=s_end.time(),
                places=places,
                required_skills=frozenset(need.required_skills),
                liked_skills=_liked(s.course),
            )
        )
    return people, needs


def matching_run_start(*, start: datetime.date, end: datetime.date, user: User) -> MatchingRun:
    """Queue an auto-assign for the period; the page follows the run's progress."""
    if end < start:
        raise VolunteerError(_("The end date is before the start date."))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise VolunteerError(_("Please choose a period of at most three months."))
    with transaction.atomic():
        run = MatchingRun.objects.create(period_start=start, period_end=end, created_by=user)
        transaction.on_commit(lambda: async_task("volunteers.tasks.run_matching", run.pk))
    return run


def _progress(run_id: int, percent: int, stage: str) -> None:
    MatchingRun.objects.filter(pk=run_id).update(progress=percent, stage=stage)


def matching_run_execute(*, run_id: int, time_limit: float | None = None) -> MatchingRun | None:
    """Run a queued run once (a second call finds it taken and returns)."""
    claimed = MatchingRun.objects.filter(pk=run_id, status=MatchingRun.Status.QUEUED).update(
        status=MatchingRun.Status.RUNNING, progress=5, stage="loading"
    )
    if not claimed:
        return None
    run = MatchingRun.objects.get(pk=run_id)
    try:
        with transaction.atomic():
            people, needs = load_period(run.period_start, run.period_end)
        _progress(run_id, 20, "model")
        result = matching.solve(
            people,
            needs,
            time_limit=time_limit or DEFAULT_TIME_LIMIT,
            progress=lambda percent, stage: _progress(run_id, percent, stage),
        )
        _progress(run_id, 90, "saving")
        with transaction.atomic():
            _write(run, result)
    except Exception as error:  # the page shows it; the traceback goes to the log
        log.exception("matching run %s failed", run_id)
        MatchingRun.objects.filter(pk=run_id).update(
            status=MatchingRun.Status.FAILED,
            error=str(error)[:500],
            finished_at=timezone.now(),
        )
        return None
    return MatchingRun.objects.get(pk=run_id)


def _write(run: MatchingRun, result: matching.Result) -> None:
    needs = ShiftNeed.objects.in_bulk([nid for _pid, nid in result.pairs])
    now = timezone.now()
    busy = set(
        Assignment.objects.filter(
            status__in=HOLDING_STATUSES, session_id__in={n.session_id for n in needs.values()}
        ).values_list("session_id", "volunteer_id")
    )
    rows = []
    for pid, nid in result.pairs:
        need = needs[nid]
        if (need.session_id, pid) in busy:  # changed while the solver ran: leave it
            continue
        busy.add((need.session_id, pid))
        rows.append(
            Assignment(
                need=need,
                session_id=need.session_id,
                volunteer_id=pid,
                source=Assignment.Source.MATCHING,
                run=run,
                created_by=run.created_by,
                created_at=now,
                updated_at=now,
            )
        )
    Assignment.objects.bulk_create(rows)
    # Each volunteer hears of this run's proposals in one SMS, once the run is saved.
    if rows:
        later(notify.run_proposals_notice, run_id=run.pk)
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.DONE,
        progress=100,
        stage="done",
        places=result.places,
        covered=result.covered,
        proposed=len(rows),
        unfilled=result.unfilled,
        solver_status=result.status,
        seconds=round(result.seconds, 2),
        finished_at=now,
    )
