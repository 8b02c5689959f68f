"""Volunteer matching benchmark: a fiscal year of shift needs, CP-SAT against a greedy baseline.
Prints `key: value` lines.

    .venv/bin/python bench/matching.py                  # 500 sessions, 150 volunteers, 20 s limit
    .venv/bin/python bench/matching.py --time-limit 10 --seed 7

Builds the year in memory with the structures of `volunteers.matching`, the module the
auto-assign task uses (the task loads the same structures from the database), so both run the
same solver; no database is touched. See README.md.
"""

import argparse
import datetime
import random
import sys
import time
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
    t0 = time.monotonic()
    greedy_pairs = matching.greedy(people, needs, eligible)
    greedy_s = time.monotonic() - t0
    greedy = matching._result(people, needs, eligible, greedy_pairs, "GREEDY", greedy_s)
    solved = matching.solve(people, needs, time_limit=args.time_limit, workers=args.workers)
    reasons = {}
    for row in solved.unfilled:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + row["missing"]
    out("sessions", args.sessions)
    out("volunteers", len(people))
    out("needs", sum(n.places for n in needs))
    out("need_rows", len(needs))
    out("eligible_pairs", sum(len(v) for v in eligible.values()))
    out("covered_solver", solved.covered)
    out("covered_greedy", greedy.covered)
    out("coverage_vs_greedy", solved.covered / max(greedy.covered, 1))
    out("fairness_stdev_solver", matching.fairness_stdev(solved.loads))
    out("fairness_stdev_greedy", matching.fairness_stdev(greedy.loads))
    out("max_load_solver", max(solved.loads.values()))
    out("max_load_greedy", max(greedy.loads.values()))
    out("solver_status", solved.status)
    out("solver_seconds", solved.seconds)
    out("greedy_seconds", greedy_s)
    out("unfilled_reasons", " ".join(f"{k}={v}" for k, v in sorted(reasons.items())) or "-")
    out("total_s", time.monotonic() - started)


if __name__ == "__main__":
    main()
