"""The `bianban ui` web app (Flask): the ribbon's buttons on a local page.

Every request carries the session token (``?t=`` or the ``X-Bianban-Token`` header) and names the
local host, else 403. Pages and downloads are GET; every step that changes a file is a POST that
starts a background job (:mod:`jobs`), one at a time per workbook. Paths come from the page as
names relative to the working folder and are resolved by :mod:`paths`.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, render_template, request, send_file

from bianban_xl import __version__
from bianban_xl.model.problems import Report, UserError
from bianban_xl.ui import paths as P
from bianban_xl.ui import steps
from bianban_xl.ui.jobs import Busy, Jobs

TOKEN_HEADER = "X-Bianban-Token"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
STEPS = {"check": steps.check, "seal": steps.seal, "assign": steps.assign, "teachers": steps.teachers, "draw": steps.draw,
         "public": steps.public, "lock": steps.lock, "late": steps.late, "correct": steps.correct,
         "verify": steps.verify}
DISTRICT_STEPS = {"batch": steps.batch, "district": steps.district}
VIEWS = ("certificate", "classes", "draw", "public", "teams", "seal")


def create_app(folder: Path, token: str) -> Flask:
    """The app serving ``folder``; ``token`` must accompany every request.

    Long on purpose: Flask's routes are closures over the folder, the token and the job queue;
    each route is a few lines that hand over to ``steps`` or ``jobs``, and they read best together."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = P.MAX_UPLOAD_MB * 1024 * 1024
    app.json.ensure_ascii = False
    folder = Path(folder)
    ctx = steps.Context(folder, token, app.jinja_env)
    jobs = Jobs(lambda rep: ctx.render("problems.html", report=rep), lambda detail: steps.failure_html(ctx, detail))
    state_cache: dict[tuple[str, float, int], tuple[str, bool]] = {}

    def link(path: str, **args) -> str:
        return path + "?" + urlencode({**args, "t": token})

    app.jinja_env.globals.update(link=link, version=__version__)

    @app.before_request
    def guard():
        host = (request.host or "").rsplit(":", 1)[0].strip("[]")
        given = request.args.get("t") or request.headers.get(TOKEN_HEADER) or ""
        if host not in LOCAL_HOSTS or not secrets.compare_digest(given.encode(), token.encode()):
            abort(403)

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                                   "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.errorhandler(403)
    def forbidden(_):
        return ("拒绝访问：缺少或错误的访问口令。请使用启动窗口中显示的完整网址（含 ?t=…）打开本页。", 403,
                {"Content-Type": "text/plain; charset=utf-8"})

    @app.errorhandler(413)
    def too_big(_):
        return jsonify(ok=False, html=_message(f"文件太大：上传的工作簿不能超过 {P.MAX_UPLOAD_MB} MB。")), 413

    @app.errorhandler(P.PathRefused)
    def refused(exc):
        if not request.path.startswith("/api/"):
            return str(exc), 400, {"Content-Type": "text/plain; charset=utf-8"}
        return jsonify(ok=False, html=_message(str(exc))), 400

    @app.errorhandler(Busy)
    def busy(_):
        return jsonify(ok=False, html=_message("这个工作簿（或文件夹）正在进行另一步操作，请等它完成后再点。")), 409

    @app.errorhandler(UserError)
    def user_error(exc):
        return jsonify(ok=False, html=ctx.render("problems.html", report=exc.report)), 400

    def _message(text: str) -> str:
        rep = Report()
        rep.error("", text)
        return ctx.render("problems.html", report=rep)

    @app.get("/")
    def index():
        return render_template("index.html", token=token, folder=str(folder), steps=steps.BUTTONS, correct=steps.CORRECT_BUTTON,
                               computer_label=steps.COMPUTER_SEED_LABEL,
                               max_mb=P.MAX_UPLOAD_MB)

    def _state(p: Path) -> tuple[str, bool]:
        st = p.stat()
        key = (str(p), st.st_mtime, st.st_size)
        if key not in state_cache:
            try:
                state_cache[key] = steps.state_of(p)
            except UserError:
                state_cache[key] = ("无法读取", False)
        return state_cache[key]

    @app.get("/api/files")
    def files():
        folder.mkdir(parents=True, exist_ok=True)
        books = [{"name": P.relative_name(folder, p), "time": P.stamp(p), "state": _state(p)[0], "sealed": _state(p)[1],
                  "busy": jobs.busy(P.relative_name(folder, p)), "job": jobs.running(P.relative_name(folder, p))}
                 for p in P.list_workbooks(folder)]
        dirs = [{"name": P.relative_name(folder, d), "count": n} for d, n in P.list_folders(folder)]
        return jsonify(folder=str(folder), files=books, folders=dirs)

    @app.post("/api/upload")
    def upload():
        f = request.files.get("file")
        if f is None or not f.filename:
            raise P.PathRefused("没有选择要上传的文件。")
        name = P.clean_file_name(f.filename)
        folder.mkdir(parents=True, exist_ok=True)
        target = P.free_name(folder, name, room=len(P.RESULT_SUFFIX.encode("utf-8")))   # its result's name fits too
        tmp = folder / f".~upload-{secrets.token_hex(4)}{target.suffix}"
        try:
            f.save(tmp)
            refusal = P.upload_refusal(tmp, name)
            if refusal:
                raise P.PathRefused(refusal)
            tmp.replace(target)
        finally:
            if tmp.exists():
                tmp.unlink()
        lines = [f"已上传：{target.name}"]
        if len(name.encode("utf-8")) > P.NAME_MAX_BYTES - len(P.RESULT_SUFFIX.encode("utf-8")):   # (no stat of it: too long)
            lines.append(f"文件名太长，已缩短为“{target.name}”（太长的文件名在有的电脑上无法保存结果）。")
        elif target.name != name:
            lines.append(f"工作文件夹中已经有“{name}”，没有覆盖它：新上传的文件存为“{target.name}”，"
                         "以后各步请选这个新文件（旧文件不再用时，可在工作文件夹中删除）。")
        return jsonify(ok=True, select=P.relative_name(folder, target),
                       html=ctx.render("message.html", ok=True, lines=lines))

    @app.post("/api/new/<kind>")
    def new(kind: str):
        if kind not in ("template", "demo"):
            abort(404)
        folder.mkdir(parents=True, exist_ok=True)
        target = steps.new_book(folder, kind, request.form.get("name", ""))
        return jsonify(ok=True, select=P.relative_name(folder, target),
                       html=ctx.render("message.html", ok=True, lines=[f"已生成：{target.name}"] + steps.NEW_NOTES[kind]))

    @app.post("/api/step/<name>")
    def step(name: str):
        if name not in STEPS:
            abort(404)
        path = P.resolve_inside(folder, request.form.get("file", ""))
        if not path.is_file() or path.suffix.lower() not in P.WORKBOOK_SUFFIXES:
            raise P.PathRefused(f"“{path.name}”不是工作文件夹中的 Excel 工作簿。")
        form = {k: v for k, v in request.form.items()}
        job = jobs.start(P.relative_name(folder, path), steps.TITLES[name], lambda j: STEPS[name](ctx, path, form, j))
        return jsonify(ok=True, job=job.id)

    @app.post("/api/can/<name>")
    def can(name: str):
        """Before the page asks for the number called out: can this step run at all?"""
        if name not in ("assign", "draw"):
            abort(404)
        path = P.resolve_inside(folder, request.form.get("file", ""))
        if not path.is_file() or path.suffix.lower() not in P.WORKBOOK_SUFFIXES:
            raise P.PathRefused(f"“{path.name}”不是工作文件夹中的 Excel 工作簿。")
        html, notice = steps.can_start(ctx, path, name)
        return jsonify(ok=html is None, html=html or "", notice=notice)

    @app.post("/api/district/<name>")
    def district(name: str):
        if name not in DISTRICT_STEPS:
            abort(404)
        path = P.resolve_inside(folder, request.form.get("folder", ""))
        if not path.is_dir() or path.resolve() == folder.resolve():
            raise P.PathRefused("请选择工作文件夹中的一个子文件夹（里面放各校的工作簿）。")
        seeds = None
        if name == "batch" and request.form.get("seeds"):     # 种子表: sealed schools' seeds from their rooms
            seeds = P.resolve_inside(folder, request.form["seeds"])
            if not seeds.is_file() or seeds.suffix.lower() not in P.WORKBOOK_SUFFIXES:
                raise P.PathRefused(f"种子表“{seeds.name}”不是工作文件夹中的 Excel 工作簿。")
        work = (lambda j: steps.batch(ctx, path, j, seeds)) if name == "batch" else (lambda j: steps.district(ctx, path, j))
        job = jobs.start(P.relative_name(folder, path), steps.TITLES[name], work)
        return jsonify(ok=True, job=job.id)

    @app.get("/api/job/<job_id>")
    def job(job_id: str):
        j = jobs.get(job_id)
        if j is None:
            abort(404)
        return jsonify(j.as_dict())

    @app.get("/download")
    def download():
        path = P.resolve_inside(folder, request.args.get("file", ""))
        if not path.is_file() or path.suffix.lower() not in P.WORKBOOK_SUFFIXES:
            raise P.PathRefused("只能下载工作文件夹中的 Excel 工作簿。")
        return send_file(path, as_attachment=True, download_name=path.name)

    @app.get("/view/<what>")
    def view(what: str):
        if what not in VIEWS:
            abort(404)
        rel = request.args.get("file", "")
        path = P.resolve_inside(folder, rel)
        try:
            title, body, landscape = steps.view(path, what)
        except UserError as exc:
            title, body, landscape = "无法显示", ctx.render("problems.html", report=exc.report), False
        return render_template("view.html", title=title, body=body, landscape=landscape, file=rel, what=what)

    return app


__all__ = ["create_app"]
