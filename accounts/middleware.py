"""Account rules that hold on every page: idle sessions end; MFA is set up where required.

The venue's scan API is left alone: it authenticates by its scanner pass, never loads the
session, and must stay cheap (DESIGN.md, "A scan is also cheap").
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# How often an active session's idle deadline is moved on: one session write a minute at most.
TOUCH_SECONDS = 60
TOUCH_KEY = "_tsunagu_touched"


def idle_seconds() -> int:
    return int(settings.SESSION_IDLE_MINUTES) * 60


def session_touch(request: HttpRequest, now: int | None = None) -> None:
    """Move the session's end to SESSION_IDLE_MINUTES from now (cookie and stored row)."""
    request.session[TOUCH_KEY] = int(time.time()) if now is None else now
    request.session.set_expiry(idle_seconds())


class IdleSessionMiddleware:
    """A logged-in session ends SESSION_IDLE_MINUTES after its last request.

    The session's stored expiry (and its cookie's) is set to the idle time and moved on at most
    once a minute while the user works, so an idle session expires in the session store itself:
    the next request finds no session and the user logs in again. Exact to the minute.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._skip: frozenset[str] | None = None

    def skipped(self, path: str) -> bool:
        if self._skip is None:
            self._skip = frozenset({reverse("attendance:api_checkin")})
        return path in self._skip

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.skipped(request.path_info):
            return response
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return response
        now = int(time.time())
        stale = now - int(session.get(TOUCH_KEY, 0)) >= TOUCH_SECONDS
        if stale or session.get("_session_expiry") != idle_seconds():
            session_touch(request, now)
        return response


# Set at login (accounts.signals) on a user whose role needs MFA but who has no TOTP yet.
MFA_SETUP_KEY = "_tsunagu_mfa_setup"


def mfa_setup_needed(user: User) -> bool:
    """Whether `user` holds a role in MFA_REQUIRED_ROLES and has not set up TOTP."""
    required = list(settings.MFA_REQUIRED_ROLES)
    if not required or not user.groups.filter(name__in=required).exists():
        return False
    from allauth.mfa.utils import is_mfa_enabled

    return not is_mfa_enabled(user, types=["totp"])


class MfaRequiredMiddleware:
    """Users whose role needs MFA (MFA_REQUIRED_ROLES) set up TOTP before any other page.

    The need is worked out once, at login, and kept in the session: users who do not need it,
    or have it, cost this middleware no query. Until it is set up every page sends the user
    to allauth's TOTP activation; allauth's own pages (/accounts/…: MFA, logout,
    reauthentication), the language switch and static files stay open.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None
        self._skip: str | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open is None:
            accounts = reverse("account_login").rsplit("login/", 1)[0]
            self._open = (accounts, reverse("set_language"), settings.STATIC_URL)
            self._skip = reverse("attendance:api_checkin")
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        open_prefixes = self.open_prefixes()
        path = request.path_info
        if (
            path == self._skip
            or path.startswith(open_prefixes)
            or settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get(MFA_SETUP_KEY):
            if mfa_setup_needed(request.user):  # type: ignore[arg-type]
                messages.info(
                    request,
                    _(
                        "Your role works with residents' personal data. Please set up an "
                        "authenticator app before you go on."
                    ),
                )
                return redirect("mfa_activate_totp")
            del session[MFA_SETUP_KEY]
        return self.get_response(request)
