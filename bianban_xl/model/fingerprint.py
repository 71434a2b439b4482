"""SHA-256 fingerprints of the normalised input and of the result.

The input fingerprint covers exactly what the balancing uses (parameters except the seed, the
students, the twin applications); formatting, column order, extra columns and the order of the
rows do not count: a registrar sorting 学生名单 by class before printing changes nothing (the
engine, too, sees the students in :func:`canonical_order`). The result fingerprint covers every
student's class.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from bianban_xl.model.records import Params, Roster


def _canon_number(x: float | None):
    if x is None:
        return None
    return int(x) if float(x).is_integer() else round(float(x), 6)


def _record(s, subjects) -> list:
    return [s.sid, s.name, s.gender, s.birth.isoformat() if s.birth else None, s.school, s.huji, s.level,
            [_canon_number(s.scores.get(subj)) for subj in subjects]]


# json.dumps(x, ensure_ascii=False, separators=(",", ":")) builds this encoder anew for every call
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _keys(students, subjects) -> list[str]:
    return [_ENCODE(_record(s, subjects)) for s in students]


def student_keys(roster: Roster, params: Params) -> list[str]:
    """Each student as the balancing sees him (no row number): the text the canonical order sorts."""
    return _keys(roster.students, params.subjects)


def _result_keys(roster: Roster) -> list[str]:
    """Each student as the result fingerprint names him: his 编号 when every student has one (so a
    misspelt name corrected after the run leaves the result as it was), else what he is."""
    if roster.students and all(s.sid for s in roster.students):
        return [s.sid for s in roster.students]
    return _keys(roster.students, roster.params.subjects if roster.params is not None else [])


def canonical_order(roster: Roster, params: Params) -> list[int]:
    """The students' indices sorted by what they are, not where they stand in the sheet. Students
    alike in every field keep their sheet order (they are interchangeable for the balancing)."""
    keys = student_keys(roster, params)
    return sorted(range(len(keys)), key=keys.__getitem__)


def input_payload(roster: Roster, params: Params) -> dict:
    keys = student_keys(roster, params)
    return {
        "params": {
            "班级数": params.n_classes, "班额上限": params.cap, "成绩科目": list(params.subjects),
            "同音分开": params.separate_homophones, "同音模糊": params.fuzzy_homophones,
            "班级名称": params.names(), "学校名称": params.school_name, "年级": params.grade_name,
        },
        "students": sorted(keys),
        "twins": sorted([g.mode, sorted(keys[i] for i in g.members)] for g in roster.twin_groups),
    }


def _sha(obj) -> str:
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def input_fingerprint(roster: Roster, params: Params) -> str:
    return _sha(input_payload(roster, params))


def result_fingerprint(roster: Roster, class_of: list[str]) -> str:
    """Every student with his class, in no particular row order (students as :func:`_result_keys`
    names them), so a correction of a name leaves the result (and its 核验码 signed on paper) as
    it was — the input fingerprint still shows it."""
    return _sha(sorted([k, c] for k, c in zip(_result_keys(roster), class_of)))


def sha(obj: Any) -> str:
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
