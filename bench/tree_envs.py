"""What bench_assign.py and bench_phases.py share: each tree compared runs in fresh processes with
the environment the script started with (importing bianban_xl sets OPENBLAS_NUM_THREADS, which the
other trees must not inherit), without PYTHONPATH, and with its own bytecode cache. Import this
module before bianban_xl."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

START_ENV = dict(os.environ)


def tree_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--against", action="append", default=[], help="another source tree (a checkout)")
    ap.add_argument("--rounds", type=int, default=5)


def tree_envs(trees: list[Path], tmp: str) -> list[dict[str, str]]:
    """One environment per tree: the starting one, less PYTHONDONTWRITEBYTECODE and PYTHONPATH,
    with a private PYTHONPYCACHEPREFIX (bytecode cached, but not shared between trees)."""
    envs = []
    for i, _ in enumerate(trees):
        env = {k: v for k, v in START_ENV.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / f"pycache{i}")
        envs.append(env)
    return envs
