"""The demo's KPI plans: shaped like Hyuga's and Morioka's, dated in the current fiscal year."""

from django.utils import timezone

from classes.models import SessionStatus
from demo import reports as demo_reports
from demo.seed import planning_window
from reports import queries
from reports.fiscal import fiscal_year_bounds, fiscal_year_of, tokyo_midnight_utc
from reports.models import Plan, Target
from tests.reports.conftest import attend


def test_demo_plans_are_seeded_once_and_count_the_check_ins(db, make, venue_user):
    today = timezone.localdate()
    # Midnight today (Tokyo): in the current fiscal year whatever the day.
    session = make.session(starts_at=tokyo_midnight_utc(today), status=SessionStatus.HELD)
    for _ in range(3):
        attend(make.resident(), session, session.starts_at)

    assert demo_reports.seed(users={"venue": venue_user}, small=True, seed=1) is True
    assert demo_reports.seed(users={"venue": venue_user}, small=True, seed=1) is False

    hyuga = Plan.objects.get(municipality="日向市")
    morioka = Plan.objects.get(municipality="盛岡市")
    assert (hyuga.municipality_code, morioka.municipality_code) == ("452068", "032018")
    fy = fiscal_year_of(today)
    # From the fiscal year of the demo's first sessions (the last one in the first months of a
    # year) to the current one: nothing the demo holds falls outside its plans.
    first_day, _last_day = planning_window(today)
    assert (hyuga.start_fy, hyuga.end_fy) == (fiscal_year_of(first_day), fy)
    assert hyuga.start_fy in (fy - 1, fy)
    values = sorted(int(t.value) for t in Target.objects.all())
    assert values == [45, 130, 900]
    assert {t.target_date for t in Target.objects.all()} == {fiscal_year_bounds(fy)[1]}
    dash = queries.dashboard(hyuga, fy=fy, today=today)
    smartphone = dash.rows[0]
    assert smartphone.indicator.name == "スマホ教室受講者（累計）"
    assert smartphone.progress.actual == 3
    assert smartphone.progress.pace > 0
    assert demo_reports.counts() == {"KPI plans": 2, "KPI indicators": 8, "KPI targets": 3}
    about_mynumber = next(row for row in dash.rows if row.indicator.name.startswith("マイナンバー"))
    assert {t.key for t in about_mynumber.indicator.topics.all()} == {"mynumber", "online"}
