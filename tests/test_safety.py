"""Issue 10 (safety): honest exit codes, files never lost, the public file is public, outputs pass
our own rules, 同音 under every accepted surname reading, formula-looking text reported.

All on real workbooks and, for signals and concurrent writers, real processes."""
from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bianban_xl.book.files import BACKUP_DIR, TEST_WRITE_DELAY
from bianban_xl.cli.main import main
from bianban_xl.model import schema as S
from bianban_xl.model.names import name_readings, same_sound_groups
from bianban_xl.model.text_safety import looks_like_formula

from conftest import DEFAULT_PARAMS, student_rows, write_book
from onsite_helpers import TEACHERS, assigned


def sha(p: Path) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def _params(**changes):
    out = [list(p) for p in DEFAULT_PARAMS]
    for k, v in changes.items():
        for p in out:
            if p[0] == k:
                p[1] = v
                break
        else:
            out.append([k, v])
    return out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~"))


# --- 1. exit codes ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["inf", "1e309", "nan", "-inf", "Infinity"])
def test_non_finite_score_is_a_user_error_naming_the_cell(tmp_path, capsys, bad):
    rows = student_rows(30)
    rows[4][7] = bad                                   # 语文 of the 5th student: 学生名单!H6
    book = write_book(tmp_path / "输入.xlsx", rows=rows)
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    assert "学生名单" in out and "H6" in out and "不是数字" in out and "内部错误" not in out
    before = sha(book)
    assert main(["assign", str(book), "-o", str(tmp_path / "结果.xlsx")]) == 1
    assert sha(book) == before and not (tmp_path / "结果.xlsx").exists()


@pytest.mark.parametrize("seed", ["-5", "9223372036854775808", "99999999999999999999999", "abc"])
def test_seed_out_of_range_is_refused_with_the_range(tmp_path, capsys, seed):
    book = write_book(tmp_path / "输入.xlsx")
    assert main(["assign", str(book), "-o", str(tmp_path / "r.xlsx"), "--seed", seed]) == 1
    err = capsys.readouterr().err
    assert "9223372036854775807" in err and "内部错误" not in err
    assert not (tmp_path / "r.xlsx").exists()
    for cmd in ("draw", "teachers", "late"):
        assert main([cmd, str(book), "--seed", seed]) == 1


def test_largest_seed_is_used_and_verifies(tmp_path, capsys):
    book = write_book(tmp_path / "输入.xlsx")
    out = tmp_path / "r.xlsx"
    assert main(["assign", str(book), "-o", str(out), "--seed", "9223372036854775807"]) == 0
    assert main(["verify", str(out)]) == 0
    assert "9223372036854775807" in capsys.readouterr().out


def test_bad_output_paths_are_user_errors(tmp_path, capsys):
    book = write_book(tmp_path / "输入.xlsx")
    before = sha(book)
    cases = [(str(book) + "/结果.xlsx", "是一个文件，不是文件夹"),          # under a file
             (str(tmp_path), "是一个文件夹"),                             # onto a folder
             ("/proc/结果.xlsx", "无法在文件夹"),                          # a folder nobody may write
             (str(book), "就是输入文件")]                                 # -o IN: refused
    for out, said in cases:
        assert main(["assign", str(book), "-o", out]) == 1, out
        text = capsys.readouterr().out
        assert said in text and "内部错误" not in text, text
    assert sha(book) == before and _leftovers(tmp_path) == []


def test_usage_errors_exit_1_not_2(tmp_path):
    assert main(["assign"]) == 1
    assert main(["no-such-command"]) == 1


# --- 2. files are never lost ----------------------------------------------------------------------
def test_read_only_workbook_stays_read_only_and_unchanged(tmp_path, capsys):
    book = write_book(tmp_path / "输入.xlsx")
    os.chmod(book, 0o444)
    before = sha(book)
    assert main(["assign", str(book)]) == 1
    assert "只读" in capsys.readouterr().out
    assert sha(book) == before and stat.S_IMODE(book.stat().st_mode) == 0o444
    assert not (tmp_path / BACKUP_DIR).exists()
    out = tmp_path / "结果.xlsx"                                   # -o: the read-only input is only read
    assert main(["assign", str(book), "-o", str(out)]) == 0
    assert stat.S_IMODE(book.stat().st_mode) == 0o444
    os.chmod(out, 0o444)                                          # a read-only result: no step writes it
    for cmd in (["lock", str(out)], ["public", str(out)], ["teachers", str(out)]):
        assert main(cmd) == 1
        assert "只读" in capsys.readouterr().out
    assert main(["assign", str(book), "-o", str(out), "--overwrite"]) == 1


def test_outputs_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        book = write_book(tmp_path / "输入.xlsx")
        out = tmp_path / "结果.xlsx"
        assert main(["assign", str(book), "-o", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        os.chmod(out, 0o664)                                      # a replaced file keeps its own mode
        assert main(["lock", str(out)]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o664
        assert main(["template", str(tmp_path / "模板.xlsx")]) == 0
        assert stat.S_IMODE((tmp_path / "模板.xlsx").stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_existing_output_is_never_replaced_silently(tmp_path, capsys):
    book = write_book(tmp_path / "输入.xlsx")
    out = tmp_path / "结果.xlsx"
    assert main(["assign", str(book), "-o", str(out), "--seed", "1"]) == 0
    first = sha(out)
    capsys.readouterr()
    assert main(["assign", str(book), "-o", str(out), "--seed", "2"]) == 1
    assert "--overwrite" in capsys.readouterr().out and sha(out) == first
    assert main(["assign", str(book), "-o", str(out), "--seed", "2", "--overwrite"]) == 0
    backups = list((tmp_path / BACKUP_DIR).iterdir())
    assert [sha(b) for b in backups] == [first] and sha(out) != first
    # the template too: --overwrite (not --force) replaces, after a backup
    tpl = tmp_path / "模板.xlsx"
    assert main(["template", str(tpl)]) == 0
    assert main(["template", str(tpl)]) == 1
    assert main(["template", str(tpl), "--force"]) == 1          # --force means one thing: re-assign a locked book
    assert main(["template", str(tpl), "--overwrite"]) == 0
    assert len(list((tmp_path / BACKUP_DIR).iterdir())) == 2


def test_in_place_backup_goes_into_the_backup_folder_byte_identical(tmp_path):
    book = write_book(tmp_path / "输入.xlsx")
    before = sha(book)
    assert main(["assign", str(book)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"输入.xlsx", BACKUP_DIR}
    (b,) = (tmp_path / BACKUP_DIR).iterdir()
    assert sha(b) == before and b.name.startswith("输入.备份-")


@pytest.mark.parametrize("step", [["teachers"], ["draw", "--seed", "5"], ["lock"]])
def test_plain_rerun_never_replaces_onsite_work(tmp_path, capsys, step):
    out = assigned(tmp_path)
    if step[0] in ("draw", "lock"):
        assert main(["teachers", str(out)]) == 0
    if step[0] == "lock":
        assert main(["draw", str(out), "--seed", "5"]) == 0
    assert main([step[0], str(out), *step[1:]]) == 0
    before = sha(out)
    capsys.readouterr()
    assert main(["assign", str(out)]) == 1
    text = capsys.readouterr().out
    assert "--force --reason" in text and sha(out) == before
    assert main(["assign", str(out), "--force", "--reason", "区教育局批准"]) == 0
    log = [r[1] for r in load_workbook(out)[S.SHEET_RECORD].iter_rows(values_only=True) if r and r[1]]
    assert any("区教育局批准" in str(v) for v in log)


def test_late_placements_block_a_plain_rerun(tmp_path, capsys):
    out = assigned(tmp_path)
    wb = load_workbook(out)
    ws = wb["学生名单"]
    row = student_rows(1, seed=7)[0]
    row[0], row[1] = "L001", "插班生甲"
    ws.append(row)
    wb.save(out)
    assert main(["late", str(out), "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["assign", str(out)]) == 1
    assert "插班 1 人" in capsys.readouterr().out


def _cli(*args: str, env_delay: float | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    if env_delay is not None:
        env[TEST_WRITE_DELAY] = str(env_delay)
    return subprocess.Popen([sys.executable, "-m", "bianban_xl.cli.main", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(cond, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.parametrize("in_place, sig, code", [(False, signal.SIGTERM, 143), (True, signal.SIGTERM, 143),
                                                  (True, signal.SIGINT, 130)])
def test_sigterm_mid_write_leaves_old_file_and_no_temporary(tmp_path, in_place, sig, code):
    book = write_book(tmp_path / "输入.xlsx", rows=student_rows(120))
    out = tmp_path / "结果.xlsx"
    before = sha(book)
    args = [str(book)] if in_place else [str(book), "-o", str(out)]
    proc = _cli("assign", *args, env_delay=30)
    # the temporary file beside the target exists: the signal lands while it is written or just after
    _wait_for(lambda: any(n.startswith(".~bianban-") for n in _leftovers(tmp_path)))
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, (stdout, stderr)
    assert "已中断" in stdout and "Traceback" not in stderr
    assert _leftovers(tmp_path) == []                       # no temporary file, no lock file
    assert sha(book) == before
    assert not out.exists()


def test_interrupt_inside_a_zip_writer_is_not_masked_by_its_clean_up(tmp_path):
    """Ctrl-C/SIGTERM while zipfile has a member open: zipfile's own close then fails ("open writing
    handle"); write_atomic must still raise the interruption (exit 130/143), leave no temporary file
    and no lock, and keep the target."""
    import zipfile

    from bianban_xl.book.files import Interrupted, write_atomic

    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"old")

    left: list = []

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w") as zf:
            member = zf.open("xl/workbook.xml", "w")     # open, as a writer streaming a part has it
            left[:] = [member, zf]
            member.write(b"<workbook/>")
            raise Interrupted()

    with pytest.raises(Interrupted):
        write_atomic(target, write)
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []
    for handle in left:          # this test's own half-written zip: closed here, not by the garbage collector
        handle.close()


def test_second_writer_refuses_while_the_first_writes(tmp_path):
    book = write_book(tmp_path / "输入.xlsx", rows=student_rows(120))
    first = _cli("assign", str(book), "--seed", "1", env_delay=4)
    lock = tmp_path / ".~bianban.输入.xlsx.lock"
    _wait_for(lock.exists)
    second = _cli("assign", str(book), "--seed", "2")
    out2, err2 = second.communicate(timeout=120)
    assert second.returncode == 1, (out2, err2)
    assert "另一个编班程序正在写入" in out2 and str(first.pid) in out2
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, (out1, err1)
    assert not lock.exists() and _leftovers(tmp_path) == []
    assert "随机种子 1" in out1 and len(list((tmp_path / BACKUP_DIR).iterdir())) == 1


def test_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    book = write_book(tmp_path / "输入.xlsx")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    import socket

    lock = tmp_path / ".~bianban.结果.xlsx.lock"
    lock.write_text(f"pid={dead.pid}\nhost={socket.gethostname()}\ntime=2026-01-01 00:00:00\n", encoding="utf-8")
    assert main(["assign", str(book), "-o", str(tmp_path / "结果.xlsx")]) == 0
    assert not lock.exists()


def test_two_runs_taking_over_one_stale_lock_never_both_write(tmp_path, monkeypatch):
    """Run A and run B both find the dead run's lock stale. A takes it over and writes its own
    lock; B, acting on what it saw before, must refuse, and A's lock must stay."""
    import socket

    from bianban_xl.book import files
    from bianban_xl.model.problems import UserError

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target = tmp_path / "结果.xlsx"
    lock = tmp_path / ".~bianban.结果.xlsx.lock"
    stale = f"pid={dead.pid}\nhost={socket.gethostname()}\ntime=2026-01-01 00:00:00\n"
    lock.write_text(stale, encoding="utf-8")
    judged = files._lock_is_stale
    states = []

    def b_judges_then_a_takes_over(path):
        seen = judged(path)                     # B reads the dead run's lock and judges it stale
        states.append(seen)
        path.unlink()                           # meanwhile A took it over ...
        path.write_text(f"pid={os.getpid()}\nhost=A\ntime=now\n", encoding="utf-8")   # ... and holds it
        return seen

    monkeypatch.setattr(files, "_lock_is_stale", b_judges_then_a_takes_over)
    with pytest.raises(UserError) as info:
        with files.output_lock(target):
            pytest.fail("B must not get the lock A holds")
    assert states == [stale] and "另一个编班程序正在写入" in str(info.value)
    assert lock.read_text(encoding="utf-8") == f"pid={os.getpid()}\nhost=A\ntime=now\n"   # A's lock stays
    assert sorted(p.name for p in tmp_path.iterdir()) == [lock.name]                      # nothing left by B


def test_district_output_never_overwrites_a_school_file(tmp_path, capsys):
    folder = tmp_path / "各校"
    folder.mkdir()
    school = write_book(folder / "某校.xlsx")
    assert main(["assign", str(school), "-o", str(folder / "一中.xlsx")]) == 0
    one = folder / "一中.xlsx"
    before = sha(one)
    assert main(["district", str(folder), "-o", str(one)]) == 1
    assert "不是以前生成的全区汇总表" in capsys.readouterr().out and sha(one) == before
    overview = tmp_path / "汇总.xlsx"
    main(["district", str(folder), "-o", str(overview)])
    first = sha(overview)
    main(["district", str(folder), "-o", str(overview)])      # a previous overview: replaced after a backup
    assert [sha(b) for b in (tmp_path / BACKUP_DIR).iterdir()] == [first]
    assert "原汇总表已备份为" in capsys.readouterr().out


# --- 3. the public file is public ---------------------------------------------------------------
def test_public_output_holds_only_the_masked_lists(tmp_path):
    out = assigned(tmp_path)
    pub = tmp_path / "公示.xlsx"
    assert main(["public", str(out), "-o", str(pub)]) == 0
    wb = load_workbook(pub)
    assert wb.sheetnames == [S.SHEET_PUBLIC]
    values = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    src = load_workbook(out)["学生名单"]
    head = [c.value for c in src[1]]
    for r in src.iter_rows(min_row=2, values_only=True):
        name, sid = r[head.index("姓名")], r[head.index("编号")]
        assert name not in values and sid not in values
        assert not any(name in v for v in values if len(name) >= 2)
        assert str(r[head.index("语文")]) not in values or r[head.index("语文")] <= 50   # no score column
    assert not any(v.startswith("20") and len(v) >= 10 and v[4] == "-" and v[:10] != v for v in values
                   if "公示时间" not in v)
    # without -o the book gains the sheet, as before
    assert main(["public", str(out)]) == 0
    assert S.SHEET_PUBLIC in load_workbook(out).sheetnames


# --- 4. outputs pass our own verify: class names and cell lengths --------------------------------
@pytest.mark.parametrize("names, said", [
    ("1班,编班汇总,3班", "与工作表“编班汇总”同名"),
    ("1班,生源分布,3班", "与工作表“生源分布”同名"),
    ("1班,公示名单,3班", "与工作表“公示名单”同名"),
    ("1班,学生名单,3班", "与工作表“学生名单”同名"),
    ("A班,a班,3班", "重复"),
    ("1班,2/班,3班", "不能含"),
    ("1班,2班," + "长" * 32, "最长 31 个字"),
])
def test_class_names_that_cannot_be_sheets_are_refused_at_check(tmp_path, capsys, names, said):
    book = write_book(tmp_path / "输入.xlsx", params=_params(班级名称=names))
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    assert said in out and "参数设置" in out, out


def test_cell_over_excels_limit_is_refused_not_truncated(tmp_path, capsys):
    rows = student_rows(30)
    rows[2][1] = "LONG-NAME-PLACEHOLDER"                       # 学生名单!B4
    draft = write_book(tmp_path / "草稿.xlsx", rows=rows)
    book = tmp_path / "输入.xlsx"                               # openpyxl itself cuts at 32,767: write the part
    with zipfile.ZipFile(draft) as zin, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in zin.namelist():
            zout.writestr(n, zin.read(n).replace(b"LONG-NAME-PLACEHOLDER", ("张" * 40000).encode()))
    assert main(["check", str(book)]) == 1
    out = capsys.readouterr().out
    assert "B4" in out and "32,767" in out and "不会自动截断" in out
    assert main(["assign", str(book), "-o", str(tmp_path / "r.xlsx")]) == 1
    assert not (tmp_path / "r.xlsx").exists()


def test_every_result_sheet_name_is_reserved(tmp_path):
    """Whatever the steps write is in S.RESULT_SHEETS, so a class can never take its name."""
    out = assigned(tmp_path)
    for step in (["teachers", str(out)], ["draw", str(out), "--seed", "3"], ["public", str(out)], ["lock", str(out)]):
        assert main(step) == 0
    names = set(load_workbook(out).sheetnames) - {"1班", "2班", "3班"}
    assert names <= set(S.INPUT_SHEETS) | set(S.RESULT_SHEETS), names - set(S.RESULT_SHEETS)


# --- 5. 同音 under every accepted surname reading ---------------------------------------------------
@pytest.mark.parametrize("a, b", [("单伟", "善伟"), ("单伟", "丹伟"), ("曾伟", "增伟"), ("曾伟", "层伟"),
                                  ("解明", "谢明"), ("解明", "姐明"), ("仇亮", "求亮"), ("仇亮", "愁亮"),
                                  ("区华", "欧华"), ("区华", "曲华"), ("查文", "扎文"), ("查文", "茶文"),
                                  ("朴成", "飘成"), ("朴成", "普成"), ("尉刚", "喻刚"), ("尉刚", "魏刚"),
                                  ("能静", "奶静"), ("能静", "耐静"),
                                  ("角林", "觉林"), ("角林", "脚林"), ("隗强", "魏强"), ("隗强", "奎强"),
                                  ("盖军", "葛军"), ("盖军", "钙军"), ("乐乐", "岳乐"), ("乐乐", "了乐"),
                                  ("覃红", "秦红"), ("覃红", "谭红"), ("缪云", "苗云"), ("缪云", "谋云"),
                                  ("尉迟恭", "玉池恭"), ("尉迟恭", "魏池恭"), ("蕃民", "皮民"), ("蕃民", "凡民")])
def test_homophone_under_any_surname_reading(a, b):
    assert same_sound_groups([a, b]) == [[0, 1]], (a, b, name_readings(a), name_readings(b))


@pytest.mark.parametrize("a, b", [("单伟", "陈伟"), ("王伟", "于伟"), ("方伟", "王伟"), ("曾伟", "郑伟")])
def test_not_homophones(a, b):
    assert same_sound_groups([a, b]) == []


def test_homophone_groups_keep_every_pair_apart_and_are_deterministic():
    names = ["单伟", "善伟", "丹伟", "张三", "章三", "单伟"]
    groups = same_sound_groups(names)
    assert groups == same_sound_groups(list(names))
    pairs = {(i, j) for g in groups for i in g for j in g if i < j}
    assert {(0, 1), (0, 2), (1, 5), (2, 5), (3, 4)} <= pairs
    assert (1, 2) not in pairs                                  # 善 shan and 丹 dan never sound alike


def test_separate_homophones_keeps_dan_and_shan_readings_apart(tmp_path):
    rows = student_rows(30)
    rows[0][1], rows[1][1], rows[2][1] = "单一鸣", "善一鸣", "丹一鸣"
    book = write_book(tmp_path / "输入.xlsx", rows=rows, params=_params(同音分开="是"))
    out = tmp_path / "r.xlsx"
    assert main(["assign", str(book), "-o", str(out)]) == 0
    ws = load_workbook(out)["学生名单"]
    head = [c.value for c in ws[1]]
    cls = {r[head.index("姓名")]: r[head.index("班级")] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert cls["单一鸣"] != cls["善一鸣"] and cls["单一鸣"] != cls["丹一鸣"]


# --- 6. formula-looking text is reported at check --------------------------------------------------
def test_formula_like_text_is_warned_with_sheet_and_cell(tmp_path, capsys):
    rows = student_rows(30)
    rows[0][1] = ' =HYPERLINK("http://x","点我")'          # 学生名单!B2
    rows[1][4] = "\u3000=cmd|' /C calc'!A0"                 # E3 毕业学校
    rows[2][5] = "\t@SUM(1)"                               # F4 户籍
    rows[3][9] = "-5"                                      # J5 备注: a number, not a formula
    rows[4][9] = "-"                                       # J6: a placeholder
    header = ["编号", "姓名", "性别", "出生日期", "毕业学校", "户籍", "等级", "语文", "数学", "+备注"]
    teachers = [list(r) for r in TEACHERS]
    teachers[1][0] = " =王芳()"                              # 教师名单!A2 (text; a real formula is refused)
    book = write_book(tmp_path / "输入.xlsx", rows=rows, header=header, extra_sheets={"教师名单": teachers},
                      params=_params(学校名称="+测试中学"))
    assert main(["check", str(book)]) == 0                 # a warning, not an error
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if "可能被当作公式" in line]
    text = "\n".join(flagged)
    for cell in ("B2", "E3", "F4", "J1", "A2"):
        assert cell in text, (cell, text)
    assert "参数设置" in text and "教师名单" in text
    assert "J5" not in text and "J6" not in text


def test_looks_like_formula_rule():
    yes = ["=1+1", " =A1", "\u3000=cmd", "\t+A1", "@SUM(A1)", "-A1", "+ HYPERLINK(x)", "=", "-1+2=?"]
    no = ["-5", "+86 138 0000 0000", "-", "--", "－", "1e5", "张三", "", "3-2班", "-0.5", "+5%"]
    assert [v for v in yes if not looks_like_formula(v)] == []
    assert [v for v in no if looks_like_formula(v)] == []


def test_overlong_notes_are_refused(tmp_path, capsys):
    out = assigned(tmp_path)
    before = sha(out)
    assert main(["draw", str(out), "--seed", "3", "--source", "报" * 40000]) == 1
    assert main(["assign", str(out), "--force", "--reason", "因" * 40000]) == 1
    assert "最长 500 个字" in capsys.readouterr().err and sha(out) == before


def test_interrupted_backup_is_never_left_as_a_backup(tmp_path, monkeypatch):
    import shutil as sh

    from bianban_xl.book import files

    book = write_book(tmp_path / "输入.xlsx")

    def copy_then_stop(a, b):
        Path(b).write_bytes(Path(a).read_bytes()[:100])
        raise KeyboardInterrupt

    monkeypatch.setattr(sh, "copy2", copy_then_stop)
    with pytest.raises(KeyboardInterrupt):
        files.backup_copy(book)
    assert list((tmp_path / BACKUP_DIR).iterdir()) == []


def test_lock_is_reentrant_per_thread_only(tmp_path):
    import threading

    from bianban_xl.book.files import output_lock
    from bianban_xl.model.problems import UserError

    target = tmp_path / "结果.xlsx"
    seen = []

    def other():
        try:
            with output_lock(target):
                seen.append("got it")
        except UserError as exc:
            seen.append(str(exc))

    with output_lock(target):
        with output_lock(target):                 # the same thread: re-entrant
            t = threading.Thread(target=other)
            t.start()
            t.join()
    assert len(seen) == 1 and "另一个编班程序正在写入" in seen[0]
    assert not (tmp_path / ".~bianban.结果.xlsx.lock").exists()


def test_real_formulas_on_other_input_sheets_are_named(tmp_path, capsys):
    teachers = [list(r) for r in TEACHERS]
    teachers[2][7] = "=AVERAGE(90,80)"                      # 教师名单!H3, a real formula
    book = write_book(tmp_path / "输入.xlsx", extra_sheets={"教师名单": teachers})
    main(["check", str(book)])
    out = capsys.readouterr().out
    assert any("教师名单" in line and "H3" in line and "这里是公式" in line for line in out.splitlines()), out


def test_batch_rerun_backs_up_the_previous_results(tmp_path, capsys):
    src = tmp_path / "各校"
    src.mkdir()
    write_book(src / "一中.xlsx")
    out = tmp_path / "结果"
    assert main(["batch", str(src), "-o", str(out), "--jobs", "1", "--seed", "1"]) == 0
    first = sha(out / "一中.xlsx")
    capsys.readouterr()
    assert main(["batch", str(src), "-o", str(out), "--jobs", "1", "--seed", "2"]) == 0
    assert "已先备份" in capsys.readouterr().out
    assert [sha(p) for p in (out / BACKUP_DIR).glob("一中.*")] == [first]     # (批量编班结果.xlsx is backed up beside it)


def test_disk_full_mid_write_is_a_user_error_and_leaves_nothing(tmp_path):
    import errno

    from bianban_xl.book.files import write_atomic
    from bianban_xl.model.problems import UserError

    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"old")

    def full(tmp: str) -> None:
        Path(tmp).write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(UserError) as info:
        write_atomic(target, full)
    assert "磁盘已满" in str(info.value)
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == []


def test_long_file_names_get_a_lock_and_a_backup(tmp_path, capsys):
    name = "长" * 80 + ".xlsx"                            # 245 bytes: a valid name near the limit
    book = write_book(tmp_path / name)
    assert main(["assign", str(book)]) == 0
    (b,) = (tmp_path / BACKUP_DIR).iterdir()
    assert len(b.name.encode()) <= 255 and _leftovers(tmp_path) == []
    assert main(["assign", str(book), "-o", str(tmp_path / ("长" * 84 + ".xlsx"))]) == 1   # 257 bytes
    out = capsys.readouterr().out
    assert "文件名太长" in out and "内部错误" not in out
