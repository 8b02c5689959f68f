"""Login throttling that slows a guesser down and never locks the real person out.

Failed logins are counted in the shared cache (settings: CACHES) under two keys: the client's
address, and the pair (address, login name). Counting by login name alone does not exist: a
storm of wrong passwords for `desk` from elsewhere never stops `desk` logging in from the
office. Past a number of free failures each further failure makes that key wait, twice as long
each time up to a ceiling (LOGIN_WAIT_MAX_SECONDS); a key is forgotten an hour after its last
failure, and a successful login forgets its pair.

Counting is exact on Redis; the database cache's increment is a read and a write, so two
processes failing at the same instant may count once — a guesser is slowed all the same.
"""

from __future__ import annotations

import hashlib
import math
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

PREFIX = "accounts:login"


def normalise_login(login: str) -> str:
    """The login name as counted: `Desk`, `desk ` and `ｄｅｓｋ` are one name."""
    return unicodedata.normalize("NFKC", login).strip().casefold()


@dataclass(frozen=True)
class _Key:
    name: str
    free: int

    @property
    def count(self) -> str:
        return f"{PREFIX}:n:{self.name}"

    @property
    def wait(self) -> str:
        return f"{PREFIX}:wait:{self.name}"


def _keys(address: str, login: str) -> tuple[_Key, _Key]:
    pair = hashlib.sha256(f"{address}|{normalise_login(login)}".encode()).hexdigest()
    by_address = hashlib.sha256(address.encode()).hexdigest()
    return (
        _Key(f"a:{by_address}", settings.LOGIN_FREE_FAILURES_PER_ADDRESS),
        _Key(f"p:{pair}", settings.LOGIN_FREE_FAILURES_PER_LOGIN),
    )


def login_wait(address: str, login: str) -> int:
    """Seconds this address must wait before trying this login name again; 0 = go ahead."""
    keys = _keys(address, login)
    found = cache.get_many([key.wait for key in keys])
    now = time.time()
    until = max((float(value) for value in found.values()), default=0.0)
    return math.ceil(until - now) if until > now else 0


def wait_after(failures: int, free: int) -> int:
    """The wait that the failure number `failures` earns when `free` failures are free."""
    beyond = failures - free
    if beyond <= 0:
        return 0
    ceiling: int = settings.LOGIN_WAIT_MAX_SECONDS
    return min(ceiling, int(2 ** min(beyond, 30)))


def login_failed(address: str, login: str) -> int:
    """Count a failed login; returns the wait (seconds) it earned, 0 if none."""
    memory: int = settings.LOGIN_FAILURE_MEMORY_SECONDS
    earned = 0
    for key in _keys(address, login):
        cache.add(key.count, 0, memory)
        try:
            failures = cache.incr(key.count)
        except ValueError:  # expired between add and incr
            cache.set(key.count, 1, memory)
            failures = 1
        cache.touch(key.count, memory)
        wait = wait_after(failures, key.free)
        if wait:
            cache.set(key.wait, time.time() + wait, wait)
            earned = max(earned, wait)
    return earned


def login_succeeded(address: str, login: str) -> None:
    """The right password from this address: its pair starts afresh. The address's own count
    stays (a guesser with one account of their own must not wipe it by logging in)."""
    _by_address, pair = _keys(address, login)
    cache.delete_many([pair.count, pair.wait])
