"""What a cell's stored value means, without openpyxl: Excel's built-in number formats, which
formats show dates or durations, Excel serial numbers <-> dates, times and durations (the 1900
date system), ISO 8601 cell values, and the characters a worksheet may not hold.

The zip reader and writer (``xlsx_read``, ``xlsx_fast``) run on every command; openpyxl costs
≈ 0.2 s to import, so they use these instead. Each rule gives exactly what openpyxl 3.1 gives for
the same input (read back by ``workbook_file.read_raw``): tests/test_xlsx_values.py compares them
on many formats and values, so a registrar's dates read the same on both paths. One addition on
both paths: the East Asian built-in date ids (EAST_ASIAN_DATE_IDS), which openpyxl reads as numbers.
"""
from __future__ import annotations

import datetime as dt
import re

# ECMA-376 part 1, 18.8.30: the number formats every workbook has without writing them down
# (the ids openpyxl knows; ids it does not know read as no format, i.e. not a date)
BUILTIN_FORMATS: dict[int, str] = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
    18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)", 40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}
BUILTIN_IDS: dict[str, int] = {code: i for i, code in BUILTIN_FORMATS.items()}

# The same clause lists ids whose code depends on the language of the application: in Chinese
# Excel 27–36 and 50–58 are its 年月日 dates and 时分 times (31 = yyyy"年"m"月"d"日", 58 =
# m"月"d"日", 32 = h"时"mm"分" …; Japanese and Korean Excel use them for their dates and times
# too), written without a numFmt element. openpyxl knows none of them and reads the bare day
# number; both readers here read such a cell as the date or time it shows (read_raw after
# openpyxl, the zip reader by this set). Never written: another language's Excel shows them
# otherwise.
EAST_ASIAN_DATE_IDS = frozenset(range(27, 37)) | frozenset(range(50, 59))

# the format a date-like value is written with when its cell has none that shows a date
DATETIME_FORMAT, DATE_FORMAT, TIME_FORMAT, DURATION_FORMAT = "yyyy-mm-dd h:mm:ss", "yyyy-mm-dd", "h:mm:ss", "[hh]:mm:ss"

# control characters a worksheet cannot hold (all below 0x20 but tab, line feed and carriage return)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_EPOCH = dt.datetime(1899, 12, 30)        # day 0 of the 1900 date system (as Excel counts after 1900-03-01)
_DAY_SECONDS = 86400

# In the first section of a format: quoted literals and bracketed parts other than the elapsed-time
# [h] [hh] [m] [mm] [s] [ss] (colours, locales, conditions) say nothing about dates.
_NOT_DATE_PARTS = re.compile(r'".*?"|\[(?!(?:hh?|mm?|ss?)\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")      # _x is a space as wide as x, \x a literal x
_ELAPSED = re.compile(r"\[(?:hh?|mm?|ss?)\]", re.I)


def builtin_format(fmt_id: int) -> str | None:
    """The code of built-in number format ``fmt_id``, None for ids without one."""
    return BUILTIN_FORMATS.get(fmt_id)


def is_date_format(fmt: str | None) -> bool:
    """Whether a number format shows its number as a date or a time (by its first section)."""
    if fmt is None:
        return False
    first = _NOT_DATE_PARTS.sub("", fmt.split(";")[0])
    return _DATE_LETTER.search(first) is not None


def is_duration_format(fmt: str | None) -> bool:
    """Whether a number format shows elapsed time ([h]:mm:ss and the like)."""
    return fmt is not None and _ELAPSED.search(fmt.split(";")[0]) is not None


def from_serial(value: int | float, duration: bool = False):
    """The date, datetime, time (0 <= value < 1) or, with ``duration``, timedelta an Excel serial
    number stands for, to the millisecond. Serials below 60 count Excel's phantom 1900-02-29."""
    if duration:
        td = dt.timedelta(days=value)
        if td.microseconds:
            td = dt.timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    clock = dt.timedelta(milliseconds=round(fraction * _DAY_SECONDS * 1000))
    if 0 <= value < 1 and clock.days == 0:
        minutes, seconds = divmod(clock.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, clock.microseconds)
    if 0 < value < 60:
        day += 1
    return _EPOCH + dt.timedelta(days=day) + clock


def _day_fraction(t) -> float:
    return (t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 10 ** 6) / _DAY_SECONDS


def to_serial(value) -> float | int:
    """The Excel serial number of a date, datetime, time or timedelta (inverse of from_serial)."""
    if isinstance(value, dt.time):
        return _day_fraction(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / _DAY_SECONDS
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    days = (value - _EPOCH).days
    if 0 < days <= 60:
        days -= 1
    return days + _day_fraction(value)


def format_for(value) -> str:
    """The number format a date-like value gets in a cell that shows no date (as openpyxl gives it)."""
    if isinstance(value, dt.datetime):
        return DATETIME_FORMAT
    if isinstance(value, dt.date):
        return DATE_FORMAT
    if isinstance(value, dt.time):
        return TIME_FORMAT
    return DURATION_FORMAT


_ISO = re.compile(r"(?:(\d{4})-(\d{2})-(\d{2}))?T?(?:(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?)?Z?")
_ISO_DURATION = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?")


def from_iso8601(text: str):
    """A cell of type d (ECMA-376 18.17.4): a date, time, datetime or, as Excel writes durations
    in strict mode, a timedelta (PT…H…M…S). ValueError for anything else; None for empty text."""
    if not text:
        return None
    m = _ISO.match(text)
    if m and any(g is not None for g in m.groups()):
        y, mo, d, h, mi, s, frac = m.groups()
        us = int(float(frac) * 1_000_000) if frac else 0
        clock = (int(h or 0), int(mi or 0), int(s or 0), us)
        if y is None:
            return dt.time(*clock)
        if h is None:
            return dt.date(int(y), int(mo), int(d))
        return dt.datetime(int(y), int(mo), int(d), *clock)
    m = _ISO_DURATION.match(text)
    if m and any(g is not None for g in m.groups()):
        h, mi, s = (float(g) if g else 0 for g in m.groups())
        return dt.timedelta(hours=h, minutes=mi, seconds=s)
    raise ValueError(f"Invalid datetime value {text}")


def quote_sheetname(name: str) -> str:
    """A sheet name as a formula or defined name refers to it: always quoted, quotes doubled."""
    return "'" + name.replace("'", "''") + "'"
