"""The test suite's scenario runner (tests/scenarios/*.yaml, collected by conftest.py): every case
is asked as `kb coverage` asks it (kb/coverage.py), then its published answer is put through the
independent proof checker and held to everything the case says (missing inputs, bindings, the
inventory statements it must rest on)."""

from __future__ import annotations

from typing import Any

from kb.api import QUESTION_POS, KnowledgeBase
from kb.checker import check_answer
from kb.coverage import Outcome, answer_case, case_date, clauses_in
from kb.loader import Program


def run_case(base: KnowledgeBase, case: dict[str, Any]) -> Outcome:
    out, ans = answer_case(base, case)
    if ans is None or out.data is None:
        return out
    data = out.data
    # the facts the answer used: the file's, and any the question itself stated
    facts = base.facts_from_text(case.get("facts", "") or "", f"<scenario {case.get('name', '')}>")
    stated = [*facts, *(f for f in ans.facts if f.pos == QUESTION_POS)]
    out.problems += check_answer(data, base.program, [f.head for f in stated], case_date(case))
    if "missing" in case and set(data["missing"]) != set(case["missing"]):
        out.problems.append(f"missing inputs {data['missing']}, expected {case['missing']}")
    if "bindings" in case:
        got = [{k: str(v) for k, v in b.items()} for b in data["bindings"]]
        want = [{k: str(v) for k, v in b.items()} for b in case["bindings"]]
        if got != want:
            out.problems.append(f"bindings {got}, expected {want}")
    cited = rules_cited(base.program, data)
    lacking = set(case.get("cites", [])) - cited
    if lacking:
        out.problems.append(f"the answer does not rest on {sorted(lacking)} (it cites {sorted(cited)})")
    return out


def rules_cited(program: Program, data: dict[str, Any]) -> set[str]:
    """The inventory statements of every clause an answer proves with or shows blocked."""
    proven, blocked = clauses_in(data, with_facts=True)
    out: set[str] = set()
    for cid in proven | blocked:
        c = program.clause(cid)
        if c is not None:
            out |= set(c.notes.rules)
    return out
