"""This app's rows of the access matrix (tests/test_access_matrix.py): the DX office's
access-log pages (the finder and the export answer POST only: a GET gets 405 once let in)
and the public file register."""

from accounts.access import Perm

PUBLIC = "public"

PAGES = {
    "audit:log": (Perm.ACCESS_LOG_VIEW, None),
    "audit:find_resident": (Perm.ACCESS_LOG_VIEW, None),
    "audit:export": (Perm.ACCESS_LOG_VIEW, None),
    # The file register (個人情報ファイル簿): published, no login.
    "audit:register": (PUBLIC, None),
    "audit:register_pdf": (PUBLIC, None),
}


def objects(*, make, base, users):
    return {}
