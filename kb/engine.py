"""The evaluation back end: the only module that imports pyDatalog.

pyDatalog is treated as an untrusted engine (../shared/DEPENDENCIES.md §1.3-1.5):
* no text ever reaches ``pyDatalog.load``/``ask`` (they run Python): clauses, facts and goals
  are built from the checked term model through its object API;
* every positive body literal in the head's recursive component is emitted first (the
  compilation shown to avoid its livelocks and wrong answers on recursion);
* built-ins run as Python resolvers we own, so a type error never becomes an answer value;
* aggregates are materialised by us, stratum by stratum, before each query;
* every predicate is declared, so negating one without facts cannot raise.
Each ``Engine`` owns one pyDatalog database and refuses use from any other thread.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from pyDatalog import Logic, pyEngine, pyParser
from pyDatalog.pyParser import Body, Query
from pyDatalog.pyParser import Literal as PyLiteral
from pyDatalog.pyParser import Term as PyTerm

from grammar.errors import EvaluationError
from grammar.model import (
    Aggregate,
    Atom,
    Clause,
    Compare,
    Const,
    Literal,
    Neg,
    Subst,
    Term,
    Value,
    Var,
    literal_vars,
    subst_literal,
)
from kb import builtins
from kb.analysis import aggregate_group, body_atoms, clause_outer_vars

_PREFIX = "g_"
_STAND_IN = "gz_neg_"
_FN_NAMES = {"+": "add", "-": "sub", "*": "mul", "/": "div"}
_CMP_NAMES = {"=": "eq", "!=": "ne", "<": "lt", "=<": "le", ">": "gt", ">=": "ge"}


# ---------------------------------------------------------------------------------------- resolvers
# Python resolvers are process-global in pyDatalog; ours are pure functions of their
# arguments, identical for every knowledge base, so sharing them cannot leak state.

def _val(t) -> tuple[bool, Value | None]:
    return (True, t.id) if t.is_const() else (False, None)


def _make_fn_resolver(fn: str, arity: int):
    def resolve(*terms):
        args = []
        for t in terms[:arity]:
            ok, v = _val(t)
            if not ok:
                return
            args.append(v)
        try:
            result = builtins.call(fn, tuple(args))
        except builtins.BuiltinError:
            return  # the built-in is undefined here: no answer (never an exception value)
        ok, out = _val(terms[arity])
        if ok and not (type(out) is type(result) and out == result):
            return
        yield tuple(args) + (result,)

    return resolve


def _make_cmp_resolver(op: str):
    def resolve(a, b):
        oka, va = _val(a)
        okb, vb = _val(b)
        if op == "=" and oka != okb:
            v = va if oka else vb
            yield (v, v)
            return
        if not (oka and okb):
            return
        try:
            if builtins.compare(op, va, vb):
                yield (va, vb)
        except builtins.BuiltinError:
            return

    return resolve


def _register_resolvers() -> None:
    for fn, (arity, _, _) in builtins.FUNCTIONS.items():
        name = f"gz_fn_{_FN_NAMES.get(fn, fn)}"
        pyEngine.Python_resolvers[f"{name}/{arity + 1}"] = _make_fn_resolver(fn, arity)
    for op, name in _CMP_NAMES.items():
        pyEngine.Python_resolvers[f"gz_cmp_{name}/2"] = _make_cmp_resolver(op)


_register_resolvers()


# ---------------------------------------------------------------------------------------- compiler

class _Compiler:
    """Term model -> pyDatalog object literals (no text involved)."""

    def __init__(self, stand_ins: frozenset[str] = frozenset()) -> None:
        self.fresh = itertools.count(1)
        self.stand_ins = stand_ins  # negated predicates answered from materialised facts

    @staticmethod
    def var(v: Var) -> PyTerm:
        return PyTerm("V" + v.name)  # "V_1", "VS": always an uppercase-initial pyDatalog variable

    @staticmethod
    def const(value: Value) -> PyTerm:
        return PyTerm(value, forced_type="constant")

    def term(self, t: Term, pre: list) -> PyTerm:
        if isinstance(t, Var):
            return self.var(t)
        if isinstance(t, Const):
            return self.const(t.value)
        args = [self.term(a, pre) for a in t.args]
        out = PyTerm(f"VGz{next(self.fresh)}")
        pre.append(PyLiteral.make(f"gz_fn_{_FN_NAMES.get(t.fn, t.fn)}", tuple(args) + (out,)))
        return out

    def atom(self, a: Atom) -> PyLiteral:
        pre: list = []
        args = tuple(self.term(t, pre) for t in a.args)
        assert not pre, "atoms have no expressions"
        return PyLiteral.make(_PREFIX + a.pred, args)

    def literal(self, lit: Literal, agg_names: dict[Aggregate, str] | None = None) -> list:
        if isinstance(lit, Atom):
            return [self.atom(lit)]
        if isinstance(lit, Neg):
            if lit.atom.pred in self.stand_ins:
                return [~self.atom(Atom(_STAND_IN + lit.atom.pred, lit.atom.args))]
            return [~self.atom(lit.atom)]
        if isinstance(lit, Compare):
            pre: list = []
            lhs, rhs = self.term(lit.lhs, pre), self.term(lit.rhs, pre)
            return pre + [PyLiteral.make(f"gz_cmp_{_CMP_NAMES[lit.op]}", (lhs, rhs))]
        raise TypeError(lit)  # aggregates are compiled by Engine

    def body(self, lits: Iterable) -> Body | PyLiteral:
        items = list(lits)
        out = items[0]
        for x in items[1:]:
            out = out & x
        return out


def _declare(name: str, arity: int) -> None:
    dummy = tuple(f"__gz_decl_{i}" for i in range(arity))
    pyDatalog_assert(name, dummy)
    pyDatalog_retract(name, dummy)


def pyDatalog_assert(name: str, values: tuple) -> None:
    +Query(name, [PyTerm(v, forced_type="constant") for v in values])


def pyDatalog_retract(name: str, values: tuple) -> None:
    -Query(name, [PyTerm(v, forced_type="constant") for v in values])


class Engine:
    """One isolated pyDatalog database holding a program's clauses."""

    def __init__(self, clauses: list[Clause], strata: dict[str, int], scc: dict[str, frozenset[str]],
                 arities: dict[str, int]) -> None:
        self._thread = threading.get_ident()
        self._lock = threading.Lock()
        Logic()  # a fresh, empty database for this engine ...
        self._logic = Logic(True)  # ... whose handle we keep and re-activate on every call
        self._arities = dict(arities)
        self._aggregates: list[tuple[int, str, Aggregate, tuple[Var, ...]]] = []
        self._static_facts: list[tuple[str, tuple]] = []
        self._asserted: list[tuple[str, tuple]] = []
        self._agg_names: dict[Aggregate, tuple[str, tuple[Var, ...]]] = {}
        self._memo: dict[tuple, list[Subst]] = {}
        self._agg_owner: dict[str, set[str]] = {}
        self._deps: dict[str, set[str]] = {}
        for c in clauses:
            self._deps.setdefault(c.head.pred, set()).update(a.pred for lit in c.body for a, _ in body_atoms(lit))
        self._closures: dict[str, frozenset[str]] = {}
        self.recursive = frozenset(p for p, comp in scc.items() if len(comp) > 1 or p in self._deps.get(p, ()))
        self._strata = strata
        self._stand_ins = self._negated_over_recursion(clauses)
        self._compile(clauses, strata, scc)

    def _negated_over_recursion(self, clauses: list[Clause]) -> frozenset[str]:
        """Predicates negated somewhere whose definition reaches a recursive component."""
        negated = {lit.atom.pred for c in clauses for lit in _all_literals(c.body) if isinstance(lit, Neg)}
        return frozenset(p for p in negated if self.closure(p) & self.recursive)

    # ---- thread and database ownership
    def _activate(self) -> None:
        if threading.get_ident() != self._thread:
            raise EvaluationError(
                "this knowledge base was created in another thread; pyDatalog keeps one database "
                "per thread, so create one KnowledgeBase per thread (KnowledgeBase.default() is cheap "
                "after the first call)")
        if getattr(Logic.tl, "logic", None) is not self._logic:
            Logic.tl.logic = self._logic
        self._logic.Subgoals = {}
        pyParser.clear()

    # ---- compilation
    def _compile(self, clauses: list[Clause], strata: dict[str, int], scc: dict[str, frozenset[str]]) -> None:
        self._activate()
        for name, arity in self._arities.items():
            _declare(_PREFIX + name, arity)
        for name in self._stand_ins:
            _declare(_PREFIX + _STAND_IN + name, self._arities[name])
        for c in clauses:
            if c.is_fact:
                self._static_facts.append((_PREFIX + c.head.pred, c.head.values()))
                pyDatalog_assert(_PREFIX + c.head.pred, c.head.values())
        for c in clauses:
            if not c.is_fact:
                self._compile_clause(c, strata, scc)

    def _compile_clause(self, c: Clause, strata: dict[str, int], scc: dict[str, frozenset[str]]) -> None:
        comp = scc.get(c.head.pred, frozenset())
        # recursive literals first: the form shown not to loop or mis-answer in pyDatalog
        body = sorted(c.body, key=lambda lit: 0 if isinstance(lit, Atom) and lit.pred in comp else 1)
        variants: list[list] = [[]]
        cc = _Compiler(self._stand_ins)
        for lit in body:
            if isinstance(lit, Aggregate):
                idx = c.body.index(lit)
                group = aggregate_group(lit, clause_outer_vars(c, idx))
                if lit in self._agg_names:  # the same aggregate in another clause: one materialisation
                    name, group = self._agg_names[lit]
                else:
                    name = f"gz_agg_{len(self._aggregates) + 1}"
                    level = max([strata.get(a.pred, 0) for a, _ in body_atoms(lit)] + [0])
                    self._aggregates.append((level, name, lit, group))
                    self._agg_names[lit] = (name, group)
                    _declare(_PREFIX + name, len(group) + 1)
                    _declare(_PREFIX + name + "_key", len(group))
                self._agg_owner.setdefault(name, set()).add(c.head.pred)
                found = cc.atom(Atom(name, group + (lit.result,)))
                absent = [~cc.atom(Atom(name + "_key", group))]
                zero = PyLiteral.make("gz_cmp_eq", (cc.var(lit.result), cc.const(Decimal(0))))
                # an empty group aggregates to 0: a second variant of the clause covers it
                variants = [v + [found] for v in variants] + [v + absent + [zero] for v in variants]
            else:
                compiled = cc.literal(lit)
                variants = [v + compiled for v in variants]
        head = PyLiteral.make(_PREFIX + c.head.pred, tuple(cc.term(t, []) for t in c.head.args))
        for v in variants:
            if not v:
                continue
            head <= cc.body(v)  # noqa: B015 - pyDatalog's clause operator: adds head :- body
        self._aggregates.sort(key=lambda a: a[0])

    # ---- per-question facts
    def closure(self, pred: str) -> frozenset[str]:
        """The predicates a question about ``pred`` can reach."""
        if pred not in self._closures:
            seen: set[str] = set()
            todo = [pred]
            while todo:
                p = todo.pop()
                if p not in seen:
                    seen.add(p)
                    todo += self._deps.get(p, ())
            self._closures[pred] = frozenset(seen)
        return self._closures[pred]

    @contextmanager
    def session(self, facts: Iterable[Atom], as_of: _dt.date, goal: str | None = None) -> Iterator[Engine]:
        """Assert a subject's facts and the as-of date; retract them all afterwards. With the
        goal's predicate given, only what it can reach is asserted and materialised."""
        with self._lock:
            self._activate()
            self._memo = {}
            asserted: list[tuple[str, tuple]] = []
            reach = self.closure(goal) if goal else None
            try:
                for a in list(facts) + [Atom("as_of", (Const(as_of),))]:
                    if reach is not None and a.pred not in reach:
                        continue
                    key = (_PREFIX + a.pred, a.values())
                    pyDatalog_assert(*key)
                    asserted.append(key)
                asserted += self._materialise(reach)
                yield self
            finally:
                self._activate()
                self._memo = {}
                for key in reversed(asserted):
                    pyDatalog_retract(*key)

    def _materialise(self, reach: frozenset[str] | None = None) -> list[tuple[str, tuple]]:
        """Compute, lower strata first, every aggregate and every negated predicate that rests
        on recursion, and assert the results as facts.

        pyDatalog completes one subgoal at a time, not a recursive component, so "not p(a, Y)"
        over a recursive p can answer wrongly (and differently from run to run); asked with
        every argument free, p is right, so negation reads that full extension instead."""
        out: list[tuple[str, tuple]] = []
        # (stratum, 0 for a negated predicate / 1 for an aggregate, what to compute)
        steps: list[tuple[int, int, str | tuple[str, Aggregate, tuple[Var, ...]]]] = [
            (self._strata.get(p, 0), 0, p) for p in self._stand_ins if reach is None or p in reach]
        steps += [(level, 1, (name, agg, group)) for level, name, agg, group in self._aggregates
                  if reach is None or self._agg_owner[name] & reach]
        for _, _, item in sorted(steps, key=lambda x: (x[0], x[1], str(x[2]))):
            if isinstance(item, str):
                out += self._materialise_negated(item)
            else:
                out += self._materialise_aggregate(*item)
        return out

    def _materialise_negated(self, pred: str) -> list[tuple[str, tuple]]:
        args = tuple(Var(f"A{i}") for i in range(self._arities[pred]))
        out = []
        for row in self._rows([Atom(pred, args)], list(args)):
            key = (_PREFIX + _STAND_IN + pred, tuple(row[a] for a in args))
            pyDatalog_assert(*key)
            out.append(key)
        return out

    def _materialise_aggregate(self, name: str, agg: Aggregate,
                               group: tuple[Var, ...]) -> list[tuple[str, tuple]]:
        out: list[tuple[str, tuple]] = []
        rows = self._rows(list(agg.body), list(group) + list(agg.vars) + _expr_vars(agg))
        seen: dict[tuple, set] = {}
        for row in rows:
            g = tuple(row[v] for v in group)
            seen.setdefault(g, set()).add(tuple(row[v] for v in agg.vars) + (
                _eval_expr(agg.expr, row) if agg.expr is not None else None,))
        for g, items in seen.items():
            if agg.fn == "count":
                value: Value = Decimal(len(items))
            else:
                value = sum((x[-1] for x in items if isinstance(x[-1], Decimal)), Decimal(0))
            for key in ((_PREFIX + name, g + (value,)), (_PREFIX + name + "_key", g)):
                pyDatalog_assert(*key)
                out.append(key)
        return out

    # ---- queries
    def _rows(self, lits: list[Literal], want: list[Var]) -> list[Subst]:
        cc = _Compiler(self._stand_ins)
        compiled = []
        for lit in lits:
            if isinstance(lit, Aggregate):
                raise EvaluationError("aggregates are evaluated through their clause")
            compiled += cc.literal(lit)
        if not compiled:
            return [{}]
        body = Body(*compiled) if len(compiled) > 1 else Body(compiled[0])
        data = body.ask()
        names = list(body._variables().keys())
        if not data:
            return []
        if data is True:
            return [{}]
        out: list[Subst] = []
        wanted = {cc.var(v)._pyD_name: v for v in want}
        for row in data:
            env: Subst = {}
            for name, value in zip(names, row):
                if name in wanted:
                    env[wanted[name]] = value
            out.append(env)
        return out

    def _expand(self, lits: list[Literal]) -> list[list[Literal]]:
        """Aggregates become their materialised predicate; an empty group is the variant
        "no key for this group, result 0" (the same two variants the clause compiles to)."""
        variants: list[list[Literal]] = [[]]
        for lit in lits:
            if isinstance(lit, Aggregate):
                if lit not in self._agg_names:
                    raise EvaluationError("aggregates are evaluated through their clause")
                name, group = self._agg_names[lit]
                found: list[Literal] = [Atom(name, group + (lit.result,))]
                empty: list[Literal] = [Neg(Atom(name + "_key", group)),
                                        Compare("=", lit.result, Const(Decimal(0)))]
                variants = [v + found for v in variants] + [v + empty for v in variants]
            else:
                variants = [v + [lit] for v in variants]
        return variants

    def solve(self, lits: list[Literal], env: Subst | None = None) -> list[Subst]:
        """Every solution of a conjunction under ``env`` (call inside ``session``). Within one
        session the database does not change, so answers are memoised (proofs ask the same
        sub-goals many times)."""
        key = (tuple(lits), tuple(sorted(((v.name, repr(x)) for v, x in (env or {}).items()))))
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._solve(lits, env)
        return [dict(e) for e in hit]

    def _solve(self, lits: list[Literal], env: Subst | None = None) -> list[Subst]:
        if any(isinstance(lit, Aggregate) for lit in lits):
            out: list[Subst] = []
            for variant in self._expand(lits):
                out += [s for s in self._solve(variant, env) if s not in out]
            return out
        self._activate()
        env = dict(env or {})
        bound = [subst_literal(lit, env) for lit in lits]
        want: list[Var] = []
        for lit in bound:
            if isinstance(lit, Neg):
                continue
            for v in literal_vars(lit):
                if v not in want:
                    want.append(v)
        out = []
        seen = set()
        for row in self._rows(bound, want):
            full = dict(env)
            full.update(row)
            key = tuple(sorted((v.name, repr(x)) for v, x in full.items()))
            if key not in seen:
                seen.add(key)
                out.append(full)
        return out

    def holds(self, atom: Atom) -> bool:
        return bool(self.solve([atom]))


def _all_literals(body: tuple[Literal, ...]) -> list[Literal]:
    out: list[Literal] = []
    for lit in body:
        out.append(lit)
        if isinstance(lit, Aggregate):
            out += _all_literals(lit.body)
    return out


def _expr_vars(agg: Aggregate) -> list[Var]:
    from grammar.model import term_vars

    return [v for v in term_vars(agg.expr) if v not in agg.vars] if agg.expr is not None else []


def _eval_expr(t: Term, env: Subst) -> Value | None:
    try:
        return builtins.evaluate(t, env)
    except (builtins.BuiltinError, KeyError, TypeError):
        return None
