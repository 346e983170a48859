"""Run datalog-conformance programs through Guize's own checks and kb.engine.

The suite writes rules Soufflé-style (``High(src, dest, port) :- In(src, dest, port), not
Low(src, dest, port), Trusted(_, _, port).``): variables may be lowercase, predicates may be
capitalised, ``_`` is anonymous, comparisons are ``= != < <= > >=`` and arguments may be
arithmetic. This module parses them with its own small Lark grammar (the Guize rule grammar is
deliberately stricter) and translates them to the term model:

* predicate ``Name`` becomes ``p_Name`` (no clash with ``as_of`` or the engine's internals);
* variable ``x`` becomes ``V_x``; each ``_`` becomes a fresh anonymous ``_1``, ``_2`` ...;
* a variable that occurs only inside one negated literal is existential ("no such value"),
  as in Nemo: it is renamed ``_E_x`` (anonymous to kb.analysis), so ``not s3(X, 5, P)`` reads
  "no s3 tuple with these X and 5";
* an arithmetic argument ``f(n - 1)`` becomes ``f(T1), T1 = n - 1``.

Then it runs the project's checks (an arity check here, kb.analysis.schedule for safety,
kb.analysis.stratify for stratification), raising exceptions whose ``code`` is the suite's
expected error code, and evaluates with kb.engine.Engine in a forked child with a time limit
(``GuizeEvaluator``) or with kb.reference (``ReferenceEvaluator``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing as mp
import traceback
from collections import Counter
from decimal import Decimal
from functools import cache
from types import SimpleNamespace

from lark import Lark, Transformer

from grammar.model import Atom, Call, Clause, Compare, Const, Literal, Neg, Term, Var, literal_vars, term_vars
from kb import reference
from kb.analysis import schedule, stratify
from kb.engine import Engine

DAY = dt.date(2026, 1, 1)

GRAMMAR = r"""
start: atom (":-" body)? "."?
body: literal ("," literal)*
?literal: atom
        | ("not" | "!") atom -> neg
        | comparison
        | "(" comparison ")"
comparison: expr CMP expr
atom: NAME "(" [expr ("," expr)*] ")"
?expr: product
     | expr ADD product -> binop
?product: unary
        | product MUL unary -> binop
?unary: primary
      | "-" unary -> negate
?primary: NAME -> var
        | NUMBER -> number
        | STRING -> string
        | "(" expr ")"
CMP: "!=" | "<=" | ">=" | "<" | ">" | "="
ADD: "+" | "-"
MUL: "*" | "/"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /\d+(\.\d+)?/
STRING: /"[^"]*"/
%import common.WS
%ignore WS
"""

_OPS = {"<=": "=<"}


# ---------------------------------------------------------------------------------------- errors

class ConformanceError(Exception):
    """A program the project's checks reject; ``code`` is the suite's error code."""

    code = "error"


class ArityMismatch(ConformanceError):
    code = "arity_mismatch"


class CyclicNegation(ConformanceError):
    code = "cyclic_negation"


class UnboundVariable(ConformanceError):
    code = "unbound_variable"


class SafetyViolations(ConformanceError):
    code = "safety_violations"  # an anonymous variable in a head


class SafetyViolationError(ConformanceError):
    code = "SafetyViolationError"  # a variable of a negated literal that nothing binds


class EngineTimeout(ConformanceError):
    code = "timeout"


# ---------------------------------------------------------------------------------------- parsing

@cache
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr")


class _ToModel(Transformer):
    def __init__(self) -> None:
        super().__init__()
        self.fresh = itertools.count(1)

    def number(self, xs):
        return Const(Decimal(str(xs[0])))

    def string(self, xs):
        return Const(str(xs[0])[1:-1])

    def var(self, xs):
        name = str(xs[0])
        return Var(f"_{next(self.fresh)}") if name == "_" else Var("V_" + name)

    def binop(self, xs):
        return Call(str(xs[1]), (xs[0], xs[2]))

    def negate(self, xs):
        x = xs[0]
        if isinstance(x, Const) and isinstance(x.value, Decimal):
            return Const(-x.value)
        return Call("-", (Const(Decimal(0)), x))

    def atom(self, xs):
        return Atom("p_" + str(xs[0]), tuple(x for x in xs[1:] if x is not None))

    def neg(self, xs):
        return Neg(xs[0])

    def comparison(self, xs):
        op = str(xs[1])
        return Compare(_OPS.get(op, op), xs[0], xs[2])

    def body(self, xs):
        return tuple(xs)

    def start(self, xs):
        return xs[0], (xs[1] if len(xs) > 1 and xs[1] is not None else ())


def parse_rule(text: str) -> Clause:
    """One Soufflé-style rule -> a term-model clause (arithmetic arguments moved to the body)."""
    head, body = _ToModel().transform(_parser().parse(text.strip()))
    fresh = itertools.count(1)
    extra: list[Literal] = []

    def flatten(a: Atom) -> Atom:
        args = []
        for t in a.args:
            if isinstance(t, Call):
                v = Var(f"T{next(fresh)}")
                extra.append(Compare("=", v, t))
                args.append(v)
            else:
                args.append(t)
        return Atom(a.pred, tuple(args))

    out: list[Literal] = []
    for lit in body:
        if isinstance(lit, Atom):
            out.append(flatten(lit))
            out += extra
            extra.clear()
        elif isinstance(lit, Neg):
            out.append(Neg(flatten(lit.atom)))
            out += extra
            extra.clear()
        else:
            out.append(lit)
    head = flatten(head)
    return _existential(Clause(head, tuple(out + extra)))


def _existential(c: Clause) -> Clause:
    """Rename each variable that occurs only inside one negated literal to an anonymous one."""
    uses: Counter[Var] = Counter(v for v in literal_vars(c.head))
    for lit in c.body:
        uses.update(set(literal_vars(lit)))
    only_neg = {v for lit in c.body if isinstance(lit, Neg) for v in literal_vars(lit)
                if uses[v] == 1 and not v.name.startswith("_")}
    if not only_neg:
        return c

    def rename(t: Term) -> Term:
        return Var("_E" + t.name[1:]) if isinstance(t, Var) and t in only_neg else t

    body = tuple(Neg(Atom(lit.atom.pred, tuple(map(rename, lit.atom.args)))) if isinstance(lit, Neg) else lit
                 for lit in c.body)
    return Clause(c.head, body)


# ---------------------------------------------------------------------------------------- checks

def _value(x):
    if isinstance(x, bool):
        raise TypeError(f"booleans are not Guize values: {x!r}")
    if isinstance(x, (int, float)):
        return Decimal(str(x))
    return str(x)


def _scalar(v):
    """A Guize value back as the suite writes it (numbers from integer input are int)."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def check(facts: dict[str, list[Atom]], rules: list[Clause]) -> tuple[dict[str, int], list[Clause], dict,
                                                                     dict]:
    """Arity, safety and stratification; returns arities, scheduled rules, strata and SCCs."""
    arity: dict[str, int] = {}

    def see(a: Atom, where: str) -> None:
        if arity.setdefault(a.pred, len(a.args)) != len(a.args):
            raise ArityMismatch(f"{a.pred[2:]} has {len(a.args)} argument(s) in {where}, "
                                f"{arity[a.pred]} elsewhere")

    for atoms in facts.values():
        for a in atoms:
            see(a, "a fact")
    for c in rules:
        see(c.head, str(c))
        for lit in c.body:
            if isinstance(lit, (Atom, Neg)):
                see(lit if isinstance(lit, Atom) else lit.atom, str(c))
    scheduled = []
    for c in rules:
        anonymous = [v for t in c.head.args for v in term_vars(t) if v.name.startswith("_")]
        if anonymous:
            raise SafetyViolations(f"'_' in the head of {c}")
        sc, errors = schedule(c)
        if errors:
            why = "; ".join(e.message for e in errors)
            raise SafetyViolationError(why) if " in negation " in why else UnboundVariable(why)
        scheduled.append(sc)
    strata, scc, errors = stratify(scheduled)
    if errors:
        raise CyclicNegation("; ".join(e.message for e in errors))
    return arity, scheduled, strata, scc


# ---------------------------------------------------------------------------------------- evaluation

def _child(conn, rules, strata, scc, arity, facts) -> None:
    try:
        engine = Engine(rules, strata, scc, {**arity, "as_of": 1})
        out = {}
        with engine.session(facts, DAY) as s:
            for pred, n in arity.items():
                args = tuple(Var(f"A{i}") for i in range(n))
                out[pred[2:]] = {tuple(_scalar(row[v]) for v in args) for row in s.solve([Atom(pred, args)])}
        conn.send(("ok", out))
    except BaseException:
        conn.send(("error", traceback.format_exc()))


def translate(program) -> tuple[dict[str, int], list[Clause], dict, dict, list[Atom]]:
    """A suite program -> checked arities, scheduled rules, strata, SCCs and facts (or raise)."""
    facts = {"p_" + p: [Atom("p_" + p, tuple(Const(_value(x)) for x in row)) for row in rows]
             for p, rows in program.facts.items()}
    arity, scheduled, strata, scc = check(facts, [parse_rule(r) for r in program.rules])
    return arity, scheduled, strata, scc, [a for atoms in facts.values() for a in atoms]


class GuizeEvaluator:
    """The suite's ``DatalogEvaluator`` protocol, backed by kb.analysis and kb.engine."""

    timeout = 30.0

    def evaluate(self, program) -> dict[str, set[tuple]]:
        arity, scheduled, strata, scc, facts = translate(program)
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(child, scheduled, strata, scc, arity, facts), daemon=True)
        proc.start()
        child.close()
        try:
            if not parent.poll(self.timeout):
                raise EngineTimeout(f"the engine did not answer within {self.timeout}s")
            status, payload = parent.recv()
        except EOFError:
            raise RuntimeError(f"the engine process died (exit code {proc.exitcode})") from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            parent.close()
        if status != "ok":
            raise RuntimeError("the engine raised:\n" + payload)
        return payload


class ReferenceEvaluator:
    """The same checks, evaluated by kb.reference (the oracle of the differential tests)."""

    def evaluate(self, program) -> dict[str, set[tuple]]:
        arity, scheduled, strata, _, facts = translate(program)
        model = reference.evaluate(SimpleNamespace(clauses=scheduled, strata=strata), facts, DAY)
        return {pred[2:]: {tuple(map(_scalar, row)) for row in model.get(pred, ())} for pred in arity}
