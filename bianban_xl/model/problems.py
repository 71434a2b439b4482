"""User-facing problems found in a workbook: where (sheet, row, cell), what, and how to fix it."""
from __future__ import annotations

from dataclasses import dataclass, field

from bianban_xl.model.cellref import column_letter

ERROR = "错误"
WARNING = "提醒"


@dataclass
class Problem:
    """One error or warning: where (sheet, cell) and what to do, in Chinese."""
    level: str            # ERROR or WARNING
    sheet: str            # sheet name ("" for the whole file)
    message: str          # what is wrong, in Chinese
    fix: str = ""         # what to do about it, in Chinese
    row: int | None = None
    col: int | None = None

    @property
    def where(self) -> str:
        if self.row and self.col:
            return f"{column_letter(self.col)}{self.row}"
        if self.row:
            return f"第{self.row}行"
        return ""

    def text(self) -> str:
        place = "、".join(p for p in (f"工作表“{self.sheet}”" if self.sheet else "", self.where) if p)
        head = f"[{self.level}] {place}：" if place else f"[{self.level}] "
        return head + self.message + (f" 处理办法：{self.fix}" if self.fix else "")


@dataclass
class Report:
    """All problems found, errors and warnings, in the order they were found."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, sheet: str, message: str, fix: str = "", row: int | None = None,
              col: int | None = None) -> None:
        self.problems.append(Problem(ERROR, sheet, message, fix, row, col))

    def warn(self, sheet: str, message: str, fix: str = "", row: int | None = None,
             col: int | None = None) -> None:
        self.problems.append(Problem(WARNING, sheet, message, fix, row, col))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def extend(self, other: "Report") -> None:
        self.problems.extend(other.problems)


class UserError(Exception):
    """Raised by service functions when the input cannot be used; carries the full report."""

    def __init__(self, report: Report):
        self.report = report
        first = report.errors[0].text() if report.errors else "输入有误"
        super().__init__(first)


def fail(sheet: str, message: str, fix: str = "", row: int | None = None, col: int | None = None):
    rep = Report()
    rep.error(sheet, message, fix, row, col)
    raise UserError(rep)
