"""This app's rows of the access matrix (tests/test_access_matrix.py)."""

from accounts.access import Perm, Role
from accounts.invitations import invitation_create

PUBLIC = "public"

PAGES = {
    "accounts:invitation_list": (Perm.USERS_INVITE, None),
    "accounts:invitation_detail": (Perm.USERS_INVITE, "invitation"),
    "accounts:invitation_revoke": (Perm.USERS_INVITE, "invitation"),
    "accounts:invitation_accept": (PUBLIC, "invitation_token"),
}


def objects(*, make, base, users):
    new = invitation_create(email="new-staff@example.jp", roles=[Role.DESK], user=users["dx"])
    return {"invitation": new.invitation.pk, "invitation_token": new.token}
