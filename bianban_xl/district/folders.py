"""Finding school workbooks in a folder tree and running one job per file in worker processes,
with progress and per-worker memory figures; shared by batch assignment and the district check."""
from __future__ import annotations

import contextlib
import functools
import multiprocessing as mp
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Callable, Iterable


from bianban_xl.book.files import STOP_SIGNALS, Interrupted, stray_space_hint
from bianban_xl.model.problems import Report, UserError


BATCH_SUMMARY = "批量编班结果"


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


SPREADSHEET_SUFFIXES = WORKBOOK_SUFFIXES + (".xls", ".et", ".xlsb", ".ods", ".csv")


BatchProgress = Callable[[int, int, str], None] | None


def _skip_name(name: str) -> bool:
    """Excel/WPS lock files, our temporary and backup files, system clutter."""
    return (name.startswith(("~$", ".~", ".")) or ".备份-" in name
            or name in ("Thumbs.db", "desktop.ini") or name.startswith(BATCH_SUMMARY))


def find_files(folder: str | Path, suffixes: Iterable[str] | None, exclude: Iterable[Path] = ()) -> list[Path]:
    """Files under ``folder`` (recursively, sorted), optionally only with these suffixes; anything
    under an ``exclude`` path is left out (so an output folder inside the input folder is not read)."""
    root = Path(folder)
    skip = [Path(e).resolve() for e in exclude]
    wanted = tuple(s.lower() for s in suffixes) if suffixes is not None else None
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath).resolve()
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and not any((here / d) == s or s in (here / d).parents for s in skip if s.is_dir()))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if _skip_name(name) or p.resolve() in skip:
                continue
            if wanted is None or p.suffix.lower() in wanted:
                out.append(p)
    return sorted(out)


def _folder_error(folder: Path, what: str):
    rep = Report()
    if not folder.exists():
        rep.error("", f"找不到文件夹“{folder}”。", stray_space_hint(folder, "文件夹") or f"请检查路径；{what}")
    else:
        rep.error("", f"“{folder}”不是文件夹。", f"请给出存放各校工作簿的文件夹；{what}")
    return UserError(rep)


def _max_rss_mb() -> float:
    """Peak memory of this process in MB (NaN on Windows, which has no ``resource`` module)."""
    try:
        import resource   # POSIX only: imported here so the module loads on Windows

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return rss / 1024 / 1024 if sys.platform == "darwin" else rss / 1024
    except (ImportError, AttributeError):   # Windows
        return float("nan")


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _interrupted(signum, frame):
    raise Interrupted(signum)


def _start_worker(initializer=None) -> None:
    """Pool initializer: SIGTERM (the console closed, `kill` of the process group) ends a worker as
    Ctrl-C does — through every ``finally``, so the school it was writing leaves no lock file
    (.~bianban.<name>.lock) or temporary file behind; the default action killed it on the spot."""
    for sig in STOP_SIGNALS:
        with contextlib.suppress(ValueError):
            signal.signal(sig, _interrupted)
    if initializer is not None:
        initializer()


def _in_worker(func, *task):
    """``func(*task)`` in a pool worker; interrupted (SIGTERM, Ctrl-C), the worker ends once the
    task's clean-up has run, instead of taking the next school (the pool would go on with it)."""
    try:
        return func(*task)
    except KeyboardInterrupt as exc:
        os._exit(128 + exc.signum if isinstance(exc, Interrupted) else 130)


def _run_all(func, tasks: list[tuple], jobs: int | None, progress: BatchProgress, label, initializer=None) -> list:
    """``func(*task)`` for every task, in ``jobs`` processes (in this process when jobs == 1).
    Results come back in task order; ``func`` must never raise (it returns its failures)."""
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    results: list = [None] * len(tasks)
    total = len(tasks)
    if progress:
        progress(0, total, "")
    if jobs == 1 or total <= 1:
        for i, t in enumerate(tasks):
            results[i] = func(*t)
            if progress:
                progress(i + 1, total, label(t))
        return results
    # spawn everywhere: what runs on the schools' Windows PCs, and safe with threads in the parent.
    # Big files first so the last worker is not left alone with the biggest school.
    order = sorted(range(total), key=lambda i: -_size(tasks[i][0]))
    with ProcessPoolExecutor(max_workers=min(jobs, total), mp_context=mp.get_context("spawn"),
                             initializer=functools.partial(_start_worker, initializer)) as pool:
        futures = {pool.submit(_in_worker, func, *tasks[i]): i for i in order}
        try:
            _collect(futures, tasks, results, progress, label)
        except KeyboardInterrupt:          # no new school is started; the running ones clean up and end
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def _collect(futures: dict, tasks: list[tuple], results: list, progress: BatchProgress, label) -> None:
    done, total = 0, len(tasks)
    for fut in as_completed(futures):
        i = futures[fut]
        try:
            results[i] = fut.result()
        except BrokenProcessPool:
            results[i] = ("crash", tasks[i])
        except Exception as exc:  # noqa: BLE001 — pickling trouble etc.; never stop the others
            results[i] = ("error", tasks[i], f"{type(exc).__name__}: {exc}")
        done += 1
        if progress:
            progress(done, total, label(tasks[i]))


def _size(path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0
