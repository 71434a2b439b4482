"""The digits called out in the room as a seed, read the same way by every shell: the command line,
the console prompt, the browser form, the Excel input box and the district's seed table."""
from __future__ import annotations

import unicodedata


def parse_called_digits(typed: str | None) -> int | None:
    """Digits called out in the room and typed in (input box, browser form, console): full-width
    digits, spaces and separators (, ， 、 -) allowed, so "3 7 2 1" and "３７２１" are 3721; blank
    gives None. ValueError (carrying the cleaned text) for anything else, or a number of 2^63 or
    more (the engine seeds with 63 bits)."""
    t = unicodedata.normalize("NFKC", typed or "")
    t = "".join(ch for ch in t if not ch.isspace() and ch not in ",，、-")
    if not t:
        return None
    if not t.isdigit() or not t.isascii() or len(t) > 19 or int(t) >= 1 << 63:
        raise ValueError(t)
    return int(t)
