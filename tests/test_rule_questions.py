"""Questions about the rules themselves, asked of no subject and answered from the clauses
(kb/rulebook.py): a rule's conditions and the thresholds the rules set on an input. Expected
answers come from the seed text; every answer also passes the independent checker."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import checked


@pytest.mark.parametrize("question", [
    "快分销需要满足哪些条件？",
    "快分銷的准入條件有哪些",  # Traditional script
    "what are the conditions to join kuaishou distribution?",
    "kuaishou distribution requirements?",
])
def test_the_eight_kuaishou_conditions_are_listed_with_their_quotes(base, question):
    # 004: "商家店铺需同时满足以下条件" followed by the numbered conditions 1 to 8
    ans, data = checked(base, question)
    assert data["kind"] == "conditions" and ans.goal.pred == "ks_distribution_eligible"
    assert [r["pred"] for r in data["rule"]] == [
        "ks_c1_store_open_normal", "ks_c2_store_type_ok", "ks_c3_experience_stars_ok",
        "ks_c4_no_serious_violation_past_year", "ks_c5_no_single_deduction_ge_40", "ks_c6_return_rate_ok",
        "ks_c7_negative_review_rate_ok", "ks_c8_linked_accounts_clean"]
    assert all(r["sources"] and r["sources"][0]["file"].startswith("004_") for r in data["rule"])


@pytest.mark.parametrize("question", [
    "what's the minimum star rating for 快分销?",
    "快分销对体验星级的最低要求是多少",
    "what is the lowest experience star rating kuaishou distribution accepts?",
    "体验星级要几星才能开快分销啊",  # "how many stars", the modal of 才能 asks no yes or no
    "快分销要几星？",
])
def test_the_minimum_star_rating_is_four_from_condition_3(base, question):
    # 004: "3、購物體會星級≥4"
    ans, data = checked(base, question)
    assert data["kind"] == "threshold"
    assert [(r["pred"], r["op"], r["value"], r["clause"]) for r in data["rule"]] == [
        ("ks_experience_stars", ">=", 4, "ks.c3.experience_stars")]
    assert "≥ 4" in data["text"] and "購物體會星級≥4" in data["text"]


def test_a_bound_relative_to_an_average_is_given_in_words(base):
    # 004: "品退率不高于該類目的平均品退率的2倍": no constant threshold, the rule itself
    _, data = checked(base, "what is the maximum return rate for kuaishou distribution?")
    assert [(r["clause"], r["op"]) for r in data["rule"]] == [("ks.c6.return_rate", None)]


def test_a_threshold_question_about_our_own_store_is_not_a_rule_question(base):
    ans, _ = checked(base, "is 4.5 stars above the minimum for kuaishou distribution?",
                     "ks_store_type(s1, enterprise).")
    assert ans.kind not in ("threshold", "conditions")


def test_the_checker_refuses_a_threshold_the_clause_does_not_set(base):
    from kb.checker import check_answer
    from kb.render import answer_json

    ans = base.ask("what's the minimum star rating for 快分销?")
    data = answer_json(ans, base.program)
    data["rule"][0]["value"] = 3
    assert any("sets no" in p for p in check_answer(data, base.program, [], ans.as_of))
    assert ans.rule[0].value == Decimal(4)


def test_a_bound_on_how_many_is_read_from_the_count_in_the_clause(base):
    # 001: "一个礼包最多可以同时添加3种"
    _, data = checked(base, "max number of reward types in one gift package?")
    assert data["kind"] == "threshold"
    assert [(r["pred"], r["op"], r["value"], r["unit"]) for r in data["rule"]] == [
        ("jd_ocg_package_reward", "=<", 3, "count")]


def test_two_questions_in_one_message_answer_the_list_one(base):
    # "对哪些商家开放？自营的能用不？": the list of store kinds answers both
    q = base.parse("开卡有礼这个功能对哪些商家开放？自营的能用不？")
    assert q.goal.pred == "jd_ocg_open_store_kind" and not q.goal.is_ground()


@pytest.mark.parametrize("question", ["how many times can we negotiate one service order?", "售后协商最多几次？"])
def test_how_many_negotiations_an_order_gets_is_answered_from_the_text(base, question):
    # 002: "同一服务单只有一次讨论机会"
    _, data = checked(base, question)
    assert data["goal"] == "jd_pop_negotiations_per_order(N)" and [b["N"] for b in data["bindings"]] == [1]


@pytest.mark.parametrize("question", ["什么才算有效直播场次？", "怎样才算有效场次？"])
def test_what_counts_as_an_effective_session_lists_its_two_conditions(base, question):
    # 003: "開播時間≥2h" and "GMV>0,僅核算帶貨京東產品的銷售額"
    ans, data = checked(base, question)
    assert data["kind"] == "conditions" and ans.goal.pred == "jd_task_session_effective"
    assert [r["pred"] for r in data["rule"]] == ["jd_task_session_long_enough", "jd_task_session_has_jd_sales"]


@pytest.mark.parametrize("question", ["快分销准入条件第8条是什么", "快分销第8条是什么"])
def test_a_condition_named_by_its_number_is_listed_with_its_clause(base, question):
    # 004: the eighth numbered condition is about the accounts under the same real-name subject
    ans, data = checked(base, question)
    assert data["kind"] == "conditions" and ans.goal.pred == "ks_c8_linked_accounts_clean"
    assert all(r["sources"] and r["sources"][0]["file"].startswith("004_") for r in data["rule"])
