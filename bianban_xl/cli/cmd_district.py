"""`bianban batch | district`: many schools' workbooks at once (bianban_xl.district)."""
from __future__ import annotations

from bianban_xl.cli.output import count_progress, out
from bianban_xl.district.batch import batch_assign
from bianban_xl.district.check import district_check, FAIL, PASS, REVIEW


def cmd_batch(args) -> int:
    res = batch_assign(args.dir, args.output, jobs=args.jobs, seed=args.seed, progress=count_progress("批量编班"),
                       seeds=args.seeds, keep=not args.overwrite)
    kept = len(res.kept)
    ok = len(res.items) - len(res.failures) - kept
    out(f"批量编班完成：{len(res.items)} 个工作簿，成功 {ok}，" + (f"保留上次的结果 {kept}，" if kept else "")
        + f"失败 {len(res.failures)}；共 {res.students} 名学生；用时 {res.seconds:.1f} 秒（{res.jobs} 个进程）。")
    if kept:
        out(f"{kept} 个学校在结果文件夹中已有结果，且输入与上次编班时相同：保留上次的结果，没有重新编班"
            "（重新编班会换新的随机种子，班级会变）。确需全部重新编班，请加 --overwrite。")
    replaced = [i for i in res.items if i.backup]
    if replaced:
        out(f"{len(replaced)} 个学校上次的结果文件已先备份到各自文件夹下的“备份”文件夹，再写入新结果。")
    if res.skipped:
        out(f"未处理 {len(res.skipped)} 个不是 Excel 工作簿的文件：" + "、".join(p.name for p in res.skipped[:10])
            + ("……" if len(res.skipped) > 10 else ""))
    doubled = [it for it in res.items if it.same_school]
    if doubled:
        out("\n[提醒] 同一所学校有不止一个输入文件（每个都编了班；只能把其中一个的结果发给学校）：")
        for it in doubled:
            out(f"● {it.relative}（{it.school}{' ' + it.grade if it.grade else ''}）也见于：" + "、".join(it.same_school))
    if res.failures:
        out("\n失败的学校及原因：")
        for it in res.failures:
            out(f"● {it.relative}")
            _indented_first(it.problems, 8, "条，详见汇总表。")
    out(f"\n结果文件在：{res.out_dir}")
    if res.summary_path:
        out(f"汇总表：{res.summary_path}")
    if res.summary_backup:
        out(f"上次的汇总表已备份为：{res.summary_backup}")
    out(f"全区核查：bianban district \"{res.out_dir}\" -o 汇总.xlsx")
    return 0 if not res.failures else 1


def cmd_district(args) -> int:
    res = district_check(args.dir, args.output, jobs=args.jobs, progress=count_progress("逐校核查"), codes=args.codes)
    out(f"核查完成：{len(res.checks)} 个文件，不合格 {res.count(FAIL)}，需核查 {res.count(REVIEW)}，合格 {res.count(PASS)}；"
        f"用时 {res.seconds:.1f} 秒。")
    for c in res.checks:
        if c.verdict == PASS:
            continue
        out(f"【{c.verdict}】{c.relative}" + (f"（{c.school}）" if c.school else ""))
        _indented_first([f.text for f in c.findings], 5, "个问题，详见汇总表“问题明细”。")
    if res.ours:
        out(f"未核查 {len(res.ours)} 个本软件生成的汇总表（不是学校的结果）：" + "、".join(p.name for p in res.ours[:10])
            + ("……" if len(res.ours) > 10 else ""))
    out(f"汇总表已写入：{res.out_path}")
    if res.replaced_backup:
        out(f"原汇总表已备份为：{res.replaced_backup}")
    return 0 if res.count(FAIL) == 0 and res.count(REVIEW) == 0 else 1


def _indented_first(lines: list[str], limit: int, rest: str) -> None:
    """The first ``limit`` lines, indented, then how many there are in all when some were left out."""
    for line in lines[:limit]:
        out(f"    {line}")
    if len(lines) > limit:
        out(f"    ……共 {len(lines)} {rest}")
