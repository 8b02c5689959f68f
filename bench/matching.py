"""Volunteer matching benchmark: a fiscal year of shift needs, CP-SAT against greedy baselines.
Prints `key: value` lines.

    .venv/bin/python bench/matching.py                  # 500 sessions, 150 volunteers, 20 s limit
    .venv/bin/python bench/matching.py --time-limit 10 --seed 7

Builds the year in memory with the structures of `volunteers.matching`, the module the
auto-assign task uses (the task loads the same structures from the database), so both run the
same solver; no database is touched. The solver's result is rebalanced for fairness
(`matching.rebalance`) before it is returned, so each greedy baseline is shown both as it is and
after that very function. See README.md.
"""

import argparse
import datetime
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._output import out  # noqa: E402
from volunteers import matching  # noqa: E402

FIRST_DAY = datetime.date(2026, 4, 1)
DAYS = 365
VENUES = 8
T = datetime.time
HALF_DAYS = [(T(10), T(12)), (T(13, 30), T(15, 30))]
# Course kinds: (weight, skills assistants must have, skills the course likes)
COURSES = [
    (30, {"android"}, {"android"}),
    (25, {"iphone"}, {"iphone"}),
    (15, set(), {"mynumber", "online"}),
    (10, {"line"}, set()),
    (10, set(), {"cashless"}),
    (5, {"programming"}, {"programming"}),
    (5, set(), set()),
]
SKILL_SHARE = {
    "android": 0.6,
    "iphone": 0.5,
    "mynumber": 0.3,
    "line": 0.6,
    "cashless": 0.3,
    "online": 0.3,
    "programming": 0.1,
    "lead": 0.25,
}


def build(rng, sessions, volunteers):
    days = [FIRST_DAY + datetime.timedelta(days=i) for i in range(DAYS)]
    workdays = [d for d in days if d.weekday() < 6]
    needs = []
    seen = set()
    nid = 0
    for sid in range(1, sessions + 1):
        while True:
            day, venue = rng.choice(workdays), rng.randrange(VENUES)
            half = rng.randrange(2)
            if (day, venue, half) not in seen:
                seen.add((day, venue, half))
                break
        start, end = HALF_DAYS[half]
        _w, required, liked = rng.choices(COURSES, weights=[c[0] for c in COURSES])[0]
        booked = rng.randint(4, 12)
        roles = [(1, {"lead"}), (-(-booked // 4), required)]
        if rng.random() < 0.3:
            roles.append((1, set()))  # reception
        for count, skills in roles:
            nid += 1
            needs.append(
                matching.Need(
                    nid, sid, venue, day, start, end, count, frozenset(skills), frozenset(liked)
                )
            )
    people = []
    for pid in range(1, volunteers + 1):
        skills = frozenset(s for s, share in SKILL_SHARE.items() if rng.random() < share)
        home = rng.randrange(VENUES)
        reach = {home} | {rng.randrange(VENUES) for _ in range(rng.randint(1, 3))}
        weekly = []
        for weekday in rng.sample(range(6), rng.randint(2, 4)):
            for half in rng.sample(range(2), rng.randint(1, 2)):
                start, end = HALF_DAYS[half]
                weekly.append((weekday, start, end))
        away = frozenset(rng.sample(days, rng.randint(0, 20)))
        if rng.random() < 0.9:
            qualified = [(FIRST_DAY - datetime.timedelta(days=400), None)]
        else:  # a one-year 推進委員 term that ends during the year
            issued = FIRST_DAY - datetime.timedelta(days=rng.randint(30, 300))
            qualified = [(issued, issued + datetime.timedelta(days=364))]
        people.append(
            matching.Person(
                id=pid,
                skills=skills,
                venues=frozenset(reach),
                max_per_month=rng.randint(2, 6),
                weekly=sorted(weekly),
                away=away,
                qualified=qualified,
            )
        )
    return people, needs


def constrained_greedy(
    people: list[matching.Person],
    needs: list[matching.Need],
    eligible: dict[int, list[int]],
) -> list[tuple[int, int]]:
    """Most-constrained-first greedy: the needs with the fewest candidates first, and each place
    to the candidate with the fewest other needs left to fill.

    - Order of needs, fixed before the first assignment: ascending number of eligible volunteers
      (`eligible[need.id]`, from `matching.eligible_pairs`: required skills, a venue they reach,
      a qualification valid that day, available then, no clash with a shift they hold); ties by
      day, start time, need id.
    - Options of a volunteer: the needs they are eligible for that have not had their turn yet
      (the need whose turn it is not counted).
    - Each open place of the need goes to the eligible volunteer who may still take it (below
      their monthly maximum, no shift already given to them that overlaps it, is of the same
      session, or is at another venue the same half-day: the solver's rules) with the fewest
      options; ties by fewer shifts so far (held ones included), better skill fit, lower id.
    - A place nobody may take stays open, and nothing given is taken back.

    Returns [(person id, need id)], one pair per place given, like `matching.greedy`.
    """
    by_id = {p.id: p for p in people}
    month_load = {p.id: p.locked_per_month() for p in people}
    load = {p.id: len(p.locked) for p in people}
    options: dict[int, int] = defaultdict(int)
    for pids in eligible.values():
        for pid in pids:
            options[pid] += 1
    taken: dict[int, list[matching.Need]] = defaultdict(list)
    pairs = []
    order = sorted(needs, key=lambda n: (len(eligible[n.id]), n.day, n.start, n.id))
    for need in order:
        for pid in eligible[need.id]:
            options[pid] -= 1
        for _ in range(need.places):
            free = [
                pid
                for pid in eligible[need.id]
                if month_load[pid][need.month] < by_id[pid].max_per_month
                and not any(matching._conflict(other, need) for other in taken[pid])
            ]
            if not free:
                break
            pid = min(
                free,
                key=lambda q: (options[q], load[q], -matching.skill_fit(by_id[q], need), q),
            )
            pairs.append((pid, need.id))
            taken[pid].append(need)
            load[pid] += 1
            month_load[pid][need.month] += 1
    return pairs


def skill_fit_total(
    people: list[matching.Person], needs: list[matching.Need], pairs: list[tuple[int, int]]
) -> int:
    """The solver's second aim: liked skills the proposed volunteers have, summed."""
    by_id = {p.id: p for p in people}
    need_by_id = {n.id: n for n in needs}
    return sum(matching.skill_fit(by_id[pid], need_by_id[nid]) for pid, nid in pairs)


def timed(make: Callable[[], list[tuple[int, int]]]) -> tuple[list[tuple[int, int]], float]:
    started = time.monotonic()
    pairs = make()
    return pairs, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--volunteers", type=int, default=150)
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    started = time.monotonic()
    people, needs = build(random.Random(args.seed), args.sessions, args.volunteers)
    eligible = matching.eligible_pairs(people, needs)
    # Each baseline as it is, and after the rebalancing `matching.solve` applies to its result.
    baselines = {}
    for name, make in (
        ("greedy", lambda: matching.greedy(people, needs, eligible)),
        ("constrained", lambda: constrained_greedy(people, needs, eligible)),
    ):
        pairs, seconds = timed(make)
        rebalanced, more = timed(lambda p=pairs: matching.rebalance(people, needs, eligible, p))
        baselines[name] = (pairs, seconds)
        baselines[f"{name}_rebalanced"] = (rebalanced, seconds + more)
    results = {
        name: matching._result(people, needs, eligible, pairs, "GREEDY", seconds)
        for name, (pairs, seconds) in baselines.items()
    }
    best_greedy = max(results, key=lambda name: results[name].covered)
    solved = matching.solve(people, needs, time_limit=args.time_limit, workers=args.workers)
    results = {"solver": solved, **results}
    reasons = {}
    for row in solved.unfilled:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + row["missing"]
    out("sessions", args.sessions)
    out("volunteers", len(people))
    out("needs", sum(n.places for n in needs))
    out("need_rows", len(needs))
    out("eligible_pairs", sum(len(v) for v in eligible.values()))
    best = results[best_greedy].covered
    print("# fairness_stdev: population standard deviation of shifts per volunteer, all of them")
    for name, result in results.items():
        out(f"covered_{name}", result.covered)
        out(f"coverage_vs_best_greedy_{name}", result.covered / max(best, 1))
        out(f"fairness_stdev_{name}", matching.fairness_stdev(result.loads))
        out(f"max_load_{name}", max(result.loads.values()))
        out(f"skill_fit_{name}", skill_fit_total(people, needs, result.pairs))
        out(f"seconds_{name}", result.seconds)
    out("best_greedy", best_greedy)
    out("coverage_vs_best_greedy", solved.covered / max(best, 1))
    out("places_vs_best_greedy", f"{solved.covered - best:+d}")
    out("coverage_vs_greedy", solved.covered / max(results["greedy"].covered, 1))
    out("solver_status", solved.status)
    out("solver_seconds", solved.seconds)
    out("greedy_seconds", baselines["greedy"][1])
    out("unfilled_reasons", " ".join(f"{k}={v}" for k, v in sorted(reasons.items())) or "-")
    out("total_s", time.monotonic() - started)


if __name__ == "__main__":
    main()
