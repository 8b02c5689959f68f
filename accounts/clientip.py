"""Who is asking: the client's address, as rate limits count it.

Behind a reverse proxy every request comes from the proxy; the proxy appends the address it
saw to X-Forwarded-For. With TRUSTED_PROXY_COUNT = n, the n-th address from the right of that
header is the client's (each trusted proxy adds one; whatever is further left was written by
the client and cannot be believed). With 0 (the default) REMOTE_ADDR is the client.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as text; an IPv6 address is cut to its /64 network, which one
    client can fill with addresses of its own."""
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    candidate = remote
    if trusted > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [h for h in hops if h]
        # Fewer addresses than proxies: the request did not come through them all; the
        # leftmost address there is the best there is.
        if hops:
            candidate = hops[-trusted] if len(hops) >= trusted else hops[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return remote or "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)
