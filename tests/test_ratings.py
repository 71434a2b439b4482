"""Ratings people believe: each gap judged against its provable bound and against what a random split
of the same roster typically gives; the rule is printed on 编班汇总; 达到最优 exactly at the bound."""
from __future__ import annotations

import numpy as np

from bianban_xl.engine.balance import Measure, measures
from bianban_xl.engine.baselines import random_assign
from bianban_xl.onsite.assign import solve_labels
from bianban_xl.reports.result_sheets import VERDICT_RULE, _verdict, expected_range, summary_sheet, typical_random_gaps
from bianban_xl.synth import generate_school


def _m(gap, bound, unit="分"):
    return Measure("平均分", "总分", np.zeros(3), gap, bound, unit)


def test_verdict_rule():
    assert _verdict(_m(2.0, 2.0, "人"), 9.0) == ("达到最优", "good")     # bound twins: 2 can be optimal
    assert _verdict(_m(0.27, 0.0), 11.0) == ("接近最优", "good")         # the near-optimal result
    assert _verdict(_m(5.0, 0.0), 11.0) == ("基本均衡", "warn")
    assert _verdict(_m(12.0, 0.0), 11.0) == ("差距较大", "bad")
    assert abs(expected_range(2) - 2 / np.sqrt(np.pi)) < 1e-3


def test_typical_gap_matches_random_splits_of_the_roster():
    roster = generate_school(400, 8, seed=5)
    ms = measures(roster, random_assign(roster, roster.params, 1), roster.params)
    typical = typical_random_gaps(roster, roster.params, ms)
    runs = [measures(roster, random_assign(roster, roster.params, s), roster.params) for s in range(2, 202)]
    for i, m in enumerate(ms):
        if m.group in ("平均分", "性别", "标准差") and np.isfinite(typical[i]):
            mean = float(np.mean([run[i].gap for run in runs]))
            assert abs(typical[i] - mean) <= 0.2 * mean + 0.6, (m.group, m.label, typical[i], mean)


def test_summary_prints_rule_and_rates_a_good_run_green():
    roster = generate_school(400, 8, seed=5)
    labels = solve_labels(roster, roster.params, 7)
    spec = summary_sheet(roster, roster.params, labels, "2026-09-01 09:00:00", 7)
    texts = ["".join(str(v) for v in row if v is not None) for b in spec.blocks for row in b.values]
    joined = "".join(texts)
    assert VERDICT_RULE[:20] in joined and "随机分班典型差距" in joined
    verdicts = [(b.values[0][0], b.style) for b in spec.blocks if b.left == 5 and b.style in ("good", "warn", "bad")]
    total = next(b for b in spec.blocks if b.values and b.values[0] and b.values[0][0] == "总分")
    assert (next(b.values[0][0] for b in spec.blocks if b.top == total.top and b.left == 5)) in ("达到最优", "接近最优")
    assert not any(v in ("良", "需改进", "优") for v, _ in verdicts)
