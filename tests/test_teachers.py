"""教师搭配 on real workbooks: every class one teacher per subject, loads respected, head teachers
teach their own team, balanced better than chance, reproducible; clear errors for bad lists."""
from __future__ import annotations

import collections

import numpy as np
from openpyxl import load_workbook

from bianban_xl.cli.main import main
from bianban_xl.model.problems import Report
from bianban_xl.service import read_book
from bianban_xl.onsite.teachers import build_teams, read_teachers, team_figures

from conftest import DEFAULT_PARAMS, sha, write_book
from onsite_helpers import TEACHER_HEAD, TEACHERS, assigned, kv


def big_staff(k=6, seed=3):
    """k head teachers and 5 subjects, mixed loads, varied scores/ages."""
    rnd = np.random.default_rng(seed)
    rows = [TEACHER_HEAD]
    heads = 0
    for subj, loads in (("语文", [1] * k), ("数学", [2] * (k // 2)), ("英语", [2, 1] * (k // 3)),
                        ("道德与法治", [k // 2, k - k // 2]), ("体育", [3] * (k // 3))):
        for j, load in enumerate(loads):
            head = "是" if heads < k and subj in ("语文", "数学") and (subj == "语文" and j < k - 2 or subj == "数学" and j < 2) else "否"
            heads += head == "是"
            years = int(rnd.integers(0, 35))
            rows.append([f"{subj[0]}师{j}", subj, "男" if rnd.random() < 0.4 else "女", 23 + years, years,
                         "高级" if years > 20 else "中级" if years > 8 else "初级", "是" if rnd.random() < 0.3 else "否",
                         int(rnd.integers(70, 100)), head, load])
    return rows


def test_teams_are_complete_and_respect_loads(tmp_path):
    out = assigned(tmp_path, teachers=big_staff(6),
                   params=[(k, 6 if k == "班级数" else v) for k, v in DEFAULT_PARAMS])
    assert main(["teachers", str(out)]) == 0
    book = read_book(out)
    rep = Report()
    teachers, _ = read_teachers(book, rep)
    assert rep.ok
    teams = build_teams(teachers, 6, 12345)
    uses = collections.Counter(teams.slots.ravel().tolist())
    for i, t in enumerate(teachers):
        assert uses[i] == t.load                        # 任教班数 respected exactly
    for team in range(6):
        subjects = [teachers[i].subject for i in teams.slots[team]]
        assert sorted(subjects) == sorted(set(t.subject for t in teachers))   # one teacher per subject
        assert teams.heads[team] in teams.slots[team].tolist()                 # head teaches own team
    # the sheet: one row per team, one column per subject, recorded seed and fingerprints
    ws = load_workbook(out)["教师搭配"]
    assert [c.value for c in ws[3]][:3 + 5] == ["团队", "班级", "班主任", "语文", "数学", "英语", "道德与法治", "体育"]
    assert [ws.cell(r, 1).value for r in range(4, 10)] == [f"第{t}组" for t in range(1, 7)]
    assert ws.cell(10, 1).value == "最大差距"
    rec = kv(ws)
    assert rec["搭配种子"] == "12345" and len(rec["教师名单指纹"]) == 64


def test_balance_beats_random_and_is_reproducible(tmp_path):
    src = write_book(tmp_path / "in.xlsx", extra_sheets={"教师名单": big_staff(6, seed=5)},
                     params=[(k, 6 if k == "班级数" else v) for k, v in DEFAULT_PARAMS])
    rep = Report()
    teachers, _ = read_teachers(read_book(src), rep)
    assert rep.ok
    a, b = build_teams(teachers, 6, 1), build_teams(teachers, 6, 1)
    assert (a.slots == b.slots).all()

    def gap(t):
        return float(np.ptp(team_figures(t)[:, 0]))       # range of the teams' mean 评分
    rnd_gaps = []
    for s in range(20):       # random layouts with the same structure (heads fixed, loads kept)
        rng = np.random.default_rng(s)
        t = build_teams(teachers, 6, 1)
        for j in range(t.slots.shape[1]):
            free = [r for r in range(6) if t.slots[r, j] not in t.heads]
            t.slots[free, j] = t.slots[rng.permutation(free), j]
        rnd_gaps.append(gap(t))
    assert gap(a) < np.median(rnd_gaps)


def test_old_with_new(tmp_path):
    """Two all-new and one all-veteran pairing is possible by chance; the search never leaves one."""
    rows = [TEACHER_HEAD,
            ["甲", "语文", "女", 24, 1, "初级", "否", 80, "是", 1], ["乙", "语文", "女", 25, 2, "初级", "否", 80, "是", 1],
            ["丙", "语文", "男", 55, 30, "高级", "否", 80, "是", 1],
            ["丁", "数学", "女", 56, 31, "高级", "否", 80, "否", 1], ["戊", "数学", "男", 57, 32, "高级", "否", 80, "否", 1],
            ["己", "数学", "男", 23, 0, "初级", "否", 80, "否", 1]]
    src = write_book(tmp_path / "in.xlsx", extra_sheets={"教师名单": rows})
    rep = Report()
    teachers, _ = read_teachers(read_book(src), rep)
    assert rep.ok
    for seed in range(10):
        t = build_teams(teachers, 3, seed)
        for team in t.slots:
            years = [teachers[i].years for i in team]
            assert not all(y < 5 for y in years) and not all(y >= 20 for y in years)


def test_bad_teacher_lists(tmp_path, capsys):
    bad = [r[:] for r in TEACHERS]
    bad[2][1] = "语言"          # unknown subject
    bad[4][9] = 1               # 数学 loads 1+1 = 2 < 3 classes
    bad.append(["吴磊", "英语", "男", "三十", 5, "中级", "否", 80, "否", 1])   # bad age, and 英语 4 > 3
    out = assigned(tmp_path)
    wb = load_workbook(out)
    del wb["教师名单"]
    ws = wb.create_sheet("教师名单")
    for r in bad:
        ws.append(r)
    wb.save(out)
    before = sha(out)
    assert main(["teachers", str(out)]) == 1
    text = capsys.readouterr().out
    assert "学科“语言”无法识别" in text and "B3" in text
    assert "年龄“三十”" in text and "D8" in text
    assert sha(out) == before and "Traceback" not in text
    # fix those cell errors: now the loads do not add up
    bad[2][1] = "语文"
    bad[-1][3] = 30
    ws2 = write_book(tmp_path / "b.xlsx", extra_sheets={"教师名单": bad})
    assert main(["teachers", str(ws2)]) == 1
    text = capsys.readouterr().out
    assert "数学教师的任教班数合计 2" in text and "还有 1 个班没有数学老师" in text
    assert "英语教师的任教班数合计 4" in text


def test_not_enough_head_teachers_and_missing_sheet(tmp_path, capsys):
    few = [r[:] for r in TEACHERS]
    few[3][8] = "否"
    src = write_book(tmp_path / "in.xlsx", extra_sheets={"教师名单": few})
    assert main(["teachers", str(src), "-o", str(tmp_path / "o.xlsx")]) == 1
    text = capsys.readouterr().out
    assert "班主任人选只有 2 人，少于班级数 3" in text and not (tmp_path / "o.xlsx").exists()
    none = write_book(tmp_path / "none.xlsx")
    assert main(["teachers", str(none)]) == 1
    assert "缺少工作表“教师名单”" in capsys.readouterr().out


def test_teacher_lists_as_schools_type_them(tmp_path):
    """年龄 45岁, 教龄 10年, 评分 95分, 任教班数 2个班 are numbers (they were errors; 参数设置 took its
    units), and 职称 in the old names or short forms are read under the 2015 names: 中学高级 is
    高级教师 (counted as senior), 小学高级 一级教师, 副高 副高级."""
    rows = [r[:] for r in TEACHERS]
    rows[1][3], rows[1][4], rows[1][7], rows[1][5] = "35岁", "12年", "92分", "中学高级"
    rows[4][9], rows[4][5] = "2个班", "副高"
    rows[2][5], rows[5][5] = "小学高级", "一级"
    book = read_book(write_book(tmp_path / "x.xlsx", extra_sheets={"教师名单": rows}))
    report = Report()
    teachers, _ = read_teachers(book, report)
    assert report.ok, [p.text() for p in report.problems]
    by = {t.name: t for t in teachers}
    assert (by["王芳"].age, by["王芳"].years, by["王芳"].score, by["王芳"].title) == (35, 12, 92, "高级教师")
    assert by["王芳"].senior and by["陈刚"].senior and by["陈刚"].load == 2
    assert by["李强"].title == "一级教师" and not by["李强"].senior and by["刘洋"].title == "一级教师"


def test_titles_with_their_level_in_brackets(tmp_path):
    """职称 as many 教师名单 write them, the title with its level beside it — 高级教师（副高级）,
    一级教师(中级职称), 中级职称 — were refused by 检查数据 as 无法识别."""
    rows = [r[:] for r in TEACHERS]
    rows[1][5], rows[2][5], rows[3][5] = "高级教师（副高级）", "一级教师(中级职称)", "中级职称"
    rows[4][5] = "乱写"
    book = read_book(write_book(tmp_path / "x.xlsx", extra_sheets={"教师名单": rows}))
    report = Report()
    teachers, _ = read_teachers(book, report)
    assert len(report.errors) == 1 and "职称“乱写”无法识别" in report.errors[0].text()
    rows[4][5] = "高级"
    book = read_book(write_book(tmp_path / "y.xlsx", extra_sheets={"教师名单": rows}))
    report = Report()
    teachers, _ = read_teachers(book, report)
    by = {t.name: t.title for t in teachers}
    assert (by["王芳"], by["李强"], by["赵敏"]) == ("高级教师", "一级教师", "中级")


def test_teams_made_again_say_they_replace_the_earlier_ones(tmp_path, capsys):
    """教师搭配 run a second time before the draw made new teams without a word on the page (only a
    log line): a registrar could re-roll until he liked them. It now says which teams it replaced,
    and the log names both."""
    out = assigned(tmp_path)
    assert main(["teachers", str(out), "--seed", "11"]) == 0
    assert "替换" not in capsys.readouterr().out
    assert main(["teachers", str(out), "--seed", "12"]) == 0
    assert "原来的教师搭配（搭配种子 11）已被这次的替换" in capsys.readouterr().out
    log = [str(r[1]) for r in load_workbook(out)["编班记录"].iter_rows(values_only=True) if r[1]]
    assert any(x.startswith("教师搭配（替换了原教师搭配：搭配种子 11）") and "搭配种子 12" in x for x in log)


def test_verify_checks_the_teams_before_the_draw(tmp_path, capsys):
    """Teams edited by hand before the draw passed verify without a word (only the draw caught
    them): verify now rebuilds them from the recorded seed and names the edit, as a notice — the
    pupils' classes do not depend on it."""
    out = assigned(tmp_path)
    assert main(["teachers", str(out), "--seed", "11"]) == 0
    capsys.readouterr()
    assert main(["verify", str(out)]) == 0
    assert "教师搭配检查通过" in capsys.readouterr().out
    wb = load_workbook(out)
    ws = wb["教师搭配"]
    rows = [r for r in ws.iter_rows() if isinstance(r[0].value, str) and r[0].value.startswith("第") and r[0].value.endswith("组")]
    a, b = rows[0][3], rows[1][3]
    a.value, b.value = b.value, a.value
    wb.save(out)
    assert main(["verify", str(out)]) == 0
    text = capsys.readouterr().out
    assert "提醒：" in text and "第1组的教师被改动" in text and "抽签会拒绝" in text
