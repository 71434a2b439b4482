"""Build bianban_xl/data/pinyin.txt, the toneless pinyin table behind 同音 checks (model/pinyin.py).

    pip install "pypinyin==0.55.0"    # the version in the [test] extra; tests compare against it
    python tools/build_pinyin_table.py

What ``pypinyin.lazy_pinyin(text, style=Style.NORMAL, errors="default")`` needs, precomputed by
pypinyin itself, so that model/pinyin.py gives exactly its results without loading pypinyin's
dictionaries (≈ 0.4 s CPU on every run) and without depending on the installed pypinyin version:

- one line per word pypinyin knows, sorted by the UTF-8 bytes of the word:
  ``word<TAB>kind<TAB>syllables`` — kind ``p`` for an entry of pypinyin's phrase dictionary (its
  segmenter matches these), ``c`` for a single character of its character dictionary; syllables
  (space-separated) are what pypinyin's converter returns for the word on its own, in NORMAL style;
- a first line ``#hans`` with the code-point ranges pypinyin treats as Chinese characters (its
  ``RE_HANS``), found by testing every code point.

Characters in those ranges without a line read as themselves (checked here for every one).
tests/test_pinyin_table.py rebuilds the table in memory and compares it byte for byte.
"""
from __future__ import annotations

import sys
from itertools import chain
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bianban_xl" / "data" / "pinyin.txt"


def build() -> bytes:
    """The table's bytes, from the installed pypinyin."""
    from pypinyin import Style
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
    from pypinyin.converter import UltimateConverter

    conv = UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False)

    def syllables(word: str) -> list[str]:
        got = list(chain(*conv.convert(word, Style.NORMAL, False, "default", strict=True)))
        for s in got:
            if any(ch in s for ch in " \t\n"):
                raise ValueError(f"syllable with a separator: {word!r} -> {got!r}")
        return got

    ranges: list[list[int]] = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or not RE_HANS.match(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    hans = {chr(cp) for a, b in ranges for cp in range(a, b + 1)}
    rows: dict[str, tuple[str, list[str]]] = {}
    for word in PHRASES_DICT:
        if not all(ch in hans for ch in word):
            raise ValueError(f"phrase with a character pypinyin does not treat as Chinese: {word!r}")
        rows[word] = ("p", syllables(word))
    for cp in PINYIN_DICT:
        ch = chr(cp)
        if ch not in rows and ch in hans:
            rows[ch] = ("c", syllables(ch))
    for ch in hans - rows.keys():           # read as themselves: no line needed
        if syllables(ch) != [ch]:
            raise ValueError(f"character without a dictionary entry but with a reading: {ch!r}")
    head = "#hans " + " ".join(f"{a:x}-{b:x}" for a, b in ranges) + "\n"
    body = sorted(f"{w}\t{kind}\t{' '.join(syl)}\n".encode("utf-8") for w, (kind, syl) in rows.items())
    return head.encode("ascii") + b"".join(body)


def main() -> int:
    data = build()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_bytes(data)
    words = data.count(b"\n") - 1
    print(f"wrote {OUT} ({len(data) / 1e6:.2f} MB, {words} words)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
