"""What volunteers are told by SMS (volunteers.notify): new proposals (manual and auto-assign),
the day-before reminder of accepted shifts, cancelled shifts. Console transport."""

import datetime

import pytest
from django.db import transaction
from django_q.models import Schedule

from classes.booking import booking_create, session_cancel
from notifications.models import Message, Status
from notifications.services import inbound_sms, messages_send_due
from tests.factories import session_edit, tokyo
from volunteers import notify, services, tasks
from volunteers.apps import ensure_schedules
from volunteers.autoassign import matching_run_execute
from volunteers.models import (
    Assignment,
    AvailabilityWindow,
    MatchingRun,
    Qualification,
    Role,
    ShiftNeed,
    Volunteer,
)

pytestmark = pytest.mark.django_db
BASE = "https://tsunagu.example.jp"
MOBILE = "+819011112222"
LANDLINE = "+81982520000"


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.NOTIFY_TRANSPORT = "console"
    settings.PUBLIC_BASE_URL = BASE
    # Tests run at any hour: quiet hours are off unless a test sets them.
    settings.NOTIFY_QUIET_START = "00:00"
    settings.NOTIFY_QUIET_END = "00:00"


_users = iter(range(1, 10_000))


def volunteer(django_user_model, phone=MOBILE, **fields):
    n = next(_users)
    values = dict(
        user=django_user_model.objects.create_user(username=f"vol{n}"),
        family_name="日高",
        given_name=f"さくら{n}",
        family_name_kana="ひだか",
        given_name_kana="さくら",
        phone=phone,
        status=Volunteer.Status.APPROVED,
        skills=["android", "lead"],
    )
    values.update(fields)
    return Volunteer.objects.create(**values)


def shift(volunteer, session, role=Role.ASSISTANT, status=Assignment.Status.PROPOSED):
    need, _ = ShiftNeed.objects.get_or_create(session=session, role=role, defaults={"count": 2})
    return Assignment.objects.create(
        need=need, session=session, volunteer=volunteer, source="manual", status=status
    )


@pytest.fixture
def session(make):
    return make.session(
        course=make.course(title="はじめてのスマホ教室"),
        venue=make.venue(name="日知屋公民館"),
        starts_at=tokyo(2031, 12, 10, 13, 30),
        minutes=90,
    )


def test_a_manual_proposal_is_texted_once_with_date_venue_role_and_link(
    make, session, dx_user, django_user_model, followups
):
    sakura = volunteer(django_user_model)
    need = ShiftNeed.objects.create(session=session, role=Role.ASSISTANT, count=1)
    assignment = services.assignment_assign(
        need_id=need.pk, volunteer_id=sakura.pk, user=dx_user, force=True
    )
    followups.run()

    (message,) = Message.objects.all()
    assert (message.channel, message.to, message.purpose, message.status) == (
        "sms",
        MOBILE,
        "shift_proposal",
        Status.QUEUED,
    )
    assert message.key == f"shift_proposal:{assignment.pk}"
    assert message.about == {"volunteer_id": sakura.pk, "assignment_ids": [assignment.pk]}
    assert "12月10日（水）13:30〜15:00" in message.text
    assert "はじめてのスマホ教室（日知屋公民館）「アシスタント」" in message.text
    assert f"{BASE}/volunteers/me/shifts/{assignment.pk}/" in message.text

    # Run again (a retried callback): still one message.
    assert notify.proposals_notice(assignment_ids=[assignment.pk]) == []
    assert Message.objects.count() == 1
    # The console transport sends it.
    assert messages_send_due()["sent"] == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_nothing_is_queued_when_the_change_rolls_back(
    make, session, dx_user, django_user_model, followups
):
    sakura = volunteer(django_user_model)
    need = ShiftNeed.objects.create(session=session, role=Role.ASSISTANT, count=1)
    next_day = make.session(starts_at=session.starts_at + datetime.timedelta(days=1))
    accepted = shift(sakura, next_day, status=Assignment.Status.ACCEPTED)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.assignment_assign(
            need_id=need.pk, volunteer_id=sakura.pk, user=dx_user, force=True
        )
        services.assignment_unassign(assignment_id=accepted.pk, user=dx_user)
        raise RuntimeError("the request failed after the change")
    assert followups.run() == 0
    assert not Message.objects.exists()
    assert not Assignment.objects.filter(need=need).exists()


def test_volunteers_without_a_mobile_number_are_not_texted(
    session, dx_user, django_user_model, followups
):
    landline = volunteer(django_user_model, phone=LANDLINE)
    need = ShiftNeed.objects.create(session=session, role=Role.LEAD, count=1)
    assignment = services.assignment_assign(
        need_id=need.pk, volunteer_id=landline.pk, user=dx_user, force=True
    )
    services.assignment_unassign(assignment_id=assignment.pk, user=dx_user)
    followups.run()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.CANCELLED
    assert not Message.objects.exists()


def test_an_auto_assign_run_texts_each_volunteer_once_listing_their_shifts(
    make, django_user_model, dx_user, followups
):
    venue = make.venue(name="財光寺公民館")
    first = make.session(venue=venue, starts_at=tokyo(2031, 12, 10, 10, 0), minutes=60)
    second = make.session(venue=venue, starts_at=tokyo(2031, 12, 12, 14, 0), minutes=60)
    texted = volunteer(django_user_model)
    landline = volunteer(django_user_model, phone=LANDLINE)
    for person in (texted, landline):
        person.venues.add(venue)
        Qualification.objects.create(
            volunteer=person, kind="shienin", issued_on=datetime.date(2030, 1, 1)
        )
        for weekday in range(7):
            AvailabilityWindow.objects.create(
                volunteer=person,
                weekday=weekday,
                start_time=datetime.time(0),
                end_time=datetime.time(23, 59),
            )
    run = MatchingRun.objects.create(
        period_start=datetime.date(2031, 12, 8),
        period_end=datetime.date(2031, 12, 14),
        created_by=dx_user,
    )
    matching_run_execute(run_id=run.pk, time_limit=2)
    followups.run()
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    # Two sessions, each a lead and an assistant: each volunteer gets one place in each.
    proposals = list(Assignment.objects.filter(volunteer=texted, run=run).order_by("pk"))
    assert {a.session_id for a in proposals} == {first.pk, second.pk}
    assert Assignment.objects.filter(volunteer=landline, run=run).count() == 2

    (message,) = Message.objects.all()
    assert message.to == MOBILE and message.purpose == "shift_proposal"
    assert message.key == f"shift_proposal:{proposals[0].pk}"
    assert message.about["assignment_ids"] == [a.pk for a in proposals]
    assert "2件" in message.text
    assert "12月10日（水）10:00〜11:00" in message.text
    assert "12月12日（金）14:00〜15:00" in message.text and "財光寺公民館" in message.text
    assert f"{BASE}/volunteers/me/" in message.text

    # The callback runs again: nothing new.
    assert notify.run_proposals_notice(run_id=run.pk) == []
    assert Message.objects.count() == 1


def test_the_office_unassigning_a_shift_tells_the_volunteer_once(
    session, dx_user, django_user_model, followups
):
    sakura = volunteer(django_user_model)
    accepted = shift(sakura, session, status=Assignment.Status.ACCEPTED)
    for _ in range(2):  # a second click finds it already cancelled
        services.assignment_unassign(assignment_id=accepted.pk, user=dx_user)
        followups.run()
    (message,) = Message.objects.all()
    assert (message.purpose, message.key, message.to) == (
        "shift_cancelled",
        f"shift_cancelled:{accepted.pk}",
        MOBILE,
    )
    assert "12月10日（水）13:30〜15:00" in message.text and "日知屋公民館" in message.text
    assert "事務局の調整により" in message.text and "取り消し" in message.text
    assert notify.shift_cancelled_notice(assignment_ids=[accepted.pk]) == []


def test_a_cancelled_session_tells_its_volunteers(
    make, session, desk_user, django_user_model, followups
):
    accepted = shift(volunteer(django_user_model), session, status=Assignment.Status.ACCEPTED)
    proposed = shift(volunteer(django_user_model, phone="+819033334444"), session, Role.LEAD)
    declined = shift(
        volunteer(django_user_model, phone="+819055556666"),
        session,
        status=Assignment.Status.DECLINED,
    )
    for _ in range(2):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    session_cancel(session_id=session.pk, user=desk_user, reason="台風")
    followups.run()
    told = Message.objects.filter(purpose="shift_cancelled")
    assert {m.key for m in told} == {
        f"shift_cancelled:{accepted.pk}",
        f"shift_cancelled:{proposed.pk}",
    }
    assert all("教室が中止になったため" in m.text and "台風" not in m.text for m in told)
    assert not told.filter(to="+819055556666").exists()
    declined.refresh_from_db()
    assert declined.status == Assignment.Status.DECLINED


def test_a_session_cancelled_without_bookings_still_tells_its_volunteers(
    session, desk_user, django_user_model, followups
):
    accepted = shift(volunteer(django_user_model), session, status=Assignment.Status.ACCEPTED)
    session_cancel(session_id=session.pk, user=desk_user, reason="会場の都合")
    followups.run()
    accepted.refresh_from_db()
    assert accepted.status == Assignment.Status.CANCELLED
    (message,) = Message.objects.filter(purpose="shift_cancelled")
    assert message.key == f"shift_cancelled:{accepted.pk}"


def test_a_moved_session_tells_its_volunteers_the_new_time(
    session, dx_user, django_user_model, followups
):
    accepted = shift(volunteer(django_user_model), session, status=Assignment.Status.ACCEPTED)
    proposed = shift(volunteer(django_user_model, phone="+819033334444"), session, Role.LEAD)
    shift(volunteer(django_user_model, phone="+819055556666"), session, status="declined")
    shift(volunteer(django_user_model, phone=LANDLINE), session, status="accepted")
    later = datetime.timedelta(hours=2)
    session_edit(
        session, dx_user, starts_at=session.starts_at + later, ends_at=session.ends_at + later
    )
    followups.run()
    told = Message.objects.filter(purpose="shift_moved")
    assert {m.about["assignment_ids"][0] for m in told} == {accepted.pk, proposed.pk}
    assert all(
        "12月10日（水）15:30〜17:00 はじめてのスマホ教室（日知屋公民館）" in m.text for m in told
    )
    assert all(f"{BASE}/volunteers/me/shifts/" in m.text for m in told)


def test_day_before_reminders_pick_only_tomorrows_accepted_shifts(make, session, django_user_model):
    sakura = volunteer(django_user_model)
    tomorrow = shift(sakura, session, status=Assignment.Status.ACCEPTED)
    shift(volunteer(django_user_model, phone="+819033334444"), session, Role.LEAD)  # proposed
    declined = volunteer(django_user_model, phone="+819055556666")
    shift(declined, session, Role.RECEPTION, status=Assignment.Status.DECLINED)
    shift(volunteer(django_user_model, phone=LANDLINE), session, status="accepted")
    later = make.session(starts_at=tokyo(2031, 12, 11, 10, 0))
    shift(sakura, later, status=Assignment.Status.ACCEPTED)
    cancelled = make.session(starts_at=tokyo(2031, 12, 10, 18, 0), status="cancelled")
    shift(volunteer(django_user_model, phone="+819077778888"), cancelled, status="accepted")

    day_before = tokyo(2031, 12, 9, 10, 0)
    (message,) = notify.day_before_reminders(now=day_before)
    assert (message.purpose, message.to) == ("shift_reminder", MOBILE)
    assert message.key == f"shift_reminder:{tomorrow.pk}:2031-12-10"
    assert "明日 12月10日（水）13:30〜15:00" in message.text and "日知屋公民館" in message.text
    assert f"{BASE}/volunteers/me/shifts/{tomorrow.pk}/" in message.text
    # The schedule runs again (a retry, a second worker): nothing new.
    assert notify.day_before_reminders(now=day_before) == []
    assert Message.objects.count() == 1
    # Two days before and on the day itself: nothing for this shift.
    assert notify.day_before_reminders(now=tokyo(2031, 12, 8, 10, 0)) == []
    (next_day,) = notify.day_before_reminders(now=tokyo(2031, 12, 10, 10, 0))
    assert next_day.key.endswith(":2031-12-11")


def test_a_shift_reminder_held_back_until_the_morning_of_the_shift_says_today(
    session, django_user_model, settings
):
    settings.NOTIFY_QUIET_START, settings.NOTIFY_QUIET_END = "21:00", "09:00"
    shift(volunteer(django_user_model), session, status=Assignment.Status.ACCEPTED)

    (message,) = notify.day_before_reminders(now=tokyo(2031, 12, 9, 22, 0))

    assert message.not_before == tokyo(2031, 12, 10, 9, 0)
    assert "本日 12月10日（水）13:30〜15:00" in message.text and "明日" not in message.text


def test_the_reminder_task_and_its_daily_schedule(settings):
    settings.NOTIFY_REMINDER_TIME = "10:00"
    ensure_schedules()
    ensure_schedules()
    schedule = Schedule.objects.get(name="volunteers.shift_reminders")
    assert (schedule.func, schedule.schedule_type, schedule.repeats) == (
        "volunteers.tasks.send_shift_reminders",
        Schedule.DAILY,
        -1,
    )
    local = schedule.next_run.astimezone(tokyo(2031, 1, 1).tzinfo)
    assert (local.hour, local.minute) == (10, 0)
    assert tasks.send_shift_reminders() == {"messages": 0}


def test_an_opted_out_number_is_logged_but_not_sent(session, django_user_model):
    inbound_sms(phone=MOBILE, body="停止")
    shift(volunteer(django_user_model), session, status=Assignment.Status.ACCEPTED)
    (message,) = notify.day_before_reminders(now=tokyo(2031, 12, 9, 10, 0))
    assert message.status == Status.SKIPPED_OPT_OUT
    assert messages_send_due()["sent"] == 0
