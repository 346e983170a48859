"""Run a compiled plan: DuckDB embedded (default) or Spark SQL, one row per subject.

Output columns: ``subject``, ``answer`` (yes/no/unknown), ``reasons`` (a list of
{condition, clause, literal, kind, observed, op, threshold, unknown}) and ``missing`` (the
inputs to state for an unknown). Library code: it returns data and never prints.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.loader import Program
from kb.screen.compile import WORD, Plan, compile_goal, statements
from kb.screen.explain import Explanation, explain
from kb.screen.tables import Loaded, load_tables

FORMATS = ("jsonl", "csv", "parquet")
OUTPUT = "subject, answer, conditions, reasons, missing"  # the columns written


@dataclass
class Summary:
    total: int
    counts: dict[str, int]  # answer -> subjects
    failures: list[tuple[str, str, int]]  # (condition, words, subjects answered no that fail it)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def share(self, n: int) -> float:
        no = self.counts.get("no", 0)
        return n / no if no else 0.0


def build(program: Program, goal: str, dialect: str = "duckdb") -> tuple[Plan, Explanation]:
    plan = compile_goal(program, goal, dialect)
    return plan, explain(program, plan)


def plan_statements(plan: Plan, ex: Explanation) -> list[tuple[str, str, str]]:
    """Everything the engine computes for a screening, in order, ending with ``screened``."""
    # the joined row of each subject is read once, by screened: a view, computed in that pass
    lazy = {n for n, _ in ex.views if n.startswith("gz_wide")}
    return statements(plan.views, ex.views + [("screened", ex.final)], plan.base_cols, [ex.failures], lazy)


def summary_sql() -> str:
    parts = ["count(*) AS total"] + [f"sum(CASE WHEN answer = '{a}' THEN 1 ELSE 0 END) AS n_{a}"
                                     for a in ("yes", "no", "unknown")]
    return f"SELECT {', '.join(parts)} FROM screened"


def _run_statements(execute, todo: list[tuple[str, str, str]], keep: set[str]) -> None:
    """Create each table or view in turn; a table is dropped after the last statement that
    reads it (peak memory: what is live), unless it is in ``keep``."""
    names = {n for n, _, _ in todo}
    kinds = {n: k for n, _, k in todo}
    reads: dict[str, set[str]] = {}  # what a statement reads, through the views it reads
    last: dict[str, int] = {}
    for i, (name, sql, _) in enumerate(todo):
        direct = set(WORD.findall(sql)) & names
        reads[name] = direct.union(*(reads.get(w, set()) for w in direct if kinds.get(w) == "view"))
        for w in reads[name]:
            last[w] = i
    for i, (name, sql, kind) in enumerate(todo):
        try:
            execute(f"CREATE OR REPLACE {'VIEW' if kind == 'view' else 'TABLE'} {name} AS {sql}")
        except Exception as e:  # name the view (and so the clause) the engine gave up on
            raise RuntimeError(f"while computing {name}: {str(e).splitlines()[0]}") from e
        for w, at in last.items():
            if at == i and w not in keep and kinds.get(w) == "table":
                execute(f"DROP TABLE IF EXISTS {w}")


class DuckRunner:
    """The plan on an embedded DuckDB; memory bounded by ``memory_limit`` (spills to disk)."""

    def __init__(self, threads: int | None = None, memory_limit: str = "1536MB") -> None:
        import duckdb

        self.tmp = tempfile.mkdtemp(prefix="guize-duckdb-")  # where tables spill beyond the limit
        # in memory, spilling to the temporary folder beyond the limit (a database file would
        # write every table through to disk: twice the time)
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit, "preserve_insertion_order": True, "temp_directory": self.tmp,
            **({"threads": threads} if threads else {})}
        self.con = duckdb.connect(":memory:", config=config)

    def load(self, program: Program, paths: list[str]) -> Loaded:
        loaded = load_tables(self.con, program, paths)
        # the rows' file order is taken; from here on order is asked for where it matters
        # (ORDER BY subject), and not keeping it lets large joins and windows spill to disk
        self.con.execute("SET preserve_insertion_order = false")
        return loaded

    def define(self, plan: Plan, ex: Explanation, as_of: _dt.date) -> None:
        self.con.execute("CREATE OR REPLACE TABLE params AS SELECT CAST($1 AS DATE) AS as_of", [as_of])
        _run_statements(self.con.execute, plan_statements(plan, ex), {"screened"})

    def sample(self, n: int, seed: int = 0) -> list[dict]:
        """``n`` screened rows drawn at random (deterministic for a seed), in the engine."""
        cur = self.con.execute(f"SELECT {OUTPUT} FROM screened ORDER BY hash(subject, $1), subject LIMIT $2",
                               [int(seed), int(n)])
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def changed(self, other: DuckRunner) -> tuple[list[dict], list[dict]]:
        """The rows of this screening and of ``other`` (the same tables, another date or rules)
        whose answers differ, found by a join in the engine: only those reach Python."""
        path = os.path.join(self.tmp, "other.parquet")
        other.write(path, "parquet")
        self.con.execute("CREATE OR REPLACE TEMP TABLE gz_other AS SELECT * FROM read_parquet($1)", [path])
        out = []
        for side in ("a", "b"):
            cur = self.con.execute(f"SELECT {', '.join(f'{side}.{c.strip()}' for c in OUTPUT.split(','))} "
                                   "FROM screened a JOIN gz_other b ON a.subject = b.subject "
                                   "WHERE a.answer <> b.answer ORDER BY a.subject")
            names = [c[0] for c in cur.description]
            out.append([dict(zip(names, r)) for r in cur.fetchall()])
        self.con.execute("DROP TABLE gz_other")
        return out[0], out[1]

    def rows(self, limit: int | None = None) -> list[dict]:
        cur = self.con.execute(f"SELECT {OUTPUT} FROM screened ORDER BY subject"
                               + (f" LIMIT {int(limit)}" if limit else ""))
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def write(self, out: str, fmt: str) -> None:
        if fmt == "jsonl":
            # each line made by to_json (the JSON writer's own serialiser: the same bytes) and
            # written as one raw text column: the sort then moves text, not nested lists (about
            # twice as fast). JSON text holds no control character unescaped, so none of the
            # CSV writer's quote, escape or delimiter characters (\x01, \x02) ever occurs.
            line = "to_json(struct_pack(" + ", ".join(f"{c} := {c}" for c in OUTPUT.split(", ")) + "))"
            self.con.execute(f"COPY (SELECT {line} AS j FROM screened ORDER BY subject) TO $1 (FORMAT CSV, "
                             "HEADER false, QUOTE '\x01', ESCAPE '\x01', DELIMITER '\x02')", [out])
        elif fmt == "csv":
            self.con.execute("COPY (SELECT subject, answer, CAST(to_json(conditions) AS VARCHAR) AS conditions, "
                             "CAST(to_json(reasons) AS VARCHAR) AS reasons, "
                             "array_to_string(missing, ';') AS missing FROM screened ORDER BY subject) "
                             "TO $1 (FORMAT CSV, HEADER)", [out])
        else:
            self.con.execute(f"COPY (SELECT {OUTPUT} FROM screened ORDER BY subject) TO $1 (FORMAT PARQUET)", [out])

    def summary(self, plan: Plan, ex: Explanation) -> Summary:
        row = self.con.execute(summary_sql()).fetchone()
        assert row is not None  # an aggregate query returns one row
        total, y, n, u = row
        fails = self.con.execute(ex.failures).fetchone() or ()
        return Summary(total, {"yes": int(y or 0), "no": int(n or 0), "unknown": int(u or 0)},
                       [(c, w, int(fails[i] or 0) if i < len(fails) else 0)
                        for i, (c, w, _) in enumerate(ex.conditions)])

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class SparkRunner:
    """The same plan on Spark SQL (pyspark, imported only here). Tables are read by DuckDB's
    checked loader into Parquet and handed to Spark, or read by Spark itself on a cluster."""

    def __init__(self, master: str | None = None) -> None:
        from pyspark import SparkConf
        from pyspark.sql import SparkSession

        builder = SparkSession.builder
        if master is None and not SparkConf().contains("spark.master"):
            master = "local[2]"  # not under spark-submit, which sets the master itself
        if master is not None:
            builder = builder.master(master)
        self.spark = (builder.appName("guize-screen")
                      .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
                      .config("spark.ui.showConsoleProgress", "false").config("spark.driver.memory", "1g")
                      .config("spark.sql.session.timeZone", "UTC").getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.tmp = tempfile.mkdtemp(prefix="guize-spark-")
        self.local = (self.spark.sparkContext.master or "").startswith("local")
        self.duck = DuckRunner()

    def load(self, program: Program, paths: list[str]) -> Loaded:
        loaded = self.duck.load(program, paths)
        names = [r[0] for r in self.duck.con.execute(
            "SELECT name FROM (SELECT table_name AS name FROM duckdb_tables() UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE NOT internal) x WHERE regexp_matches(name, "
            "'^(dom|in|subj|sw)_')").fetchall()]
        for name in names:
            path = os.path.join(self.tmp, name + ".parquet")
            self.duck.con.execute(f"COPY {name} TO $1 (FORMAT PARQUET)", [path])
            self.spark.read.parquet(path).createOrReplaceTempView(name)
        return loaded

    def define(self, plan: Plan, ex: Explanation, as_of: _dt.date) -> None:
        self.spark.createDataFrame([(as_of,)], "as_of DATE").createOrReplaceTempView("params")
        # each table materialised (its lineage cut), as DuckDB's: a plan of a hundred nested
        # views would otherwise be analysed as one tree; a view read twice likewise
        todo = plan_statements(plan, ex)
        names = {n for n, _, _ in todo}
        uses = {n: set(WORD.findall(sql)) & names for n, sql, _ in todo}
        refs = {n: sum(n in u for u in uses.values()) for n in names}
        depth: dict[str, int] = {}
        for name, sql, kind in todo:
            df = self.spark.sql(sql)
            depth[name] = 1 + max((depth[u] for u in uses[name] if u in depth), default=0)
            if kind == "table" or refs[name] > 1 or depth[name] > 6:
                if self.local:  # one machine: one partition per view spares the per-task cost
                    df = df.coalesce(1)
                df = df.localCheckpoint(eager=True)
                depth[name] = 0
            df.createOrReplaceTempView(name)

    def sample(self, n: int, seed: int = 0) -> list[dict]:
        df = self.spark.sql(f"SELECT {OUTPUT} FROM screened ORDER BY hash(subject, {int(seed)}), subject "
                            f"LIMIT {int(n)}")
        return [_plain(r.asDict(recursive=True)) for r in df.collect()]

    def rows(self, limit: int | None = None) -> list[dict]:
        df = self.spark.sql(f"SELECT {OUTPUT} FROM screened ORDER BY subject"
                            + (f" LIMIT {int(limit)}" if limit else ""))
        return [_plain(r.asDict(recursive=True)) for r in df.collect()]

    def write(self, out: str, fmt: str) -> None:
        df = self.spark.sql(f"SELECT {OUTPUT} FROM screened ORDER BY subject")
        if fmt == "csv":
            df = self.spark.sql("SELECT subject, answer, to_json(conditions) AS conditions, "
                                "to_json(reasons) AS reasons, "
                                "array_join(missing, ';') "
                                "AS missing FROM screened ORDER BY subject")
        target = os.path.join(self.tmp, "out")
        {"jsonl": df.coalesce(1).write.mode("overwrite").json, "csv": lambda p: df.coalesce(1).write.mode(
            "overwrite").option("header", True).csv(p), "parquet": df.coalesce(1).write.mode("overwrite").parquet}[fmt](
            target)
        part = next(f for f in sorted(os.listdir(target)) if f.startswith("part-"))
        shutil.move(os.path.join(target, part), out)

    def summary(self, plan: Plan, ex: Explanation) -> Summary:
        r = self.spark.sql(summary_sql()).collect()[0]
        f = self.spark.sql(ex.failures).collect()[0]
        return Summary(int(r[0]), {"yes": int(r[1] or 0), "no": int(r[2] or 0), "unknown": int(r[3] or 0)},
                       [(c, w, int(f[i] or 0) if i < len(f) else 0) for i, (c, w, _) in enumerate(ex.conditions)])

    def close(self) -> None:
        self.duck.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _plain(v):
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


def screen(program: Program, goal: str, paths: list[str], as_of: _dt.date, engine: str = "duckdb",
           master: str | None = None, progress: Callable[[str], None] | None = None):
    """Load, compile and run; returns (runner, plan, explanation, loaded). The caller writes the
    output and closes the runner."""
    step = progress or (lambda _m: None)
    dialect = "spark" if engine == "spark" else "duckdb"
    step("compiling")
    plan, ex = build(program, goal, dialect)
    runner = SparkRunner(master) if engine == "spark" else DuckRunner()
    step("reading tables")
    loaded = runner.load(program, paths)
    step("screening")
    runner.define(plan, ex, as_of)
    return runner, plan, ex, loaded
