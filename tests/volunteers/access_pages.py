"""This app's rows of the access matrix (tests/test_access_matrix.py).

PAGES: url name -> (permission, argument key), as in the matrix. `objects` makes what the
URLs need and returns {argument key: value}; `base` holds the matrix's own objects (venue,
session, booking, resident … as primary keys) and `users` the role users.
"""

import datetime

from accounts.access import Perm
from volunteers.models import Assignment, MatchingRun, Role, ShiftNeed, Volunteer

PUBLIC = "public"

PAGES = {
    "volunteers:apply": (None, None),
    "volunteers:my_shifts": (Perm.VOLUNTEER_SELF, None),
    "volunteers:profile": (Perm.VOLUNTEER_SELF, None),
    "volunteers:qualifications": (Perm.VOLUNTEER_SELF, None),
    "volunteers:availability": (Perm.VOLUNTEER_SELF, None),
    "volunteers:shift_detail": (Perm.VOLUNTEER_SELF, "assignment"),
    "volunteers:shift_accept": (Perm.VOLUNTEER_SELF, "assignment"),
    "volunteers:shift_decline": (Perm.VOLUNTEER_SELF, "assignment"),
    "volunteers:shift_check_in": (Perm.VOLUNTEER_SELF, "assignment"),
    "volunteers:shift_check_out": (Perm.VOLUNTEER_SELF, "assignment"),
    "volunteers:hours": (Perm.VOLUNTEER_SELF, None),
    "volunteers:calendar_rotate": (Perm.VOLUNTEER_SELF, None),
    "volunteers:calendar_feed": (PUBLIC, "calendar_token"),
    "volunteers:coverage": (Perm.VOLUNTEERS_MANAGE, None),
    "volunteers:session_needs": (Perm.VOLUNTEERS_MANAGE, "session"),
    "volunteers:assign": (Perm.VOLUNTEERS_MANAGE, "session"),
    "volunteers:unassign": (Perm.VOLUNTEERS_MANAGE, "assignment"),
    "volunteers:volunteer_list": (Perm.VOLUNTEERS_MANAGE, None),
    "volunteers:volunteer_detail": (Perm.VOLUNTEERS_MANAGE, "volunteer"),
    "volunteers:volunteer_approve": (Perm.VOLUNTEERS_MANAGE, "volunteer"),
    "volunteers:run_list": (Perm.VOLUNTEERS_MANAGE, None),
    "volunteers:run_detail": (Perm.VOLUNTEERS_MANAGE, "run"),
    "volunteers:run_progress": (Perm.VOLUNTEERS_MANAGE, "run"),
    "volunteers:hours_csv": (Perm.VOLUNTEERS_MANAGE, None),
    "volunteers:venue_shifts": (Perm.CHECKIN, None),
    "volunteers:venue_confirm": (Perm.CHECKIN, "assignment"),
}


def objects(*, make, base, users):
    volunteer = Volunteer.objects.create(
        user=users["volunteer"],
        family_name="日高",
        given_name="さくら",
        family_name_kana="ヒダカ",
        given_name_kana="サクラ",
        phone="+819011112222",
        status=Volunteer.Status.APPROVED,
    )
    need = ShiftNeed.objects.create(session_id=base["session"], role=Role.ASSISTANT, count=2)
    assignment = Assignment.objects.create(
        need=need,
        session_id=base["session"],
        volunteer=volunteer,
        source=Assignment.Source.MANUAL,
    )
    run = MatchingRun.objects.create(
        period_start=datetime.date(2031, 5, 1), period_end=datetime.date(2031, 5, 31)
    )
    return {
        "assignment": assignment.pk,
        "calendar_token": volunteer.calendar_token,
        "volunteer": volunteer.pk,
        "run": run.pk,
    }
