"""Static analysis of a program: safety, evaluation order, dependency SCCs and strata.

pyDatalog accepts unsafe and non-stratified programs and answers them wrongly (or hangs),
so everything it mishandles is rejected here, with the position of the offending literal.
"""

from __future__ import annotations

from collections.abc import Iterable

from grammar.errors import LoadError
from grammar.model import (
    Aggregate,
    Atom,
    Clause,
    Compare,
    Literal,
    Neg,
    Pos,
    Var,
    literal_vars,
    term_vars,
)

BUILTIN_PREDICATES = {("as_of", 1)}


def is_anonymous(v: Var) -> bool:
    return v.name.startswith("_")


def needs(lit: Literal, bound: set[Var]) -> set[Var]:
    """Variables that must be bound before ``lit`` can be evaluated."""
    if isinstance(lit, Atom):
        return set()
    if isinstance(lit, Neg):
        return {v for v in literal_vars(lit) if not is_anonymous(v)}
    if isinstance(lit, Compare):
        lhs, rhs = set(term_vars(lit.lhs)), set(term_vars(lit.rhs))
        if lit.op == "=":
            if isinstance(lit.lhs, Var) and lit.lhs not in bound:
                return rhs
            if isinstance(lit.rhs, Var) and lit.rhs not in bound:
                return lhs
        return lhs | rhs
    # aggregate: only the variables it shares with the clause (group) are inputs; they are
    # decided by the caller, so nothing is required here beyond inner safety
    return set()


def binds(lit: Literal, bound: set[Var]) -> set[Var]:
    """Variables bound after ``lit`` succeeds."""
    if isinstance(lit, Atom):
        return set(literal_vars(lit))
    if isinstance(lit, Compare) and lit.op == "=":
        return set(term_vars(lit.lhs)) | set(term_vars(lit.rhs))
    if isinstance(lit, Aggregate):
        return {lit.result}
    return set()


def aggregate_group(agg: Aggregate, outer: Iterable[Var]) -> tuple[Var, ...]:
    """Group-by variables: inner variables that also occur outside the aggregate."""
    outer_set = set(outer)
    inner = [v for b in agg.body for v in literal_vars(b)]
    out: list[Var] = []
    for v in inner:
        if v in outer_set and v not in out and v not in agg.vars and v != agg.result:
            out.append(v)
    return tuple(out)


def clause_outer_vars(clause: Clause, skip: int) -> list[Var]:
    out = list(literal_vars(clause.head))
    for i, b in enumerate(clause.body):
        if i != skip:
            out += literal_vars(b) if not isinstance(b, Aggregate) else [b.result]
    return out


def schedule(clause: Clause, initial: frozenset[Var] = frozenset()) -> tuple[Clause, list[LoadError]]:
    """Order the body so every built-in and negation comes after what binds its variables.

    Written order is kept wherever it is already valid. Returns the reordered clause and the
    safety errors (unsafe head variable, unbound variable in a comparison or negation).
    """
    errors: list[LoadError] = []
    pending = list(range(len(clause.body)))
    order: list[int] = []
    bound: set[Var] = set(initial)
    positions = list(clause.body_pos) + [None] * (len(clause.body) - len(clause.body_pos))
    while pending:
        for i in pending:
            lit = clause.body[i]
            if isinstance(lit, Aggregate):
                group = aggregate_group(lit, clause_outer_vars(clause, i))
                if not set(group) <= bound:
                    continue
            elif not needs(lit, bound) <= bound:
                continue
            order.append(i)
            pending.remove(i)
            bound |= binds(lit, bound)
            break
        else:
            i = pending[0]
            lit = clause.body[i]
            missing = sorted(v.name for v in (needs(lit, bound) - bound)) or sorted(
                v.name for v in literal_vars(lit) if v not in bound)
            kind = "negation" if isinstance(lit, Neg) else "comparison" if isinstance(lit, Compare) else "aggregate"
            errors.append(LoadError(
                f"unsafe variable {', '.join(missing)} in {kind} '{lit}'",
                positions[i] or clause.pos,
                "bind it first with a positive literal such as p(" + (missing[0] if missing else "X") + ")"))
            order.extend(pending)
            break
    body_list = list(clause.body)
    for agg_i in order:
        lit = clause.body[agg_i]
        if isinstance(lit, Aggregate):
            body_list[agg_i], errs = _aggregate_schedule(lit, clause, agg_i, positions[agg_i] or clause.pos)
            errors += errs
    head_unbound = [v.name for v in literal_vars(clause.head) if v not in bound]
    if head_unbound and not errors:
        errors.append(LoadError(
            f"unsafe variable {', '.join(head_unbound)} in the head of '{clause.head}'",
            clause.pos, "every head variable must appear in a positive body literal"))
    body = tuple(body_list[i] for i in order)
    bpos = tuple(positions[i] for i in order)
    return Clause(clause.head, body, clause.notes, clause.pos, bpos), errors


def _aggregate_schedule(agg: Aggregate, clause: Clause, idx: int,
                        pos: Pos | None) -> tuple[Aggregate, list[LoadError]]:
    """The aggregate with its own body ordered (group variables come bound from outside)."""
    group = frozenset(aggregate_group(agg, clause_outer_vars(clause, idx)))
    ordered: list[Var] = sorted(agg.vars, key=lambda v: v.name)
    inner = Clause(Atom("_agg", tuple(ordered)), agg.body,
                   pos=pos, body_pos=(pos,) * len(agg.body))
    scheduled, errs = schedule(inner, group)
    if agg.expr is not None:
        bound = group | {v for b in agg.body for v in binds(b, set())}
        free = [v.name for v in term_vars(agg.expr) if v not in bound]
        if free:
            errs.append(LoadError(f"unsafe variable {', '.join(free)} in the summed value of '{agg}'",
                                  pos, "the summed value must come from the aggregate's body"))
    errs = [LoadError(e.message.replace("'_agg(", "'aggregate(", 1), pos, e.hint) for e in errs]
    return Aggregate(agg.result, agg.fn, agg.expr, agg.vars, scheduled.body, tuple(group_order(agg, group))), errs


def group_order(agg: Aggregate, group: frozenset[Var]) -> list[Var]:
    """The group variables in order of first appearance in the aggregate's body."""
    out: list[Var] = []
    for b in agg.body:
        for v in literal_vars(b):
            if v in group and v not in out:
                out.append(v)
    return out


def body_atoms(lit: Literal) -> list[tuple[Atom, bool]]:
    """Atoms a literal depends on, each with True when the dependency is negative/aggregate."""
    if isinstance(lit, Atom):
        return [(lit, False)]
    if isinstance(lit, Neg):
        return [(lit.atom, True)]
    if isinstance(lit, Aggregate):
        return [(a, True) for b in lit.body for a, _ in body_atoms(b)]
    return []


def sccs(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, in dependency order (callees first)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(root: str) -> None:  # iterative, so deep rule chains cannot overflow
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    out.append(sorted(comp))

    for n in sorted(graph):
        if n not in index:
            visit(n)
    return out


def stratify(clauses: list[Clause]) -> tuple[dict[str, int], dict[str, frozenset[str]], list[LoadError]]:
    """Strata per predicate, each predicate's SCC, and errors for negation through recursion."""
    graph: dict[str, set[str]] = {}
    for c in clauses:
        node = graph.setdefault(c.head.pred, set())
        for lit in c.body:
            for a, _ in body_atoms(lit):
                node.add(a.pred)
                graph.setdefault(a.pred, set())
    comps = sccs(graph)
    comp_of = {p: frozenset(comp) for comp in comps for p in comp}
    recursive = {p for comp in comps for p in comp if len(comp) > 1 or p in graph.get(p, set())}
    errors: list[LoadError] = []
    stratum: dict[str, int] = {}
    for comp in comps:  # callees first, so their strata are known
        level = 0
        for p in comp:
            for c in (c for c in clauses if c.head.pred == p):
                for i, lit in enumerate(c.body):
                    for a, strict in body_atoms(lit):
                        if a.pred in comp_of[p] and strict and p in recursive:
                            pos = c.body_pos[i] if i < len(c.body_pos) else c.pos
                            what = "negation" if isinstance(lit, Neg) else "aggregate"
                            errors.append(LoadError(
                                f"{what} of {a.pred} inside its own recursion ({' -> '.join(sorted(comp_of[p]))}): "
                                "the program is not stratifiable", pos or c.pos,
                                "break the cycle: negate or aggregate only predicates defined without this one"))
                        elif a.pred not in comp_of[p]:
                            level = max(level, stratum.get(a.pred, 0) + (1 if strict else 0))
        for p in comp:
            stratum[p] = level
    return stratum, comp_of, errors
