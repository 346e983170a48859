"""A small reference evaluator: the oracle for the proof checker and the differential tests.

Semi-naive bottom-up evaluation over the term model, one stratum at a time (``program.strata``).
It shares no code with kb/engine.py and does not use pyDatalog, so a bug in one is not silently
repeated in the other. It relies on the loader's checks: clauses are safe, stratified and
scheduled, so reading every body left to right binds each variable before it is needed.

Values are kept as Python tuples in sets. For Guize's value types (str, Decimal, date,
datetime) Python equality is ``values_equal``: Decimal('4') == Decimal('4.0') and a str
never equals a Decimal, and a date never equals a datetime.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache

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
    values_equal,
)
from kb.analysis import aggregate_group, clause_outer_vars, schedule
from kb.builtins import BuiltinError, call, compare

Row = tuple[Value, ...]
Model = dict[str, set[Row]]


class _Unbound(Exception):
    """A term mentions a variable with no value yet (only a wildcard can be left unbound)."""


def eval_term(t: Term, env: Subst) -> Value:
    """The value of a term; raises BuiltinError (undefined) or _Unbound."""
    if isinstance(t, Const):
        return t.value
    if isinstance(t, Var):
        if t not in env:
            raise _Unbound(t.name)
        return env[t]
    return call(t.fn, tuple(eval_term(a, env) for a in t.args))


def _match(args: tuple[Term, ...], row: Row, env: Subst) -> Subst | None:
    """Extend ``env`` so that ``args`` equals ``row``, or None."""
    out = dict(env)
    for t, value in zip(args, row, strict=True):
        if isinstance(t, Var) and t not in out:
            out[t] = value
            continue
        try:
            if not values_equal(eval_term(t, out), value):
                return None
        except BuiltinError:
            return None
    return out


@lru_cache(maxsize=1024)
def _aggregate_clause(agg: Aggregate, group: tuple[Var, ...]) -> Clause:
    """An aggregate's body as a scheduled clause (the loader schedules clause bodies only)."""
    return schedule(Clause(Atom("aggregate", group + agg.vars), agg.body))[0]


class _Evaluator:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.indexes: dict[tuple[str, tuple[int, ...]], dict[Row, list[Row]]] = {}

    def rel(self, pred: str) -> set[Row]:
        return self.model.setdefault(pred, set())

    def add(self, pred: str, rows: set[Row]) -> None:
        self.rel(pred).update(rows)
        self.indexes = {k: v for k, v in self.indexes.items() if k[0] != pred}

    def candidates(self, a: Atom, env: Subst) -> Iterable[Row]:
        """Rows that may match ``a``: those agreeing on its bound arguments. Only a filter
        (``_match`` decides); exact because Python equality on Guize values is values_equal."""
        bound = tuple(i for i, t in enumerate(a.args)
                      if isinstance(t, Const) or (isinstance(t, Var) and t in env))
        if not bound:
            return self.rel(a.pred)
        if (a.pred, bound) not in self.indexes:
            index: dict[Row, list[Row]] = {}
            for row in self.rel(a.pred):
                if len(row) == len(a.args):
                    index.setdefault(tuple(row[i] for i in bound), []).append(row)
            self.indexes[(a.pred, bound)] = index
        key = tuple(eval_term(a.args[i], env) for i in bound)
        return self.indexes[(a.pred, bound)].get(key, ())

    def solve(self, body: tuple[Literal, ...], env: Subst, clause: Clause | None = None,
              delta: tuple[int, set[Row]] | None = None) -> Iterator[Subst]:
        """Every extension of ``env`` satisfying ``body`` left to right. ``delta`` = (i, rows):
        body literal i ranges over ``rows`` instead of its whole relation."""
        if not body:
            yield env
            return
        lit, rest = body[0], body[1:]
        nxt = None if delta is None else (delta[0] - 1, delta[1])
        for env2 in self.literal(lit, env, clause, delta[1] if delta and delta[0] == 0 else None):
            yield from self.solve(rest, env2, clause, nxt)

    def literal(self, lit: Literal, env: Subst, clause: Clause | None,
                rows: Iterable[Row] | None) -> Iterator[Subst]:
        if isinstance(lit, Atom):
            for row in self.candidates(lit, env) if rows is None else rows:
                if len(row) == len(lit.args):
                    out = _match(lit.args, row, env)
                    if out is not None:
                        yield out
        elif isinstance(lit, Neg):  # unbound (anonymous) variables are "any value"
            a = lit.atom
            rows = self.candidates(a, env)
            if not any(len(r) == len(a.args) and _match(a.args, r, env) is not None for r in rows):
                yield env
        elif isinstance(lit, Compare):
            yield from self.compare(lit, env)
        else:
            yield from self.aggregate(lit, env, clause)

    def compare(self, lit: Compare, env: Subst) -> Iterator[Subst]:
        try:
            if lit.op == "=" and isinstance(lit.lhs, Var) and lit.lhs not in env:
                yield {**env, lit.lhs: eval_term(lit.rhs, env)}  # X = expr binds X
            elif lit.op == "=" and isinstance(lit.rhs, Var) and lit.rhs not in env:
                yield {**env, lit.rhs: eval_term(lit.lhs, env)}
            elif compare(lit.op, eval_term(lit.lhs, env), eval_term(lit.rhs, env)):
                yield env
        except BuiltinError:
            return  # a built-in undefined on these values: the literal fails

    def aggregate(self, agg: Aggregate, env: Subst, clause: Clause | None) -> Iterator[Subst]:
        assert clause is not None, "aggregates occur only in clause bodies"
        group = aggregate_group(agg, clause_outer_vars(clause, clause.body.index(agg)))
        inner = {v: env[v] for v in group}  # the scheduler bound every group variable already
        sub = _aggregate_clause(agg, group)
        items: set[tuple] = set()  # distinct (vars..., summed value)
        for sol in self.solve(sub.body, inner, sub):
            key = tuple(sol[v] for v in agg.vars)
            if agg.expr is None:
                items.add(key)
                continue
            try:
                items.add(key + (eval_term(agg.expr, sol),))
            except BuiltinError:
                continue  # an undefined summand contributes nothing
        if agg.fn == "count":
            value: Value = Decimal(len(items))
        else:
            value = sum((x[-1] for x in items if isinstance(x[-1], Decimal)), Decimal(0))
        if agg.result in env:
            if values_equal(env[agg.result], value):
                yield env
        else:
            yield {**env, agg.result: value}

    def fire(self, clause: Clause, delta: tuple[int, set[Row]] | None = None) -> set[Row]:
        """Head tuples derivable by one application of ``clause``."""
        out: set[Row] = set()
        for env in self.solve(clause.body, {}, clause, delta):
            try:
                out.add(tuple(eval_term(t, env) for t in clause.head.args))
            except BuiltinError:
                continue
        return out


def evaluate(program, facts: Iterable[Atom], as_of: _dt.date) -> Model:
    """The full model of ``program`` (a kb.loader.Program) over ``facts`` at date ``as_of``."""
    model: Model = {"as_of": {(as_of,)}}
    for f in facts:
        model.setdefault(f.pred, set()).add(f.values())
    rules: list[Clause] = []
    for c in program.clauses:
        if c.is_fact:
            model.setdefault(c.head.pred, set()).add(c.head.values())
        else:
            rules.append(c)
    ev = _Evaluator(model)
    for level in sorted({program.strata.get(c.head.pred, 0) for c in rules}):
        layer = [c for c in rules if program.strata.get(c.head.pred, 0) == level]
        defined = {c.head.pred for c in layer}
        # round 0: naive, every rule against everything known so far
        delta: dict[str, set[Row]] = {}
        for c in layer:
            delta.setdefault(c.head.pred, set()).update(ev.fire(c) - ev.rel(c.head.pred))
        while any(delta.values()):
            for pred, rows in delta.items():
                ev.add(pred, rows)
            # later rounds: each derivation must use at least one tuple new in the last round
            new: dict[str, set[Row]] = {}
            for c in layer:
                for i, lit in enumerate(c.body):
                    if isinstance(lit, Atom) and lit.pred in defined and delta.get(lit.pred):
                        found = ev.fire(c, (i, delta[lit.pred])) - ev.rel(c.head.pred)
                        new.setdefault(c.head.pred, set()).update(found)
            delta = new
    return model


def holds(model: Model, atom: Atom) -> bool:
    """Whether some tuple of ``model`` matches ``atom`` (variables in it are existential)."""
    return any(len(r) == len(atom.args) and _match(atom.args, r, {}) is not None
               for r in model.get(atom.pred, ()))
