"""Run a compiled plan: DuckDB embedded (default) or Spark SQL, one row per subject.

Output columns: ``subject``, ``answer`` (yes/no/unknown), ``reasons`` (a list of
{condition, clause, literal, kind, observed, op, threshold, unknown}) and ``missing`` (the
inputs to state for an unknown). Library code: it returns data and never prints.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.loader import Program
from kb.screen.compile import Plan, compile_goal
from kb.screen.dialect import DIALECTS
from kb.screen.explain import Explanation, explain
from kb.screen.tables import Loaded, load_tables

FORMATS = ("jsonl", "csv", "parquet")
_WORD = re.compile(r"\b[a-z][a-z0-9_]*\b")


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


def goal_sql(plan: Plan) -> str:
    """gz_goal: every subject of the table with the goal's status (0 no, 1 unknown, 2 yes) and
    whether the two-valued engine proves it."""
    return (f"SELECT h.id AS a0, coalesce(max(g.st), 0) AS st, coalesce(bool_or(g.e), FALSE) AS e "
            f"FROM subj_{plan.subject_type} h LEFT JOIN d_{plan.goal} g ON g.a0 = h.id GROUP BY h.id")


def final_sql(plan: Plan, ex: Explanation) -> str:
    d = DIALECTS[plan.dialect]
    cols, joins = [], []
    for (name, fields), out in zip(ex.agg, ("conditions", "reasons", "missing")):
        if name is None or not any(v[0] == name for v in ex.views):
            cols.append(f"{d.empty_list(fields)} AS {out}")
            continue
        cols.append(f"coalesce({name}.r, {d.empty_list(fields)}) AS {out}")
        joins.append(f" LEFT JOIN {name} ON {name}.subject = g.a0")
    return ("SELECT g.a0 AS subject, CASE g.st WHEN 2 THEN 'yes' WHEN 1 THEN 'unknown' ELSE 'no' END AS answer, "
            + ", ".join(cols) + " FROM gz_goal g" + "".join(joins))


def summary_sql(ex: Explanation) -> str:
    parts = ["count(*) AS total"] + [f"sum(CASE WHEN answer = '{a}' THEN 1 ELSE 0 END) AS n_{a}"
                                     for a in ("yes", "no", "unknown")]
    return f"SELECT {', '.join(parts)} FROM screened"


def _failure_sql(plan: Plan, ex: Explanation) -> str:
    """Per condition of the goal: the subjects answered no that fail it as no."""
    parts = []
    for i, (_, _, view, cond) in enumerate(ex.conditions):
        parts.append(f"SELECT {i} AS i, count(*) AS n FROM gz_goal g JOIN {view} ON {view}.a0 = g.a0 "
                     f"WHERE g.st = 0 AND {cond}")
    return f"SELECT i, n FROM ({' UNION ALL '.join(parts)}) x ORDER BY i"


class DuckRunner:
    """The plan on an embedded DuckDB; memory bounded by ``memory_limit`` (spills to disk)."""

    def __init__(self, threads: int | None = None, memory_limit: str = "1536MB") -> None:
        import duckdb

        self.tmp = tempfile.mkdtemp(prefix="guize-duckdb-")  # where tables spill beyond the limit
        # a database file of its own (deleted at close): the views' tables can leave memory
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": memory_limit, "preserve_insertion_order": True, "temp_directory": self.tmp,
            **({"threads": threads} if threads else {})}
        self.con = duckdb.connect(os.path.join(self.tmp, "screen.duckdb"), config=config)

    def load(self, program: Program, paths: list[str]) -> Loaded:
        loaded = load_tables(self.con, program, paths)
        # the rows' file order is taken; from here on order is asked for where it matters
        # (ORDER BY subject), and not keeping it lets large joins and windows spill to disk
        self.con.execute("SET preserve_insertion_order = false")
        return loaded

    def define(self, plan: Plan, ex: Explanation, as_of: _dt.date) -> None:
        self.con.execute("CREATE OR REPLACE TABLE params AS SELECT CAST($1 AS DATE) AS as_of", [as_of])
        views = plan.views + [("gz_goal", goal_sql(plan))] + ex.views
        # each table is dropped after the last view that reads it (peak memory: what is live)
        names = {n for n, _ in views}
        keep = set(_WORD.findall(final_sql(plan, ex) + _failure_sql(plan, ex))) & names
        last: dict[str, int] = {}
        for i, (_, sql) in enumerate(views):
            for w in set(_WORD.findall(sql)) & names:
                last[w] = i
        for i, (name, sql) in enumerate(views):
            try:
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
            except Exception as e:  # name the view (and so the clause) the engine gave up on
                raise RuntimeError(f"while computing {name}: {str(e).splitlines()[0]}") from e
            for w, at in last.items():
                if at == i and w not in keep:
                    self.con.execute(f"DROP TABLE IF EXISTS {w}")
        self.con.execute(f"CREATE OR REPLACE TABLE screened AS {final_sql(plan, ex)} ORDER BY subject")

    def rows(self, limit: int | None = None) -> list[dict]:
        cur = self.con.execute("SELECT * FROM screened ORDER BY subject" + (f" LIMIT {int(limit)}" if limit else ""))
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def write(self, out: str, fmt: str) -> None:
        if fmt == "jsonl":
            self.con.execute("COPY (SELECT * FROM screened ORDER BY subject) TO $1 (FORMAT JSON)", [out])
        elif fmt == "csv":
            self.con.execute("COPY (SELECT subject, answer, CAST(to_json(conditions) AS VARCHAR) AS conditions, "
                             "CAST(to_json(reasons) AS VARCHAR) AS reasons, "
                             "array_to_string(missing, ';') AS missing FROM screened ORDER BY subject) "
                             "TO $1 (FORMAT CSV, HEADER)", [out])
        else:
            self.con.execute("COPY (SELECT * FROM screened ORDER BY subject) TO $1 (FORMAT PARQUET)", [out])

    def summary(self, plan: Plan, ex: Explanation) -> Summary:
        row = self.con.execute(summary_sql(ex)).fetchone()
        assert row is not None  # an aggregate query returns one row
        total, y, n, u = row
        fails = dict(self.con.execute(_failure_sql(plan, ex)).fetchall()) if ex.conditions else {}
        return Summary(total, {"yes": int(y or 0), "no": int(n or 0), "unknown": int(u or 0)},
                       [(c, w, int(fails.get(i, 0))) for i, (c, w, _, _) in enumerate(ex.conditions)])

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
            "SELECT table_name FROM duckdb_tables() WHERE (table_name LIKE 'dom\\_%' ESCAPE '\\' "
            "OR table_name LIKE 'in\\_%' ESCAPE '\\' OR table_name LIKE 'subj\\_%' ESCAPE '\\')").fetchall()]
        for name in names:
            path = os.path.join(self.tmp, name + ".parquet")
            self.duck.con.execute(f"COPY {name} TO $1 (FORMAT PARQUET)", [path])
            self.spark.read.parquet(path).createOrReplaceTempView(name)
        return loaded

    def define(self, plan: Plan, ex: Explanation, as_of: _dt.date) -> None:
        self.spark.createDataFrame([(as_of,)], "as_of DATE").createOrReplaceTempView("params")
        # each view materialised (its lineage cut), as DuckDB's tables: a plan of a hundred nested
        # views would otherwise be analysed as one tree
        views = plan.views + [("gz_goal", goal_sql(plan))] + ex.views
        names = {n for n, _ in views}
        uses = {n: set(re.findall(r"\b[a-z][a-z0-9_]*\b", sql)) & names for n, sql in views}
        refs = {n: sum(n in u for u in uses.values()) for n in names}
        depth: dict[str, int] = {}
        for name, sql in views:
            df = self.spark.sql(sql)
            depth[name] = 1 + max((depth[u] for u in uses[name] if u in depth), default=0)
            # a view read twice, or a lazy chain grown deep, is materialised (lineage cut); the
            # rest stay lazy and are planned with their reader (fewer jobs)
            if refs[name] > 1 or depth[name] > 6:
                if self.local:  # one machine: one partition per view spares the per-task cost
                    df = df.coalesce(1)
                df = df.localCheckpoint(eager=True)
                depth[name] = 0
            df.createOrReplaceTempView(name)
        self.spark.sql(final_sql(plan, ex)).localCheckpoint(eager=True).createOrReplaceTempView("screened")

    def rows(self, limit: int | None = None) -> list[dict]:
        df = self.spark.sql("SELECT * FROM screened ORDER BY subject" + (f" LIMIT {int(limit)}" if limit else ""))
        return [_plain(r.asDict(recursive=True)) for r in df.collect()]

    def write(self, out: str, fmt: str) -> None:
        df = self.spark.sql("SELECT * FROM screened ORDER BY subject")
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
        r = self.spark.sql(summary_sql(ex)).collect()[0]
        fails = {int(x[0]): int(x[1]) for x in self.spark.sql(_failure_sql(plan, ex)).collect()} \
            if ex.conditions else {}
        return Summary(int(r[0]), {"yes": int(r[1] or 0), "no": int(r[2] or 0), "unknown": int(r[3] or 0)},
                       [(c, w, fails.get(i, 0)) for i, (c, w, _, _) in enumerate(ex.conditions)])

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
