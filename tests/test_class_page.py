"""A class list is one page (posted, signed) without rendering: the page setup and widths class_sheet
plans for crowded classes with long names (the rendered checks are in test_paper_edge.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from bianban_xl.reports.result_sheets import MIN_PRINT_SCALE, class_sheet, one_page_scale
from bianban_xl.service import check_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
import edge_school as E  # noqa: E402


def _sheets(tmp_path, per: int):
    roster, report = check_file(E.write_full(tmp_path / f"输入{per}.xlsx", k=4, per=per, cap=70))
    assert roster is not None, report
    labels = np.arange(len(roster.students)) % 4
    return [class_sheet(roster, roster.params, labels, k, "2026-09-01 08:00:00", 1) for k in range(4)]


def _body(spec):
    rows = [b for b in spec.blocks if b.top == 4 and b.style in ("body", "fit")]
    return range(4, 5 + len(rows[0].values) + 1)


def test_crowded_class_with_long_names_plans_one_portrait_page(tmp_path):
    """59–64 a class with a 15-character 小学 and 11-character minority names: portrait, one page
    tall (fitToHeight 1) at ≥ 9 pt; the narrowed text columns shrink what Excel finds too wide. The
    long values made it landscape (30 rows a page) or, past 60, fitted to no height at all."""
    for per in (59, 63):
        for spec in _sheets(tmp_path, per):
            assert not spec.landscape and spec.fit_height == 1, (per, spec.landscape, spec.fit_height)
            assert one_page_scale(spec, _body(spec), spec.row_heights[5]) >= MIN_PRINT_SCALE
            fit = [b for b in spec.blocks if b.style == "fit"]
            assert fit and all(isinstance(v, str) or v is None for b in fit for row in b.values for v in row)


def test_class_too_tall_for_9_pt_goes_on_over_pages(tmp_path):
    for spec in _sheets(tmp_path, 69):
        assert spec.fit_height == 0 and spec.print_title_rows == "3:3" and spec.row_heights[5] == 13.5
