"""The term model compiled to SQL: one view per clause and per derived predicate.

Every relation is three-valued like the prover's answers: a row's ``st`` is 2 (holds), 1
(unknown: it fails only for want of inputs) or absent (does not hold). A clause's status is the
least of its literals' statuses, a predicate's the greatest of its clauses' (Kleene's AND/OR);
"not stated" is NULL, so a comparison on an unstated value is unknown by SQL's own logic.

* positive input literal: LEFT JOIN on the subject's key; no row at all is *missing* (1)
  for a plain input and *none stated* (0) for an optional one; a row with another value is 0.
* derived literal: LEFT JOIN on the bound arguments of the predicate's view.
* negation: LEFT JOIN to the negated relation grouped by the bound arguments (NOT EXISTS):
  0 if it holds, 2 if it is absent, 1 if it is only unknown. ``not p(S, _)`` stays closed-world
  when p is unknown only for want of the subject's own inputs (``ux``: the unknown rests on an
  input about another subject, a record), as in the prover.
* aggregates: GROUP BY over the rows that hold (an empty group counts 0), as in the engine.
* built-ins: SQL functions; the as-of date is a one-row parameter table ``params``.

A construct outside this (recursion, a built-in or type the compiler does not know) raises
``CompileError`` naming the clause: never a silently different answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grammar.model import (
    Aggregate,
    Atom,
    Call,
    Clause,
    Compare,
    Const,
    Literal,
    Neg,
    Term,
    Var,
    literal_vars,
    subst_atom,
    subst_literal,
    term_vars,
)
from kb.loader import Program
from kb.screen.dialect import DIALECTS, Dialect

BASE_TYPES = ("string", "number", "date", "datetime", "bool", "enum")
_SQL_OF_DECL = {"number": "num", "date": "date", "datetime": "ts"}
_CMP = {"=": "=", "!=": "<>", "<": "<", "=<": "<=", ">": ">", ">=": ">="}
MAX_EXPLAIN_DEPTH = 6


class CompileError(ValueError):
    """A clause the SQL compiler cannot translate (named, with the reason)."""


@dataclass
class Col:
    sql: str
    type: str  # num | date | ts | str
    subject: str | None = None  # the subject type of the value, when known


@dataclass
class LitInfo:
    """What the explanation needs of one body literal of a clause view."""

    index: int
    literal: Literal
    kind: str  # input | optional | facts | derived | neg | compare | bind | aggregate | as_of
    values: list[tuple[str, str]] = field(default_factory=list)  # (column in the view, role)


@dataclass
class ClauseView:
    name: str
    clause: Clause
    lits: list[LitInfo]
    subject_driven: bool  # arg0 ranges over the subject table (one group of rows per subject)
    spec: tuple = ()  # (position, constant): the clause as asked with those arguments given
    ground: str | None = None  # the view of the clause asked with every argument given
    lazy: tuple | None = field(default=None, repr=False)  # what building that view needs
    several: bool = True  # may have several rows per subject
    wide: bool = False  # columns ``<name>__<col>`` of the wide row, not a view
    kept: str = ""  # the view of its rows that hold or are unknown (see ``Compiler._clause``); else name

    def __post_init__(self) -> None:
        self.kept = self.kept or self.name


@dataclass
class Wide:
    """Columns added to the wide row of a subject type (``sw_<type>``): one clause or one
    predicate about the subject alone, one row per subject, so no join multiplies its rows."""

    type: str
    cols: list[tuple[str, str]]  # (column, SQL over the row ``h`` and the joins)
    joins: list[str] = field(default_factory=list)


class _NotWide(Exception):
    """This clause may give a subject several rows: it gets a view of its own."""


def is_wide_input(d, type_name: str) -> bool:
    """A single-valued input about a subject of ``type_name``: a column of its wide row."""
    return d.single and len(d.args) == 2 and d.args[0].type == type_name


def wide_inputs(program: Program, type_name: str) -> list:
    """The wide row's input columns of a subject type, in declaration order."""
    return [d for d in program.inputs.values() if is_wide_input(d, type_name)]


def wide_table(type_name: str) -> str:
    """The placeholder a view puts where it reads the wide row of a type as computed so far."""
    return f"@@wide_{type_name}@@"


@dataclass
class Plan:
    """Views in dependency order, then the goal's relation ``d_<goal>``."""

    goal: str
    subject_type: str
    views: list[tuple[str, str | Wide]]  # a view's SQL, or columns of the wide row (see ``statements``)
    inputs: set[str]
    clause_views: dict[str, ClauseView]
    uses_as_of: bool
    dialect: str
    base_cols: dict[str, list[str]] = field(default_factory=dict)  # type -> the columns of sw_<type>


def subject_types(program: Program) -> dict[tuple[str, int], str]:
    """(pred, position) -> subject type, from the input declarations through the clauses."""
    types: dict[tuple[str, int], str] = {}
    for d in program.inputs.values():
        for i, a in enumerate(d.args):
            if a.type not in BASE_TYPES:
                types[(d.pred, i)] = a.type
    changed = True
    while changed:
        changed = False
        for c in program.clauses:
            for i, t in enumerate(c.head.args):
                if not isinstance(t, Var) or (c.head.pred, i) in types:
                    continue
                for lit in c.body:
                    atom = lit.atom if isinstance(lit, Neg) else lit
                    if isinstance(atom, Atom):
                        for j, u in enumerate(atom.args):
                            if u == t and (atom.pred, j) in types:
                                types[(c.head.pred, i)] = types[(atom.pred, j)]
                                changed = True
                                break
                    if (c.head.pred, i) in types:
                        break
    return types


def screenable_goals(program: Program) -> list[str]:
    """Askable derived predicates whose first argument is a subject: one verdict per subject."""
    types = subject_types(program)
    return sorted(n for n, i in program.preds.items()
                  if i.kind == "derived" and i.asks and any(not c.is_fact for c in i.clauses)
                  and (n, 0) in types)


def _value_type(v: object) -> str:
    import datetime as _dt
    from decimal import Decimal

    if isinstance(v, str):
        return "str"
    if isinstance(v, Decimal):
        return "num"
    if isinstance(v, _dt.datetime):
        return "ts"
    return "date"


class Compiler:
    def __init__(self, program: Program, dialect: str = "duckdb", wide: bool = True) -> None:
        self.p = program
        self.d: Dialect = DIALECTS[dialect]
        self.types = subject_types(program)
        self.col_types: dict[tuple[str, int], str] = {}
        self.views: list[tuple[str, str | Wide]] = []
        self.done: set[str] = set()
        self.inputs: set[str] = set()
        self.clause_views: dict[str, ClauseView] = {}
        self.uses_as_of = False
        self.n_clauses = 0
        self.specials: dict[tuple[str, tuple, bool], str] = {}
        self.wide_on = wide
        self.wide_preds: dict[str, str] = {}  # predicate about a subject alone -> its type (wide-row columns)
        for d in program.inputs.values():
            for i, a in enumerate(d.args):
                self.col_types[(d.pred, i)] = _SQL_OF_DECL.get(a.type, "str")

    # ------------------------------------------------------------------ predicates
    def kind(self, pred: str) -> str:
        if pred == "as_of":
            return "as_of"
        info = self.p.preds.get(pred)
        if info is None:
            raise CompileError(f"unknown predicate {pred}")
        if info.kind == "input":
            return "input"
        if all(c.is_fact for c in info.clauses):
            return "facts"
        return "derived"

    def relation(self, pred: str, atom: Atom | None = None, ground: bool = False) -> str:
        """The relation a literal reads. A derived one asked with a constant, or with every
        argument given, reads the variant whose clauses are evaluated as the prover asks them:
        with those arguments bound from the start (that decides which bindings go on)."""
        k = self.kind(pred)
        if k == "input":
            self.inputs.add(pred)
            return f"in_{pred}"
        self.define(pred)
        if k == "derived" and atom is not None:
            spec = tuple((i, t.value) for i, t in enumerate(atom.args) if i > 0 and isinstance(t, Const))
            if spec and not any(isinstance(c.head.args[i], Var) for c in self.p.preds[pred].clauses for i, _ in spec):
                spec = ()
            ground = ground and len(atom.args) > 1
            if spec or ground:
                return self.variant(pred, spec, ground)
        return ("rf_" if k == "facts" else "d_") + pred

    def variant(self, pred: str, spec: tuple, ground: bool) -> str:
        if (pred, spec, ground) in self.specials:
            return self.specials[(pred, spec, ground)]
        name = f"d_{pred}__{len(self.specials) + 1}"
        self.specials[(pred, spec, ground)] = name
        info = self.p.preds[pred]
        parts = []
        for c in info.clauses:
            env: dict = {}
            ok = True
            for i, v in spec:
                h = c.head.args[i]
                if isinstance(h, Var):
                    if h in env and env[h] != v:
                        ok = False
                    env[h] = v
                elif not (isinstance(h, Const) and type(h.value) is type(v) and h.value == v):
                    ok = False
            if not ok:
                continue
            sc = Clause(subst_atom(c.head, env), tuple(subst_literal(b, env) for b in c.body), c.notes, c.pos,
                        c.body_pos)
            if c.is_fact:
                parts.append("SELECT " + ", ".join(f"{self.d.const(a.value)[0]} AS a{i}"  # type: ignore[union-attr]  # rule facts are ground
                                                   for i, a in enumerate(sc.head.args)) + ", 2 AS st, FALSE AS ux, "
                             "TRUE AS e")
                continue
            cv = self._row_clause(sc, spec) if spec else next(
                v for v in self.clause_views.values() if v.clause is c and not v.spec)
            if ground and cv.lazy is not None and cv.ground is None:  # made when first asked for
                q, raw, extra = cv.lazy
                cv.ground = f"{cv.name}_g"
                self.views.append((cv.ground, self._alive(cv.clause, q, raw, extra, cv.ground, ground=True)))
            view = cv.ground if ground and cv.ground else cv.kept
            parts.append(f"SELECT {self._cols(info.arity)}, st, ux, e FROM {view}")
        cols = self._cols(info.arity)
        if not parts:
            parts.append("SELECT " + ", ".join(self.d.null(self.col_types.get((pred, i), "str")) + f" AS a{i}"
                                               for i in range(info.arity)) + ", 0 AS st, FALSE AS ux, FALSE AS e")
        sql = (f"SELECT {cols}, max(st) AS st, bool_or(ux) AS ux, bool_or(e) AS e, 1 AS m FROM ("
               + " UNION ALL ".join(parts) + f") u WHERE st > 0 OR e GROUP BY {cols}")
        self.views.append((name, sql))
        return name

    def define(self, pred: str) -> None:
        if pred in self.done:
            return
        self.done.add(pred)
        info = self.p.preds[pred]
        comp = self.p.scc.get(pred, frozenset())
        if len(comp) > 1 or any(a.pred == pred for c in info.clauses for lit in c.body
                                for a in _atoms(lit)):
            raise CompileError(f"{pred} is recursive (clause {info.clauses[0].id}); screening compiles "
                               "non-recursive rules only")
        facts = [c for c in info.clauses if c.is_fact]
        rules = [c for c in info.clauses if not c.is_fact]
        if facts:
            self._facts_view(pred, facts)
        if not rules:
            return
        t = self.types.get((pred, 0))
        if self.wide_on and t is not None and info.arity == 1 and all(isinstance(c.head.args[0], Var) for c in rules):
            self._wide_pred(pred, t, rules, bool(facts))
            return
        parts = []
        for c in rules:
            cv = self._row_clause(c)
            parts.append(f"SELECT {self._cols(info.arity)}{', ' if info.arity else ''}st, ux, e FROM {cv.kept}")
        if facts:
            parts.append(f"SELECT {self._cols(info.arity)}{', ' if info.arity else ''}2 AS st, FALSE AS ux, TRUE AS e "
                         f"FROM rf_{pred}")
        cols = self._cols(info.arity)
        sql = (f"SELECT {cols}{', ' if cols else ''}max(st) AS st, bool_or(ux) AS ux, bool_or(e) AS e, 1 AS m FROM ("
               + " UNION ALL ".join(parts) + ") u WHERE st > 0 OR e" + (f" GROUP BY {cols}" if cols else ""))
        self.views.append((f"d_{pred}", sql))

    def _wide_pred(self, pred: str, t: str, rules: list[Clause], facts: bool) -> None:
        """A predicate about a subject alone: columns ``d_<pred>__{m,st,ux,e}`` of the wide row
        (m: 1 where the relation has the subject's row), from its clauses' columns, or, for a
        clause that may give a subject several rows, its view reduced to one row per subject."""
        parts: list[tuple[str, str, str]] = []  # (st, ux, e) of each clause
        joins: list[str] = []
        for c in rules:
            try:
                cv = self._clause(c, wide=t)
            except _NotWide:
                cv = self._clause(c)
            if cv.wide:
                parts.append((f"h.{cv.name}__st", f"h.{cv.name}__ux", f"h.{cv.name}__e"))
                continue
            u = f"u{len(joins)}"
            joins.append(f" LEFT JOIN (SELECT a0, max(st) AS st, bool_or(ux) AS ux, bool_or(e) AS e FROM {cv.kept} "
                         f"WHERE st > 0 OR e GROUP BY a0) {u} ON {u}.a0 = h.id")
            parts.append((f"coalesce({u}.st, 0)", f"coalesce({u}.ux, FALSE)", f"coalesce({u}.e, FALSE)"))
        if facts:
            joins.append(f" LEFT JOIN (SELECT DISTINCT a0 FROM rf_{pred}) uf ON uf.a0 = h.id")
            parts.append(("(CASE WHEN uf.a0 IS NULL THEN 0 ELSE 2 END)", "FALSE", "(uf.a0 IS NOT NULL)"))
        present = [f"({st} > 0 OR {e})" for st, _, e in parts]
        there = " OR ".join(present)
        sts = [f"(CASE WHEN {p} THEN {st} ELSE 0 END)" for p, (st, _, _) in zip(present, parts)]
        best = sts[0] if len(sts) == 1 else f"greatest({', '.join(sts)})"
        ux = " OR ".join(f"({p} AND {x})" for p, (_, x, _) in zip(present, parts))
        e = " OR ".join(e for _, _, e in parts)
        self.views.append((f"w_{pred}", Wide(t, [
            (f"d_{pred}__m", f"(CASE WHEN {there} THEN 1 END)"),
            (f"d_{pred}__st", f"(CASE WHEN {there} THEN {best} END)"),
            (f"d_{pred}__ux", f"(CASE WHEN {there} THEN ({ux}) END)"),
            (f"d_{pred}__e", f"(CASE WHEN {there} THEN ({e}) END)")], joins)))
        self.wide_preds[pred] = t
        # the relation, for the views that join it
        self.views.append((f"d_{pred}", f"SELECT id AS a0, d_{pred}__st AS st, d_{pred}__ux AS ux, d_{pred}__e AS e, "
                                        f"1 AS m FROM {wide_table(t)} h WHERE d_{pred}__m = 1"))

    @staticmethod
    def _cols(n: int, prefix: str = "") -> str:
        return ", ".join(f"{prefix}a{i}" for i in range(n))

    def _facts_view(self, pred: str, facts: list[Clause]) -> None:
        arity = len(facts[0].head.args)
        types = []
        for i in range(arity):
            ts = {_value_type(c.head.args[i].value) for c in facts}  # type: ignore[union-attr]  # rule facts are ground
            if len(ts) > 1:
                raise CompileError(f"{pred}: argument {i + 1} mixes value types ({facts[0].id})")
            types.append(ts.pop())
            self.col_types[(pred, i)] = types[-1]
        rows = []
        for c in facts:
            vals = [self.d.const(a.value)[0] for a in c.head.args]  # type: ignore[union-attr]  # rule facts are ground
            rows.append("SELECT " + ", ".join(f"{v} AS a{i}" for i, v in enumerate(vals)) + ", 1 AS m")
        name = f"rf_{pred}"
        self.views.append((name, " UNION ALL ".join(rows) if arity else "SELECT 1 AS m"))

    # ------------------------------------------------------------------ clauses
    def _row_clause(self, c: Clause, spec: tuple = ()) -> ClauseView:
        """A clause about one subject (its other head arguments bound by the body) that gives
        each subject one row at most reads the subject's wide row: its inputs and the predicates
        about it alone are columns there, not joins of views over that row."""
        head0 = c.head.args[0] if c.head.args else None
        t = self.types.get((c.head.pred, 0))
        if self.wide_on and t is not None and isinstance(head0, Var):
            try:
                return self._clause(c, spec, row=t)
            except _NotWide:
                pass
        return self._clause(c, spec)

    def _clause(self, c: Clause, spec: tuple = (), wide: str | None = None, row: str | None = None) -> ClauseView:
        self.n_clauses += 1
        name = f"cl_{self.n_clauses}"
        q = _Query(self, c, wide=wide or row)
        head0 = c.head.args[0] if c.head.args else None
        driven = False
        if isinstance(head0, Var) and (c.head.pred, 0) in self.types:
            t = self.types[(c.head.pred, 0)]
            q.base = f"{wide_table(t)} h" if row == t else f"dom_{t} h"
            q.env[head0] = Col("h.id", "str", t)
            driven = True
        if row is not None and not driven:
            raise _NotWide(c.id)
        for i, lit in enumerate(c.body):
            try:
                q.literal(i, lit)
            except CompileError as e:
                raise CompileError(f"clause {c.id}: {e}") from None
        if wide is not None or row is not None:
            if q.expanding or q.duplicating:
                raise _NotWide(c.id)
            if wide is not None:
                return self._wide_clause(name, c, q, wide)
        heads = []
        for i, hterm in enumerate(c.head.args):
            col = q.term(hterm)
            prev = self.col_types.get((c.head.pred, i))
            if prev is not None and prev != col.type:
                raise CompileError(f"clause {c.id}: argument {i + 1} of {c.head.pred} is {col.type} here, "
                                   f"{prev} in another clause")
            self.col_types[(c.head.pred, i)] = col.type
            heads.append(f"{col.sql} AS a{i}")
        st = q.status()
        ux = q.ux_expr(q.term(head0).sql if head0 is not None else None)
        extra = [f"{s} AS l{i}" for i, s in q.statuses] + [f"{v} AS {k}" for k, v in q.extra]
        key = " || chr(1) || ".join(f"coalesce({self.d.text(col.sql, col.type)}, '')"
                                    for v, col in sorted(q.env.items(), key=lambda kv: kv[0].name)
                                    if not v.name.startswith("_")) or "''"
        if not q.expanding:  # one row per subject: no order among bindings to keep
            key = "''"
        emulate = bool(q.expanding and c.head.args)
        if emulate:  # the key of the bindings each literal is asked under, for the prover's order
            for i, _ in q.statuses:
                parts = [f"coalesce({self.d.text(col.sql, col.type)}, '')" for _, col in q.before.get(i, [])]
                extra.append(f"{' || chr(1) || '.join(parts) if parts else chr(39) * 2} AS k{i}")
        holds = " AND ".join(e for _, e in sorted(q.engine.items())) or "TRUE"
        sel = ", ".join(heads + [f"{st} AS st", f"{ux} AS ux", f"({holds}) AS e", f"{key} AS k"] + extra)
        # a subject with no row for the first literal (an optional input or a rule fact, asked
        # with the subject alone bound) has one row, which holds nowhere (none stated: 0, and so
        # the clause), whatever the prover's order: only the explanation, which lists that
        # literal, reads it. Every other reader (the predicate's relation, its variants, the
        # missing inputs under a negation) reads ``kept``, the same rows with that join inner:
        # the subjects with no penalty record are most of them and never reach the windows.
        first = q.join_of.get(0)
        inner = driven and first is not None and q.infos[0].kind in ("optional", "facts") \
            and q.guard_false.get(0, False)
        lazy = None
        names = [(name, "LEFT")] + ([(f"{name}_k", "INNER")] if inner else [])
        for view, how in names:
            joins = list(q.joins)
            if how == "INNER" and first is not None:
                joins[first] = " JOIN" + joins[first][len(" LEFT JOIN"):]
            sql = f"SELECT {sel} FROM {q.base}" + "".join(joins)
            if emulate:
                self.views.append((f"{view}_r", sql))
                lazy = (q, f"{view}_r", list(extra))
                sql = self._alive(c, q, f"{view}_r", extra, view)
            self.views.append((view, sql))
        cv = ClauseView(name, c, q.infos, driven, spec, None, lazy, bool(q.expanding or q.duplicating),
                        kept=names[-1][0])
        self.clause_views[name] = cv
        return cv

    def _wide_clause(self, name: str, c: Clause, q: _Query, t: str) -> ClauseView:
        """A clause giving each subject one row: its columns ``<name>__<col>`` on the wide row."""
        self.col_types[(c.head.pred, 0)] = "str"
        holds = " AND ".join(e for _, e in sorted(q.engine.items())) or "TRUE"
        cols = [(f"{name}__st", q.status()), (f"{name}__ux", q.ux_expr("h.id")), (f"{name}__e", f"({holds})")]
        cols += [(f"{name}__l{i}", st) for i, st in q.statuses] + [(f"{name}__{k}", v) for k, v in q.extra]
        self.views.append((name, Wide(t, cols, q.joins)))
        cv = ClauseView(name, c, q.infos, True, (), None, None, False, wide=True)
        self.clause_views[name] = cv
        return cv

    def _alive(self, c: Clause, q: _Query, rows: str, extra: list[str], name: str, ground: bool = False) -> str:
        """The prover's reading of a clause whose literals bind several rows per subject: literal
        by literal, the bindings that satisfy it go on; when none does, the condition fails as it
        does for the first binding so far (in text order), and the bindings stay as they were.
        Rows that hold keep their status; the others take the subject's status, their
        body-bound head arguments unknown (NULL)."""
        # asked with every argument given: one group per head tuple; a group whose argument is
        # unknown (NULL: its binding failed) stands for every value of it
        part = [f"a{k}" for k in range(len(c.head.args))] if ground else ["a0"]
        pl = ", ".join(part)
        w = f"OVER (PARTITION BY {pl})"

        def same(x: str, y: str) -> str:  # the group's key (a0 is never NULL; a NULL argument is a group)
            return " AND ".join(f"{x}.{p} = {y}.{p}" if p == "a0" else f"{x}.{p} IS NOT DISTINCT FROM {y}.{p}"
                                for p in part)

        # a group whose rows all have the same statuses reads as one row: only the others (the
        # groups listed in ``<name>_n``, usually few) need the literal-by-literal pass
        code = " + ".join(f"l{i} * {3 ** n}" for n, (i, _) in enumerate(q.statuses)) or "0"
        groups = f"{name}_n"
        self.views.append((groups, f"SELECT {pl} FROM {rows} GROUP BY {pl} HAVING min({code}) <> max({code})"))
        multi = f"(SELECT r.* FROM {rows} r JOIN {groups} n ON {same('n', 'r')})"
        # the pass itself over the narrow columns it reads (a window keeps every column it is given)
        narrow = ", ".join(part + [f"{x}{i}" for i, _ in q.statuses for x in ("l", "g", "k")])
        cur, prev_alive, level = f"(SELECT {narrow} FROM {multi} c0)", "TRUE", 0
        for i, _ in q.statuses:
            level += 1
            step = (f"SELECT *, max(CASE WHEN {prev_alive} AND l{i} = 2 THEN 1 ELSE 0 END) {w} AS h{i}, "
                    f"min_by(CASE WHEN g{i} THEN 2 ELSE l{i} END, CASE WHEN {prev_alive} THEN '0' ELSE '1' END "
                    f"|| k{i}) {w} AS f{i} FROM {cur} s{level}")
            cur = f"(SELECT *, ({prev_alive} AND (h{i} = 0 OR l{i} = 2)) AS v{i} FROM ({step}) t{level})"
            prev_alive = f"v{i}"
        # h and f are the group's: one row per group, joined back to its rows
        hf = ", ".join(f"{x}{i}" for i, _ in q.statuses for x in ("h", "f"))
        found = f"(SELECT DISTINCT {pl}, {hf} FROM {cur} z)"
        joined = (f"(SELECT r.*, {', '.join(f'p.{x}' for x in hf.split(', '))} FROM {multi} r "
                  f"JOIN {found} p ON {same('p', 'r')})")
        alive = "least(" + ", ".join(f"(CASE WHEN h{i} = 1 THEN 2 ELSE f{i} END)" for i, _ in q.statuses) + ", 2)"
        outs = []
        for k, t in enumerate(c.head.args):
            outs.append(f"a{k}" if k == 0 or ground or isinstance(t, Const)
                        else f"CASE WHEN st = 2 OR e THEN a{k} END AS a{k}")
        lcols = [f"CASE WHEN st = 2 THEN l{i} WHEN h{i} = 1 THEN 2 ELSE f{i} END AS l{i}" for i, _ in q.statuses]
        others = [e.rsplit(" AS ", 1)[1] for e in extra]
        others = [o for o in others if not (o.startswith("l") and o[1:].isdigit())]
        # a row that does not hold: the subject's status, unless another row holds (then it is none)
        # (a row the engine proves but that rests on an unknown stays unknown)
        status = f"CASE WHEN st = 2 THEN 2 WHEN e THEN 1 WHEN {alive} = 2 THEN 0 ELSE {alive} END"
        # the other groups: the prover's reading is the rows' own (one row, or rows that all read
        # alike; a skipped literal follows a failed one, which already decides)
        single = (f"SELECT {', '.join(outs)}, st, ux, e, k, " + ", ".join([f"l{i}" for i, _ in q.statuses] + others)
                  + f" FROM (SELECT r.* FROM {rows} r LEFT JOIN {groups} n ON {same('n', 'r')} WHERE n.a0 IS NULL) c1")
        return (f"SELECT {', '.join(outs)}, {status} AS st, ux, e, k, "
                + ", ".join(lcols + others) + f" FROM {joined} y UNION ALL " + single)


def _atoms(lit: Literal) -> list[Atom]:
    if isinstance(lit, Atom):
        return [lit]
    if isinstance(lit, Neg):
        return [lit.atom]
    if isinstance(lit, Aggregate):
        return [a for b in lit.body for a in _atoms(b)]
    return []


class _Query:
    """One clause body being turned into a SELECT: the bindings, joins and literal statuses."""

    def __init__(self, comp: Compiler, clause: Clause, two_valued: bool = False, wide: str | None = None) -> None:
        self.c = comp
        self.wide = wide  # the subject type whose wide row this clause extends (no view of its own)
        self.d = comp.d
        self.clause = clause
        self.env: dict[Var, Col] = {}
        self.base = "(SELECT 1 AS one) h"
        self.joins: list[str] = []
        self.statuses: list[tuple[int, str]] = []
        self.missing: list[tuple[str, str]] = []  # (condition: this literal is missing, its first argument)
        self.foreign: list[str] = []  # conditions under which an unknown rests on another subject's input
        self.extra: list[tuple[str, str]] = []
        self.infos: list[LitInfo] = []
        self.two_valued = two_valued
        self.before: dict[int, list[tuple[Var, Col]]] = {}  # the bindings each literal is asked under
        self.expanding: set[int] = set()  # literals that may give a binding several rows
        # what the two-valued engine (pyDatalog, closed world) says of each literal: a negation of
        # an unknown holds there, and the prover reports as failing only what fails there
        self.engine: dict[int, str] = {}
        self.duplicating = False  # a lookup that may match a row and its unknown twin
        self.join_of: dict[int, int] = {}  # literal -> the index in ``joins`` of its lookup
        self.guard_false: dict[int, bool] = {}  # literal -> its bound terms are never unknown
        self.params = False
        self.n = 0

    def alias(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    # terms
    def term(self, t: Term) -> Col:
        if isinstance(t, Const):
            sql, typ = self.d.const(t.value)
            return Col(sql, typ)
        if isinstance(t, Var):
            if t not in self.env:
                raise CompileError(f"variable {t} is used before it is bound")
            return self.env[t]
        return self.call(t)

    def call(self, t: Call) -> Col:
        args = [self.term(a) for a in t.args]
        fn, d = t.fn, self.d
        if fn in ("+", "-", "*"):
            if any(a.type != "num" for a in args):
                raise CompileError(f"{t}: arithmetic on a non-number")
            return Col(f"({args[0].sql} {fn} {args[1].sql})", "num")
        if fn == "add_days":
            return Col(d.add_days(args[0].sql, args[1].sql), args[0].type if args[0].type == "date" else "date")
        if fn in ("add_months", "add_years"):
            if args[0].type != "date":
                raise CompileError(f"{t}: {fn} of a date-time")
            n = args[1].sql if fn == "add_months" else f"(12 * {args[1].sql})"
            return Col(d.add_months(args[0].sql, n), "date")
        if fn == "add_hours":
            return Col(d.add_hours(args[0].sql, args[1].sql), "ts")
        if fn == "hours_between":
            return Col(f"CAST({d.seconds_between(args[0].sql, args[1].sql)} / 3600 AS {d.type('num')})", "num")
        if fn == "days_between":
            if args[0].type == "date" and args[1].type == "date":
                return Col(d.days_between_dates(args[0].sql, args[1].sql), "num")
            return Col(f"CAST({d.seconds_between(args[0].sql, args[1].sql)} / 86400 AS {d.type('num')})", "num")
        if fn == "date_of":
            return Col(f"CAST({args[0].sql} AS DATE)", "date")
        if fn == "month_of":
            return Col(d.month_of(args[0].sql), "str")
        if fn == "time_of":
            return Col(d.time_of(args[0].sql), "str")
        if fn == "at_time":
            return Col(d.at_time(args[0].sql, args[1].sql), "ts")
        if fn == "len":
            return Col(f"CAST(length({args[0].sql}) AS {d.type('num')})", "num")
        if fn == "contains":
            return Col(f"(CASE WHEN {args[0].sql} IS NULL OR {args[1].sql} IS NULL THEN NULL "
                       f"WHEN position(lower({args[1].sql}) IN lower({args[0].sql})) > 0 THEN 'true' ELSE 'false' END)",
                       "str")
        if fn in ("min", "max"):
            if args[0].type != args[1].type:
                raise CompileError(f"{t}: {fn} of two types")
            # least/greatest skip NULLs; an unknown argument leaves the result unknown
            return Col(f"(CASE WHEN {args[0].sql} IS NULL OR {args[1].sql} IS NULL THEN NULL ELSE "
                       f"{'least' if fn == 'min' else 'greatest'}({args[0].sql}, {args[1].sql}) END)", args[0].type)
        raise CompileError(f"the built-in {fn} has no SQL translation")

    # literals
    def literal(self, i: int, lit: Literal) -> None:
        self.before[i] = sorted(((v, c) for v, c in self.env.items() if not v.name.startswith("_")),
                                key=lambda vc: vc[0].name)
        if isinstance(lit, Atom):
            self.atom(i, lit)
        elif isinstance(lit, Neg):
            self.neg(i, lit)
        elif isinstance(lit, Compare):
            self.compare(i, lit)
        else:
            self.aggregate(i, lit)
        if not any(k == f"g{i}" for k, _ in self.extra):
            self.extra.append((f"g{i}", "FALSE"))
        if i not in self.engine:  # holds in the two-valued engine: exactly when it holds here
            self.engine[i] = f"({dict(self.statuses)[i]} = 2)"
        self.extra.append((f"e{i}", self.engine[i]))

    def guard(self, terms) -> str:
        conds = [f"{self.env[v].sql} IS NULL" for t in terms for v in term_vars(t) if v in self.env]
        return " OR ".join(dict.fromkeys(conds)) or "FALSE"

    def _singleton(self, v: Var) -> bool:
        """``v`` occurs once in the clause (an anonymous variable, in effect)."""
        n = sum(literal_vars(lit).count(v) for lit in self.clause.body)
        n += sum(term_vars(t).count(v) for t in self.clause.head.args)
        return n == 1 and sum(term_vars(t).count(v) for lit in self.clause.body if isinstance(lit, Atom)
                              for t in lit.args) <= 1

    def _on_row(self, t: Term) -> bool:
        """``t`` is the subject of the wide row being extended (``h.id``)."""
        return self.wide is not None and isinstance(t, Var) and t in self.env and self.env[t].sql == "h.id"

    def atom(self, i: int, a: Atom) -> None:
        kind = self.c.kind(a.pred)
        info = LitInfo(i, a, kind)
        self.infos.append(info)
        if kind == "as_of":
            self.params = True
            self.c.uses_as_of = True
            if not any(j.startswith(" CROSS JOIN params") for j in self.joins):
                self.joins.append(" CROSS JOIN params prm")
            t = a.args[0]
            if isinstance(t, Var) and t not in self.env:
                self.env[t] = Col("prm.as_of", "date")
                self.statuses.append((i, "2"))
            else:
                col = self.term(t)
                self.statuses.append((i, f"(CASE WHEN {col.sql} IS NULL THEN 1 WHEN {col.sql} = prm.as_of "
                                         "THEN 2 ELSE 0 END)"))
            return
        rel = self.c.relation(a.pred, a, ground=all(not isinstance(t, Var) or t in self.env for t in a.args))
        decl = self.c.p.inputs.get(a.pred)
        optional = kind == "input" and decl is not None and decl.optional
        if optional:
            info.kind = "optional"
        j = self.alias("j")
        # on the wide row, a single-valued input of the subject and a predicate about the subject
        # alone are columns of the row itself: no join
        on_row = bool(a.args) and self._on_row(a.args[0]) and len(a.args) == (2 if kind == "input" else 1)
        row_input = on_row and kind == "input" and decl is not None and is_wide_input(decl, self.wide or "")
        row_pred = on_row and kind == "derived" and a.pred in self.c.wide_preds \
            and self.c.wide_preds[a.pred] == self.wide

        def ref(name: str) -> str:
            if row_input:
                return {"a0": "h.id", "a1": f"h.i_{a.pred}"}[name]
            if row_pred:
                return "h.id" if name == "a0" else f"h.d_{a.pred}__{name}"
            return f"{j}.{name}"

        on: list[str] = []
        on_args: list[int] = []  # the arguments ``on`` compares
        value_eq: list[str] = []  # bound non-key arguments: equal, or a mismatch
        null_rows: list[str] = []
        guard_terms = []
        new: dict[Var, Col] = {}
        for k, t in enumerate(a.args):
            ctype = self.c.col_types.get((a.pred, k), "str")
            cname = ref(f"a{k}")
            if isinstance(t, Var) and t not in self.env:
                if t in new:
                    value_eq.append(f"{cname} = {new[t].sql}")
                else:
                    new[t] = Col(cname, ctype, self.c.types.get((a.pred, k)))
                continue
            bound = self.term(t)
            guard_terms.append(t)
            if bound.type != ctype:
                value_eq.append("FALSE")
                continue
            if (row_input or row_pred) and k == 0:  # the row's own subject
                continue
            is_key = kind == "input" and decl is not None and decl.args[k].type not in BASE_TYPES
            if kind == "derived" and k == 0:  # the subject is never unknown: a hash join
                on.append(f"{cname} = {bound.sql}")
            elif kind == "derived":
                on.append(f"({cname} = {bound.sql} OR {cname} IS NULL)")
                null_rows.append(f"{cname} IS NULL")
            elif is_key or kind != "input" or optional:
                on.append(f"{cname} = {bound.sql}")
            else:
                value_eq.append(f"{cname} = {bound.sql}")
                continue
            on_args.append(k)
        if kind != "input" or optional:
            on += value_eq
            value_eq = []
        if null_rows:
            self.duplicating = True
        exists = False
        if self.wide is not None and not (row_input or row_pred):
            # a join on the wide row must give each subject one row at most; a literal whose new
            # variables are used nowhere else asks only whether a row exists: one row, whichever
            exists = bool(new) and not value_eq and not null_rows and kind in ("input", "facts") \
                and all(self._singleton(v) for v in new)
            many = not exists and (bool(new) or bool(null_rows) or (
                kind == "input" and not optional and not (decl is not None and decl.single and len(a.args) == 2)))
            if many:
                raise _NotWide(a.pred)
        if exists:
            rel = f"(SELECT DISTINCT {', '.join(f'a{k}' for k in on_args) or '1 AS one'}, 1 AS m FROM {rel})"
            for v in new:
                new[v] = Col(self.d.null(new[v].type), new[v].type, new[v].subject)
        elif kind == "facts" and not exists:
            # an anonymous variable of a rule fact, used nowhere else, tells its rows apart only:
            # rows alike in every other column read alike to every reader (each groups them, and
            # the prover's order keys leave out anonymous variables), so one of each is joined
            anon = [k for k, t in enumerate(a.args) if isinstance(t, Var) and t in new and t.name.startswith("_")
                    and self._singleton(t) and not any(u == t for u in a.args[:k])]
            if anon:
                keep = [f"a{k}" for k in range(len(a.args)) if k not in anon]
                rel = f"(SELECT DISTINCT {', '.join(keep + ['1 AS m'])} FROM {rel})"
                for k in anon:
                    u = a.args[k]
                    assert isinstance(u, Var)
                    new[u] = Col(self.d.null(new[u].type), new[u].type, new[u].subject)
        if row_input:
            absent = "(NOT (" + " AND ".join([f"h.i_{a.pred} IS NOT NULL"] + on) + "))"
        elif row_pred:
            absent = f"(h.d_{a.pred}__m IS NULL)"
        else:
            absent = f"({j}.m IS NULL)"
        guard = self.guard(guard_terms)
        self.extra.append((f"g{i}", f"({guard})"))
        if not (row_input or row_pred):
            self.join_of[i] = len(self.joins)
            self.joins.append(f" LEFT JOIN {rel} {j} ON " + (" AND ".join(on) or "TRUE"))
        # the subject's id and constants are never NULL
        self.guard_false[i] = all(isinstance(t, Const) or (isinstance(t, Var) and self.env.get(t) is not None
                                                           and self.env[t].sql == "h.id") for t in guard_terms)
        if kind == "input" and not optional:
            ok = " AND ".join(value_eq) or "TRUE"
            st = f"(CASE WHEN {guard} THEN 1 WHEN {absent} THEN 1 WHEN {ok} THEN 2 ELSE 0 END)"
            first = self.term(a.args[0]).sql if a.args and not (isinstance(a.args[0], Var) and a.args[0] in new) \
                else "NULL"
            self.missing.append((f"(NOT ({guard}) AND {absent})", first))
            if a.args:
                last = a.args[-1]
                lcol = new.get(last) if isinstance(last, Var) and last in new else None
                obs = lcol.sql if lcol else ref(f"a{len(a.args) - 1}")
                info.values.append((f"x{i}_o", "observed"))
                self.extra.append((f"x{i}_o", self.d.text(obs, self.c.col_types.get((a.pred, len(a.args) - 1), "str"))))
        elif kind == "derived":
            partial = " OR ".join(null_rows) or "FALSE"
            st = (f"(CASE WHEN {guard} THEN 1 WHEN {absent} THEN 0 WHEN {partial} THEN least({ref('st')}, 1) "
                  f"ELSE {ref('st')} END)")
            self.engine[i] = f"coalesce({ref('e')}, FALSE)"
            head0 = ref("a0") if a.args else "NULL"
            self.foreign.append(f"({ref('st')} = 1 AND ({ref('ux')} OR {head0} IS NULL OR {{h0}} IS NULL "
                                f"OR {head0} <> {{h0}}))")
        else:
            st = f"(CASE WHEN {guard} THEN 1 WHEN {absent} THEN 0 ELSE 2 END)"
        if self.two_valued:
            st = f"(CASE WHEN {st} = 2 THEN 2 ELSE 0 END)"
        final = a.args[-1] if a.args else None
        if new and not exists and not (kind == "input" and decl is not None and decl.single and set(new) <= {final}):
            self.expanding.add(i)
        self.env.update(new)
        self.statuses.append((i, st))

    def neg(self, i: int, n: Neg) -> None:
        a = n.atom
        kind = self.c.kind(a.pred)
        self.infos.append(LitInfo(i, n, "neg"))
        rel = self.c.relation(a.pred, a, ground=all(not isinstance(t, Var) or t in self.env for t in a.args))
        guard_terms: list[Term] = []
        partial = "FALSE"
        if kind == "derived" and len(a.args) == 1 and self._on_row(a.args[0]) \
                and self.c.wide_preds.get(a.pred) == self.wide:
            # a predicate about the subject alone: its columns on the wide row
            guard_terms.append(a.args[0])
            holds = f"coalesce(h.d_{a.pred}__st = 2, FALSE)"
            unknown = f"coalesce(h.d_{a.pred}__st = 1, FALSE)"
            proved = f"coalesce(h.d_{a.pred}__e, FALSE)"
        else:
            keys, on = [], []
            ground = True
            for k, t in enumerate(a.args):
                if isinstance(t, Var) and t not in self.env:
                    ground = False
                    continue
                bound = self.term(t)
                guard_terms.append(t)
                if bound.type != self.c.col_types.get((a.pred, k), "str"):
                    on.append("FALSE")
                    continue
                keys.append(f"a{k}")
                on.append(f"{{x}}.a{k} = {bound.sql}")
            x = self.alias("n")
            group = ", ".join(keys)
            sel = (group + ", ") if group else ""
            if kind == "derived":
                u = "st = 1" if ground else "st = 1 AND ux"
                sub = (f"SELECT {sel}max(CASE WHEN st = 2 THEN 1 END) AS t, max(CASE WHEN {u} THEN 1 END) AS u, "
                       f"max(CASE WHEN e THEN 1 END) AS te FROM {rel}" + (f" GROUP BY {group}" if group else ""))
            else:
                sub = f"SELECT DISTINCT {sel}1 AS t, CAST(NULL AS INTEGER) AS u, 1 AS te FROM {rel}"
            cond = " AND ".join(c.replace("{x}", x) for c in on) or "TRUE"
            self.joins.append(f" LEFT JOIN ({sub}) {x} ON {cond}")
            rest = [k for k in keys if k != "a0"]
            if kind == "derived" and rest and "a0" in keys:
                # an unknown row whose other arguments are unknown (NULL) is unknown for every value
                y = self.alias("n")
                u = "st = 1" if ground else "st = 1 AND ux"
                nulls = " OR ".join(f"{k} IS NULL" for k in rest)
                self.joins.append(f" LEFT JOIN (SELECT a0, max(CASE WHEN {u} THEN 1 END) AS u FROM {rel} "
                                  f"WHERE {nulls} GROUP BY a0) {y} ON {on[keys.index('a0')].replace('{x}', y)}")
                partial = f"coalesce({y}.u = 1, FALSE)"
            holds, unknown, proved = (f"coalesce({x}.t = 1, FALSE)", f"coalesce({x}.u = 1, FALSE)",
                                      f"({x}.te IS NOT NULL)")
        guard = self.guard(guard_terms)
        self.extra.append((f"g{i}", f"({guard})"))
        self.engine[i] = f"(NOT {proved})"
        st = f"(CASE WHEN {guard} THEN 1 WHEN {holds} THEN 0 WHEN {unknown} OR {partial} THEN 1 ELSE 2 END)"
        if kind == "derived":
            self.foreign.append(f"(NOT {holds} AND ({unknown} OR {partial}))")
        if self.two_valued:
            st = f"(CASE WHEN {guard} THEN 0 WHEN {holds} THEN 0 ELSE 2 END)"
        self.statuses.append((i, st))

    def compare(self, i: int, cmp: Compare) -> None:
        info = LitInfo(i, cmp, "compare")
        self.infos.append(info)
        if cmp.op == "=":
            for var, other in ((cmp.lhs, cmp.rhs), (cmp.rhs, cmp.lhs)):
                if isinstance(var, Var) and var not in self.env:
                    col = self.term(other)
                    self.env[var] = col
                    info.kind = "bind"
                    self.statuses.append((i, f"(CASE WHEN {col.sql} IS NULL THEN 1 ELSE 2 END)"))
                    return
        lhs, rhs = self.term(cmp.lhs), self.term(cmp.rhs)
        if lhs.type != rhs.type:
            self.extra.append((f"g{i}", "FALSE"))
            if cmp.op in ("=", "!="):
                self.statuses.append((i, "0" if cmp.op == "=" else "2"))
                return
            raise CompileError(f"'{cmp}' compares a {lhs.type} with a {rhs.type}")
        expr = f"{lhs.sql} {_CMP[cmp.op]} {rhs.sql}"
        self.extra.append((f"g{i}", f"({lhs.sql} IS NULL OR {rhs.sql} IS NULL)"))
        st = f"(CASE WHEN {lhs.sql} IS NULL OR {rhs.sql} IS NULL THEN 1 WHEN {expr} THEN 2 ELSE 0 END)"
        if self.two_valued:
            st = f"(CASE WHEN {expr} THEN 2 ELSE 0 END)"
        self.statuses.append((i, st))
        info.values += [(f"x{i}_l", "observed"), (f"x{i}_r", "threshold")]
        self.extra += [(f"x{i}_l", self.d.text(lhs.sql, lhs.type)), (f"x{i}_r", self.d.text(rhs.sql, rhs.type))]

    def aggregate(self, i: int, agg: Aggregate) -> None:
        self.infos.append(LitInfo(i, agg, "aggregate"))
        group = list(agg.group)
        for g in group:
            if g not in self.env:
                raise CompileError(f"aggregate '{agg}': group variable {g} is unbound")
        inner = _Query(self.c, self.clause, two_valued=True)
        typed = [g for g in group if self.env[g].subject]
        body = list(agg.body)
        if len(group) == 1 and typed:
            t = self.env[group[0]].subject
            inner.base = f"dom_{t} h"
            inner.env[group[0]] = Col("h.id", "str", t)
        else:  # bind the group from the body: positive atoms first
            body = sorted(body, key=lambda b: 0 if isinstance(b, Atom) else 1)
        for k, b in enumerate(body):
            inner.literal(k, b)
        if inner.params and " CROSS JOIN params prm" not in inner.joins:
            inner.joins.append(" CROSS JOIN params prm")
        gcols = [inner.term(g) for g in group]
        vcols = [inner.term(v) for v in agg.vars]
        ecol = inner.term(agg.expr) if agg.expr is not None else None
        sel = [f"{c.sql} AS g{k}" for k, c in enumerate(gcols)] + [f"{c.sql} AS v{k}" for k, c in enumerate(vcols)]
        if ecol is not None:
            if ecol.type != "num":
                raise CompileError(f"aggregate '{agg}': the summed value is not a number")
            sel.append(f"{ecol.sql} AS e")
        where = " AND ".join(e for _, e in sorted(inner.engine.items())) or "TRUE"
        rows = f"SELECT DISTINCT {', '.join(sel)} FROM {inner.base}{''.join(inner.joins)} WHERE {where}"
        gl = ", ".join(f"g{k}" for k in range(len(group)))
        fn = "count(*)" if agg.fn == "count" else "sum(e)"
        sub = f"SELECT {gl + ', ' if gl else ''}CAST({fn} AS {self.d.type('num')}) AS r FROM ({rows}) w" + (
            f" GROUP BY {gl}" if gl else "")
        x = self.alias("g")
        on = " AND ".join(f"{x}.g{k} = {self.env[g].sql}" for k, g in enumerate(group)) or "TRUE"
        self.joins.append(f" LEFT JOIN ({sub}) {x} ON {on}")
        value = Col(f"coalesce({x}.r, CAST(0 AS {self.d.type('num')}))", "num")
        guard = self.guard(group)
        if agg.result in self.env:
            have = self.env[agg.result]
            self.statuses.append((i, f"(CASE WHEN {guard} THEN 1 WHEN {value.sql} = {have.sql} THEN 2 ELSE 0 END)"))
        else:
            self.env[agg.result] = Col(f"(CASE WHEN {guard} THEN NULL ELSE {value.sql} END)", "num")
            self.statuses.append((i, f"(CASE WHEN {guard} THEN 1 ELSE 2 END)"))

    # the clause's own status
    def holds(self) -> str:
        return " AND ".join(f"e{i}" for i, _ in self.statuses) or "TRUE"

    def status(self) -> str:
        if not self.statuses:
            return "2"
        if len(self.statuses) == 1:
            return self.statuses[0][1]
        return "least(" + ", ".join(s for _, s in self.statuses) + ")"

    def ux_expr(self, head0: str | None) -> str:
        h0 = head0 or "NULL"
        parts = [f"({cond} AND ({first} IS NULL OR {h0} IS NULL OR {first} <> {h0}))" for cond, first in self.missing]
        parts += [f.replace("{h0}", h0) for f in self.foreign]
        if not parts:
            return "FALSE"
        return "coalesce(" + " OR ".join(parts) + ", FALSE)"


def compile_goal(program: Program, goal: str, dialect: str = "duckdb", wide: bool = True) -> Plan:
    """The plan of views that screens ``goal`` (a derived predicate whose first argument is a
    subject). Raises ``CompileError`` naming the first clause that cannot be translated."""
    comp = Compiler(program, dialect, wide)
    info = program.preds.get(goal)
    if info is None or info.kind != "derived":
        raise CompileError(f"{goal} is not a derived predicate (see `kb vocab`)")
    subject = comp.types.get((goal, 0))
    if subject is None:
        raise CompileError(f"{goal}: its first argument is not a subject type, so there is nothing to screen")
    comp.define(goal)
    if comp.kind(goal) != "derived":
        raise CompileError(f"{goal} is a list of rule facts, not a condition of a subject")
    return Plan(goal, subject, comp.views, comp.inputs, comp.clause_views, comp.uses_as_of, dialect,
                _base_cols(program))


def compile_goals(program: Program, goals: list[str], dialect: str = "duckdb", wide: bool = True) -> dict[str, Plan]:
    """One set of views for several goals (shared sub-predicates computed once): goal -> its
    plan, every plan holding the same views."""
    comp = Compiler(program, dialect, wide)
    out: dict[str, Plan] = {}
    for goal in goals:
        subject = comp.types.get((goal, 0))
        if subject is None or comp.kind(goal) != "derived":
            raise CompileError(f"{goal}: not a derived predicate of a subject")
        comp.define(goal)
        out[goal] = Plan(goal, subject, comp.views, comp.inputs, comp.clause_views, comp.uses_as_of, dialect,
                         _base_cols(program))
    return out


def _base_cols(program: Program) -> dict[str, list[str]]:
    return {t: ["id", "gz_in"] + [f"i_{d.pred}" for d in wide_inputs(program, t)] for t in program.types}


WORD = re.compile(r"\b[a-z][a-z0-9_]*\b")  # a name in generated SQL
_WIDE_REF = re.compile(r"@@wide_([a-z][a-z0-9_]*)@@")


def statements(views: list[tuple[str, str | Wide]], consumers: list[tuple[str, str]],
               base_cols: dict[str, list[str]], reads: tuple[str, ...] | list[str] = (),
               lazy: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str, str]]:
    """What the engine runs, in order: (name, SELECT, "table" | "view"). ``consumers`` are views
    read after the plan (the explanation); ``reads`` queries run on the result. Only what they
    need is computed: a view no one reads is dropped, and so is a wide-row column. Names in
    ``lazy`` are views (computed where they are read).

    The wide row of a type is one chain of projections over ``sw_<type>``, each adding the
    columns of a clause or predicate about the subject alone; where a view reads it, the chain
    so far is named (a view, with the columns read later only: each reader computes only the
    columns it reads, in one pass over the subjects), and the chain goes on from that name."""
    items: list[tuple[str, str | Wide]] = list(views) + list(consumers)
    consumer_names = {n for n, _ in consumers}
    # backwards: what each item needs, and the words read after it
    needed: list[bool] = [False] * len(items)
    kept_cols: list[list[tuple[str, str]]] = [[] for _ in items]
    after: list[set[str]] = [set() for _ in items]
    words: set[str] = set(WORD.findall(" ".join(reads)))
    for i in range(len(items) - 1, -1, -1):
        after[i] = set(words)
        name, body = items[i]
        if isinstance(body, Wide):
            cols = [(c, sql) for c, sql in body.cols if c in words]
            if cols:
                needed[i], kept_cols[i] = True, cols
                words |= set(WORD.findall(" ".join(sql for _, sql in cols) + " ".join(body.joins)))
        elif name in words or name in consumer_names:
            needed[i] = True
            words |= set(WORD.findall(body)) | set(_WIDE_REF.findall(body))
    out: list[tuple[str, str, str]] = []
    src = {t: f"sw_{t}" for t in base_cols}
    have = {t: list(cols) for t, cols in base_cols.items()}
    pending = {t: False for t in base_cols}
    n_stage = 0
    wide_preds = _wide_names(views)
    for i, (name, body) in enumerate(items):
        if not needed[i]:
            continue
        if isinstance(body, Wide):
            t = body.type
            src[t] = (f"(SELECT h.*, {', '.join(f'{sql} AS {c}' for c, sql in kept_cols[i])} FROM {src[t]} h"
                      + "".join(body.joins) + ")")
            have[t] += [c for c, _ in kept_cols[i]]
            pending[t] = True
            continue
        here = set(WORD.findall(body))
        for t in dict.fromkeys(_WIDE_REF.findall(body)):
            if pending[t]:  # name the chain so far, with the columns read from here on
                n_stage += 1
                stage = f"sw_{t}_{n_stage}"
                keep = [c for c in have[t] if c in ("id", "gz_in") or c in after[i] or c in here]
                out.append((stage, f"SELECT {', '.join(f'h.{c}' for c in keep)} FROM {src[t]} h", "view"))
                src[t], have[t], pending[t] = stage, keep, False
            body = body.replace(wide_table(t), src[t])
        kind = "view" if name in lazy or (name.startswith("d_") and name[2:] in wide_preds) else "table"
        out.append((name, body, kind))
    return out


def _wide_names(views: list[tuple[str, str | Wide]]) -> set[str]:
    return {n[2:] for n, b in views if isinstance(b, Wide) and n.startswith("w_")}


__all__ = ["CompileError", "Plan", "compile_goal", "screenable_goals", "subject_types", "literal_vars"]
