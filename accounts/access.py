"""Who may do what: the one place that decides.

Roles are Django groups. A permission here is a named ability ("book residents"), granted to
roles; views ask `require(...)` and templates ask `can`. Venue staff are further scoped to the
venues they are assigned to (`Venue.staff`), through `venue_scope`.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Who does something a service records: a logged-in user, the visitor of a public page
    # (a resident, anonymous), or nobody (a task).
    Actor: TypeAlias = User | AnonymousUser | None


class Role(TextChoices):
    DESK = "desk", _("Desk staff")
    VENUE = "venue", _("Venue staff")
    VOLUNTEER = "volunteer", _("Volunteer")
    DXOFFICE = "dxoffice", _("DX office")


class Perm(TextChoices):
    RESIDENTS_VIEW = "residents.view", _("Find and view residents")
    RESIDENTS_EDIT = "residents.edit", _("Register and edit residents")
    RESIDENTS_MERGE = "residents.merge", _("Merge duplicate residents")
    SESSIONS_VIEW = "sessions.view", _("View sessions and rosters")
    SCHEDULE_EDIT = "schedule.edit", _("Plan sessions, series and consultation days")
    SESSIONS_CANCEL = "sessions.cancel", _("Cancel sessions")
    BOOKINGS_MANAGE = "bookings.manage", _("Book, cancel and handle waitlist offers")
    VOLUNTEER_SELF = "volunteer.self", _("Use the volunteer pages")
    CHECKIN = "checkin.scan", _("Check people in at the venue and register walk-ins")
    TICKETS_MANAGE = "tickets.manage", _("Print and reissue tickets")
    VOLUNTEERS_MANAGE = (
        "volunteers.manage",
        _("Approve volunteers, set shift needs and assign volunteers"),
    )
    MESSAGES_VIEW = "messages.view", _("See the log of SMS and voice messages")
    CALLS_MAKE = "calls.make", _("Work through the daily call list")
    SURVEYS_MANAGE = "surveys.manage", _("Build surveys, import answers and see the tables")
    SURVEYS_ENTER = "surveys.enter", _("Type in paper survey forms")
    REPORTS_VIEW = "reports.view", _("See KPI progress and export reports")
    REPORTS_EDIT = "reports.edit", _("Edit plans, indicators and targets")
    ACCESS_LOG_VIEW = "audit.view", _("See and export the access log of personal data")
    RESIDENTS_RIGHTS = (
        "residents.rights",
        _("Answer residents' requests: disclosure, suspension of use and erasure"),
    )
    USERS_INVITE = "users.invite", _("Invite staff and give them their roles")
    CONSULTATIONS_RECORD = (
        "consultations.record",
        _("Record one-to-one help sessions (volunteers: the sessions of their shifts)"),
    )
    CONSULTATIONS_FOLLOWUP = (
        "consultations.followup",
        _("Book residents for what a help session showed they need"),
    )


GRANTS: dict[str, set[Perm]] = {
    Role.DESK: {
        Perm.RESIDENTS_VIEW,
        Perm.RESIDENTS_EDIT,
        Perm.RESIDENTS_MERGE,
        Perm.SESSIONS_VIEW,
        Perm.BOOKINGS_MANAGE,
        Perm.TICKETS_MANAGE,
        Perm.MESSAGES_VIEW,
        Perm.CALLS_MAKE,
        Perm.SURVEYS_ENTER,
        Perm.CONSULTATIONS_FOLLOWUP,
    },
    Role.VENUE: {
        Perm.SESSIONS_VIEW,
        Perm.CHECKIN,
        Perm.CONSULTATIONS_RECORD,
        Perm.CONSULTATIONS_FOLLOWUP,
    },
    Role.VOLUNTEER: {Perm.VOLUNTEER_SELF, Perm.CONSULTATIONS_RECORD},
    Role.DXOFFICE: {
        Perm.RESIDENTS_VIEW,
        Perm.RESIDENTS_EDIT,
        Perm.RESIDENTS_MERGE,
        Perm.SESSIONS_VIEW,
        Perm.SCHEDULE_EDIT,
        Perm.SESSIONS_CANCEL,
        Perm.BOOKINGS_MANAGE,
        Perm.TICKETS_MANAGE,
        Perm.CHECKIN,
        Perm.VOLUNTEERS_MANAGE,
        Perm.MESSAGES_VIEW,
        Perm.CALLS_MAKE,
        Perm.SURVEYS_MANAGE,
        Perm.SURVEYS_ENTER,
        Perm.REPORTS_VIEW,
        Perm.REPORTS_EDIT,
        Perm.ACCESS_LOG_VIEW,
        Perm.RESIDENTS_RIGHTS,
        Perm.USERS_INVITE,
        Perm.CONSULTATIONS_RECORD,
        Perm.CONSULTATIONS_FOLLOWUP,
    },
}

# Roles whose view of sessions is limited to the venues they are assigned to.
VENUE_SCOPED_ROLES = {Role.VENUE}


def roles_of(user: Actor) -> frozenset[str]:
    """The user's role names, read once per request and kept on the user object."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_tsunagu_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_tsunagu_roles", cached)  # noqa: B010  (a per-request cache on the object)
    return cached


def can(user: Actor, perm: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(perm in GRANTS.get(role, ()) for role in roles_of(user))


def venue_scope(user: Actor) -> frozenset[int] | None:
    """Venue ids the user is limited to, or None when the user sees every venue.

    A user who holds any unscoped role that grants session access sees everything; a venue
    staff member sees only the venues they are assigned to.
    """
    if user is None or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return None
    roles = roles_of(user)
    unscoped = {
        role for role in roles if Perm.SESSIONS_VIEW in GRANTS.get(role, ())
    } - VENUE_SCOPED_ROLES
    if unscoped:
        return None
    return frozenset(user.staffed_venues.values_list("pk", flat=True))


def check_venue(user, venue_id):
    scope = venue_scope(user)
    if scope is not None and venue_id not in scope:
        raise PermissionDenied


def require(perm):
    """View decorator: anonymous users go to the login page, others without `perm` get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
