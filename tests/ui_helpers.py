"""Fixtures of the `bianban ui` tests: the demo school with a filled 教师名单, three small schools
for district mode, and a server on 127.0.0.1 running in this process."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

from openpyxl import load_workbook

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁"
GIVEN = "芳强敏刚洋丽军静磊燕杰娟涛霞明艳超玲勇华"


def demo_teachers(n_classes: int = 14) -> list[list]:
    """A 教师名单 for ``n_classes`` classes: 语文, 数学, 英语 teachers with 2 classes each,
    ``n_classes`` of them 班主任."""
    rows, i = [], 0
    per = (n_classes + 1) // 2
    heads_left = n_classes
    for subject in ("语文", "数学", "英语"):
        for j in range(per):
            load = 2 if (j < per - 1 or n_classes % 2 == 0) else 1
            name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + ("" if i < 20 else GIVEN[i % 20])
            head = "是" if heads_left > 0 and j < per - (1 if subject == "英语" else 0) else "否"
            heads_left -= head == "是"
            rows.append([name, subject, "女" if i % 3 else "男", 25 + (i * 5) % 30, 1 + (i * 3) % 28,
                         ("初级", "中级", "高级")[i % 3], "是" if i % 4 == 0 else "否", 75 + (i * 7) % 21, head, load])
            i += 1
    return rows


def write_demo_with_teachers(path: Path) -> Path:
    from bianban_xl.demo import write_demo_input

    write_demo_input(path)
    wb = load_workbook(path)
    ws = wb["教师名单"]
    for r, row in enumerate(demo_teachers(), start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


def http(url: str, data: dict | None = None, headers: dict | None = None, method: str | None = None):
    """(status, body text) of a request; form-encoded POST when ``data`` is given."""
    from urllib.parse import urlencode

    body = urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def http_json(url: str, data: dict | None = None, headers: dict | None = None):
    status, text = http(url, data, headers)
    return status, json.loads(text)
