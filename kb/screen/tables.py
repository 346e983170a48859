"""Input tables: one per subject type (``ks_store.csv``: column ``id`` and one column per input
whose first argument is that type), and one per input with another shape
(``jd_ocg_package_reward.csv``: one column per argument, named after it).

The engine reads the files itself (its CSV/JSON/Parquet readers); values are checked in SQL with
the same rules as facts files, and a bad cell is reported as ``FILE:ROW: column: why`` and
treated as not stated. Column names reach SQL only after they are found in the vocabulary.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from grammar.model import InputDecl, format_value
from kb.loader import Program
from kb.screen.compile import BASE_TYPES, is_wide_input, wide_inputs
from kb.screen.dialect import DIALECTS

MAX_FILE_BYTES = 8 * 1024**3  # one input table
MAX_CELL = 4000  # characters in one cell
MAX_COLUMNS = 500
_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}\Z")
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
SEPARATOR = ";"


class TableError(ValueError):
    """A table that cannot be used at all (unknown name, unreadable, too large)."""


@dataclass
class Column:
    name: str  # the column header: an input predicate or an argument name
    pred: str
    arg: int  # the argument of ``pred`` it holds
    many: bool  # several values per subject, separated by ";"


@dataclass
class Table:
    path: str
    name: str  # a subject type or an input predicate
    fmt: str
    subject: bool  # a subject table (column id) or an input of its own
    columns: list[Column] = field(default_factory=list)
    duplicates: int = 0  # rows whose id an earlier row has


def _q(name: str) -> str:
    """A checked identifier, quoted."""
    if not _NAME.match(name):
        raise TableError(f"{name!r} is not a column name Guize uses")
    return '"' + name + '"'


def input_columns(program: Program, type_name: str) -> dict[str, InputDecl]:
    """The inputs a subject table of ``type_name`` may have as columns."""
    return {d.pred: d for d in program.inputs.values()
            if len(d.args) == 2 and d.args[0].type == type_name}


def own_table_inputs(program: Program) -> dict[str, InputDecl]:
    """Inputs that get a table of their own: more than two arguments, or a first argument that
    is not a subject."""
    return {d.pred: d for d in program.inputs.values()
            if len(d.args) != 2 or d.args[0].type in BASE_TYPES}


def identify(program: Program, path: str) -> Table:
    p = Path(path)
    fmt = _FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise TableError(f"{path}: a table is .csv, .jsonl or .parquet")
    name = p.stem
    if name in program.types:
        return Table(path, name, fmt, True)
    if name in own_table_inputs(program):
        return Table(path, name, fmt, False)
    raise TableError(f"{path}: {name} is neither a subject type nor an input with a table of its own (see `kb vocab`)")


def reader(fmt: str) -> str:
    """The engine's reader for a format, with the path as parameter $1."""
    if fmt == "csv":
        return "read_csv($1, header = true, all_varchar = true, auto_detect = true)"
    if fmt == "jsonl":
        return "read_json($1, format = 'newline_delimited')"
    return "read_parquet($1)"


@dataclass
class Loaded:
    tables: list[Table]
    errors: list[str]  # FILE:ROW: column: why
    counts: dict[str, int]


def check_expr(col: str, arg, dialect: str = "duckdb") -> str:
    """SQL: NULL if the (trimmed, non-empty) text ``col`` is a valid value of ``arg``, else why."""
    d = DIALECTS[dialect]
    t = arg.type
    if t == "number":
        unit = f" {arg.unit}" if arg.unit else ""
        val = f"TRY_CAST({col} AS {d.type('num')})"
        why = (f"WHEN {val} IS NULL OR NOT regexp_matches({col}, '^-?[0-9]+([.][0-9]{{1,6}})?$') THEN "
               f"{d.string(f'expects a number{unit} with at most 6 decimals for {arg.name}, got ')} || {col}")
        if arg.low is not None and arg.high is not None:
            lo, hi = format_value(arg.low), format_value(arg.high)
            why += (f" WHEN {val} < {lo} OR {val} > {hi} THEN "
                    f"{d.string(f'{arg.name} must be between {lo} and {hi}{unit}, got ')} || {col}")
        return f"(CASE {why} END)"
    if t == "date":
        return (f"(CASE WHEN NOT regexp_matches({col}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$') "
                f"OR TRY_CAST({col} AS DATE) IS NULL THEN "
                f"{d.string(f'expects a date (YYYY-MM-DD) for {arg.name}, got ')} || {col} END)")
    if t == "datetime":
        return (f"(CASE WHEN NOT regexp_matches({col}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}$') OR "
                f"TRY_CAST(replace({col}, 'T', ' ') AS TIMESTAMP) IS NULL THEN "
                f"{d.string(f'expects a date-time (YYYY-MM-DDTHH:MM) for {arg.name}, got ')} || {col} END)")
    if t == "bool":
        return (f"(CASE WHEN {col} NOT IN ('true', 'false') THEN "
                f"{d.string(f'expects true or false for {arg.name}, got ')} || {col} END)")
    if t == "enum":
        values = ", ".join(d.string(v) for v in arg.values)
        allowed = ", ".join(arg.values)
        why = d.string(f"{arg.name} must be one of {allowed}; got ")
        return f"(CASE WHEN {col} NOT IN ({values}) THEN {why} || {col} END)"
    too_long = d.string(f"{arg.name} is longer than {MAX_CELL} characters")
    return f"(CASE WHEN length({col}) > {MAX_CELL} THEN {too_long} END)"


def typed_expr(col: str, arg, dialect: str = "duckdb") -> str:
    d = DIALECTS[dialect]
    if arg.type == "number":
        return f"CAST({col} AS {d.type('num')})"
    if arg.type == "date":
        return f"CAST({col} AS DATE)"
    if arg.type == "datetime":
        return f"CAST(replace({col}, 'T', ' ') AS TIMESTAMP)"
    return col


def load_tables(con, program: Program, paths: list[str]) -> Loaded:
    """Read every table into the DuckDB connection ``con`` and define the typed relations the
    compiled views read: ``dom_<type>(id)`` and ``in_<pred>(a0, ..., m)``."""
    errors: list[str] = []
    tables: list[Table] = []
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for path in paths:
        t = identify(program, path)
        if t.name in seen:
            raise TableError(f"{path}: a second table for {t.name}")
        seen.add(t.name)
        if not os.path.isfile(path):
            raise TableError(f"{path}: no such file")
        if os.path.getsize(path) > MAX_FILE_BYTES:
            raise TableError(f"{path}: larger than {MAX_FILE_BYTES // 1024**3} GiB")
        try:  # the header first (the reader's sniffer), then one pass over the rows
            header = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader(t.fmt)}", [path]).fetchall()]
        except Exception as e:  # the reader's own message: unreadable, malformed ...
            raise TableError(f"{path}: {str(e).splitlines()[0]}") from None
        if len(header) > MAX_COLUMNS:
            raise TableError(f"{path}: more than {MAX_COLUMNS} columns")
        line0 = 1 if t.fmt == "csv" else 0  # CSV: the header is line 1
        if t.subject:
            allowed = input_columns(program, t.name)
            if "id" not in header:
                raise TableError(f"{path}: no column id (the subject's name)")
            for h in header:
                if h == "id":
                    continue
                if h in allowed:
                    d = allowed[h]
                    t.columns.append(Column(h, h, 1, not d.single))
                else:
                    errors.append(f"{path}:1: {h}: not an input about a {t.name} (see `kb vocab`); column ignored")
        else:
            d = own_table_inputs(program)[t.name]
            names = [a.name for a in d.args]
            missing = [n for n in names if n not in header]
            if missing:
                raise TableError(f"{path}: the columns are {', '.join(names)}; missing {', '.join(missing)}")
            for h in header:
                if h not in names:
                    errors.append(f"{path}:1: {h}: {t.name} has no argument {h}; column ignored")
            t.columns = [Column(n, t.name, i, False) for i, n in enumerate(names)]
        # every cell as trimmed text; empty = not stated
        cols = (["id"] if t.subject else []) + [c.name for c in t.columns]
        sel = ", ".join(f"nullif(trim(CAST({_q(c)} AS VARCHAR)), '') AS {_q(c)}" for c in cols)
        try:
            con.execute(f"CREATE OR REPLACE TABLE txt_{t.name} AS SELECT row_number() OVER () AS gz_row, {sel} "
                        f"FROM {reader(t.fmt)}", [path])
        except Exception as e:
            raise TableError(f"{path}: {str(e).splitlines()[0]}") from None
        errors += _check(con, program, t, line0)
        counts[t.name] = con.execute(f"SELECT count(*) FROM txt_{t.name}").fetchone()[0]
        tables.append(t)
    _define(con, program, tables)
    for t in tables:  # the typed relations are made: the text copies go
        kind = con.execute("SELECT 1 FROM duckdb_views() WHERE view_name = $1", [f"ok_{t.name}"]).fetchone()
        con.execute(f"DROP {'VIEW' if kind else 'TABLE'} IF EXISTS ok_{t.name}")
        con.execute(f"DROP TABLE IF EXISTS bad_{t.name}")
        con.execute(f"DROP TABLE IF EXISTS txt_{t.name}")
    return Loaded(tables, errors, counts)


_MAX_REPORTED = 1000  # errors listed per table; the rest are counted


def _check(con, program: Program, t: Table, line0: int) -> list[str]:
    checks = []
    if t.subject:
        checks.append(f"SELECT gz_row, 'id', 'the subject has no id' FROM txt_{t.name} WHERE id IS NULL")
        t.duplicates = con.execute(f"SELECT count(id) - count(DISTINCT id) FROM txt_{t.name}").fetchone()[0]
        if t.duplicates:  # the window over every id only when some id repeats
            checks.append(f"SELECT gz_row, 'id', 'a second row for ' || id || ' (ignored)' FROM (SELECT gz_row, id, "
                          f"row_number() OVER (PARTITION BY id ORDER BY gz_row) AS k FROM txt_{t.name} "
                          f"WHERE id IS NOT NULL) x WHERE k > 1")
        checks.append(f"SELECT gz_row, 'id', 'the id is longer than {MAX_CELL} characters' FROM txt_{t.name} "
                      f"WHERE length(id) > {MAX_CELL}")
    for c in t.columns:
        d = program.inputs[c.pred]
        arg = d.args[c.arg]
        col = _q(c.name)
        if c.many:
            src = f"(SELECT gz_row, trim(v) AS v FROM txt_{t.name}, unnest(string_split({col}, ';')) AS s(v)) z"
            checks.append(f"SELECT gz_row, {DIALECTS['duckdb'].string(c.name)}, {check_expr('v', arg)} FROM {src} "
                          f"WHERE v <> '' AND {check_expr('v', arg)} IS NOT NULL")
        else:
            checks.append(f"SELECT gz_row, {DIALECTS['duckdb'].string(c.name)}, why FROM (SELECT gz_row, CASE "
                          f"WHEN {col} LIKE '%;%' THEN 'one value only (this input is single-valued), got ' || {col} "
                          f"ELSE {check_expr(col, arg)} END AS why FROM txt_{t.name} WHERE {col} IS NOT NULL) x "
                          "WHERE why IS NOT NULL")
    if not t.subject:
        for c in t.columns:
            checks.append(f"SELECT gz_row, {DIALECTS['duckdb'].string(c.name)}, 'a value is needed (every argument "
                          f"of {t.name})' FROM txt_{t.name} WHERE {_q(c.name)} IS NULL")
    if not checks:
        return []
    con.execute(f"CREATE OR REPLACE TABLE bad_{t.name} AS " + " UNION ALL ".join(checks))
    total = con.execute(f"SELECT count(*) FROM bad_{t.name}").fetchone()[0]
    rows = con.execute(f"SELECT gz_row, col, why FROM bad_{t.name} AS b(gz_row, col, why) "
                       f"ORDER BY gz_row, col LIMIT {_MAX_REPORTED}").fetchall()
    out = [f"{t.path}:{r + line0}: {col}: {why}" for r, col, why in rows]
    if total > len(rows):
        out.append(f"{t.path}: … and {total - len(rows)} more errors")
    return out


def _define(con, program: Program, tables: list[Table]) -> None:
    """For every subject type: ``subj_<type>`` (the table's rows), ``dom_<type>`` (every id of the
    type named anywhere) and ``sw_<type>`` (the wide row: id, ``gz_in`` (a row of the table) and
    one typed column ``i_<pred>`` per single-valued input, NULL where not stated); ``in_<pred>``
    for every input (empty where no table states it; a view of the wide row for a single-valued
    one)."""
    by_name = {t.name: t for t in tables}
    for tname in program.types:
        singles = wide_inputs(program, tname)
        t = by_name.get(tname)
        if t is None:
            nulls = ", ".join(["CAST(NULL AS VARCHAR) AS id"] + [f"CAST(NULL AS {_sql_type(x.args[1])}) AS i_{x.pred}"
                                                                for x in singles])
            con.execute(f"CREATE OR REPLACE TABLE typed_{tname} AS SELECT {nulls} WHERE FALSE")
        else:
            keep = f"id IS NOT NULL AND length(id) <= {MAX_CELL}"
            if t.duplicates:  # the first row of an id is taken (the others were reported)
                con.execute(f"CREATE OR REPLACE TABLE ok_{tname} AS SELECT * FROM (SELECT *, row_number() OVER "
                            f"(PARTITION BY id ORDER BY gz_row) AS gz_k FROM txt_{tname} WHERE {keep}) x "
                            "WHERE gz_k = 1")
            else:
                con.execute(f"CREATE OR REPLACE VIEW ok_{tname} AS SELECT * FROM txt_{tname} WHERE {keep}")
            stated = {c.pred for c in t.columns}
            cols = ["id"]
            for x in singles:
                if x.pred not in stated:
                    cols.append(f"CAST(NULL AS {_sql_type(x.args[1])}) AS i_{x.pred}")
                    continue
                col = _q(x.pred)
                cols.append(f"CASE WHEN {col} NOT LIKE '%;%' AND {check_expr(col, x.args[1])} IS NULL "
                            f"THEN {typed_expr(col, x.args[1])} END AS i_{x.pred}")
            con.execute(f"CREATE OR REPLACE TABLE typed_{tname} AS SELECT {', '.join(cols)} FROM ok_{tname}")
        con.execute(f"CREATE OR REPLACE VIEW subj_{tname} AS SELECT id FROM typed_{tname}")
        for x in singles:
            con.execute(f"CREATE OR REPLACE VIEW in_{x.pred} AS SELECT id AS a0, i_{x.pred} AS a1, 1 AS m "
                        f"FROM typed_{tname} WHERE i_{x.pred} IS NOT NULL")
    for x in program.inputs.values():
        if not _is_wide(program, x):
            con.execute(f"CREATE OR REPLACE TABLE in_{x.pred} AS {_input_sql(program, x, by_name)}")
    for tname in program.types:
        named = [f"SELECT a{k} AS id FROM in_{x.pred}" for x in program.inputs.values()
                 for k, a in enumerate(x.args) if a.type == tname and k > 0]
        singles = wide_inputs(program, tname)
        wide = ", ".join(["d.id", "t.id IS NOT NULL AS gz_in"] + [f"t.i_{x.pred}" for x in singles])
        if named:  # a record names a subject no row describes: it is a subject all the same
            con.execute(f"CREATE OR REPLACE TABLE dom_{tname} AS SELECT id FROM typed_{tname} UNION "
                        + " UNION ".join(named))
            con.execute(f"CREATE OR REPLACE TABLE sw_{tname} AS SELECT {wide} FROM dom_{tname} d "
                        f"LEFT JOIN typed_{tname} t ON t.id = d.id")
        else:
            con.execute(f"CREATE OR REPLACE VIEW dom_{tname} AS SELECT id FROM typed_{tname}")
            con.execute(f"CREATE OR REPLACE VIEW sw_{tname} AS SELECT {wide.replace('d.id', 't.id')} "
                        f"FROM typed_{tname} t")


def _is_wide(program: Program, x: InputDecl) -> bool:
    return bool(x.args) and x.args[0].type in program.types and is_wide_input(x, x.args[0].type)


def _input_sql(program: Program, d: InputDecl, by_name: dict[str, Table]) -> str:
    empty = "SELECT " + ", ".join(
        f"CAST(NULL AS {_sql_type(a)}) AS a{i}" for i, a in enumerate(d.args)) + ", 1 AS m WHERE FALSE"
    own = own_table_inputs(program)
    if d.pred in own:
        t = by_name.get(d.pred)
        if t is None:
            return empty
        ok = " AND ".join(f"{_q(a.name)} IS NOT NULL AND {check_expr(_q(a.name), a)} IS NULL" for a in d.args)
        cols = ", ".join(f"{typed_expr(_q(a.name), a)} AS a{i}" for i, a in enumerate(d.args))
        return f"SELECT DISTINCT {cols}, 1 AS m FROM txt_{d.pred} WHERE {ok}"
    t = by_name.get(d.args[0].type)
    if t is None or not any(c.pred == d.pred for c in t.columns):
        return empty
    arg = d.args[1]
    col = _q(d.pred)
    if not d.single:
        return (f"SELECT DISTINCT id AS a0, {typed_expr('v', arg)} AS a1, 1 AS m FROM (SELECT id, trim(v) AS v FROM "
                f"ok_{t.name}, unnest(string_split({col}, ';')) AS s(v)) z "
                f"WHERE v <> '' AND {check_expr('v', arg)} IS NULL")
    return (f"SELECT id AS a0, {typed_expr(col, arg)} AS a1, 1 AS m FROM ok_{t.name} WHERE {col} IS NOT NULL "
            f"AND {col} NOT LIKE '%;%' AND {check_expr(col, arg)} IS NULL")


def _sql_type(arg) -> str:
    return {"number": DIALECTS["duckdb"].type("num"), "date": "DATE", "datetime": "TIMESTAMP"}.get(arg.type, "VARCHAR")
