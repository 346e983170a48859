"""The reasons column: every failing condition of the goal, found in the clause views.

For each clause of the goal, the subject's best row (highest status, then the first binding in
text order, as the prover orders solutions) gives each literal's status. A failing derived
condition about the subject alone is followed into its own clauses, down to the leaves: a
comparison (observed, operator, threshold), an input with another value or none, a value not
listed, a negated condition that holds. Unknown leaves that are inputs are the missing inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

from grammar.model import Atom, Compare, Const, Neg, Var
from kb.loader import Program
from kb.screen.compile import MAX_EXPLAIN_DEPTH, ClauseView, Plan
from kb.screen.dialect import DIALECTS

REASON_FIELDS = ("condition", "words", "clause", "literal", "kind", "observed", "op", "threshold", "unknown")


@dataclass
class Explanation:
    views: list[tuple[str, str]]  # the per-subject best rows
    joins: list[str]
    reasons: str  # SQL: list of structs
    missing: str  # SQL: list of input names
    conditions: list[tuple[str, str, str]]  # (condition text, words, SQL: failing as "no")
    failing: str = "[]"  # SQL: list of the goal's failing conditions {condition, clause, words, unknown}


def explain(program: Program, plan: Plan) -> Explanation:
    d = DIALECTS[plan.dialect]
    by_clause = {(cv.clause.id, cv.spec): cv for cv in plan.clause_views.values()}
    views: list[tuple[str, str]] = []
    joins: list[str] = []
    reduced: dict[str, str] = {}
    candidates: list[str] = []
    missing: list[str] = []
    conditions: list[tuple[str, str, str]] = []
    tops: list[str] = []  # the goal's own failing conditions
    words_of: dict[str, str] = {}

    def best_row(cv: ClauseView) -> str:
        if cv.name not in reduced:
            name = f"e_{cv.name}"
            reduced[cv.name] = name
            views.append((name, f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY a0 ORDER BY st DESC, k) "
                                f"AS gz_rank FROM {cv.name}) r WHERE gz_rank = 1"))
            joins.append(f" LEFT JOIN {name} ON {name}.a0 = h.id")
        return reduced[cv.name]

    def s(text: str) -> str:
        return d.string(text)

    def walk(cv: ClauseView, when: list[str], unknown: list[str], root: str | None, depth: int) -> None:
        e = best_row(cv)
        unknown = unknown + [f"{e}.st = 1"]  # an unknown alternative: its missing inputs are asked for
        subject = cv.clause.head.args[0]
        for info in cv.lits:
            st = f"{e}.l{info.index}"
            # failing as the prover reports it: false in the engine (or, under a goal the engine
            # proves only on an unknown, the unknown parts)
            fails = when + [f"{st} < 2", f"(NOT {e}.e{info.index} OR coalesce(g.e, FALSE))"]
            lit = info.literal
            cond_text = root or str(lit)
            if root is None:
                words = program.preds[lit.pred].docs.get("en", "") if isinstance(lit, Atom) and \
                    lit.pred in program.preds else ""
                conditions.append((cond_text, words or "", " AND ".join(when + [f"{st} = 0"])))
                tops.append(f"CASE WHEN {' AND '.join(fails)} THEN " + d.struct([
                    ("condition", s(cond_text)), ("clause", s(cv.clause.id)), ("words", s(words or "")),
                    ("unknown", f"({st} = 1)")]) + " END")
                words_of[cond_text] = words or ""
            sub = _descend(program, by_clause, lit, subject) if depth < MAX_EXPLAIN_DEPTH else []
            if sub:
                for child in sub:
                    walk(child, fails, unknown, cond_text, depth + 1)
                continue
            observed = threshold = op = "CAST(NULL AS VARCHAR)"
            kind = {"input": f"CASE WHEN {st} = 1 THEN 'missing' ELSE 'mismatch' END",
                    "optional": f"CASE WHEN {st} = 1 THEN 'missing' ELSE 'none_stated' END",
                    "facts": "'not_listed'", "derived": "'derived'", "neg": "'holds'",
                    "compare": "'threshold'"}.get(info.kind, "'derived'")
            if info.kind == "compare":
                assert isinstance(lit, Compare)
                observed, threshold, op = f"{e}.x{info.index}_l", f"{e}.x{info.index}_r", s(lit.op)
            elif info.kind == "input" and isinstance(lit, Atom):
                observed = f"CASE WHEN {st} = 0 THEN {e}.x{info.index}_o END"
                last = lit.args[-1] if lit.args else None
                if isinstance(last, Const):
                    op, threshold = s("="), s(str(last))
            gd = f"{e}.g{info.index}" if info.kind in ("input", "optional", "facts", "derived", "neg", "compare") \
                else "FALSE"
            fails = fails + [f"NOT {gd}"]  # a literal that needs a value a failed one gives is skipped
            if info.kind in ("input", "optional") and isinstance(lit, Atom):
                missing.append(f"CASE WHEN {' AND '.join(fails + unknown)} AND {st} = 1 THEN {s(lit.pred)} END")
            fields = [("condition", s(cond_text)), ("words", s(words_of.get(cond_text, ""))),
                      ("clause", s(cv.clause.id)), ("literal", s(str(lit))),
                      ("kind", kind), ("observed", observed), ("op", op), ("threshold", threshold),
                      ("unknown", f"({st} = 1)")]
            candidates.append(f"CASE WHEN {' AND '.join(fails)} THEN {d.struct(fields)} END")

    goal_info = program.preds[plan.goal]
    for c in goal_info.clauses:
        if c.is_fact:
            continue
        cv = by_clause[(c.id, ())]
        walk(cv, ["coalesce(g.st, 0) < 2"], [], None, 0)
    return Explanation(views, joins, d.compact(candidates), d.compact(missing), conditions, d.compact(tops))


def _descend(program: Program, by_clause: dict[tuple, ClauseView], lit, subject) -> list[ClauseView]:
    """The clause views of a derived condition about the subject alone (``q(S)`` or ``q(S, c)``)."""
    if not isinstance(lit, Atom) or not lit.args or lit.args[0] != subject or not isinstance(subject, Var):
        return []
    if any(not isinstance(a, (Const, Var)) for a in lit.args[1:]):
        return []
    info = program.preds.get(lit.pred)
    if info is None or info.kind != "derived":
        return []
    spec = tuple((i, a.value) for i, a in enumerate(lit.args) if i > 0 and isinstance(a, Const))
    if spec and not any(isinstance(c.head.args[i], Var) for c in info.clauses for i, _ in spec):
        spec = ()
    out = []
    for c in info.clauses:
        if c.is_fact:
            continue
        head = c.head.args
        if any(not (isinstance(h, Var) or h == a) for h, a in zip(head[1:], lit.args[1:])):
            continue  # this clause is about another value
        cv = by_clause.get((c.id, spec))
        if cv is None or not cv.subject_driven:
            return []
        out.append(cv)
    return out


__all__ = ["Explanation", "REASON_FIELDS", "explain", "Neg"]
