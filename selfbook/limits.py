"""What keeps the public booking pages from being used to send SMS in bulk.

- Per client address: at most SELFBOOK_CODES_PER_ADDRESS code requests an hour, counted in the
  shared cache (the login throttle's pattern, accounts.throttle) under a hash of the address
  (accounts.clientip reads it behind the trusted proxies).
- Per mobile number: at most SELFBOOK_CODES_PER_NUMBER codes in 24 hours, and for the whole site
  SELFBOOK_CODES_PER_DAY a day: both counted in the database (selfbook.models.CodeSend), so a
  cache flush or a restart forgets nothing. A number is kept there only as a keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache

PREFIX = "selfbook:codes"
ADDRESS_WINDOW_SECONDS = 3600


def phone_hash(e164: str) -> str:
    """The number as the limits count it: a keyed hash, so the table names no one."""
    key = f"selfbook.phone|{settings.SECRET_KEY}".encode()
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


def _address_key(address: str) -> str:
    return f"{PREFIX}:a:{hashlib.sha256(address.encode()).hexdigest()}"


def address_allows(address: str) -> bool:
    """Count one code request from `address`; False once it has asked too often this hour
    (the request is then refused, and still counted)."""
    key = _address_key(address)
    cache.add(key, 0, ADDRESS_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ADDRESS_WINDOW_SECONDS)
        count = 1
    limit: int = settings.SELFBOOK_CODES_PER_ADDRESS
    return count <= limit
