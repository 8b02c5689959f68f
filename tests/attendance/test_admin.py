import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.checkin import checkin_redeem
from attendance.tickets import ticket_issue
from classes.booking import booking_create

pytestmark = pytest.mark.django_db


def test_admin_lists_and_searches_tickets_and_checkins(client, admin_user, make, desk_user):
    session = make.session(starts_at=timezone.now() + datetime.timedelta(minutes=10))
    resident = make.resident(family_name_kana="サトウ", given_name_kana="ハナコ")
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    ticket = ticket_issue(booking_id=booking.booking.pk)
    checkin_redeem(
        token=ticket.token, session_id=session.pk, device="d", nonce=uuid.uuid4(), user=desk_user
    )
    client.force_login(admin_user)
    for name in ("attendance_ticket_changelist", "attendance_checkin_changelist"):
        page = client.get(reverse(f"admin:{name}"), {"q": "さとう"})
        assert page.status_code == 200
        assert page.context["cl"].result_count == 1
