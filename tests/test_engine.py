"""The engine wrapper: isolation, threads, built-ins, and pyDatalog's traps."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from grammar.errors import EvaluationError
from grammar.model import Atom, Const, Var
from kb import KnowledgeBase
from tests.helpers import cited

SRC = '%% @source 004_ab237df4ce40d813.txt "3、購物體會(huì)星級(jí)≥4"\n'


def kb_of(text: str) -> KnowledgeBase:
    return KnowledgeBase.from_files([("t.dl", cited(text))])


PROGRAM = """
type s.
input val(x: s, v: number).
%% @many
input tag(x: s, t: string).
big(X) :- val(X, V), V > 10.
small(X) :- val(X, _), not big(X).
n_tags(X, N) :- val(X, _), N = count { T : tag(X, T) }.
total(T) :- T = sum { V, X : val(X, V) }.
"""


def solve(base: KnowledgeBase, facts: str, goal: Atom, as_of=dt.date(2026, 1, 1)):
    return base.ask(goal, base.facts_from_text(facts), as_of)


def test_two_knowledge_bases_are_isolated():
    a = kb_of(PROGRAM)
    b = kb_of(PROGRAM.replace("V > 10", "V > 100"))
    facts = "val(p, 50)."
    assert solve(a, facts, Atom("big", (Const("p"),))).answer == "yes"
    assert solve(b, facts, Atom("big", (Const("p"),))).answer == "no"
    assert solve(a, facts, Atom("big", (Const("p"),))).answer == "yes"


def test_facts_of_one_question_do_not_leak_into_the_next():
    a = kb_of(PROGRAM)
    assert solve(a, "val(p, 50).", Atom("big", (Const("p"),))).answer == "yes"
    assert solve(a, "val(q, 1).", Atom("big", (Var("X"),))).bindings == []


def test_aggregates_count_and_sum_with_empty_groups():
    a = kb_of(PROGRAM)
    facts = 'val(p, 1). val(q, 2.5). tag(p, "x"). tag(p, "y").'
    ans = solve(a, facts, Atom("n_tags", (Var("X"), Var("N"))))
    assert ans.bindings == [{"X": "p", "N": Decimal(2)}, {"X": "q", "N": Decimal(0)}]
    assert solve(a, facts, Atom("total", (Var("T"),))).bindings == [{"T": Decimal("3.5")}]


def test_exact_decimals():
    a = kb_of("type s.\ninput v(x: s, a: number).\nok(X) :- v(X, A), A + 0.2 = 0.3.")
    assert solve(a, "v(p, 0.1).", Atom("ok", (Const("p"),))).answer == "yes"


def test_right_recursion_on_a_cycle_terminates_and_negation_is_right():
    a = kb_of("""
type n.
optional input edge(x: n, y: n).
reach(X, Y) :- edge(X, Y).
reach(X, Y) :- edge(X, Z), reach(Z, Y).
node(X) :- edge(X, _).
unreach(X, Y) :- node(X), node(Y), not reach(X, Y).
""")
    facts = "edge(a, b). edge(b, c). edge(c, a). edge(d, a)."
    assert solve(a, facts, Atom("reach", (Const("a"), Const("a")))).answer == "yes"
    ans = solve(a, facts, Atom("unreach", (Const("a"), Var("Y"))))
    assert [b["Y"] for b in ans.bindings] == ["d"]


def test_other_thread_is_refused_with_a_clear_error():
    a = kb_of(PROGRAM)
    errors = []

    def use():
        try:
            solve(a, "val(p, 1).", Atom("big", (Const("p"),)))
        except EvaluationError as e:
            errors.append(str(e))

    t = threading.Thread(target=use)
    t.start()
    t.join()
    assert errors and "another thread" in errors[0]


def test_default_is_one_engine_per_thread():
    results = []

    def use():
        base = KnowledgeBase.default()
        facts = base.facts_from_text("ks_experience_stars(t, 4.2).")
        results.append(base.ask("ks_c3_experience_stars_ok(t)", facts=facts).answer)

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["yes"] * 4


def test_builtin_type_errors_fail_instead_of_becoming_values():
    a = kb_of('type s.\ninput v(x: s, a: string).\nok(X) :- v(X, A), A > 3.')
    assert solve(a, 'v(p, "abc").', Atom("ok", (Const("p"),))).answer == "no"


def test_unicode_length_counts_characters():
    a = kb_of('type s.\ninput name(x: s, n: string).\nshort(X) :- name(X, N), len(N) =< 10.')
    assert solve(a, 'name(p, "开卡有礼开卡有礼开卡").', Atom("short", (Const("p"),))).answer == "yes"
    assert solve(a, 'name(p, "开卡有礼开卡有礼开卡有").', Atom("short", (Const("p"),))).answer == "no"


@pytest.mark.parametrize("as_of, expected", [("2021-05-20", "no"), ("2021-05-21", "yes")])
def test_valid_from_uses_the_as_of_date(as_of, expected):
    a = KnowledgeBase.from_files([("t.dl", "type s.\ninput v(x: s, a: number).\n%% @valid_from 2021-05-21\n"
                                   + SRC + "ok(X) :- v(X, _).\n")])
    ans = a.ask(Atom("ok", (Const("p"),)), a.facts_from_text("v(p, 1)."), dt.date.fromisoformat(as_of))
    assert ans.answer == expected


def test_a_runaway_question_is_stopped_not_hung(monkeypatch):
    import time

    a = kb_of("""
type n.
optional input edge(x: n, y: n).
reach(X, Y) :- edge(X, Y).
reach(X, Y) :- reach(X, Z), edge(Z, Y).
""")
    monkeypatch.setattr(type(a), "timeout", 1.0)
    monkeypatch.setattr(type(a), "_answer", lambda self, q, facts, as_of: time.sleep(60))
    start = time.monotonic()
    with pytest.raises(EvaluationError, match="did not finish within 1 s"):
        a.ask(Atom("reach", (Const("a"), Const("b"))), a.facts_from_text("edge(a, b)."))
    assert time.monotonic() - start < 10


def test_recursive_questions_answer_through_the_guard():
    a = kb_of("""
type n.
optional input edge(x: n, y: n).
reach(X, Y) :- edge(X, Y).
reach(X, Y) :- edge(X, Z), reach(Z, Y).
""")
    ans = a.ask(Atom("reach", (Const("a"), Const("c"))), a.facts_from_text("edge(a, b). edge(b, c). edge(c, a)."))
    assert ans.answer == "yes" and ans.proof is not None and ans.proof.clause
