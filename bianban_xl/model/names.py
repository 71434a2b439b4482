"""同名 / 同音 detection.

Same name: whitespace-insensitive (half- and full-width), traditional = simplified (张偉 = 张伟).
Same sound: pinyin without tones (as pypinyin reads the name, phrase-aware, from the table of
model/pinyin.py), with the surname readings (单 shan, 曾 zeng, 解 xie …), and an
optional fuzzy mode for confusable sounds (zh/z, ch/c, sh/s, n/l, an/ang, en/eng, in/ing).
"""
from __future__ import annotations

import re
from functools import lru_cache

from bianban_xl.model.groups import unit_roots
from bianban_xl.model.pinyin import lazy_pinyin

# spaces of any width and the dots between the parts of a name (阿依古丽·买买提), as any input method types them
_WS = re.compile(r"[\s\u3000\u00a0\u200b·•．.\u30fb\uff65\u2027\u2219\u22c5]+")

# Surnames with more than one accepted reading: every reading in use as a surname, the usual one
# first. A name is compared under each of them (see :func:`name_readings`), so keeping 同音 names
# apart never depends on which reading a dictionary prefers (pypinyin reads 单 dan, 曾 ceng, 乐 le
# when the surname is read shan, zeng, yue). Checked longest first (compound surnames). Taken from
# pypinyin's heteronyms, keeping only readings in use as surnames (its lists also hold 王 yu, 方 wang,
# 仇 ju, which would tie 王伟 to 于伟); 费 bi, 谌 shen and 难 ning are surname readings it lacks.
# Surnames not listed take the dictionary's reading; the given name always does (see name_readings).
SURNAME_READINGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "万俟": (("mo", "qi"), ("wan", "si")), "尉迟": (("yu", "chi"), ("wei", "chi")),
    "单于": (("chan", "yu"), ("shan", "yu"), ("dan", "yu")), "长孙": (("zhang", "sun"), ("chang", "sun")),
    **{k: tuple((r,) for r in v.split()) for k, v in {
        "单": "shan dan chan", "曾": "zeng ceng", "解": "xie jie", "仇": "qiu chou", "区": "ou qu", "朴": "piao pu",
        "查": "zha cha", "盖": "ge gai", "乐": "yue le", "缪": "miao mou miu", "覃": "qin tan", "翟": "zhai di",
        "任": "ren", "员": "yun yuan", "种": "chong zhong", "重": "chong zhong", "召": "shao zhao",
        "繁": "po fan", "折": "she zhe", "冼": "xian", "蕃": "pi fan bo", "秘": "bi mi", "句": "gou ju",
        "隗": "wei kui", "费": "fei bi", "燕": "yan", "纪": "ji", "宓": "fu mi", "相": "xiang",
        "褚": "chu zhu", "洗": "xian xi", "那": "na nuo", "粘": "nian zhan", "谌": "chen shen", "角": "jue jiao",
        "难": "ning nan", "阚": "kan", "藏": "zang cang", "华": "hua", "尉": "yu wei", "能": "nai neng",
        "万": "wan mo", "柏": "bai bo", "长": "chang zhang", "祭": "zhai ji", "莘": "shen xin",
    }.items()},
}

_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
_FUZZY_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


@lru_cache(maxsize=1)
def _t2s():
    """The converter and the characters of its dictionaries' keys (see :func:`key_chars`)."""
    import opencc  # opencc-python-reimplemented: pure Python, no native build needed

    converter = opencc.OpenCC("t2s")
    return converter, key_chars(converter)


def key_chars(converter) -> frozenset[str] | None:
    """Characters such that a text holding none of them comes out of the converter unchanged; None
    when its dictionaries are not where opencc-python-reimplemented 0.1.7 keeps them.

    The converter replaces only text that is a key of one of its dictionaries (the separators it
    splits on stay as they are). A key mapped to itself changes nothing; every other key holds one
    of these characters (one chosen per key: a traditional character where it has one), so a text
    without them — most names — is left as it is, not walked through the converter's parse trees
    (≈ 10 µs a name)."""
    try:
        tables = [table for group in converter._dict_chain_data for _, _, table in group]
        chars: set[str] = set()
        for table in tables:
            chars.update(k for k, v in table.items() if len(k) == 1 and k != v)
        for table in tables:
            for k, v in table.items():
                if len(k) > 1 and k != v and chars.isdisjoint(k):
                    chars.add(next((a for a, b in zip(k, v) if a != b), k[0]))
    except (AttributeError, TypeError, ValueError):
        return None
    return frozenset(chars) or None


def normalize_name(name: object) -> str:
    """The comparison form of a name: no spaces of any width, simplified characters."""
    return _normalize_text(str(name or ""))


@lru_cache(maxsize=1 << 16)   # a name is normalised several times per run (同名, 同音, fingerprints)
def _normalize_text(raw: str) -> str:
    text = _WS.sub("", raw).strip()
    if not text:
        return ""
    converter, keys = _t2s()
    if keys is not None and keys.isdisjoint(text):
        return text
    return converter.convert(text)


_SURNAME_LENGTHS = sorted({len(k) for k in SURNAME_READINGS}, reverse=True)


def name_pinyin(name: str, fuzzy: bool = False) -> tuple[str, ...]:
    """Toneless pinyin syllables of a (normalised) name, the surname read the usual way."""
    return _readings_of(normalize_name(name), fuzzy)[0]


def name_readings(name: str, fuzzy: bool = False) -> frozenset[tuple[str, ...]]:
    """Every way the name may be read: each accepted reading of the surname (SURNAME_READINGS),
    followed by the given name as the dictionary reads it in context (pypinyin, phrase-aware).

    The given name is not expanded into every heteronym of every character: pypinyin lists readings
    nobody uses in names (和 hu/huo, 行 hang), and expanding them would tie together names no one
    reads alike, until the keep-apart rules can no longer be met. The surname is where readings
    truly vary, and where a dictionary, lacking context, guesses wrong."""
    return frozenset(_readings_of(normalize_name(name), fuzzy))


@lru_cache(maxsize=1 << 16)
def _readings_of(text: str, fuzzy: bool) -> tuple[tuple[str, ...], ...]:
    """The readings of a normalised name, the usual one first."""
    heads: tuple[tuple[str, ...], ...] = ((),)
    for k in _SURNAME_LENGTHS:                 # longest first (复姓 before 单姓)
        if len(text) > k and text[:k] in SURNAME_READINGS:
            heads = SURNAME_READINGS[text[:k]]
            text = text[k:]
            break
    rest = tuple(s.lower() for s in lazy_pinyin(text))
    out: list[tuple[str, ...]] = []
    for head in heads:
        syllables = head + rest
        if fuzzy:
            syllables = tuple(_fuzz(s) for s in syllables)
        if syllables not in out:
            out.append(syllables)
    return tuple(out)


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
    """Indices of students whose names may sound the same (toneless pinyin), excluding pure
    same-name groups: a group is reported only if it contains at least two different written names.

    Two names sound the same when ANY of their readings (:func:`name_readings`) agree; each group
    holds every name that can be read one particular way, so every such pair shares a group (a pair
    may be in several). Groups contained in another are dropped. Sorted, so the engine's input does
    not depend on set order."""
    buckets: dict[tuple[str, ...], list[int]] = {}
    for i, n in enumerate(names):
        if normalize_name(n):
            for key in _readings_of(normalize_name(n), fuzzy):
                buckets.setdefault(key, []).append(i)
    groups = sorted({tuple(idx) for idx in buckets.values()
                     if len(idx) > 1 and len({normalize_name(names[i]) for i in idx}) > 1})
    sets = [set(g) for g in groups]
    return [list(g) for g, s in zip(groups, sets) if not any(s < t for t in sets)]


def sound_groups_to_part(names: list[str], fuzzy: bool, together: list[list[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """(groups to keep apart, pairs left together) under 同音分开: :func:`same_sound_groups`, less
    the pairs a 同班 application binds (twins named 郭悦 / 郭越: the parents' written request
    decides, the homophone rule gives way). A group holding such a pair becomes its other pairs."""
    unit = unit_roots(len(names), together)
    keep: list[list[int]] = []
    bound: list[list[int]] = []
    for g in same_sound_groups(names, fuzzy=fuzzy):
        pairs = [(a, b) for i, a in enumerate(g) for b in g[i + 1:]]
        if all(unit[a] != unit[b] for a, b in pairs):
            keep.append(g)
            continue
        keep += [[a, b] for a, b in pairs if unit[a] != unit[b]]
        bound += [[a, b] for a, b in pairs if unit[a] == unit[b] and normalize_name(names[a]) != normalize_name(names[b])]
    return keep, bound
