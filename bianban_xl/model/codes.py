"""核验码: short codes people read aloud, write down and sign, derived from the long fingerprints.

12 characters in 3 groups of 4 (e.g. ``7KQM-2XHD-95RT``) from the first 60 bits of a SHA-256
fingerprint, in an alphabet without look-alikes (no 0/O, 1/I/L… : 2–9 and A–Z without I, O). A
mistyped or forged file gives another code with probability 1 − 2⁻⁶⁰.
"""
from __future__ import annotations

import re
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # 32 symbols: 5 bits each
_GROUPS, _GROUP = 3, 4


def short_code(fingerprint_hex: str) -> str:
    """The 核验码 of a hex fingerprint ("" for an empty or malformed one)."""
    fp = (fingerprint_hex or "").strip().lower()
    n_chars = _GROUPS * _GROUP
    if len(fp) < 16 or not re.fullmatch(r"[0-9a-f]+", fp):
        return ""
    bits = int(fp[:16], 16) >> (64 - 5 * n_chars)
    chars = [ALPHABET[(bits >> (5 * (n_chars - 1 - i))) & 31] for i in range(n_chars)]
    return "-".join("".join(chars[g * _GROUP:(g + 1) * _GROUP]) for g in range(_GROUPS))


def normalize_code(text: object) -> str:
    """A code as typed or written back (any case, spaces, dashes, full-width) in canonical form."""
    t = unicodedata.normalize("NFKC", "" if text is None else str(text)).upper()
    t = re.sub(r"[\s\-—–_·.]", "", t)
    if len(t) != _GROUPS * _GROUP:
        return t
    return "-".join(t[g * _GROUP:(g + 1) * _GROUP] for g in range(_GROUPS))
