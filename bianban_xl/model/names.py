"""同名 / 同音 detection.

Same name: whitespace-insensitive (half- and full-width), traditional = simplified (张偉 = 张伟).
Same sound: pinyin without tones, with the surname readings (单 shan, 曾 zeng, 解 xie …), and an
optional fuzzy mode for confusable sounds (zh/z, ch/c, sh/s, n/l, an/ang, en/eng, in/ing).
"""
from __future__ import annotations

import re
from functools import lru_cache

_WS = re.compile(r"[\s\u3000\u00a0\u200b·•．.]+")

# Surnames whose reading differs from the character's most common reading.
# Checked longest first (compound surnames).
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "万俟": ("mo", "qi"), "尉迟": ("yu", "chi"), "单于": ("chan", "yu"), "长孙": ("zhang", "sun"),
    "单": ("shan",), "曾": ("zeng",), "解": ("xie",), "仇": ("qiu",), "区": ("ou",), "朴": ("piao",),
    "查": ("zha",), "盖": ("ge",), "乐": ("yue",), "缪": ("miao",), "覃": ("qin",), "翟": ("zhai",),
    "任": ("ren",), "员": ("yun",), "种": ("chong",), "重": ("chong",), "召": ("shao",),
    "繁": ("po",), "折": ("she",), "冼": ("xian",), "蕃": ("pi",), "秘": ("bi",), "句": ("gou",),
    "隗": ("wei",), "费": ("fei",), "燕": ("yan",), "纪": ("ji",), "宓": ("fu",), "相": ("xiang",),
    "褚": ("chu",), "洗": ("xian",), "那": ("na",), "粘": ("nian",), "谌": ("chen",), "角": ("jue",),
    "难": ("ning",), "阚": ("kan",), "藏": ("zang",), "华": ("hua",),
}

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented: pure Python, no native build needed

    return opencc.OpenCC("t2s")


def normalize_name(name: object) -> str:
    """The comparison form of a name: no spaces of any width, simplified characters."""
    return _normalize_text(str(name or ""))


@lru_cache(maxsize=1 << 16)   # a name is normalised several times per run (同名, 同音, fingerprints)
def _normalize_text(raw: str) -> str:
    text = _WS.sub("", raw).strip()
    if not text:
        return ""
    return _t2s().convert(text)


_SURNAMES_LONGEST_FIRST = tuple(sorted(SURNAME_READINGS, key=len, reverse=True))


def name_pinyin(name: str, fuzzy: bool = False) -> tuple[str, ...]:
    """Toneless pinyin syllables of a (normalised) name, surname readings applied."""
    return _pinyin_of(normalize_name(name), fuzzy)


@lru_cache(maxsize=1)
def _pinyin_engine():
    """What ``pypinyin.lazy_pinyin`` builds on every call (its defaults), built once."""
    from pypinyin.converter import UltimateConverter
    from pypinyin.core import Pinyin

    return Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


@lru_cache(maxsize=1 << 16)
def _word_syllables(word: str) -> tuple[str, ...]:
    from itertools import chain

    from pypinyin import Style

    return tuple(chain(*_pinyin_engine()._converter.convert(word, Style.NORMAL, False, "default", strict=True)))


def lazy_pinyin(text: str) -> list[str]:
    """``pypinyin.lazy_pinyin(text, style=Style.NORMAL, errors="default")``, word by word as pypinyin
    does it (segment, then convert each word on its own), with each word's syllables cached:
    surnames and common given-name characters recur in every school."""
    return [s for w in _pinyin_engine().seg(text) for s in _word_syllables(w)]


@lru_cache(maxsize=1 << 16)
def _pinyin_of(text: str, fuzzy: bool) -> tuple[str, ...]:
    head: tuple[str, ...] = ()
    for surname in _SURNAMES_LONGEST_FIRST:
        if text.startswith(surname) and len(text) > len(surname):
            head = SURNAME_READINGS[surname]
            text = text[len(surname):]
            break
    syllables = head + tuple(s.lower() for s in lazy_pinyin(text))
    if fuzzy:
        syllables = tuple(_fuzz(s) for s in syllables)
    return syllables


def _fuzz(syllable: str) -> str:
    s = syllable.replace("v", "u").replace("ü", "u")
    for long, short in _FUZZY_INITIALS:
        if s.startswith(long):
            s = short + s[len(long):]
            break
    for long, short in _FUZZY_FINALS:
        if s.endswith(long):
            s = s[: -len(long)] + short
            break
    return s


def _groups(keys: list[object]) -> list[list[int]]:
    buckets: dict[object, list[int]] = {}
    for i, k in enumerate(keys):
        if k:
            buckets.setdefault(k, []).append(i)
    return [idx for idx in buckets.values() if len(idx) > 1]


def same_name_groups(names: list[str]) -> list[list[int]]:
    """Indices of students sharing a normalised name (groups of 2 or more)."""
    return _groups([normalize_name(n) for n in names])


def same_sound_groups(names: list[str], fuzzy: bool = False) -> list[list[int]]:
    """Indices of students whose names sound the same (toneless pinyin), excluding pure same-name
    groups: a group is reported only if it contains at least two different written names."""
    keys = [name_pinyin(n, fuzzy) if normalize_name(n) else None for n in names]
    out = []
    for idx in _groups(keys):
        if len({normalize_name(names[i]) for i in idx}) > 1:
            out.append(idx)
    return out
