"""居民身份证号 (GB 11643-1999): the birth date and gender an 18-digit number states, when its check
digit and date are right. A 学籍号 is often G followed by the pupil's number. Used to fill a blank
出生日期, to name a 出生日期 or 性别 that disagrees, and to keep the number off the class sheets;
the number itself is never kept or printed."""
from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_NUMBER = re.compile(r"G?(\d{17}[\dX])")


def id_card_facts(v) -> tuple[date, str] | None:
    """(birth date, 男/女) of an 18-digit 身份证号, also as G + the number (a 学籍号); else None.
    Full-width digits are the caller's to fold (validate does, as for every number it reads)."""
    if v is None or isinstance(v, bool):
        return None
    t = (str(int(v)) if isinstance(v, (int, float)) else str(v)).strip().upper()
    m = _NUMBER.fullmatch(t)
    if not m:
        return None
    n = m.group(1)
    if _CHECK[sum(int(d) * w for d, w in zip(n, _WEIGHTS)) % 11] != n[17]:
        return None
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return None
    return born, ("男" if int(n[16]) % 2 else "女")


def looks_like_id_card(v) -> bool:
    """Shaped like a 身份证号 (or G + one), right check digit or not: what a sheet for teachers masks."""
    return isinstance(v, str) and _NUMBER.fullmatch(v.strip().upper()) is not None
