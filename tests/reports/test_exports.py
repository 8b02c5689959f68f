"""Exports read back the way their users open them: CSV bytes (BOM), xlsx through openpyxl,
PDF through poppler's pdftotext; the open-data files; the command and the background export."""

import csv
import io
import shutil
import subprocess
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from reports import exports, opendata, queries
from reports.models import Export

BOM = b"\xef\xbb\xbf"


def pdf_text(content):
    path = shutil.which("pdftotext")
    if path is None:
        pytest.fail("pdftotext is missing: `make install` installs poppler-utils")
    return subprocess.run(
        [path, "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def rows_of(content):
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content[len(BOM) :].decode("utf-8"))))


def get_export(client, plan, fmt, fy=2025):
    response = client.get(reverse("reports:plan_export", args=[plan.pk]), {"format": fmt, "fy": fy})
    assert response.status_code == 200
    return response


def test_csv_starts_with_the_bom_and_keeps_japanese(dx_client, kpi):
    response = get_export(dx_client, kpi.plan, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith(f'kpi-plan{kpi.plan.pk}-fy2025.csv"')
    rows = rows_of(response.content)
    assert rows[0][0] == "日向市 DX推進計画 令和7年度（2025年度）"
    # Each figure names its period: the year alone, then from the plan's start (FY2024).
    assert rows[2][2:5] == [
        "当年度：令和7年度（2025年度）",
        "累計：令和6年度（2024年度）から",
        "目標（累計）",
    ]
    indicators = {row[0]: row for row in rows[3:6]}
    # FY2025 alone: r5, r1, r2, r3; since FY2024 also r4 (and r1 again).
    assert indicators["スマホ教室受講者（累計）"][2:6] == ["4", "5", "10", "2026-03-31"]
    assert indicators["延べ参加者数"][2:4] == ["6", "8"]
    assert indicators["開催回数"][2:4] == ["4", "6"]
    assert rows[7][1] == "スマホ教室受講者（累計）（累計）"  # the monthly table's counts run on
    months = [row for row in rows if row and row[0].startswith("2025年")]
    assert months[0][:3] == ["2025年4月", "3", "0.8"]


def test_xlsx_has_bold_headers_widths_number_formats_and_a_frozen_header(dx_client, kpi):
    response = get_export(dx_client, kpi.plan, "xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet["A1"].value.startswith("日向市 DX推進計画 令和7年度")
    assert all(cell.font.b for cell in sheet[2] if cell.value)
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 34
    assert sheet["A3"].value == "スマホ教室受講者（累計）"
    assert (sheet["C3"].value, sheet["C3"].number_format) == (4, "#,##0")  # 当年度
    assert (sheet["D3"].value, sheet["D3"].number_format) == (5, "#,##0")  # 累計
    assert (sheet["E3"].value, sheet["E3"].number_format) == (10, "#,##0")
    assert sheet["F3"].number_format == "yyyy/mm/dd"
    assert sheet["F3"].value.date().isoformat() == "2026-03-31"
    assert (sheet["G3"].value, sheet["G3"].number_format) == (50, "#,##0")
    months = book.worksheets[1]
    assert months["A3"].value == "2025年4月"
    assert (months["C3"].value, months["C3"].number_format) == (0.8, "#,##0.0")


def test_pdf_report_has_japanese_wareki_and_an_svg_chart(dx_client, kpi):
    response = get_export(dx_client, kpi.plan, "pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "DX推進計画" in text
    assert "令和7年度" in text
    assert "令和8年3月31日" in text  # figures as of the last day of FY2025, in 和暦
    assert "スマホ教室受講者（累計）" in text
    assert "2025年4月" in text
    header = next(line for line in text.splitlines() if "指標の種類" in line)
    assert "目標（累計）" in header and "達成率（%）" in header  # short headings stay whole
    # The chart is vector drawing with its axis labels as text, not an image.
    assert "4月" in text and b"/Subtype /Image" not in response.content


def test_svg_chart_template_draws_both_lines(kpi):
    dash = queries.dashboard(kpi.plan, fy=2025, today=kpi.target.target_date)
    chart = exports.svg_chart(dash.rows[0], dash.months)
    assert len(chart.actual_points.split()) == 12
    assert len(chart.pace_points.split()) == 12
    from django.template.loader import render_to_string

    svg = render_to_string("reports/pdf/_chart.svg", {"chart": chart})
    assert svg.count("<polyline") == 2 and "<script" not in svg


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (45, ["0", "10", "20", "30", "40", "50"]),
        (3, ["0", "1", "2", "3"]),
        (614, ["0", "200", "400", "600", "800"]),
        (900, ["0", "200", "400", "600", "800", "1,000"]),
    ],
)
def test_chart_axis_reads_round_numbers(largest, ticks):
    point = SimpleNamespace(actual=largest, pace=None)
    row = SimpleNamespace(series=[point], indicator=SimpleNamespace(name="受講者"))
    chart = exports.svg_chart(row, [date(2025, 4, 1)])
    assert [text for _y, text in chart.y_ticks] == ticks


def test_exports_hold_no_personal_data(dx_client, kpi):
    names = [r.full_name for r in (kpi.r1, kpi.r2, kpi.r3)] + [kpi.r1.phone_mobile]
    for fmt in ("csv", "xlsx"):
        content = get_export(dx_client, kpi.plan, fmt).content
        for name in names:
            assert name.encode() not in content


def test_unknown_format_is_a_404_not_a_500(dx_client, kpi):
    url = reverse("reports:plan_export", args=[kpi.plan.pk])
    assert dx_client.get(url, {"format": "docx"}).status_code == 404


# --- open data ------------------------------------------------------------------------------


def test_event_list_follows_the_standard_columns(dx_client, kpi, make):
    from classes.models import SessionStatus
    from tests.factories import tokyo

    make.session(
        course=kpi.smart,
        venue=kpi.venue_a,
        starts_at=tokyo(2025, 9, 1, 10),
        status=SessionStatus.CANCELLED,
    )
    kpi.venue_a.latitude, kpi.venue_a.longitude = "32.422900", "131.623600"
    kpi.venue_a.save()
    response = dx_client.get(reverse("reports:opendata_events", args=[kpi.plan.pk]), {"fy": 2025})
    rows = rows_of(response.content)
    assert rows[0] == opendata.EVENT_COLUMNS
    assert rows[0][:4] == ["全国地方公共団体コード", "ID", "地方公共団体名", "イベント名"]
    assert len(rows[0]) == 32
    body = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    # FY2025 sessions not cancelled: April (00:00), May, June, July.
    assert [row["開始日"] for row in body] == [
        "2025-04-01",
        "2025-05-10",
        "2025-06-14",
        "2025-07-01",
    ]
    may = body[1]
    assert may["全国地方公共団体コード"] == "452068"
    assert may["地方公共団体名"] == "日向市"
    assert (may["開始時間"], may["終了時間"]) == ("10:00", "11:30")
    assert (may["場所名称"], may["緯度"], may["経度"]) == (
        "日向市中央公民館",
        "32.422900",
        "131.623600",
    )
    assert may["定員"] == "10"
    assert may["イベント名_カナ"] == "" and may["料金(基本)"] == ""
    assert kpi.r1.family_name.encode() not in response.content


def test_participation_totals_hide_cells_under_five(kpi):
    rows = list(opendata.participation_rows(kpi.plan, fy=2025, fy_label="令和7年度"))
    assert_participation_leaks_nothing(rows, kpi.plan, fy=2025)
    by_venue = {row[2]: row[3:] for row in rows if row[1] == "会場"}
    # Venue B: 4 attendances of 4 people → both hidden; venue A: 2 of 2 → hidden; the total of
    # 6 attendances is shown, the 6 people are hidden with the small age band / gender cells.
    assert by_venue == {
        "大王谷コミュニティセンター": ["x", "x"],
        "日向市中央公民館": ["x", "x"],
        "合計": [6, "x"],
    }
    assert opendata.suppress(0) == 0 and opendata.suppress(4) == "x" and opendata.suppress(5) == 5


def test_participation_totals_show_five_and_more(kpi, make):
    from classes.models import SessionStatus
    from tests.factories import tokyo
    from tests.reports.conftest import attend

    session = make.session(
        course=kpi.smart,
        venue=kpi.venue_a,
        starts_at=tokyo(2025, 10, 1, 10),
        status=SessionStatus.HELD,
    )
    for _ in range(5):
        attend(make.resident(), session, tokyo(2025, 10, 1, 10, 5))
    rows = list(opendata.participation_rows(kpi.plan, fy=2025, fy_label="令和7年度"))
    assert ["令和7年度", "月", "2025年10月", 5, 5] in rows
    # 7 attendances shown would give the other venue's 4 away (合計 11 − 7): hidden too.
    assert ["令和7年度", "会場", "日向市中央公民館", "x", 7] in rows
    assert_participation_leaks_nothing(rows, kpi.plan, fy=2025)


def assert_participation_leaks_nothing(rows, plan, *, fy):
    """Attack the published table: its "x" cells against the true counts and the lines."""
    from tests.reports.attack import recovered

    values, lines, order = opendata.participation_table(plan, fy=fy)
    assert len(rows) == len(order)
    hidden = set()
    for row, (_by, _label, cells) in zip(rows, order, strict=True):
        for shown, cell in zip(row[3:], cells, strict=True):
            if shown == opendata.SUPPRESSED:
                hidden.add(cell)
            else:
                assert shown == values[cell]
    assert {cell for cell, value in values.items() if 0 < value < 5} <= hidden
    assert recovered(values, lines, hidden) == []


def test_a_hidden_venue_cannot_be_worked_out_from_the_total(kpi, make):
    """The issue's case: venue A 5 shown, venue B 1 hidden, total 6 → B = 1. Now A is hidden
    too (and every other table of the file still adds up to nothing recoverable)."""
    from classes.models import SessionStatus
    from tests.factories import tokyo
    from tests.reports.conftest import attend

    session = make.session(
        course=kpi.smart,
        venue=kpi.venue_a,
        starts_at=tokyo(2025, 10, 1, 10),
        status=SessionStatus.HELD,
    )
    for _ in range(5):
        attend(make.resident(), session, tokyo(2025, 10, 1, 10, 5))
    rows = list(opendata.participation_rows(kpi.plan, fy=2025, fy_label="令和7年度"))
    by_venue = {row[2]: row[3] for row in rows if row[1] == "会場"}
    assert by_venue["大王谷コミュニティセンター"] == "x"
    assert by_venue["日向市中央公民館"] == "x"  # 7 would give 11 − 7 = 4 away
    assert by_venue["合計"] == 11
    assert_participation_leaks_nothing(rows, kpi.plan, fy=2025)
    csv_bytes = opendata.participation_csv(kpi.plan, fy=2025, fy_label="令和7年度")
    csv_text = csv_bytes.decode("utf-8-sig")
    assert "「x」は秘匿" in csv_text


def test_local_government_code_check_digit(kpi):
    from django.core.exceptions import ValidationError

    from reports.models import validate_local_government_code

    validate_local_government_code("452068")  # 日向市
    validate_local_government_code("131016")  # 千代田区
    for bad in ("452067", "45206", "４５２０６８", "abcdef"):
        with pytest.raises(ValidationError):
            validate_local_government_code(bad)


# --- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_export_kpi_command_writes_each_format(kpi, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    out = io.StringIO()
    call_command(
        "export_kpi",
        "--plan",
        str(kpi.plan.pk),
        "--fiscal-year",
        "2025",
        "--format",
        fmt,
        "--output",
        str(target),
        stdout=out,
    )
    content = target.read_bytes()
    assert str(target) in out.getvalue()
    if fmt == "csv":
        assert "スマホ教室受講者（累計）" in content.decode("utf-8-sig")
    elif fmt == "xlsx":
        assert (
            load_workbook(io.BytesIO(content)).worksheets[0]["A3"].value
            == "スマホ教室受講者（累計）"
        )
    else:
        assert "令和7年度" in pdf_text(content)


def test_export_kpi_command_finds_the_plan_by_name_and_refuses_bad_input(kpi, tmp_path):
    target = tmp_path / "by-name.csv"
    call_command(
        "export_kpi",
        "--plan",
        "DX推進計画",
        "--fiscal-year",
        "2024",
        "--output",
        str(target),
        stdout=io.StringIO(),
    )
    assert target.read_bytes().startswith(BOM)
    with pytest.raises(CommandError, match="no plan"):
        call_command("export_kpi", "--plan", "ない計画", "--fiscal-year", "2025")
    with pytest.raises(CommandError, match="outside the plan"):
        call_command("export_kpi", "--plan", str(kpi.plan.pk), "--fiscal-year", "2030")


# --- background exports (django-q2) ---------------------------------------------------------


def test_background_export_runs_as_a_q2_task_and_is_polled(
    dx_client, dx_user, kpi, settings, django_capture_on_commit_callbacks
):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    with django_capture_on_commit_callbacks(execute=True):
        response = dx_client.post(
            reverse("reports:export_start", args=[kpi.plan.pk]), {"format": "xlsx", "fy": 2025}
        )
    export = Export.objects.get()
    assert response.url == reverse("reports:export_detail", args=[export.pk])
    assert (export.status, export.progress, export.created_by) == ("done", 100, dx_user)
    poll = dx_client.get(response.url, HTTP_HX_REQUEST="true")
    assert reverse("reports:export_download", args=[export.pk]) in poll.content.decode()
    assert "hx-trigger" not in poll.content.decode()  # finished: no more polling
    download = dx_client.get(reverse("reports:export_download", args=[export.pk]))
    assert load_workbook(io.BytesIO(download.content)).worksheets[0]["A3"].value == (
        "スマホ教室受講者（累計）"
    )


def test_a_waiting_export_polls_and_cannot_be_downloaded_yet(dx_client, kpi):
    export = Export.objects.create(plan=kpi.plan, fiscal_year=2025, format="pdf")
    poll = dx_client.get(reverse("reports:export_detail", args=[export.pk]), HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in poll.content.decode()
    assert dx_client.get(reverse("reports:export_download", args=[export.pk])).status_code == 404


def test_export_build_is_safe_to_run_again(kpi):
    from reports.services import export_build

    export = Export.objects.create(plan=kpi.plan, fiscal_year=2025, format="csv")
    first = export_build(export_id=export.pk, base_url="file:///")
    again = export_build(export_id=export.pk, base_url="file:///")
    assert first.status == again.status == "done"
    assert bytes(again.content).startswith(BOM)


def test_export_start_refuses_a_bad_format_without_a_500(dx_client, kpi):
    response = dx_client.post(
        reverse("reports:export_start", args=[kpi.plan.pk]), {"format": "doc", "fy": 2025}
    )
    assert response.status_code == 302
    assert not Export.objects.exists()


def test_exports_older_than_two_weeks_are_removed_daily(kpi):
    from django.utils import timezone
    from django_q.models import Schedule

    from reports.tasks import prune_exports

    now = timezone.now()
    ages = {"old_done": 15, "old_stuck": 20, "recent": 13}
    for name, days in ages.items():
        export = Export.objects.create(
            plan=kpi.plan, fiscal_year=2025, format="csv", filename=name, content=b"x"
        )
        Export.objects.filter(pk=export.pk).update(created_at=now - timedelta(days=days))
    Export.objects.filter(filename="old_done").update(status=Export.Status.DONE)

    assert prune_exports() == 2
    assert list(Export.objects.values_list("filename", flat=True)) == ["recent"]
    schedule = Schedule.objects.get(name="reports.prune_exports")
    assert (schedule.func, schedule.schedule_type) == ("reports.tasks.prune_exports", "D")
