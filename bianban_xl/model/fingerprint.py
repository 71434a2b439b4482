"""SHA-256 fingerprints of the normalised input and of the result.

The input fingerprint covers exactly what the balancing uses (parameters except the seed, the
students in sheet order, the twin applications); formatting, column order and extra columns do
not count. The result fingerprint covers every student's class.
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


def input_payload(roster: Roster, params: Params) -> dict:
    return {
        "params": {
            "班级数": params.n_classes, "班额上限": params.cap, "成绩科目": list(params.subjects),
            "同音分开": params.separate_homophones, "同音模糊": params.fuzzy_homophones,
            "班级名称": params.names(), "学校名称": params.school_name, "年级": params.grade_name,
        },
        "students": [
            [s.sid, s.name, s.gender, s.birth.isoformat() if s.birth else None, s.school, s.huji, s.level,
             [_canon_number(s.scores.get(subj)) for subj in params.subjects]]
            for s in roster.students
        ],
        "twins": [[g.gid, g.mode, [roster.students[i].key for i in g.members]] for g in roster.twin_groups],
    }


def _sha(obj) -> str:
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def input_fingerprint(roster: Roster, params: Params) -> str:
    return _sha(input_payload(roster, params))


def result_fingerprint(roster: Roster, class_of: list[str]) -> str:
    return _sha([[s.key, s.name, c] for s, c in zip(roster.students, class_of)])


def sha(obj: Any) -> str:
    data = json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
