"""Between facts and tables: a population of facts written as input tables (tests, benchmarks),
and the facts of a screened subject read back from its tables (``--verify``)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable

from grammar.model import Annotations, Atom, Clause, Const, Pos, format_value
from kb.loader import Program
from kb.screen.tables import SEPARATOR, input_columns, own_table_inputs


def tables_of(program: Program, facts: Iterable[Atom]) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Table name -> (header, rows) holding exactly ``facts``. Subjects with no fact of a table's
    type do not appear in it."""
    own = own_table_inputs(program)
    rows: dict[str, dict[str, dict[str, list[str]]]] = {}
    flat: dict[str, list[dict[str, str]]] = {}
    for a in facts:
        vals = [format_value(x.value) for x in a.args]  # type: ignore[union-attr]  # stated facts are ground
        if a.pred in own:
            names = [x.name for x in own[a.pred].args]
            flat.setdefault(a.pred, []).append(dict(zip(names, vals)))
            continue
        t = program.inputs[a.pred].args[0].type
        rows.setdefault(t, {}).setdefault(vals[0], {}).setdefault(a.pred, []).append(vals[1])
    out: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
    for t, subjects in rows.items():
        header = ["id", *sorted(input_columns(program, t))]
        out[t] = (header, [{"id": s, **{p: SEPARATOR.join(v) for p, v in cols.items()}}
                           for s, cols in sorted(subjects.items())])
    for pred, rs in flat.items():
        out[pred] = ([x.name for x in own[pred].args], rs)
    return out


def write_tables(program: Program, facts: Iterable[Atom], folder: str, subjects: dict[str, list[str]] | None = None
                 ) -> list[str]:
    """CSV files in ``folder``, one per table; ``subjects`` adds rows with no facts (type -> ids)."""
    tabs = tables_of(program, facts)
    for t, ids in (subjects or {}).items():
        header, rows = tabs.get(t, (["id", *sorted(input_columns(program, t))], []))
        have = {r["id"] for r in rows}
        rows = rows + [{"id": i} for i in ids if i not in have]
        tabs[t] = (header, sorted(rows, key=lambda r: r["id"]))
    paths = []
    for name, (header, rows) in sorted(tabs.items()):
        path = os.path.join(folder, f"{name}.csv")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
        paths.append(path)
    return paths


def facts_of(con, program: Program, subject_type: str, subject: str, rounds: int = 3) -> list[Clause]:
    """The stated facts a subject's answer can rest on: its own row, and every row of another
    table that names it or a value of its rows (records, linked accounts), a few links deep.
    Reads the typed relations ``in_<pred>`` the screening defined, with parameters."""
    return facts_of_many(con, program, subject_type, [subject], rounds)


def facts_of_many(con, program: Program, subject_type: str, subjects: list[str], rounds: int = 3,
                  inputs: set[str] | None = None) -> list[Clause]:
    """The union of ``facts_of`` over ``subjects``, with one query per input and link (not one
    per subject): the linked values so far are a table the relations are joined with.
    ``inputs`` limits the inputs read (those a compiled goal reads)."""
    facts: dict[Atom, str] = {}
    frontier = set(subjects)
    seen: set[str] = set()
    decls = [d for d in program.inputs.values() if inputs is None or d.pred in inputs]
    for _ in range(rounds):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        con.execute("CREATE OR REPLACE TEMP TABLE gz_frontier AS SELECT unnest(CAST($1 AS VARCHAR[])) AS v",
                    [sorted(frontier)])
        found: set[str] = set()
        for d in decls:
            for k, arg in enumerate(d.args):
                if arg.type in ("number", "date", "datetime", "bool", "enum"):
                    continue
                rows = con.execute(f"SELECT * EXCLUDE (m) FROM in_{d.pred} WHERE a{k} IN "
                                   "(SELECT v FROM gz_frontier)").fetchall()
                for r in rows:
                    atom = Atom(d.pred, tuple(Const(_value(x)) for x in r))
                    if atom not in facts:
                        facts[atom] = f"{d.pred}"
                    found |= {x for x, a in zip(r, d.args) if isinstance(x, str) and a.type not in ("bool", "enum")}
        frontier = found
    con.execute("DROP TABLE IF EXISTS gz_frontier")
    pos = Pos(f"<table:{subject_type}>", 1, 1)
    return [Clause(a, (), Annotations(), pos) for a in sorted(facts, key=str)]


def _value(x):
    import datetime as _dt
    from decimal import Decimal

    if isinstance(x, Decimal):
        return Decimal(format(x.normalize(), "f")) if x == x.to_integral_value() else x.normalize()
    if isinstance(x, _dt.datetime):
        return x.replace(second=0, microsecond=0)
    return x
