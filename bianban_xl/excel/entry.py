"""Ribbon entry points of workbook_template.xlsm. Each VBA callback runs one of these through
xlwings RunPython, e.g. ``RunPython "import bianban_xl.excel.entry as e; e.check_data()"``.

Each function is a thin shell: find the calling workbook, run one action of ``live_book`` (which
calls the service functions) with Chinese error handling. ``book`` is only for tests.
"""
from __future__ import annotations

from typing import Any

from . import live_book as L


def check_data(book: Any = None) -> None:
    """检查数据"""
    L.run_button(L.check_data, book)


def assign(book: Any = None) -> None:
    """自动编班"""
    L.run_button(L.assign, book)


def teams(book: Any = None) -> None:
    """教师搭配"""
    L.run_button(L.teams, book)


def draw(book: Any = None) -> None:
    """班主任抽签"""
    L.run_button(L.draw, book)


def late(book: Any = None) -> None:
    """插班"""
    L.run_button(L.late, book)


def verify(book: Any = None) -> None:
    """验证结果"""
    L.run_button(L.verify, book)


def export_public(book: Any = None) -> None:
    """公示导出"""
    L.run_button(L.export_public, book)


def lock(book: Any = None) -> None:
    """锁定"""
    L.run_button(L.lock, book)
