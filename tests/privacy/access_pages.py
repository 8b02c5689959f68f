"""This app's rows of the access matrix (tests/test_access_matrix.py)."""

from accounts.access import Perm

PAGES = {
    "privacy:retention": (Perm.RESIDENTS_RIGHTS, None),
    "privacy:resident": (Perm.RESIDENTS_RIGHTS, "resident"),
    "privacy:disclose": (Perm.RESIDENTS_RIGHTS, "resident"),  # POST only: GET answers 405
    "privacy:erase": (Perm.RESIDENTS_RIGHTS, "resident"),
}


def objects(*, make, base, users):
    return {}
