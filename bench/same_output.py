"""Check that a tree writes the same result workbook as another: `bianban assign` in both, compared.

Usage:
  python bench/same_output.py --against /tmp/before          # N=300/K=8 and N=1000/K=20, seed 7

For each size (the rosters of bench_assign.py: roster seed 1, 0.3% of score cells empty) one input
workbook; `python -m bianban_xl.cli.main assign IN -o OUT --seed 7` run from each tree's folder (so
that tree's ``bianban_xl`` is imported); then every member of the two .xlsx files is compared byte
for byte, after blanking what differs between any two runs: the 编班时间 time stamps, the 用时 (seconds
of computing) and the log's 日志校验码, which covers them. The printed 结果核验码 must be equal too.
Exit status 1 on any other difference. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tree_envs import tree_envs  # noqa: E402  (before bianban_xl: it keeps the start environment)

from bianban_xl.book.template import fill_input_workbook  # noqa: E402
from bianban_xl.book.workbook_file import save_atomic  # noqa: E402
from bianban_xl.synth import generate_school  # noqa: E402

RUN_DEPENDENT = [(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", "<time>"), (r"用时 [\d.]+ 秒", "用时 <s> 秒"),
                 (r"日志校验码：[A-Z0-9-]+", "日志校验码：<log>"),
                 (r'(<c r="C\d+" s="\d+" t="inlineStr"><is><t>)[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}(</t>)',
                  r"\1<log>\2")]       # the 编班记录 row's log code; the result code stays in its text


def _norm(data: bytes) -> str:
    s = data.decode("utf-8", "replace")
    for pat, rep in RUN_DEPENDENT:
        s = re.sub(pat, rep, s)
    return s


def differences(one: Path, other: Path) -> list[str]:
    a, b = zipfile.ZipFile(one), zipfile.ZipFile(other)
    if sorted(a.namelist()) != sorted(b.namelist()):
        return ["(members: " + ", ".join(sorted(set(a.namelist()) ^ set(b.namelist()))) + ")"]
    return [n for n in sorted(a.namelist()) if a.read(n) != b.read(n) and _norm(a.read(n)) != _norm(b.read(n))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", required=True, help="the other source tree (a checkout)")
    a = ap.parse_args()
    trees = [ROOT, Path(a.against).resolve()]
    bad = False
    with tempfile.TemporaryDirectory() as tmp:
        envs = tree_envs(trees, tmp)
        for n, k in ((300, 8), (1000, 20)):
            r = generate_school(n, k, 1, missing_rate=0.003, separate_homophones=True)
            r.params.seed = None
            src = Path(tmp) / f"in_{n}.xlsx"
            save_atomic(fill_input_workbook(r, r.params), src)
            outs, codes = [], []
            for i, (tree, env) in enumerate(zip(trees, envs)):
                out = Path(tmp) / f"out_{n}_{i}.xlsx"
                p = subprocess.run([sys.executable, "-m", "bianban_xl.cli.main", "assign", str(src), "-o", str(out),
                                    "--seed", "7"], cwd=tree, env=env, check=True, capture_output=True, text=True)
                outs.append(out)
                codes.append(re.findall(r"结果核验码：([A-Z0-9-]+)", p.stdout))
            diff = differences(*outs)
            same_code = codes[0] == codes[1] and codes[0]
            print(f"N={n}, K={k}: 结果核验码 {codes[0]} / {codes[1]}; members differing beyond time stamps: {diff}")
            bad |= bool(diff) or not same_code
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
