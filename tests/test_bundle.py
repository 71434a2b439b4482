"""`bianban bundle`: the offline installers, built for real (network: PyPI; tools: nsis,
osslsigncode, wine64). Marked slow_bundle: `.ci/run` runs them once, after the main suite;
downloads are shared by the tests of one run (session fixtures; BIANBAN_BUNDLE_CACHE keeps them
between runs on a developer's machine).

Under Wine the installer is run silently per user (/S /CurrentUser), then the bundled python.exe
imports what Wine can load: openpyxl, pywin32, xlwings, olefile and bianban_xl's file modules.
numpy cannot load under Wine 8 (ucrtbase.dll.crealf is unimplemented), so the engine is not run
there; it is covered by the zip content check (cp312 / win_amd64 wheels) and on Linux by the
--platform current test, which installs offline and runs `bianban demo`.
"""
from __future__ import annotations

import os
import shlex
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from bianban_xl import __version__
from bianban_xl.install import bundle as B

pytestmark = pytest.mark.slow_bundle
WINE = Path("/usr/lib/wine/wine64")
APP = "均衡编班"
TIMES: dict[str, float] = {}


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install)")
    pytest.importorskip("nsist", reason="needs the [bundle] extra (pynsist)")


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    kept = os.environ.get("BIANBAN_BUNDLE_CACHE")
    return Path(kept) if kept else tmp_path_factory.mktemp("bundle-cache")


@pytest.fixture(scope="session")
def win_bundle(tmp_path_factory, cache):
    _need("makensis", "osslsigncode")
    out = tmp_path_factory.mktemp("win")
    t0 = time.perf_counter()
    result = B.bundle(out, "win_amd64", cache, log=lambda _: None)
    TIMES["bundle win_amd64"] = time.perf_counter() - t0
    return result


def _zip_names(result) -> tuple[zipfile.ZipFile, str]:
    zpath = next(p for p in result.outputs if p.suffix == ".zip")
    assert zpath.name == f"{APP}-{__version__}-win64.zip"
    zf = zipfile.ZipFile(zpath)
    return zf, f"{APP}-{__version__}/"


def test_zip_holds_the_interpreter_and_every_dependency(win_bundle):
    zf, top = _zip_names(win_bundle)
    names = set(zf.namelist())
    for f in ("python.exe", "pythonw.exe", "python312.dll", "python312.zip", "vcruntime140.dll",
              f"xlwings64-{__import__('xlwings').__version__}.dll"):
        assert f"{top}Python/{f}" in names, f
    pth = zf.read(f"{top}Python/python312._pth").decode("ascii").split("\r\n")
    assert [x for x in pth if x] == ["python312.zip", ".", "Lib\\site-packages", "..\\pkgs", "import site"]
    site = f"{top}Python/Lib/site-packages/"
    tags = {}
    for n in names:
        if n.startswith(site) and n.endswith(".dist-info/WHEEL"):
            dist = n[len(site):].split("-")[0].lower().replace("_", "-")
            tags[dist] = [ln.split(": ", 1)[1] for ln in zf.read(n).decode().splitlines() if ln.startswith("Tag: ")]
    wanted = {r.split(">")[0].split("=")[0].split("<")[0].strip().lower().replace("_", "-") for r in B.requirements()}
    assert wanted | {"pywin32"} <= set(tags), sorted(tags)
    assert "pandas" not in tags, "nothing imports pandas"
    for dist in ("numpy", "pywin32", "xlwings"):
        assert "cp312-cp312-win_amd64" in tags[dist], (dist, tags[dist])
    assert any(n.startswith(f"{site}numpy/_core/_multiarray_umath.cp312-win_amd64") for n in names)
    assert f"{site}pywin32.pth" in names and f"{site}win32/win32api.pyd" in names
    assert f"{top}pkgs/bianban_xl/__init__.py" in names and f"{top}pkgs/bianban_xl/install/doctor.py" in names
    assert f"{top}pkgs/bianban_xl/data/pinyin.txt" in names        # 同音 checks read it (model/pinyin.py)
    assert f"{top}{B.TEMPLATE_NAME}" in names and f"{top}安装指南.txt" in names
    assert not [n for n in names if "/tests/" in n or n.endswith(".pyc")]


def test_installer_is_a_64_bit_windows_program(win_bundle):
    exe = next(p for p in win_bundle.outputs if p.suffix == ".exe")
    assert exe.name == f"{APP}-安装-{__version__}.exe"
    data = exe.read_bytes()
    assert data[:2] == b"MZ"
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe:pe + 4] == b"PE\0\0" and struct.unpack_from("<H", data, pe + 4)[0] == 0x8664
    assert b"Nullsoft" in data


def test_embedded_python_is_the_signed_psf_build(cache, win_bundle, tmp_path):
    embed = cache / f"python-{B.PY_VERSION}-embed-amd64"
    digest = B.check_signature(embed / "python.exe")
    assert len(digest) == 64
    tampered = tmp_path / "tampered.exe"
    data = bytearray((embed / "python.exe").read_bytes())
    data[0x400] ^= 0xFF
    tampered.write_bytes(bytes(data))
    with pytest.raises(Exception):
        B.check_signature(tampered)


def _wine(args: list[str], prefix: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run under Wine; output is piped through cat (Wine's Python crashed writing to a file)."""
    env = dict(os.environ, WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=",
               PYTHONIOENCODING="utf-8")
    cmd = " ".join(shlex.quote(a) for a in [str(WINE), *args]) + " 2>&1 | cat"
    return subprocess.run(["sh", "-c", cmd], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def wine_install(win_bundle, tmp_path_factory):
    if not WINE.exists():
        pytest.skip("needs wine64 (apt-get install wine64)")
    prefix = tmp_path_factory.mktemp("wine")
    exe = next(p for p in win_bundle.outputs if p.suffix == ".exe")
    t0 = time.perf_counter()
    _wine([str(exe), "/S", "/CurrentUser"], prefix)
    TIMES["wine install"] = time.perf_counter() - t0
    users = prefix / "drive_c" / "users"
    home = next(p for p in users.iterdir() if p.name not in ("Public",))
    return prefix, home, home / "AppData" / "Local" / "Programs" / APP


def test_wine_installs_per_user_with_shortcuts_and_config(wine_install):
    prefix, home, inst = wine_install
    assert (inst / "Python" / "python.exe").is_file() and (inst / "pkgs" / "bianban_xl").is_dir()
    assert (inst / "uninstall.exe").is_file()
    menu = home / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / APP
    links = {p.stem for p in menu.glob("*.lnk")}
    assert {"均衡编班诊断", "均衡编班工作簿", "均衡编班网页界面", "安装指南", "卸载均衡编班"} <= links, links
    assert (home / "Desktop" / "均衡编班工作簿.lnk").exists()
    launcher = inst / f"{B.UI_SHORTCUT}.launch.py"     # pynsist's script behind the Start-menu entry
    assert "bianban_xl.ui.server" in launcher.read_text(encoding="utf-8"), launcher.read_text(encoding="utf-8")
    assert (home / "Documents" / APP / B.TEMPLATE_NAME).is_file()
    conf = home / ".xlwings" / "xlwings.conf"
    assert conf.is_file(), "the installer writes xlwings' user config"
    text = conf.read_bytes().decode("utf-8", "replace")
    assert text.startswith('"INTERPRETER_WIN","') and text.rstrip().endswith('Python\\pythonw.exe"'), text


def test_bundled_python_runs_what_wine_can_load(wine_install):
    prefix, home, inst = wine_install
    # numpy is installed but crashes Wine when loaded, and openpyxl tries to import it
    code = ("import sys; sys.modules['numpy'] = None; import openpyxl, olefile, pywintypes, win32api, xlwings; "
            "from bianban_xl.book.macro_free import XLSX_MAIN; "
            "from bianban_xl.book.vba_project import xlwings_module_version; "
            "print('PY', sys.version.split()[0], 'XLW', xlwings.__version__, 'OPX', openpyxl.__version__); "
            r"print('VBA', xlwings_module_version(sys.prefix + r'\..\均衡编班工作簿.xlsm'))")
    t0 = time.perf_counter()
    proc = _wine([str(inst / "Python" / "python.exe"), "-c", code], prefix)
    TIMES["wine python"] = time.perf_counter() - t0
    import xlwings

    assert f"PY {B.PY_VERSION} XLW {xlwings.__version__}" in proc.stdout, proc.stdout + proc.stderr
    assert f"VBA {xlwings.__version__}" in proc.stdout, proc.stdout
    doctor = ("import sys; sys.modules['numpy'] = None; from bianban_xl.install.doctor import main; "
              "sys.exit(main(['--quiet']))")
    proc = _wine([str(inst / "Python" / "python.exe"), "-c", doctor], prefix)
    assert "诊断完成" in proc.stdout and "缺少软件包" not in proc.stdout, proc.stdout


def test_current_platform_bundle_installs_offline_and_runs_demo(tmp_path, cache):
    out = tmp_path / "linux"
    t0 = time.perf_counter()
    result = B.bundle(out, "current", cache, log=lambda _: None)
    TIMES["bundle current"] = time.perf_counter() - t0
    wheels = {p.name.split("-")[0].lower() for p in (out / "wheels").glob("*.whl")}
    assert {"bianban_xl", "numpy", "openpyxl", "xlwings", "olefile"} <= wheels, wheels
    dest, home = tmp_path / "安装 目录", tmp_path / "home"
    (home / ".config").mkdir(parents=True)
    (home / "桌面").mkdir()                                  # a Chinese desktop, as on 统信UOS / 麒麟
    (home / ".config" / "user-dirs.dirs").write_text('XDG_DESKTOP_DIR="$HOME/桌面"\n', encoding="utf-8")
    env = dict(os.environ, HOME=str(home), PYTHON=sys.executable, PIP_NO_INDEX="1", PATH="/usr/bin:/bin")
    env.pop("VIRTUAL_ENV", None)
    env.pop("XDG_DATA_HOME", None)
    env.pop("PYTHONPATH", None)                    # the install must stand on its own
    proc = subprocess.run(["sh", str(out / "install.sh"), str(dest)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the registrar starts the web page from the applications menu or the desktop, not a terminal;
    # ~/.local/bin is not on PATH before the next login, so the hint names the full path
    assert "均衡编班网页界面" in proc.stdout and f"{home}/.local/bin/bianban demo" in proc.stdout, proc.stdout
    for launcher in (home / ".local/share/applications/bianban-ui.desktop", home / "桌面" / "均衡编班网页界面.desktop"):
        text = launcher.read_text(encoding="utf-8")
        assert "Name=均衡编班网页界面" in text and "Terminal=true" in text and os.access(launcher, os.X_OK)
        exe, *args = shlex.split(next(x for x in text.splitlines() if x.startswith("Exec="))[5:])
        assert Path(exe) == dest / "bin" / "bianban" and args == ["ui"]
        if shutil.which("desktop-file-validate"):
            check = subprocess.run(["desktop-file-validate", str(launcher)], capture_output=True, text=True)
            assert check.returncode == 0 and "error" not in check.stdout, check.stdout
    proc = subprocess.run([exe, "ui", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "网页" in proc.stdout, proc.stdout + proc.stderr
    proc = subprocess.run([str(home / ".local" / "bin" / "bianban"), "demo", str(tmp_path / "demo")],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and "编班完成" in proc.stdout, proc.stdout + proc.stderr
    assert result.platform == "current"


def test_report_times():
    """Prints the measured times (pytest -s), for docs and the CI budget."""
    for what, secs in TIMES.items():
        print(f"{what}: {secs:.0f} s")
