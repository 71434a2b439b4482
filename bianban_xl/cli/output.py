"""What every `bianban` command prints: lines flushed at once, a report's problems with the closing
count, and progress bars on stderr (one school, or many files)."""
from __future__ import annotations

import sys
import time

from bianban_xl.model.problems import Report


def out(text: str = "") -> None:
    print(text, flush=True)


def print_report(report: Report, show_warnings: bool = True) -> None:
    errors, warnings = report.errors, report.warnings
    for p in errors:
        out(p.text())
    if show_warnings:
        for p in warnings:
            out(p.text())
    if errors:
        out(f"\n共 {len(errors)} 个错误" + (f"、{len(warnings)} 条提醒" if warnings else "") + "。请改正错误后再试；本次没有修改任何文件。")
    elif warnings:
        out(f"\n没有错误，{len(warnings)} 条提醒。")


def progress(fraction: float, what: str) -> None:
    if sys.stderr.isatty():
        bar = "#" * int(fraction * 30)
        print(f"\r{what} [{bar:<30}] {fraction:4.0%}", end="" if fraction < 1 else "\n", file=sys.stderr, flush=True)


def count_progress(what: str):
    """A text progress bar on stderr for many files: redrawn in place on a terminal, else every 10%."""
    start = time.perf_counter()
    state = {"tenth": -1}

    def show(done: int, total: int, name: str) -> None:
        frac = done / total if total else 1.0
        secs = time.perf_counter() - start
        line = f"{what} [{'#' * int(frac * 30):<30}] {done}/{total}  {secs:.0f} 秒"
        if sys.stderr.isatty():
            tail = f"  {name}"[:40] if name else ""
            print(f"\r{line}{tail:<40}", end="" if done < total else "\n", file=sys.stderr, flush=True)
        elif int(frac * 10) > state["tenth"] or done == total:
            state["tenth"] = int(frac * 10)
            print(line, file=sys.stderr, flush=True)

    return show
