"""What each button of the page does: one service call (the same as the CLI and the ribbon), its
result rendered as an HTML fragment. Each step runs inside a background job (``job.progress``
feeds the page's progress bar); a UserError becomes the problems table (工作表, 单元格, 问题, 改法)."""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

from bianban_xl import service
from bianban_xl.book.template import build_input_workbook
from bianban_xl.book.workbook_file import save_atomic
from bianban_xl.demo import write_demo_input
from bianban_xl.district.batch import batch_assign
from bianban_xl.district.check import FAIL, PASS, REVIEW, SEVERITY, district_check
from bianban_xl.model import schema as S
from bianban_xl.model.problems import Report, UserError
from bianban_xl.onsite.seal import K_CODE, NeedsRoomSeed, SHEET_SEAL
from bianban_xl.model.called_digits import parse_called_digits, same_digits, zeros_note
from bianban_xl.onsite.state import read_record
from bianban_xl.ui import paths as P
from bianban_xl.ui.jobs import LOG_FILE, Job, Outcome
from bianban_xl.ui.render import raw_sheet_html, spec_html

# the ribbon's labels (excel/ribbon/customUI.xml), in the ribbon's order, with its screen tips
BUTTONS = [
    ("check", "检查数据", "检查参数设置、学生名单、双胞胎、教师名单，列出所有问题。不改动文件。"),
    ("seal", "数据封存", "报数之前：检查并封存输入数据，生成输入核验码和可打印签字的“数据封存”单。"),
    ("assign", "自动编班", "电脑随机、均衡地把学生编入各班；结果写入“…_编班结果.xlsx”。已封存的工作簿请输入现场报数两遍。锁定后不能再用。"),
    ("teachers", "教师搭配", "按“教师名单”组成各班教师团队，评分、骨干、职称、年龄、教龄、性别均衡。"),
    ("draw", "班主任抽签", "输入家长代表现场报的数字（输入两遍），或由电脑抽取种子；生成抽签记录。"),
    ("public", "公示导出", "生成可张贴、可打印的公示名单：每班一页，姓名隐去部分字，不含成绩。"),
    ("lock", "锁定", "公示后锁定（三不动）：先完整验证，再保护结果工作表；须写明锁定原因。"),
    ("late", "插班", "把“学生名单”末尾、班级留空的新生编入最合适的班，不移动任何人。"),
    ("verify", "验证结果", "用同样的输入和随机种子重新计算，核对分班、插班、抽签是否一致。"),
]
# under the page's ribbon row (on the Excel ribbon it is in 插班与复核; the page keeps its nine as they were)
CORRECT_BUTTON = ("correct", "更正学生信息", "公示后发现错字：改正一名学生的姓名、出生日期等，写明原因，记入编班记录；"
                                             "不调班，验证结果会列出更正。")
TITLES = {k: label for k, label, _ in BUTTONS + [CORRECT_BUTTON]} | {"batch": "批量编班", "district": "全区核查"}
SEED_SOURCE_TYPED = "现场报数（在网页“班主任抽签”中录入两遍）"
ASSIGN_SEED_SOURCE = "现场报数（在网页“自动编班”中输入两遍核对一致）"
COMPUTER_SEED_LABEL = "由电脑抽取随机种子（未经现场报数）"
STATE_SEALED = "已封存"
NEW_NOTES = {"template": ["请在 WPS / Excel 中打开它，填写“参数设置”和“学生名单”（双胞胎申请填在“双胞胎”），保存后回到本页点“检查数据”。"],
             "demo": ["这是一个约 600 名合成学生、14 个班的示例学校，可以用它把每个按钮试一遍。"]}


@dataclass
class Context:
    folder: Path
    token: str
    jinja: object

    def link(self, path: str, **args) -> str:
        return path + "?" + urlencode({**args, "t": self.token})

    def rel(self, p: Path) -> str:
        return P.relative_name(self.folder, p)

    def render(self, template: str, **kw) -> str:
        return self.jinja.get_template(template).render(**kw)


def failure_html(ctx: Context, detail: str) -> str:
    return ctx.render("message.html", ok=False, lines=[
        f"程序内部出错，本次没有完成：{detail}",
        f"这是软件的问题，不是您的数据问题。详细信息已记入 {LOG_FILE}，请把它和工作簿一起发给技术支持。"])


def state_of(path: Path) -> tuple[str, bool]:
    """(state shown in the file list, sealed?). An input sealed but not yet assigned shows 已封存;
    ``sealed`` (a 数据封存 sheet is present) makes the page ask for the room's digits at 自动编班 —
    the service still decides (it refuses a sealed book without a seed)."""
    state = service.book_state(path)
    sealed = SHEET_SEAL in sheet_names(path)
    return (STATE_SEALED if sealed and state == service.STATE_NEW else state), sealed


def sheet_names(path: Path) -> list[str]:
    """Sheet names from xl/workbook.xml (without reading the cells)."""
    try:
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read("xl/workbook.xml"))
    except (KeyError, zipfile.BadZipFile, OSError, ElementTree.ParseError):
        return []
    return [el.get("name", "") for el in root.iter() if el.tag.endswith("}sheet") or el.tag == "sheet"]


def new_book(folder: Path, kind: str, name: str) -> Path:
    """新建空白模板 or the demo school, under a name not yet taken."""
    default = "编班输入.xlsx" if kind == "template" else "示例学校_输入.xlsx"
    name = P.clean_file_name(name.strip() or default, (".xlsx",)) if name.strip() else default
    target = P.free_name(folder, name)
    if kind == "template":
        save_atomic(build_input_workbook(), target)
    else:
        write_demo_input(target)
    return target


def _messages(ctx: Context, update, target: Path, backup: Path | None, views=(), ok_line: str = "") -> str:
    links = [("下载工作簿", ctx.link("/download", file=ctx.rel(target)))]
    links += [(label, ctx.link(f"/view/{what}", file=ctx.rel(target))) for what, label in views]
    lines = ([ok_line] if ok_line else []) + list(update.messages) + [f"已写入：{target.name}"]
    if backup:
        lines.append(f"原文件已备份为：{Path(backup).name}")
    return ctx.render("message.html", ok=True, lines=lines, links=links)


# --- the nine buttons --------------------------------------------------------------------------
def check(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    job.progress(0.1, "正在检查数据")
    roster, report = service.check_file(path)
    summary = ""
    if roster is not None:
        p = roster.params
        n = len(roster.students)
        boys = sum(1 for s in roster.students if s.gender == "男")
        summary = (f"检查通过：{n} 名学生（男 {boys}，女 {n - boys}），{p.n_classes} 个班，班额上限 {p.cap}；"
                   f"成绩科目：{'、'.join(p.subjects) or '无'}；双胞胎申请 {len(roster.twin_groups)} 组。可以编班。")
    return Outcome(ctx.render("problems.html", report=report, summary=summary), ok=roster is not None)


def seal(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    """数据封存 (service.seal_file, as ``bianban seal`` without -o): written into the workbook after a
    backup; the 输入核验码 shown large, with the printable 数据封存 sheet for the supervisors."""
    job.progress(0.2, "正在检查并封存数据")
    update, target, backup = service.seal_file(path)
    code = next((x.split("：", 1)[1] for x in update.messages if x.startswith(K_CODE + "：")), "")
    lines = [x for x in update.messages if not x.startswith(K_CODE)]
    lines.append(f"文件没有改动：{target.name}" if service.left_as_is(update, path, target) else f"已写入：{target.name}")
    if backup:
        lines.append(f"原文件已备份为：{Path(backup).name}")
    lines.append("下面的“数据封存单（打印签字）”可直接打印；报数后点“自动编班”，把报出的数字输入两遍。")
    links = [("数据封存单（打印签字）", ctx.link("/view/seal", file=ctx.rel(target))),
             ("下载工作簿", ctx.link("/download", file=ctx.rel(target)))]
    return Outcome(ctx.render("sealed.html", code=code, lines=lines, links=links), select=ctx.rel(target))


def assign(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    """自动编班: an input workbook gets a new '<name>_编班结果' file beside it; a workbook that already
    holds a result is re-assigned in place (after a backup); a locked one only with a reason.
    A sealed workbook (数据封存) takes the digits called out in the room, typed twice in the page's
    form (``room=1``), or — only when ticked — a computer-drawn seed, as ``bianban assign`` does.
    The file as the pre-check read it is used when unchanged (read once)."""
    read = _prechecked(path)
    state = service.book_state(read)
    reason = (form.get("reason") or "").strip() if form.get("force") == "1" else None
    if form.get("force") == "1" and not reason:
        rep = Report()
        rep.error("", "强制重新编班必须写明原因（原因会写入编班记录）。", "请在“原因”一栏填写批准文号或原因后再试。")
        raise UserError(rep)
    seed = source = None
    computer = False
    if form.get("room") == "1":
        seed = typed_seed(form, "没有编班", COMPUTER_SEED_LABEL)
        computer = seed is None
        source = ASSIGN_SEED_SOURCE if seed is not None else None
    out = None
    if state == service.STATE_NEW:
        stem = path.stem[: -len("_输入")] if path.stem.endswith("_输入") else path.stem
        out = P.free_name(path.parent, f"{stem}{P.RESULT_SUFFIX}{path.suffix}", keep=P.RESULT_SUFFIX)
    try:
        result, target, backup = service.assign_file(path, out, seed=seed, progress=job.progress, seed_source=source,
                                                      force_reason=reason, computer_seed=computer, read=read)
    except NeedsRoomSeed as exc:   # the page's list was out of date: the book was sealed meanwhile
        rep = Report()
        rep.error(SHEET_SEAL, f"数据已封存（输入核验码 {exc.seal.get(K_CODE, '')}）：随机种子应由现场报数产生。没有编班。",
                  f"请再点一次“自动编班”，把家长代表报的数字输入两遍；确需由电脑抽取时勾选“{COMPUTER_SEED_LABEL}”。")
        raise UserError(rep) from None
    except UserError as exc:   # refused by the lock or because on-site work would be lost: offer 强制重新编班
        if not reason and any("--force" in p.fix for p in exc.report.errors):
            return Outcome(ctx.render("problems.html", report=exc.report, force_form=True, locked=state == service.STATE_LOCKED,
                                      file=ctx.rel(path), sealed=SHEET_SEAL in sheet_names(path),
                                      computer_label=COMPUTER_SEED_LABEL), ok=False)
        raise
    job.progress(0.97, "正在生成均衡情况说明")
    p = result.params
    rel = ctx.rel(target)
    lines = [f"编班完成：{len(result.roster.students)} 名学生编入 {p.n_classes} 个班；随机种子 {result.seed}"
             f"（{result.seed_source}）；计算用时 {result.engine_seconds:.2f} 秒。", f"结果已写入：{target.name}"]
    if backup:
        lines.append(f"原文件已备份为：{Path(backup).name}")
    warnings = result.report.warnings
    links = [("下载结果工作簿", ctx.link("/download", file=rel)),
             ("均衡情况说明（打印）", ctx.link("/view/certificate", file=rel)),
             ("各班名单（打印）", ctx.link("/view/classes", file=rel))]
    html = ctx.render("assigned.html", lines=lines, links=links, warnings=warnings,
                  certificate=spec_html(result.sheets[0]), classes=_class_overview(result))
    return Outcome(html, select=rel)


def _class_overview(result) -> list[list[str]]:
    """班级 | 人数 | 男 | 女 rows for the page."""
    rows = []
    for cname in result.params.names():
        members = [st for st, c in zip(result.roster.students, result.class_of) if c == cname]
        boys = sum(1 for st in members if st.gender == "男")
        rows.append([cname, str(len(members)), str(boys), str(len(members) - boys)])
    return rows


def teachers(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    job.progress(0.2, "正在搭配教师团队")
    update, target, backup = service.teachers_file(path)
    return Outcome(_messages(ctx, update, target, backup, [("teams", "教师搭配表（打印）")]), select=ctx.rel(target))


# The workbook as the pre-check (can_start) read it, for the step the page starts next (after the number
# called out is typed twice): 自动编班 read the file four times (the pre-check's state and checks, the
# step's state and the run), 班主任抽签 twice. The step takes it when the file is still the one read
# (service.ReadFile.current, checked again under the output lock), else reads the file anew.
_PRECHECKED: dict[str, service.ReadFile] = {}


def _prechecked(path: Path) -> service.ReadFile:
    """``path`` as the pre-check read it when unchanged since, else read now (UserError as read_book)."""
    read = _PRECHECKED.pop(str(path), None)
    return read if read is not None and read.stamp and read.current() else service.read_file(path)


def can_start(ctx: Context, path: Path, name: str) -> tuple[str | None, str]:
    """What stops 自动编班 or 班主任抽签 before the page asks for the number called out: (None, a
    warning to show in the form or ""), or (the refusal to show, "") — for 自动编班 the 强制重新编班
    form when a reason can lift it. The file is read once, and kept for the step (``_prechecked``)."""
    state = None
    _PRECHECKED.clear()
    try:
        read = service.read_file(path)
        if name == "draw":
            notice = service.can_draw(read) or ""
        else:
            state = service.book_state(read)
            service.can_assign(read, in_place=state != service.STATE_NEW)
            notice = ""
    except UserError as exc:
        if name == "assign" and any("--force" in p.fix for p in exc.report.errors):
            return ctx.render("problems.html", report=exc.report, force_form=True, locked=state == service.STATE_LOCKED,
                              file=ctx.rel(path), sealed=SHEET_SEAL in sheet_names(path),
                              computer_label=COMPUTER_SEED_LABEL), ""
        return ctx.render("problems.html", report=exc.report), ""
    _PRECHECKED[str(path)] = read
    return None, notice


def typed_seed(form: dict, not_done: str, computer_label: str) -> int | None:
    """The digits called out in the room, typed twice in the form (``digits``, ``digits2``; they must
    agree), or None when the registrar ticked ``computer`` (and typed nothing). UserError naming the
    fix otherwise; ``not_done`` ("没有抽签") says what did not happen."""
    rep = Report()
    try:
        first, second = parse_called_digits(form.get("digits", "")), parse_called_digits(form.get("digits2", ""))
    except ValueError as exc:
        if str(exc).isdigit():           # all digits, but 2^63 or more
            rep.error("", f"“{exc}”太大：随机种子最大是 9223372036854775807（19 位）。",
                      f"请家长代表报一串短一些的数字（如 4 到 8 位）；{not_done}，文件没有改动。")
        else:
            rep.error("", f"“{exc}”不是一串数字。", f"只填数字，如 3721；{not_done}，文件没有改动。")
        raise UserError(rep) from None
    if form.get("computer") == "1":
        if first is not None or second is not None:
            rep.error("", f"既填了现场报数，又勾选了“{computer_label}”。", f"二者选一：清空数字，或取消勾选。{not_done}。")
            raise UserError(rep)
        return None
    if first is None:
        rep.error("", "没有输入现场报的数字。", f"请家长代表报一串数字，录入两遍；或勾选“{computer_label}”。{not_done}。")
        raise UserError(rep)
    if not same_digits(first, second):
        rep.error("", f"两次输入的数字不一致{zeros_note(first, second)}。", f"请核对家长代表报的数字，重新输入两遍。{not_done}，文件没有改动。")
        raise UserError(rep)
    return first


def draw(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    """班主任抽签: the digits typed twice (they must agree), or a computer-drawn seed when the
    registrar ticks that box; the physical draw when the workbook has a 抽签结果 sheet."""
    manual = S.SHEET_DRAW_INPUT in sheet_names(path)
    seed = source = None
    if not manual:
        seed = typed_seed(form, "没有抽签", "由电脑随机抽取")
        source = SEED_SOURCE_TYPED if seed is not None else None
    job.progress(0.2, "正在复核编班结果并抽签")
    update, target, backup = service.draw_file(path, None, seed, source, manual, read=_prechecked(path))
    return Outcome(_messages(ctx, update, target, backup, [("draw", "抽签记录（打印签字）")]), select=ctx.rel(target))


def public(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    job.progress(0.2, "正在生成公示名单")
    update, target, backup = service.public_file(path)
    return Outcome(_messages(ctx, update, target, backup, [("public", "公示名单（打印张贴）")]), select=ctx.rel(target))


def lock(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    reason = (form.get("reason") or "").strip()
    if not reason:
        rep = Report()
        rep.error("", "锁定必须写明原因（如“公示期满，无异议”），原因会写入编班记录。", "请填写原因后再点“确定锁定”。没有锁定。")
        raise UserError(rep)
    job.progress(0.2, "正在验证并锁定")
    update, target, backup = service.lock_file(path, None, reason=reason)
    return Outcome(_messages(ctx, update, target, backup), select=ctx.rel(target))


def late(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    job.progress(0.2, "正在插班")
    update, target, backup = service.late_file(path)
    return Outcome(_messages(ctx, update, target, backup, [("classes", "各班名单（打印）")]), select=ctx.rel(target))


def correct(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    """更正学生信息 (service.correct_file, as ``bianban correct`` without -o): the pupil (``who``) by his
    row in 学生名单, his 编号 or his name, as ``by`` (row / id / name) says; the column, the new value,
    the reason."""
    who = (form.get("who") or "").strip()
    rep = Report()
    if not who:
        rep.error("", "请填写要更正的学生：学生名单中的行号、编号或姓名。", "如 12（第12行）、2024012 或 王芳。没有更正。")
    if not (form.get("reason") or "").strip():
        rep.error("", "更正必须写明原因（如“家长反映错字，经核对户口本”），原因会写入编班记录。", "请填写原因后再点“确定更正”。没有更正。")
    if not rep.ok:
        raise UserError(rep)
    row = sid = name = None
    by = form.get("by", "row")
    if by == "row":
        if not who.isdigit():
            rep.error("", f"行号“{who}”不是数字。", "请填写学生在“学生名单”中的行号（如 12），或改选“编号”“姓名”。没有更正。")
            raise UserError(rep)
        row = int(who)
    elif by == "id":
        sid = who
    else:
        name = who
    job.progress(0.2, "正在验证并更正")
    update, target, backup = service.correct_file(path, None, form.get("column", ""), form.get("value", ""),
                                                  form.get("reason", ""), row=row, sid=sid, name=name)
    reposted = any(spec.name == S.SHEET_PUBLIC for spec in update.sheets)       # the book has a 公示名单, rebuilt
    views = [("classes", "各班名单（打印）")] + ([("public", "公示名单（打印）")] if reposted else [])
    return Outcome(_messages(ctx, update, target, backup, views), select=ctx.rel(target))


def verify(ctx: Context, path: Path, form: dict, job: Job) -> Outcome:
    job.progress(0.1, "正在按编班记录重新计算")
    res = service.verify_file(path)
    return Outcome(ctx.render("message.html", ok=res.ok, lines=res.findings), ok=res.ok)


# --- district mode ------------------------------------------------------------------------------
def _count_progress(job: Job, what: str):
    def show(done: int, total: int, name: str) -> None:
        job.progress(done / total if total else 1.0, f"{what}：{done}/{total}" + (f"（{name}）" if name else ""))
    return show


def batch(ctx: Context, folder: Path, job: Job, seeds: Path | None = None) -> Outcome:
    """批量编班 (district.batch, as ``bianban batch``); ``seeds``: a 种子表 workbook (学校 | 随机种子 |
    种子来源) giving sealed schools the digits called out in their rooms (``--seeds``)."""
    out_dir = P.free_name(folder.parent, f"{folder.name}{P.RESULT_SUFFIX}")
    res = batch_assign(folder, out_dir, progress=_count_progress(job, "批量编班"), seeds=seeds)
    ok = len(res.items) - len(res.failures)
    lines = [f"批量编班完成：{len(res.items)} 个工作簿，成功 {ok}，失败 {len(res.failures)}；共 {res.students} 名学生；"
             f"用时 {res.seconds:.1f} 秒。", f"结果在文件夹：{ctx.rel(out_dir)}（下一步可选它做“全区核查”）。"]
    if seeds is not None:
        lines.append(f"种子表：{ctx.rel(seeds)}（已封存的学校用表中现场报出的数字）。")
    if not res.items:
        lines.append(f"文件夹“{ctx.rel(folder)}”中没有找到 .xlsx / .xlsm 工作簿。")
    if any("封存" in p for it in res.failures for p in it.problems):
        lines.append("已封存的学校必须用现场报出的数字编班：把各校报出的数字填进种子表（第一行表头 学校 | 随机种子 | 种子来源），"
                     "放进工作文件夹，在上方“种子表”中选中它，再点“批量编班”。")
    links = [("下载批量编班结果汇总", ctx.link("/download", file=ctx.rel(res.summary_path)))] if res.summary_path else []
    failures = [(it.relative, it.problems) for it in res.failures]
    return Outcome(ctx.render("batch.html", lines=lines, links=links, failures=failures), ok=not res.failures,
                   select="folder:" + ctx.rel(out_dir))


def district(ctx: Context, folder: Path, job: Job) -> Outcome:
    out = P.free_name(folder.parent, f"{folder.name}_全区核查.xlsx")
    res = district_check(folder, out, progress=_count_progress(job, "逐校核查"))
    checks = sorted(res.checks, key=lambda c: (SEVERITY[c.verdict], -len(c.findings), c.relative))
    lines = [f"核查完成：{len(res.checks)} 个文件，不合格 {res.count(FAIL)}，需核查 {res.count(REVIEW)}，合格 {res.count(PASS)}；"
             f"用时 {res.seconds:.1f} 秒。问题学校排在前面。"]
    links = [("下载全区核查汇总表", ctx.link("/download", file=ctx.rel(out)))]
    return Outcome(ctx.render("district.html", lines=lines, links=links, checks=checks, PASS=PASS, FAIL=FAIL),
                   ok=res.count(FAIL) == 0 and res.count(REVIEW) == 0)


# --- print views --------------------------------------------------------------------------------
def view(path: Path, what: str) -> tuple[str, str, bool]:
    """(title, body HTML, landscape) of a print view of a result workbook."""
    if what == "certificate":
        spec = service.certificate_spec(path)
        return "编班汇总 · 均衡情况说明", spec_html(spec), True
    book = service.read_book(path)
    if what == "classes":
        rec = book.sheets.get(S.SHEET_RECORD)
        names = [x for x in read_record(rec.rows).get("班级名称", "").split(",") if x] if rec else []
        present = [n for n in names if n in book.sheets]
        if not present:
            _missing(path, "各班名单", "请先点击“自动编班”。")
        # a class of more than 58 prints its rows in 9 pt (app.css), so that up to 64 fit one page
        body = "\n".join(f'<section class="page{" crowded" if len(book.sheets[n].rows) > 62 else ""}">'
                         f'{raw_sheet_html(book.sheets[n])}</section>' for n in present)
        wide = max((len(r) for n in present for r in book.sheets[n].rows), default=0) > 9
        return "各班名单", body, wide
    sheet = {"draw": S.SHEET_DRAW_LOG, "public": S.SHEET_PUBLIC, "teams": S.SHEET_TEAMS, "seal": SHEET_SEAL}[what]
    if sheet not in book.sheets:
        how = {"draw": "请先点击“班主任抽签”。", "public": "请先点击“公示导出”。", "teams": "请先点击“教师搭配”。",
               "seal": "请先点击“数据封存”。"}[what]
        _missing(path, sheet, how)
    brk = "新生名单公示" if what == "public" else None
    big = {"seal": f"{K_CODE}：", "draw": "结果核验码："}.get(what)     # the codes supervisors compare, large
    return sheet, raw_sheet_html(book.sheets[sheet], page_break_before=brk, big=big), False


def _missing(path: Path, what: str, how: str):
    rep = Report()
    rep.error("", f"“{path.name}”中还没有“{what}”。", how)
    raise UserError(rep)
