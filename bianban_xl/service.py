"""Service functions: the one layer every shell uses. The CLI, the Excel buttons and the browser
window call these; they read a workbook (file or live RawBook), plan a step, and write the result.
Steps plan, verification checks, adapters read RawBooks and render SheetSpecs; only here are they
put together.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from bianban_xl.book.apply import apply_update_file
from bianban_xl.book import read as book_read
from bianban_xl.book.files import WORKBOOK_SUFFIXES, backup_copy, output_lock, plan_output
from bianban_xl.book.openpyxl_path import write_new_book
from bianban_xl.book.xlsx_read import ZipBook
from bianban_xl.model import schema as S
from bianban_xl.model.called_digits import recorded_seed
from bianban_xl.model.problems import Report, UserError, fail
from bianban_xl.model.raw_book import RawBook
from bianban_xl.model.records import Roster
from bianban_xl.model.sheet_model import BookUpdate, SheetSpec
from bianban_xl.model.validate import validate
from bianban_xl.onsite import correct, late, lock, lottery, public_list, seal, teachers
from bianban_xl.onsite.assign import AssignResult, Progress, assign_update, plan_assignment, previous_result_sheets
from bianban_xl.onsite.marks import result_code_of, witness_marks
from bianban_xl.onsite.state import SOURCE_COMPUTER, VerifyResult, lock_info, read_record
from bianban_xl.reports.result_sheets import summary_sheet
from bianban_xl.verify import verify_book

__all__ = ["AssignResult", "VerifyResult", "plan_assignment", "assign_update", "previous_result_sheets", "verify_book",
           "check_book", "read_book", "read_file", "ReadFile", "left_as_is", "check_file", "assign_file", "verify_file",
           "plan_teams", "check_can_draw", "plan_draw", "plan_public", "plan_lock", "plan_late", "plan_correct", "correct_file",
           "teachers_file", "draw_file", "public_file", "lock_file", "late_file", "book_state", "certificate_spec",
           "plan_seal", "seal_file"]


def check_book(book: RawBook) -> tuple[Roster | None, Report]:
    """Everything 检查数据 checks: the input (validate) and, when 教师名单 has any teacher, the
    teachers too — so their errors show before the day, not at 教师搭配 in front of supervisors.
    The roster is None when there is any error."""
    roster, report = validate(book)
    before_run = roster is not None and report.ok and S.SHEET_RECORD not in book.sheets   # (插班 adds pupils later)
    sealed = seal.read_seal(book) if before_run else None
    if sealed is not None and seal.input_code(roster)[1] != sealed.get(seal.K_CODE):
        # sealed, then changed: 自动编班 will refuse it — say so now, not after the number is called
        report.error(seal.SHEET_SEAL, f"输入数据在封存（{sealed.get(seal.K_TIME, '')}）之后被改动过：封存时的输入核验码是 "
                                      f"{sealed.get(seal.K_CODE)}，现在是 {seal.input_code(roster)[1]}；这样编班会被拒绝。",
                     "请查明改动（参数设置、学生名单或双胞胎）并经监督人员同意；改正后重新“数据封存”，打印签字，再报数编班。")
    if _has_teachers(book):
        teachers.read_teachers(book, report, counts=roster is not None)
    return (roster if report.ok else None), report


def _has_teachers(book: RawBook) -> bool:
    name = teachers.teacher_sheet_name(book)
    sheet = book.sheets.get(name) if name else None
    return sheet is not None and any(v not in (None, "") for row in sheet.rows[1:] for v in row)


# --- files ----------------------------------------------------------------
def read_book(path: str | Path) -> RawBook:
    """The RawBook of a workbook file (zip reader, else openpyxl). Raises UserError."""
    return book_read.read_book(path, fast=FAST_IO)


def _readable_workbook(src: Path) -> None:
    """Refuse a missing file or one that is not .xlsx/.xlsm (read_book says why) before the output
    is looked at, so the message is about the input."""
    if not src.is_file() or src.suffix.lower() not in WORKBOOK_SUFFIXES:
        read_book(src)


def can_draw(path: "str | Path | ReadFile") -> str | None:
    """What stops 班主任抽签 before the number is called out (UserError): not assigned, locked,
    drawn already, no head teachers — what the ribbon checks before its input box. Returns a
    warning to show first (teachers listed but no 教师搭配 made), or None. Given a ``ReadFile``
    (``read_file``), checks the book as read, which ``draw_file(read=…)`` then uses."""
    book = path.book if isinstance(path, ReadFile) else read_book(path)
    lottery.check_can_draw(book)
    return lottery.teams_not_made(book)


def can_assign(path: "str | Path | ReadFile", in_place: bool) -> None:
    """What stops 自动编班 before the number is called out (UserError): the lock, a sealed book
    already assigned or changed since sealing, on-site work a re-run in place would undo, and
    the input's own errors. Given a ``ReadFile``, checks the book as read."""
    book = path.book if isinstance(path, ReadFile) else read_book(path)
    lock.assign_guard(book, None, in_place)
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    seal.check_seal(book, roster)


def check_file(path: str | Path) -> tuple[Roster | None, Report]:
    return check_book(read_book(path))


@dataclass(frozen=True)
class ReadFile:
    """A workbook file as read (RawBook, and its parts when the zip reader read it) with the file's
    identity at that moment, so a later step on the same file can skip reading it again."""
    path: Path
    book: RawBook
    zb: ZipBook | None
    stamp: tuple

    def current(self) -> bool:
        """Whether the file is still the one read (same inode, size, modification and change time)."""
        try:
            return _stamp(self.path) == self.stamp
        except OSError:
            return False


def _stamp(p: Path) -> tuple:
    st = p.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def read_file(path: str | Path) -> ReadFile:
    """The workbook at ``path`` as ``assign_file`` reads it (raises UserError as read_book does)."""
    src = Path(path)
    before = _stamp(src) if src.is_file() else None
    book, zb = _read_for_assign(src)
    return ReadFile(src, book, zb, before if before is not None and _stamp(src) == before else ())


def assign_file(path: str | Path, out: str | Path | None = None, seed: int | None = None,
                progress: Progress = None, seed_source: str | None = None,
                force_reason: str | None = None, overwrite: bool = False,
                computer_seed: bool = False, read: ReadFile | None = None) -> tuple[AssignResult, Path, Path | None]:
    """Validate, balance and write. Without ``out`` the input is updated after a backup copy; an
    existing ``out`` is replaced only with ``overwrite`` (after a backup). The target's lock file is
    held from the first read to the last write (book.files); ``read``, the same file read before
    (``read_file``: the terminal asks for a seed when the book is sealed), is used instead of
    reading it again when, under the lock, the file is still the one read. Returns (result, written
    path, backup path or None). Raises UserError with nothing written."""
    src = Path(path)
    _readable_workbook(src)
    target, back_up = plan_output(src, out, overwrite)
    with output_lock(target):
        if read is not None and read.path == src and read.stamp and read.current():
            book, zb = read.book, read.zb
        else:
            book, zb = _read_for_assign(src)
        result = plan_assignment(book, seed=seed, progress=progress, seed_source=seed_source, force_reason=force_reason,
                                 in_place=target == src, computer_seed=computer_seed)
        backup = backup_copy(target) if back_up else None
        apply_update_file(src, target, assign_update(book, result), zb)
    return result, target, backup


FAST_IO = True   # read and write the parts directly when the workbook allows it (tests switch it off)


def _read_for_assign(src: Path):
    """(RawBook, ZipBook or None): the zip reader when it understands the file, else openpyxl."""
    return book_read.read_for_update(src, fast=FAST_IO)


def verify_file(path: str | Path) -> VerifyResult:
    return verify_book(read_book(path))


# --- on-site steps: plan on a RawBook (file or live book), or read-plan-write a file ------------
def plan_seal(book: RawBook) -> BookUpdate:
    return seal.plan_seal(book)


def is_sealed(book: RawBook) -> bool:
    return seal.read_seal(book) is not None


def plan_teams(book: RawBook, seed: int | None = None, seed_source: str | None = None) -> BookUpdate:
    return teachers.plan_teams(book, seed, seed_source)[1]


def check_can_draw(book: RawBook):
    """The quick checks before a draw, so a button can refuse before asking for a seed."""
    return lottery.check_can_draw(book)


def plan_draw(book: RawBook, seed: int | None = None, seed_source: str | None = None,
              manual: bool = False) -> BookUpdate:
    return lottery.plan_draw(book, verify_book(book), seed=seed, seed_source=seed_source, manual=manual)


def plan_public(book: RawBook) -> BookUpdate:
    return public_list.plan_public(book)


def plan_lock(book: RawBook, reason: str | None = None) -> BookUpdate:
    return lock.plan_lock(book, verify_book(book), reason)


def plan_late(book: RawBook, seed: int | None = None, seed_source: str | None = None) -> BookUpdate:
    return late.plan_late(book, seed=seed, seed_source=seed_source)


def plan_correct(book: RawBook, column: str, value: str, reason: str, row: int | None = None,
                 sid: str | None = None, name: str | None = None) -> BookUpdate:
    """更正学生信息: on a book that verifies, one cell of a pupil corrected and recorded."""
    return correct.plan_correct(book, verify_book(book), column, value, reason, row=row, sid=sid, name=name)


def left_as_is(update: BookUpdate, path: str | Path, target: str | Path) -> bool:
    """Whether run_step wrote nothing: an update that changes nothing, for the file itself (with
    another output file it still writes the copy)."""
    return update.changes_nothing() and Path(target).resolve() == Path(path).resolve()


def run_step(path: str | Path, out: str | Path | None, plan: Callable[..., BookUpdate], overwrite: bool = False,
             read: ReadFile | None = None, **kwargs) -> tuple[BookUpdate, Path, Path | None]:
    """Read ``path``, plan the step, write (the zip fast path when the update allows it, e.g. 数据封存
    on a registrar's input; else openpyxl). Returns (update, written path, backup or None). An
    update that changes nothing (数据封存 again on an unchanged input) leaves a workbook updated in
    place untouched: no rewrite, no backup copy. ``read``: the file as read before (``read_file``),
    used instead of reading it again when, under the lock, it is still the file read."""
    _readable_workbook(Path(path))
    target, back_up = plan_output(path, out, overwrite)
    with output_lock(target):
        if read is not None and read.path == Path(path) and read.stamp and read.current():
            book, zb = read.book, read.zb
        else:
            book, zb = _read_for_assign(Path(path))
        update = plan(book, **kwargs)
        if left_as_is(update, path, target):
            return update, target, None
        backup = backup_copy(target) if back_up else None
        apply_update_file(path, target, update, zb)
    return update, target, backup


def seal_file(path, out=None, overwrite=False):
    return run_step(path, out, plan_seal, overwrite)


def teachers_file(path, out=None, seed=None, seed_source=None, overwrite=False):
    return run_step(path, out, plan_teams, overwrite, seed=seed, seed_source=seed_source)


def draw_file(path, out=None, seed=None, seed_source=None, manual=False, overwrite=False, read=None):
    return run_step(path, out, plan_draw, overwrite, read, seed=seed, seed_source=seed_source, manual=manual)


def public_file(path, out=None, overwrite=False):
    """Without ``out``: 公示名单 is written into the workbook. With ``out``: a new workbook holding
    only the masked lists (what may be posted), never a copy of the book."""
    if out is None:
        return run_step(path, None, plan_public)
    _readable_workbook(Path(path))
    if Path(out).suffix.lower() == ".xlsm":        # a new workbook without macros: extension = content type
        fail("", f"公示名单“{Path(out).name}”是不含宏的新工作簿，不能用启用宏的 .xlsm 文件名。",
             f"请把文件名改为“{Path(out).with_suffix('.xlsx').name}”。")
    target, back_up = plan_output(path, out, overwrite, what="公示名单")
    with output_lock(target):
        update = plan_public(read_book(path))
        backup = backup_copy(target) if back_up else None
        write_new_book(target, update.sheets)
    return update, target, backup


def lock_file(path, out=None, overwrite=False, reason=None):
    return run_step(path, out, plan_lock, overwrite, reason=reason)


def late_file(path, out=None, seed=None, seed_source=None, overwrite=False):
    return run_step(path, out, plan_late, overwrite, seed=seed, seed_source=seed_source)


def correct_file(path, out=None, column="", value="", reason="", row=None, sid=None, name=None, overwrite=False):
    return run_step(path, out, plan_correct, overwrite, column=column, value=value, reason=reason, row=row, sid=sid,
                    name=name)


# --- for shells that list and show workbooks (bianban ui) -----------------------------------
STATE_NEW, STATE_ASSIGNED, STATE_DRAWN, STATE_LOCKED = "未编班", "已编班", "已抽签", "已锁定"


def book_state(path: "str | Path | ReadFile") -> str:
    """Where a workbook stands: 未编班 / 已编班 / 已抽签 / 已锁定 (from its 编班记录 and 抽签记录).
    Raises UserError when the file cannot be read as a workbook. Given a ``ReadFile``, of the book
    as read."""
    book = path.book if isinstance(path, ReadFile) else _read_for_assign(Path(path))[0]
    if lock_info(book) is not None:
        return STATE_LOCKED
    if S.SHEET_RECORD not in book.sheets:
        return STATE_NEW
    return STATE_DRAWN if S.SHEET_DRAW_LOG in book.sheets else STATE_ASSIGNED


def certificate_spec(path: str | Path) -> SheetSpec:
    """The 编班汇总 balance certificate of a result workbook, rebuilt from its class column and
    编班记录 (the same builder the run used). Raises UserError when there is no result."""
    book = read_book(path)
    rec = book.sheets.get(S.SHEET_RECORD)
    if rec is None:
        fail("", f"这个工作簿还没有编班结果（没有“{S.SHEET_RECORD}”工作表）。", "请先点击“自动编班”。")
    record = read_record(rec.rows)
    roster, report = validate(book)
    if roster is None:
        raise UserError(report)
    params = roster.params
    index = {name: k for k, name in enumerate(params.names())}
    missing = [s for s in roster.students if s.klass not in index]
    if missing:
        fail(roster.sheet, f"有 {len(missing)} 名学生没有班级或班级名不在参数设置中（如 {missing[0].name}）。",
             "请先用“插班”编入新增的学生，或点击“验证结果”查看哪里被改动。", row=missing[0].row)
    labels = np.array([index[s.klass] for s in roster.students], dtype=np.int64)
    try:
        seed = recorded_seed(record.get("随机种子", "0"))
    except ValueError:
        seed = 0
    spec = summary_sheet(roster, params, labels, record.get("编班时间", ""), seed)
    witness_marks([spec], params.names(), result_code_of(record), computer=record.get("种子来源") == SOURCE_COMPUTER)
    return spec
