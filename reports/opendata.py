"""Open data: the sessions as the 自治体標準オープンデータセット「イベント一覧」, and participation
totals with small cells suppressed. Neither holds personal data.

The event list follows the standard's columns and order exactly; columns the programme has no
data for are written empty. The 全国地方公共団体コード, 地方公共団体名 and contact come from the
plan, and both files hold only the plan's municipality's sessions (venues with its code).
"""

import csv
import datetime
import io
import re

from django.conf import settings
from django.utils import timezone

from classes.models import Session, SessionStatus
from reports import disclosure
from reports.exports import BOM
from reports.fiscal import fiscal_year_range_utc
from reports.metrics import MetricFilter, metric_breakdown
from reports.models import Metric
from reports.queries import breakdown_labels

# 自治体標準オープンデータセット「イベント一覧」: the columns, in the specification's order.
EVENT_COLUMNS = [
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "イベント名",
    "イベント名_カナ",
    "イベント名_英字",
    "開始日",
    "終了日",
    "開始時間",
    "終了時間",
    "開始日時特記事項",
    "説明",
    "料金(基本)",
    "料金(詳細)",
    "連絡先名称",
    "連絡先電話番号",
    "連絡先内線番号",
    "主催者",
    "場所名称",
    "住所",
    "方書",
    "緯度",
    "経度",
    "アクセス方法",
    "駐車場情報",
    "定員",
    "対象者",
    "参加申込終了日",
    "参加申込終了時間",
    "参加申込方法",
    "URL",
    "備考",
]
# Participation cells are protected by reports.disclosure (秘匿, shown as "x"): 1–4 hidden, and
# more cells hidden so that nothing hidden can be worked out from the totals.
SUPPRESS_BELOW = disclosure.SUPPRESS_BELOW
SUPPRESSED = disclosure.SUPPRESSED
TOTAL_LABEL = "合計"
NOTE = (
    "注: 「x」は秘匿（1〜4人のセル、およびそれを差し引きで求められないよう併せて秘匿したセル）。"
    "0は該当なし。"
)


def _csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def _contact(plan):
    """(name, phone) from the plan's contact, else CONTACT_PHONE, written like
    "0982-52-2111（日向市 DX推進課）"."""
    text = plan.contact or settings.CONTACT_PHONE or ""
    match = re.match(r"^\s*([^（(]*?)\s*[（(](.*)[）)]\s*$", text)
    if match:
        return match.group(2).strip(), match.group(1).strip()
    return "", text.strip()


def event_rows(plan, *, fy):
    """One row per session of the plan's municipality in the fiscal year that is not
    cancelled, in start order."""
    start, end = fiscal_year_range_utc(fy)
    sessions = (
        Session.objects.filter(
            MetricFilter.for_plan(plan).q(""), starts_at__gte=start, starts_at__lt=end
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("course", "venue")
        .order_by("starts_at", "pk")
    )
    contact_name, contact_phone = _contact(plan)
    for session in sessions.iterator(chunk_size=500):
        starts = timezone.localtime(session.starts_at)
        ends = timezone.localtime(session.ends_at)
        venue = session.venue
        values = {
            "全国地方公共団体コード": plan.municipality_code,
            "ID": session.pk,
            "地方公共団体名": plan.municipality,
            "イベント名": session.course.title,
            "開始日": starts.date().isoformat(),
            "終了日": ends.date().isoformat(),
            "開始時間": starts.strftime("%H:%M"),
            "終了時間": ends.strftime("%H:%M"),
            "説明": session.course.description,
            "連絡先名称": contact_name,
            "連絡先電話番号": contact_phone,
            "主催者": plan.municipality,
            "場所名称": venue.name,
            "住所": venue.address,
            "緯度": venue.latitude if venue.latitude is not None else "",
            "経度": venue.longitude if venue.longitude is not None else "",
            "定員": session.capacity,
        }
        yield [values.get(column, "") for column in EVENT_COLUMNS]


def events_csv(plan, *, fy):
    return _csv_bytes(EVENT_COLUMNS, event_rows(plan, fy=fy))


def suppress(value):
    """Primary suppression of one count on its own: 1–4 become "x". Tables go through
    participation_rows, which also hides the complementary cells."""
    if value is None:
        return 0
    if disclosure.is_primary(value):
        return SUPPRESSED
    return value


PARTICIPATION_BY = ("month", "venue", "category", "age_band", "gender")
PARTICIPATION_HEADER = ["年度", "集計区分", "項目", "延べ参加者数", "実参加者数"]
_BY_NAMES = {
    "month": "月",
    "venue": "会場",
    "category": "講座の種類",
    "age_band": "年代",
    "gender": "性別",
}


def participation_table(plan, *, fy):
    """(values, lines, order) of the participation table: attendances and unique participants
    of the fiscal year by month, venue, category, age band and gender, each dimension closed by
    a 合計 row; two grouped queries per dimension (plus venue names). Cells are keyed
    (dimension, key, "a" | "u"), the totals ("total", "a" | "u"); `order` lists the rows as
    (dimension, label, [attendances cell, unique cell]).

    Protected as one table: every dimension's attendances add up to the same 合計, and unique
    participants by age band and by gender add up to the unique 合計 (a resident has one age band
    and one gender; by month, venue or category a resident can count in several rows)."""
    start, end = fiscal_year_range_utc(fy)
    scope = MetricFilter.for_plan(plan)  # the plan's municipality only
    values: dict = {}
    lines = []
    order = []
    for by in PARTICIPATION_BY:
        attendances = dict(
            metric_breakdown(Metric.ATTENDANCES, start=start, end=end, filter=scope, by=by)
        )
        unique = dict(
            metric_breakdown(Metric.UNIQUE_PARTICIPANTS, start=start, end=end, filter=scope, by=by)
        )
        keys = list(attendances)
        labels = breakdown_labels(by, keys)
        for key in keys:
            label = labels.get(key, key)
            if isinstance(key, datetime.date) and by == "month":
                label = f"{key.year}年{key.month}月"
            values[(by, key, "a")] = attendances.get(key) or 0
            values[(by, key, "u")] = unique.get(key) or 0
            order.append((by, str(label), [(by, key, "a"), (by, key, "u")]))
        lines.append(disclosure.Line(tuple((by, k, "a") for k in keys), ("total", "a")))
        if by in ("age_band", "gender"):
            lines.append(disclosure.Line(tuple((by, k, "u") for k in keys), ("total", "u")))
        values[("total", "a")] = sum(attendances.values())
        if by == "gender":
            values[("total", "u")] = sum(unique.values())
        order.append((by, TOTAL_LABEL, [("total", "a"), ("total", "u")]))
    values.setdefault(("total", "u"), 0)
    return values, lines, order


def participation_rows(plan, *, fy, fy_label):
    """The participation table as published: hidden cells written "x"."""
    values, lines, order = participation_table(plan, fy=fy)
    hidden = disclosure.protect(values, lines)
    for by, label, cells in order:
        yield [
            fy_label,
            _BY_NAMES[by],
            label,
            *(disclosure.published(values[cell], cell, hidden) for cell in cells),
        ]


def participation_csv(plan, *, fy, fy_label):
    rows = [*participation_rows(plan, fy=fy, fy_label=fy_label), [NOTE]]
    return _csv_bytes(PARTICIPATION_HEADER, rows)
