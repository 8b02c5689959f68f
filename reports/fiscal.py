"""Fiscal years (年度, 1 April – 31 March in Asia/Tokyo) and their 和暦 labels."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
UTC = datetime.UTC

# Era of a fiscal year by the calendar year it starts in. 令和 began on 2019-05-01, so FY2019
# (2019-04-01 – 2020-03-31) opened under 平成; reports call the whole year 令和元年度, as the
# cities' own plans and the national government's budgets do, never 平成31年度. Every 年度 label
# on a page or in a file comes from `fiscal_year_label` / `fiscal_year_span_label` (templates:
# the `fiscal_year` and `fiscal_years` filters of reports/templatetags/wareki.py).
_ERAS = [("令和", 2019), ("平成", 1989), ("昭和", 1926)]


def fiscal_year_of(day: datetime.date | datetime.datetime) -> int:
    """The fiscal year a date (or an aware datetime, read in Tokyo time) belongs to."""
    if isinstance(day, datetime.datetime):
        day = day.astimezone(TOKYO).date()
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fy: int) -> tuple[datetime.date, datetime.date]:
    """First and last date of a fiscal year: FY2025 -> (2025-04-01, 2026-03-31)."""
    return datetime.date(fy, 4, 1), datetime.date(fy + 1, 3, 31)


def tokyo_midnight_utc(day: datetime.date) -> datetime.datetime:
    """The UTC instant a Tokyo calendar day starts."""
    return datetime.datetime(day.year, day.month, day.day, tzinfo=TOKYO).astimezone(UTC)


def fiscal_year_range_utc(fy: int) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a fiscal year as aware UTC datetimes, for filtering stored times."""
    return (
        tokyo_midnight_utc(datetime.date(fy, 4, 1)),
        tokyo_midnight_utc(datetime.date(fy + 1, 4, 1)),
    )


def wareki_fiscal_label(fy: int) -> str:
    """和暦 label of a fiscal year: 2025 -> 令和7年度, 2019 -> 令和元年度, 2018 -> 平成30年度."""
    for name, first_year in _ERAS:
        if fy >= first_year:
            number = fy - first_year + 1
            return f"{name}{'元' if number == 1 else number}年度"
    raise ValueError(f"no era for fiscal year {fy}")


def fiscal_year_label(fy: int) -> str:
    """A fiscal year as reports show it: 2025 -> 令和7年度（2025年度）."""
    return f"{wareki_fiscal_label(fy)}（{fy}年度）"


def fiscal_year_span_label(first: int, last: int) -> str:
    """A range of fiscal years: (2025, 2027) -> 令和7年度〜令和9年度; one year alone as itself."""
    if first == last:
        return fiscal_year_label(first)
    return f"{wareki_fiscal_label(first)}〜{wareki_fiscal_label(last)}（{first}〜{last}年度）"


def wareki_date(day: datetime.date) -> str:
    """和暦 date: 2026-11-23 -> 令和8年11月23日 (2019-05-01 -> 令和元年5月1日)."""
    from residents.models import era_label

    return f"{era_label(day.year, day)}{day.month}月{day.day}日"
