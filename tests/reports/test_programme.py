"""The national programme report: sessions, attendees per session, staffing against the rule.

The kpi fixture's held sessions (tests/reports/conftest.py), attendees counted by hand:
  FY2024  Nov A (r1) 1, Mar A (r4) 1
  FY2025  Apr B 1 (r5), May A 2 (r1 r2), Jun B 3 (programming, no partner), Jul A 0 (r6
          undone), and here Aug A 10 new residents.
Staff worked (checked in) here, as (leads, assistants):
  Apr (1, 1) met: ⌈1/4⌉ = 1 helper      May (2, 0) met: the second lead is the helper
  Jun (0, 1) not met: no lecturer        Jul (0, 0) not met
  Aug (1, 2) not met: ⌈10/4⌉ = 3 helpers needed; plus a receptionist and a proposed
  (not worked) assistant, neither counted.
"""

import datetime

import pytest
from django.urls import reverse

from classes.models import SessionStatus
from reports import programme
from reports.programme import staffing_met
from tests.factories import tokyo
from tests.reports.conftest import attend
from tests.reports.test_exports import rows_of
from volunteers.models import Assignment, Role, ShiftNeed, Volunteer

AUG_2025 = datetime.date(2025, 8, 31)


@pytest.mark.parametrize(
    ("attendees", "leads", "assistants", "met"),
    [
        (1, 1, 0, False),
        (1, 1, 1, True),
        (4, 1, 1, True),
        (5, 1, 1, False),
        (5, 2, 1, True),
        (0, 1, 0, True),
        (3, 0, 5, False),
    ],
)
def test_staffing_rule(attendees, leads, assistants, met):
    assert staffing_met(attendees, leads, assistants) is met


@pytest.fixture
def staffed(kpi, make, django_user_model):
    by_month = {
        s.starts_at.astimezone(datetime.UTC).month: s
        for s in kpi.smart.sessions.all() | kpi.prog.sessions.all()
    }
    kpi.aug = make.session(
        course=kpi.smart, venue=kpi.venue_a, starts_at=tokyo(2025, 8, 2, 10), status="held"
    )
    for _ in range(10):
        attend(make.resident(), kpi.aug, tokyo(2025, 8, 2, 10, 5))
    people = iter(range(100))

    def worked(session, role, n, **fields):
        fields.setdefault("checked_in_at", session.starts_at)
        fields.setdefault("status", "accepted")
        need, _made = ShiftNeed.objects.get_or_create(session=session, role=role)
        for _ in range(n):
            i = next(people)
            volunteer = Volunteer.objects.create(
                user=django_user_model.objects.create_user(f"v{i}", password="x"),
                family_name="支援",
                given_name=f"{i}",
                family_name_kana="シエン",
                given_name_kana="タロウ",
                phone=f"+8190111{i:05d}",
                status=Volunteer.Status.APPROVED,
            )
            Assignment.objects.create(
                need=need,
                session=session,
                volunteer=volunteer,
                source="manual",
                **fields,
            )

    # The fixture's sessions by their UTC month: Apr 1 00:00 JST is 31 March in UTC.
    apr, may, jun = by_month[3], by_month[5], by_month[6]
    assert apr.starts_at == tokyo(2025, 4, 1, 0)
    worked(apr, Role.LEAD, 1)
    worked(apr, Role.ASSISTANT, 1)
    worked(may, Role.LEAD, 2)
    worked(jun, Role.ASSISTANT, 1)
    worked(kpi.aug, Role.LEAD, 1)
    worked(kpi.aug, Role.ASSISTANT, 2)
    worked(kpi.aug, Role.RECEPTION, 1)
    worked(kpi.aug, Role.ASSISTANT, 1, checked_in_at=None, status="proposed")
    # Another municipality's session is never counted.
    elsewhere = make.venue(name="延岡市社会教育センター", municipality_code="452033")
    other = make.session(
        course=kpi.smart, venue=elsewhere, starts_at=tokyo(2025, 5, 3, 10), status="held"
    )
    attend(kpi.r1, other, tokyo(2025, 5, 3, 10, 5))
    return kpi


def numbers(row):
    return (
        row.sessions,
        row.attendances,
        str(row.mean_attendees),
        row.band_counts,
        str(row.single_share),
        str(row.mean_staff),
        row.met,
        str(row.met_share),
    )


def test_the_year_by_hand(staffed):
    report = programme.programme_report(staffed.plan, fy=2025, today=AUG_2025)
    # 5 sessions, 16 attendances; bands 0: Jul, 1: Apr, 2–4: May Jun, 10+: Aug; one single
    # (20 %); staff 2 + 2 + 1 + 0 + 3 = 8 (1.6 a session); met Apr and May (40 %).
    assert numbers(report.total) == (5, 16, "3.2", [1, 1, 2, 0, 1], "20.0", "1.6", 2, "40.0")
    years = {row.label: numbers(row) for row in report.by_fiscal_year}
    assert years == {
        "令和6年度（2024年度）": (2, 2, "1.0", [0, 2, 0, 0, 0], "100.0", "0.0", 0, "0.0"),
        "令和7年度（2025年度）": numbers(report.total),
    }


def test_by_month_venue_and_partner(staffed):
    report = programme.programme_report(staffed.plan, fy=2025, today=AUG_2025)
    months = {row.label: (row.sessions, row.attendances, row.met) for row in report.by_month}
    assert len(months) == 12
    assert months["2025年4月"] == (1, 1, 1)
    assert months["2025年8月"] == (1, 10, 0)
    assert months["2025年9月"] == (0, 0, 0)
    venues = {row.label: (row.sessions, row.attendances) for row in report.by_venue}
    assert venues == {staffed.venue_a.name: (3, 12), staffed.venue_b.name: (2, 4)}
    partners = [(row.label, row.sessions, row.attendances) for row in report.by_partner]
    assert partners == [(staffed.partner.name, 4, 13), ("連携団体なし", 1, 3)]


def test_page_and_csv(dx_client, staffed, django_assert_max_num_queries):
    url = reverse("reports:programme", args=[staffed.plan.pk])
    # Session, user and roles (3), plan (1), the sessions (1), venue and partner names (2).
    with django_assert_max_num_queries(7):
        response = dx_client.get(url, {"fy": 2025})
    assert response.status_code == 200
    page = response.content.decode()
    assert "国の支援事業の実績報告" in page and "令和7年度（2025年度）" in page
    assert "1回あたり参加者数（平均）" in page and "40.0%" in page
    csv_response = dx_client.get(
        reverse("reports:programme_export", args=[staffed.plan.pk]), {"fy": 2025}
    )
    assert csv_response["Content-Disposition"].endswith(
        f'programme-plan{staffed.plan.pk}-fy2025.csv"'
    )
    rows = rows_of(csv_response.content)
    assert rows[0][0] == "日向市 DX推進計画 令和7年度（2025年度）"
    assert rows[2][:4] == ["年度", "開催回数", "延べ参加者数", "1回あたり参加者数（平均）"]
    fy2025 = next(row for row in rows if row and row[0] == "令和7年度（2025年度）")
    assert fy2025 == ["令和7年度（2025年度）", "5", "16", "3.2", "1", "1", "2", "0", "1"] + [
        "20",
        "1.6",
        "2",
        "40",
    ]
    assert staffed.r1.family_name.encode() not in csv_response.content


def test_a_fiscal_year_without_sessions_says_so(dx_client, kpi):
    # The suite's clock is in FY2026, when the fixture holds no session.
    response = dx_client.get(reverse("reports:programme", args=[kpi.plan.pk]), {"fy": 2026})
    assert response.status_code == 200
    assert response.context["report"].total.sessions == 0
    # No venue or partner held a session: those tables say so rather than show nothing.
    assert response.content.decode().count("この期間の実績はありません。") == 2


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, SessionStatus.SCHEDULED])
def test_only_sessions_held_count(staffed, make, status):
    make.session(course=staffed.smart, venue=staffed.venue_a, starts_at=tokyo(2025, 9, 1, 10))
    make.session(
        course=staffed.smart, venue=staffed.venue_a, starts_at=tokyo(2025, 9, 2, 10), status=status
    )
    report = programme.programme_report(staffed.plan, fy=2025, today=datetime.date(2025, 9, 30))
    assert report.total.sessions == 5
