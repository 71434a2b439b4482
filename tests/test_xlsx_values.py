"""book/xlsx_values.py reads cell values as openpyxl does: the same built-in formats, the same
formats count as dates and durations, the same dates, times and durations from serial numbers and
ISO 8601 text, the same serial numbers written. The zip reader and writer use these instead of
openpyxl (not imported on `bianban assign`), so a difference here would be a date read differently
on the fast and the openpyxl path."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TIME_FORMATS
from openpyxl.styles.numbers import BUILTIN_FORMATS, builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils import quote_sheetname
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel, from_ISO8601, to_excel

from bianban_xl.book import xlsx_values as V

FORMATS = list(BUILTIN_FORMATS.values()) + [
    None, "", "General", "yyyy-mm-dd", "yyyy/m/d", 'yyyy"年"m"月"d"日"', "[$-804]yyyy年m月d日", "[DBNum1]yyyy年m月d日",
    "[h]:mm:ss", "[hh]:mm", "[mm]:ss", "[ss].000", "[H]:MM", "[HH]:mm:ss", "[hhh]:mm", "[Red]0.00", "[Blue]#,##0",
    '"day"0', '"d"0', '0"天"', "0_d", "0\\d", "_(d", "0;yyyy", "yyyy;0", "0.00;[Red]-0.00;\"-\";@", "@", "#,##0 \"h\"",
    '"a\nd"0', "m/d", "mmm", "hh:mm AM/PM", "e", "D", "S", "Y", "[<=9999999]###-####;(###) ###-####", "[>100]0;0",
    "[$¥-804]#,##0.00", "[$-F800]dddd, mmmm dd, yyyy", "[m]", "[s]", "\\[h]0", '"["h"]"0', "0.0E+0", "# ?/?",
    "yyyy-mm-dd hh:mm:ss.000", "[h]:mm:ss;@", "0;[h]", "mm:ss.0", "[hh]", "[MM]", "[Ss]",
]


@pytest.mark.parametrize("fid", list(range(0, 200)))
def test_builtin_formats(fid):
    assert V.builtin_format(fid) == builtin_format_code(fid)


def test_builtin_ids_and_date_formats_written():
    assert V.BUILTIN_IDS == {v: k for k, v in BUILTIN_FORMATS.items()}
    for t, code in TIME_FORMATS.items():
        assert V.format_for(t.min if t is not dt.timedelta else dt.timedelta(hours=5)) == code, t


def test_date_and_duration_formats():
    for fmt in FORMATS:
        assert V.is_date_format(fmt) == is_date_format(fmt), fmt
        assert V.is_duration_format(fmt) == is_timedelta_format(fmt), fmt


def test_serial_numbers_both_ways():
    rng = random.Random(7)
    values = [0, 0.5, 0.999999, 0.9999999999, 1, 1.25, 59, 59.5, 60, 60.5, 61, 366, 43831, 43831.75, 44000.123456789,
              2958465.99999, -0.5, 45000.0000001, 1e-9]
    values += [rng.uniform(0, 80000) for _ in range(3000)] + [rng.randint(1, 80000) for _ in range(500)]
    values += [rng.uniform(0, 1) for _ in range(1000)]
    for v in values:
        for duration in (False, True):
            try:
                want = from_excel(v, CALENDAR_WINDOWS_1900, timedelta=duration)
            except (OverflowError, ValueError) as exc:
                with pytest.raises(type(exc)):
                    V.from_serial(v, duration)
                continue
            got = V.from_serial(v, duration)
            assert got == want and type(got) is type(want), (v, duration)
            assert V.to_serial(got) == to_excel(got, CALENDAR_WINDOWS_1900), (v, got)
    for d in (dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2019, 9, 1),
              dt.datetime(2012, 5, 6, 7, 8, 9, 123456), dt.time(23, 59, 59, 999999), dt.timedelta(days=3, seconds=5)):
        assert V.to_serial(d) == to_excel(d, CALENDAR_WINDOWS_1900), d


def test_iso8601_cells():
    for text in ["2019-09-01", "2019-09-01T07:08:09", "2019-09-01T07:08:09.5Z", "2019-09-01T07:08", "07:08:09",
                 "T07:08:09.123", "07:08", "PT5H", "PT5H3M", "PT1.5S", "PT12H30M15.25S", "", "2019-09-01T", "Z"]:
        try:
            want = from_ISO8601(text)
        except ValueError:
            with pytest.raises(ValueError):
                V.from_iso8601(text)
            continue
        got = V.from_iso8601(text)
        assert got == want and type(got) is type(want), text
    with pytest.raises(ValueError):
        V.from_iso8601("昨天")


def test_illegal_characters_and_sheet_names():
    for code in range(0, 0x30):
        ch = chr(code)
        assert bool(V.ILLEGAL_CHARACTERS_RE.search(f"a{ch}b")) == bool(ILLEGAL_CHARACTERS_RE.search(f"a{ch}b")), code
    for name in ["1班", "编班汇总", "a b", "it's", "''", "Sheet1"]:
        assert V.quote_sheetname(name) == quote_sheetname(name)
