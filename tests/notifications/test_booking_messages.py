"""What residents hear about their bookings, by their preferred contact (classes.notify)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from classes import notify
from classes.apps import ensure_schedules as classes_schedules
from classes.booking import booking_cancel, booking_create, offer_accept, session_cancel
from classes.models import BookingStatus
from classes.tasks import send_day_before_reminders
from notifications.apps import ensure_schedules as notifications_schedules
from notifications.models import Call, Message, Status
from tests.factories import tokyo

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(make):
    return make.session(
        course=make.course(title="はじめてのスマホ教室"),
        venue=make.venue(name="日知屋公民館"),
        starts_at=tokyo(2031, 12, 10, 13, 30),
        capacity=1,
    )


_numbers = iter(range(1000, 9999))


def person(make, contact, **fields):
    """A resident with a real-looking mobile number (090-1234-xxxx) and this contact choice."""
    fields.setdefault("phone_mobile", f"+81901234{next(_numbers):04d}")
    return make.resident(preferred_contact=contact, **fields)


def book(session, resident, user, followups):
    booking = booking_create(session_id=session.pk, resident_id=resident.pk, user=user).booking
    followups.run()
    return booking


def test_booking_a_resident_who_prefers_sms_logs_a_confirmation_with_the_ticket_link(
    make, session, desk_user, followups
):
    resident = person(make, "sms", phone_mobile="+819012345678")
    booking = book(session, resident, desk_user, followups)

    (message,) = Message.objects.all()
    assert (message.channel, message.to, message.purpose) == (
        "sms",
        "+819012345678",
        "confirmation",
    )
    assert (message.resident_id, message.booking_id, message.session_id) == (
        resident.pk,
        booking.pk,
        session.pk,
    )
    assert "12月10日（水）13:30" in message.text and "日知屋公民館" in message.text
    assert "https://tsunagu.example.jp/t/" in message.text
    assert message.status == Status.QUEUED


@pytest.mark.parametrize("contact", ["voice", "staff_call", "none"])
def test_only_sms_residents_get_a_confirmation(make, session, desk_user, followups, contact):
    book(
        session,
        make.resident(preferred_contact=contact),
        desk_user,
        followups,
    )
    assert not Message.objects.exists() and not Call.objects.exists()


def test_day_before_reminders_follow_the_preferred_contact(make, desk_user):
    session = make.session(starts_at=tokyo(2031, 12, 10, 13, 30), capacity=10)
    other_day = make.session(starts_at=tokyo(2031, 12, 11, 13, 30))
    people = {
        "sms": person(make, "sms"),
        "voice": make.resident(
            preferred_contact="voice", phone_mobile="", phone_home="+81982520000"
        ),
        "staff": person(make, "staff_call"),
        "landline_sms": make.resident(
            preferred_contact="sms", phone_mobile="", phone_home="+81982520001"
        ),
        "none": person(make, "none"),
    }
    for resident in people.values():
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    booking_create(session_id=other_day.pk, resident_id=make.resident().pk, user=desk_user)
    gone = person(make, "sms")
    cancelled = booking_create(session_id=session.pk, resident_id=gone.pk, user=desk_user)
    booking_cancel(booking_id=cancelled.booking.pk, user=desk_user)

    day_before = tokyo(2031, 12, 9, 10, 0)
    messages, calls = notify.day_before_reminders(now=day_before)

    by_resident = {m.resident_id: m for m in messages}
    assert set(by_resident) == {people["sms"].pk, people["voice"].pk}
    assert by_resident[people["sms"].pk].channel == "sms"
    voice = by_resident[people["voice"].pk]
    assert (voice.channel, voice.to) == ("voice", "+81982520000")
    assert "12月10日、水曜日、13時30分から" in voice.text
    assert {c.resident_id for c in calls} == {people["staff"].pk, people["landline_sms"].pk}
    assert all(c.day == datetime.date(2031, 12, 9) and "明日" in c.script for c in calls)
    assert {c.phone for c in calls} >= {"0982-52-0001"}

    # The schedule runs again (a retry, a second worker): nothing new.
    assert notify.day_before_reminders(now=day_before) == ([], [])
    assert Message.objects.count() == 2 and Call.objects.count() == 2


def test_the_reminder_task_and_its_daily_schedule(make, desk_user, settings):
    settings.NOTIFY_REMINDER_TIME = "10:00"
    classes_schedules()
    notifications_schedules()
    schedule = Schedule.objects.get(name="classes.day_before_reminders")
    assert (schedule.func, schedule.schedule_type) == (
        "classes.tasks.send_day_before_reminders",
        Schedule.DAILY,
    )
    local = schedule.next_run.astimezone(tokyo(2031, 1, 1).tzinfo)
    assert (local.hour, local.minute) == (10, 0)
    assert Schedule.objects.filter(name="notifications.send_due").exists()
    assert send_day_before_reminders() == {"messages": 0, "calls": 0}


def test_a_freed_seat_is_offered_by_the_next_residents_channel(make, session, desk_user, followups):
    seated = book(
        session,
        person(make, "staff_call"),
        desk_user,
        followups,
    )
    waiting = book(
        session,
        person(make, "voice"),
        desk_user,
        followups,
    )
    booking_cancel(booking_id=seated.pk, user=desk_user)
    followups.run()
    (offer,) = Message.objects.filter(purpose="offer")
    assert (offer.channel, offer.booking_id) == ("voice", waiting.pk)
    assert "空きが出ました" in offer.text


def test_a_cancelled_session_tells_everyone_by_their_channel(make, desk_user, followups):
    session = make.session(capacity=1)
    sms = book(
        session,
        person(make, "sms"),
        desk_user,
        followups,
    )
    staff = book(
        session,
        person(make, "staff_call"),
        desk_user,
        followups,
    )
    assert staff.status == BookingStatus.WAITLISTED
    session_cancel(session_id=session.pk, user=desk_user, reason="講師の都合")
    followups.run()
    (told,) = Message.objects.filter(purpose="session_cancelled")
    assert (told.booking_id, told.channel) == (sms.pk, "sms")
    assert "中止" in told.text and "講師の都合" not in told.text
    (call,) = Call.objects.filter(purpose="session_cancelled")
    assert call.booking_id == staff.pk


def test_a_walk_in_at_the_venue_gets_no_confirmation(make, desk_user, followups):
    started = make.session(starts_at=timezone.now() - datetime.timedelta(minutes=10))
    booking_create(
        session_id=started.pk,
        resident_id=person(make, "sms").pk,
        user=desk_user,
        walk_in=True,
    )
    followups.run()
    assert not Message.objects.exists()


def reminder_for(make, desk_user, contact, *, starts_at, now):
    session = make.session(starts_at=starts_at, capacity=5)
    booking_create(session_id=session.pk, resident_id=person(make, contact).pk, user=desk_user)
    return notify.day_before_reminders(now=now)


def test_a_reminder_says_tomorrow_when_it_goes_out_the_day_before(make, desk_user):
    (sms,), _ = reminder_for(
        make, desk_user, "sms", starts_at=tokyo(2031, 12, 10, 13, 30), now=tokyo(2031, 12, 9, 10)
    )
    assert "明日 12月10日（水）13:30" in sms.text


def test_a_reminder_held_back_by_the_quiet_hours_goes_out_on_the_day_and_says_today(
    make, desk_user, settings
):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:00", "09:00"
    (sms,), _ = reminder_for(
        make, desk_user, "sms", starts_at=tokyo(2031, 12, 10, 13, 30), now=tokyo(2031, 12, 9, 22)
    )
    assert sms.not_before == tokyo(2031, 12, 10, 9, 0)
    assert "本日 12月10日（水）13:30" in sms.text and "明日" not in sms.text


def test_a_call_about_a_session_days_away_names_the_date_not_tomorrow(make, desk_user):
    session = make.session(starts_at=tokyo(2031, 12, 10, 13, 30), capacity=1)
    seated = booking_create(
        session_id=session.pk, resident_id=person(make, "sms").pk, user=desk_user
    ).booking
    waiting = booking_create(
        session_id=session.pk, resident_id=person(make, "staff_call").pk, user=desk_user
    ).booking
    booking_cancel(booking_id=seated.pk, user=desk_user)
    notify.offer_notice(booking_id=waiting.pk, now=tokyo(2031, 12, 5, 10))
    (call,) = Call.objects.filter(purpose="offer")
    assert "12月10日（水）13:30" in call.script and "明日" not in call.script
    assert "「空席のご案内」で記録" in call.script


def test_an_offer_taken_at_the_desk_leaves_the_call_list(
    make, session, desk_user, desk_client, followups
):
    seated = book(session, person(make, "sms"), desk_user, followups)
    waiting = book(session, person(make, "staff_call"), desk_user, followups)
    booking_cancel(booking_id=seated.pk, user=desk_user)
    followups.run()
    (call,) = Call.objects.filter(purpose="offer", booking_id=waiting.pk)
    page = reverse("notifications:call_list")
    assert call in desk_client.get(page).context["open_calls"]

    offer_accept(booking_id=waiting.pk, user=desk_user)
    followups.run()

    call.refresh_from_db()
    assert call.status == "not_needed"
    assert call.outcomes.get().outcome == "not_needed"
    response = desk_client.get(page)
    assert call not in response.context["open_calls"]
    assert call.who not in response.content.decode()


def test_a_reminder_call_stays_while_the_booking_stands(make, desk_user, followups):
    (_messages, (call,)) = reminder_for(
        make,
        desk_user,
        "staff_call",
        starts_at=tokyo(2031, 12, 10, 13, 30),
        now=tokyo(2031, 12, 9, 10),
    )
    assert notify.calls_withdraw_moot(booking_id=call.booking_id) == 0
    booking_cancel(booking_id=call.booking_id, user=desk_user)
    followups.run()
    call.refresh_from_db()
    assert call.status == "not_needed"


def test_a_couple_sharing_a_home_phone_are_one_after_the_other_on_the_call_list(
    make, desk_user, desk_client
):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    session = make.session(
        starts_at=tokyo(tomorrow.year, tomorrow.month, tomorrow.day, 13, 30), capacity=5
    )
    home = {"phone_mobile": "", "phone_home": "+81982520001"}
    taro = person(make, "staff_call", family_name="黒木", given_name="太郎", **home)
    someone = person(make, "staff_call", family_name="甲斐", given_name="次郎")
    hanako = person(make, "staff_call", family_name="黒木", given_name="花子", **home)
    for resident in (taro, someone, hanako):
        booking_create(session_id=session.pk, resident_id=resident.pk, user=desk_user)
    notify.day_before_reminders()

    page = desk_client.get(reverse("notifications:call_list"))
    calls = page.context["open_calls"]
    assert [c.who.split("（")[0] for c in calls] == ["黒木 太郎", "黒木 花子", "甲斐 次郎"]
    assert [len(c.same_number) for c in calls] == [1, 1, 0]
    text = page.content.decode()
    assert "同じ番号への連絡がほかに1件あります" in text
    assert f'href="#call-{calls[1].pk}"' in text  # from 太郎's card to 花子's
