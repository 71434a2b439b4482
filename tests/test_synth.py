import collections

import numpy as np

from bianban_xl.model.names import same_name_groups, same_sound_groups
from bianban_xl.synth import generate_school


def _snapshot(r):
    return [(s.sid, s.name, s.gender, s.birth, s.school, s.huji, s.level, tuple(sorted(s.scores.items())))
            for s in r.students], [(g.gid, tuple(g.members), g.mode) for g in r.twin_groups]


def test_deterministic_and_seed_dependent():
    a = generate_school(300, 8, seed=5)
    b = generate_school(300, 8, seed=5)
    c = generate_school(300, 8, seed=6)
    assert _snapshot(a) == _snapshot(b)
    assert _snapshot(a) != _snapshot(c)


def test_realistic_mix():
    r = generate_school(2000, 40, seed=1)
    n = len(r)
    assert n == 2000 and r.params.n_classes == 40 and r.params.cap >= 50
    assert r.params.subjects == ["语文", "数学", "英语"]
    g = collections.Counter(s.gender for s in r.students)
    assert 0.46 < g["男"] / n < 0.56
    schools = collections.Counter(s.school for s in r.students)
    assert 25 <= len(schools) <= 30 and "城关第一小学" in schools
    assert schools.most_common(1)[0][1] > 5 * schools.most_common()[-1][1]     # skewed sizes
    hj = collections.Counter(s.huji for s in r.students)
    assert 0.64 < hj["本地"] / n < 0.76
    assert set(s.level for s in r.students) == {"优", "良", "中", "差"}
    # levels correlate with scores
    tot = {lv: np.mean([sum(v for v in s.scores.values() if v is not None) for s in r.students if s.level == lv])
           for lv in "优良中差"}
    assert tot["优"] > tot["良"] > tot["中"] > tot["差"]
    vals = [v for s in r.students for v in s.scores.values() if v is not None]
    assert min(vals) >= 0 and max(vals) <= 100 and all((v * 2) == int(v * 2) for v in vals)
    assert 70 < np.mean(vals) < 85
    assert any(v is None for s in r.students for v in s.scores.values())
    births = [s.birth for s in r.students if s.birth]
    assert (max(births) - min(births)).days < 366
    in_twins = sum(len(t.members) for t in r.twin_groups)
    assert 0.01 < in_twins / n < 0.02
    modes = collections.Counter(t.mode for t in r.twin_groups)
    assert modes["同班"] > modes["分开"]
    for t in r.twin_groups:
        assert len({r.students[i].school for i in t.members}) == 1
        assert len({r.students[i].name for i in t.members}) == len(t.members)
    names = [s.name for s in r.students]
    assert len(same_name_groups(names)) >= 10
    assert len(same_sound_groups(names)) >= 10
