"""`bianban doctor`: why the buttons do nothing, explained in Chinese, and --fix for what it can.

Checks: Python and package versions; that the xlwings package matches the xlwings VBA module inside
the template or a given workbook (read from its vbaProject.bin); the interpreter the ribbon will
start (xlwings' user config, %USERPROFILE%\\.xlwings\\xlwings.conf, unless the workbook's
xlwings.conf sheet names one) exists; on Windows: Excel is installed, the workbook is not blocked
by Mark-of-the-Web, and the macro setting and trusted locations in Excel's registry keys.
``--fix`` writes the user config so the ribbon starts this installation's pythonw.exe and removes
the workbook's Mark-of-the-Web. Exit 0 when all is well, 1 with what to fix.
"""
from __future__ import annotations

import importlib.metadata as md
import os
import platform
import re
import struct
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bianban_xl import __version__
from bianban_xl.book.vba_project import conf_sheet_value, xlwings_module_version
from bianban_xl.model.console import tolerant_console
from bianban_xl.model.zh_args import ZhParser
from bianban_xl.install.xlwings_config import point_excel_here, read_user_config, user_config_path

OK, WARN, BAD = "正常", "提醒", "问题"
PACKAGES = ["numpy", "openpyxl", "xlwings", "opencc-python-reimplemented"]
TEMPLATE_NAME = "均衡编班工作簿.xlsm"
Out = Callable[[str], None]


@dataclass
class Finding:
    level: str
    what: str
    fix: str = ""

    def text(self) -> str:
        return f"[{self.level}] {self.what}" + (f"\n        处理办法：{self.fix}" if self.fix else "")


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)

    def add(self, level: str, what: str, fix: str = "") -> None:
        self.findings.append(Finding(level, what, fix))

    @property
    def ok(self) -> bool:
        return not any(f.level == BAD for f in self.findings)


# --- Windows-only looks (registry, alternate data streams) --------------------------------
def _reg_value(root: str, key: str, name: str | None = None):
    try:
        import winreg
    except ImportError:
        return None
    try:
        with winreg.OpenKey(getattr(winreg, root), key) as k:
            return winreg.QueryValueEx(k, name or "")[0]
    except OSError:
        return None


def _office_versions() -> list[str]:
    return [v for v in ("16.0", "15.0", "14.0") if _reg_value("HKEY_CURRENT_USER", rf"Software\Microsoft\Office\{v}\Excel\Security", "VBAWarnings") is not None
            or _reg_value("HKEY_CURRENT_USER", rf"Software\Microsoft\Office\{v}\Excel\Options", "Pos") is not None]


def zone_of(path: Path) -> int | None:
    """The Mark-of-the-Web zone of a file (3 = from the internet), None when it has none."""
    try:
        text = Path(str(path) + ":Zone.Identifier").read_text("utf-8", errors="replace")
    except OSError:
        return None
    m = re.search(r"ZoneId\s*=\s*(\d+)", text)
    return int(m.group(1)) if m else None


def _trusted_locations(version: str) -> list[tuple[str, bool]]:
    base = rf"Software\Microsoft\Office\{version}\Excel\Security\Trusted Locations"
    found = []
    for i in range(1, 40):
        p = _reg_value("HKEY_CURRENT_USER", rf"{base}\Location{i}", "Path")
        if p:
            found.append((str(p), bool(_reg_value("HKEY_CURRENT_USER", rf"{base}\Location{i}", "AllowSubfolders"))))
    return found


def check_windows(d: Diagnosis, book: Path | None) -> None:
    """Excel installed, macro setting, trusted locations, Mark-of-the-Web (Windows only)."""
    if _reg_value("HKEY_CLASSES_ROOT", r"Excel.Application\CLSID") is None:
        d.add(BAD, "没有找到 Microsoft Excel。WPS 表格不能运行“均衡编班”选项卡的按钮。",
              "请在装有 Microsoft Excel 的电脑上使用；只有 WPS 时，请用开始菜单中的命令行方式（bianban 命令）。")
    else:
        d.add(OK, "已安装 Microsoft Excel。")
    for v in _office_versions():
        warn = _reg_value("HKEY_CURRENT_USER", rf"Software\Microsoft\Office\{v}\Excel\Security", "VBAWarnings")
        if warn == 4:
            d.add(BAD, f"Excel（{v}）的宏设置为“禁用所有宏，并且不通知”，按钮不会有任何反应。",
                  "“文件”→“选项”→“信任中心”→“信任中心设置”→“宏设置”，选“禁用所有宏，并发出通知”；或把工作簿放进受信任位置。")
        elif warn == 3:
            d.add(WARN, f"Excel（{v}）只允许数字签名的宏；本工作簿的宏没有签名。",
                  "把工作簿放进“受信任位置”（如 文档\\均衡编班），或请信息老师调整宏设置。")
        if book is not None:
            folder = str(book.parent).lower().rstrip("\\")
            trusted = [p for p, _ in _trusted_locations(v) if folder.startswith(os.path.expandvars(p).lower().rstrip("\\"))]
            if trusted:
                d.add(OK, f"工作簿所在文件夹是 Excel 的受信任位置：{trusted[0]}")
            elif str(book).startswith("\\\\"):
                d.add(WARN, "工作簿在网络共享文件夹上，Excel 默认不信任网络位置，宏可能被禁用。",
                      "把工作簿复制到本机“文档\\均衡编班”中使用；或请信息老师在信任中心勾选“允许网络上的受信任位置”并添加该位置。")
    if book is not None and zone_of(book) in (3, 4):
        d.add(BAD, f"“{book.name}”带有“来自互联网”的标记（Mark-of-the-Web），Excel 会阻止其中的宏，按钮没有反应。",
              "运行 bianban doctor --fix 工作簿路径（或在文件上点右键→“属性”→勾选“解除锁定”→“确定”）。")


def check_packages(d: Diagnosis) -> None:
    # sys.platform, not platform.system(): on Windows the latter asks WMI, which may hang or fail
    d.add(OK, f"Python {platform.python_version()}（{sys.platform}，{struct.calcsize('P') * 8} 位），bianban_xl {__version__}")
    names = PACKAGES + (["pywin32"] if sys.platform == "win32" else [])
    missing, found = [], []
    for name in names:
        try:
            found.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            missing.append(name)
    if missing:
        d.add(BAD, f"缺少软件包：{'、'.join(missing)}。", "请重新运行安装程序（均衡编班-安装-版本号.exe），或 pip install bianban_xl。")
    else:
        d.add(OK, "软件包齐全：" + "，".join(found))


def check_book(d: Diagnosis, book: Path | None) -> None:
    if book is None:
        d.add(WARN, "没有找到要检查的工作簿。", f"运行 bianban doctor 工作簿路径，或把模板放在“文档\\均衡编班\\{TEMPLATE_NAME}”。")
        return
    try:
        vba = xlwings_module_version(book)
    except (OSError, zipfile.BadZipFile, ValueError, StopIteration) as exc:
        d.add(BAD, f"无法读取“{book}”：{exc}", "请确认这是 .xlsm 工作簿，且没有在其他程序中损坏。")
        return
    try:
        installed = md.version("xlwings")
    except md.PackageNotFoundError:
        installed = None
    if vba is None:
        d.add(BAD, f"“{book.name}”里没有 xlwings 的宏模块，按钮无法调用 Python。",
              f"请使用安装目录或“文档\\均衡编班”中的 {TEMPLATE_NAME}。")
    elif installed and vba != installed:
        d.add(BAD, f"“{book.name}”里的 xlwings 宏模块是 {vba} 版，而安装的 xlwings 是 {installed} 版，按钮会报错。",
              f"请用本版本附带的 {TEMPLATE_NAME}，把数据复制过去；或安装 xlwings=={vba}。")
    else:
        d.add(OK, f"“{book.name}”中的 xlwings 宏模块 {vba} 与安装的 xlwings 一致。")


def check_interpreter(d: Diagnosis, book: Path | None) -> None:
    sheet = conf_sheet_value(book, "INTERPRETER_WIN") if book is not None else None
    conf_path = user_config_path()
    user = read_user_config(conf_path).get("INTERPRETER_WIN")
    where, chosen = (("工作簿的 xlwings.conf 工作表", sheet) if sheet else
                     (str(conf_path), user) if user else ("默认设置", "pythonw"))
    if sys.platform != "win32":
        d.add(OK if user or sheet else WARN, f"Excel 按钮使用的 Python（Windows）：{chosen}（来自{where}）。"
              + ("本机不是 Windows，按钮只能在 Windows 的 Excel 中使用。" if not (user or sheet) else ""))
        return
    path = Path(chosen)
    if chosen in ("python", "pythonw") or not path.is_file():
        d.add(BAD, f"Excel 按钮要启动的 Python“{chosen}”（来自{where}）找不到，点击按钮不会有反应。",
              "运行 bianban doctor --fix（开始菜单→均衡编班→均衡编班诊断），让按钮使用本软件自带的 Python。")
    else:
        d.add(OK, f"Excel 按钮使用的 Python：{chosen}（来自{where}）。")


def default_book() -> Path | None:
    candidates = [Path.home() / "Documents" / "均衡编班" / TEMPLATE_NAME,
                  Path(sys.prefix).parent / TEMPLATE_NAME,
                  Path(__file__).resolve().parents[2] / "workbook_template.xlsm"]
    return next((p for p in candidates if p.is_file()), None)


def diagnose(book: str | Path | None = None) -> Diagnosis:
    d = Diagnosis()
    path = Path(book) if book else default_book()
    if book and not path.is_file():
        d.add(BAD, f"找不到工作簿“{book}”。", "请检查路径。")
        path = None
    check_packages(d)
    check_book(d, path)
    check_interpreter(d, path)
    if sys.platform == "win32":
        check_windows(d, path)
    return d


def fix(book: str | Path | None, out: Out) -> None:
    """Point xlwings at this installation's pythonw.exe; unblock the workbook."""
    point_excel_here(out)
    path = Path(book) if book else default_book()
    if path is not None and zone_of(path) is not None:
        try:
            os.remove(str(path) + ":Zone.Identifier")
            out(f"已解除“{path.name}”的“来自互联网”标记。")
        except OSError as exc:
            out(f"未能解除“{path.name}”的“来自互联网”标记：{exc}。请在文件上点右键→“属性”→勾选“解除锁定”。")


def run(book: str | None, do_fix: bool, quiet: bool, out: Out) -> int:
    if do_fix:
        fix(book, out)
    d = diagnose(book)
    for f in d.findings:
        if not quiet or f.level != OK:
            out(f.text())
    bad = sum(1 for f in d.findings if f.level == BAD)
    out("诊断完成：一切正常。" if d.ok else f"诊断完成：发现 {bad} 个问题，请按上面的处理办法操作。")
    return 0 if d.ok else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m bianban_xl.install.doctor [BOOK] [--fix] [--quiet]``: the same as ``bianban doctor``,
    without importing the engine (numpy), so it runs even where numpy cannot load."""
    p = ZhParser(prog="python -m bianban_xl.install.doctor", description="均衡编班诊断（与 bianban doctor 相同）",
                 epilog="示例：\n  python -m bianban_xl.install.doctor\n  python -m bianban_xl.install.doctor --fix")
    p.add_argument("book", nargs="?", metavar="工作簿", help="要检查的工作簿（默认：文档\\均衡编班\\均衡编班工作簿.xlsm）")
    p.add_argument("--fix", action="store_true", help="让 Excel 按钮使用本软件自带的 Python，并解除工作簿的“来自互联网”标记")
    p.add_argument("-q", "--quiet", action="store_true", help="只显示问题")
    try:
        a = p.parse_args(argv)
    except SystemExit as exc:        # a usage error is the user's (exit 1, said in Chinese); --help exits 0
        return 0 if exc.code in (0, None) else 1
    tolerant_console()
    return run(a.book, a.fix, a.quiet, print)


def start_menu() -> None:
    """开始菜单 → 均衡编班诊断: the checks in a console window, a fix on request, then wait."""
    tolerant_console()
    code = run(None, False, False, print)
    if code:
        answer = input("\n输入 Y 并按回车，自动修复可以修复的问题（设置 Excel 按钮使用的 Python）：")
        if answer.strip().upper() == "Y":
            run(None, True, False, print)
    input("\n按回车键关闭窗口……")


if __name__ == "__main__":
    sys.exit(main())
