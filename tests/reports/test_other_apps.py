"""Metrics read from the volunteers and surveys apps: 延べ活動人数, volunteer hours and survey
satisfaction, counted by hand against the kpi plan's sessions (tests/reports/conftest.py)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from reports import queries
from reports.fiscal import fiscal_year_range_utc
from reports.metrics import MetricFilter, metric_breakdown, metric_value
from reports.models import Indicator, Metric
from surveys.answers import check_answers
from surveys.models import Channel, Survey
from surveys.queries import questions_of
from surveys.services import response_submit, survey_from_template
from tests.factories import tokyo
from volunteers.models import Assignment, Role, ShiftNeed, Volunteer

FY2025 = fiscal_year_range_utc(2025)


def held_sessions(kpi):
    return {s.starts_at.month: s for s in kpi.smart.sessions.all()} | {
        s.starts_at.month: s for s in kpi.prog.sessions.all()
    }


@pytest.fixture
def shifts(kpi, django_user_model):
    """Three shifts in FY2025: May at venue A 10:00–11:30 (checked out), June at venue B
    checked in but not out (the 90-minute session counts), July only proposed (not worked)."""
    sessions = held_sessions(kpi)
    user = django_user_model.objects.create_user("sienin", password="x")
    volunteer = Volunteer.objects.create(
        user=user,
        family_name="支援",
        given_name="花子",
        family_name_kana="シエン",
        given_name_kana="ハナコ",
        phone="+819011112222",
        status=Volunteer.Status.APPROVED,
    )

    def shift(session, **fields):
        need = ShiftNeed.objects.create(session=session, role=Role.ASSISTANT)
        return Assignment.objects.create(
            need=need, session=session, volunteer=volunteer, source="manual", **fields
        )

    shift(
        sessions[5],
        status="accepted",
        checked_in_at=tokyo(2025, 5, 10, 9, 50),
        checked_out_at=tokyo(2025, 5, 10, 11, 20),
    )
    shift(sessions[6], status="accepted", checked_in_at=tokyo(2025, 6, 14, 9, 55))
    shift(sessions[7], status="proposed")
    return volunteer


def test_volunteer_attendances_and_hours(kpi, shifts):
    assert metric_value(Metric.VOLUNTEER_ATTENDANCES, start=FY2025[0], end=FY2025[1]) == 2
    # 1.5 h checked in to out + 1.5 h planned for the shift without a check-out.
    assert metric_value(Metric.VOLUNTEER_HOURS, start=FY2025[0], end=FY2025[1]) == Decimal("3.0")
    venue_a = MetricFilter(venue_ids=(kpi.venue_a.pk,))
    assert metric_value(
        Metric.VOLUNTEER_HOURS, start=FY2025[0], end=FY2025[1], filter=venue_a
    ) == Decimal("1.5")
    by_month = metric_breakdown(
        Metric.VOLUNTEER_ATTENDANCES, start=FY2025[0], end=FY2025[1], by="month"
    )
    assert by_month == [(datetime.date(2025, 5, 1), 1), (datetime.date(2025, 6, 1), 1)]
    with pytest.raises(ValueError):
        metric_breakdown(Metric.VOLUNTEER_HOURS, start=FY2025[0], end=FY2025[1], by="age_band")


def test_volunteer_hours_on_the_dashboard_run_up_by_month(kpi, shifts):
    indicator = Indicator.objects.create(
        plan=kpi.plan, name="支援員の活動時間", metric=Metric.VOLUNTEER_HOURS, order=9
    )
    dash = queries.dashboard(kpi.plan, fy=2025, today=datetime.date(2025, 8, 15))
    hours = dash.rows[-1]
    assert hours.indicator == indicator
    assert [p.actual for p in hours.series[:5]] == [0, Decimal("1.5"), Decimal("3.0"), 3, 3]
    assert hours.progress.actual == Decimal("3.0")
    assert dash.chart_data()["indicators"][-1]["actual"][:3] == [0, 1.5, 3.0]


@pytest.fixture
def satisfaction(kpi, dx_user):
    """Post-class survey answers linked to sessions: May (venue A) 5 and 2, June (venue B) 4."""
    survey = survey_from_template(user=dx_user, template="post_class")
    survey.status = Survey.Status.OPEN
    survey.save()
    questions = questions_of(survey)
    sessions = held_sessions(kpi)
    for session, rating in ((sessions[5], 5), (sessions[5], 2), (sessions[6], 4)):
        raw = {questions[0].key: {"codes": [rating]}, questions[1].key: {"codes": [1]}}
        checked = check_answers(questions, raw)
        assert checked.ok, checked.errors
        response_submit(
            survey=survey,
            questions=questions,
            checked=checked,
            channel=Channel.PAPER,
            user=dx_user,
            session=session,
        )
    return survey


def test_satisfaction_share_through_the_surveys_app(kpi, satisfaction):
    # 2 of 3 respondents answered 4 or 5.
    assert metric_value(Metric.SATISFACTION, start=FY2025[0], end=FY2025[1]) == Decimal("66.7")
    programming = MetricFilter(categories=("programming",))
    assert metric_value(
        Metric.SATISFACTION, start=FY2025[0], end=FY2025[1], filter=programming
    ) == Decimal("100.0")
    by_venue = dict(
        metric_breakdown(Metric.SATISFACTION, start=FY2025[0], end=FY2025[1], by="venue")
    )
    assert by_venue == {kpi.venue_a.pk: Decimal("50.0"), kpi.venue_b.pk: Decimal("100.0")}
    with pytest.raises(ValueError):
        metric_breakdown(Metric.SATISFACTION, start=FY2025[0], end=FY2025[1], by="age_band")


def test_satisfaction_indicator_page_and_drill_down(dx_client, kpi, satisfaction):
    indicator = Indicator.objects.create(
        plan=kpi.plan, name="受講後の満足度", metric=Metric.SATISFACTION
    )
    page = dx_client.get(reverse("reports:plan_dashboard", args=[kpi.plan.pk]), {"fy": 2025})
    row = next(r for r in page.context["dash"].rows if r.indicator == indicator)
    assert row.progress.actual == Decimal("66.7")
    drill = dx_client.get(
        reverse("reports:indicator_breakdown", args=[indicator.pk]), {"by": "age_band"}
    )
    assert drill.status_code == 200
    assert [key for key, _label in drill.context["breakdowns"]] == ["venue", "month"]
