"""Planning services: series dates, series, regeneration, consultation days, single sessions."""

import datetime

import pytest
from django.utils import timezone

from classes.booking import booking_create
from classes.models import (
    BookingStatus,
    Category,
    Series,
    SeriesException,
    Session,
    SessionStatus,
)
from classes.scheduling import (
    ScheduleError,
    consultation_day_create,
    series_calendar,
    series_create,
    series_dates,
    series_exception_delete,
    series_exception_set,
    series_regenerate,
    session_create,
)
from tests.factories import session_edit, tokyo

D = datetime.date
T = datetime.time
WEEKLY, BIWEEKLY, MONTHLY = (
    Series.Frequency.WEEKLY,
    Series.Frequency.BIWEEKLY,
    Series.Frequency.MONTHLY_NTH,
)
MON, TUE, WED, FRI, SAT = 0, 1, 2, 4, 5
SKIP, ADD = SeriesException.Action.SKIP, SeriesException.Action.ADD


def dates(frequency, weekday, start, end, *, nth=None, holidays=True, exceptions=()):
    return series_dates(
        frequency=frequency,
        weekday=weekday,
        nth_week=nth,
        start_date=start,
        end_date=end,
        skip_holidays=holidays,
        exceptions=exceptions,
    )


# --- series_dates: a pure function checked against the real 2025-2026 calendar ----------------


def test_weekly_takes_every_matching_weekday_in_the_range():
    assert dates(WEEKLY, TUE, D(2025, 11, 1), D(2025, 11, 30)) == [
        D(2025, 11, 4),
        D(2025, 11, 11),
        D(2025, 11, 18),
        D(2025, 11, 25),
    ]


def test_weekly_includes_both_ends_of_the_range():
    assert dates(WEEKLY, TUE, D(2025, 11, 4), D(2025, 11, 18)) == [
        D(2025, 11, 4),
        D(2025, 11, 11),
        D(2025, 11, 18),
    ]


def test_public_holidays_and_substitute_holidays_are_skipped():
    # 3 Nov 文化の日; 24 Nov 振替休日 (勤労感謝の日 fell on a Sunday).
    assert dates(WEEKLY, MON, D(2025, 11, 1), D(2025, 11, 30)) == [D(2025, 11, 10), D(2025, 11, 17)]


def test_holidays_are_kept_when_skipping_is_off():
    assert len(dates(WEEKLY, MON, D(2025, 11, 1), D(2025, 11, 30), holidays=False)) == 4


def test_new_year_closure_is_skipped_even_on_ordinary_days():
    # 29 Dec 2025 is an ordinary Monday, closed for 年末年始; 12 Jan 2026 is 成人の日.
    assert dates(WEEKLY, MON, D(2025, 12, 22), D(2026, 1, 19)) == [
        D(2025, 12, 22),
        D(2026, 1, 5),
        D(2026, 1, 19),
    ]


def test_new_year_closure_runs_from_29_december_to_3_january():
    everyday = []
    for weekday in range(7):
        everyday += dates(WEEKLY, weekday, D(2025, 12, 27), D(2026, 1, 5))
    assert sorted(everyday) == [D(2025, 12, 27), D(2025, 12, 28), D(2026, 1, 4), D(2026, 1, 5)]


def test_every_other_week_counts_from_the_first_matching_date():
    # 1 Nov 2025 is a Saturday: the first Wednesday is 5 Nov. 31 Dec is New Year, still counted.
    assert dates(BIWEEKLY, WED, D(2025, 11, 1), D(2026, 1, 20)) == [
        D(2025, 11, 5),
        D(2025, 11, 19),
        D(2025, 12, 3),
        D(2025, 12, 17),
        D(2026, 1, 14),
    ]


def test_monthly_nth_weekday_skips_a_holiday():
    # Second Monday: 12 Jan 2026 is 成人の日.
    assert dates(MONTHLY, MON, D(2026, 1, 1), D(2026, 3, 31), nth=2) == [
        D(2026, 2, 9),
        D(2026, 3, 9),
    ]


def test_monthly_fifth_weekday_skips_months_without_one():
    # Fifth Saturday: November 2025 and January 2026 have one, December 2025 does not.
    assert dates(MONTHLY, SAT, D(2025, 11, 1), D(2026, 1, 31), nth=5) == [
        D(2025, 11, 29),
        D(2026, 1, 31),
    ]


def test_monthly_dates_outside_the_range_are_left_out():
    # First Tuesday of November 2025 is the 4th, before the start.
    assert dates(MONTHLY, TUE, D(2025, 11, 5), D(2025, 12, 31), nth=1) == [D(2025, 12, 2)]


def test_exceptions_remove_and_add_dates():
    result = dates(
        WEEKLY,
        TUE,
        D(2025, 11, 1),
        D(2025, 11, 30),
        exceptions=[(D(2025, 11, 18), SKIP), (D(2025, 11, 20), ADD), (D(2025, 11, 24), ADD)],
    )
    # An added date is held even on a holiday: staff asked for it.
    assert result == [
        D(2025, 11, 4),
        D(2025, 11, 11),
        D(2025, 11, 20),
        D(2025, 11, 24),
        D(2025, 11, 25),
    ]


def test_calendar_names_the_holiday_and_the_new_year():
    calendar = series_calendar(
        frequency=WEEKLY,
        weekday=MON,
        nth_week=None,
        start_date=D(2025, 11, 17),
        end_date=D(2025, 12, 29),
        skip_holidays=True,
    )
    reasons = {planned.date: planned.skip_reason for planned in calendar}
    assert "振替休日" in reasons[D(2025, 11, 24)]
    assert reasons[D(2025, 11, 17)] == ""
    assert reasons[D(2025, 12, 29)]
    assert [p.date for p in calendar if p.held] == [
        D(2025, 11, 17),
        D(2025, 12, 1),
        D(2025, 12, 8),
        D(2025, 12, 15),
        D(2025, 12, 22),
    ]


# --- series_create -------------------------------------------------------------------------


def make_series(make, user, **overrides):
    values = {
        "title": "スマホ教室 3回コース",
        "venue": overrides.pop("venue", None) or make.venue(),
        "courses": overrides.pop("courses", None) or [make.course()],
        "frequency": WEEKLY,
        "weekday": TUE,
        "nth_week": None,
        "start_date": D(2025, 11, 1),
        "end_date": D(2025, 12, 5),
        "start_time": T(10, 0),
        "end_time": T(11, 30),
        "capacity": 12,
        "book_as_whole": False,
        "skip_holidays": True,
        "user": user,
    }
    values.update(overrides)
    return series_create(**values)


def test_series_create_cycles_through_the_parts_in_order(make, dx_user):
    intro = make.course(title="入門")
    basic = make.course(title="基礎", category=Category.SMARTPHONE_BASIC)
    advanced = make.course(title="応用", category=Category.SMARTPHONE_ADVANCED)
    series = make_series(make, dx_user, courses=[intro, basic, advanced], book_as_whole=True)

    sessions = list(series.sessions.order_by("starts_at").select_related("course"))
    # Tuesdays 4, 11, 18, 25 Nov and 2 Dec.
    assert [s.course.title for s in sessions] == ["入門", "基礎", "応用", "入門", "基礎"]
    assert [p.course_id for p in series.parts.all()] == [intro.pk, basic.pk, advanced.pk]
    assert series.book_as_whole and series.created_by == dx_user
    assert all(s.capacity == 12 and s.venue_id == series.venue_id for s in sessions)


def test_series_sessions_are_tokyo_wall_clock_stored_in_utc(make, dx_user):
    series = make_series(make, dx_user)
    first = series.sessions.order_by("starts_at").first()
    first.refresh_from_db()
    assert first.starts_at == datetime.datetime(2025, 11, 4, 1, 0, tzinfo=datetime.UTC)
    assert first.ends_at == datetime.datetime(2025, 11, 4, 2, 30, tzinfo=datetime.UTC)
    assert timezone.localtime(first.starts_at).hour == 10


def test_series_create_refuses_a_rule_without_any_date(make, dx_user):
    # The only Monday in range is 24 Nov 2025, a substitute holiday.
    with pytest.raises(ScheduleError) as error:
        make_series(
            make, dx_user, weekday=MON, start_date=D(2025, 11, 24), end_date=D(2025, 11, 24)
        )
    assert error.value.message
    assert not Series.objects.exists()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"end_time": T(9, 0)}, "end_time"),
        ({"end_date": D(2025, 10, 1)}, "end_date"),
        ({"frequency": MONTHLY, "nth_week": None}, "nth_week"),
        ({"courses": [None]}, "courses"),
        ({"capacity": 0}, "capacity"),
        ({"end_date": D(2028, 1, 1)}, "end_date"),
    ],
)
def test_series_create_refuses_bad_rules_and_saves_nothing(make, dx_user, overrides, field):
    with pytest.raises(ScheduleError) as error:
        make_series(make, dx_user, **overrides)
    assert error.value.field == field
    assert not Session.objects.exists()


# --- exceptions and regeneration -------------------------------------------------------------


def future_series(make, user, **overrides):
    """Tuesdays in April 2030: 2, 9, 16, 23, 30 (no holidays)."""
    values = {"start_date": D(2030, 4, 1), "end_date": D(2030, 4, 30)}
    values.update(overrides)
    return make_series(make, user, **values)


def local_dates(series):
    return [timezone.localdate(s.starts_at) for s in series.sessions.order_by("starts_at")]


def test_skip_exception_removes_an_unbooked_session(make, dx_user):
    series = future_series(make, dx_user)
    result = series_exception_set(
        series_id=series.pk, date=D(2030, 4, 9), action=SKIP, note="会場点検", user=dx_user
    )
    assert result.deleted == 1 and result.created == [] and result.kept_booked == []
    assert D(2030, 4, 9) not in local_dates(series)
    assert series.exceptions.get().note == "会場点検"


def test_regenerate_never_deletes_a_booked_session_and_reports_it(make, dx_user, desk_user):
    series = future_series(make, dx_user)
    booked = series.sessions.get(starts_at=tokyo(2030, 4, 16, 10))
    booking_create(session_id=booked.pk, resident_id=make.resident().pk, user=desk_user)

    result = series_exception_set(
        series_id=series.pk, date=D(2030, 4, 16), action=SKIP, note="", user=dx_user
    )
    assert result.deleted == 0
    assert [s.pk for s in result.kept_booked] == [booked.pk]
    assert Session.objects.filter(pk=booked.pk).exists()
    # Running it again changes nothing and still reports the session to cancel.
    again = series_regenerate(series_id=series.pk, user=dx_user)
    assert (again.deleted, again.created, [s.pk for s in again.kept_booked]) == (0, [], [booked.pk])


def test_add_exception_creates_the_extra_session_with_the_series_times(make, dx_user):
    series = future_series(make, dx_user)
    result = series_exception_set(
        series_id=series.pk, date=D(2030, 4, 18), action=ADD, note="補講", user=dx_user
    )
    assert len(result.created) == 1
    extra = series.sessions.get(starts_at=tokyo(2030, 4, 18, 10))
    assert extra.ends_at == tokyo(2030, 4, 18, 11, 30)


def test_removing_an_exception_brings_the_date_back(make, dx_user):
    series = future_series(make, dx_user)
    series_exception_set(series_id=series.pk, date=D(2030, 4, 9), action=SKIP, user=dx_user)
    result = series_exception_delete(series_id=series.pk, date=D(2030, 4, 9), user=dx_user)
    assert len(result.created) == 1
    assert local_dates(series) == [D(2030, 4, d) for d in (2, 9, 16, 23, 30)]


def test_regenerate_recreates_missing_future_sessions_only(make, dx_user):
    series = future_series(make, dx_user)
    series.sessions.filter(starts_at__lt=tokyo(2030, 4, 10)).delete()
    result = series_regenerate(series_id=series.pk, user=dx_user)
    assert len(result.created) == 2
    assert local_dates(series) == [D(2030, 4, d) for d in (2, 9, 16, 23, 30)]


def test_regenerate_leaves_past_sessions_alone(make, dx_user):
    today = timezone.localdate()
    series = make_series(
        make,
        dx_user,
        weekday=today.weekday(),
        start_date=today - datetime.timedelta(days=21),
        end_date=today + datetime.timedelta(days=21),
        skip_holidays=False,
    )
    past_day = today - datetime.timedelta(days=14)
    SeriesException.objects.create(series=series, date=past_day, action=SKIP)
    result = series_regenerate(series_id=series.pk, user=dx_user)
    assert result.deleted == 0
    assert past_day in local_dates(series)


def test_past_dates_cannot_be_changed(make, dx_user):
    today = timezone.localdate()
    series = make_series(
        make,
        dx_user,
        weekday=today.weekday(),
        start_date=today - datetime.timedelta(days=14),
        end_date=today + datetime.timedelta(days=14),
        skip_holidays=False,
    )
    with pytest.raises(ScheduleError) as error:
        series_exception_set(
            series_id=series.pk,
            date=today - datetime.timedelta(days=7),
            action=SKIP,
            user=dx_user,
        )
    assert error.value.field == "date"
    assert not series.exceptions.exists()


@pytest.mark.parametrize(
    "day, action",
    [(D(2030, 4, 10), SKIP), (D(2030, 4, 16), ADD)],
    ids=["skip-off-rule", "add-on-rule"],
)
def test_exception_must_change_something(make, dx_user, day, action):
    series = future_series(make, dx_user)
    with pytest.raises(ScheduleError) as error:
        series_exception_set(series_id=series.pk, date=day, action=action, user=dx_user)
    assert error.value.field == "date"
    assert not series.exceptions.exists()


# --- consultation days -----------------------------------------------------------------------


def consultation_course(make):
    return make.course(title="デジタル相談会", category=Category.CONSULTATION)


def test_consultation_day_is_cut_into_slots_of_desks_seats(make, dx_user):
    day = consultation_day_create(
        course=consultation_course(make),
        venue=make.venue(),
        date=D(2030, 5, 14),
        start_time=T(13, 0),
        end_time=T(14, 50),
        slot_minutes=30,
        desks=3,
        user=dx_user,
    )
    slots = list(day.slots.order_by("starts_at"))
    # 13:00, 13:30, 14:00; a fourth slot (14:30-15:00) would not fit before 14:50.
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots] == [
        "13:00",
        "13:30",
        "14:00",
    ]
    assert all(s.capacity == 3 for s in slots)
    assert timezone.localtime(slots[-1].ends_at).strftime("%H:%M") == "14:30"


def test_consultation_day_needs_a_consultation_course(make, dx_user):
    with pytest.raises(ScheduleError) as error:
        consultation_day_create(
            course=make.course(),
            venue=make.venue(),
            date=D(2030, 5, 14),
            start_time=T(13, 0),
            end_time=T(15, 0),
            slot_minutes=30,
            desks=2,
            user=dx_user,
        )
    assert error.value.field == "course"
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "start, end, minutes, field",
    [(T(15, 0), T(13, 0), 30, "end_time"), (T(13, 0), T(13, 20), 30, "slot_minutes")],
)
def test_consultation_day_refuses_times_that_give_no_slot(
    make, dx_user, start, end, minutes, field
):
    with pytest.raises(ScheduleError) as error:
        consultation_day_create(
            course=consultation_course(make),
            venue=make.venue(),
            date=D(2030, 5, 14),
            start_time=start,
            end_time=end,
            slot_minutes=minutes,
            desks=2,
            user=dx_user,
        )
    assert error.value.field == field


# --- single sessions -------------------------------------------------------------------------


def test_session_create_defaults_capacity_to_the_course(make, dx_user):
    course = make.course(default_capacity=8)
    session = session_create(
        course=course,
        venue=make.venue(),
        starts_at=tokyo(2030, 6, 3, 10),
        ends_at=tokyo(2030, 6, 3, 12),
        capacity=None,
        notes=" 持ち物：スマホ ",
        user=dx_user,
    )
    assert session.capacity == 8 and session.notes == "持ち物：スマホ"


@pytest.mark.parametrize(
    "starts_at, ends_at",
    [
        (tokyo(2030, 6, 3, 10), tokyo(2030, 6, 3, 9)),
        (tokyo(2030, 6, 3, 22), tokyo(2030, 6, 4, 1)),
    ],
    ids=["end-before-start", "over-midnight"],
)
def test_session_create_refuses_bad_times(make, dx_user, starts_at, ends_at):
    with pytest.raises(ScheduleError) as error:
        session_create(
            course=make.course(),
            venue=make.venue(),
            starts_at=starts_at,
            ends_at=ends_at,
            user=dx_user,
        )
    assert error.value.field == "end_time"


def test_capacity_cannot_drop_below_seats_taken(make, dx_user, desk_user):
    session = make.session(capacity=5)
    for _ in range(3):
        booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    with pytest.raises(ScheduleError) as error:
        session_edit(session, dx_user, capacity=2)
    assert error.value.field == "capacity" and "3" in error.value.message
    session.refresh_from_db()
    assert session.capacity == 5
    assert session_edit(session, dx_user, capacity=3).capacity == 3


def test_more_capacity_offers_the_new_seat_to_the_waitlist(make, dx_user, desk_user):
    session = make.session(capacity=1)
    booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    waiting = booking_create(session_id=session.pk, resident_id=make.resident().pk, user=desk_user)
    assert waiting.booking.status == BookingStatus.WAITLISTED

    updated = session_edit(session, dx_user, capacity=2)
    waiting.booking.refresh_from_db()
    assert waiting.booking.status == BookingStatus.OFFERED
    assert [b.pk for b in updated.offered] == [waiting.booking.pk]


def test_a_cancelled_session_cannot_be_edited(make, dx_user):
    session = make.session(status=SessionStatus.CANCELLED)
    with pytest.raises(ScheduleError):
        session_edit(session, dx_user, notes="変更")
    session.refresh_from_db()
    assert session.notes == ""


def test_session_update_moves_the_session(make, dx_user):
    session = make.session()
    other_venue = make.venue()
    session_edit(
        session,
        dx_user,
        venue=other_venue,
        starts_at=tokyo(2030, 7, 1, 13),
        ends_at=tokyo(2030, 7, 1, 15),
    )
    session.refresh_from_db()
    assert session.venue == other_venue and session.starts_at == tokyo(2030, 7, 1, 13)
