"""Sheets as HTML for the page and its print views, charts as SVG drawn here (no script library).

``spec_html`` turns the SheetSpec a report builder made (e.g. the 编班汇总 certificate) into
headings, paragraphs and tables with the same looks (good / warn / bad shading) and its charts as
inline SVG. ``raw_sheet_html`` shows a sheet read back from a workbook (class lists, 抽签记录,
公示名单): one-cell rows become headings or notes, wider rows table rows."""
from __future__ import annotations

import math
from datetime import date, datetime
from html import escape

from bianban_xl.model.raw_book import RawSheet
from bianban_xl.model.sheet_model import DECIMAL_STYLES, ChartSpec, SheetSpec

TEXT_STYLES = {"title": "h2", "section": "h3", "subtitle": "p", "note": "p", "sign": "p"}
PALETTE = ("#4472c4", "#ed7d31", "#a5a5a5", "#ffc000", "#5b9bd5", "#70ad47", "#264478", "#9e480e", "#636363")


def cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d") if (v.hour, v.minute, v.second) == (0, 0, 0) else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return str(int(v)) if v.is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")
    if isinstance(v, str) and v.startswith("=HYPERLINK("):
        parts = v.rsplit(",", 1)
        return parts[-1].strip('")') if len(parts) == 2 else v
    return str(v)


def _grid(spec: SheetSpec) -> dict[int, dict[int, tuple[object, str]]]:
    rows: dict[int, dict[int, tuple[object, str]]] = {}
    for b in spec.blocks:
        for i, vals in enumerate(b.values):
            for j, v in enumerate(vals):
                rows.setdefault(b.top + i, {})[b.left + j] = (v, b.style)
    return rows


def spec_html(spec: SheetSpec, hide_chart_data: bool = True) -> str:
    """The sheet as HTML; rows holding chart data only (the 图表数据 block) are left out when
    ``hide_chart_data`` since the charts show them."""
    grid = _grid(spec)
    hidden: set[int] = set()
    if hide_chart_data:
        for b in spec.blocks:
            if b.values and b.values[0] and b.values[0][0] == "图表数据":
                hidden.add(b.top)
    charts = sorted(spec.charts, key=lambda ch: _anchor_row(ch.anchor))
    first_chart = _anchor_row(charts[0].anchor) if charts else None
    if hide_chart_data:
        for ch in spec.charts:
            if ch.line:
                hidden.update(range(ch.line[1], ch.line[3] + 1))
            if ch.data[1] >= first_chart:      # a table copied beside the page for a chart (not printed)
                hidden.update(range(ch.data[1], ch.data[3] + 1))
    out: list[str] = []
    table: list[str] = []

    def close() -> None:
        if table:
            out.append('<div class="tablewrap"><table class="sheet">' + "".join(table) + "</table></div>")
            table.clear()

    pending_charts: list[ChartSpec] = []
    for r in range(1, spec.max_row + 1):
        if r == first_chart:      # all charts together where the first one is anchored
            pending_charts = charts
        row = grid.get(r)
        if r in hidden or not row or all(v is None for v, _ in row.values()):
            close()
            if pending_charts and (not row or r in hidden):
                out.append('<div class="charts">' + "".join(chart_svg(spec, c, grid) for c in pending_charts) + "</div>")
                pending_charts = []
            continue
        styles = {s for _, s in row.values()}
        filled = [c for c, (v, _) in row.items() if v is not None]
        if len(filled) == 1 and styles <= set(TEXT_STYLES):
            close()
            v, s = row[filled[0]]
            tag = TEXT_STYLES[s]
            out.append(f'<{tag} class="{s}">{escape(cell_text(v))}</{tag}>')
            continue
        cells = []
        width = max(row)
        for c in range(1, width + 1):
            v, s = row.get(c, (None, "body"))
            tag = "th" if s == "header" else "td"
            num = " num" if isinstance(v, (int, float)) and not isinstance(v, bool) else ""
            shown = (f"{v:.2f}" if isinstance(v, float) and math.isfinite(v) and s in DECIMAL_STYLES
                     and c not in spec.number_formats else cell_text(v))    # as the workbook prints it: 78.60
            cells.append(f'<{tag} class="{s}{num}">{escape(shown)}</{tag}>')
        table.append("<tr>" + "".join(cells) + "</tr>")
    close()
    if first_chart is not None and first_chart > spec.max_row:
        pending_charts = charts
    if pending_charts:
        out.append('<div class="charts">' + "".join(chart_svg(spec, c, grid) for c in pending_charts) + "</div>")
    return "\n".join(out)


def _anchor_row(anchor: str) -> int:
    digits = "".join(ch for ch in anchor if ch.isdigit())
    return int(digits) if digits else 1


def _num(v) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else float("nan")


def chart_svg(spec: SheetSpec, chart: ChartSpec, grid=None) -> str:
    """A column / stacked-column chart with an optional overlay line, as inline SVG (drawn with
    the page's fonts). Categories and series are read from the spec's cells, as the workbook's
    native chart reads them."""
    grid = grid if grid is not None else _grid(spec)
    val = lambda r, c: grid.get(r, {}).get(c, (None, ""))[0]  # noqa: E731
    c1, r1, c2, r2 = chart.cats
    cats = [cell_text(val(r, c1)) for r in range(r1, r2 + 1)]
    d1, q1, d2, q2 = chart.data
    series = [(cell_text(val(q1, c)), [_num(val(r, c)) for r in range(q1 + 1, q2 + 1)]) for c in range(d1, d2 + 1)]
    line = None
    if chart.line:
        l1, m1, _, m2 = chart.line
        line = (cell_text(val(m1, l1)), [_num(val(r, l1)) for r in range(m1 + 1, m2 + 1)])
    return svg_columns(chart.title, cats, series, stacked=chart.kind == "stacked", line=line, y_title=chart.y_title,
                       y_min=chart.y_min, y_max=chart.y_max, wide=chart.width_cm > 20)


def _nice_step(span: float) -> float:
    raw = span / 5 if span > 0 else 1
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def svg_columns(title: str, cats: list[str], series: list[tuple[str, list[float]]], stacked: bool = False,
                line: tuple[str, list[float]] | None = None, y_title: str = "", y_min: float | None = None,
                y_max: float | None = None, wide: bool = False) -> str:
    """Grouped or stacked columns per category, legend below, y grid with round steps."""
    W, H = (960, 340) if wide else (640, 340)
    left, right, top, bottom = 56, 16, 40, 78
    pw, ph = W - left - right, H - top - bottom
    n = max(1, len(cats))
    finite = lambda xs: [x for x in xs if math.isfinite(x)]  # noqa: E731
    if stacked:
        tops = [sum(finite([s[1][i] for s in series if i < len(s[1])])) for i in range(len(cats))]
        lo, hi = 0.0, max(tops or [1.0])
    else:
        vals = [x for _, v in series for x in finite(v)] + (finite(line[1]) if line else [])
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        lo = min(0.0, lo) if y_min is None else y_min
    hi = hi if y_max is None else y_max
    if hi <= lo:
        hi = lo + 1
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    y = lambda v: top + ph - (v - lo) / (hi - lo) * ph  # noqa: E731
    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{escape(title)}">',
             f'<text x="{W / 2}" y="22" class="ctitle" text-anchor="middle">{escape(title)}</text>']
    t = lo
    while t <= hi + step / 1000:
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{t:g}</text>')
        t += step
    if y_title:
        parts.append(f'<text x="14" y="{top + ph / 2}" class="tick" transform="rotate(-90 14 {top + ph / 2})" text-anchor="middle">{escape(y_title)}</text>')
    slot = pw / n
    k = max(1, len(series))
    bw = slot * 0.7 / (1 if stacked else k)
    for i, cat in enumerate(cats):
        x0 = left + i * slot + slot * 0.15
        base = lo
        for j, (name, vals) in enumerate(series):
            v = vals[i] if i < len(vals) else float("nan")
            if not math.isfinite(v):
                continue
            color = PALETTE[j % len(PALETTE)]
            if stacked:
                y_top, y_bot = y(base + v), y(base)
                parts.append(f'<rect x="{x0:.1f}" y="{y_top:.1f}" width="{bw:.1f}" height="{max(0.0, y_bot - y_top):.1f}" fill="{color}"><title>{escape(cat)} {escape(name)}：{v:g}</title></rect>')
                base += v
            else:
                xb = x0 + j * bw
                y_top = y(max(v, lo))
                parts.append(f'<rect x="{xb:.1f}" y="{y_top:.1f}" width="{bw:.1f}" height="{max(0.0, y(lo) - y_top):.1f}" fill="{color}"><title>{escape(cat)} {escape(name)}：{v:g}</title></rect>')
        parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{top + ph + 16}" text-anchor="middle" class="tick">{escape(cat)}</text>')
    if line and line[1]:
        pts = " ".join(f"{left + i * slot + slot / 2:.1f},{y(v):.1f}" for i, v in enumerate(line[1]) if math.isfinite(v))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="#c00000" stroke-width="2"/>')
    parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(lo):.1f}" y2="{y(lo):.1f}" class="axis"/>')
    legend = [(name, PALETTE[j % len(PALETTE)], "rect") for j, (name, _) in enumerate(series)]
    if line:
        legend.append((line[0], "#c00000", "line"))
    lx, ly = left, H - 24
    for name, color, kind in legend:
        if kind == "rect":
            parts.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{color}"/>')
        else:
            parts.append(f'<line x1="{lx}" x2="{lx + 14}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" stroke-width="2"/>')
        parts.append(f'<text x="{lx + 18}" y="{ly}" class="tick">{escape(name)}</text>')
        lx += 30 + 14 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def raw_sheet_html(sheet: RawSheet, page_break_before: str | None = None, big: str | None = None) -> str:
    """A sheet read back from a workbook: the first one-cell row is the title, other one-cell rows
    are notes, wider rows go into tables (the first row of each table as its header). With
    ``page_break_before``, a title containing that text starts a new printed page; a one-cell row
    with a blank to sign on (____) is a signature line; one starting with ``big`` (a code
    supervisors compare, e.g. 输入核验码：) is printed large."""
    out: list[str] = []
    table: list[list[str]] = []
    first_title = True

    def close() -> None:
        if not table:
            return
        width = max(len(r) for r in table)
        head, body = table[0], table[1:]
        html = ['<div class="tablewrap"><table class="sheet"><thead><tr>']
        html += [f'<th class="header">{escape(x)}</th>' for x in head + [""] * (width - len(head))]
        html.append("</tr></thead><tbody>")
        for r in body:
            style = "foot" if r and r[0] in ("合计", "最大差距", "理论最小差距") else "body"
            html.append("<tr>" + "".join(f'<td class="{style}">{escape(x)}</td>' for x in r + [""] * (width - len(r))) + "</tr>")
        html.append("</tbody></table></div>")
        out.append("".join(html))
        table.clear()

    for row in sheet.rows:
        texts = [cell_text(v) for v in row]
        while texts and not texts[-1].strip():
            texts.pop()
        if not texts:
            close()
            continue
        filled = [t for t in texts if t.strip()]
        if not table and texts[0].startswith("班主任："):      # a class sheet's 班主任 … 人数 … line, not its table's header
            out.append(f'<p class="subtitle">{escape("    ".join(filled))}</p>')
            continue
        if len(filled) == 1 and texts[0].strip() and not table:
            text = texts[0]
            if big and text.startswith(big) and not first_title:
                out.append(f'<p class="bigcode">{escape(text)}</p>')
            elif first_title or (page_break_before and page_break_before in text):
                cls = "title" + (" newpage" if not first_title else "")
                out.append(f'<h2 class="{cls}">{escape(text)}</h2>')
                first_title = False
            else:   # a signature line (监督人员签字：____) keeps its writing space in print
                out.append(f'<p class="{"sign" if "____" in text else "note"}">{escape(text)}</p>')
            continue
        if len(filled) == 1 and table and len(texts) == 1 and len(table[0]) > 2:
            close()
            out.append(f'<p class="note">{escape(texts[0])}</p>')
            continue
        table.append(texts)
    close()
    return "\n".join(out)
