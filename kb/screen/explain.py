"""The reasons column: every failing condition of the goal, found in the clause views.

For each clause of the goal, the subject's best row (highest status, then the first binding in
text order, as the prover orders solutions) gives each literal's status. A failing derived
condition about the subject alone is followed into its own clauses, down to the leaves: a
comparison (observed, operator, threshold), an input with another value or none, a value not
listed, a negated condition that holds. Unknown leaves that are inputs are the missing inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grammar.model import Atom, Compare, Const, Neg, Var
from kb.loader import Program
from kb.screen.compile import MAX_EXPLAIN_DEPTH, ClauseView, Plan
from kb.screen.dialect import DIALECTS

REASON_FIELDS = ("condition", "clause", "literal", "kind", "observed", "op", "threshold", "unknown")


@dataclass
class Explanation:
    views: list[tuple[str, str]]  # the per-subject best rows
    joins: list[str]
    reasons: str  # (unused)
    missing: str  # (unused)
    conditions: list[tuple[str, str, str, str]]  # (condition text, words, its view, SQL: failing as "no")
    # the long tables: gz_conditions (the goal's failing conditions), gz_reasons (every failing
    # leaf), gz_missing (inputs to state): name -> struct field types (None: a list of names)
    agg: list[tuple[str, tuple | None]] = field(default_factory=list)


def explain(program: Program, plan: Plan) -> Explanation:
    d = DIALECTS[plan.dialect]
    by_clause = {(cv.clause.id, cv.spec): cv for cv in plan.clause_views.values()}
    views: list[tuple[str, str]] = []
    joins: list[str] = []
    reduced: dict[str, str] = {}
    conditions: list[tuple[str, str, str, str]] = []
    words_of: dict[str, str] = {}

    def best_row(cv: ClauseView) -> str:
        if cv.name not in reduced:
            name = f"e_{cv.name}"
            reduced[cv.name] = name
            if cv.several:
                views.append((name, f"SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY a0 ORDER BY st DESC, "
                                    f"k) AS gz_rank FROM {cv.name}) r WHERE gz_rank = 1"))
            else:  # one row per subject already
                name = cv.name
            reduced[cv.name] = name
        return reduced[cv.name]

    def s(text: str) -> str:
        return d.string(text)

    # candidates: (needed best-row views, conditions, struct fields); each becomes one small query
    reasons: list[tuple[list[str], list[str], list[tuple[str, str]]]] = []
    asked: list[tuple[list[str], list[str], str]] = []
    failing: list[tuple[list[str], list[str], list[tuple[str, str]]]] = []

    def walk(cv: ClauseView, when: list[str], unknown: list[str], root: str | None, depth: int,
             path: list[str]) -> None:
        e = best_row(cv)
        path = path + [e]
        unknown = unknown + [f"{e}.st = 1"]  # an unknown alternative: its missing inputs are asked for
        subject = cv.clause.head.args[0]
        for info in cv.lits:
            st = f"{e}.l{info.index}"
            # failing as the prover reports it: false in the engine (or, under a goal the engine
            # proves only on an unknown, the unknown parts)
            fails = when + [f"{st} < 2", f"(NOT {e}.e{info.index} OR g.e)"]
            lit = info.literal
            cond_text = root or str(lit)
            if root is None:
                words = program.preds[lit.pred].docs.get("en", "") if isinstance(lit, Atom) and \
                    lit.pred in program.preds else ""
                conditions.append((cond_text, words or "", e, " AND ".join(when + [f"{st} = 0"])))
                # the words of a condition are the same for every subject: in the summary, the report
                # and `kb rules`, not repeated on each of a million rows
                failing.append((path, fails, [("condition", s(cond_text)), ("clause", s(cv.clause.id)),
                                              ("unknown", f"({st} = 1)")]))
                words_of[cond_text] = words or ""
            sub = _descend(program, by_clause, lit, subject) if depth < MAX_EXPLAIN_DEPTH else []
            if sub:
                for child in sub:
                    walk(child, fails, unknown, cond_text, depth + 1, path)
                continue
            observed = threshold = op = d.null("str")
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
            fails = fails + [f"NOT {e}.g{info.index}"]  # needs a value a failed literal gives: skipped
            if info.kind in ("input", "optional") and isinstance(lit, Atom):
                asked.append((path, fails + unknown + [f"{st} = 1"], s(lit.pred)))
            fields = [("condition", s(cond_text)), ("clause", s(cv.clause.id)), ("literal", s(str(lit))),
                      ("kind", kind), ("observed", observed), ("op", op), ("threshold", threshold),
                      ("unknown", f"({st} = 1)")]
            reasons.append((path, fails, fields))

    goal_info = program.preds[plan.goal]
    for c in goal_info.clauses:
        if c.is_fact:
            continue
        cv = by_clause[(c.id, ())]
        walk(cv, ["g.st < 2"], [], None, 0, [])

    # one wide row per subject not answered yes (every column the conditions read, from one
    # join of the best-row views), then each candidate is a filter over it: scans, not joins
    texts = [" ".join(c) + " " + (" ".join(x for _, x in v) if isinstance(v, list) else v)
             for items in (failing, reasons, asked) for _, c, v in items]
    refs = sorted(set(_REF.findall(" ".join(texts))))
    used = list(dict.fromkeys(view for view, _ in refs))
    # built a few views at a time: one join of them all holds every hash table at once
    prev = "(SELECT a0, st, e FROM gz_goal WHERE st < 2 OR e)"
    step = 6
    for k in range(0, max(len(used), 1), step):
        group = used[k:k + step]
        cols = ", ".join(["g.*"] + [f"{v}.{c} AS {v}__{c}" for v, c in refs if v in group])
        name = "gz_wide" if k + step >= len(used) else f"gz_wide_{k // step}"
        views.append((name, f"SELECT {cols} FROM {prev} g" + "".join(
            f" LEFT JOIN {v} ON {v}.a0 = g.a0" for v in group)))
        prev = name

    def flat(sql: str) -> str:
        return _REF.sub(lambda m: f"w.{m.group(1)}__{m.group(2)}", sql).replace("g.st", "w.st").replace("g.e", "w.e")

    def long(items, value) -> str:
        parts = []
        for n, (_path, conds, v) in enumerate(items):
            parts.append(f"SELECT w.a0 AS subject, {n} AS n, {flat(value(v))} AS r FROM gz_wide w "
                         f"WHERE {flat(' AND '.join(conds))}")
        return " UNION ALL ".join(parts)

    agg: list[tuple[str, tuple | None]] = []
    for name, items, value, fields in (
            ("gz_conditions", failing, d.struct, FAILING_FIELDS),
            ("gz_reasons", reasons, d.struct, REASON_TYPES),
            ("gz_missing", asked, lambda v: v, None)):
        if not items:
            agg.append((name, None))
            continue
        rows = long(items, value)
        if name == "gz_missing":
            rows = f"SELECT subject, min(n) AS n, r FROM ({rows}) x GROUP BY subject, r"
        views.append((name, f"SELECT subject, {d.ordered_list('r', 'n')} AS r FROM ({rows}) y GROUP BY subject"))
        agg.append((name, fields))
    return Explanation(views, joins, "", "", conditions, agg=agg)


_REF = re.compile(r"\b((?:e_)?cl_\d+(?:_g)?)\.([a-z][a-z0-9_]*)")
FAILING_FIELDS = (("condition", "str"), ("clause", "str"), ("unknown", "bool"))
REASON_TYPES = tuple((f, "bool" if f == "unknown" else "str") for f in REASON_FIELDS)


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
