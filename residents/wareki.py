"""Japanese eras (和暦) as seniors give their birth dates: 昭和25年5月12日, S25.5.12, 25/5/12."""

from __future__ import annotations

import datetime
import re
import unicodedata

# Name, letter, first day; newest first.
ERAS = [
    ("令和", "R", datetime.date(2019, 5, 1)),
    ("平成", "H", datetime.date(1989, 1, 8)),
    ("昭和", "S", datetime.date(1926, 12, 25)),
    ("大正", "T", datetime.date(1912, 7, 30)),
    ("明治", "M", datetime.date(1868, 1, 25)),
]
ERA_NAMES = [name for name, _letter, _first in ERAS]

_ERA_PREFIX = "|".join([*ERA_NAMES, *(letter for _n, letter, _f in ERAS)])
# 昭和25年5月12日 / S25.5.12 / 昭和元年 / 25/5/12 (the era comes from elsewhere) / 1950-05-12.
_DATE = re.compile(
    rf"^(?P<era>{_ERA_PREFIX})?\s*(?P<year>\d{{1,4}}|元)\s*[年./\-]\s*"
    r"(?P<month>\d{1,2})\s*[月./\-]\s*(?P<day>\d{1,2})\s*日?$"
)


def era_year(era: str, number: int) -> int | None:
    """Western year of an era year ("昭和", 25 -> 1950), or None."""
    for name, letter, first_day in ERAS:
        if era in (name, letter):
            return first_day.year + number - 1
    return None


def era_label(year: int | None, day: datetime.date | None = None) -> str:
    """The era year of a birth date or year ("昭和25年"); mid-year decides for a bare year."""
    if not year:
        return ""
    day = day or datetime.date(year, 7, 1)
    for name, _letter, first_day in ERAS:
        if day >= first_day:
            number = day.year - first_day.year + 1
            return f"{name}{'元' if number == 1 else number}年"
    return ""


def era_date_label(day: datetime.date) -> str:
    """昭和25年5月12日."""
    return f"{era_label(day.year, day)}{day.month}月{day.day}日"


class NotADate(ValueError):
    """What was typed is not a date."""


class NoSuchDay(NotADate):
    """Read as a date, but the calendar has no such day: 1950-02-30."""


class NotInEra(ValueError):
    """A date the era never had: 昭和65年, 平成元年1月7日."""


def _era_bounds(name: str) -> tuple[datetime.date, datetime.date | None]:
    index = ERA_NAMES.index(name)
    following = ERAS[index - 1][2] if index > 0 else None
    return ERAS[index][2], following


def parse_japanese_date(text: str, default_era: str = "") -> datetime.date:
    """The date in `text`, in the Western calendar or an era's.

    A year of one to three digits without an era in the text is a year of `default_era`
    (the desk's era choice); without one it is not a date. Raises NotADate or NotInEra."""
    text = unicodedata.normalize("NFKC", text).strip().upper()
    match = _DATE.match(text)
    if not match:
        raise NotADate(text)
    era, year_text = match.group("era"), match.group("year")
    if era is None and year_text != "元" and len(year_text) == 4:
        name = ""
        year = int(year_text)
    else:
        era = era or default_era
        name = next((n for n, letter, _f in ERAS if era in (n, letter)), "")
        if not name:
            raise NotADate(text)
        year = era_year(name, 1 if year_text == "元" else int(year_text)) or 0
    try:
        day = datetime.date(year, int(match.group("month")), int(match.group("day")))
    except ValueError as error:
        raise NoSuchDay(text) from error
    if name:
        first, following = _era_bounds(name)
        if day < first or (following is not None and day >= following):
            raise NotInEra(text)
    return day
