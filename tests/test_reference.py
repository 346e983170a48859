"""The reference evaluator (kb/reference.py) against answers worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from grammar.model import Atom, Const, Value, Var
from kb.loader import Program, load_program
from kb.reference import evaluate, holds
from tests.helpers import cited

CITE = '%% @source 004_ab237df4ce40d813.txt "x"'
DAY = dt.date(2026, 1, 1)


def program(text: str) -> Program:
    """Load rule text, citing a seed above every clause (one clause per line)."""
    return load_program([("test.dl", cited(text, CITE))], seeds=False)


def facts(pred: str, *rows: tuple) -> list[Atom]:
    return [Atom(pred, tuple(Const(v) for v in row)) for row in rows]


def run(text: str, fs: list[Atom], as_of: dt.date = DAY) -> dict[str, set[tuple[Value, ...]]]:
    return evaluate(program(text), fs, as_of)


GRAPH = """
input node(x: string).
input edge(x: string, y: string).
"""
# a -> b -> c -> a is a cycle; c -> d leaves it; d has no out-edge
CYCLE = facts("node", ("a",), ("b",), ("c",), ("d",)) + facts("edge", ("a", "b"), ("b", "c"), ("c", "a"),
                                                               ("c", "d"))
REACH_FROM_CYCLE = {(x, y) for x in "abc" for y in "abcd"}


def test_join_with_filter():
    m = run("""
        input parent(x: string, y: string).
        input female(x: string).
        grandmother(X, Z) :- parent(X, Y), parent(Y, Z), female(X).
        """, facts("parent", ("ada", "bob"), ("bob", "cora"), ("cora", "dan"), ("bob", "eve"))
        + facts("female", ("ada",), ("cora",)))
    # ada -> bob -> {cora, eve}; bob -> cora -> dan but bob is not female; cora has no grandchild
    assert m["grandmother"] == {("ada", "cora"), ("ada", "eve")}


@pytest.mark.parametrize("recursive_rule", [
    "reach(X, Y) :- edge(X, Z), reach(Z, Y).",  # right recursion: pyDatalog's livelock shape
    "reach(X, Y) :- reach(X, Z), edge(Z, Y).",  # left recursion
    "reach(X, Y) :- reach(X, Z), reach(Z, Y).",  # doubly recursive
])
def test_transitive_closure_on_a_cycle(recursive_rule):
    m = run(GRAPH + "reach(X, Y) :- edge(X, Y).\n" + recursive_rule, CYCLE)
    assert m["reach"] == REACH_FROM_CYCLE


def test_negation_of_a_recursive_predicate_in_a_higher_stratum():
    p = program(GRAPH + """
        reach(X, Y) :- edge(X, Y).
        reach(X, Y) :- edge(X, Z), reach(Z, Y).
        unreach(X, Y) :- node(X), node(Y), not reach(X, Y).
        oneway(X) :- reach(X, Y), not reach(Y, X).
        """)
    assert p.strata["unreach"] > p.strata["reach"]
    m = evaluate(p, CYCLE, DAY)
    assert m["unreach"] == {("d", y) for y in "abcd"}  # d reaches nothing, not even itself
    assert m["oneway"] == {("a",), ("b",), ("c",)}  # each reaches d, which never comes back
    assert holds(m, Atom("reach", (Const("a"), Const("a"))))
    assert not holds(m, Atom("unreach", (Const("a"), Const("a"))))  # pyDatalog's bug B case


def test_two_cycle_negation_bug_b_shape():
    m = run(GRAPH + """
        reach(X, Y) :- edge(X, Y).
        reach(X, Y) :- edge(X, Z), reach(Z, Y).
        unreach(X, Y) :- node(X), node(Y), not reach(X, Y).
        """, facts("node", ("a",), ("b",)) + facts("edge", ("a", "b"), ("b", "a")))
    assert m["reach"] == {("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")}
    assert m.get("unreach", set()) == set()


def test_negation_with_anonymous_variables_is_existential():
    m = run(GRAPH + "lonely(X) :- node(X), not edge(X, _), not edge(_, X).\n"
            "sink(X) :- node(X), not edge(X, _).",
            CYCLE + facts("node", ("e",)))
    assert m["lonely"] == {("e",)}
    assert m["sink"] == {("d",), ("e",)}


def test_mutual_recursion_odd_and_even_path_lengths():
    m = run(GRAPH + """
        odd(X, Y) :- edge(X, Y).
        odd(X, Y) :- even(X, Z), edge(Z, Y).
        even(X, Y) :- odd(X, Z), edge(Z, Y).
        """, facts("edge", ("a", "b"), ("b", "c"), ("c", "d")))
    assert m["odd"] == {("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")}
    assert m["even"] == {("a", "c"), ("b", "d")}


def test_three_strata_and_facts_of_derived_predicates():
    m = run(GRAPH + """
        bad(a).
        bad(X) :- edge(Y, X), bad(Y).
        safe(X) :- node(X), not bad(X).
        sreach(X, Y) :- safe(X), safe(Y), edge(X, Y).
        sreach(X, Y) :- sreach(X, Z), safe(Y), edge(Z, Y).
        isolated(X) :- safe(X), not sreach(X, _), not sreach(_, X).
        """, facts("node", *[(x,) for x in "abcdefg"])
        + facts("edge", ("a", "b"), ("b", "c"), ("d", "e"), ("e", "f"), ("f", "d"), ("c", "g")))
    assert m["bad"] == {("a",), ("b",), ("c",), ("g",)}
    assert m["safe"] == {("d",), ("e",), ("f",)}
    assert m["sreach"] == {(x, y) for x in "def" for y in "def"}
    assert m.get("isolated", set()) == set()


OUTDEG = GRAPH + """
outdeg(X, N) :- node(X), N = count { Y : edge(X, Y) }.
edges(N) :- N = count { X, Y : edge(X, Y) }.
hub(X) :- outdeg(X, N), N >= 2.
"""


def test_count_grouped_with_empty_groups():
    m = run(OUTDEG, CYCLE + facts("node", ("e",)))
    assert m["outdeg"] == {("a", D(1)), ("b", D(1)), ("c", D(2)), ("d", D(0)), ("e", D(0))}
    assert m["edges"] == {(D(4),)}  # no group variable: exactly one answer, never an extra 0
    assert m["hub"] == {("c",)}


def test_count_of_an_empty_relation_is_zero():
    m = run(OUTDEG, facts("node", ("a",)))
    assert m["outdeg"] == {("a", D(0))}
    assert m["edges"] == {(D(0),)}
    assert m.get("hub", set()) == set()


ORDERS = """
input shop(s: string).
input order(s: string, o: string, amount: number).
spend(S, T) :- shop(S), T = sum { A, O : order(S, O, A) }.
per_shop_amounts(T) :- T = sum { A, S : order(S, _, A) }.
buyers(N) :- N = count { S : order(S, _, _) }.
"""


def test_sum_over_distinct_tuples_with_exact_decimals():
    m = run(ORDERS, facts("shop", ("s1",), ("s2",), ("s3",))
            + facts("order", ("s1", "o1", D(100)), ("s1", "o2", D(50)), ("s1", "o3", D(50)),
                    ("s2", "o4", D("0.1")), ("s2", "o5", D("0.2"))))
    # (O, A) tuples are distinct per order, so both 50s count; s3 has no order: 0
    assert m["spend"] == {("s1", D(200)), ("s2", D("0.3")), ("s3", D(0))}
    # distinct (S, A) tuples: (s1, 100), (s1, 50), (s2, 0.1), (s2, 0.2); the second 50 is the same tuple
    assert m["per_shop_amounts"] == {(D("150.3"),)}
    assert m["buyers"] == {(D(2),)}
    assert holds(m, Atom("spend", (Const("s2"), Const(D("0.30")))))


def test_aggregate_body_written_out_of_order():
    m = run("""
        input n(x: number).
        big(N) :- N = count { X : X > 3, n(X) }.
        """, facts("n", *[(D(i),) for i in range(6)]))
    assert m["big"] == {(D(2),)}  # 4 and 5


def test_exact_decimal_arithmetic():
    m = run("""
        input v(x: number).
        third(X) :- X = 0.1 + 0.2.
        exact :- X = 0.1 + 0.2, X = 0.3.
        four(X) :- v(X), X = 4.
        ratio(X, R) :- v(X), R = 1 / X.
        """, facts("v", (D("4.0"),), (D(0),), (D(3),)))
    assert m["third"] == {(D("0.3"),)}
    assert m["exact"] == {()}
    assert m["four"] == {(D(4),)}  # 4.0 = 4
    # 1 / 0 is undefined: the literal fails, no answer and no error value
    assert m["ratio"] == {(D(4), D("0.25")), (D(3), D(1) / D(3))}


def test_type_errors_fail_the_literal():
    m = run("""
        input val(x: string).
        big(X) :- val(X), X > 3.
        is_four(X) :- val(X), X = 4.
        not_four(X) :- val(X), X != 4.
        """, facts("val", ("abc",), (D(5),), ("4",)))
    assert m["big"] == {(D(5),)}  # "abc" > 3 is undefined, not an error
    assert m.get("is_four", set()) == set()  # the string "4" is not the number 4
    assert m["not_four"] == {("abc",), (D(5),), ("4",)}


def test_dates_add_years_and_as_of():
    text = """
        input opened(s: string, d: date).
        anniversary(S, D2) :- opened(S, D), D2 = add_years(D, 1).
        active(S) :- opened(S, D), as_of(T), T < add_years(D, 1).
        %% @valid_from 2025-01-01
        new_regime(S) :- opened(S, _).
        """
    fs = facts("opened", ("s1", dt.date(2024, 2, 29)), ("s2", dt.date(2023, 6, 1)))
    m = run(text, fs, dt.date(2025, 1, 1))
    assert m["anniversary"] == {("s1", dt.date(2025, 2, 28)), ("s2", dt.date(2024, 6, 1))}
    assert m["active"] == {("s1",)}
    assert m["new_regime"] == {("s1",), ("s2",)}
    assert m["as_of"] == {(dt.date(2025, 1, 1),)}
    earlier = run(text, fs, dt.date(2024, 12, 31))
    assert earlier.get("new_regime", set()) == set()
    assert earlier["active"] == {("s1",)}
    later = run(text, fs, dt.date(2025, 2, 28))
    assert later.get("active", set()) == set()  # the anniversary itself is not before it


def test_holds_uses_value_equality():
    m = run("input v(x: number).\nw(X) :- v(X).", facts("v", (D("4.0"),), (dt.date(2025, 1, 1),)))
    assert holds(m, Atom("w", (Const(D(4)),)))
    assert not holds(m, Atom("w", (Const("4"),)))
    assert not holds(m, Atom("w", (Const(dt.datetime(2025, 1, 1)),)))  # a date-time is not a date
    assert holds(m, Atom("w", (Var("X"),)))
    assert not holds(m, Atom("nosuch", ()))
