"""The question language: ≥ 300 phrasings mapped to goals, unreadable questions answered with a
located "did you mean", and fuzzing (nothing but the project's own error ever escapes).
Round trips (goal -> canonical question -> goal) are in tests/test_reading.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grammar.errors import QueryError

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


# cut short or naming nothing askable: a located error and nearest questions, never an answer
UNREADABLE = ["can store acme", "can acme?", "why can't acme", "acme能", "为什么acme不能",
              "if acme had experience stars 4.5", "can join?", "哪些？"]


@pytest.mark.parametrize("text", UNREADABLE)
def test_a_question_cut_short_gets_a_located_error_not_an_answer(base, facts, text):
    with pytest.raises(QueryError) as e:
        base.parse(text, facts)
    assert "^" in str(e.value) and e.value.hint


@pytest.mark.parametrize("text", ["ks_c3_experience_stars_ok(acme", "ks_c3_experience_stars_ok(acme,"])
def test_a_goal_without_its_closing_parenthesis_says_so(base, text):
    with pytest.raises(QueryError, match="closing parenthesis"):
        base.parse(text)


@pytest.mark.parametrize("text, value, unit", [
    ("4.5星", "4.5", "stars"), ("5w", "50000", None), ("5万", "50000", None), ("50,000", "50000", None),
    ("2%", "2", "%"), ("3天", "3", "days"), ("2小时", "2", "hours"), ("1,234.5", "1234.5", None),
])
def test_numbers_as_people_write_them(text, value, unit):
    import datetime as dt
    from decimal import Decimal

    from grammar.normalise import normalise
    from grammar.values import find_values

    [found] = find_values(normalise(text), dt.date(2026, 11, 23))
    assert (found.kind, found.value, found.unit) == ("number", Decimal(value), unit)


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
