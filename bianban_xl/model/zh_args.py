"""argparse in Chinese: help texts, usage lines and every usage error.

``ZhParser`` is an ``argparse.ArgumentParser`` whose help says 用法 / 位置参数 / 选项, whose -h and
--version help is Chinese, and whose ``error()`` prints a Chinese usage error (what was wrong, the
usage line, where to find examples) and exits 1 — exit 2 is kept for our own bugs. argparse's own
error texts (Python 3.10–3.13) are translated by the patterns in ``_MESSAGES``; anything not matched is
shown as it is after the Chinese lead-in, so a message is never lost.

A mistyped command or option names the closest one ("您是不是要输入 assign？", by difflib), and an
option the subcommand does not know is reported by that subcommand's parser, so its usage line and
its --help are the ones shown (argparse leaves unknown arguments to the top-level parser).
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from typing import NoReturn

USAGE = "用法："
_MESSAGES: list[tuple[re.Pattern, str]] = [(re.compile(p, re.S), r) for p, r in (
    (r"the following arguments are required: (.*)", r"缺少必填的参数：\1。"),
    (r"unrecognized arguments: (.*)", r"无法识别的参数：\1。"),
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


_CHOICE = re.compile(r"invalid choice: '?([^']*)'? \(choose from (.*)\)", re.S)
_REQUIRED = re.compile(r"the following arguments are required: (.*)", re.S)


def did_you_mean(word: str, candidates) -> str:
    """'您是不是要输入 X？' for the candidate closest to a mistyped ``word`` ('' when none is close)."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"您是不是要输入 {close[0]}？" if close else ""


def _invalid_choice(who: str, m: re.Match) -> str:
    word, choices = m.group(1), re.findall(r"'([^']*)'", m.group(2)) or [c.strip() for c in m.group(2).split(",")]
    if who.strip() == "参数 命令":
        return f"没有“{word}”这个命令。{did_you_mean(word, choices)}可用的命令：{'、'.join(choices)}。"
    return f"{who}的值“{word}”不是可用的选项。{did_you_mean(word, choices)}可选：{'、'.join(choices)}。"


def translate(message: str) -> str:
    """argparse's English error text in Chinese (unknown texts are kept as they are)."""
    who = ""
    m = _ARGUMENT.fullmatch(message.strip())
    if m:
        who, message = f"参数 {m.group(1).replace('/', ' 或 ')} ", m.group(2)
    hit = _CHOICE.fullmatch(message.strip())
    if hit:
        return _invalid_choice(who, hit)
    hit = _REQUIRED.fullmatch(message.strip())
    if hit:
        names = [n.strip().replace("/", " 或 ") for n in hit.group(1).split(", ")]
        return who + f"缺少必填的参数：{'、'.join(names)}。"
    for pattern, repl in _MESSAGES:
        hit = pattern.fullmatch(message.strip())
        if hit:
            out = hit.expand(repl)
            for en, zh in _TYPE_NAMES.items():
                out = out.replace(f"（应为{en}）", f"（应为{zh}）")
            return who + out
    return who + message


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def ascii_digits(text: str) -> str:
    """``text`` without surrounding spaces, its full-width digits (typed with a Chinese IME) as ASCII."""
    return text.strip().translate(_FULL_WIDTH_DIGITS)


def integer(text: str) -> int:
    """An argparse type: a whole number, with a Chinese message when it is not one."""
    t = ascii_digits(text)
    try:
        return int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数，请只写阿拉伯数字，如 2。") from None


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

    def format_help(self) -> str:
        """argparse ends each section heading with an ASCII colon; Chinese takes the full-width one."""
        text = super().format_help()
        for title in (self._positionals.title, self._optionals.title):
            text = text.replace(f"\n{title}:\n", f"\n{title}：\n")
        return text

    def parse_known_args(self, args=None, namespace=None):
        """As argparse's, except that arguments a subcommand does not know are reported by that
        subcommand's parser (its usage line, its --help, the closest of its options)."""
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and self._subcommand_of(namespace) is not None and not self._is_subparser:
            self._subcommand_of(namespace).error("unrecognized arguments: " + " ".join(extras))
        return namespace, extras

    _is_subparser = False

    def _subcommand_of(self, namespace) -> "ZhParser | None":
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices.get(getattr(namespace, action.dest, None) or "")
        return None

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("parser_class", _ZhSubParser)
        return super().add_subparsers(**kwargs)

    def _unknown_hint(self, message: str) -> str:
        """For 'unrecognized arguments': the closest option to the first unknown one that looks like an option."""
        m = re.fullmatch(r"unrecognized arguments: (.*)", message.strip(), re.S)
        if not m:
            return ""
        options = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
        for word in m.group(1).split():
            if word.startswith("--"):
                return did_you_mean(word.split("=")[0], options)
            if word.startswith("-"):
                return ""
        return ""

    def error(self, message: str) -> NoReturn:
        out = sys.stderr
        print(f"[错误] 命令行用法有误：{translate(message)}{self._unknown_hint(message)}", file=out)
        print(self.format_usage().rstrip(), file=out)
        print(f"处理办法：运行 {self.prog} --help 查看每个参数的说明和示例。没有修改任何文件。", file=out)
        sys.exit(1)


class _ZhSubParser(ZhParser):
    """The parser of one subcommand: leaves unknown arguments to the top-level parser, which hands
    them back to it to report (see ZhParser.parse_known_args)."""

    _is_subparser = True
