"""Proofs as data: why a goal holds, and why it does not (with what is missing).

A proof is built top-down over the program's own clauses, with the engine as the oracle for
each body (pyDatalog keeps no derivations). Rendering happens elsewhere (kb/render.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from grammar import builtins
from grammar.model import (
    Aggregate,
    Atom,
    Clause,
    Compare,
    Const,
    Literal,
    Neg,
    Pos,
    Subst,
    Value,
    Var,
    format_value,
    literal_vars,
    match,
    subst_atom,
    subst_literal,
    term_vars,
)
from kb.analysis import aggregate_group, clause_outer_vars


@dataclass(frozen=True)
class Cite:
    file: str
    quote: str


@dataclass
class Node:
    """One step of a proof.

    kind: ``fact`` (stated; ``where`` is file:line), ``derived`` (by ``clause``, with
    ``bindings`` and the clause's ``cites``), ``builtin`` (a comparison with its ``values``),
    ``absent`` (a negated goal with no proof), ``aggregate`` (``items`` counted or summed).
    """

    kind: str
    goal: Literal
    clause: str | None = None
    bindings: dict[str, Value] = field(default_factory=dict)
    cites: list[Cite] = field(default_factory=list)
    premises: list[Node] = field(default_factory=list)
    where: str | None = None
    values: dict[str, Value] = field(default_factory=dict)
    items: list[tuple[Value, ...]] = field(default_factory=list)
    because: list[Alternative] = field(default_factory=list)  # absent: why the negated goal fails


@dataclass
class Failure:
    """A body condition that fails for the subject.

    kind: ``missing`` (an input never stated: the answer is unknown), ``mismatch`` (an input
    stated with another value), ``none_stated`` (an optional input with no record: definite),
    ``threshold`` (a comparison that is false, with the values),
    ``holds`` (a negated condition whose atom is proved: ``proof`` says why), ``derived`` (a
    sub-goal that fails: ``because`` lists its own alternatives), ``not_listed`` (a value not
    among the rule-file facts).
    """

    kind: str
    literal: Literal
    unknown: bool = False
    source: Literal | None = None  # the clause's own literal, before substitution
    inputs: dict[Var, tuple[Atom, int]] = field(default_factory=dict)  # var -> (stated fact, position)
    observed: list[Atom] = field(default_factory=list)
    values: dict[str, Value] = field(default_factory=dict)
    proof: Node | None = None
    because: list[Alternative] = field(default_factory=list)
    pos: Pos | None = None


@dataclass
class Alternative:
    """One clause that could have proved the goal, and every condition of it that fails."""

    clause: str
    head: Atom
    cites: list[Cite]
    failures: list[Failure]
    skipped: list[Literal] = field(default_factory=list)  # need a value a failed condition gives

    @property
    def unknown(self) -> bool:
        return bool(self.failures) and all(f.unknown for f in self.failures)


MAX_DEPTH = 40


def cites_of(c: Clause) -> list[Cite]:
    return [Cite(x.file, x.quote) for x in c.notes.sources]


def _key(env: Subst) -> str:
    return repr(sorted((v.name, format_value(x)) for v, x in env.items() if not v.name.startswith("_")))


eval_term = builtins.evaluate


class Prover:
    """Builds proofs and why-not explanations inside one engine session."""

    def __init__(self, program, session, facts: dict[Atom, str]) -> None:
        self.program = program
        self.s = session
        self.facts = facts  # ground stated atom -> "file:line"
        self.rule_facts: dict[Atom, Clause] = {
            c.head: c for c in program.clauses if c.is_fact}
        self._proofs: dict[tuple[Atom, frozenset], Node | None] = {}
        self._why_not: dict[tuple[Atom, frozenset], list[Alternative]] = {}
        self._by_pred: dict[str, list[Atom]] | None = None

    # ---------------------------------------------------------------- positive proofs
    def prove(self, atom: Atom, path: frozenset = frozenset(), depth: int = 0) -> Node | None:
        """A proof of a ground atom, or None (memoised: the session's facts do not change)."""
        key = (atom, path)
        if key not in self._proofs:
            self._proofs[key] = self._prove(atom, path, depth)
        return self._proofs[key]

    def _prove(self, atom: Atom, path: frozenset, depth: int) -> Node | None:
        if atom in self.facts:
            return Node("fact", atom, where=self.facts[atom])
        if atom.pred == "as_of":
            return Node("fact", atom, where="--as-of") if self.s.holds(atom) else None
        rf = self.rule_facts.get(atom)
        if rf is not None:
            return Node("fact", atom, clause=rf.id, cites=cites_of(rf), where=str(rf.pos))
        if atom in path or depth > MAX_DEPTH:
            return None
        for c in self.program.clauses_for(atom.pred):
            if c.is_fact:
                continue
            env = match(c.head, atom)
            if env is None:
                continue
            for sol in sorted(self.s.solve(list(c.body), env), key=_key):
                node = self._derive(c, atom, sol, path | {atom}, depth)
                if node is not None:
                    return node
        return None

    def _derive(self, c: Clause, atom: Atom, sol: Subst, path: frozenset, depth: int) -> Node | None:
        premises: list[Node] = []
        for lit in c.body:
            if isinstance(lit, Atom):
                sub = self.prove(subst_atom(lit, sol), path, depth + 1)
                if sub is None:
                    return None
                premises.append(sub)
            elif isinstance(lit, Neg):
                premises.append(self._absent(subst_atom(lit.atom, sol), depth))
            elif isinstance(lit, Compare):
                premises.append(self._builtin(lit, sol))
            else:
                premises.append(self._aggregate(lit, c, sol))
        bindings = {v.name: sol[v] for v in _clause_vars(c) if v in sol and not v.name.startswith("_")}
        return Node("derived", atom, clause=c.id, bindings=bindings, cites=cites_of(c), premises=premises)

    def _absent(self, atom: Atom, depth: int) -> Node:
        """A negated condition that holds; for a derived one, also why it fails (so "not
        eligible" shows the failing condition, and its unknowns can be found)."""
        node = Node("absent", Neg(atom))
        info = self.program.preds.get(atom.pred)
        if info is not None and info.kind == "derived" and depth < MAX_DEPTH // 4:
            node.because = self.why_not(atom, depth + 1)
        return node

    @staticmethod
    def _builtin(lit: Compare, env: Subst) -> Node:
        values = {"lhs": eval_term(lit.lhs, env), "rhs": eval_term(lit.rhs, env)}
        return Node("builtin", subst_literal(lit, env), values=values)

    def aggregate_items(self, agg: Aggregate, c: Clause, env: Subst) -> tuple[list[tuple], Value]:
        group = aggregate_group(agg, clause_outer_vars(c, list(c.body).index(agg)))
        genv = {v: env[v] for v in group if v in env}
        rows = self.s.solve(list(agg.body), genv)
        items: dict[tuple, tuple] = {}
        for r in rows:
            key = tuple(r[v] for v in agg.vars)
            value = eval_term(agg.expr, r) if agg.expr is not None else None
            items[key + ((value,) if agg.expr is not None else ())] = key
        tuples = sorted(items, key=lambda t: tuple(format_value(x) for x in t))
        if agg.fn == "count":
            total: Value = Decimal(len(tuples))
        else:
            total = sum((t[-1] for t in tuples if isinstance(t[-1], Decimal)), Decimal(0))
        return tuples, total

    def _aggregate(self, agg: Aggregate, c: Clause, env: Subst) -> Node:
        items, total = self.aggregate_items(agg, c, env)
        return Node("aggregate", subst_literal(agg, {k: v for k, v in env.items() if k != agg.result}),
                    values={"result": total}, items=items)

    # ---------------------------------------------------------------- why not
    def why_not(self, atom: Atom, depth: int = 0, path: frozenset = frozenset()) -> list[Alternative]:
        key = (atom, path)
        if key not in self._why_not:
            self._why_not[key] = self._why_not_uncached(atom, depth, path)
        return self._why_not[key]

    def _why_not_uncached(self, atom: Atom, depth: int, path: frozenset) -> list[Alternative]:
        out: list[Alternative] = []
        if atom in path or depth > MAX_DEPTH:
            return out
        for c in self.program.clauses_for(atom.pred):
            env = _unify(c.head, atom)
            if env is None:
                continue
            if c.is_fact:
                continue
            out.append(self._alternative(c, atom, env, depth, path | {atom}))
        return out

    def _alternative(self, c: Clause, atom: Atom, env0: Subst, depth: int, path: frozenset) -> Alternative:
        alive: list[Subst] = [env0]
        satisfied: list[Atom] = []
        failures: list[Failure] = []
        skipped: list[Literal] = []
        failed_vars: set[Var] = set()
        positions = list(c.body_pos) + [None] * len(c.body)
        for i, lit in enumerate(c.body):
            pos = positions[i]
            needed = set(literal_vars(lit)) if not isinstance(lit, Aggregate) else set(
                aggregate_group(lit, clause_outer_vars(c, i)))
            if isinstance(lit, Compare) and lit.op == "=":
                needed = set(term_vars(lit.rhs)) if isinstance(lit.lhs, Var) and lit.lhs not in alive[0] else (
                    set(term_vars(lit.lhs)) if isinstance(lit.rhs, Var) and lit.rhs not in alive[0] else needed)
            if needed & failed_vars:
                skipped.append(subst_literal(lit, alive[0]))
                failed_vars |= set(literal_vars(lit)) - set(alive[0])
                continue
            if isinstance(lit, Aggregate):
                computed = [(e, self.aggregate_items(lit, c, e)[1]) for e in alive]
                if lit.result in alive[0]:  # the result was already asked for: "n(a, 3)"
                    kept = [e for e, v in computed if type(v) is type(e[lit.result]) and v == e[lit.result]]
                    if kept:
                        alive = kept
                        continue
                    env, value = computed[0]
                    check = Compare("=", lit.result, Const(env[lit.result]))
                    failures.append(Failure("threshold", Compare("=", Const(value), Const(env[lit.result])),
                                            values={"lhs": value, "rhs": env[lit.result]}, pos=pos,
                                            source=check))
                    continue
                alive = [{**e, lit.result: v} for e, v in computed]
                continue
            nxt = [s for e in alive for s in self.s.solve([lit], e)]
            if nxt:
                alive = _dedupe(nxt)
                if isinstance(lit, Atom):
                    satisfied.append(lit)
                continue
            env = alive[0]
            failure = self._failure(lit, env, depth, path, pos)
            failure.source = lit
            failure.inputs = self._input_sources(satisfied, env)
            if failure.kind == "threshold":  # show the stated facts the compared values came from
                shared = set(literal_vars(lit))
                failure.observed = [a for a in (subst_atom(x, env) for x in satisfied
                                                if shared & set(literal_vars(x))) if a in self.facts]
            failures.append(failure)
            failed_vars |= {v for v in literal_vars(lit) if v not in env}
        return Alternative(c.id, subst_atom(c.head, env0), cites_of(c), failures, skipped)

    def _input_sources(self, satisfied: list[Atom], env: Subst) -> dict[Var, tuple[Atom, int]]:
        """For each variable bound by a stated input fact: that fact and the argument position."""
        out: dict[Var, tuple[Atom, int]] = {}
        for x in satisfied:
            info = self.program.preds.get(x.pred)
            if info is None or info.kind != "input":
                continue
            fact = subst_atom(x, env)
            if fact not in self.facts:
                continue
            for i, t in enumerate(x.args):
                if isinstance(t, Var) and t not in out:
                    out[t] = (fact, i)
        return out

    def _failure(self, lit: Literal, env: Subst, depth: int, path: frozenset, pos: Pos | None) -> Failure:
        sub = subst_literal(lit, env)
        if isinstance(lit, Compare):
            try:
                values = {"lhs": eval_term(lit.lhs, env), "rhs": eval_term(lit.rhs, env)}
            except (builtins.BuiltinError, KeyError):
                values = {}
            return Failure("threshold", sub, values=values, pos=pos)
        if isinstance(lit, Neg):
            atom = subst_atom(lit.atom, env)
            held = None
            if not atom.is_ground():  # "not p(X, _)": prove one witness of p(X, _)
                sols = sorted(self.s.solve([atom]), key=_key)
                atom = subst_atom(atom, sols[0]) if sols else atom
            if atom.is_ground():
                held = self.prove(atom)
            failure = Failure("holds", sub, proof=held, pos=pos)
            if held is not None:  # it holds only because something it negates is unknown?
                doubts = unknown_negations(self, held)
                if doubts:
                    failure.unknown = True
                    failure.because = [a for _, alts in doubts for a in alts]
            return failure
        assert isinstance(sub, Atom)
        info = self.program.preds.get(sub.pred)
        if info is not None and info.kind == "input":
            observed = self._observed(sub)
            if observed:
                return Failure("mismatch", sub, observed=observed, pos=pos)
            if info.decl is not None and info.decl.optional:
                return Failure("none_stated", sub, pos=pos)
            return Failure("missing", sub, unknown=True, pos=pos)
        rule_facts = [c for c in self.program.clauses_for(sub.pred) if c.is_fact]
        derived = [c for c in self.program.clauses_for(sub.pred) if not c.is_fact]
        if not derived:
            return Failure("not_listed", sub, pos=pos, observed=[c.head for c in rule_facts[:0]])
        because = self.why_not(sub, depth + 1, path)
        unknown = bool(because) and any(a.unknown for a in because)
        return Failure("derived", sub, unknown=unknown, because=because, pos=pos)

    def _observed(self, pattern: Atom) -> list[Atom]:
        """Stated facts of the same input about the same subject(s): they agree with the
        pattern on every bound argument whose declared type is a subject type."""
        decl = self.program.inputs.get(pattern.pred)
        keys = subject_positions(decl, pattern) if decl else []
        if self._by_pred is None:  # indexed once per session: a scan per failure was N x facts
            self._by_pred = {}
            for a in self.facts:
                self._by_pred.setdefault(a.pred, []).append(a)
        out = [a for a in self._by_pred.get(pattern.pred, ()) if all(a.args[i] == pattern.args[i] for i in keys)]
        return sorted(out, key=str)


def subject_positions(decl, pattern: Atom) -> list[int]:
    """Bound argument positions that identify a subject (declared subject types, not values)."""
    base = ("string", "number", "date", "datetime", "bool", "enum")
    return [i for i, (arg, t) in enumerate(zip(decl.args, pattern.args))
            if arg.type not in base and isinstance(t, Const)]


def _unify(head: Atom, goal: Atom) -> Subst | None:
    """Match a clause head against a possibly non-ground goal (goal variables stay free)."""
    if head.pred != goal.pred or len(head.args) != len(goal.args):
        return None
    env: Subst = {}
    for h, g in zip(head.args, goal.args):
        if isinstance(g, Var):
            continue
        value = g.value  # type: ignore[union-attr]
        if isinstance(h, Var):
            if h in env and not (type(env[h]) is type(value) and env[h] == value):
                return None
            env[h] = value
        elif isinstance(h, Const) and not (type(h.value) is type(value) and h.value == value):
            return None
    return env


def _dedupe(envs: list[Subst]) -> list[Subst]:
    seen: dict[str, Subst] = {}
    for e in envs:
        seen.setdefault(_key(e), e)
    return [seen[k] for k in sorted(seen)]


def _clause_vars(c: Clause) -> list[Var]:
    out = list(literal_vars(c.head))
    for b in c.body:
        for v in literal_vars(b):
            if v not in out:
                out.append(v)
    return out


def missing_inputs(alts: list[Alternative]) -> list[Atom]:
    """The unstated inputs that leave the answer unknown (from the unknown alternatives);
    ``p(s, true)`` is kept over the vaguer ``p(s, _)``."""
    found = _missing(alts)
    found = [m for m in found if not any(o != m and _subsumes(m, o) for o in found)]
    # several values asked of one slot ("mark is seal, or cnas, or ...") read as one question
    groups: dict[tuple, list[Atom]] = {}
    for m in found:
        groups.setdefault((m.pred, m.args[:-1]), []).append(m)
    out: list[Atom] = []
    for m in found:
        same = groups[(m.pred, m.args[:-1])]
        shown = Atom(m.pred, m.args[:-1] + (Var("_"),)) if len(same) > 1 and m.args else m
        if shown not in out:
            out.append(shown)
    return out


def _subsumes(general: Atom, specific: Atom) -> bool:
    return general.key == specific.key and all(
        isinstance(g, Var) or g == s for g, s in zip(general.args, specific.args))


def _missing(alts: list[Alternative]) -> list[Atom]:
    out: list[Atom] = []
    for a in alts:
        if not a.unknown:
            continue
        for f in a.failures:
            if f.kind == "missing" and isinstance(f.literal, Atom):
                shown = Atom(f.literal.pred, tuple(Var("_") if isinstance(x, Var) else x for x in f.literal.args))
                if shown not in out:
                    out.append(shown)
            elif f.kind in ("derived", "holds"):
                for m in _missing(f.because):
                    if m not in out:
                        out.append(m)
    return out


def to_json_value(v: Any) -> Any:
    """Integers stay integers; other decimals become the shortest float that reads back the same."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and abs(v) < 10**15 else float(v)
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return format_value(v)


def unknown_negations(prover: Prover, node: Node, seen: set | None = None) -> list[tuple[Atom, list[Alternative]]]:
    """Absent leaves of a proof whose atom is not false but *unknown* (it fails only for want
    of inputs): "not eligible(s)" is not established while eligibility itself is unknown, and
    "no serious violation" is not established while a stated record has no type. An unstated
    attribute of the subject itself under "not p(s, _)" stays closed-world ("no function is
    stated as down")."""
    seen = set() if seen is None else seen
    out: list[tuple[Atom, list[Alternative]]] = []
    if node.kind == "absent" and isinstance(node.goal, Neg) and node.goal.atom not in seen:
        atom = node.goal.atom
        seen.add(atom)
        alts = node.because
        if any(a.unknown for a in alts):
            own = {a for a in atom.args if isinstance(a, Const)}
            records = [m for m in missing_inputs(alts)
                       if m.args and isinstance(m.args[0], Const) and m.args[0] not in own]
            if atom.is_ground() or records:
                out.append((atom, alts))
    for p in node.premises:
        out += unknown_negations(prover, p, seen)
    return out
