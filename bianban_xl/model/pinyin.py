"""Toneless pinyin of a text, exactly as ``pypinyin.lazy_pinyin(text, style=Style.NORMAL,
errors="default")`` gives it (pypinyin 0.55), from the table ``bianban_xl/data/pinyin.txt`` that
tools/build_pinyin_table.py computes with pypinyin itself.

Why a table: pypinyin parses its whole phrase and character dictionaries and trains its segmenter
on first use, ≈ 0.4 s CPU in every ``bianban`` run that checks 同音 — a third of a whole ``assign``
at N=300. Here the sorted table is read as bytes and split into lines (a few ms); each word is then
found by binary search, so only the words of the names at hand are ever decoded. The readings no
longer depend on which pypinyin a machine has installed, so 同音 groups (and so the classes of a
seed) are the same everywhere. tests/test_pinyin_table.py rebuilds the table from pypinyin and
compares it byte for byte, and compares this module with ``pypinyin.lazy_pinyin`` on many names.

What pypinyin does, and this module repeats: split the text into runs of Chinese characters and of
anything else (kept as one syllable each); cut each Chinese run into words by forward maximum
matching over its phrase dictionary (strict: only dictionary phrases or single characters come out);
read each word as a whole (a phrase by its dictionary reading, a character by its first reading; a
character without any reading is read as itself).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "data" / "pinyin.txt"
_TAB, _PHRASE = 9, ord("p")


class _Table:
    """The lines of the table (bytes, sorted) and the pattern that splits a text into runs."""

    def __init__(self, data: bytes):
        head, _, body = data.partition(b"\n")
        if not head.startswith(b"#hans "):
            raise ValueError(f"{TABLE}: not a pinyin table")
        self.lines = body.split(b"\n")[:-1]
        spans = []
        for span in head[6:].decode("ascii").split():
            a, b = (int(x, 16) for x in span.split("-"))
            spans.append(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b != a else ""))
        cls = "".join(spans)
        self.runs = re.compile(f"([{cls}]+)|[^{cls}]+")

    def find(self, word: str) -> tuple[int, bytes]:
        """(index, UTF-8 bytes of word) of the first line whose word is not below ``word``."""
        key = word.encode("utf-8")
        return bisect_left(self.lines, key), key


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table(TABLE.read_bytes())


@lru_cache(maxsize=1 << 16)
def _probe(word: str) -> tuple[bool, bool]:
    """(is ``word`` a phrase of the dictionary, does any phrase start with it)."""
    t = _table()
    i, key = t.find(word)
    n = len(key)
    if i == len(t.lines) or t.lines[i][:n] != key:
        return False, False
    line = t.lines[i]
    if line[n] != _TAB:                      # a longer phrase starts with word
        return False, True
    if line[n + 1] == _PHRASE:
        return True, True
    nxt = t.lines[i + 1] if i + 1 < len(t.lines) else b""      # a character's own line
    return False, nxt[:n] == key


@lru_cache(maxsize=1 << 16)
def _word(word: str) -> tuple[str, ...]:
    """The syllables of one word of the cut: its line, or the word itself (a character without
    a reading; the cut yields only dictionary phrases and single characters)."""
    t = _table()
    i, key = t.find(word)
    if i < len(t.lines) and t.lines[i].startswith(key + b"\t"):
        return tuple(t.lines[i][len(key) + 3:].decode("utf-8").split(" "))
    return (word,)


def _cut(run: str) -> list[str]:
    """A run of Chinese characters cut into words: at each position the longest dictionary phrase
    among the prefixes that still begin some phrase, else one character — except that when the
    whole rest begins a phrase but none of its prefixes is one, each character stands alone."""
    words = []
    i, n = 0, len(run)
    while i < n:
        longest = 0
        j = i + 1
        while j <= n:
            phrase, prefix = _probe(run[i:j])
            if not prefix:
                break
            if phrase:
                longest = j - i
            j += 1
        if longest:
            words.append(run[i:i + longest])
            i += longest
        elif j > n:                           # the whole rest is a prefix and holds no phrase
            words.extend(run[i:])
            break
        else:
            words.append(run[i])
            i += 1
    return words


def lazy_pinyin(text: str) -> list[str]:
    """The toneless syllables of ``text``; anything not Chinese stays as it is, one run a syllable."""
    out: list[str] = []
    for m in _table().runs.finditer(text):
        if m.group(1) is None:
            out.append(m.group(0))
        else:
            for word in _cut(m.group(1)):
                out.extend(_word(word))
    return out
