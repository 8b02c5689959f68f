"""KPI metrics against data built by hand, with the answers worked out in the comments."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attendance.models import CheckIn
from classes.models import Booking, Category, SessionStatus
from reports.fiscal import fiscal_year_range_utc
from reports.metrics import (
    ALL,
    MetricFilter,
    indicator_progress,
    metric_breakdown,
    metric_value,
    plan_dashboard,
)
from reports.models import Indicator, Metric, Plan, Target
from tests.factories import tokyo

UTC = datetime.UTC
FY2024 = fiscal_year_range_utc(2024)
FY2025 = fiscal_year_range_utc(2025)
BOTH = (FY2024[0], FY2025[1])
SMARTPHONE = MetricFilter(categories=("smartphone_intro",))


def attend(resident, session, at, **extra):
    booking = Booking.objects.create(session=session, resident=resident, status="attended")
    return CheckIn.objects.create(
        result="ok",
        channel="manual",
        at=at,
        session=session,
        resident=resident,
        booking=booking,
        **extra,
    )


@pytest.fixture
def world(db, make):
    """Three residents, five sessions over FY2024 and FY2025 (see the table in each test)."""
    w = type("World", (), {})()
    w.partner = make.partner()
    w.venue_a, w.venue_b = make.venue(), make.venue()
    w.smart = make.course(category=Category.SMARTPHONE_INTRO, partner=w.partner)
    w.prog = make.course(category=Category.PROGRAMMING)
    w.r1 = make.resident(gender="female", birth_year=1950, district="本町")
    w.r2 = make.resident(gender="male", birth_year=1980, district="日知屋")
    w.r3 = make.resident(gender="female", birth_year=None, district="本町")

    def session(course, venue, when, status=SessionStatus.HELD):
        return make.session(course=course, venue=venue, starts_at=when, status=status)

    w.s4 = session(w.smart, w.venue_b, tokyo(2024, 11, 1, 10))  # FY2024
    w.s1 = session(w.smart, w.venue_a, tokyo(2025, 5, 10, 10))
    w.s2 = session(w.smart, w.venue_a, tokyo(2025, 6, 14, 10))
    w.s3 = session(w.prog, w.venue_b, tokyo(2025, 6, 20, 10))
    w.s5 = session(w.smart, w.venue_a, tokyo(2025, 7, 1, 10), SessionStatus.CANCELLED)

    attend(w.r1, w.s4, tokyo(2024, 11, 1, 10, 5))
    attend(w.r1, w.s1, tokyo(2025, 5, 10, 10, 5))
    attend(w.r1, w.s2, tokyo(2025, 6, 14, 10, 5))
    attend(w.r2, w.s1, tokyo(2025, 5, 10, 10, 6))
    attend(w.r2, w.s3, tokyo(2025, 6, 20, 10, 6))
    attend(w.r3, w.s3, tokyo(2025, 6, 20, 10, 7))
    # Noise that must not count: an undone check-in and a refused scan.
    undone = Booking.objects.create(session=w.s2, resident=w.r2, status="booked")
    CheckIn.objects.create(
        result="ok",
        channel="camera",
        at=tokyo(2025, 6, 14, 10, 9),
        session=w.s2,
        resident=w.r2,
        booking=undone,
        undone_at=tokyo(2025, 6, 14, 10, 10),
    )
    CheckIn.objects.create(
        result="already_checked_in",
        channel="camera",
        at=tokyo(2025, 5, 10, 10, 8),
        session=w.s1,
        resident=w.r1,
    )
    Booking.objects.create(session=w.s2, resident=w.r3, status="no_show")
    Booking.objects.create(
        session=w.s1, resident=w.r3, status="cancelled", cancel_reason="by_resident"
    )
    return w


def value(metric, period=FY2025, flt=ALL):
    return metric_value(metric, start=period[0], end=period[1], filter=flt)


def test_attendances_and_uniques_per_year_and_cumulative(world):
    # FY2025: r1×2, r2×2, r3×1 = 5 attendances of 3 people; FY2024: r1 once.
    assert value(Metric.ATTENDANCES) == 5
    assert value(Metric.UNIQUE_PARTICIPANTS) == 3
    assert value(Metric.ATTENDANCES, FY2024) == 1
    assert value(Metric.UNIQUE_PARTICIPANTS, FY2024) == 1
    # r1 came in both years: once in the span, not 1 + 3.
    assert value(Metric.CUMULATIVE_UNIQUE, BOTH) == 3
    assert value(Metric.ATTENDANCES, BOTH) == 6


def test_undone_and_refused_checkins_do_not_count(world):
    CheckIn.objects.filter(undone_at__isnull=True, result="ok").update(undone_at=tokyo(2025, 7, 1))
    assert value(Metric.ATTENDANCES, BOTH) == 0
    assert value(Metric.UNIQUE_PARTICIPANTS, BOTH) == 0


def test_new_participants_count_first_attendance_ever(world):
    # r1 first came in FY2024; r2 and r3 are new in FY2025.
    assert value(Metric.NEW_PARTICIPANTS, FY2024) == 1
    assert value(Metric.NEW_PARTICIPANTS) == 2
    assert value(Metric.NEW_PARTICIPANTS, BOTH) == 3


def test_sessions_held_leaves_out_cancelled_and_scheduled(world, make):
    make.session(course=world.smart, starts_at=tokyo(2025, 8, 1, 10))  # still scheduled
    assert value(Metric.SESSIONS_HELD) == 3
    assert value(Metric.SESSIONS_HELD, FY2024) == 1


def test_bookings_no_show_rate_and_seats_filled(world):
    # Seat-holding bookings in FY2025: s1 r1 r2, s2 r1 r2(booked) r3(no-show), s3 r2 r3 = 7.
    assert value(Metric.BOOKINGS) == 7
    # 1 no-show / (5 attended + 1 no-show).
    assert value(Metric.NO_SHOW_RATE) == Decimal("16.7")
    # 7 seats of 3 held sessions × 10; the cancelled s5 is not counted.
    assert value(Metric.SEATS_FILLED) == Decimal("23.3")
    assert value(Metric.NO_SHOW_RATE, (FY2025[1], FY2025[1] + datetime.timedelta(days=1))) is None


def test_filters_by_category_venue_and_partner(world):
    assert value(Metric.ATTENDANCES, flt=SMARTPHONE) == 3
    assert value(Metric.UNIQUE_PARTICIPANTS, flt=SMARTPHONE) == 2
    programming = MetricFilter(categories=("programming",))
    assert value(Metric.ATTENDANCES, flt=programming) == 2
    assert value(Metric.ATTENDANCES, flt=MetricFilter(venue_ids=(world.venue_a.pk,))) == 3
    assert value(Metric.SESSIONS_HELD, flt=MetricFilter(venue_ids=(world.venue_b.pk,))) == 1
    by_partner = MetricFilter(partner_ids=(world.partner.pk,))
    assert value(Metric.ATTENDANCES, BOTH, by_partner) == 4
    assert value(Metric.CUMULATIVE_UNIQUE, BOTH, by_partner) == 2


def test_fiscal_year_midnight_edges(db, make):
    late = make.session(starts_at=tokyo(2026, 3, 31, 22), status=SessionStatus.HELD)
    early = make.session(starts_at=tokyo(2026, 4, 1, 0, 5), status=SessionStatus.HELD)
    resident = make.resident()
    # 31 March 23:30 JST = 14:30 UTC; 1 April 00:10 JST = 31 March 15:10 UTC.
    attend(resident, late, datetime.datetime(2026, 3, 31, 14, 30, tzinfo=UTC))
    attend(resident, early, datetime.datetime(2026, 3, 31, 15, 10, tzinfo=UTC))
    fy2026 = fiscal_year_range_utc(2026)
    assert value(Metric.ATTENDANCES, FY2025) == 1
    assert value(Metric.ATTENDANCES, fy2026) == 1
    assert value(Metric.SESSIONS_HELD, FY2025) == 1
    assert value(Metric.SESSIONS_HELD, fy2026) == 1
    by_fy = metric_breakdown(Metric.ATTENDANCES, start=FY2025[0], end=fy2026[1], by="fiscal_year")
    assert by_fy == [(2025, 1), (2026, 1)]
    by_month = metric_breakdown(Metric.ATTENDANCES, start=FY2025[0], end=fy2026[1], by="month")
    assert by_month == [(datetime.date(2026, 3, 1), 1), (datetime.date(2026, 4, 1), 1)]


def breakdown(metric, by, period=FY2025, flt=ALL):
    return metric_breakdown(metric, start=period[0], end=period[1], filter=flt, by=by)


def test_breakdown_by_month(world):
    may, june = datetime.date(2025, 5, 1), datetime.date(2025, 6, 1)
    assert breakdown(Metric.ATTENDANCES, "month") == [(may, 2), (june, 3)]
    assert breakdown(Metric.UNIQUE_PARTICIPANTS, "month") == [(may, 2), (june, 3)]
    # Running total since FY2024: r1 in November, r2 in May, r3 in June.
    assert breakdown(Metric.CUMULATIVE_UNIQUE, "month", BOTH) == [
        (datetime.date(2024, 11, 1), 1),
        (may, 2),
        (june, 3),
    ]
    assert breakdown(Metric.CUMULATIVE_UNIQUE, "fiscal_year", BOTH) == [(2024, 1), (2025, 3)]
    assert breakdown(Metric.SESSIONS_HELD, "month") == [(may, 1), (june, 2)]


def test_breakdown_by_age_band_and_gender(world):
    # Ages at the end of FY2025 (year 2026): r1 76 → 70+, r2 46 → 40s, r3 unknown.
    assert dict(breakdown(Metric.ATTENDANCES, "age_band")) == {70: 2, 40: 2, None: 1}
    assert dict(breakdown(Metric.UNIQUE_PARTICIPANTS, "age_band")) == {70: 1, 40: 1, None: 1}
    assert dict(breakdown(Metric.ATTENDANCES, "gender")) == {"female": 3, "male": 2}
    assert dict(breakdown(Metric.UNIQUE_PARTICIPANTS, "district")) == {"本町": 2, "日知屋": 1}
    assert dict(breakdown(Metric.NO_SHOW_RATE, "gender")) == {
        "female": Decimal("25.0"),
        "male": Decimal("0.0"),
    }


def test_breakdown_by_venue_category_partner(world):
    assert dict(breakdown(Metric.ATTENDANCES, "venue")) == {
        world.venue_a.pk: 3,
        world.venue_b.pk: 2,
    }
    assert dict(breakdown(Metric.UNIQUE_PARTICIPANTS, "category")) == {
        "smartphone_intro": 2,
        "programming": 2,
    }
    assert dict(breakdown(Metric.ATTENDANCES, "partner")) == {world.partner.pk: 3, None: 2}
    assert dict(breakdown(Metric.SEATS_FILLED, "venue")) == {
        world.venue_a.pk: Decimal("25.0"),
        world.venue_b.pk: Decimal("20.0"),
    }


def test_person_breakdown_of_a_session_metric_is_refused(world):
    with pytest.raises(ValueError):
        breakdown(Metric.SESSIONS_HELD, "gender")
    with pytest.raises(ValueError):
        breakdown(Metric.ATTENDANCES, "weekday")


def test_each_breakdown_is_one_query(world, django_assert_num_queries):
    for by in ("fiscal_year", "month", "venue", "category", "age_band", "smartphone"):
        with django_assert_num_queries(1):
            breakdown(Metric.UNIQUE_PARTICIPANTS, by)
    with django_assert_num_queries(1):
        breakdown(Metric.CUMULATIVE_UNIQUE, "month", BOTH)


def hyuga_plan(world, today_value=900):
    plan = Plan.objects.create(
        name="日向市DX推進計画",
        municipality="日向市",
        municipality_code="452068",
        start_fy=2021,
        end_fy=2025,
    )
    smartphone = Indicator.objects.create(
        plan=plan,
        name="スマホ教室受講者（累計）",
        metric=Metric.CUMULATIVE_UNIQUE,
        categories=["smartphone_intro", "smartphone_basic", "smartphone_advanced"],
        order=1,
    )
    Target.objects.create(
        indicator=smartphone,
        value=today_value,
        target_date=datetime.date(2026, 3, 31),
        baseline_value=0,
        baseline_date=datetime.date(2021, 4, 1),
    )
    return plan, smartphone


def test_hyuga_target_pace_and_behind(world):
    _plan, indicator = hyuga_plan(world)
    progress = indicator_progress(indicator, today=datetime.date(2025, 6, 30))
    # r1 (FY2024 and FY2025) and r2 took smartphone classes: 2 people.
    assert progress.actual == 2
    # 1551 of 1825 days from 2021-04-01 to 2026-03-31 have passed: 900 × 1551 / 1825.
    assert progress.pace == Decimal(900) * 1551 / 1825
    assert round(progress.pace, 2) == Decimal("764.88")
    assert progress.progress == Decimal("0.2")
    assert progress.on_track is False


def test_on_track_when_actual_reaches_pace(world):
    _plan, indicator = hyuga_plan(world, today_value=2)
    progress = indicator_progress(indicator, today=datetime.date(2025, 6, 30))
    assert round(progress.pace, 3) == Decimal("1.700")
    assert progress.progress == Decimal("100.0")
    assert progress.on_track is True
    # Before the baseline date the pace is the baseline; after the target date, the target.
    assert indicator_progress(indicator, today=datetime.date(2021, 3, 1)).pace == 0
    assert indicator_progress(indicator, today=datetime.date(2027, 1, 1)).pace == 2


def test_indicator_without_target(world):
    plan, _ = hyuga_plan(world)
    bare = Indicator.objects.create(plan=plan, name="開催回数", metric=Metric.SESSIONS_HELD)
    progress = indicator_progress(bare, today=datetime.date(2025, 6, 30))
    assert progress.actual == 4
    assert progress.target is None and progress.on_track is None


def test_dashboard_queries_do_not_grow_with_data(world, make, django_assert_num_queries):
    plan, _ = hyuga_plan(world)
    held = Indicator.objects.create(plan=plan, name="開催回数", metric=Metric.SESSIONS_HELD)
    held.venues.add(world.venue_a)
    visits = Indicator.objects.create(plan=plan, name="延べ参加者数", metric=Metric.ATTENDANCES)
    visits.partners.add(world.partner)
    today = datetime.date(2025, 6, 30)
    # Ordered by `order`: 開催回数 at venue A (s1, s2), 延べ参加者数 of the partner's smartphone
    # classes (r1 ×3, r2 ×1), then the Hyuga indicator (r1, r2).
    # The plan's indicators, their venues, partners, topics and targets, then one per indicator.
    with django_assert_num_queries(8):
        first = plan_dashboard(plan, today=today)
    assert [p.actual for p in first] == [2, 4, 2]
    for n in range(10):
        session = make.session(
            course=world.smart,
            venue=world.venue_a,
            starts_at=tokyo(2025, 6, 1 + n, 10),
            status=SessionStatus.HELD,
        )
        attend(make.resident(), session, tokyo(2025, 6, 1 + n, 10, 5))
    with django_assert_num_queries(8):
        again = plan_dashboard(plan, today=today)
    assert [p.actual for p in again] == [12, 14, 12]


def test_plan_and_target_constraints(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(name="x", municipality="x", start_fy=2025, end_fy=2024)
    _plan, indicator = hyuga_plan(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            indicator=indicator,
            value=1,
            target_date=datetime.date(2021, 4, 1),
            baseline_date=datetime.date(2021, 4, 1),
        )


def test_indicator_categories_are_validated(world):
    plan, indicator = hyuga_plan(world)
    indicator.categories = ["smartphone_intro", "karaoke"]
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert "categories" in error.value.message_dict
