"""This app's rows of the access matrix (tests/test_access_matrix.py), and the DX office's
report on it (in reports, which reads this app).

The matrix's resident is booked on a consultation slot of the matrix's venue that began earlier
today; the matrix's volunteer has an accepted shift on it, and venue staff recorded the
consultation, asking for a class to be booked.
"""

import datetime

from django.utils import timezone

from accounts.access import Perm
from classes.booking import booking_create
from consultations.models import Topic
from consultations.services import consultation_record, topics_restore_national
from tests import factories
from volunteers.models import Assignment, Role, ShiftNeed, Volunteer

PAGES = {
    "consultations:today": (Perm.CONSULTATIONS_RECORD, None),
    "consultations:session": (Perm.CONSULTATIONS_RECORD, "consultation_session"),
    "consultations:record": (Perm.CONSULTATIONS_RECORD, "consultation_booking"),
    "consultations:record_done": (Perm.CONSULTATIONS_RECORD, "consultation_record"),
    # POST only: GET answers 405
    "consultations:followup_book": (Perm.CONSULTATIONS_FOLLOWUP, "consultation_record"),
    "consultations:followups": (Perm.CALLS_MAKE, None),
    "consultations:followup_detail": (Perm.CALLS_MAKE, "consultation_record"),
    "consultations:followup_close": (Perm.CALLS_MAKE, "consultation_record"),  # POST only
    "reports:consultations": (Perm.REPORTS_VIEW, None),
    "reports:consultations_csv": (Perm.REPORTS_VIEW, None),
    "reports:consultations_xlsx": (Perm.REPORTS_VIEW, None),
}


def objects(*, make, base, users):
    topics_restore_national()  # a transactional test before may have emptied them
    start = factories.earlier_today(30)
    session = make.session(
        course=make.course(title="デジタル相談会", category="consultation"),
        venue_id=base["venue"],
        starts_at=start,
        minutes=30,
        capacity=2,
    )
    booking = booking_create(
        session_id=session.pk,
        resident_id=base["resident"],
        user=users["desk"],
        now=start - datetime.timedelta(days=1),
    ).booking
    volunteer = Volunteer.objects.get(user=users["volunteer"])
    need = ShiftNeed.objects.create(session=session, role=Role.ASSISTANT, count=1)
    Assignment.objects.create(
        need=need,
        session=session,
        volunteer=volunteer,
        source=Assignment.Source.MANUAL,
        status=Assignment.Status.ACCEPTED,
    )
    # A class to suggest after the consultation.
    make.session(venue_id=base["venue"], starts_at=factories.days_ahead(10))
    record = consultation_record(
        booking_id=booking.pk,
        user=users["venue"],
        topic_ids=[Topic.objects.get(key="line").pk],
        device="smartphone",
        device_os="android",
        resolution="partly",
        minutes=20,
        followup="class",
        note="写真の送り方は次回",
        now=timezone.now(),
    )
    return {
        "consultation_session": session.pk,
        "consultation_booking": booking.pk,
        "consultation_record": record.pk,
    }
