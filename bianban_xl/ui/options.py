"""The options of `bianban ui` and `python -m bianban_xl.ui`, apart from the server so that the
`bianban` parser can offer them without loading Flask."""
from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `bianban ui` and `python -m bianban_xl.ui`."""
    p.add_argument("dir", nargs="?", metavar="文件夹", help="工作文件夹（放工作簿的文件夹）；不填则用“文档”中的“均衡编班”文件夹")
    p.add_argument("--port", type=int, metavar="端口", help="端口号；不填则自动选择一个空闲端口")
    p.add_argument("--no-browser", action="store_true", help="不自动打开浏览器（只输出网址）")
