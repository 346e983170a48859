"""Questions about the rules themselves, answered from the clauses (the term model).

"快分销需要满足哪些条件？" lists the body of the predicate's clauses, each condition in words with
its clause id and quoted source; "what's the minimum star rating for 快分销?" finds the
comparisons the clauses make on the input's value ("R >= 4" after ks_experience_stars(S, R)).
Nothing here is a hand-written answer: a new rule file is askable this way through its clauses.
"""

from __future__ import annotations

from dataclasses import dataclass

from grammar.model import Aggregate, Atom, Citation, Clause, Compare, Const, Neg, Value, Var, literal_vars
from kb.loader import Program

_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "=": "=", "!=": "!="}


@dataclass(frozen=True)
class RuleItem:
    """One condition of a rule, or one threshold a rule sets on an input."""

    clause: str  # the id of the clause that states it
    pred: str  # the condition's predicate, or the input the threshold is on
    text: str  # in words, in the asker's language
    sources: tuple[Citation, ...]
    group: int = 0  # conditions: which clause of the predicate (several clauses are alternatives)
    negated: bool = False
    op: str | None = None  # thresholds: input value OP value
    value: Value | None = None
    unit: str | None = None


def _doc(program: Program, pred: str, lang: str) -> str:
    info = program.preds.get(pred)
    if info is None:
        return pred
    return info.docs.get(lang) or info.docs.get("en") or pred


def _cited(program: Program, pred: str) -> Clause | None:
    """The clause that says what a condition means (its first clause with a source)."""
    info = program.preds.get(pred)
    return next((c for c in info.clauses if c.notes.sources), None) if info else None


def conditions(program: Program, pred: str, lang: str = "en") -> list[RuleItem]:
    """The conditions of every clause of ``pred``, in the order the rule files state them."""
    out: list[RuleItem] = []
    info = program.preds[pred]
    for g, c in enumerate(c for c in info.clauses if not c.is_fact):
        for lit in c.body:
            if isinstance(lit, (Compare, Aggregate)):
                out.append(RuleItem(c.id, pred, str(lit), c.notes.sources, g))
                continue
            negated = isinstance(lit, Neg)
            atom = lit.atom if isinstance(lit, Neg) else lit
            if not isinstance(atom, Atom):
                continue
            own = _cited(program, atom.pred)
            where = own if own is not None else c
            text = _doc(program, atom.pred, lang)
            if atom.pred in program.inputs and any(isinstance(a, Const) for a in atom.args):
                text = f"{atom} — {text}"  # the value the rule requires: created_by(C, procurement)
            out.append(RuleItem(where.id, atom.pred, text, where.notes.sources, g, negated))
    return out


def below(program: Program, pred: str) -> set[str]:
    """``pred`` and every derived predicate its clauses reach."""
    seen, todo = set(), [pred]
    while todo:
        p = todo.pop()
        if p in seen or p not in program.preds:
            continue
        seen.add(p)
        for c in program.preds[p].clauses:
            for lit in c.body:
                atom = lit.atom if isinstance(lit, Neg) else lit
                if isinstance(atom, Atom):
                    todo.append(atom.pred)
    return seen


def thresholds(program: Program, inputs: set[str], scope: set[str] | None = None,
               lang: str = "en") -> list[RuleItem]:
    """Every comparison of an input's value with a constant, in clauses whose head is in scope."""
    out: list[RuleItem] = []
    for c in program.clauses:
        if c.is_fact or (scope is not None and c.head.pred not in scope):
            continue
        for agg in (lit for lit in c.body if isinstance(lit, Aggregate)):
            # "N = count { T : jd_ocg_package_reward(A, I, T) }, N =< 3": a bound on how many
            if not any(isinstance(b, Atom) and b.pred in inputs for b in agg.body):
                continue
            pred = next(b.pred for b in agg.body if isinstance(b, Atom) and b.pred in inputs)
            for cmp in c.body:
                if isinstance(cmp, Compare) and cmp.lhs == agg.result and isinstance(cmp.rhs, Const):
                    out.append(RuleItem(c.id, pred, _doc(program, c.head.pred, lang), c.notes.sources,
                                        op=cmp.op, value=cmp.rhs.value, unit=agg.fn))
        for lit in c.body:
            if not isinstance(lit, Atom) or lit.pred not in inputs or not lit.args:
                continue
            value_var = lit.args[-1]
            if not isinstance(value_var, Var):
                continue
            decl = program.inputs[lit.pred]
            unit = decl.args[-1].unit if decl.args else None
            for cmp in c.body:
                if not isinstance(cmp, Compare) or cmp.op == "=":
                    continue
                if cmp.lhs == value_var and isinstance(cmp.rhs, Const):
                    op, value = cmp.op, cmp.rhs.value
                elif cmp.rhs == value_var and isinstance(cmp.lhs, Const):
                    op, value = _FLIP[cmp.op], cmp.lhs.value
                elif value_var in literal_vars(cmp):
                    # a bound relative to another value (≤ 2× the category average): the rule in words
                    out.append(RuleItem(c.id, lit.pred, _doc(program, c.head.pred, lang), c.notes.sources))
                    continue
                else:
                    continue
                out.append(RuleItem(c.id, lit.pred, _doc(program, c.head.pred, lang),
                                    c.notes.sources, op=op, value=value, unit=unit))
    return out

