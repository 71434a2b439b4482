"""The --seed option of every command: the range the engine uses in full, checked with a Chinese
message (a negative or oversized seed is a user error, never an internal one)."""
from __future__ import annotations

import argparse

SEED_MAX = (1 << 63) - 1     # the engine seeds numpy's PCG64 with 63 bits; larger seeds would collide
SEED_RANGE = f"0 到 {SEED_MAX} 之间的整数"


def seed_arg(text: str) -> int:
    """--seed: an integer the engine uses in full (0 … 2^63−1), else a Chinese usage error."""
    try:
        value = int(str(text).strip().replace(",", "").replace("，", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"随机种子“{text}”不是整数；请填写{SEED_RANGE}。") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"随机种子 {text} 超出范围；请填写{SEED_RANGE}（负数和更大的数会与其他种子重复，不予接受）。")
    return value
