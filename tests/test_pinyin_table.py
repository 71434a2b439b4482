"""The shipped pinyin table (bianban_xl/data/pinyin.txt, read by model/pinyin.py) is exactly what
pypinyin gives: rebuilt from the pinyin of the [test] extra it is the same, byte for byte, and
model.pinyin.lazy_pinyin equals pypinyin.lazy_pinyin on names and on random mixes of phrases,
characters and other text. A run that checks 同音 never loads pypinyin."""
from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin as reference
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from bianban_xl.model import pinyin
from bianban_xl.synth import generate_school

TOOL = Path(__file__).resolve().parent.parent / "tools" / "build_pinyin_table.py"


def _tool():
    spec = importlib.util.spec_from_file_location("build_pinyin_table", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_table_is_what_pypinyin_builds():
    assert _tool().build() == pinyin.TABLE.read_bytes(), (
        "bianban_xl/data/pinyin.txt differs from the installed pypinyin: run tools/build_pinyin_table.py "
        "with the pypinyin of the [test] extra")


def _texts() -> list[str]:
    r = generate_school(1500, 30, seed=11, n_schools=10, school_name="戊校", cap=60)
    rng = random.Random(15)
    phrases, chars = sorted(PHRASES_DICT), [chr(c) for c in sorted(PINYIN_DICT)]
    texts = [s.name for s in r.students] + [
        "", "欧阳 娜娜", "Anna李", "张3丰", "重庆", "长孙无忌", "单于", "曾国藩", "银行行长", "·", "王-小明",
        "ＡＢＣ", "李\u3000雷", "覃重重", "了了", "的的确确", "張偉", "𠀀𠀁", "\U0002ebe0李", "中\n", "㑍", "〇",
        "下不了", "不着边", "七返还"]             # the whole text begins a phrase, none of its prefixes is one
    texts += [w[:k] for w in phrases[::20] for k in range(2, len(w))]     # beginnings of phrases
    for _ in range(20000):
        parts = []
        for _ in range(rng.randint(1, 4)):
            x = rng.random()
            if x < 0.4:
                w = rng.choice(phrases)
                parts.append(w[rng.randrange(len(w)):] if rng.random() < 0.3 else w)
            elif x < 0.8:
                parts.append(rng.choice(chars))
            elif x < 0.9:
                parts.append(rng.choice(["a", "B2", " ", "-", "·", "Ⅱ", "ü", "\u3000"]))
            else:
                parts.append(rng.choice(phrases)[:rng.randint(1, 3)])
        texts.append("".join(parts))
    return texts


def test_lazy_pinyin_equals_pypinyin():
    wrong = [(t, pinyin.lazy_pinyin(t), reference(t, style=Style.NORMAL, errors="default")) for t in _texts()]
    wrong = [w for w in wrong if w[1] != w[2]]
    assert not wrong, wrong[:5]


def test_same_sound_check_does_not_load_pypinyin():
    code = ("import sys\nfrom bianban_xl.model.names import same_sound_groups\n"
            "assert same_sound_groups(['李轩', '李萱', '单明', '善明']) == [[0, 1], [2, 3]]\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pypinyin', 'jieba')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
