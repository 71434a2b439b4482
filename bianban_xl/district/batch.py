"""批量编班: assign many schools' workbooks in one go. Runs service.assign_file once per input
workbook in worker processes (spawn-safe: the worker is a module-level function taking plain paths),
mirroring the input tree under the output folder. One school's failure never stops the others; every
failure keeps its Chinese report text and is listed in 批量编班结果.xlsx.

Seeds: ``--seed`` gives all schools one seed (e.g. called out once in the district's room);
``--seeds 种子表.xlsx`` gives each school its own (district.seeds: 学校 | 随机种子 | 种子来源). A
school without either uses its 参数设置 seed or a computer-drawn one — except a sealed book
(数据封存), whose seed must come from the room: it fails with what to do, in Chinese.

Run again (``keep=True``, what `bianban batch` does without --overwrite): a school whose result is
already in the output folder and whose input is the one that result records (its 输入指纹) keeps
that result — drawing a new seed for it would change classes the school may already have been
sent. A changed input is assigned again (its old result backed up); so is a failed school."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


from bianban_xl.book.files import backup_copy, workbook_sheet_names
from bianban_xl.book.new_book import write_new_book
from bianban_xl.district.codes import school_key
from bianban_xl.district.folders import _folder_error, _max_rss_mb, _run_all, BATCH_SUMMARY, BatchProgress, default_jobs, find_files, SPREADSHEET_SUFFIXES, WORKBOOK_SUFFIXES
from bianban_xl.district.seeds import read_school_seeds, SchoolSeed, seed_for
from bianban_xl.model import schema as S
from bianban_xl.model.called_digits import as_cell, recorded_seed
from bianban_xl.model.fingerprint import input_fingerprint
from bianban_xl.model.names import name_pinyin
from bianban_xl.model.problems import fail, UserError
from bianban_xl.model.sheet_model import SheetSpec
from bianban_xl.model.validate import validate
from bianban_xl.onsite.seal import K_CODE, K_TIME, NeedsRoomSeed
from bianban_xl.onsite.state import key_values, read_record
from bianban_xl.model.raw_book import RawBook
from bianban_xl.service import assign_file, read_book, read_file


@dataclass
class BatchItem:
    source: str                     # input path
    relative: str                   # input path relative to the input folder (for messages)
    output: str | None = None       # written result, None on failure
    backup: str | None = None       # the previous result at ``output``, copied to 备份 before it was replaced
    ok: bool = False
    kept: bool = False              # the result of an earlier run, kept: the input has not changed since
    school: str = ""
    grade: str = ""
    same_school: list[str] = field(default_factory=list)   # other input files of this school and grade
    students: int = 0
    classes: int = 0
    seed: int | None = None
    seconds: float = 0.0            # wall clock for this school (read, check, balance, write)
    engine_seconds: float = 0.0
    cpu_seconds: float = 0.0        # the worker's CPU time for this school (unaffected by other load)
    problems: list[str] = field(default_factory=list)   # Chinese: errors on failure, warnings otherwise
    pid: int = 0
    max_rss_mb: float = float("nan")  # the worker's peak memory so far


@dataclass
class BatchSummary:
    folder: Path
    out_dir: Path
    items: list[BatchItem]
    seconds: float
    jobs: int
    summary_path: Path | None = None
    summary_backup: Path | None = None                  # the previous 批量编班结果.xlsx, copied before it was replaced
    skipped: list[Path] = field(default_factory=list)   # files in the folder that are not workbooks

    @property
    def failures(self) -> list[BatchItem]:
        return [i for i in self.items if not i.ok]

    @property
    def students(self) -> int:
        return sum(i.students for i in self.items if i.ok)

    @property
    def kept(self) -> list[BatchItem]:
        return [i for i in self.items if i.kept]


def assign_one(source: str, output: str, relative: str, seed: int | None = None,
               seeds: dict[str, SchoolSeed] | None = None, seeds_name: str = "", keep: bool = False) -> BatchItem:
    """One school of a batch: never raises; a failure comes back as ``ok=False`` with its reasons.
    ``seeds``: the 种子表 (``seeds_name``), matched by file name, else by the book's 学校名称.
    ``keep``: an earlier result at ``output`` made from this very input is kept (see the module doc)."""
    item = BatchItem(source, relative)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        source_text = "命令行指定（批量编班）" if seed is not None else None
        # the input read once: for its 学校名称 (种子表), for comparing with an earlier result, and for
        # the run (assign_file takes it when the file is still the one read) — a re-run with a changed
        # input read it twice, three times with a 种子表 naming the school
        read = read_file(source) if seeds or keep else None
        own = _table_seed(source, seeds, read.book if read else None) if seeds else None
        if own is not None:
            seed, source_text = own.seed, f"{own.source}（批量编班种子表“{seeds_name}”第{own.row}行）"
        if keep and _kept(item, read.book, output, seed):
            item.seconds = time.perf_counter() - t0
            return item
        result, target, backup = assign_file(source, output, seed=seed, overwrite=True,   # a re-run replaces, after a backup
                                             seed_source=source_text, read=read)
        item.ok, item.output, item.backup = True, str(target), str(backup) if backup else None
        item.school, item.grade = result.params.school_name, result.params.grade_name
        item.students, item.classes, item.seed = len(result.roster.students), result.params.n_classes, result.seed
        item.engine_seconds = result.engine_seconds
        item.problems = [p.text() for p in result.report.warnings]
    except NeedsRoomSeed as exc:
        item.problems = [_room_seed_text(exc.seal, Path(source), seeds_name)]
    except UserError as exc:
        item.problems = [p.text() for p in exc.report.errors] or [str(exc)]
    except PermissionError as exc:
        item.problems = [f"[错误] 无法写入“{exc.filename}”：文件可能正在 Excel/WPS 中打开或没有写权限。处理办法：关闭该文件后重新运行。"]
    except MemoryError:
        item.problems = ["[错误] 内存不足，无法处理这个文件。处理办法：减少并行数（--jobs 1）后单独重试这个文件。"]
    except Exception as exc:  # noqa: BLE001 — one school's bug must not stop the district
        item.problems = [f"[内部错误] {type(exc).__name__}: {exc}。这是软件的问题，不是您的数据问题；"
                         f"请用 bianban --debug assign \"{relative}\" -o 结果.xlsx 单独运行，并把输出和文件发给开发者。"]
    item.seconds = time.perf_counter() - t0
    item.cpu_seconds = time.process_time() - c0
    item.pid, item.max_rss_mb = os.getpid(), _max_rss_mb()
    return item


def _refuse_output_among_inputs(folder: Path, out_dir: Path) -> None:
    """The output folder may sit inside the input folder (its results are never read as inputs),
    but it may not be the input folder itself, nor a sub-folder holding schools' input workbooks:
    those were left out as if they were results — schools silently missing from the batch."""
    here, there = folder.resolve(), out_dir.resolve()
    if here == there:
        fail("", f"结果文件夹“{out_dir}”就是存放各校输入工作簿的文件夹；没有编班。",
             f"请把结果写到另一个文件夹，如 -o {folder.name}-编班结果。")
    if here not in there.parents or not there.is_dir():
        return
    inputs = [p for p in find_files(there, WORKBOOK_SUFFIXES)
              if S.SHEET_RECORD not in (workbook_sheet_names(p) or [S.SHEET_RECORD])]
    if inputs:
        listed = "、".join(p.relative_to(there).as_posix() for p in inputs[:3]) + ("等" if len(inputs) > 3 else "")
        fail("", f"结果文件夹“{out_dir}”在输入文件夹里面，其中有 {len(inputs)} 个还没有编班的工作簿（{listed}）："
                 "它们会被当作结果跳过，这些学校不会编班。没有编班。",
             f"请把结果写到输入文件夹外面的文件夹，如 -o {folder.name}-编班结果。")


def _kept(item: BatchItem, source: RawBook, output: str, seed: int | None) -> bool:
    """Fill ``item`` from the result already at ``output`` and return True when that result was
    made from the input ``source`` (as read now: same 输入指纹) and, when this run gives the school
    a seed, with that seed; False (nothing filled) otherwise."""
    if not Path(output).is_file():
        return False
    try:
        sheet = read_book(output).sheets.get(S.SHEET_RECORD)
        record = read_record(sheet.rows) if sheet is not None else {}
        if not record.get("输入指纹") or (seed is not None and not _same_seed(record.get("随机种子", ""), seed)):
            return False
        roster, _ = validate(source)
        if roster is None or roster.params is None or input_fingerprint(roster, roster.params) != record["输入指纹"]:
            return False
    except UserError:
        return False
    item.ok, item.kept, item.output = True, True, output
    item.school, item.grade = roster.params.school_name, roster.params.grade_name
    item.students, item.classes = len(roster.students), roster.params.n_classes
    item.seed = recorded_seed(record["随机种子"]) if record.get("随机种子", "").isdigit() else None
    item.problems = [f"已有结果：输入与上次编班（{record.get('编班时间', '')}）时相同，保留上次的结果，没有重新编班。"
                     "如确需重新编班（会换新的随机种子），请加 --overwrite。"]
    return True


def _same_seed(recorded: str, seed: int) -> bool:
    """A recorded seed is the given one also when only leading zeros differ (12 and 0012)."""
    try:
        return recorded_seed(recorded) == seed
    except ValueError:
        return False


def _table_seed(source: str, seeds: dict[str, SchoolSeed], book: RawBook | None = None) -> SchoolSeed | None:
    """The 种子表's row for this school: by file name, else by 学校名称 in its 参数设置 (of ``book``,
    the file as read, else read now — only when the file name is not in the table)."""
    hit = seed_for(seeds, Path(source).stem)
    if hit is not None:
        return hit
    params = key_values((book or read_book(source)).sheets.get(S.SHEET_PARAMS))
    school = next((params[k] for k in (S.P_SCHOOL, *S.PARAM_SYNONYMS.get(S.P_SCHOOL, ())) if params.get(k)), "")
    return seed_for(seeds, "", school)


def _shared_seed_rows(files: list[Path], table: dict[str, SchoolSeed], seeds_name: str) -> dict[str, str]:
    """{file: why it is not assigned} for the files that would take one 种子表 row by one 学校名称
    (a copied file, two 校区 under one name): which one the called number belongs to is not known."""
    by_row: dict[int, list[Path]] = {}
    for p in files:
        if seed_for(table, p.stem) is None:
            try:
                hit = _table_seed(str(p), table)
            except Exception:  # noqa: BLE001 — an unreadable file is reported when it is assigned
                continue
            if hit is not None:
                by_row.setdefault(hit.row, []).append(p)
    out = {}
    for row, ps in by_row.items():
        if len(ps) > 1:
            names = "、".join(f"“{p.name}”" for p in ps)
            for p in ps:
                out[str(p)] = (f"[错误] “{seeds_name}”第{row}行的学校名称对应 {len(ps)} 个文件（{names}），不知道报出的种子属于哪一个，"
                               f"这些文件都没有编班。处理办法：种子表中改用文件名（{'、'.join(q.stem for q in ps)}）各写一行，"
                               "各填这个文件现场报出的数字。")
    return out


def _room_seed_text(seal: dict[str, str], source: Path, seeds_name: str) -> str:
    """What a district officer does with a sealed school that has no seed in this batch."""
    where = f"“{seeds_name}”中没有这所学校" if seeds_name else "没有给出这所学校的随机种子"
    return (f"[错误] 这所学校的数据已于 {seal.get(K_TIME, '')} 封存（输入核验码 {seal.get(K_CODE, '')}），"
            f"随机种子必须由现场报数产生，批量编班不替它抽取；{where}，没有编班。"
            f"处理办法：把学校现场报出的数字填入种子表（表头：学校 | 随机种子 | 种子来源，每校一行，学校写学校名称或文件名“{source.stem}”），"
            "再运行 bianban batch 文件夹 -o 结果文件夹 --seeds 种子表.xlsx；"
            f"或由学校在现场单独编班：bianban assign \"{source.name}\" --seed 报出的数字 --source \"家长代表报数\"。")


def _warm_worker() -> None:
    """Pool initializer: load the pinyin and 繁简 dictionaries (the assign path is imported with this module)
    once per worker, before its first school (not inside the first school's time)."""
    try:
        name_pinyin("張偉")
    except Exception:  # noqa: BLE001 — the school itself will report any real problem
        pass


def batch_assign(folder: str | Path, out_dir: str | Path, jobs: int | None = None, seed: int | None = None,
                 progress: BatchProgress = None, summary: bool = True,
                 seeds: str | Path | None = None, keep: bool = False) -> BatchSummary:
    """Assign every input workbook under ``folder`` (recursively) into the same relative path under
    ``out_dir``. Each school uses its own 参数设置 seed, else a fresh computer-drawn one (recorded in
    its 编班记录); ``seed`` forces one for all; ``seeds`` (a 种子表 workbook) gives each school
    listed there its own, recorded with its 种子来源. A sealed book needs one of the two. ``keep``:
    a result already in ``out_dir`` made from the same input is kept. Writes 批量编班结果.xlsx into
    ``out_dir`` (an earlier one is backed up first)."""
    folder, out_dir = Path(folder), Path(out_dir)
    if not folder.is_dir():
        raise _folder_error(folder, "例如：bianban batch 各校工作簿 -o 编班结果")
    if out_dir.exists() and not out_dir.is_dir():
        fail("", f"结果文件夹“{out_dir}”是一个已有的文件，不是文件夹；没有编班。",
             f"请在 -o 后写一个文件夹名（可以是还不存在的新文件夹），如 -o {folder.name}-编班结果。")
    _refuse_output_among_inputs(folder, out_dir)
    if seed is not None and seeds is not None:
        fail("", "--seed（所有学校同一个种子）和 --seeds（每校一个种子）只能用一个。", "请去掉其中一个后重新运行。")
    table = read_school_seeds(read_book(seeds)) if seeds is not None else None
    t0 = time.perf_counter()
    skip = [out_dir] + ([Path(seeds)] if seeds is not None else [])
    files = find_files(folder, SPREADSHEET_SUFFIXES, exclude=skip)        # the 种子表 may sit in the folder
    others = [p for p in find_files(folder, None, exclude=skip) if p not in set(files)]
    if not files:
        listed = "、".join(p.relative_to(folder).as_posix() for p in others[:5]) + ("……" if len(others) > 5 else "")
        fail("", f"文件夹“{folder}”（含子文件夹）中没有 Excel 工作簿（.xlsx / .xlsm）"
             + (f"，只有 {len(others)} 个其他文件：{listed}" if others else "，是空的") + "；没有编班，也没有写出任何文件。",
             "请检查文件夹是否选对：应是存放各校输入工作簿的文件夹，例如 bianban batch 各校工作簿 -o 编班结果。")
    shared = _shared_seed_rows(files, table, Path(seeds).name) if table else {}
    tasks = []
    for p in files:
        rel = p.relative_to(folder)
        if str(p) not in shared:
            tasks.append((str(p), str(out_dir / rel), rel.as_posix(), seed, table, Path(seeds).name if seeds is not None else "",
                          keep))
    results = iter(_run_all(assign_one, tasks, jobs, progress, label=lambda t: t[2], initializer=_warm_worker))
    items = []
    for p in files:
        if str(p) in shared:
            items.append(BatchItem(str(p), p.relative_to(folder).as_posix(), problems=[shared[str(p)]]))
        else:
            r = next(results)
            items.append(_crash_item(r) if isinstance(r, tuple) else r)
    _note_duplicates(items)
    out = BatchSummary(folder, out_dir, items, time.perf_counter() - t0,
                       jobs or default_jobs(), skipped=others)
    if summary:
        out.summary_path = write_batch_summary(out)
    return out


def _note_duplicates(items: list[BatchItem]) -> None:
    """Two input files of one school and grade (a file sent twice, an old copy left in the folder):
    both are assigned, and the officer is told on each that only one result may go back."""
    groups: dict[tuple[str, str], list[BatchItem]] = {}
    for it in items:
        if it.ok and it.school:
            groups.setdefault((school_key(it.school), school_key(it.grade)), []).append(it)
    for group in (g for g in groups.values() if len(g) > 1):
        for it in group:
            it.same_school = [o.relative for o in group if o is not it]
            others = "、".join(f"“{o}”" for o in it.same_school)
            it.problems.insert(0, f"[提醒] {others}也是{it.school}{'（' + it.grade + '）' if it.grade else ''}的输入：同一所学校有不止一个输入文件，"
                                  "每个都编了班。处理办法：请确认哪一个是正式的，只把它的结果发给学校，把其他的移出文件夹。")


def _crash_item(r: tuple) -> BatchItem:
    kind, task = r[0], r[1]
    item = BatchItem(task[0], task[2])
    if kind == "crash":
        item.problems = ["[错误] 处理这个文件的进程意外退出（可能是内存不足）。处理办法：用 bianban assign 单独处理这个文件，或减少并行数（--jobs 1）。"]
    else:
        item.problems = [f"[内部错误] {r[2]}。请用 bianban --debug assign 文件 -o 结果.xlsx 单独运行这个文件，并把输出发给开发者。"]
    return item


def batch_sheet(summary: BatchSummary):
    items = sorted(summary.items, key=lambda i: (i.ok, i.relative))
    spec = SheetSpec(name=BATCH_SUMMARY, freeze="A4", print_title_rows="3:3", landscape=True,
                     header_footer=BATCH_SUMMARY)
    n_fail = len(summary.failures)
    spec.add(1, 1, [["批量编班结果"]], "title")
    n_kept = len(summary.kept)
    spec.add(2, 1, [[f"{datetime.now():%Y-%m-%d %H:%M}    共 {len(items)} 个文件：成功 {len(items) - n_fail - n_kept}，"
                     + (f"保留上次的结果 {n_kept}，" if n_kept else "") + f"失败 {n_fail}；"
                     f"{summary.students} 名学生；用时 {summary.seconds:.1f} 秒（{summary.jobs} 个进程）。"
                     f"输入文件夹：{summary.folder}"]], "subtitle")
    header = ["序号", "文件", "结果", "学校", "学生数", "班级数", "随机种子", "用时（秒）", "结果文件", "原因 / 提醒"]
    spec.add(3, 1, [header], "header")
    r = 4
    for n, it in enumerate(items, start=1):
        out_rel = ""
        if it.output:
            try:
                out_rel = Path(it.output).relative_to(summary.out_dir).as_posix()
            except ValueError:
                out_rel = it.output
        row = [n, it.relative, ("保留" if it.kept else "成功") if it.ok else "失败", it.school or None, it.students or None,
               it.classes or None, as_cell(it.seed),
               round(it.seconds, 2), out_rel or None,
               "\n".join(it.problems[:12]) + (f"\n……共 {len(it.problems)} 条" if len(it.problems) > 12 else "") or None]
        spec.add(r, 1, [row[:2]], "body")
        spec.add(r, 3, [[row[2]]], "good" if it.ok else "bad")
        spec.add(r, 4, [row[3:9]], "body")
        spec.add(r, 10, [row[9:]], "wrap")
        r += 1
    if summary.skipped:
        spec.add(r + 1, 1, [["未处理（不是 Excel 工作簿）：" + "、".join(p.relative_to(summary.folder).as_posix() for p in summary.skipped[:50])]], "note")
    spec.col_widths = {1: 6, 2: 36, 3: 7, 4: 22, 5: 8, 6: 8, 7: 10, 8: 10, 9: 36, 10: 90}
    spec.number_formats[8] = "0.00"
    return spec


def write_batch_summary(summary: BatchSummary) -> Path:
    """批量编班结果.xlsx in the output folder; under a time-stamped name if that file is open (locked)
    elsewhere. The one from an earlier run (the officer may have typed notes into it) is copied
    to 备份 first."""
    summary.out_dir.mkdir(parents=True, exist_ok=True)
    spec = batch_sheet(summary)
    path = summary.out_dir / f"{BATCH_SUMMARY}.xlsx"
    if path.is_file():
        summary.summary_backup = backup_copy(path)
    try:
        write_new_book(path, [spec])
    except PermissionError:
        path = summary.out_dir / f"{BATCH_SUMMARY}-{datetime.now():%H%M%S}.xlsx"
        write_new_book(path, [spec])
    return path
