"""`bianban batch` run again on the same folders, as a district officer does after fixing the
schools that failed: the schools already done keep their classes, the officer's notes in the
previous 批量编班结果.xlsx are kept in 备份, a changed input or a changed seed is assigned again."""
from __future__ import annotations

import hashlib
from pathlib import Path

from openpyxl import load_workbook, Workbook

from bianban_xl.book.template import fill_input_workbook
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.cli import main as cli
from bianban_xl.synth import generate_school
from conftest import school_input


def _school(path: Path, seed: int) -> Path:
    r = generate_school(40, 2, seed=seed, n_schools=4, school_name=path.stem)
    r.params.seed = None                       # no seed typed: each run draws one by computer
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(fill_input_workbook(r, r.params), path)
    return path


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _record(p: Path) -> dict:
    return {r[0]: r[1] for r in load_workbook(p)["编班记录"].iter_rows(values_only=True) if r and r[0]}


def test_a_second_run_keeps_the_schools_already_done(tmp_path, capsys):
    """Before: every school was assigned again with a new computer-drawn seed (its classes changed,
    the old result only in 备份), and 批量编班结果.xlsx — where the officer had typed notes — was
    replaced without a copy."""
    src, out = tmp_path / "各校", tmp_path / "结果"
    a, b = _school(src / "一中.xlsx", 1), _school(src / "二中.xlsx", 2)
    bad = src / "三中.xlsx"
    bad.write_bytes(b"")
    assert cli.main(["batch", str(src), "-o", str(out), "--jobs", "1"]) == 1
    capsys.readouterr()
    summary = out / "批量编班结果.xlsx"
    wb = load_workbook(summary)
    wb.active["K3"], wb.active["K5"] = "处理情况", "已电话通知三中重新报送"
    wb.save(summary)
    typed = _sha(summary)
    first = {p: _sha(out / p) for p in ("一中.xlsx", "二中.xlsx")}

    _school(bad, 3)                                            # the school sends a proper file
    r = generate_school(40, 2, seed=9, n_schools=4, school_name="二中")
    r.params.seed = None
    save_atomic(fill_input_workbook(r, r.params), b)            # 二中 corrects its roster
    assert cli.main(["batch", str(src), "-o", str(out), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "成功 2，保留上次的结果 1，失败 0" in text and "--overwrite" in text, text
    assert _sha(out / "一中.xlsx") == first["一中.xlsx"]                     # untouched, same classes
    assert _sha(out / "二中.xlsx") != first["二中.xlsx"] and (out / "三中.xlsx").is_file()
    backups = list((out / "备份").glob("批量编班结果.备份-*.xlsx"))
    assert [_sha(p) for p in backups] == [typed] and "上次的汇总表已备份为" in text
    rows = {r[1]: r[2] for r in load_workbook(summary).active.iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows == {"一中.xlsx": "保留", "二中.xlsx": "成功", "三中.xlsx": "成功"}, rows

    seed_before = _record(out / "一中.xlsx")["随机种子"]
    assert cli.main(["batch", str(src), "-o", str(out), "--jobs", "1", "--seed", "4455"]) == 0   # a seed given: used
    assert _record(out / "一中.xlsx")["随机种子"] == "4455" != seed_before
    assert cli.main(["batch", str(src), "-o", str(out), "--jobs", "1", "--overwrite"]) == 0
    assert "保留" not in capsys.readouterr().out
    assert _record(out / "一中.xlsx")["随机种子"] != "4455"


def test_sigterm_to_the_whole_batch_leaves_no_lock_files(tmp_path):
    """The console closed (or the process group killed) mid-batch: the workers died on the spot and
    left .~bianban.<school>.xlsx.lock files in the results folder, while the command said
    '没有留下临时文件'. Workers now end through their clean-up, as on Ctrl-C."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from bianban_xl.book.files import TEST_WRITE_DELAY

    src, out = tmp_path / "各校", tmp_path / "结果"
    for n in range(3):
        _school(src / f"{n + 1}中.xlsx", n + 1)
    env = dict(os.environ, **{TEST_WRITE_DELAY: "60"})
    proc = subprocess.Popen([sys.executable, "-m", "bianban_xl.cli.main", "batch", str(src), "-o", str(out), "--jobs", "2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            start_new_session=True)

    def results():                   # finished schools (not our .~bianban-*.xlsx temporary files)
        return sorted(p for p in out.rglob("*.xlsx") if not p.name.startswith(".~"))

    end = time.monotonic() + 240
    while len(list(out.rglob(".~bianban.*.lock"))) < 2:           # both workers are inside a write
        assert time.monotonic() < end and proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    done_before = results()          # on a loaded machine a school may be complete already
    os.killpg(proc.pid, signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "已中断" in stdout and "Traceback" not in stderr, (stdout, stderr)
    time.sleep(1)
    assert [p.name for p in out.rglob(".~*")] == []
    assert results() == done_before          # no school written after the signal



def test_a_rerun_reads_each_input_once(tmp_path, monkeypatch):
    """A re-run (jobs 1, in this process) reads each school's input once — for its 学校名称 in the
    种子表, to compare it with the earlier result and, when it changed, to assign it: a changed input
    was read twice, three times with a 种子表 naming the school by its 学校名称 (besides the batch's
    own look at every 学校名称 before the schools start). The classes are those of a single run with
    the same seed."""
    from bianban_xl.book import read as book_read
    from bianban_xl.district.batch import batch_assign

    src, out = tmp_path / "各校", tmp_path / "结果"
    a = school_input(src / "yizhong.xlsx", "第一中学", 1)           # files named otherwise than the schools:
    b = school_input(src / "sanzhong.xlsx", "第三中学", 2)          # the 种子表 is matched by 学校名称
    seeds = tmp_path / "种子表.xlsx"
    wb = Workbook()
    for row in (["学校", "随机种子", "种子来源"], ["第三中学", 33, "家长代表报数"]):
        wb.active.append(row)
    wb.save(seeds)
    assert all(i.ok for i in batch_assign(src, out, jobs=1, summary=False, seeds=seeds).items)

    reads, real = [], book_read.read_for_update

    def counted(p, fast=True):
        if Path(p).parent == src:                              # the inputs (the results share their names)
            reads.append(Path(p).name)
        return real(p, fast)

    monkeypatch.setattr(book_read, "read_for_update", counted)
    school_input(a, "第一中学", 8)                                  # both schools correct their rosters
    res = batch_assign(src, out, jobs=1, summary=False, keep=True)
    assert {Path(i.source).name: i.kept for i in res.items} == {"yizhong.xlsx": False, "sanzhong.xlsx": True}
    assert sorted(reads) == ["sanzhong.xlsx", "yizhong.xlsx"], reads   # the changed one compared and assigned on one read
    reads.clear()
    school_input(b, "第三中学", 9)
    res = batch_assign(src, out, jobs=1, summary=False, seeds=seeds, keep=True)
    assert all(i.ok for i in res.items) and sorted(i.kept for i in res.items) == [False, True]
    # the batch's own look at each 学校名称 (one 种子表 row taken by two files?) and the school's one read
    assert reads.count("sanzhong.xlsx") == 2 and reads.count("yizhong.xlsx") == 2, reads
    reads.clear()
    res = batch_assign(src, out, jobs=1, summary=False, seeds=seeds, keep=True)
    assert len(res.kept) == 2 and reads.count("sanzhong.xlsx") == 2 and reads.count("yizhong.xlsx") == 2, reads
    monkeypatch.undo()
    alone = tmp_path / "单独.xlsx"
    assert cli.main(["assign", str(b), "-o", str(alone), "--seed", "33"]) == 0
    cls = lambda p: [row[-1] for row in load_workbook(p)["学生名单"].iter_rows(min_row=2, values_only=True)]  # noqa: E731
    assert cls(out / "sanzhong.xlsx") == cls(alone)
