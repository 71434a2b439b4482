"""Steps run as background jobs: the page polls a job for its progress bar and, when it is done,
for the HTML of its result. One step at a time per workbook (or folder): a second request for the
same key while one runs is refused."""
from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from bianban_xl.model.problems import Report, UserError

LOG_FILE = Path(tempfile.gettempdir()) / "bianban_ui.log"
KEEP_SECONDS = 3600


class Busy(Exception):
    """Another step is running on the same workbook or folder."""


@dataclass
class Job:
    id: str
    key: str
    title: str
    fraction: float = 0.0
    what: str = "正在准备"
    done: bool = False
    ok: bool = False
    html: str = ""                  # the result (or the problems) as an HTML fragment
    select: str = ""                # a file the page should select afterwards (e.g. the new result)
    started: float = field(default_factory=time.monotonic)
    ended: float = 0.0

    def progress(self, fraction: float, what: str = "") -> None:
        self.fraction = max(self.fraction, min(1.0, float(fraction)))
        if what:
            self.what = what

    def as_dict(self) -> dict:
        end = self.ended or time.monotonic()
        return {"id": self.id, "title": self.title, "fraction": round(self.fraction, 3), "what": self.what,
                "done": self.done, "ok": self.ok, "html": self.html if self.done else "",
                "select": self.select, "seconds": round(end - self.started, 1)}


@dataclass
class Outcome:
    """What a step function returns: the result HTML and, optionally, a file to select next."""

    html: str
    ok: bool = True
    select: str = ""


class Jobs:
    """The running and recently finished jobs of one server."""

    def __init__(self, on_user_error: Callable[[Report], str], on_failure: Callable[[str], str]):
        self._jobs: dict[str, Job] = {}
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._on_user_error = on_user_error
        self._on_failure = on_failure

    def start(self, key: str, title: str, work: Callable[[Job], Outcome]) -> Job:
        """Run ``work(job)`` in a thread; Busy when ``key`` has a job running."""
        with self._lock:
            if key in self._busy:
                raise Busy(key)
            self._busy.add(key)
            self._forget_old()
            job = Job(secrets.token_hex(8), key, title)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job, work), name=f"bianban-ui-{title}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def busy(self, key: str) -> bool:
        return key in self._busy

    def running(self, key: str) -> str:
        """The id of the job running on ``key`` ("" when none): a page reloaded mid-step finds it."""
        with self._lock:
            return next((j.id for j in self._jobs.values() if j.key == key and not j.done), "")

    def _run(self, job: Job, work: Callable[[Job], Outcome]) -> None:
        try:
            out = work(job)
            job.html, job.ok, job.select = out.html, out.ok, out.select
        except UserError as exc:
            job.html, job.ok = self._on_user_error(exc.report), False
        except PermissionError as exc:
            rep = Report()
            rep.error("", f"无法写入文件“{Path(exc.filename or '').name}”：文件可能正在 WPS / Excel 中打开，或没有写权限。",
                      "请在 WPS / Excel 中关闭这个文件后再点一次按钮。本次没有修改任何文件。")
            job.html, job.ok = self._on_user_error(rep), False
        except Exception as exc:  # noqa: BLE001 — a bug: plain words on the page, details in the log
            logging.basicConfig(filename=LOG_FILE, level=logging.INFO, encoding="utf-8")
            logging.getLogger("bianban_xl.ui").error("step %s failed\n%s", job.title, traceback.format_exc())
            job.html, job.ok = self._on_failure(f"{type(exc).__name__}: {exc}"), False
        finally:
            job.fraction = 1.0
            job.ended = time.monotonic()
            job.done = True
            with self._lock:
                self._busy.discard(job.key)

    def _forget_old(self) -> None:
        now = time.monotonic()
        for jid in [j.id for j in self._jobs.values() if j.done and now - j.ended > KEEP_SECONDS]:
            del self._jobs[jid]
