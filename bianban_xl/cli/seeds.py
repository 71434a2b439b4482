"""The --seed option of every command: the range the engine uses in full, checked with a Chinese
message (a negative or oversized seed is a user error, never an internal one)."""
from __future__ import annotations

import argparse

from bianban_xl.model.called_digits import parse_called_digits

SEED_MAX = (1 << 63) - 1     # the engine seeds numpy's PCG64 with 63 bits; larger seeds would collide
SEED_RANGE = f"0 到 {SEED_MAX} 之间的整数"


def seed_arg(text: str) -> int:
    """--seed: an integer the engine uses in full (0 … 2^63−1), else a Chinese usage error."""
    t = str(text).strip()
    if t.startswith(("-", "－")):
        value = -1
    else:
        try:                    # as typed at the prompt: "3 721", "３７２１", "3,721" are 3721
            value = parse_called_digits(t)
        except ValueError:
            value = SEED_MAX + 1 if t.replace(" ", "").isdigit() else None
        if value is None:
            raise argparse.ArgumentTypeError(f"随机种子“{text}”不是整数；请填写 {SEED_RANGE}。") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"随机种子 {text} 超出范围；请填写 {SEED_RANGE}（负数和更大的数会与其他种子重复，不予接受）。")
    return value


NOTE_MAX = 500               # --source / --reason go into 编班记录 cells; far below Excel's 32,767


def note_arg(text: str) -> str:
    """--source / --reason: a short note written into the record, refused when absurdly long."""
    if len(text) > NOTE_MAX:
        raise argparse.ArgumentTypeError(f"说明文字有 {len(text)} 个字，最长 {NOTE_MAX} 个字；请写简短的说明（如“家长代表报数”）。")
    return text
