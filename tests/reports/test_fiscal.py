import datetime

import pytest

from reports.fiscal import (
    fiscal_year_bounds,
    fiscal_year_of,
    fiscal_year_range_utc,
    wareki_fiscal_label,
)

UTC = datetime.UTC


def test_fiscal_year_of_dates():
    assert fiscal_year_of(datetime.date(2025, 4, 1)) == 2025
    assert fiscal_year_of(datetime.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(datetime.date(2026, 4, 1)) == 2026
    assert fiscal_year_of(datetime.date(2026, 1, 15)) == 2025


def test_fiscal_year_of_datetimes_reads_tokyo_time():
    # 31 March 23:30 JST is 14:30 UTC the same day; 1 April 00:10 JST is 31 March 15:10 UTC.
    assert fiscal_year_of(datetime.datetime(2026, 3, 31, 14, 30, tzinfo=UTC)) == 2025
    assert fiscal_year_of(datetime.datetime(2026, 3, 31, 15, 10, tzinfo=UTC)) == 2026


def test_bounds_and_utc_range():
    assert fiscal_year_bounds(2025) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    start, end = fiscal_year_range_utc(2025)
    assert start == datetime.datetime(2025, 3, 31, 15, 0, tzinfo=UTC)
    assert end == datetime.datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    assert start.utcoffset() == datetime.timedelta(0)


@pytest.mark.parametrize(
    ("fy", "label"),
    [
        (2025, "令和7年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_wareki_fiscal_label(fy, label):
    assert wareki_fiscal_label(fy) == label
