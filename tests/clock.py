"""The instant the suite runs at: fixed, so that no test depends on the wall clock.

Every test starts at the same instant (`TSUNAGU_TEST_NOW`, ISO 8601 with an offset; by default
an ordinary weekday afternoon in June) and time then moves on from there, so waits and timeouts
still work. CI runs the suite again at the instants below, the ones that have broken such
systems: `TSUNAGU_TEST_NOW=2027-03-31T23:50+09:00 make test`.
"""

import datetime
import os

# An ordinary Wednesday, mid fiscal year, outside the quiet hours, not a holiday.
DEFAULT_TEST_NOW = "2026-06-17T14:00:00+09:00"

# The instants CI also runs the suite at (Asia/Tokyo), each with why it is there.
EDGE_INSTANTS = {
    "2026-06-17T08:59:00+09:00": "a minute before the quiet hours end",
    "2026-06-17T21:01:00+09:00": "a minute into the quiet hours",
    "2027-03-31T23:50:00+09:00": "ten minutes before the fiscal year ends",
    "2027-04-01T00:05:00+09:00": "five minutes into a new fiscal year",
    "2026-12-05T08:30:00+09:00": "a Saturday morning",
    "2026-11-03T10:00:00+09:00": "a public holiday (文化の日)",
    "2026-12-29T10:00:00+09:00": "the year-end closure (年末年始)",
    "2026-06-16T10:00:00+09:00": "reminder time on the day before the demo city's sessions",
}


def test_now() -> datetime.datetime:
    """The instant each test starts at."""
    value = os.environ.get("TSUNAGU_TEST_NOW") or DEFAULT_TEST_NOW
    instant = datetime.datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"TSUNAGU_TEST_NOW needs a UTC offset, e.g. +09:00: {value!r}")
    return instant


test_now.__test__ = False  # a helper, not a test


# A process the suite starts (a task cluster, a second server) runs on the suite's clock: it is
# told how far the suite's clock is from the real one, and keeps the same distance.
CLOCK_OFFSET_ENV = "TSUNAGU_CLOCK_OFFSET"


def clock_env() -> dict[str, str]:
    """Environment for a child process that should share the test's (travelled) clock."""
    import time

    import time_machine

    offset = time.time() - time_machine.escape_hatch.time.time()
    return {CLOCK_OFFSET_ENV: repr(offset)}


def follow_parent_clock() -> None:
    """In a child process: move this process's clock as far as the parent's (see clock_env)."""
    offset = os.environ.get(CLOCK_OFFSET_ENV)
    if not offset:
        return
    import time

    import time_machine

    time_machine.travel(time.time() + float(offset), tick=True).start()


if __name__ == "__main__":  # `python -m tests.clock`: the instants, one a line, for make
    print("\n".join(EDGE_INSTANTS))
