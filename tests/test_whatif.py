"""What-if works on a copy and shows what changed; what-needed plans are verified and checked."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.checker import check_answer
from kb.render import answer_json
from tests.conftest import AS_OF, ROOT, checked

BOLT = "facts/examples/ks_bolt_failing.dl"


def test_what_if_answers_on_a_copy_and_says_what_changed(base):
    facts = base.facts_from_path(str(ROOT / BOLT))
    before = len(facts)
    ans, data = checked(base, "if bolt had experience stars 4.5, could it join kuaishou distribution?",
                        facts_file=BOLT)
    assert data["what_if"]["changes"][0] == {"removed": ["ks_experience_stars(bolt, 3.8)"],
                                             "added": ["ks_experience_stars(bolt, 4.5)"],
                                             "text": "experience stars 4.5"}
    assert data["what_if"]["before"] == "no"
    conditions = {f["condition"] for alt in data["why_not"] for f in alt["failures"]}
    assert "ks_c3_experience_stars_ok(bolt)" not in conditions  # fixed by the hypothesis
    assert "ks_c2_store_type_ok(bolt)" in conditions  # still failing
    assert len(base.facts_from_path(str(ROOT / BOLT))) == before


def test_what_if_in_chinese_with_units(base):
    ans, data = checked(base, "如果bolt的体验星级是4.5星，店铺类型是enterprise，能入驻快分销吗？", facts_file=BOLT)
    assert data["lang"] == "zh" and len(data["what_if"]["changes"]) == 2


@pytest.mark.parametrize("question, words", [
    ("if bolt had experience stars 45, could it join kuaishou distribution?", "between 0 and 5"),
    ("if bolt had experience stars 4.5%, could it join kuaishou distribution?", "in stars, not %"),
    ("if bolt had store type company, could it join kuaishou distribution?", "must be one of"),
])
def test_what_if_values_are_checked_like_facts(base, question, words):
    from grammar.errors import QueryError

    facts = base.facts_from_path(str(ROOT / BOLT))
    with pytest.raises(QueryError) as e:
        base.ask(question, facts=facts, as_of=AS_OF)
    assert words in str(e.value)


def needed(base, question, facts_file=BOLT, as_of=AS_OF):
    facts = base.facts_from_path(str(ROOT / facts_file))
    return base.ask(question, facts=facts, as_of=as_of), facts


def test_what_needed_for_a_failing_store_is_verified_and_the_result_checks_out(base):
    ans, facts = needed(base, "what does bolt need to join kuaishou distribution?")
    plan = ans.needed
    assert plan is not None and plan.verified and plan.result == "yes"
    kinds = {(c.kind, c.input) for c in plan.changes}
    assert ("set", "ks_experience_stars") in kinds  # 3.8 -> >= 4
    assert ("set", "ks_return_rate_30d") in kinds  # 9.5 -> <= 8
    assert ("set", "ks_store_type") in kinds  # personal -> enterprise
    # 2026-03-10 + 1 year: on that day the record is outside (R - 1 year, R]
    assert any(c.kind == "wait" and c.date == dt.date(2027, 3, 10) for c in plan.changes)
    assert any(c.kind == "remove" and not c.controlled for c in plan.changes)  # the 40-point deduction has no window
    # re-check: the changed facts really give yes, and the independent checker accepts that proof
    from kb.whatif import Planner

    changed, as_of = Planner(base.program, facts, AS_OF, None, None).apply(plan.changes)
    after = base.ask("can bolt join kuaishou distribution?", facts=changed, as_of=as_of)
    data = answer_json(after, base.program)
    assert data["answer"] == "yes"
    assert check_answer(data, base.program, [f.head for f in changed], as_of) == []


def test_what_needed_names_the_waiting_day_for_a_violation(base):
    facts = base.facts_from_text(
        "ks_onboarded(s, true). ks_opening_completed(s, true). ks_store_status(s, normal)."
        " ks_store_type(s, enterprise)."
        " ks_main_category(s, other). ks_experience_stars(s, 4.5). ks_return_rate_30d(s, 1)."
        " ks_category_avg_return_rate_30d(s, 1). ks_negative_review_rate_30d(s, 1)."
        " ks_platform_avg_negative_review_rate_30d(s, 1). ks_violation(v, s). ks_violation_type(v, counterfeit_sale)."
        " ks_violation_date(v, 2025-12-03). ks_points_deducted(v, 5).")
    ans = base.ask("what does s need to join kuaishou distribution?", facts=facts, as_of=AS_OF)
    [change] = ans.needed.changes
    # "近1年" is the year ending on the reference date: the 2025-12-03 record counts through 2026-12-02
    assert change.kind == "wait" and change.date == dt.date(2026, 12, 3)
    assert ans.needed.verified


def test_what_needed_for_missing_inputs_says_what_to_state(base):
    ans, _ = needed(base, "cove需要什么才能入驻快分销？", "facts/examples/ks_cove_missing.dl")
    assert ans.answer == "unknown" and ans.lang == "zh"
    stated = {c.input for c in ans.needed.changes}
    assert "ks_experience_stars" in stated
    text = answer_json(ans, base.program)["text"]
    assert "需要做的改变" in text


def test_nothing_needed_when_already_yes(base):
    ans, _ = needed(base, "what does acme need to join kuaishou distribution?", "facts/examples/ks_acme_admitted.dl")
    assert ans.answer == "yes" and ans.needed is None
