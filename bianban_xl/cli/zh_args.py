"""argparse in Chinese: help texts, usage lines and every usage error.

``ZhParser`` is an ``argparse.ArgumentParser`` whose help says 用法 / 位置参数 / 选项, whose -h and
--version help is Chinese, and whose ``error()`` prints a Chinese usage error (what was wrong, the
usage line, where to find examples) and exits 1 — exit 2 is kept for our own bugs. argparse's own
error texts (Python 3.10–3.13) are translated by the patterns in ``_MESSAGES``; anything not matched is
shown as it is after the Chinese lead-in, so a message is never lost.
"""
from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

USAGE = "用法："
_MESSAGES: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), r) for p, r in (
    (r"the following arguments are required: (.*)", r"缺少必填的参数：\1。"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1。"),
    (r"invalid choice: '?([^']*)'? \(choose from (.*)\)", r"“\1”不是可用的选项（可选：\2）。"),
    (r"invalid (\w+) value: '?([^']*)'?", r"“\2”不是有效的值（应为\1）。"),
    (r"expected one argument", "后面需要跟一个值。"),
    (r"expected at most one argument", "后面最多跟一个值。"),
    (r"expected at least one argument", "后面至少跟一个值。"),
    (r"expected (\d+) arguments?", r"后面需要跟 \1 个值。"),
    (r"ignored explicit argument '?([^']*)'?", r"不接受值“\1”。"),
    (r"not allowed with argument (.*)", r"不能和 \1 同时使用。"),
    (r"one of the arguments (.*) is required", r"\1 中必须填写一个。"),
    (r"ambiguous option: (\S+) could match (.*)", r"选项 \1 不明确，可能是 \2。"),
)]
_ARGUMENT = re.compile(r"argument ([^:]+): (.*)", re.S)
_TYPE_NAMES = {"int": "整数", "float": "数字"}


def translate(message: str) -> str:
    """argparse's English error text in Chinese (unknown texts are kept as they are)."""
    who = ""
    m = _ARGUMENT.fullmatch(message.strip())
    if m:
        who, message = f"参数 {m.group(1).replace('/', ' 或 ')} ", m.group(2)
    for pattern, repl in _MESSAGES:
        hit = pattern.fullmatch(message.strip())
        if hit:
            out = hit.expand(repl)
            for en, zh in _TYPE_NAMES.items():
                out = out.replace(f"（应为{en}）", f"（应为{zh}）")
            return who + out
    return who + message


def integer(text: str) -> int:
    """An argparse type: a whole number, with a Chinese message when it is not one."""
    t = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    try:
        return int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数，请只写数字，如 20260901。") from None


class ZhFormatter(argparse.RawDescriptionHelpFormatter):
    """Help with 用法： instead of usage:."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class ZhParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Chinese and exits 1 on a usage error (see the module doc)."""

    def __init__(self, *args, **kwargs):
        kwargs["formatter_class"] = ZhFormatter
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助（含示例）并退出")

    def error(self, message: str) -> NoReturn:
        out = sys.stderr
        print(f"[错误] 命令行用法有误：{translate(message)}", file=out)
        print(self.format_usage().rstrip(), file=out)
        print(f"处理办法：运行 {self.prog} --help 查看每个参数的说明和示例。没有修改任何文件。", file=out)
        sys.exit(1)
