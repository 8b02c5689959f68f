"""A coming session moved to another date, time or venue: everyone holding a seat hears the new
ones by their channel (SMS, voice call, the staff's call list), once per move."""

import datetime

import pytest
from django.urls import reverse

from classes.booking import booking_cancel, booking_create
from notifications.models import Call, Message
from tests.factories import session_edit, tokyo
from tests.notifications.test_webhooks import post_signed

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(make, desk_user):
    """A session on 10 Dec 2031 at 13:30 with an SMS, a voice, a staff-call and a cancelled
    booking."""
    session = make.session(
        course=make.course(title="はじめてのスマホ教室"),
        venue=make.venue(name="日知屋公民館"),
        starts_at=tokyo(2031, 12, 10, 13, 30),
        capacity=10,
    )
    contacts = {
        "sms": {"preferred_contact": "sms", "phone_mobile": "+819012340001"},
        "voice": {"preferred_contact": "voice", "phone_mobile": "+819012340002"},
        "staff_call": {"preferred_contact": "staff_call", "phone_mobile": "+819012340003"},
        "cancelled": {"preferred_contact": "sms", "phone_mobile": "+819012340004"},
    }
    bookings = {
        name: booking_create(
            session_id=session.pk, resident_id=make.resident(**fields).pk, user=desk_user
        ).booking
        for name, fields in contacts.items()
    }
    booking_cancel(booking_id=bookings["cancelled"].pk, user=desk_user)
    return session, bookings


def moved_messages():
    return {m.channel: m for m in Message.objects.filter(purpose="session_moved")}


def test_everyone_booked_hears_the_new_time_by_their_channel(booked, dx_user, followups):
    session, bookings = booked
    later = datetime.timedelta(hours=1)
    session_edit(
        session, dx_user, starts_at=session.starts_at + later, ends_at=session.ends_at + later
    )
    followups.run()

    messages = moved_messages()
    assert set(messages) == {"sms", "voice"}
    assert messages["sms"].booking_id == bookings["sms"].pk
    assert "新しい日時: 12月10日（水）14:30〜 会場: 日知屋公民館" in messages["sms"].text
    assert "12月10日、水曜日、14時30分から" in messages["voice"].text
    call = Call.objects.get(purpose="session_moved")
    assert call.booking_id == bookings["staff_call"].pk
    assert "新しい日時は 12月10日（水）14:30 から" in call.script
    assert not Message.objects.filter(booking_id=bookings["cancelled"].pk).exists()


def test_each_move_is_told_once_and_other_edits_tell_nobody(booked, dx_user, make, followups):
    session, _bookings = booked
    session_edit(session, dx_user, capacity=12, notes="机を増やす")  # not a move
    followups.run()
    assert not moved_messages()

    here, elsewhere = session.venue, make.venue(name="大王谷コミュニティセンター")
    session_edit(session, dx_user, venue=elsewhere)
    followups.run()
    session_edit(session, dx_user, venue=elsewhere, notes="会場は同じ")  # saved again, not moved
    followups.run()
    assert Message.objects.filter(purpose="session_moved").count() == 2  # SMS + voice, once
    session_edit(session, dx_user, venue=here)
    followups.run()
    assert Message.objects.filter(purpose="session_moved").count() == 4  # moved back: told again


def test_a_voice_answer_2_cancels_the_moved_booking(client, booked, dx_user, followups):
    session, bookings = booked
    day = datetime.timedelta(days=1)
    session_edit(session, dx_user, starts_at=session.starts_at + day, ends_at=session.ends_at + day)
    followups.run()
    voice = moved_messages()["voice"]
    url = reverse("notifications:hook_voice", args=[voice.token])
    assert "キャンセル" in post_signed(client, url, {"Digits": "2"}).content.decode()
    bookings["voice"].refresh_from_db()
    assert bookings["voice"].status == "cancelled"
