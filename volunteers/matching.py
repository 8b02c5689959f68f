"""Auto-assign on plain data: who may take which shift, the CP-SAT model, a greedy baseline,
and why a place stayed empty.

Nothing here touches the database: `volunteers.autoassign` loads a period into these
structures and writes the result back, and `bench/matching.py` builds them in memory. Both
therefore run the same solver.

The model (OR-Tools CP-SAT): one boolean per (volunteer, need) the volunteer is eligible for
(required skills, a venue they reach, a qualification valid that day, available then).
- each need gets at most its open places;
- a volunteer takes at most one of the shifts that overlap in time, works at one venue per
  half-day, and stays within their monthly maximum (accepted shifts count and stay);
- objective, lexicographic through weights: places filled first (one place outweighs all skill
  fit), then skill fit (skills the course likes beyond the required ones).
The greedy baseline (least-loaded first) is the solver's starting hint, and `solve` never
returns fewer places than greedy: when CP-SAT stops with less, greedy's answer is used.
Fairness then comes from `rebalance`, a local search that moves shifts from the busiest
volunteers to less busy eligible ones without losing a place (a load penalty inside CP-SAT did
not improve within the time limit on 2 cores).
"""

from __future__ import annotations

import datetime
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

NOON = datetime.time(12)
# A shift moves to a volunteer with a worse skill fit only when this many shifts lighter.
SKILL_YIELDS_AT = 3


class Reason:
    """Why a need stayed short (the codes a run stores; labels live in the views)."""

    NO_SKILL = "no_skill"  # nobody has the required skills
    NO_QUALIFICATION = "no_qualification"  # skilled people, none with a valid qualification
    NO_ONE_AVAILABLE = "no_one_available"  # qualified people, none free at that time and venue
    ALL_AT_MAXIMUM = "all_at_maximum"  # the free ones are at their monthly maximum
    ALL_BUSY = "all_busy"  # the free ones have another shift then or another venue that half-day


@dataclass(frozen=True)
class Need:
    id: int
    session_id: int
    venue_id: int
    day: datetime.date  # local date
    start: datetime.time  # local times
    end: datetime.time
    places: int  # still open (accepted assignments already taken off)
    required_skills: frozenset[str] = frozenset()
    liked_skills: frozenset[str] = frozenset()

    @property
    def month(self):
        return (self.day.year, self.day.month)

    @property
    def half_day(self):
        return (self.day, self.start < NOON)


@dataclass(frozen=True)
class Locked:
    """A shift the volunteer already holds (accepted): it stays and counts."""

    session_id: int
    venue_id: int
    day: datetime.date
    start: datetime.time
    end: datetime.time


@dataclass
class Person:
    id: int
    skills: frozenset[str]
    venues: frozenset[int]
    max_per_month: int
    # [(weekday, start, end)]
    weekly: list[tuple[int, datetime.time, datetime.time]] = field(default_factory=list)
    away: frozenset[datetime.date] = frozenset()
    # [(date, start, end)]
    extra: list[tuple[datetime.date, Any, Any]] = field(default_factory=list)
    # [(issued_on, expires_on or None)]
    qualified: list[tuple[datetime.date, datetime.date | None]] = field(default_factory=list)
    locked: list[Locked] = field(default_factory=list)
    # Sessions the person declined or was withdrawn from: never proposed again.
    excluded_sessions: frozenset[int] = frozenset()

    def available(self, day: datetime.date, start: datetime.time, end: datetime.time) -> bool:
        if day in self.away:
            return False
        for weekday, w_start, w_end in self.weekly:
            if weekday == day.weekday() and w_start <= start and end <= w_end:
                return True
        return any(d == day and s <= start and end <= e for d, s, e in self.extra)

    def qualified_on(self, day: datetime.date) -> bool:
        return any(
            issued <= day and (expires is None or day <= expires)
            for issued, expires in self.qualified
        )

    def locked_per_month(self):
        counts = defaultdict(int)
        for shift in self.locked:
            counts[(shift.day.year, shift.day.month)] += 1
        return counts


@dataclass
class Result:
    pairs: list[tuple[int, int]]  # [(person_id, need_id)] new proposals
    places: int
    covered: int
    unfilled: list[dict[str, Any]]  # [{"need": id, "missing": n, "reason": code}]
    status: str
    seconds: float
    loads: dict[int, int]  # person_id -> shifts in the period (locked + new)


def _overlaps(a_start, a_end, b_start, b_end):
    return a_start < b_end and b_start < a_end


def _clashes_with_locked(person, need):
    for shift in person.locked:
        if shift.day != need.day:
            continue
        if shift.session_id == need.session_id:
            return True
        if _overlaps(shift.start, shift.end, need.start, need.end):
            return True
        if (shift.start < NOON) == (need.start < NOON) and shift.venue_id != need.venue_id:
            return True
    return False


def _basic_fit(person, need):
    """Skills, venue, qualification, availability: the rules that do not depend on others."""
    return (
        need.session_id not in person.excluded_sessions
        and need.required_skills <= person.skills
        and need.venue_id in person.venues
        and person.qualified_on(need.day)
        and person.available(need.day, need.start, need.end)
    )


def eligible_pairs(people, needs):
    """{need_id: [person ids]} of everyone who may take a place of the need."""
    result = {}
    for need in needs:
        result[need.id] = [
            p.id for p in people if _basic_fit(p, need) and not _clashes_with_locked(p, need)
        ]
    return result


def skill_fit(person, need):
    return len(need.liked_skills & person.skills)


# --- greedy baseline -----------------------------------------------------------------------


def greedy(people, needs, eligible=None):
    """Needs in time order; each place goes to the least-loaded eligible person who is free."""
    eligible = eligible if eligible is not None else eligible_pairs(people, needs)
    by_id = {p.id: p for p in people}
    month_load = {p.id: p.locked_per_month() for p in people}
    load = {p.id: len(p.locked) for p in people}
    taken = defaultdict(list)  # person -> [Need]
    pairs = []
    for need in sorted(needs, key=lambda n: (n.day, n.start, n.id)):
        for _ in range(need.places):
            best = None
            for pid in eligible[need.id]:
                if month_load[pid][need.month] >= by_id[pid].max_per_month:
                    continue
                if any(_conflict(other, need) for other in taken[pid]):
                    continue
                key = (load[pid], -skill_fit(by_id[pid], need), pid)
                if best is None or key < best[0]:
                    best = (key, pid)
            if best is None:
                break
            pid = best[1]
            pairs.append((pid, need.id))
            taken[pid].append(need)
            load[pid] += 1
            month_load[pid][need.month] += 1
    return pairs


def _conflict(a, b):
    if a.day != b.day:
        return False
    if a.session_id == b.session_id or _overlaps(a.start, a.end, b.start, b.end):
        return True
    return a.half_day == b.half_day and a.venue_id != b.venue_id


# --- CP-SAT -------------------------------------------------------------------------------


def _cp_model():
    # OR-Tools (and the pandas it loads) costs about 0.4 s and tens of MB in every process that
    # imports it; only a solver run needs it, not the office pages that import this module.
    from ortools.sat.python import cp_model

    return cp_model


def solve(
    people: Sequence[Person],
    needs: Sequence[Need],
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    progress: Callable[[int, str], object] | None = None,
) -> Result:
    """Proposals for the open places of `needs`: one CP-SAT solve, then `rebalance`.

    Objective (CP-SAT, maximised, lexicographic through weights): first the places filled, then
    skill fit (`skill_fit`: liked skills of the need the volunteer has, summed over the
    proposals); one filled place outweighs all skill fit together. Fairness is not in the model:
    `rebalance` evens the loads afterwards without losing a place.

    Constraints: a volunteer is proposed only for needs `eligible_pairs` allows (required skills,
    a venue they reach, a qualification valid that day, available then, no clash with a shift
    they hold); a need gets at most its open places; a volunteer takes at most one of the shifts
    that overlap in time or belong to one session, works at one venue per half-day, and stays
    within `max_per_month`, held shifts counted.

    Time limit: `time_limit` seconds from the call cover eligibility, the greedy baseline (the
    solver's hint), building the model and the search; the search gets what is left, but never
    less than 0.1 s, on `workers` threads. The rebalancing comes after and is not bounded by
    it, so `Result.seconds` can exceed `time_limit`.

    When the limit is hit, the search stops and its best solution so far is taken: status
    "FEASIBLE" ("OPTIMAL" only when optimality was proved in time). When no solution was found
    in time (status UNKNOWN, or an invalid model), or the one found fills fewer places than the
    greedy baseline (CP-SAT does not promise to start from its hint), the greedy assignment is
    used instead, with status "GREEDY". Either way the proposals are then rebalanced. With no
    eligible pair at all: no proposals, "OPTIMAL".
    """
    cp_model = _cp_model()
    started = time.monotonic()
    deadline = started + float(time_limit)
    eligible = eligible_pairs(people, needs)
    by_id = {p.id: p for p in people}
    need_by_id = {n.id: n for n in needs}
    greedy_pairs = greedy(people, needs, eligible)
    if progress:
        progress(30, "model")
    built = _build(people, needs, eligible, by_id, need_by_id)
    model, x = built.model, built.x
    if not x:
        return _result(people, needs, eligible, [], "OPTIMAL", time.monotonic() - started)

    # Places filled first, skill fit second: one filled place outweighs all skill fit.
    skill_bound = sum(skill_fit(by_id[pid], need_by_id[nid]) for pid, nid in x)
    model.maximize((skill_bound + 1) * sum(x.values()) + sum(built.skill_terms))
    built.hint(set(greedy_pairs))
    if progress:
        progress(40, "solving")
    status, solver = _run(model, deadline - time.monotonic(), workers)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        pairs = [key for key, var in x.items() if solver.boolean_value(var)]
        status_name = solver.status_name(status)
    else:
        pairs, status_name = [], "GREEDY"
    # CP-SAT may ignore its hint and be stopped by the limit with less than greedy found: the
    # office never gets fewer places filled than the baseline would give.
    if len(pairs) < len(greedy_pairs):
        pairs, status_name = list(greedy_pairs), "GREEDY"  # always feasible
    if progress:
        progress(80, "fairness")
    pairs = rebalance(people, needs, eligible, pairs)
    return _result(people, needs, eligible, pairs, status_name, time.monotonic() - started)


def rebalance(people, needs, eligible, pairs):
    """Move shifts from the busiest volunteers to less busy ones who may take them, keeping
    every place filled, lowering skill fit only for a clear imbalance: a quick local search
    for fairness."""
    by_id = {p.id: p for p in people}
    need_by_id = {n.id: n for n in needs}
    load = {p.id: len(p.locked) for p in people}
    month = {p.id: p.locked_per_month() for p in people}
    taken = defaultdict(set)  # person -> need ids
    on_need = defaultdict(set)  # need -> person ids
    for pid, nid in pairs:
        load[pid] += 1
        month[pid][need_by_id[nid].month] += 1
        taken[pid].add(nid)
        on_need[nid].add(pid)
    moved = True
    while moved:
        moved = False
        for pid in sorted(load, key=lambda p: -load[p]):
            for nid in sorted(taken[pid]):
                need = need_by_id[nid]
                fit = skill_fit(by_id[pid], need)
                for qid in sorted(eligible[nid], key=lambda q: load[q]):
                    if load[qid] + 2 > load[pid]:
                        break
                    if qid in on_need[nid]:
                        continue
                    # Skill fit gives way only to a clear imbalance.
                    if (
                        skill_fit(by_id[qid], need) < fit
                        and load[qid] + SKILL_YIELDS_AT > load[pid]
                    ):
                        continue
                    if month[qid][need.month] >= by_id[qid].max_per_month:
                        continue
                    if any(_conflict(need_by_id[o], need) for o in taken[qid]):
                        continue
                    taken[pid].discard(nid)
                    on_need[nid].discard(pid)
                    taken[qid].add(nid)
                    on_need[nid].add(qid)
                    load[pid] -= 1
                    load[qid] += 1
                    month[pid][need.month] -= 1
                    month[qid][need.month] += 1
                    moved = True
                    break
    return sorted((pid, nid) for pid, nids in taken.items() for nid in nids)


def _run(model, seconds, workers, presolve=False):
    solver = _cp_model().CpSolver()
    solver.parameters.max_time_in_seconds = max(float(seconds), 0.1)
    solver.parameters.num_workers = workers
    # Presolve costs seconds on this model (inclusion detection) and the LP bound helps more.
    solver.parameters.cp_model_presolve = presolve
    solver.parameters.linearization_level = 2
    return solver.solve(model), solver


@dataclass
class _Built:
    model: cp_model.CpModel
    x: dict  # (person id, need id) -> BoolVar
    skill_terms: list
    # (aux var, [x keys]): the aux var is true when any of the keys is.
    any_of: list

    def hint(self, chosen):
        for key, var in self.x.items():
            self.model.add_hint(var, key in chosen)
        for var, keys in self.any_of:
            self.model.add_hint(var, any(key in chosen for key in keys))


def _build(people, needs, eligible, by_id, need_by_id):
    model = _cp_model().CpModel()
    x = {}
    for need in needs:
        for pid in eligible[need.id]:
            x[pid, need.id] = model.new_bool_var(f"x_{pid}_{need.id}")
    per_person = defaultdict(list)
    for (pid, nid), var in x.items():
        per_person[pid].append((need_by_id[nid], (pid, nid), var))
    for need in needs:
        vars_ = [x[pid, need.id] for pid in eligible[need.id]]
        if len(vars_) > need.places:
            model.add(sum(vars_) <= need.places)
    any_of = []
    for pid, items in per_person.items():
        person = by_id[pid]
        locked_months = person.locked_per_month()
        # Monthly maximum.
        months = defaultdict(list)
        for need, _key, var in items:
            months[need.month].append(var)
        for month, vars_ in months.items():
            room = max(person.max_per_month - locked_months.get(month, 0), 0)
            if len(vars_) > room:
                model.add(sum(vars_) <= room)
        days = defaultdict(list)
        for item in items:
            days[item[0].day].append(item)
        for day_items in days.values():
            # No overlapping shifts: the cliques of an interval graph sit at the start times.
            for need, _key, _var in day_items:
                at_once = [
                    v
                    for other, _k, v in day_items
                    if other.start <= need.start < other.end or other.session_id == need.session_id
                ]
                if len(at_once) > 1:
                    model.add_at_most_one(at_once)
            # One venue per half-day.
            halves = defaultdict(lambda: defaultdict(list))
            for need, key, var in day_items:
                halves[need.start < NOON][need.venue_id].append((key, var))
            for venues in halves.values():
                if len(venues) > 1:
                    used = []
                    for pairs in venues.values():
                        u = model.new_bool_var("")
                        for _key, var in pairs:
                            model.add_implication(var, u)
                        used.append(u)
                        any_of.append((u, [key for key, _v in pairs]))
                    model.add_at_most_one(used)
    skill_terms = []
    for (pid, nid), var in x.items():
        fit = skill_fit(by_id[pid], need_by_id[nid])
        if fit:
            skill_terms.append(fit * var)
    return _Built(model, x, skill_terms, any_of)


def _result(people, needs, eligible, pairs, status, seconds):
    need_by_id = {n.id: n for n in needs}
    filled = defaultdict(int)
    loads = {p.id: len(p.locked) for p in people}
    month_new = defaultdict(int)
    for pid, nid in pairs:
        filled[nid] += 1
        loads[pid] += 1
        month_new[pid, need_by_id[nid].month] += 1
    places = sum(n.places for n in needs)
    covered = sum(min(filled[n.id], n.places) for n in needs)
    unfilled = []
    for need in needs:
        missing = need.places - filled[need.id]
        if missing > 0:
            reason = explain(people, need, month_new)
            unfilled.append({"need": need.id, "missing": missing, "reason": reason})
    return Result(pairs, places, covered, unfilled, status, seconds, loads)


def explain(people, need, month_new=None):
    """Why `need` is short: the first rule that rules everyone out.

    `month_new[(person id, (year, month))]` counts the shifts just proposed to each person.
    """
    month_new = month_new or {}
    skilled = [p for p in people if need.required_skills <= p.skills]
    if not skilled:
        return Reason.NO_SKILL
    qualified = [p for p in skilled if p.qualified_on(need.day)]
    if not qualified:
        return Reason.NO_QUALIFICATION
    free = [
        p
        for p in qualified
        if need.venue_id in p.venues and p.available(need.day, need.start, need.end)
    ]
    if not free:
        return Reason.NO_ONE_AVAILABLE
    at_max = all(
        p.locked_per_month().get(need.month, 0) + month_new.get((p.id, need.month), 0)
        >= p.max_per_month
        for p in free
    )
    return Reason.ALL_AT_MAXIMUM if at_max else Reason.ALL_BUSY


def fairness_stdev(loads):
    """Population standard deviation of shifts per volunteer."""
    values = list(loads.values())
    if not values:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
