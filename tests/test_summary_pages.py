"""编班汇总's deliberate page breaks without rendering (the rendered checks are in test_paper_edge.py):
a detail table taller than a page repeats its header after each break, the charts read a whole
copy of it, and the browser's certificate view does not show that copy."""
from __future__ import annotations

import numpy as np

from bianban_xl.reports.result_sheets import summary_sheet
from bianban_xl.synth import generate_school
from bianban_xl.ui.render import spec_html
from conftest import spec_cells


def _summary(k: int, subjects=()):
    roster = generate_school(k * 12, k, seed=3, subjects=subjects)
    return summary_sheet(roster, roster.params, np.arange(len(roster.students)) % k, "2026-09-01 08:00:00", 1)



def test_tall_detail_table_repeats_its_header_after_each_break():
    spec = _summary(40)
    cells = spec_cells(spec)
    detail = next(r for (r, c), (v, _) in cells.items() if v == "三、各班明细")
    charts = next(r for (r, c), (v, _) in cells.items() if v == "四、图表")
    inside = [b for b in spec.row_breaks if detail <= b < charts - 1]
    assert inside, spec.row_breaks                     # 40 classes: taller than a landscape page
    for b in inside:                                    # the row after a break is the table's header
        assert cells[(b + 1, 1)] == ("班级", "header"), (b, cells.get((b + 1, 1)))
    for chart in spec.charts:                          # the charts' classes: 40 names, no header among them
        c, r1, _, r2 = chart.cats
        names = [cells[(r, c)][0] for r in range(r1, r2 + 1)]
        assert len(names) == 40 and "班级" not in names and len(set(names)) == 40


def test_certificate_view_hides_the_copy_beside_the_page():
    spec = _summary(40)
    html = spec_html(spec)
    assert html.count("<tr>") < 70, html.count("<tr>")     # the table once (with its repeated headers), not twice


def _chart_labels(spec, chart):
    cells = spec_cells(spec)
    c, r1, _, r2 = chart.cats
    return [cells[(r, c)][0] for r in range(r1, r2 + 1)]


def test_chart_labels_short_for_many_long_class_names():
    """32 classes named 2026级初一年级（12）班（城东校区南楼教学班）: under every chart the class
    number, the axis titled 班级 (the whole names filled the chart and ran off it); 12 such classes
    read 1班 … 12班; classes already named 1班 … 8班 keep their names, as before."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import edge_school as E

    def summary(names, subjects=("语文", "数学", "英语")):
        roster = generate_school(len(names) * 12, len(names), seed=3, subjects=subjects)
        roster.params.class_names = list(names)
        return summary_sheet(roster, roster.params, np.arange(len(roster.students)) % len(names), "2026-09-01 08:00:00", 1)

    spec = summary(E.class_names(32))
    assert len(spec.charts) == 3
    for chart in spec.charts:
        assert _chart_labels(spec, chart) == [str(k) for k in range(1, 33)] and chart.x_title == "班级"
    assert spec.charts[-1].height_cm > 10                    # 32 × 3 columns: the chart as tall as its page
    spec = summary(E.class_names(12))
    for chart in spec.charts:
        assert _chart_labels(spec, chart) == [f"{k}班" for k in range(1, 13)] and not chart.x_title
    spec = summary([f"{k}班" for k in range(1, 9)])
    for chart in spec.charts:
        assert _chart_labels(spec, chart) == [f"{k}班" for k in range(1, 9)] and not chart.x_title
        assert chart.height_cm == 7.5


def test_tall_table_rows_are_centred_across():
    """A row of a 编班汇总 table made tall for a wrapped label — §二's 项目 (a long 毕业学校 name with
    “（6 所中差距最大）”), §三's 班级 (long 班级名称) — has every cell centred vertically: the label
    sat at the top of the row while the numbers and 评价 beside it sat in the middle."""
    from bianban_xl.book.xlsx_styles import STYLES

    k = 4
    roster = generate_school(k * 12, k, seed=3)
    for i, s in enumerate(roster.students):
        s.school = "泉州市丰泽区第二实验小学（东海校区）" if i % 3 == 0 else f"第{i % 5}小学"
    roster.params.class_names = [f"2026级初一年级（{c}）班（城东校区南楼教学班）" for c in range(1, k + 1)]
    spec = summary_sheet(roster, roster.params, np.arange(len(roster.students)) % k, "2026-09-01 08:00:00", 1)
    cells = spec_cells(spec)
    tall = {r for r, h in spec.row_heights.items()
            if any(STYLES[st].get("border") and STYLES[st]["align"].wrap for (rr, _), (_, st) in cells.items() if rr == r)}
    labels = {cells[(r, c)][0] for r in tall for c in (1, 2) if (r, c) in cells}
    assert any("差距最大" in str(v) for v in labels) and any("南楼教学班" in str(v) for v in labels), labels
    for r in tall:
        looks = {c: STYLES[st]["align"].vertical for (rr, c), (_, st) in cells.items()
                 if rr == r and STYLES[st].get("border")}
        assert set(looks.values()) == {"center"}, (r, looks)


def test_detail_header_that_wraps_gets_a_taller_row():
    """三、各班明细 with nine subjects: “标准差·道德与法治” wraps in its 9-wide column, and its header row
    is tall enough for both lines (it kept one line's height and the second line ran over the
    first class's numbers)."""
    from bianban_xl.model.sheet_model import cell_lines

    subjects = ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治")
    spec = _summary(4, subjects)
    cells = spec_cells(spec)
    heads = sorted(r for (r, c), (v, st) in cells.items() if c == 1 and v == "班级" and st == "header")
    long = [r for r in heads if any(str(v) == "标准差·道德与法治" for (rr, _), (v, _) in cells.items() if rr == r)]
    assert long, heads
    for r in long:
        c = next(c for (rr, c), (v, _) in cells.items() if rr == r and v == "标准差·道德与法治")
        width = spec.col_widths.get(c, 9)
        assert cell_lines("标准差·道德与法治", width - 1) >= 2, width
        assert spec.row_heights.get(r, 0) >= 26, (r, spec.row_heights.get(r))
