"""Toneless pinyin of a text, exactly as ``pypinyin.lazy_pinyin(text, style=Style.NORMAL,
errors="default")`` gives it (pypinyin 0.55), from the table ``bianban_xl/data/pinyin.txt`` that
tools/build_pinyin_table.py computes with pypinyin itself.

Why a table: pypinyin parses its whole phrase and character dictionaries and trains its segmenter
on first use, ≈ 0.4 s CPU in every ``bianban`` run that checks 同音 — a third of a whole ``assign``
at N=300. Here the sorted table is read as bytes (a few ms; see _Table); each word is then
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

from bisect import bisect_left, bisect_right
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "data" / "pinyin.txt"
_TAB, _PHRASE = 9, ord("p")
_CHUNKS = 1024


class _Table:
    """The lines of the table (bytes, sorted), looked up by binary search, and the code points that
    count as Chinese.

    Splitting all 89,000 lines costs ≈ 12 ms, more than a run's look-ups: the lines are cut into
    ``_CHUNKS`` chunks by position, each chunk's first line kept, and a chunk is split into its lines
    only when a look-up first lands in it (a run touches a few hundred)."""

    def __init__(self, data: bytes):
        end = data.find(b"\n")
        if not data.startswith(b"#hans ") or end < 0:
            raise ValueError(f"{TABLE}: not a pinyin table")
        bounds: list[int] = []                 # [first, last + 1, first, last + 1, ...], ascending
        for span in data[6:end].decode("ascii").split():
            a, b = (int(x, 16) for x in span.split("-"))
            if (bounds and a < bounds[-1]) or b < a:
                raise ValueError(f"{TABLE}: the Chinese ranges are not in order")
            bounds += [a, b + 1]
        self.bounds = bounds
        self.data = data
        limit = data.rfind(b"\n") + 1         # the lines are the ones a "\n" ends
        step = max(1, (limit - end) // _CHUNKS)
        starts = [end + 1] if end + 1 < limit else []
        for k in range(1, _CHUNKS):
            at = data.find(b"\n", end + k * step) + 1
            if at <= 0 or at >= limit:
                break
            if at > starts[-1]:
                starts.append(at)
        self.starts = starts
        self.stops = starts[1:] + [limit]
        self.firsts = [data[a:data.find(b"\n", a)] for a in starts]
        self.chunks: dict[int, list[bytes]] = {}

    def _chunk(self, c: int) -> list[bytes]:
        lines = self.chunks.get(c)
        if lines is None:
            lines = self.chunks[c] = self.data[self.starts[c]:self.stops[c] - 1].split(b"\n")
        return lines

    def _line(self, c: int, j: int) -> bytes | None:
        """Line ``j`` counted from the start of chunk ``c`` (None past the last line)."""
        while c < len(self.starts):
            lines = self._chunk(c)
            if j < len(lines):
                return lines[j]
            j -= len(lines)
            c += 1
        return None

    def find(self, word: str) -> tuple[bytes, bytes | None, bytes | None]:
        """(UTF-8 bytes of word, the first line not below it, the line after that); None past the end."""
        key = word.encode("utf-8")
        c = max(bisect_right(self.firsts, key) - 1, 0)   # lines from chunk c + 1 on are above key
        j = bisect_left(self._chunk(c), key) if self.starts else 0
        return key, self._line(c, j), self._line(c, j + 1)

    def runs(self, text: str):
        """``text`` in runs of Chinese and of other characters: (is it Chinese, run), in order."""
        bounds = self.bounds
        i, n = 0, len(text)
        while i < n:
            hans = bisect_right(bounds, ord(text[i])) & 1
            j = i + 1
            while j < n and bisect_right(bounds, ord(text[j])) & 1 == hans:
                j += 1
            yield hans, text[i:j]
            i = j


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table(TABLE.read_bytes())


@lru_cache(maxsize=1 << 16)
def _probe(word: str) -> tuple[bool, bool]:
    """(is ``word`` a phrase of the dictionary, does any phrase start with it)."""
    key, line, nxt = _table().find(word)
    n = len(key)
    if line is None or line[:n] != key:
        return False, False
    if line[n] != _TAB:                      # a longer phrase starts with word
        return False, True
    if line[n + 1] == _PHRASE:
        return True, True
    return False, nxt is not None and nxt[:n] == key      # a character's own line


@lru_cache(maxsize=1 << 16)
def _word(word: str) -> tuple[str, ...]:
    """The syllables of one word of the cut: its line, or the word itself (a character without
    a reading; the cut yields only dictionary phrases and single characters)."""
    key, line, _ = _table().find(word)
    if line is not None and line.startswith(key + b"\t"):
        return tuple(line[len(key) + 3:].decode("utf-8").split(" "))
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
    for hans, run in _table().runs(text):
        if not hans:
            out.append(run)
        else:
            for word in _cut(run):
                out.extend(_word(word))
    return out
