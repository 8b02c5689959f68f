"""Rules seen through the pages and services: bad input, bookings moving the assistant count,
declines, cancelled sessions in the feed, conflicts on manual assignment, venue confirmation,
and bounded queries."""

import datetime

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from audit.models import AccessLog
from classes.booking import booking_cancel, booking_create, session_cancel
from classes.models import Session
from volunteers import hooks, services
from volunteers.models import (
    Assignment,
    AvailabilityWindow,
    Qualification,
    Role,
    ShiftNeed,
    Volunteer,
)

pytestmark = pytest.mark.django_db
T = datetime.time


def _volunteer(user, **fields):
    values = dict(
        user=user,
        family_name="日高",
        given_name="さくら",
        family_name_kana="ひだか",
        given_name_kana="さくら",
        phone="+819011112222",
        status=Volunteer.Status.APPROVED,
        skills=["android"],
    )
    values.update(fields)
    return Volunteer.objects.create(**values)


def _office(dx_user):
    """The DX office's own browser (the role clients share pytest-django's one `client`)."""
    office = Client()
    office.force_login(dx_user)
    return office


def _proposed(volunteer, session, role=Role.ASSISTANT, status=Assignment.Status.PROPOSED):
    need, _ = ShiftNeed.objects.get_or_create(session=session, role=role, defaults={"count": 2})
    return Assignment.objects.create(
        need=need, session=session, volunteer=volunteer, source="manual", status=status
    )


def test_overlapping_window_is_refused_and_the_form_keeps_the_input(
    volunteer_client, volunteer_user
):
    volunteer = _volunteer(volunteer_user)
    AvailabilityWindow.objects.create(
        volunteer=volunteer, weekday=2, start_time=T(9), end_time=T(12)
    )
    with override("en"):
        response = volunteer_client.post(
            reverse("volunteers:availability"),
            {"action": "window", "w-weekday": "2", "w-start_time": "11:00", "w-end_time": "15:00"},
        )
    assert response.status_code == 200
    form = response.context["window_form"]
    assert "と重なっています" in form.non_field_errors()[0]
    assert "09:00" in form.non_field_errors()[0]
    assert 'value="11:00"' in response.text
    assert volunteer.windows.count() == 1
    with pytest.raises(services.VolunteerError):
        services.window_add(
            volunteer=volunteer, user=volunteer_user, weekday=2, start_time=T(8), end_time=T(10)
        )
    services.window_add(
        volunteer=volunteer, user=volunteer_user, weekday=2, start_time=T(12), end_time=T(15)
    )


def test_bad_dates_keep_the_form(volunteer_client, volunteer_user, dx_user):
    _volunteer(volunteer_user)
    dx_client = _office(dx_user)
    response = volunteer_client.post(
        reverse("volunteers:qualifications"),
        {"q-kind": "suishin", "q-issued_on": "2026-04-01", "q-expires_on": "2025-03-31"},
    )
    assert response.status_code == 200 and response.context["qualification_form"].errors
    assert Qualification.objects.count() == 0
    response = dx_client.post(
        reverse("volunteers:run_list"), {"period_start": "2031-05-31", "period_end": "2031-05-01"}
    )
    assert response.status_code == 200 and response.context["form"].errors
    response = dx_client.post(
        reverse("volunteers:run_list"), {"period_start": "2031-02-30", "period_end": "x"}
    )
    assert response.status_code == 200 and response.context["form"].errors


def test_assistant_count_follows_bookings(make, desk_user, followups):
    session = make.session(capacity=20)
    services.needs_ensure(sessions=[session])
    assistant = ShiftNeed.objects.get(session=session, role=Role.ASSISTANT)
    assert assistant.count == 1 and assistant.follows_bookings
    bookings = []
    for _ in range(9):
        outcome = booking_create(
            session_id=session.pk, resident_id=make.resident().pk, user=desk_user
        )
        bookings.append(outcome.booking)
    followups.run()
    assistant.refresh_from_db()
    assert assistant.count == 3  # 9 participants, 1 per 4
    services.course_staffing_set(
        course=session.course, user=desk_user, participants_per_assistant=3
    )
    booking_cancel(booking_id=bookings[0].pk, user=desk_user)
    followups.run()
    assistant.refresh_from_db()
    assert assistant.count == 3  # 8 participants, 1 per 3


def test_the_office_sets_a_course_ratio_and_the_assistants_follow(make, dx_client, desk_user):
    session = make.session(capacity=20)
    for _ in range(6):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    services.needs_ensure(sessions=[session])
    assistant = ShiftNeed.objects.get(session=session, role=Role.ASSISTANT)
    assert assistant.count == 2
    url = reverse("volunteers:session_needs", args=[session.pk])
    response = dx_client.post(
        url,
        {
            "action": "staffing",
            "staff-leads": "1",
            "staff-receptionists": "0",
            "staff-participants_per_assistant": "0",
        },
    )
    assert response.status_code == 400 and response.context["staffing_form"].errors
    dx_client.post(
        url,
        {
            "action": "staffing",
            "staff-leads": "1",
            "staff-receptionists": "1",
            "staff-participants_per_assistant": "2",
        },
    )
    assistant.refresh_from_db()
    assert assistant.count == 3
    assert session.course.staffing.receptionists == 1


heard_declines = []


def hear(event):
    """A listener of this test module (follow-ups name their listener by its path)."""
    heard_declines.append(event)


def test_decline_reopens_the_place_and_tells_the_coordinator(
    make, volunteer_client, volunteer_user, dx_user, followups
):
    volunteer = _volunteer(volunteer_user)
    dx_client = _office(dx_user)
    session = make.session()
    shift = _proposed(volunteer, session, status=Assignment.Status.ACCEPTED)
    heard_declines.clear()
    hooks.shift_declined.listen(hear)
    try:
        volunteer_client.post(
            reverse("volunteers:shift_decline", args=[shift.pk]), {"reason": "通院のため"}
        )
        followups.run()
    finally:
        hooks.shift_declined.unlisten(hear)
    shift.refresh_from_db()
    assert shift.status == Assignment.Status.DECLINED
    assert heard_declines == [hooks.ShiftDeclined(shift.pk)]
    assert Assignment.objects.holding().filter(need=shift.need).count() == 0
    page = dx_client.get(reverse("volunteers:coverage"))
    assert [a.pk for a in page.context["declines"]] == [shift.pk]
    assert page.context["rows"][0].missing == 2


def test_feed_marks_cancelled_sessions_and_old_addresses_stop_working(
    make, client, volunteer_user, desk_user, followups
):
    volunteer = _volunteer(volunteer_user)
    session = make.session()
    booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    shift = _proposed(volunteer, session)
    services.assignment_accept(assignment_id=shift.pk, volunteer=volunteer, user=volunteer_user)
    url = reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
    first = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")[0]
    again = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")[0]
    assert again["SEQUENCE"] == first["SEQUENCE"]  # reading the feed changes nothing
    # The session moves by an hour: same event, new time, higher SEQUENCE.
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + datetime.timedelta(hours=1),
        ends_at=session.ends_at + datetime.timedelta(hours=1),
    )
    moved = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")[0]
    assert str(moved["UID"]) == str(first["UID"])
    assert moved.decoded("DTSTART") - first.decoded("DTSTART") == datetime.timedelta(hours=1)
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    first = moved
    session_cancel(session_id=session.pk, user=desk_user, reason="台風")
    followups.run()
    shift.refresh_from_db()
    assert shift.status == Assignment.Status.CANCELLED
    event = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")[0]
    assert str(event["UID"]) == str(first["UID"])
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) > int(first["SEQUENCE"])
    services.calendar_token_rotate(volunteer=volunteer, user=volunteer_user)
    assert client.get(url).status_code == 404


def test_manual_assignment_warns_and_can_be_forced(make, dx_client, volunteer_user):
    volunteer = _volunteer(volunteer_user)
    session = make.session()
    services.needs_ensure(sessions=[session])
    need = ShiftNeed.objects.get(session=session, role=Role.ASSISTANT)
    url = reverse("volunteers:assign", args=[session.pk])
    with override("en"):
        response = dx_client.post(url, {"need": need.pk, "volunteer": volunteer.pk})
    assert response.status_code == 409
    warnings = response.context["warnings"]["messages"]
    assert "シフトの日に有効な資格がありません。" in warnings
    assert "この時間は活動できません。" in warnings
    assert not Assignment.objects.exists()
    dx_client.post(url, {"need": need.pk, "volunteer": volunteer.pk, "force": "true"})
    assignment = Assignment.objects.get()
    assert assignment.status == Assignment.Status.PROPOSED
    dx_client.post(reverse("volunteers:unassign", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.CANCELLED


def test_venue_staff_confirm_check_in_at_their_venue_only(
    make, venue_client, venue_user, volunteer_user
):
    volunteer = _volunteer(volunteer_user)
    venue = make.venue()
    venue.staff.add(venue_user)
    now = timezone.now()
    here = make.session(venue=venue, starts_at=now + datetime.timedelta(minutes=20))
    elsewhere = make.session(starts_at=now + datetime.timedelta(minutes=20))
    shift = _proposed(volunteer, here, status=Assignment.Status.ACCEPTED)
    other = _proposed(volunteer, elsewhere, status=Assignment.Status.ACCEPTED)
    if timezone.localdate(here.starts_at) == timezone.localdate():
        page = venue_client.get(reverse("volunteers:venue_shifts"))
        assert [s.pk for s in page.context["shifts"]] == [shift.pk]
    venue_client.post(reverse("volunteers:venue_confirm", args=[shift.pk]))
    shift.refresh_from_db()
    assert shift.checked_in_at and shift.confirmed_by == venue_user
    response = venue_client.post(reverse("volunteers:venue_confirm", args=[other.pk]))
    assert response.status_code == 403


def test_check_in_only_around_the_shift(make, volunteer_user):
    volunteer = _volunteer(volunteer_user)
    later = make.session(starts_at=timezone.now() + datetime.timedelta(days=2))
    shift = _proposed(volunteer, later)
    with pytest.raises(services.VolunteerError):  # not accepted yet
        services.assignment_check_in(assignment_id=shift.pk, volunteer=volunteer, user=None)
    services.assignment_accept(assignment_id=shift.pk, volunteer=volunteer, user=None)
    with pytest.raises(services.VolunteerError):  # two days early
        services.assignment_check_in(assignment_id=shift.pk, volunteer=volunteer, user=None)
    at = later.starts_at - datetime.timedelta(minutes=30)
    services.assignment_check_in(assignment_id=shift.pk, volunteer=volunteer, user=None, now=at)
    shift.refresh_from_db()
    assert shift.checked_in_at == at and shift.confirmed_by is None


def test_pages_answer_in_bounded_queries(
    make,
    volunteer_client,
    volunteer_user,
    dx_user,
    django_user_model,
    django_assert_num_queries,
):
    volunteer = _volunteer(volunteer_user)
    dx_client = _office(dx_user)
    for i in range(6):
        session = make.session(starts_at=timezone.now() + datetime.timedelta(days=i + 1))
        services.needs_ensure(sessions=[session])
        _proposed(volunteer, session)
        other = _volunteer(django_user_model.objects.create_user(f"v{i}"), family_name=f"田中{i}")
        Qualification.objects.create(
            volunteer=other,
            kind="suishin",
            issued_on=timezone.localdate() - datetime.timedelta(days=300),
            expires_on=timezone.localdate() + datetime.timedelta(days=10 + i),
        )
    # Every page: login session, user, roles (3), and the volunteer's profile on their pages.
    pages = [
        (volunteer_client, reverse("volunteers:my_shifts"), 6),  # + upcoming, past
        (volunteer_client, reverse("volunteers:hours"), 5),  # + worked shifts
        (dx_client, reverse("volunteers:coverage"), 5),  # + needs with counts, declines
        # + applications, load, expiring qualifications
        (dx_client, reverse("volunteers:volunteer_list"), 6),
        # + session, needs, assignments, course staffing, volunteers to choose from
        (dx_client, reverse("volunteers:session_needs", args=[session.pk]), 8),
        (dx_client, reverse("volunteers:hours_csv"), 3),  # asks the period and the purpose
    ]
    for client, url, count in pages:
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("hours", "shown"),
    [(11.8, "11時間48分"), (2, "2時間"), (0.25, "15分"), (1.999, "2時間")],
)
def test_hours_read_as_hours_and_minutes(hours, shown):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("ja"):
        text = Template("{% load volunteer_hours %}{{ h|hours_minutes }}").render(
            Context({"h": hours})
        )
    assert text == shown


def test_the_office_reads_the_skills_a_place_needs_in_words(make, dx_client):
    session = make.session()
    ShiftNeed.objects.create(
        session=session, role=Role.LEAD, count=1, required_skills=["lead", "programming"]
    )
    text = dx_client.get(reverse("volunteers:session_needs", args=[session.pk])).content.decode()
    assert "講師として教える、プログラミング（Scratch）" in text
    assert "lead, programming" not in text


def test_the_hours_file_asks_what_it_is_for_and_is_recorded(dx_client, dx_user):
    url = reverse("volunteers:hours_csv")
    page = dx_client.get(url).content.decode()
    assert "何に使いますか" in page and 'name="from"' in page
    refused = dx_client.post(url, {"from": "2025-04-01", "until": "2026-03-31"})
    assert "何に使うかを書いてください" in refused.content.decode()
    assert not AccessLog.objects.exists()
    response = dx_client.post(
        url, {"from": "2025-04-01", "until": "2026-03-31", "purpose": "地域ポイント"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "volunteer-hours-20250401-20260331.csv" in response["Content-Disposition"]
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.what) == (dx_user, "export", "volunteer hours CSV")
    assert (entry.row_count, entry.purpose) == (0, "地域ポイント")


@pytest.mark.parametrize(
    "edge", ["0001-01-01", "9999-12-31", "9999年12月31日", "２０２６-０２-３０"]
)
def test_a_period_at_the_calendars_ends_reads_as_the_usual_one(dx_client, edge):
    """Days that exist but leave no room for a period's arithmetic (weeks on, local midnight in
    UTC) are read like a date that is not one: the page's usual period."""
    coverage = reverse("volunteers:coverage")
    usual = dx_client.get(coverage).context
    for params in ({"from": edge}, {"until": edge}, {"from": edge, "until": edge}):
        page = dx_client.get(coverage, params)
        assert page.status_code == 200
        assert (page.context["first"], page.context["last"]) == (usual["first"], usual["last"])
    hours = reverse("volunteers:hours_csv")
    assert dx_client.get(hours, {"from": edge, "until": edge}).status_code == 200
    exported = dx_client.post(hours, {"from": edge, "until": edge, "purpose": "地域ポイント"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
