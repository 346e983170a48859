"""The independent checker must reject proofs that are wrong, not just accept right ones."""

from __future__ import annotations

import copy

import pytest

from kb.checker import check_answer
from tests.conftest import AS_OF, checked

ACME = "facts/examples/ks_acme_admitted.dl"
BOLT = "facts/examples/ks_bolt_failing.dl"


def facts_of(base, path):
    from tests.conftest import ROOT

    return [f.head for f in base.facts_from_path(str(ROOT / path))]


@pytest.fixture(scope="module")
def yes(base):
    _, data = checked(base, "ks_distribution_eligible(acme)", facts_file=ACME)
    return data


def find(node, pred):
    if node.get("goal", "").startswith(pred):
        return node
    for p in node.get("premises", []):
        hit = find(p, pred)
        if hit:
            return hit
    return None


def tamper(data, fn):
    bad = copy.deepcopy(data)
    fn(bad)
    return bad


@pytest.mark.parametrize("name, mutate, word", [
    ("fact not stated", lambda d: find(d["proof"], "ks_experience_stars").update(goal="ks_experience_stars(acme, 4.9)"),
     "is not a stated fact"),
    ("unknown clause", lambda d: d["proof"].update(clause="ks.nope"), "no clause with id"),
    ("premise dropped", lambda d: d["proof"]["premises"].pop(), "conditions, the proof gives"),
    ("false calculation", lambda d: find(d["proof"], "ks_c3").update(
        premises=[find(d["proof"], "ks_experience_stars(acme"), {"kind": "builtin", "goal": "3.8 >= 4"}]),
     "expected the calculation"),
    ("binding lies", lambda d: d["proof"]["premises"][0]["bindings"].update(S="bolt"), "binding S"),
    ("answer flipped", lambda d: d.update(answer="no"), "holds in the reference model"),
])
def test_checker_rejects_tampered_proofs(base, yes, name, mutate, word):
    bad = tamper(yes, mutate)
    problems = check_answer(bad, base.program, facts_of(base, ACME), AS_OF)
    assert any(word in p for p in problems), (name, problems)


def test_checker_rejects_an_absent_leaf_that_holds(base):
    _, data = checked(base, "ks_c5_no_single_deduction_ge_40(acme)", facts_file=ACME)
    facts = facts_of(base, ACME) + facts_of(base, BOLT)
    # with bolt's 40-point record added, "no record of a 40-point deduction" for bolt is false
    bad = copy.deepcopy(data)
    bad["goal"] = bad["proof"]["goal"] = "ks_c5_no_single_deduction_ge_40(bolt)"
    problems = check_answer(bad, base.program, facts, AS_OF)
    assert problems


def test_checker_rejects_a_false_why_not(base):
    _, data = checked(base, "ks_c3_experience_stars_ok(bolt)", facts_file=BOLT)
    bad = copy.deepcopy(data)
    failure = bad["why_not"][0]["failures"][0]
    failure["observed"] = 4.5  # 4.5 >= 4 holds: not a failure
    assert any("not a failure" in p for p in check_answer(bad, base.program, facts_of(base, BOLT), AS_OF))


def test_checker_rejects_a_false_missing_claim(base):
    _, data = checked(base, "ks_distribution_eligible(cove)", facts_file="facts/examples/ks_cove_missing.dl")
    facts = facts_of(base, "facts/examples/ks_cove_missing.dl")
    from decimal import Decimal

    from grammar.model import Atom, Const

    facts.append(Atom("ks_experience_stars", (Const("cove"), Const(Decimal("4.5")))))
    problems = check_answer(data, base.program, facts, AS_OF)
    assert any("is stated" in p or "holds in the reference model" in p for p in problems), problems
