"""The reasons column: every failing condition of the goal, found in the clause views.

For each clause of the goal, the subject's best row (highest status, then the first binding in
text order, as the prover orders solutions) gives each literal's status. A failing derived
condition about the subject alone is followed into its own clauses, down to the leaves: a
comparison (observed, operator, threshold), an input with another value or none, a value not
listed, a negated condition that holds. Unknown leaves that are inputs are the missing inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grammar.model import Atom, Compare, Const, Neg, Var
from kb.loader import Program
from kb.screen.compile import MAX_EXPLAIN_DEPTH, ClauseView, Plan, Wide, wide_table
from kb.screen.dialect import DIALECTS

REASON_FIELDS = ("condition", "clause", "literal", "kind", "observed", "op", "threshold", "unknown")


@dataclass
class Explanation:
    views: list[tuple[str, str]]  # the per-subject best rows, then gz_wide: one row per subject
    conditions: list[tuple[str, str, str]]  # (condition text, words, SQL: failing as "no")
    final: str  # over gz_wide: subject, answer, conditions, reasons, missing
    failures: str  # over screened: one row, f<i> = the subjects answered no that fail condition i


def explain(program: Program, plan: Plan) -> Explanation:
    d = DIALECTS[plan.dialect]
    by_clause = {(cv.clause.id, cv.spec): cv for cv in plan.clause_views.values()}
    views: list[tuple[str, str]] = []
    reduced: dict[str, str] = {}
    conditions: list[tuple[str, str, str]] = []
    words_of: dict[str, str] = {}

    def best_row(cv: ClauseView) -> str:
        if cv.wide:  # columns of the wide row
            return cv.name
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

    made: dict[str, list[tuple[str, int, str]]] = {}

    def missing_under(atom: Atom) -> list[tuple[str, int, str]]:
        """(view, literal, input) of the negated relation's clauses: the view ``<clause>_mx`` has
        ``m<literal>`` true for a subject with an unknown row lacking that input."""
        info = program.preds.get(atom.pred)
        if info is None or info.kind != "derived" or any(isinstance(a, Const) for a in atom.args[1:]):
            return []
        out: list[tuple[str, int, str]] = []
        for c in info.clauses:
            cv = by_clause.get((c.id, ()))
            if c.is_fact or cv is None or cv.wide:
                continue
            name = f"{cv.name}_mx"
            if name not in made:
                lits = [(x.index, x.literal.pred) for x in cv.lits if x.kind == "input" and isinstance(x.literal, Atom)]
                made[name] = [(name, i, pred) for i, pred in lits]
                if lits:  # only the subjects with such a row (the others read NULL: not asked)
                    views.append((name, "SELECT a0, " + ", ".join(
                        f"bool_or(l{i} = 1 AND NOT g{i}) AS m{i}" for i, _ in lits)
                        + f" FROM {cv.kept} WHERE st = 1 AND ux GROUP BY a0"))
            out += made[name]
        return out

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
                conditions.append((cond_text, words or "", " AND ".join(when + [f"{st} = 0"])))
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
            elif info.kind == "neg" and isinstance(lit, Neg) and lit.atom.args and lit.atom.args[0] == subject:
                # unknown because a record of the subject lacks an input: that input is asked for
                for name, index, pred in missing_under(lit.atom):
                    asked.append((path, fails + unknown + [f"{st} = 1", f"{name}.m{index}"], s(pred)))
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

    # one row per subject: the wide row (the columns of the clauses about the subject alone)
    # joined to the best rows of the other clause views; every candidate is then a CASE over it
    texts = [" ".join(c) + " " + (" ".join(x for _, x in v) if isinstance(v, list) else v)
             for items in (failing, reasons, asked) for _, c, v in items]
    refs = sorted(set(_REF.findall(" ".join(texts))))
    wide = {cv.name for cv in plan.clause_views.values() if cv.wide}
    used = [v for v in dict.fromkeys(view for view, _ in refs) if v not in wide]
    goal_wide = any(n == f"w_{plan.goal}" for n, _ in plan.views)
    if goal_wide:
        goal_cols = [f"coalesce(h.d_{plan.goal}__st, 0) AS st", f"coalesce(h.d_{plan.goal}__e, FALSE) AS e"]
        goal_join = ""
    else:
        goal_cols = ["coalesce(gg.st, 0) AS st", "coalesce(gg.e, FALSE) AS e"]
        goal_join = (f" LEFT JOIN (SELECT a0, max(st) AS st, bool_or(e) AS e FROM d_{plan.goal} GROUP BY a0) gg "
                     "ON gg.a0 = h.id")
    # a column of a clause below the goal that reads the row alone (its inputs, the columns
    # computed before it) is written out where the reasons read it, not computed on the row: it
    # is then evaluated only for the subjects that fail the conditions above it (the leaves
    # under a condition most subjects meet are most of the row's columns)
    goal_clauses = {cv.name for cv in plan.clause_views.values() if cv.clause.head.pred == plan.goal}
    row_sql = {c: sql for _, b in plan.views if isinstance(b, Wide) and b.type == plan.subject_type
               for c, sql in b.cols if _on_row_only(sql)}
    inline: dict[str, str] = {}
    through: list[str] = []
    for v, c in refs:
        if v not in wide:
            continue
        name = f"{v}__{c}"
        if v not in goal_clauses and name in row_sql:
            inline[name] = _on_w(row_sql[name])
            through += [x for x in _row_names(row_sql[name]) if x != "id"]
        else:
            through.append(name)
    cols = ["h.id AS a0"] + goal_cols + [f"h.{x} AS {x}" for x in dict.fromkeys(through)]
    prev = (f"(SELECT {', '.join(cols)} FROM {wide_table(plan.subject_type)} h{goal_join} WHERE h.gz_in)")
    # joined a few views at a time: one join of them all holds every hash table at once
    step = 6
    for k in range(0, max(len(used), 1), step):
        group = used[k:k + step]
        gcols = ", ".join(["g.*"] + [f"{v}.{c} AS {v}__{c}" for v, c in refs if v in group])
        name = "gz_wide" if k + step >= len(used) else f"gz_wide_{k // step}"
        views.append((name, f"SELECT {gcols} FROM {prev} g" + "".join(
            f" LEFT JOIN {v} ON {v}.a0 = g.a0" for v in group)))
        prev = name

    def column(m: re.Match) -> str:
        name = f"{m.group(1)}__{m.group(2)}"
        return f"({inline[name]})" if name in inline else f"w.{name}"

    def flat(sql: str) -> str:
        return _REF.sub(column, sql).replace("g.st", "w.st").replace("g.e", "w.e")

    def listed(items, fields) -> str:
        """The values of the items whose conditions hold, in order: each a one-value list where
        its condition holds (NULL elsewhere), flattened (cheaper than a list of every
        candidate's value, most of them NULL). Consecutive items whose conditions begin alike
        (the leaves under one failing condition) are nested under one CASE of those: the rest is
        evaluated only for the subjects that fail it."""
        if not items:
            return d.empty_list(fields)
        entries = [([flat(c) for c in conds], flat(d.struct(v) if fields is not None else v))
                   for _p, conds, v in items]
        return d.gather(_nest(entries, 0, d))
    conditions_list = listed(failing, FAILING_FIELDS)
    reasons_list = listed(reasons, REASON_TYPES)
    missing_list = listed(asked, None)
    # the summary's counts in the same pass: a flag per condition of the goal, failing as no
    flags = [f"(w.st = 0 AND {flat(c)}) AS gz_f{i}" for i, (_, _, c) in enumerate(conditions)]
    final = ("SELECT subject, answer, conditions, reasons, " + (d.first_each("m") if asked else "m")
             + " AS missing" + "".join(f", gz_f{i}" for i in range(len(flags)))
             + " FROM (SELECT w.a0 AS subject, "
             "CASE w.st WHEN 2 THEN 'yes' WHEN 1 THEN 'unknown' ELSE 'no' END AS answer, "
             f"{conditions_list} AS conditions, {reasons_list} AS reasons, {missing_list} AS m"
             + "".join(f", {f}" for f in flags) + " FROM gz_wide w) z")
    counts = [f"sum(CASE WHEN gz_f{i} THEN 1 ELSE 0 END) AS f{i}" for i in range(len(flags))]
    failures = f"SELECT {', '.join(counts) or '0 AS f0'} FROM screened"
    return Explanation(views, conditions, final, failures)


_ALIAS = re.compile(r"\b([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)")


def _outside_strings(sql: str) -> list[tuple[bool, str]]:
    """The SQL cut into (is a string literal, text) pieces."""
    return [(k % 2 == 1, part) for k, part in enumerate(re.split(r"('(?:[^']|'')*')", sql))]


def _on_row_only(sql: str) -> bool:
    """The expression reads no table but the row ``h`` (no joined value, no parameter)."""
    return all(a == "h" for lit, part in _outside_strings(sql) if not lit for a, _ in _ALIAS.findall(part))


def _row_names(sql: str) -> list[str]:
    return [n for lit, part in _outside_strings(sql) if not lit for _, n in _ALIAS.findall(part)]


def _on_w(sql: str) -> str:
    """A row expression over ``h`` rewritten over the final pass's row ``w`` (the id is a0)."""
    return "".join(part if lit else _ALIAS.sub(lambda m: "w.a0" if m.group(2) == "id" else f"w.{m.group(2)}", part)
                   for lit, part in _outside_strings(sql))


def _nest(entries: list[tuple[list[str], str]], start: int, d) -> list[str]:
    """One-value lists (NULL where their conditions fail) of ``entries`` (conditions, value),
    whose first ``start`` conditions are already known to hold; a run of entries sharing their
    next conditions becomes one CASE of those around the list of the run."""
    out: list[str] = []
    i = 0
    while i < len(entries):
        conds, value = entries[i]
        j = i + 1
        if len(conds) > start:
            while j < len(entries) and len(entries[j][0]) > start and entries[j][0][start] == conds[start]:
                j += 1
        run = entries[i:j]
        if len(run) == 1:
            rest = conds[start:]
            out.append(f"CASE WHEN {' AND '.join(rest)} THEN {d.one(value)} END" if rest else d.one(value))
        else:
            k = start + 1
            while all(len(c) > k for c, _ in run) and len({c[k] for c, _ in run}) == 1:
                k += 1
            out.append(f"CASE WHEN {' AND '.join(conds[start:k])} THEN {d.gather(_nest(run, k, d))} END")
        i = j
    return out


_REF = re.compile(r"\b((?:e_)?cl_\d+(?:_g|_mx)?)\.([a-z][a-z0-9_]*)")
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
