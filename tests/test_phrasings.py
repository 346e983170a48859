"""The question language: ≥ 300 phrasings mapped to goals, round trips, error labels by
example, and fuzzing (nothing but the project's own error ever escapes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grammar.errors import QueryError
from grammar.question import ERROR_EXAMPLES, canonical_question, parse_number

TABLE = Path(__file__).parent / "questions" / "phrasings.tsv"
FACTS = 'ks_store_type(acme, enterprise).\nks_store_type(bolt, enterprise).\nks_store_type("店铺甲", enterprise).'


def rows():
    out = []
    for line in TABLE.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            out.append(tuple(line.split("\t")))
    return out


@pytest.fixture(scope="module")
def facts(base):
    return base.facts_from_text(FACTS)


def test_the_table_is_large_and_mixed():
    table = rows()
    assert len(table) >= 300
    scripts = {"en": 0, "zh": 0, "tw": 0}
    for text, _, _ in table:
        if any(c in text for c in "為駐銷鋪體麼"):
            scripts["tw"] += 1
        elif any("\u4e00" <= c <= "\u9fff" for c in text):
            scripts["zh"] += 1
        else:
            scripts["en"] += 1
    assert min(scripts.values()) >= 30, scripts


@pytest.mark.parametrize("text, kind, goal", rows())
def test_phrasing_means_its_goal(base, facts, text, kind, goal):
    q = base.parse(text, facts)
    assert (q.kind, str(q.goal)) == (kind, goal)


REALISTIC = Path(__file__).parent / "questions" / "realistic.tsv"


@pytest.mark.parametrize("text, kind, goal", [tuple(line.split("\t")) for line in REALISTIC.read_text(
    "utf-8").splitlines() if line and not line.startswith("#")])
def test_realistic_questions_across_the_documents(base, text, kind, goal):
    facts = base.facts_from_text("jd_mc_access_mode(acme, mode3). jd_task_live_session(l1, starx).\n"
                                 "ks_store_type(acme, enterprise). ks_store_type(bolt, personal).")
    q = base.parse(text, facts)
    assert (q.kind, str(q.goal)) == (kind, goal)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_round_trip_goal_to_question_to_goal(base, facts, lang):
    lex = base.lexicon(facts)
    seen = 0
    for phrase in lex.phrases:
        if phrase.lang != lang:
            continue
        from grammar.model import Atom, Const, Var

        goal = Atom(phrase.pred, (Const("acme"),) + tuple(Var(f"X{i}") for i in range(1, phrase.arity)))
        question = canonical_question(goal, lex, lang)
        assert base.parse(question, facts).goal == goal, question
        seen += 1
    for lg, _text, goal in lex.templates:
        if lg == lang:
            assert base.parse(canonical_question(goal, lex, lang), facts).goal == goal
    assert seen >= 5


@pytest.mark.parametrize("label, example", [(k, x) for k, xs in ERROR_EXAMPLES.items() for x in xs])
def test_errors_are_named_by_example(base, facts, label, example):
    with pytest.raises(QueryError) as e:
        base.parse(example, facts)
    assert getattr(e.value, "label", None) == label
    assert "^" in str(e.value)


@pytest.mark.parametrize("text, value, unit", [
    ("4.5星", "4.5", "星"), ("5w", "50000", None), ("5万", "50000", None), ("50,000", "50000", None),
    ("2%", "2", "%"), ("3天", "3", "天"), ("2小时", "2", "小时"), ("1,234.5", "1234.5", None),
])
def test_numbers_as_people_write_them(text, value, unit):
    from decimal import Decimal

    assert parse_number(text) == (Decimal(value), unit)


QUESTIONS = [r[0] for r in rows()[::7]]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_random_text_raises_only_our_error(base, facts, text):
    try:
        base.parse(text, facts)
    except QueryError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base_q=st.sampled_from(QUESTIONS), at=st.integers(0, 80), junk=st.text(max_size=3),
       cut=st.integers(0, 3))
def test_mutated_questions_raise_only_our_error(base, facts, base_q, at, junk, cut):
    at = min(at, len(base_q))
    text = base_q[:at] + junk + base_q[at + cut:]
    try:
        base.parse(text, facts)
    except QueryError:
        pass
