"""The solver on plain data: its rules, its reasons, and that it never does worse than greedy."""

import datetime
import random

from volunteers import matching
from volunteers.matching import Locked, Need, Person, Reason

T = datetime.time
MON = datetime.date(2031, 5, 5)  # a Monday
ALWAYS = [(d, T(0), T(23, 59)) for d in range(7)]
TEN, NOON = T(10), T(12)
QUALIFIED = [(datetime.date(2030, 1, 1), None)]


def person(pid, **fields):
    values = dict(
        id=pid,
        skills=frozenset({"lead", "android"}),
        venues=frozenset({1, 2}),
        max_per_month=10,
        weekly=ALWAYS,
        qualified=QUALIFIED,
    )
    values.update(fields)
    return Person(**values)


def need(nid, *, session=None, venue=1, day=MON, start=TEN, end=NOON, places=1, skills=()):
    return Need(nid, session or nid, venue, day, start, end, places, frozenset(skills), frozenset())


def solve(people, needs):
    return matching.solve(people, needs, time_limit=2)


def test_one_person_takes_one_of_two_overlapping_shifts():
    result = solve([person(1)], [need(1), need(2, start=T(11), end=T(13))])
    assert result.covered == 1
    assert result.unfilled == [{"need": 2, "missing": 1, "reason": Reason.ALL_BUSY}] or (
        result.unfilled == [{"need": 1, "missing": 1, "reason": Reason.ALL_BUSY}]
    )


def test_one_venue_per_half_day_but_two_shifts_at_one_venue_are_fine():
    same_venue = solve([person(1)], [need(1), need(2, start=T(12), end=T(12, 30))])
    assert same_venue.covered == 2  # 10-12 and 12-12:30 at venue 1; 12:00 counts as afternoon
    other_venue = solve(
        [person(1)], [need(1, start=T(9), end=T(10)), need(2, venue=2, start=T(10), end=T(11))]
    )
    assert other_venue.covered == 1


def test_monthly_maximum_counts_locked_shifts():
    locked = [Locked(99, 1, MON - datetime.timedelta(days=1), T(10), T(12))]
    days = [MON + datetime.timedelta(days=i) for i in range(4)]
    needs = [need(i + 1, day=day) for i, day in enumerate(days)]
    result = solve([person(1, max_per_month=3, locked=locked)], needs)
    assert result.covered == 2
    assert {row["reason"] for row in result.unfilled} == {Reason.ALL_AT_MAXIMUM}


def test_locked_shift_blocks_the_same_time():
    locked = [Locked(99, 1, MON, T(10), T(12))]
    result = solve([person(1, locked=locked)], [need(1, start=T(11), end=T(12))])
    assert result.covered == 0


def test_every_unfilled_need_has_a_reason():
    expired = [(datetime.date(2030, 1, 1), datetime.date(2031, 4, 30))]
    people = [
        person(1, skills=frozenset({"android"}), qualified=expired),
        person(2, skills=frozenset({"iphone"}), weekly=[(0, T(13), T(17))]),
    ]
    result = solve(
        people,
        [
            need(1, skills={"programming"}),  # nobody has it
            need(2, skills={"android"}),  # the only Android person's term ended
            need(3, skills={"iphone"}),  # the iPhone person helps in the afternoon only
        ],
    )
    reasons = {row["need"]: row["reason"] for row in result.unfilled}
    assert reasons == {
        1: Reason.NO_SKILL,
        2: Reason.NO_QUALIFICATION,
        3: Reason.NO_ONE_AVAILABLE,
    }


def test_away_days_and_extra_days():
    tue = MON + datetime.timedelta(days=1)
    p = person(1, weekly=[(0, T(9), T(17))], away=frozenset({MON}), extra=[(tue, T(9), T(12))])
    assert not p.available(MON, T(10), T(12))
    assert p.available(tue, T(10), T(12))
    assert not p.available(tue, T(13), T(15))


def test_more_needs_than_people_gives_a_partial_assignment_with_reasons():
    people = [person(i) for i in range(1, 4)]
    needs = [need(1, places=5), need(2, session=1, places=2)]
    result = solve(people, needs)
    assert result.covered == 3  # each person once per session
    assert sum(row["missing"] for row in result.unfilled) == 4
    assert all(row["reason"] == Reason.ALL_BUSY for row in result.unfilled)


def test_solver_covers_at_least_as_much_as_greedy_and_spreads_load():
    rng = random.Random(5)
    people = [
        person(
            i,
            venues=frozenset(rng.sample(range(4), 2)),
            max_per_month=rng.randint(1, 4),
            weekly=[(d, T(9), T(16)) for d in rng.sample(range(5), 3)],
            skills=frozenset(rng.sample(["lead", "android", "iphone"], 2)),
        )
        for i in range(1, 16)
    ]
    needs = []
    for i in range(1, 41):
        day = MON + datetime.timedelta(days=rng.randrange(25))
        morning = i % 2 == 1
        needs.append(
            Need(
                i,
                i,
                rng.randrange(4),
                day,
                T(10) if morning else T(13),
                T(12) if morning else T(15),
                rng.randint(1, 3),
                frozenset(rng.choice([(), ("lead",), ("android",)])),
                frozenset({"iphone"}),
            )
        )
    eligible = matching.eligible_pairs(people, needs)
    greedy = matching._result(people, needs, eligible, matching.greedy(people, needs), "", 0)
    solved = solve(people, needs)
    assert solved.covered >= greedy.covered
    _assert_feasible(people, needs, solved.pairs)


def _assert_feasible(people, needs, pairs):
    by_need = {n.id: n for n in needs}
    by_person = {p.id: p for p in people}
    taken = {}
    for pid, nid in pairs:
        taken.setdefault(pid, []).append(by_need[nid])
    for pid, shifts in taken.items():
        months = {}
        for a in shifts:
            months[a.month] = months.get(a.month, 0) + 1
            for b in shifts:
                if a is not b:
                    assert not matching._conflict(a, b)
        assert max(months.values()) <= by_person[pid].max_per_month
    for nid in {n for _p, n in pairs}:
        assert sum(1 for _p, n in pairs if n == nid) <= by_need[nid].places
