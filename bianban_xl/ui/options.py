"""The options of `bianban ui` and `python -m bianban_xl.ui`, apart from the server so that the
`bianban` parser can offer them without loading Flask."""
from __future__ import annotations

import argparse

from bianban_xl.model.zh_args import ascii_digits


def port(text: str) -> int:
    """--port: 1 … 65535, else a Chinese usage error (99999 was taken and a random port used instead)."""
    t = ascii_digits(text)
    if not t.isdigit() or not 1 <= int(t) <= 65535:
        raise argparse.ArgumentTypeError(f"端口号“{text}”无效：应为 1 到 65535 之间的整数，如 8765；不填则自动选择一个空闲端口。")
    return int(t)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `bianban ui` and `python -m bianban_xl.ui`."""
    p.add_argument("dir", nargs="?", metavar="文件夹", help="工作文件夹（放工作簿的文件夹）；不填则用“文档”中的“均衡编班”文件夹")
    p.add_argument("--port", type=port, metavar="端口", help="端口号（1 到 65535）；不填则自动选择一个空闲端口")
    p.add_argument("--no-browser", action="store_true", help="不自动打开浏览器（只输出网址）")
