"""This app's rows of the access matrix (tests/test_access_matrix.py): the calendar and the
booking pages are open to anyone, like the ticket pages; the desk's check needs the right to
edit the registry."""

import datetime
import uuid

from django.utils import timezone

from accounts.access import Perm
from classes.booking import booking_create
from classes.models import BookingSource
from selfbook.models import Review, WebBooking, WebBookingStatus

PUBLIC = "public"

PAGES = {
    "selfbook:calendar": (PUBLIC, None),
    "selfbook:session": (PUBLIC, "session"),
    "selfbook:code": (PUBLIC, "web_booking_pending"),
    "selfbook:done": (PUBLIC, "web_booking_booked"),
    "selfbook:review_list": (Perm.RESIDENTS_EDIT, None),
    "selfbook:review_confirm": (Perm.RESIDENTS_EDIT, "web_booking"),  # POST only
}


def objects(*, make, base, users):
    session_id = base["session"]
    pending = WebBooking.objects.create(
        session_id=session_id,
        family_name="日向",
        given_name="一郎",
        family_name_kana="ひゅうが",
        given_name_kana="いちろう",
        phone="+819011110000",
        consent_contact=True,
        form_nonce=uuid.uuid4(),
        code_hash="0" * 64,
        code_expires_at=timezone.now() + datetime.timedelta(minutes=10),
    )
    resident = make.resident(family_name="細島", given_name="花")
    booking = booking_create(
        session_id=session_id, resident_id=resident.pk, user=None, source=BookingSource.WEB
    ).booking
    booked = WebBooking.objects.create(
        session_id=session_id,
        status=WebBookingStatus.BOOKED,
        consent_contact=True,
        form_nonce=uuid.uuid4(),
        resident=resident,
        booking=booking,
        review=Review.PENDING,
        booked_at=timezone.now(),
    )
    return {
        "web_booking_pending": pending.token,
        "web_booking_booked": booked.token,
        "web_booking": booked.pk,
    }
