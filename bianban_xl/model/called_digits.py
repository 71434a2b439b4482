"""The digits called out in the room as a seed, read the same way by every shell: the command line,
the console prompt, the browser form, the Excel input box and the district's seed table.

A parent may call "0012". The engine seeds with the number (12: the same classes as "12"), but the
supervisor wrote 0012 on the paper record and must find 0012 on the 编班记录 and the certificate.
So a called number with leading zeros is a :class:`CalledSeed`: an ``int`` (every step, the RNG
and every comparison see 12) whose text is the digits as called (``str`` and ``f"{seed}"`` give
"0012"). It rides through every shell unchanged — nothing between the prompt and the record has
to carry a second value — and the record reads back with :func:`recorded_seed`, keeping them.
"""
from __future__ import annotations

import unicodedata


class CalledSeed(int):
    """A seed called out with leading zeros: the number for computing, the digits as called for
    showing (``str``, ``format`` without a spec; ``%d`` and ``:d`` give the bare number)."""

    digits: str

    def __new__(cls, digits: str) -> "CalledSeed":
        seed = super().__new__(cls, int(digits))
        seed.digits = digits
        return seed

    def __str__(self) -> str:
        return self.digits

    def __format__(self, spec: str) -> str:
        return self.digits if not spec else int.__format__(self, spec)

    def __reduce__(self):                   # batch workers receive it through pickle
        return CalledSeed, (self.digits,)


def as_cell(seed: int | None) -> int | str | None:
    """A seed as a workbook cell holds it: the digits as called, as text (a number cell would drop the
    zeros of 0012), else the number."""
    return str(seed) if isinstance(seed, CalledSeed) else seed


def _seed(digits: str) -> int:
    value = int(digits)
    return CalledSeed(digits) if digits != str(value) else value


def parse_called_digits(typed: str | None) -> int | None:
    """Digits called out in the room and typed in (input box, browser form, console): full-width
    digits, spaces and separators (, ， 、 -) allowed, so "3 7 2 1" and "３７２１" are 3721; blank
    gives None; leading zeros are kept for showing ("0012" is a CalledSeed: 12, shown 0012).
    ValueError (carrying the cleaned text) for anything else, or a number of 2^63 or more (the
    engine seeds with 63 bits)."""
    t = unicodedata.normalize("NFKC", typed or "")
    t = "".join(ch for ch in t if not ch.isspace() and ch not in ",，、-")
    if not t:
        return None
    if not t.isdigit() or not t.isascii() or len(t) > 19 or int(t) >= 1 << 63:
        raise ValueError(t)
    return _seed(t)


def same_digits(first: int | None, second: int | None) -> bool:
    """Whether two typings of the called number agree digit for digit: 0012 and 12 are the same
    seed but not what was called, so the operator types it again."""
    return first is not None and second is not None and str(first) == str(second)


def zeros_note(first: int | None, second: int | None) -> str:
    """Said beside "两次输入不一致" when the typings differ only in leading zeros."""
    if first is None or second is None or first != second:
        return ""
    return f"（{first} 和 {second} 只差前面的 0；记录上照报出的样子写，请按报出的样子输入两遍）"


def recorded_seed(text: object) -> int:
    """A seed read back from a record (编班记录, 抽签记录, 教师搭配): as ``int(text)`` always did
    (ValueError when it is not a whole number), with the digits as written kept for showing."""
    t = str(text).strip()
    value = int(t)
    return _seed(t) if t.isascii() and t.isdigit() else value
