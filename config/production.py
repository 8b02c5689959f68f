"""What the site refuses to start with when DEBUG is off (config/settings.py raises on it).

A production server must not run on the development SECRET_KEY (anyone could sign sessions,
scanner passes and password-reset links), answer any Host header, or give residents plain
http links, unless a closed network is declared on purpose (ALLOW_HTTP_CLOSED_NETWORK=1: a
city's LAN with no TLS). The error names every problem at once and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence

DEVELOPMENT_SECRET_KEY = "django-insecure-tsunagu-development-key-not-for-production"


def production_problems(
    *,
    secret_key: str,
    allowed_hosts: Sequence[str],
    public_base_url: str,
    allow_http: bool,
) -> list[str]:
    """Why these settings may not serve with DEBUG off: one sentence per problem."""
    problems = []
    if not secret_key or secret_key == DEVELOPMENT_SECRET_KEY:
        problems.append(
            "SECRET_KEY is unset or the development key: set a long random one "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    elif secret_key.startswith("django-insecure-"):
        problems.append("SECRET_KEY is a development key (django-insecure-…): set a random one.")
    if not allowed_hosts or any(host.strip() in {"*", ""} for host in allowed_hosts):
        problems.append(
            "ALLOWED_HOSTS is empty or a wildcard: list the site's host names "
            "(e.g. ALLOWED_HOSTS=tsunagu.city.example.lg.jp)."
        )
    if not public_base_url.lower().startswith("https://") and not allow_http:
        problems.append(
            f"PUBLIC_BASE_URL ({public_base_url!r}) is not https: residents' links and Twilio's "
            "webhooks would go in the clear. Set the https address, or "
            "ALLOW_HTTP_CLOSED_NETWORK=1 for a closed network without TLS."
        )
    return problems


def refusal(problems: Sequence[str]) -> str:
    lines = "\n".join(f"- {problem}" for problem in problems)
    return (
        "Tsunagu will not start with DEBUG off on these settings (deploy/environment.example "
        f"shows a production environment; DEBUG=1 for development):\n{lines}"
    )
