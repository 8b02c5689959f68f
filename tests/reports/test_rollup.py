"""The rollup of the attendance metrics (reports/rollup.py) against the definitions.

After every event of a random sequence (check-ins on time and late, undos, merges, erasures,
sessions moved across a fiscal year's edge or to another venue or course, a venue's
municipality and a course's category changed, an indicator's filter edited) the dashboard read
from the rollup shows what a COUNT(DISTINCT) over the raw check-ins says, written here from the
definitions in DESIGN.md, for every month of every fiscal year of the plan.
"""

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.checkin import checkin_undo
from attendance.closing import sessions_close_ended
from attendance.models import CheckIn
from classes.models import Booking, Category, Session, SessionStatus
from privacy.services import resident_erase
from reports import rollup
from reports.fiscal import fiscal_year_range_utc, tokyo_midnight_utc
from reports.models import Indicator, Metric, Plan, RollupDay
from reports.queries import dashboard, fiscal_months
from residents.services import ResidentError, resident_merge
from tests.factories import tokyo

pytestmark = pytest.mark.django_db

HYUGA, NOBEOKA = "452068", "452033"
TODAY = datetime.date(2026, 3, 31)


def _definitional(indicator, *, since, through, distinct):
    """Check-ins that count (ok, not undone, of a resident) of sessions matching the
    indicator, starting from `since` (a date) to the end of `through`: residents or rows."""
    rows = CheckIn.objects.filter(
        result="ok",
        undone_at__isnull=True,
        resident__isnull=False,
        session__starts_at__gte=tokyo_midnight_utc(since),
        session__starts_at__lt=tokyo_midnight_utc(through + datetime.timedelta(days=1)),
        session__venue__municipality_code=indicator.plan.municipality_code,
    )
    if indicator.categories:
        rows = rows.filter(session__course__category__in=indicator.categories)
    if distinct:
        return rows.values("resident").distinct().count()
    return rows.count()


def _held(indicator, *, since, through):
    """Sessions held of the indicator's municipality and categories, by their start."""
    rows = Session.objects.filter(
        status=SessionStatus.HELD,
        starts_at__gte=tokyo_midnight_utc(since),
        starts_at__lt=tokyo_midnight_utc(through + datetime.timedelta(days=1)),
        venue__municipality_code=indicator.plan.municipality_code,
    )
    if indicator.categories:
        rows = rows.filter(course__category__in=indicator.categories)
    return rows.count()


def _month_end(first):
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _expected(plan, fy, indicator):
    if indicator.metric == Metric.SESSIONS_HELD:
        count = _held
    else:
        distinct = indicator.metric != Metric.ATTENDANCES

        def count(indicator, *, since, through):
            return _definitional(indicator, since=since, through=through, distinct=distinct)

    plan_start = datetime.date(plan.start_fy, 4, 1)
    as_of = min(datetime.date(fy + 1, 3, 31), TODAY)
    series = [
        count(indicator, since=plan_start, through=_month_end(m)) if m <= as_of else None
        for m in fiscal_months(fy)
    ]
    since_start = count(indicator, since=plan_start, through=as_of)
    in_year = count(indicator, since=datetime.date(fy, 4, 1), through=as_of)
    return since_start, in_year, series


def _assert_rollup_says_what_the_checkins_say(plan):
    assert rollup.rollup_ready()
    for fy in plan.fiscal_years:
        board = dashboard(plan, fy=fy, today=TODAY)
        for row in board.rows:
            assert rollup.is_current(row.indicator), "the dashboard read the rollup"
            got = (row.since_start, row.in_year, [p.actual for p in row.series])
            assert got == _expected(plan, fy, row.indicator), (fy, row.indicator.name)


class World:
    def __init__(self, make, rng):
        self.rng = rng
        self.make = make
        self.venues = [
            make.venue(municipality_code=HYUGA),
            make.venue(municipality_code=HYUGA),
            make.venue(municipality_code=NOBEOKA),
        ]
        self.courses = [
            make.course(category=Category.SMARTPHONE_INTRO),
            make.course(category=Category.SMARTPHONE_BASIC),
            make.course(category=Category.PROGRAMMING),
        ]
        self.residents = [make.resident() for _ in range(8)]
        # Sessions around the edges that break such counts: the fiscal years' first and last
        # days, month ends, a session at 23:30.
        starts = [
            tokyo(2024, 4, 1, 10),
            tokyo(2024, 4, 30, 23, 30),
            tokyo(2024, 9, 15, 10),
            tokyo(2025, 3, 31, 23, 30),
            tokyo(2025, 4, 1, 0, 15),
            tokyo(2025, 5, 31, 14),
            tokyo(2025, 6, 1, 10),
            tokyo(2025, 12, 31, 10),
            tokyo(2026, 1, 1, 10),
            tokyo(2026, 3, 31, 10),
        ]
        # Some held already, the others closed as held by the closing run once attended.
        self.sessions = [
            make.session(
                starts_at=start,
                course=rng.choice(self.courses),
                venue=rng.choice(self.venues),
                status=rng.choice([SessionStatus.HELD, SessionStatus.SCHEDULED]),
            )
            for start in starts
        ]
        self.plan = Plan.objects.create(
            name="計画", municipality="日向市", municipality_code=HYUGA, start_fy=2024, end_fy=2025
        )
        self.indicators = [
            Indicator.objects.create(
                plan=self.plan,
                name="スマホ教室受講者（累計）",
                metric=Metric.CUMULATIVE_UNIQUE,
                categories=[Category.SMARTPHONE_INTRO, Category.SMARTPHONE_BASIC],
            ),
            Indicator.objects.create(
                plan=self.plan, name="実参加者数", metric=Metric.UNIQUE_PARTICIPANTS
            ),
            Indicator.objects.create(
                plan=self.plan, name="延べ参加者数", metric=Metric.ATTENDANCES
            ),
            Indicator.objects.create(
                plan=self.plan,
                name="スマホ教室の開催回数",
                metric=Metric.SESSIONS_HELD,
                categories=[Category.SMARTPHONE_INTRO],
            ),
        ]

    def attend(self):
        booked = set(Booking.objects.values_list("session_id", "resident_id"))
        free = [
            (session, resident)
            for session in self.sessions
            for resident in self.live_residents()
            if (session.pk, resident.pk) not in booked
        ]
        if not free:
            return
        session, resident = self.rng.choice(free)
        booking = Booking.objects.create(session=session, resident=resident, status="attended")
        # Scanned at the session, or typed in days later from the paper roster.
        late = datetime.timedelta(days=self.rng.choice([0, 0, 0, 3]), minutes=5)
        CheckIn.objects.create(
            result="ok",
            channel="manual",
            at=session.starts_at + late,
            session=session,
            resident=resident,
            booking=booking,
        )

    def live_residents(self):
        return [r for r in self.residents if r.merged_into_id is None]

    def close(self):
        # The closing run the day after each session, for every session of the sequence.
        for session in self.sessions:
            sessions_close_ended(now=session.ends_at + datetime.timedelta(days=1))

    def undo(self, user):
        checkins = list(CheckIn.objects.filter(result="ok", undone_at__isnull=True))
        if checkins:
            checkin = self.rng.choice(checkins)
            checkin_undo(
                checkin_id=checkin.pk, user=user, now=checkin.at + datetime.timedelta(minutes=1)
            )

    def merge(self, user):
        live = self.live_residents()
        if len(live) > 2:
            keep, remove = self.rng.sample(live, 2)
            try:
                resident_merge(keep_id=keep.pk, remove_id=remove.pk, user=user)
            except ResidentError:
                return
            for resident in self.residents:
                resident.refresh_from_db()

    def erase(self, user):
        resident = self.rng.choice(self.live_residents())
        if not resident.is_erased:
            resident_erase(resident_id=resident.pk, user=user, reason="消去請求")
            resident.refresh_from_db()

    def move_session(self):
        # A correction of the time (within a day: check-ins are dated by their session and
        # scanned on its day), which can carry it over a month's or a fiscal year's edge.
        session = self.rng.choice(self.sessions)
        shift = datetime.timedelta(hours=self.rng.choice([-23, -1, 1, 23]))
        session.starts_at += shift
        session.ends_at += shift
        session.save()

    def change_session_place(self):
        session = self.rng.choice(self.sessions)
        session.venue = self.rng.choice(self.venues)
        session.course = self.rng.choice(self.courses)
        session.save()

    def change_venue_municipality(self):
        venue = self.rng.choice(self.venues)
        venue.municipality_code = HYUGA if venue.municipality_code == NOBEOKA else NOBEOKA
        venue.save()

    def change_course_category(self):
        course = self.rng.choice(self.courses)
        course.category = self.rng.choice(
            [Category.SMARTPHONE_INTRO, Category.PROGRAMMING, Category.CONSULTATION]
        )
        course.save()

    def edit_indicator(self):
        indicator = self.indicators[0]
        indicator.categories = self.rng.choice(
            [[Category.SMARTPHONE_INTRO], [Category.PROGRAMMING, Category.SMARTPHONE_BASIC], []]
        )
        indicator.save()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_rollup_counts_what_the_checkins_say_after_every_event(make, dx_user, seed):
    rng = random.Random(seed)
    world = World(make, rng)
    for _ in range(12):
        world.attend()
    rollup.rollup_maintain()
    _assert_rollup_says_what_the_checkins_say(world.plan)
    events = [
        (world.attend, 6),
        (lambda: world.undo(dx_user), 2),
        (lambda: world.merge(dx_user), 1),
        (lambda: world.erase(dx_user), 1),
        (world.move_session, 2),
        (world.change_session_place, 1),
        (world.change_venue_municipality, 1),
        (world.change_course_category, 1),
        (world.edit_indicator, 1),
        (world.close, 1),
    ]
    for step in range(30):
        event = rng.choices([e for e, _w in events], weights=[w for _e, w in events])[0]
        event()
        if step % 2:  # the task every minute; or the dashboard counts what is pending itself
            rollup.rollup_maintain()
        else:
            for indicator in world.indicators:
                indicator.refresh_from_db()
                if not rollup.is_current(
                    Indicator.objects.select_related("plan", "rollup").get(pk=indicator.pk)
                ):
                    rollup.rollup_build(indicator_id=indicator.pk)
        _assert_rollup_says_what_the_checkins_say(world.plan)


def test_a_check_in_counts_at_once_without_the_task(make):
    world = World(make, random.Random(7))
    rollup.rollup_maintain()
    before = dashboard(world.plan, fy=2025, today=TODAY).rows[2].since_start
    world.attend()  # pending: the dashboard counts it before it reads
    assert dashboard(world.plan, fy=2025, today=TODAY).rows[2].since_start == before + 1
    assert not CheckIn.objects.filter(rollup_pending=True).exists()


def test_an_edited_indicator_is_read_from_the_checkins_until_built_again(make):
    world = World(make, random.Random(8))
    for _ in range(10):
        world.attend()
    rollup.rollup_maintain()
    world.edit_indicator()
    indicator = Indicator.objects.select_related("plan", "rollup").get(pk=world.indicators[0].pk)
    assert not rollup.is_current(indicator)
    board = dashboard(world.plan, fy=2025, today=TODAY)
    assert board.rows[0].since_start == _expected(world.plan, 2025, indicator)[0]
    rollup.rollup_maintain()
    _assert_rollup_says_what_the_checkins_say(world.plan)


def test_a_deleted_booking_makes_the_rollups_be_built_again(make):
    # (A session with bookings cannot be deleted; a booking can, in the admin, and its
    # check-ins go with it.)
    world = World(make, random.Random(9))
    for _ in range(10):
        world.attend()
    rollup.rollup_maintain()
    counted = CheckIn.objects.filter(result="ok", undone_at__isnull=True).first()
    counted.booking.delete()
    assert not any(rollup.is_current(i) for i in Indicator.objects.select_related("plan"))
    rollup.rollup_maintain()
    _assert_rollup_says_what_the_checkins_say(world.plan)


def _dashboard_queries(plan):
    with CaptureQueriesContext(connection) as captured:
        dashboard(plan, fy=2025, today=TODAY)
    return len(captured.captured_queries)


def test_the_dashboard_reads_a_fixed_number_of_queries_from_the_rollup(make):
    world = World(make, random.Random(10))
    for _ in range(5):
        world.attend()
    rollup.rollup_maintain()
    few = _dashboard_queries(world.plan)
    for _ in range(40):
        world.attend()
    rollup.rollup_maintain()
    assert _dashboard_queries(world.plan) == few
    # One for the plan's indicators with their rollup state, four for venues, partners,
    # consultation topics and targets, two to see no check-in and no session is pending, one
    # per indicator over its day rows.
    assert few == 1 + 4 + 2 + len(world.indicators)


def test_day_rows_hold_no_residents_and_sum_to_the_attendances(make):
    world = World(make, random.Random(11))
    for _ in range(20):
        world.attend()
    rollup.rollup_maintain()
    attendances = world.indicators[2]
    total = sum(
        RollupDay.objects.filter(indicator=attendances).values_list("attendances", flat=True)
    )
    start = fiscal_year_range_utc(2024)[0]
    assert (
        total
        == CheckIn.objects.filter(
            result="ok",
            undone_at__isnull=True,
            session__starts_at__gte=start,
            session__venue__municipality_code=HYUGA,
        ).count()
    )
