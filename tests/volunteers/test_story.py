"""The issue's "done when", as a new user would try it: sign up, apply, get approved, enter
availability; the DX office runs auto-assign for a month; the volunteer accepts, subscribes to
the feed (parsed with icalendar), checks in and sees the hours; the office exports them."""

import datetime
import re

import icalendar
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.access import Perm, can
from classes.booking import booking_create
from volunteers import tasks
from volunteers.models import Assignment, MatchingRun, ShiftNeed, Volunteer

pytestmark = pytest.mark.django_db


def _session_soon(make):
    """A session starting in ten minutes that stays on one local date (check-in is open)."""
    now = timezone.now()
    start = now + datetime.timedelta(minutes=10)
    if timezone.localdate(start + datetime.timedelta(minutes=70)) != timezone.localdate(start):
        start = now - datetime.timedelta(minutes=75)
    return make.session(starts_at=start, minutes=60)


def test_new_volunteer_from_sign_up_to_hours(
    client, make, dx_user, desk_user, django_capture_on_commit_callbacks
):
    session = _session_soon(make)
    for _ in range(6):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    local_start = timezone.localtime(session.starts_at)

    # 1. Sign up through allauth, then apply.
    response = client.post(
        reverse("account_signup"),
        {
            "email": "kaori@example.jp",
            "username": "kaori",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="kaori")
    assert not can(user, Perm.VOLUNTEER_SELF)
    # The e-mail address is verified (the link in the mail), then she logs in.
    confirm = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    client.post(confirm)
    client.post(reverse("account_login"), {"login": "kaori", "password": "a-long-Passphrase-42"})
    assert client.get(reverse("volunteers:apply")).status_code == 200
    response = client.post(
        reverse("volunteers:apply"),
        {
            "family_name": "甲斐",
            "given_name": "香織",
            "family_name_kana": "かい",
            "given_name_kana": "かおり",
            "phone": "０９０-１２３４-５６７８",
            "email": "kaori@example.jp",
            "district": "財光寺",
            "skills": ["android", "lead"],
            "venues": [session.venue_id],
            "max_shifts_per_month": "4",
        },
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=user)
    assert volunteer.phone == "+819012345678"
    assert volunteer.status == Volunteer.Status.APPLIED

    # 2. The DX office approves.
    office = client.__class__()
    office.force_login(dx_user)
    assert volunteer.full_name in office.get(reverse("volunteers:volunteer_list")).text
    office.post(
        reverse("volunteers:volunteer_approve", args=[volunteer.pk]), {"decision": "approve"}
    )
    user = get_user_model().objects.get(pk=user.pk)
    assert can(user, Perm.VOLUNTEER_SELF)

    # 3. Availability and a qualification.
    response = client.post(
        reverse("volunteers:availability"),
        {
            "action": "window",
            "w-weekday": str(local_start.weekday()),
            "w-start_time": "00:00",
            "w-end_time": "23:59",
        },
    )
    assert response.status_code == 302
    client.post(
        reverse("volunteers:qualifications"),
        {"q-kind": "shienin", "q-issued_on": "2024-04-01", "q-expires_on": ""},
    )
    assert volunteer.windows.count() == 1 and volunteer.qualifications.count() == 1

    # 4. The DX office runs auto-assign for the month (queued as a task, run here directly).
    with django_capture_on_commit_callbacks() as queued:
        response = office.post(
            reverse("volunteers:run_list"),
            {
                "period_start": local_start.date().replace(day=1).isoformat(),
                "period_end": (local_start.date() + datetime.timedelta(days=27)).isoformat(),
            },
        )
    run = MatchingRun.objects.get()
    assert response.status_code == 302 and len(queued) == 1
    progress_url = reverse("volunteers:run_progress", args=[run.pk])
    assert "hx-trigger" in office.get(progress_url).text  # the page polls while it waits
    tasks.run_matching(run.pk, time_limit=2)
    tasks.run_matching(run.pk, time_limit=2)  # a retried task finds the run taken
    assert "hx-trigger" not in office.get(progress_url).text
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DONE
    # Lead 1 + assistants 6/4 → 2: one volunteer fills one place, the others are explained.
    assert ShiftNeed.objects.get(session=session, role="assistant").count == 2
    assert (run.places, run.covered) == (3, 1)
    assert {row["reason"] for row in run.unfilled} == {"all_busy"}
    page = office.get(reverse("volunteers:run_detail", args=[run.pk]))
    assert [(n.role, n.missing) for n in page.context["unfilled"]] == [("assistant", 2)]

    # 5. The volunteer sees the proposal and accepts it.
    shift = Assignment.objects.get(volunteer=volunteer)
    assert shift.need.role == "lead"  # the lead skill is rarer: the lead place comes first
    page = client.get(reverse("volunteers:my_shifts"))
    assert [s.pk for s in page.context["upcoming"]] == [shift.pk]
    client.post(reverse("volunteers:shift_accept", args=[shift.pk]))
    shift.refresh_from_db()
    assert shift.status == Assignment.Status.ACCEPTED
    detail = client.get(reverse("volunteers:shift_detail", args=[shift.pk]))
    assert detail.context["shift"].booked == 6

    # 6. The calendar feed, as a calendar app reads it.
    feed = client.__class__().get(
        reverse("volunteers:calendar_feed", args=[volunteer.calendar_token])
    )
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"assignment-{shift.pk}@tsunagu"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == session.starts_at.replace(microsecond=0)

    # 7. Check in and out; the hours page and the office's CSV count the shift.
    client.post(reverse("volunteers:shift_check_in", args=[shift.pk]))
    client.post(reverse("volunteers:shift_check_out", args=[shift.pk]))
    shift.refresh_from_db()
    assert shift.checked_in_at and shift.checked_out_at
    years = client.get(reverse("volunteers:hours")).context["years"]
    assert [(year, row.shifts) for year, row in years] == [
        (local_start.year if local_start.month >= 4 else local_start.year - 1, 1)
    ]
    csv = office.post(
        reverse("volunteers:hours_csv"),
        {
            "from": "2000-01-01",
            "until": (local_start.date()).isoformat(),
            "purpose": "地域ポイントの付与",
        },
    )
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "甲斐 香織" in text and ",1," in text
