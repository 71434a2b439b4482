"""xlwings' user config (%USERPROFILE%\\.xlwings\\xlwings.conf): which Python the ribbon starts.

Apart from the doctor so the installer can run it (``python -m bianban_xl.install.xlwings_config``)
with nothing but the standard library: it works even where numpy or openpyxl cannot load.
"""
from __future__ import annotations

import ctypes
import os
import re
import sys
from pathlib import Path
from typing import Callable

from bianban_xl.model.console import tolerant_console


def user_config_path() -> Path:
    home = os.environ.get("USERPROFILE") if sys.platform == "win32" else None
    return Path(home or Path.home()) / ".xlwings" / "xlwings.conf"


def _conf_encoding() -> str:
    return "mbcs" if sys.platform == "win32" else "utf-8"   # VBA's Input # reads the ANSI code page


def read_user_config(path: Path | None = None) -> dict[str, str]:
    path = path or user_config_path()
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(_conf_encoding(), errors="replace").splitlines():
        m = re.match(r'\s*"([^"]*)"\s*,\s*"([^"]*)"', line)
        if m:
            out[m.group(1).upper()] = m.group(2)
    return out


def write_user_config(values: dict[str, str], path: Path | None = None) -> Path:
    """Set keys in xlwings' user config (``"KEY","value"`` lines, as xlwings writes them), keeping
    the other keys."""
    path = path or user_config_path()
    conf = read_user_config(path)
    conf.update({k.upper(): v for k, v in values.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f'"{k}","{v}"\r\n' for k, v in conf.items())
    path.write_text(text, encoding=_conf_encoding(), errors="replace", newline="")
    return path


def bundled_pythonw() -> Path:
    return Path(sys.executable).with_name("pythonw.exe")


def ansi_path(path: Path) -> str:
    """``path`` as VBA can read it from the config file: itself when the ANSI code page can spell it
    (GBK on Chinese Windows), else its 8.3 short form (a Chinese folder name on a Western Windows)."""
    text = str(path)
    try:
        text.encode(_conf_encoding())
        return text
    except UnicodeEncodeError:
        pass
    try:
        buf = ctypes.create_unicode_buffer(1024)
        if ctypes.windll.kernel32.GetShortPathNameW(text, buf, 1024):   # type: ignore[attr-defined]
            return buf.value
    except (AttributeError, OSError):
        pass
    return text



def point_excel_here(out: Callable[[str], None] = print) -> Path | None:
    """On Windows, make the ribbon start this installation's pythonw.exe; elsewhere say why not."""
    if sys.platform != "win32":
        out("本机不是 Windows：xlwings 的 Excel 按钮设置只在 Windows 上需要，没有改动。")
        return None
    pythonw = bundled_pythonw()
    conf = write_user_config({"INTERPRETER_WIN": ansi_path(pythonw)})
    out(f"已设置：Excel 按钮使用 {pythonw}（写入 {conf}）。")
    return conf


if __name__ == "__main__":
    tolerant_console()
    point_excel_here()
