"""The DX office's help-session report and the consultation metrics, against records built by
hand, with the answers worked out in the comments."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from classes.models import Booking, Category
from consultations.models import ConsultationRecord, Topic
from reports.consultations import consultation_csv, consultation_report
from reports.fiscal import fiscal_year_range_utc
from reports.metrics import MetricFilter, metric_breakdown, metric_value
from reports.models import Indicator, Metric, Plan
from tests.factories import tokyo

pytestmark = pytest.mark.django_db
FY2025 = fiscal_year_range_utc(2025)
SECRET_NOTE = "娘さんの電話番号を登録QZX"


@pytest.fixture
def world(make):
    """Four consultations in FY2025 at two venues, one either side of it:

    | # | venue | session          | topics         | result       | min | device / OS  | next  |
    | 1 | 中央  | 2025-05-14 10:00 | LINE, camera   | resolved     | 20  | phone/and    | none  |
    | 2 | 中央  | 2025-05-21 10:00 | LINE           | partly       | 30  | phone/ios    | class |
    | 3 | 東郷  | 2025-11-05 10:00 | mynumber       | not resolved | 45  | phone/ios    | again |
    | 4 | 東郷  | 2026-03-31 23:00 | LINE, mynumber | resolved     | 11  | feature      | shop  |
    | - | 中央  | 2025-03-31 23:00 | LINE           | not resolved | 60  | (FY2024)             |
    | - | 中央  | 2026-04-01 00:10 | LINE           | not resolved | 60  | (FY2026)             |
    """
    w = type("World", (), {})()
    w.central = make.venue(name="中央公民館")
    w.togo = make.venue(name="東郷地区交流センター")
    course = make.course(category=Category.CONSULTATION)

    def consulted(venue, when, keys, resolution, minutes, device, os, followup):
        session = make.session(course=course, venue=venue, starts_at=when, minutes=30)
        resident = make.resident()
        booking = Booking.objects.create(session=session, resident=resident, status="attended")
        record = ConsultationRecord.objects.create(
            booking=booking,
            resident=resident,
            device=device,
            device_os=os,
            resolution=resolution,
            minutes=minutes,
            followup=followup,
            note=SECRET_NOTE,
        )
        record.topics.set(Topic.objects.filter(key__in=keys))
        return record

    consulted(
        w.central,
        tokyo(2025, 5, 14, 10),
        ["line", "camera"],
        "resolved",
        20,
        "smartphone",
        "android",
        "none",
    )
    consulted(
        w.central, tokyo(2025, 5, 21, 10), ["line"], "partly", 30, "smartphone", "ios", "class"
    )
    consulted(
        w.togo,
        tokyo(2025, 11, 5, 10),
        ["mynumber"],
        "not_resolved",
        45,
        "smartphone",
        "ios",
        "consultation",
    )
    consulted(
        w.togo,
        tokyo(2026, 3, 31, 23),
        ["line", "mynumber"],
        "resolved",
        11,
        "feature_phone",
        "",
        "carrier",
    )
    consulted(
        w.central, tokyo(2025, 3, 31, 23), ["line"], "not_resolved", 60, "smartphone", "ios", "none"
    )
    consulted(w.central, tokyo(2026, 4, 1, 0, 10), ["line"], "not_resolved", 60,
              "smartphone", "ios", "none")  # fmt: skip
    return w


def test_the_fiscal_years_figures_match_the_hand_count(world):
    report = consultation_report(fy=2025, today=datetime.date(2026, 6, 1))

    assert report.as_of == datetime.date(2026, 3, 31)
    assert report.fiscal_year_label == "令和7年度（2025年度）"
    # Four in the year: 2 resolved (#1, #4), 1 partly (#2), 1 not (#3); 20+30+45+11 = 106 min.
    assert (report.count, report.resolved, report.partly, report.not_resolved) == (4, 2, 1, 1)
    assert report.resolution_rate == Decimal("50.0")
    assert (report.minutes, report.mean_minutes) == (106, Decimal("26.5"))
    topics = {row.name: row for row in report.topics}
    # LINE in #1, #2, #4 (3 of 4 = 75%), not fully resolved in #2; camera #1; mynumber #3, #4.
    assert (topics["LINE"].count, topics["LINE"].share, topics["LINE"].not_resolved) == (
        3,
        Decimal("75.0"),
        1,
    )
    assert (topics["カメラ・写真"].count, topics["カメラ・写真"].share) == (1, Decimal("25.0"))
    mynumber = topics["マイナンバーカード・マイナポータル"]
    assert (mynumber.count, mynumber.share, mynumber.not_resolved) == (2, Decimal("50.0"), 1)
    assert topics["防災アプリ"].count == 0 and topics["防災アプリ"].share == Decimal("0.0")
    assert [row.name for row in report.topics][:2] == ["スマートフォンの基本操作", "電話・メール"]
    # Not fully resolved by month (April first): LINE in May (#2), mynumber in November (#3).
    assert report.month_labels[0] == "4月" and report.month_labels[-1] == "3月"
    assert topics["LINE"].by_month == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert mynumber.by_month == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert report.venues == ["中央公民館", "東郷地区交流センター"]
    assert topics["LINE"].by_venue == [1, 0] and mynumber.by_venue == [0, 1]
    months = {row.label: (row.count, row.resolved) for row in report.by_month}
    assert months["2025年5月"] == (2, 1) and months["2025年11月"] == (1, 0)
    assert months["2026年3月"] == (1, 1) and months["2025年4月"] == (0, 0)
    assert [(r.label, r.count, r.resolved) for r in report.by_venue] == [
        ("中央公民館", 2, 1),
        ("東郷地区交流センター", 2, 1),
    ]
    assert dict(report.devices)["スマートフォン"] == 3
    assert dict(report.devices)["携帯電話（ガラケー）"] == 1
    assert dict(report.systems) == {"iPhone（iOS）": 2, "Android": 1, "その他": 0, "わからない": 0}
    assert dict(report.followups) == {
        "なし": 1,
        "教室の予約": 1,
        "再度の相談": 1,
        "携帯ショップへ案内": 1,
    }


def test_a_running_year_counts_to_today(world):
    report = consultation_report(fy=2025, today=datetime.date(2025, 5, 31))
    assert (report.as_of, report.count, report.minutes) == (datetime.date(2025, 5, 31), 2, 50)


def test_the_page_and_the_csv_for_the_dx_office(world, dx_client):
    page = dx_client.get(reverse("reports:consultations"), {"fy": "2025"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "令和7年度（2025年度）" in html and "解決率" in html and "50.0%" in html
    assert SECRET_NOTE not in html
    response = dx_client.get(reverse("reports:consultations_csv"), {"fy": "2025"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="consultations-fy2025.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    csv_text = response.content.decode("utf-8-sig")
    assert "令和7年度（2025年度）" in csv_text
    assert "LINE,3,75.0,1" in csv_text
    assert "QZX" not in csv_text and SECRET_NOTE not in csv_text
    assert consultation_csv(consultation_report(fy=2025, today=datetime.date(2026, 6, 1))) == (
        response.content
    )


def test_the_workbook_holds_every_table_of_the_csv_one_per_sheet(world, dx_client):
    response = dx_client.get(reverse("reports:consultations_xlsx"), {"fy": "2025"})
    assert response.status_code == 200
    assert 'filename="consultations-fy2025.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheets = {sheet.title: sheet for sheet in book.worksheets}
    assert list(sheets)[:3] == ["概要", "結果", "相談の内容"]
    topics = sheets["相談の内容"]
    assert "令和7年度" in topics["A1"].value
    rows = [[cell.value for cell in row] for row in topics.iter_rows(min_row=3)]
    assert ["LINE", 3, 75, 1] in [[r[0], r[1], float(r[2]), r[3]] for r in rows]

    # The same figures as the CSV, table by table (the CSV's blank separator lines aside).
    def read(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return "" if value is None else str(value)

    csv_rows = [
        [read(v) for v in line.split(",")]
        for line in dx_client.get(reverse("reports:consultations_csv"), {"fy": "2025"})
        .content.decode("utf-8-sig")
        .splitlines()[1:]
        if line
    ]
    sheet_rows = [
        [read(v) for v in row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert sheet_rows == csv_rows
    text = " ".join(str(v) for row in sheet_rows for v in row)
    assert SECRET_NOTE not in text and "QZX" not in text


def test_the_report_is_reached_from_the_kpi_menu_and_keeps_the_year_in_range(world, dx_client):
    assert (
        reverse("reports:consultations")
        in dx_client.get(reverse("reports:plan_list")).content.decode()
    )
    for asked in ("1999", "2999", "abc", ""):
        page = dx_client.get(reverse("reports:consultations"), {"fy": asked})
        assert page.status_code == 200


def test_the_page_costs_the_same_whatever_the_data(
    world, dx_client, make, django_assert_num_queries
):
    url = reverse("reports:consultations")
    with django_assert_num_queries(12):
        dx_client.get(url, {"fy": "2025"})
    # Twelve more records over more venues, months and topics: not one query more.
    course = make.course(category=Category.CONSULTATION)
    for n in range(12):
        session = make.session(course=course, starts_at=tokyo(2025, 4 + n % 9, 3, 10))
        resident = make.resident()
        booking = Booking.objects.create(session=session, resident=resident, status="attended")
        record = ConsultationRecord.objects.create(
            booking=booking, resident=resident, device="tablet", device_os="ios",
            resolution="partly", minutes=15,
        )  # fmt: skip
        record.topics.set(Topic.objects.all()[: n % 5 + 1])
    with django_assert_num_queries(12):
        dx_client.get(url, {"fy": "2025"})


# --- the metrics a KPI plan can follow ---------------------------------------------------------


def test_consultations_as_a_kpi_metric(world):
    start, end = FY2025
    assert metric_value(Metric.CONSULTATIONS, start=start, end=end) == 4
    assert metric_value(Metric.CONSULTATIONS_RESOLVED, start=start, end=end) == 2
    togo = MetricFilter(venue_ids=(world.togo.pk,))
    assert metric_value(Metric.CONSULTATIONS, start=start, end=end, filter=togo) == 2
    assert metric_value(Metric.CONSULTATIONS_RESOLVED, start=start, end=end, filter=togo) == 1
    for categories, expected in (((Category.CONSULTATION,), 4), ((Category.PROGRAMMING,), 0)):
        flt = MetricFilter(categories=categories)
        assert metric_value(Metric.CONSULTATIONS, start=start, end=end, filter=flt) == expected
    by_month = metric_breakdown(Metric.CONSULTATIONS, start=start, end=end, by="month")
    assert by_month == [
        (datetime.date(2025, 5, 1), 2),
        (datetime.date(2025, 11, 1), 1),
        (datetime.date(2026, 3, 1), 1),
    ]
    assert sum(n for _key, n in metric_breakdown(
        Metric.CONSULTATIONS_RESOLVED, start=start, end=end, by="age_band"
    )) == 2  # fmt: skip


def test_a_plan_follows_consultations_on_its_dashboard(world, dx_client):
    plan = Plan.objects.create(
        name="DX推進計画", municipality="日向市", municipality_code="452068",
        start_fy=2025, end_fy=2026,
    )  # fmt: skip
    indicator = Indicator.objects.create(
        plan=plan, name="デジタル相談会の相談件数", metric=Metric.CONSULTATIONS
    )
    page = dx_client.get(reverse("reports:plan_dashboard", args=[plan.pk]), {"fy": "2025"})
    assert page.status_code == 200 and "デジタル相談会の相談件数" in page.content.decode()
    breakdown = dx_client.get(reverse("reports:indicator_breakdown", args=[indicator.pk]))
    assert breakdown.status_code == 200


def test_an_indicator_follows_the_consultations_about_some_topics(world, dx_client):
    """マイナンバー related: #3 (mynumber) and #4 (LINE and mynumber, counted once); with the
    online applications topic too, still those two."""
    plan = Plan.objects.create(
        name="DX推進計画", municipality="日向市", municipality_code="452068",
        start_fy=2025, end_fy=2026,
    )  # fmt: skip
    topics = Topic.objects.filter(key__in=["mynumber", "online"])
    created = dx_client.post(
        reverse("reports:indicator_create", args=[plan.pk]),
        {
            "name": "マイナンバーカード関連の相談件数",
            "metric": Metric.CONSULTATIONS,
            "topics": [t.pk for t in topics],
            "order": "1",
        },
    )
    assert created.status_code == 302
    indicator = Indicator.objects.get(name="マイナンバーカード関連の相談件数")
    assert set(indicator.topics.all()) == set(topics)
    start, end = FY2025
    flt = MetricFilter.for_indicator(indicator)
    assert metric_value(Metric.CONSULTATIONS, start=start, end=end, filter=flt) == 2
    assert metric_value(Metric.CONSULTATIONS_RESOLVED, start=start, end=end, filter=flt) == 1
    line = MetricFilter(topic_ids=(Topic.objects.get(key="line").pk,))
    assert metric_value(Metric.CONSULTATIONS, start=start, end=end, filter=line) == 3
    by_venue = metric_breakdown(Metric.CONSULTATIONS, start=start, end=end, by="venue", filter=flt)
    assert [n for _venue, n in by_venue] == [2]  # both at 東郷

    dash = dx_client.get(reverse("reports:plan_dashboard", args=[plan.pk]), {"fy": "2025"}).context[
        "dash"
    ]
    (row,) = dash.rows
    assert row.progress.actual == 2


def test_topics_are_refused_for_a_metric_that_is_not_about_consultations(world, dx_client):
    plan = Plan.objects.create(
        name="DX推進計画", municipality="日向市", municipality_code="452068",
        start_fy=2025, end_fy=2026,
    )  # fmt: skip
    page = dx_client.post(
        reverse("reports:indicator_create", args=[plan.pk]),
        {
            "name": "延べ参加者数",
            "metric": Metric.ATTENDANCES,
            "topics": [Topic.objects.get(key="line").pk],
            "order": "1",
        },
    )
    assert page.status_code == 200 and not Indicator.objects.exists()
    assert "相談件数の指標のときだけ選べます" in page.content.decode()
    assert "延べ参加者数" in page.content.decode()  # what was typed stays
