"""`bianban ui` at the HTTP level against the real waitress server on 127.0.0.1: the token, the
working-folder rules (no '..', no absolute paths, no symlinks out), uploads, POST-only steps, one
step at a time per workbook, the print views; and the command itself in a subprocess (URL on the
first line, 403 without the token, Ctrl-C stops it cleanly)."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from ui_helpers import http, http_json, write_demo_with_teachers

from bianban_xl.ui.server import Server


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "work")
    srv.start_thread()
    yield srv
    srv.close()


def api(srv, path: str) -> str:
    return srv.base + path + ("&" if "?" in path else "?") + "t=" + srv.token


def post(srv, path: str, data: dict):
    return http_json(srv.base + path, data, {"X-Bianban-Token": srv.token})


def wait_job(srv, job_id: str, timeout: float = 120) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        _, j = http_json(api(srv, f"/api/job/{job_id}"))
        if j["done"]:
            return j
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def upload(srv, name: str, content: bytes, token: str | None = None):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(srv.base + "/api/upload", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "X-Bianban-Token": token or srv.token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_token_required_everywhere(server):
    for path in ("/", "/api/files", "/static/app.js", "/static/app.css", "/download?file=x.xlsx", "/view/public?file=x.xlsx"):
        assert http(server.base + path)[0] == 403, path
        sep = "&" if "?" in path else "?"
        assert http(server.base + path + sep + "t=wrong" + server.token[5:])[0] == 403, path
    status, page = http(server.url)
    assert status == 200 and "检查数据" in page and "自动编班" in page and "班主任抽签" in page
    assert "http://" not in page.replace(server.base, "") and "https://" not in page   # nothing from a CDN
    assert http(api(server, "/static/app.js"))[0] == 200
    # a POST without the token is refused even with the right form
    st, _ = http(server.base + "/api/step/check", {"file": "a.xlsx"})
    assert st == 403
    # another host name (DNS rebinding) is refused even with the token
    assert http(server.url, headers={"Host": f"evil.example:{server.port}"})[0] == 403


def test_steps_are_post_only(server):
    write_demo_with_teachers(server.folder / "a.xlsx")
    st, _ = http(api(server, "/api/step/check?file=a.xlsx"))
    assert st == 405
    st, _ = http(api(server, "/api/new/template"))
    assert st == 405


def test_paths_stay_inside_the_working_folder(server, tmp_path):
    outside = tmp_path / "outside.xlsx"
    write_demo_with_teachers(outside)
    for name in ("../outside.xlsx", str(outside), "..\\outside.xlsx", "sub/../../outside.xlsx", "/etc/passwd", "C:/x.xlsx"):
        st, j = post(server, "/api/step/check", {"file": name})
        assert st == 400 and "工作文件夹" in j["html"], name
        st, text = http(api(server, "/download?file=" + quote(name)))
        assert st == 400, name
    # a symlink inside the folder pointing out of it: not listed, not opened, not downloaded
    link = server.folder / "link.xlsx"
    try:
        os.symlink(outside, link)
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not available")
    _, files = http_json(api(server, "/api/files"))
    assert "link.xlsx" not in [f["name"] for f in files["files"]]
    st, j = post(server, "/api/step/assign", {"file": "link.xlsx"})
    assert st == 400 and "以外" in j["html"]
    assert http(api(server, "/download?file=link.xlsx"))[0] == 400
    os.symlink(tmp_path, server.folder / "up")
    st, j = post(server, "/api/district/batch", {"folder": "up"})
    assert st == 400
    assert not list(tmp_path.glob("*_编班结果*"))


def test_uploads_must_be_workbooks(server, tmp_path):
    st, text = upload(server, "名单.xlsx", b"not a zip at all")
    assert st == 400 and "不是 Excel 工作簿" in text
    z = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(z, "w") as f:
        f.writestr("word/document.xml", "<x/>")
    st, text = upload(server, "伪装.xlsx", z.getvalue())
    assert st == 400
    st, text = upload(server, "名单.et", b"PK")
    assert st == 400 and "另存为" in text
    st, text = upload(server, "../../逃出.xlsx", (write_demo_with_teachers(tmp_path / "d.xlsx")).read_bytes())
    assert st == 200
    assert (server.folder / "逃出.xlsx").is_file() and not (tmp_path.parent / "逃出.xlsx").exists()
    st, text = upload(server, "大.xlsx", b"0" * (51 * 1024 * 1024))
    assert st == 413 and "不能超过" in text
    st, text = upload(server, "x.xlsx", b"PK", token="nope")
    assert st == 403
    names = sorted(p.name for p in server.folder.iterdir())
    assert names == ["逃出.xlsx"], names     # nothing else written, no temporary files left


def test_one_step_at_a_time_per_workbook(server):
    write_demo_with_teachers(server.folder / "a.xlsx")
    st, j = post(server, "/api/step/assign", {"file": "a.xlsx"})
    assert st == 200
    st2, j2 = post(server, "/api/step/check", {"file": "a.xlsx"})
    assert st2 == 409 and "正在进行另一步操作" in j2["html"]
    done = wait_job(server, j["job"])
    assert done["ok"] and "编班完成" in done["html"] and done["select"] == "a_编班结果.xlsx"
    st3, j3 = post(server, "/api/step/check", {"file": "a.xlsx"})
    assert st3 == 200 and wait_job(server, j3["job"])["ok"]


def test_errors_table_and_views(server):
    """A workbook with a mistake: the 工作表 / 单元格 / 问题 / 改法 table, nothing written; then the
    print views of a result."""
    from openpyxl import load_workbook

    src = write_demo_with_teachers(server.folder / "错.xlsx")
    wb = load_workbook(src)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    ws.cell(row=5, column=head.index("性别") + 1, value="难")
    wb.save(src)
    before = src.read_bytes()
    _, j = post(server, "/api/step/assign", {"file": "错.xlsx"})
    done = wait_job(server, j["job"])
    assert not done["ok"]
    assert "<th>工作表</th><th>单元格</th><th>问题</th><th>改法</th>" in done["html"]
    assert "学生名单" in done["html"] and "第5行" in done["html"] or "5" in done["html"]
    assert src.read_bytes() == before and sorted(p.name for p in server.folder.iterdir()) == ["错.xlsx"]

    write_demo_with_teachers(server.folder / "好.xlsx")
    _, j = post(server, "/api/step/assign", {"file": "好.xlsx"})
    res = wait_job(server, j["job"])["select"]
    st, page = http(api(server, f"/view/certificate?file={quote(res)}"))
    assert st == 200 and "均衡指数" in page and "<svg" in page and "蛇形法" in page and "监督人员签字" in page
    st, page = http(api(server, f"/view/classes?file={quote(res)}"))
    assert st == 200 and page.count('<section class="page">') == 14
    st, page = http(api(server, f"/view/public?file={quote(res)}"))
    assert st == 200 and "还没有“公示名单”" in page
    st, data = http(api(server, f"/download?file={quote(res)}"))
    assert st == 200


def test_draw_digits_must_match(server):
    write_demo_with_teachers(server.folder / "a.xlsx")
    _, j = post(server, "/api/step/assign", {"file": "a.xlsx"})
    res = wait_job(server, j["job"])["select"]
    before = (server.folder / res).read_bytes()
    for form, text in (({"digits": "3721", "digits2": "3712"}, "不一致"), ({"digits": "", "digits2": ""}, "没有输入"),
                       ({"digits": "37a1", "digits2": "37a1"}, "不是一串数字"),
                       ({"digits": "1", "digits2": "1", "computer": "1"}, "二者选一")):
        _, j = post(server, "/api/step/draw", {"file": res, **form})
        done = wait_job(server, j["job"])
        assert not done["ok"] and text in done["html"], form
    assert (server.folder / res).read_bytes() == before
    _, j = post(server, "/api/step/draw", {"file": res, "digits": "３７ ２１", "digits2": "3721"})
    done = wait_job(server, j["job"])
    assert done["ok"] and "随机种子 3721" in done["html"]
    _, j = post(server, "/api/step/lock", {"file": res, "reason": "  "})
    assert "必须写明原因" in wait_job(server, j["job"])["html"]
    # re-assigning a drawn workbook would void the lottery: refused, with the 强制重新编班 form
    drawn = (server.folder / res).read_bytes()
    _, j = post(server, "/api/step/assign", {"file": res})
    done = wait_job(server, j["job"])
    assert not done["ok"] and 'class="panel force"' in done["html"]
    _, j = post(server, "/api/step/assign", {"file": res, "force": "1", "reason": ""})
    assert "必须写明原因" in wait_job(server, j["job"])["html"]
    assert (server.folder / res).read_bytes() == drawn
    _, j = post(server, "/api/step/assign", {"file": res, "force": "1", "reason": "经教育局批准，更正名单"})
    done = wait_job(server, j["job"])
    assert done["ok"] and "编班完成" in done["html"]
    from openpyxl import load_workbook

    log = [str(r[1]) for r in load_workbook(server.folder / res, read_only=True)["编班记录"].iter_rows(values_only=True)
           if r and len(r) > 1 and r[1]]
    assert any("经教育局批准，更正名单" in x for x in log)


def test_new_template_and_demo(server):
    _, j = post(server, "/api/new/template", {})
    assert j["ok"] and j["select"] == "编班输入.xlsx"
    _, j = post(server, "/api/new/template", {})
    assert j["select"] == "编班输入(2).xlsx"          # never overwrites
    _, j = post(server, "/api/new/demo", {})
    _, files = http_json(api(server, "/api/files"))
    assert {f["name"]: f["state"] for f in files["files"]} == {"编班输入.xlsx": "未编班", "编班输入(2).xlsx": "未编班",
                                                               "示例学校_输入.xlsx": "未编班"}


def test_command_prints_url_first_and_stops_on_ctrl_c(tmp_path):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "bianban_xl.ui", str(tmp_path / "w"), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
    try:
        first = proc.stdout.readline().strip()
        assert first.startswith("http://127.0.0.1:") and "/?t=" in first
        base, token = first.split("/?t=")
        assert len(token) >= 30
        assert http(first)[0] == 200
        assert http(base + "/")[0] == 403
        assert (tmp_path / "w").is_dir()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "已停止" in out and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()


def test_port_taken_is_a_user_error(tmp_path):
    import socket

    from bianban_xl.cli.main import main

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        assert main(["ui", str(tmp_path), "--port", str(s.getsockname()[1]), "--no-browser"]) == 1
    finally:
        s.close()


def test_late_entry_and_verify_buttons(server):
    """插班 on the page: a student added at the end of 学生名单 without a class is placed, nobody
    moves, and 验证结果 passes afterwards."""
    from openpyxl import load_workbook

    write_demo_with_teachers(server.folder / "a.xlsx")
    _, j = post(server, "/api/step/assign", {"file": "a.xlsx"})
    res = wait_job(server, j["job"])["select"]
    path = server.folder / res
    wb = load_workbook(path)
    ws = wb["学生名单"]
    head = [c.value for c in ws[1]]
    last = [c.value for c in ws[ws.max_row]]
    row = list(last)
    row[head.index("编号")] = "新" + str(last[head.index("编号")])
    row[head.index("姓名")] = "司马插班"
    row[head.index("班级")] = None
    ws.append(row)
    wb.save(path)
    _, j = post(server, "/api/step/late", {"file": res})
    done = wait_job(server, j["job"])
    assert done["ok"], done["html"]
    ws = load_workbook(path, read_only=True)["学生名单"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[-1][head.index("姓名")] == "司马插班" and rows[-1][head.index("班级")]
    _, j = post(server, "/api/step/verify", {"file": res})
    done = wait_job(server, j["job"])
    assert done["ok"] and "验证通过" in done["html"]


def test_upload_names_a_password_protected_or_old_workbook(server):
    """The browser says what the command line says: a workbook with an opening password, or an
    old .xls under an .xlsx name, is named as such with its fix — not 'not a workbook'."""
    data = Path(__file__).parent / "data"
    st, text = upload(server, "新生名单.xlsx", (data / "设了打开密码1234.xlsx").read_bytes())
    assert st == 400 and "“新生名单.xlsx”设有打开密码" in text and "清空" in text and "没有上传" in text
    st, text = upload(server, "旧名单.xlsx", (data / "旧版xls改名.xlsx").read_bytes())
    assert st == 400 and "“旧名单.xlsx”实际是旧版 .xls 文件（只是扩展名为 .xlsx）" in text
    assert "另存为" in text
    assert not [p for p in server.folder.iterdir() if p.is_file()]      # nothing kept, no temporary file


def test_long_names_and_a_second_upload_under_the_same_name(server, tmp_path):
    """An 88-character name uploaded and sealed fine, then 自动编班 failed with 'File name too long'
    (255 bytes a name) in front of the supervisors: names are shortened on upload, and said so.
    A corrected file uploaded under the same name is kept beside the old one, and the page now
    says which is which (it said only '已上传：名单(2).xlsx')."""
    book = write_demo_with_teachers(tmp_path / "d.xlsx").read_bytes()
    long = "2026年秋季学期城关实验中学七年级新生均衡编班输入名单经教务处与年级组多次核对确认无误后的最终版本再次核对" * 2 + ".xlsx"
    st, text = upload(server, long, book)
    assert st == 200 and "文件名太长，已缩短为" in text
    (saved,) = [p for p in server.folder.iterdir()]
    assert len(saved.name.encode()) <= 180 and long.startswith(saved.stem)
    _, j = post(server, "/api/step/assign", {"file": saved.name})
    done = wait_job(server, j["job"])
    assert done["ok"] and done["select"] == f"{saved.stem}_编班结果.xlsx", done["html"]
    st, text = upload(server, "名单.xlsx", book)
    st, text = upload(server, "名单.xlsx", book)
    assert "已上传：名单(2).xlsx" in text and "工作文件夹中已经有“名单.xlsx”，没有覆盖它" in text


def test_a_seed_too_large_is_called_too_large():
    """20 digits typed in the page: it said '不是一串数字' — they are all digits; the page now says
    the number is too large, and how large a seed may be."""
    from bianban_xl.model.problems import UserError
    from bianban_xl.ui.steps import typed_seed

    big = "12345678901234567890"
    with pytest.raises(UserError) as exc:
        typed_seed({"digits": big, "digits2": big}, "没有编班", "由电脑抽取")
    assert "太大" in exc.value.report.errors[0].message and "不是一串数字" not in exc.value.report.errors[0].message


def test_the_page_checks_a_step_before_asking_for_the_number(server):
    """班主任抽签 and 自动编班 on a sealed book asked for the number called out, twice, and only then
    said no (no teachers, drawn already, locked, the input picked instead of the result): the
    page now asks the server first, as the ribbon does before its input box."""
    from bianban_xl.cli.main import main

    src = write_demo_with_teachers(server.folder / "a.xlsx")
    st, j = post(server, "/api/can/draw", {"file": "a.xlsx"})
    assert not j["ok"] and "还没有编班结果" in j["html"]
    st, j = post(server, "/api/can/assign", {"file": "a.xlsx"})
    assert j["ok"] and j["html"] == ""
    res = server.folder / "a_结果.xlsx"
    assert main(["assign", str(src), "-o", str(res), "--seed", "5"]) == 0
    st, j = post(server, "/api/can/draw", {"file": "a_结果.xlsx"})     # teachers listed, no 教师搭配 yet: said first
    assert j["ok"] and "还没有做“教师搭配”：抽签之后就不能再搭配了" in j["notice"]
    assert main(["teachers", str(res)]) == 0
    st, j = post(server, "/api/can/draw", {"file": "a_结果.xlsx"})
    assert j["ok"] and j["notice"] == ""
    assert main(["draw", str(res), "--seed", "7"]) == 0
    st, j = post(server, "/api/can/draw", {"file": "a_结果.xlsx"})
    assert not j["ok"] and "已经抽过签" in j["html"]
    assert main(["lock", str(res)]) == 0
    st, j = post(server, "/api/can/assign", {"file": "a_结果.xlsx"})
    assert not j["ok"] and "锁定" in j["html"] and 'name="reason"' in j["html"]      # the 强制重新编班 form


def test_a_reloaded_page_finds_the_step_still_running(server):
    """Reloading mid-step left a blank page (nothing selected, the running step not shown), and
    clicking again was natural: the file list now carries the running job, which the page watches."""
    write_demo_with_teachers(server.folder / "a.xlsx")
    st, j = post(server, "/api/step/assign", {"file": "a.xlsx"})
    _, files = http_json(api(server, "/api/files"))
    (a,) = [f for f in files["files"] if f["name"] == "a.xlsx"]
    assert a["job"] == j["job"]
    wait_job(server, j["job"])
    _, files = http_json(api(server, "/api/files"))
    assert all(f["job"] == "" for f in files["files"])
