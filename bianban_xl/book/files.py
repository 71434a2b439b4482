"""How the tool touches files on disk. The one place for these rules, so every writer (openpyxl, the
zip fast path, the district overview) and every command gets the same guarantees:

* every output is written to a temporary file beside its target and replaces it in one step; on any
  failure or interruption (Ctrl-C, SIGTERM: the CLI turns it into :class:`Interrupted`) the temporary
  file is removed and the target is the old file or the complete new one;
* outputs get normal permissions (the umask, or the replaced file's own mode), not mkstemp's 0600;
* a workbook written back in place is first copied byte for byte into a ``备份`` folder beside it;
* a read-only workbook is never written (refused with a message);
* an existing output is never replaced unless asked (``overwrite``), and then after a backup;
* two runs writing the same target at once: the second refuses. A lock file
  (``.~bianban.<name>.lock``, created with O_EXCL, holding pid, host and time) sits beside the
  target from the first read to the last write and is removed on exit; a lock left by a dead
  process on this machine, or older than :data:`STALE_LOCK_SECONDS`, is taken over.

Every refusal is a UserError with a Chinese message and the way forward.
"""
from __future__ import annotations

import contextlib
import errno
import filecmp
import hashlib
import html
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from bianban_xl.model.problems import fail

if os.name == "nt":              # elsewhere the host name comes from os.uname and no process handle is needed:
    import ctypes                # both cost ≈ 10 ms of every run
    import socket

BACKUP_DIR = "备份"
STALE_LOCK_SECONDS = 6 * 3600      # no run takes this long; a lock this old was left by a crash
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
TEST_WRITE_DELAY = "BIANBAN_TEST_WRITE_DELAY"   # tests: seconds to sleep inside a write (to kill it there)


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or SIGHUP: the terminal window closed) turned into an exception, so every
    ``finally`` cleans up as for Ctrl-C. ``signum``: the signal, for the exit code 128 + signum."""

    def __init__(self, signum: int = 15):         # 15: SIGTERM
        super().__init__(signum)
        self.signum = int(signum)


# the signals turned into Interrupted while a command or a batch worker runs: SIGTERM, and SIGHUP
# (POSIX: the terminal window closed; Windows has none)
STOP_SIGNALS = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


def stray_space_hint(path: str | os.PathLike, kind: str = "文件") -> str:
    """For a path that was not found: the fix when it exists without the spaces at the start or
    end of its name (copied along with the name, or typed inside the quotes), else ""."""
    p = Path(path)
    for bare in (p.with_name(p.name.strip()) if p.name.strip() else p, Path(str(path).strip())):
        if bare != p and bare.exists():
            return (f"{kind}名的开头或末尾多了空格：“{bare}”是存在的。请去掉{kind}名前后的空格（引号里也不要留空格）后重试。")
    return ""


_held: dict[tuple[Path, int], int] = {}   # (target, thread) whose lock this process holds -> nesting depth


_NAME_BYTES = 200          # file names stay below the 255-byte limit of common file systems


def _lock_path(target: Path) -> Path:
    name = target.name
    if len(name.encode("utf-8")) > _NAME_BYTES:      # a long name: its digest instead (still one lock per target)
        name = hashlib.sha1(name.encode("utf-8")).hexdigest()
    return target.with_name(f".~bianban.{name}.lock")


def _short_stem(stem: str, room: int) -> str:
    """``stem`` cut (at a character boundary) so it takes at most ``room`` bytes."""
    while len(stem.encode("utf-8")) > room:
        stem = stem[:-1]
    return stem


def _key(target: Path) -> Path:
    return Path(os.path.abspath(target))


def _pid_alive(pid: int) -> bool:
    """Is process ``pid`` running on this machine? (Unsure: yes, so a live run's lock is never taken.)"""
    if os.name == "nt":        # os.kill(pid, 0) would terminate the process on Windows
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _host_name() -> str:
    """This computer's name as socket.gethostname() gives it; on POSIX that is uname's node name
    (gethostname reads the same kernel field), taken from os.uname without importing socket."""
    return socket.gethostname() if os.name == "nt" else os.uname().nodename


def _pid_alive_windows(pid: int) -> bool:
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)     # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5               # ERROR_ACCESS_DENIED: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259                          # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _lock_is_stale(lock: Path) -> str | None:
    """The lock file's text when its holder is gone (dead process on this machine, or older than
    STALE_LOCK_SECONDS), else None."""
    try:
        text = lock.read_text(encoding="utf-8")
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return None
    return text if _stale(text, age) else None


def _stale(text: str, age: float) -> bool:
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    if age > STALE_LOCK_SECONDS:
        return True
    try:
        pid = int(fields.get("pid", ""))
    except ValueError:
        return age > 60          # unreadable and not fresh: a crash while writing the lock
    return fields.get("host") == _host_name() and not _pid_alive(pid)


def _take_over(lock: Path, seen: str) -> bool:
    """Remove a stale lock whose text was ``seen``, safely when two runs find it stale at once.
    The lock is first renamed to a name of our own (only one run's rename can succeed); if what we
    renamed is no longer the stale lock we judged (the other run had already taken over and written
    its own), it is put back untouched and we refuse like any busy lock. Unlinking directly would
    let the second run delete the first one's fresh lock and both would write."""
    mine = lock.with_name(f"{lock.name}.{os.getpid()}.{threading.get_ident()}.stale")
    try:
        os.replace(lock, mine)
    except FileNotFoundError:
        return True                      # gone already: try to create ours
    except OSError:
        return False
    try:
        text = mine.read_text(encoding="utf-8")
    except OSError:
        text = None
    if text == seen:
        with contextlib.suppress(OSError):
            mine.unlink()
        return True
    try:                                 # someone's live lock: restore it, never over a newer one
        os.link(mine, lock)
    except FileExistsError:
        pass                             # a newer lock holds the name: that run goes on
    except OSError:                      # no hard links here (FAT, some shares)
        with contextlib.suppress(OSError):
            if not lock.exists():
                os.rename(mine, lock)    # (Windows' rename also refuses an existing name)
    with contextlib.suppress(OSError):
        mine.unlink()
    return False


def _describe_lock(lock: Path) -> str:
    try:
        fields = dict(line.split("=", 1) for line in lock.read_text(encoding="utf-8").splitlines() if "=" in line)
    except OSError:
        return ""
    return f"（进程 {fields.get('pid', '?')}，计算机 {fields.get('host', '?')}，开始于 {fields.get('time', '?')}）"


@contextlib.contextmanager
def output_lock(target: str | os.PathLike) -> Iterator[None]:
    """Hold the lock file of ``target`` for the block; re-entrant within this process.
    Refuses (UserError) when another run (or another thread of this one) holds it."""
    target = _key(Path(target))
    mine = (target, threading.get_ident())
    if mine in _held:
        _held[mine] += 1
        try:
            yield
        finally:
            _held[mine] -= 1
        return
    made = _check_folder(target)
    lock = _lock_path(target)
    body = f"pid={os.getpid()}\nhost={_host_name()}\ntime={datetime.now():%Y-%m-%d %H:%M:%S}\n"
    for attempt in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            seen = _lock_is_stale(lock) if attempt == 0 else None
            if seen is not None and _take_over(lock, seen):
                continue
            fail("", f"另一个编班程序正在写入“{target.name}”{_describe_lock(lock)}，本次没有修改任何文件。",
                 f"请等它结束后再试。如确认没有程序在运行（例如上次被强行关机），请删除锁文件“{lock}”后重试。")
        except OSError as exc:
            _refuse_unwritable(target.parent, exc)
    written = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
        _held[mine] = 1
        yield
        written = True
    finally:
        _held.pop(mine, None)
        with contextlib.suppress(OSError):
            lock.unlink()
        if not written:
            _remove_empty(made)


_WHY = {errno.EACCES: "没有写权限", errno.EPERM: "没有写权限", errno.ENOENT: "文件夹不存在或不能在其中建文件",
        errno.EROFS: "磁盘或文件夹是只读的", errno.ENOSPC: "磁盘已满", getattr(errno, "EDQUOT", -2): "磁盘配额已满",
        errno.ENOTDIR: "路径中有一段不是文件夹", errno.ENAMETOOLONG: "文件名太长，请用短一些的文件名",
        errno.EINVAL: "文件名中有系统不允许的字符", errno.EEXIST: "已有同名的文件或文件夹",
        errno.EISDIR: "这是一个文件夹，不是文件"}


def why(exc: OSError) -> str:
    """A Chinese reason for an OS error (the system's own text when we have none)."""
    return _WHY.get(exc.errno or -1) or exc.strerror or type(exc).__name__


def _refuse_unwritable(folder: Path, exc: OSError):
    fail("", f"无法在文件夹“{folder}”中写入文件（{why(exc)}），本次没有修改任何文件。",
         "请换一个有写权限的文件夹（如“文档”或桌面），或请管理员开放写权限。")


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders a refused or failed write created (deepest first), where still empty:
    a step that wrote nothing leaves no new folder behind either."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _check_folder(target: Path) -> list[Path]:
    """The target's folder exists (created if missing) and is a folder, not a file. Returns the
    folders it created, deepest first."""
    for parent in [target.parent, *target.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                fail("", f"输出路径“{target}”无效：“{parent}”是一个文件，不是文件夹。",
                     "请把输出文件放在一个文件夹里，如 -o 结果/编班结果.xlsx。")
            break
    if target.is_dir():
        fail("", f"输出路径“{target}”是一个文件夹，不是文件。", f"请写出文件名，如 -o \"{target / '编班结果.xlsx'}\"。")
    missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(missing)
        _refuse_unwritable(target.parent, exc)
    return missing


def is_read_only(path: str | os.PathLike) -> bool:
    """True when the file is marked read-only (no write bit, as Windows' 只读 attribute sets it) or
    this user may not write it."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(path, os.W_OK)


def open_elsewhere(path: str | os.PathLike) -> Path | None:
    """The owner file Excel / WPS (``~$名单.xlsx``) or LibreOffice (``.~lock.名单.xlsx#``) keeps beside
    a workbook while it is open, or None. Replacing an open workbook fails on Windows only after
    all the work (the called number typed twice), and where it does not fail (WPS on Linux) the
    program's next save would put the old content back over the result."""
    p = Path(path)
    for owner in (p.with_name("~$" + p.name), p.with_name(f".~lock.{p.name}#")):
        if owner.is_file():
            return owner
    return None


def refuse_open_elsewhere(path: str | os.PathLike) -> None:
    owner = open_elsewhere(path)
    if owner is not None:
        p = Path(path)
        fail("", f"“{p.name}”好像正在 Excel / WPS 中打开（旁边有它打开文件时留下的临时文件“{owner.name}”），"
                 "现在写入，关闭时它可能会把旧内容存回去。本次没有修改任何文件。",
             f"请先在 Excel / WPS 中保存并关闭“{p.name}”，再重新运行；如果它已经关闭（例如上次死机），"
             f"请删除临时文件“{owner}”（可能是隐藏文件）后重试；也可以用 -o 另存为一个新文件。")


def refuse_read_only(path: str | os.PathLike, how: str = "") -> None:
    if is_read_only(path):
        p = Path(path)
        fail("", f"文件“{p.name}”是只读的，本工具不会修改它{how}，本次没有修改任何文件。",
             "请用 -o 另存为一个新文件（如 -o 结果.xlsx）；如确需改动它，请先取消文件的“只读”属性。")


def _new_file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(target: str | os.PathLike, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``target``, then replace ``target`` with it
    in one step. On any failure (or interruption) the temporary file is removed and ``target`` is
    left as it was. Holds the target's lock file for the write (see :func:`output_lock`)."""
    target = Path(target)
    with output_lock(target):
        mode = _new_file_mode(target)
        tmp = None
        try:
            try:
                fd, tmp = tempfile.mkstemp(prefix=".~bianban-", suffix=target.suffix, dir=target.parent)
                os.close(fd)
            except OSError as exc:
                _refuse_unwritable(target.parent, exc)
            try:
                write(tmp)
            except Exception as exc:
                _reraise_interrupt(exc)
                if isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNOS:
                    fail("", f"写入“{target}”失败：{why(exc)}。本次没有修改它。",
                         "请检查磁盘空间和写权限，或换一个输出位置后重试。")
                raise
            delay = os.environ.get(TEST_WRITE_DELAY)
            if delay:
                time.sleep(float(delay))
            os.chmod(tmp, mode)
            try:
                os.replace(tmp, target)
            except PermissionError:
                fail("", f"无法替换文件“{target}”：文件可能正在 Excel/WPS 中打开，或没有写权限。本次没有修改它。",
                     "请关闭该文件后重试，或换一个输出文件名。")
            tmp = None
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _reraise_interrupt(exc: BaseException) -> None:
    """An interruption (Ctrl-C, SIGTERM) inside a writer can be masked by the writer's own clean-up
    failing (zipfile: "Can't close the ZIP file while there is an open writing handle"): raise the
    interruption itself, so the command reports it as one (exit 130/143), not as our bug."""
    seen = exc.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            raise seen from None
        seen = seen.__context__


_ENVIRONMENT_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", -2), errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


def backup_copy(path: str | os.PathLike) -> Path:
    """Copy ``path`` byte for byte to '备份/<name>.备份-YYYYmmdd-HHMMSS<ext>' beside it; return the copy."""
    p = Path(path)
    folder = p.parent / BACKUP_DIR
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        _refuse_unwritable(p.parent, exc)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    stem = _short_stem(p.stem, _NAME_BYTES - 40)
    dest = folder / f"{stem}.备份-{stamp}{p.suffix}"
    n = 1
    while dest.exists():
        dest = folder / f"{stem}.备份-{stamp}-{n}{p.suffix}"
        n += 1
    tmp = folder / f".~bianban-{os.getpid()}-{stamp}{p.suffix}"
    try:                         # copied under a temporary name, so an interrupted copy is never a "backup"
        shutil.copy2(p, tmp)
        with contextlib.suppress(OSError):    # a backup is a copy anyone may read, never read-only
            os.chmod(tmp, stat.S_IMODE(os.stat(tmp).st_mode) | stat.S_IWUSR)
        if not filecmp.cmp(p, tmp, shallow=False):
            fail("", f"备份“{p.name}”时复制的文件与原文件不一致，本次没有修改任何文件。", "请检查磁盘空间后重试。")
        os.replace(tmp, dest)
    except OSError as exc:
        fail("", f"无法备份“{p.name}”（{why(exc)}），本次没有修改任何文件。", "请检查磁盘空间和写权限后重试。")
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return dest


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def plan_output(src: str | os.PathLike | None, out: str | os.PathLike | None, overwrite: bool = False,
                what: str = "结果") -> tuple[Path, bool]:
    """Where a step that reads ``src`` writes, checked before any work is done:
    (target, back up the target before replacing it?).

    * no ``out``: back into ``src`` (refused when it is read-only), after a backup;
    * ``out`` equal to ``src``: refused (say: drop -o to write in place with a backup, or a new name);
    * ``out`` a folder, under a file, or not .xlsx/.xlsm: refused;
    * ``out`` an existing file: refused unless ``overwrite`` (then backed up first); read-only: refused;
    * a file to be replaced that is open in Excel / WPS (its owner file beside it): refused.
    """
    if out is None:
        src = Path(src)
        refuse_read_only(src, "（不加 -o 时结果会写回原文件）")
        refuse_open_elsewhere(src)
        return src, True
    target = Path(out)
    if src is not None and target.exists() and same_file(src, target):
        fail("", f"输出文件“{target.name}”就是输入文件。为免误覆盖，没有写入。",
             "要写回原文件，请去掉 -o（会先把原文件备份到“备份”文件夹）；要另存，请换一个输出文件名。")
    if target.is_dir():
        fail("", f"输出路径“{target}”是一个文件夹，不是文件。", f"请写出文件名，如 -o \"{target / '编班结果.xlsx'}\"。")
    if target.suffix.lower() not in WORKBOOK_SUFFIXES:
        fail("", f"输出文件“{target.name}”的扩展名应为 .xlsx 或 .xlsm。", f"请换一个输出文件名，如 {what}.xlsx。")
    if target.suffix.lower() == ".xlsm" and (src is None or Path(src).suffix.lower() != ".xlsm"):
        # extension = content type: a plain workbook named .xlsm is refused by Excel (.xlsm -> .xlsx: book.macro_free)
        fail("", f"“{target.name}”是启用宏的 .xlsm 文件名，但要写出的{what}不含宏：扩展名和文件内容不一致时 Excel 会拒绝打开。",
             f"请把输出文件名改为“{target.with_suffix('.xlsx').name}”；需要选项卡按钮时，请用 workbook_template.xlsm 模板。")
    _check_folder_exists_or_creatable(target)
    if target.exists():
        refuse_read_only(target)
        if overwrite:
            refuse_open_elsewhere(target)
        if not overwrite:
            fail("", f"输出文件“{target}”已经存在，为免覆盖已有{what}，没有写入。",
                 f"请换一个新的输出文件名；确需替换它，请加 --overwrite（原文件会先备份到“{BACKUP_DIR}”文件夹）。")
        return target, True
    return target, False


def _check_folder_exists_or_creatable(target: Path) -> None:
    for parent in [target.parent, *target.parent.parents]:
        if parent.exists():
            if not parent.is_dir():
                fail("", f"输出路径“{target}”无效：“{parent}”是一个文件，不是文件夹。",
                     "请把输出文件放在一个文件夹里，如 -o 结果/编班结果.xlsx。")
            return


def workbook_sheet_names(path: str | os.PathLike) -> list[str] | None:
    """The sheet names of an .xlsx/.xlsm file from its workbook part, or None when it is not one."""
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return [html.unescape(m) for m in re.findall(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"', xml)]


def replaceable_output(target: str | os.PathLike, sheets_of_ours: set[str], what: str) -> bool:
    """For outputs the tool writes again and again (the district overview): True when ``target``
    exists and is one of ours (its sheets are exactly ``sheets_of_ours``), so it may be replaced
    after a backup; False when it does not exist. Anything else — a school's workbook, another
    file — is refused, never overwritten."""
    target = Path(target)
    if target.is_dir():
        fail("", f"输出路径“{target}”是一个文件夹，不是文件。", f"请写出文件名，如 -o \"{target / (what + '.xlsx')}\"。")
    _check_folder_exists_or_creatable(target)
    if not target.exists():
        return False
    refuse_read_only(target)
    refuse_open_elsewhere(target)
    names = workbook_sheet_names(target)
    if names is None or set(names) != sheets_of_ours:
        fail("", f"输出文件“{target}”已经存在，而且不是以前生成的{what}（可能是某个学校的工作簿），没有覆盖它。",
             f"请换一个新的文件名，如 -o {what}-{datetime.now():%m%d}.xlsx。")
    return True
