"""This app's rows of the access matrix (tests/test_access_matrix.py): the health check is
open to anyone, like the residents' ticket pages (a monitor calls it without logging in)."""

from health.heartbeat import heartbeat_record

PUBLIC = "public"

PAGES = {
    "health:check": (PUBLIC, None),
}


def objects(*, make, base, users):
    heartbeat_record()  # a working cluster: the check answers 200
    return {}
