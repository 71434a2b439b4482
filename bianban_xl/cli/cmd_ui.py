"""`bianban ui`: the ribbon's buttons in a local browser page (bianban_xl.ui: Flask + waitress)."""
from __future__ import annotations

from bianban_xl.cli.output import out
from bianban_xl.ui.server import run_from_args


def cmd_ui(args) -> int:
    return run_from_args(args, out)
