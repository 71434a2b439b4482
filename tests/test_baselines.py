import numpy as np

from bianban_xl.engine.baselines import random_assign, snake_assign
from bianban_xl.engine.balance import total_scores
from bianban_xl.synth import generate_school


def test_sizes_and_determinism():
    r = generate_school(203, 8, seed=3)
    for f in (snake_assign, random_assign):
        a = f(r, r.params, 1)
        sizes = np.bincount(a, minlength=8)
        assert sizes.sum() == 203 and sizes.max() - sizes.min() <= 1
        assert np.array_equal(a, f(r, r.params, 1))
        assert not np.array_equal(a, random_assign(r, r.params, 2)) or f is snake_assign


def test_snake_deals_top_students_s_shaped():
    r = generate_school(160, 8, seed=4)
    a = snake_assign(r, r.params, 0)
    tot = total_scores(r, r.params.subjects)
    order = np.argsort(-np.where(np.isnan(tot), -np.inf, tot), kind="stable")
    # the top 8 go to 8 different classes, the next 8 too, in reverse order
    assert len(set(a[order[:8]])) == 8 and len(set(a[order[8:16]])) == 8
