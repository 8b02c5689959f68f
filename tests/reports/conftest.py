"""A small plan with hand-countable attendances around the fiscal-year edges (Tokyo time).

Plan FY2024–FY2026, one smartphone course (partner P) at venue A, one programming course at
venue B. Check-ins (all ok unless said):
  r1 (1950, female)  2024-11-01 10:05            FY2024 November
  r4 (1948, male)    2025-03-31 23:30 JST        FY2024 March (14:30 UTC the same day)
  r5 (1960, female)  2025-04-01 00:10 JST        FY2025 April (15:10 UTC on 31 March)
  r1, r2 (1980, -)   2025-05-10                  May: r2 new, r1 again
  r1, r2, r3 (none)  2025-06-14                  June: r3 new
  r6                 2025-07-01, undone          never counts
Cumulative unique at the end of each FY2025 month: Apr 3, May 4, Jun 5, then 5.
Attendances since the plan began: Apr 3, May 5, Jun 8, then 8.
"""

import datetime

import pytest

from attendance.models import CheckIn
from classes.models import Booking, Category, SessionStatus
from reports.models import Indicator, Metric, Plan, Target
from tests.factories import tokyo


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
def kpi(db, make):
    w = type("KPI", (), {})()
    w.partner = make.partner(name="ドコモショップ日向")
    w.venue_a = make.venue(name="日向市中央公民館")
    w.venue_b = make.venue(name="大王谷コミュニティセンター")
    w.smart = make.course(category=Category.SMARTPHONE_INTRO, partner=w.partner)
    w.prog = make.course(category=Category.PROGRAMMING)
    w.r1 = make.resident(birth_year=1950, gender="female")
    w.r2 = make.resident(birth_year=1980, gender="")
    w.r3 = make.resident(birth_year=None, gender="")
    w.r4 = make.resident(birth_year=1948, gender="male")
    w.r5 = make.resident(birth_year=1960, gender="female")
    w.r6 = make.resident(birth_year=1955, gender="female")

    def held(course, venue, when):
        return make.session(course=course, venue=venue, starts_at=when, status=SessionStatus.HELD)

    s_nov = held(w.smart, w.venue_a, tokyo(2024, 11, 1, 10))
    s_mar = held(w.smart, w.venue_a, tokyo(2025, 3, 31, 22))
    s_apr = held(w.smart, w.venue_b, tokyo(2025, 4, 1, 0))
    s_may = held(w.smart, w.venue_a, tokyo(2025, 5, 10, 10))
    s_jun = held(w.prog, w.venue_b, tokyo(2025, 6, 14, 10))
    s_jul = held(w.smart, w.venue_a, tokyo(2025, 7, 1, 10))
    attend(w.r1, s_nov, tokyo(2024, 11, 1, 10, 5))
    attend(w.r4, s_mar, tokyo(2025, 3, 31, 23, 30))
    attend(w.r5, s_apr, tokyo(2025, 4, 1, 0, 10))
    attend(w.r1, s_may, tokyo(2025, 5, 10, 10, 5))
    attend(w.r2, s_may, tokyo(2025, 5, 10, 10, 6))
    for r in (w.r1, w.r2, w.r3):
        attend(r, s_jun, tokyo(2025, 6, 14, 10, 5))
    attend(w.r6, s_jul, tokyo(2025, 7, 1, 10, 5), undone_at=tokyo(2025, 7, 1, 10, 6))

    w.plan = Plan.objects.create(
        name="DX推進計画",
        municipality="日向市",
        municipality_code="452068",
        start_fy=2024,
        end_fy=2026,
    )
    w.unique = Indicator.objects.create(
        plan=w.plan, name="スマホ教室受講者（累計）", metric=Metric.CUMULATIVE_UNIQUE, order=0
    )
    w.target = Target.objects.create(
        indicator=w.unique,
        value=10,
        target_date=datetime.date(2026, 3, 31),
        baseline_value=0,
        baseline_date=datetime.date(2025, 3, 31),
    )
    w.attendances = Indicator.objects.create(
        plan=w.plan, name="延べ参加者数", metric=Metric.ATTENDANCES, order=1
    )
    w.sessions = Indicator.objects.create(
        plan=w.plan, name="開催回数", metric=Metric.SESSIONS_HELD, order=2
    )
    return w
