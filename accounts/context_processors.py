from django.conf import settings

from accounts.access import Perm, can, roles_of


class _Abilities:
    """Lets templates ask `{% if can.bookings_manage %}` without knowing the role table."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, name):
        try:
            perm = Perm(name.replace("_", ".", 1))
        except ValueError as exc:
            raise AttributeError(name) from exc
        return can(self._user, perm)


def roles(request):
    # Whether the login page offers volunteers a sign-up link (settings: VOLUNTEER_SELF_SIGNUP).
    signup = {"volunteer_signup_open": bool(settings.VOLUNTEER_SELF_SIGNUP)}
    user = getattr(request, "user", None)
    if user is None:
        return signup
    return {"can": _Abilities(user), "user_roles": roles_of(user), **signup}
