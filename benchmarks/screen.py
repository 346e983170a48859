"""Screening benchmark: `kb screen` against a hand-written DuckDB query, Spark local mode and
the pyDatalog per-store path, on one generated population of Kuaishou stores, penalty records
and linked accounts.

    python benchmarks/screen.py generate 1000000 /tmp/pop1m     # writes ks_store.csv, ks_violation.csv
    python benchmarks/screen.py run /tmp/pop1m [--spark] [--prover N]

Every figure is wall time of a whole run (reading CSV, writing JSONL) and peak RSS of that
process; the numbers in benchmarks/README.md come from this script on the project's 2-core
machine. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
import time

# this folder holds a facts.py: the project's root (and its facts package) must come first
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [ROOT] + [p for p in sys.path if os.path.abspath(p or ".") != os.path.join(ROOT, "benchmarks")]
AS_OF = "2026-11-23"
CATEGORIES = ["apparel_shoes", "pet_life", "industrial_goods", "jewelry_watches", "books_entertainment", "other",
              "auto_moto_services", "second_hand"]
SUBCATEGORIES = ["chemicals", "gold_silver_jewelry", "jade", "used_vehicle_sale", "other"]


def generate(n: int, folder: str, seed: float = 0.42) -> None:
    """The population, made by DuckDB itself (deterministic for a seed): about 5% of cells
    empty, 0.4 penalty records and 0.3 linked accounts per store."""
    import duckdb

    os.makedirs(folder, exist_ok=True)
    con = duckdb.connect()
    con.execute("SELECT setseed(?)", [seed])
    cats = "[" + ", ".join(f"'{c}'" for c in CATEGORIES) + "]"
    subs = "[" + ", ".join(f"'{c}'" for c in SUBCATEGORIES) + "]"

    def maybe(expr: str, p: float = 0.05) -> str:
        return f"CASE WHEN random() < {p} THEN NULL ELSE {expr} END"

    con.execute(f"""CREATE TABLE s AS SELECT 's' || lpad(CAST(i AS VARCHAR), 7, '0') AS id,
        {maybe("CASE WHEN random() < 0.97 THEN 'true' ELSE 'false' END")} AS ks_onboarded,
        {maybe("CASE WHEN random() < 0.95 THEN 'true' ELSE 'false' END")} AS ks_opening_completed,
        {maybe("CASE WHEN random() < 0.92 THEN 'normal' ELSE 'abnormal' END", 0.1)} AS ks_store_status,
        {maybe("CASE WHEN random() < 0.6 THEN 'enterprise' WHEN random() < 0.8 THEN 'individual_business' "
               "ELSE 'personal' END", 0.03)} AS ks_store_type,
        {maybe(f"{cats}[1 + CAST(floor(random() * {len(CATEGORIES)}) AS INTEGER)]")} AS ks_main_category,
        CASE WHEN random() < 0.2 THEN {subs}[1 + CAST(floor(random() * {len(SUBCATEGORIES)}) AS INTEGER)] END
            AS ks_subcategory,
        {maybe("CASE WHEN random() < 0.8 THEN 'true' ELSE 'false' END", 0.3)} AS ks_category_requirements_met,
        {maybe("CAST(round(3 + random() * 2, 1) AS VARCHAR)")} AS ks_experience_stars,
        {maybe("CAST(round(random() * 12, 2) AS VARCHAR)")} AS ks_return_rate_30d,
        {maybe("CAST(round(2 + random() * 4, 2) AS VARCHAR)")} AS ks_category_avg_return_rate_30d,
        {maybe("CAST(round(random() * 4, 2) AS VARCHAR)")} AS ks_negative_review_rate_30d,
        {maybe("CAST(round(1 + random(), 2) AS VARCHAR)")} AS ks_platform_avg_negative_review_rate_30d,
        CASE WHEN random() < 0.3 THEN CAST(DATE '2026-11-23' - CAST(floor(random() * 30) AS INTEGER) AS VARCHAR)
            END AS ks_application_date,
        CASE WHEN random() < 0.3 THEN 'acc' || CAST(CAST(floor(random() * {max(n // 2, 1)}) AS BIGINT) AS VARCHAR)
            END AS ks_linked_account
        FROM range({n}) t(i)""")
    con.execute(f"""CREATE TABLE v AS SELECT 'v' || CAST(i AS VARCHAR) AS id,
        's' || lpad(CAST(CAST(floor(random() * {n}) AS BIGINT) AS VARCHAR), 7, '0') AS ks_violation,
        {maybe("['counterfeit_sale', 'product_quality_issue', 'other', 'other', 'other'][1 + "
               "CAST(floor(random() * 5) AS INTEGER)]")} AS ks_violation_type,
        {maybe("CAST(DATE '2026-11-23' - CAST(floor(random() * 900) AS INTEGER) AS VARCHAR)")} AS ks_violation_date,
        {maybe("CAST(CAST(floor(random() * 50) AS INTEGER) AS VARCHAR)")} AS ks_points_deducted,
        CASE WHEN random() < 0.5 THEN 'true' ELSE 'false' END AS ks_violation_serious,
        CAST(NULL AS VARCHAR) AS ks_linked_violation
        FROM range({int(n * 0.4)}) t(i)
        UNION ALL SELECT 'lv' || CAST(i AS VARCHAR), NULL,
        CASE WHEN random() < 0.5 THEN 'confirmed_counterfeit_sale' ELSE 'other' END,
        CAST(DATE '2026-11-23' - CAST(floor(random() * 700) AS INTEGER) AS VARCHAR), NULL, NULL,
        'acc' || CAST(CAST(floor(random() * {max(n // 2, 1)}) AS BIGINT) AS VARCHAR)
        FROM range({int(n * 0.1)}) t(i)""")
    con.execute("COPY s TO ? (FORMAT CSV, HEADER)", [os.path.join(folder, "ks_store.csv")])
    con.execute("COPY v TO ? (FORMAT CSV, HEADER)", [os.path.join(folder, "ks_violation.csv")])


# The same verdicts and failing conditions, written by hand for this one goal (three-valued:
# NULL = unknown), as a reader of the source text would write them for a warehouse.
HAND = """
CREATE TEMP TABLE st AS SELECT * FROM read_csv($store, header = true, all_varchar = true);
CREATE TEMP TABLE vi AS SELECT * FROM read_csv($viol, header = true, all_varchar = true);
CREATE TEMP TABLE ref AS SELECT id, coalesce(TRY_CAST(ks_application_date AS DATE), DATE '{as_of}') AS r FROM st;
CREATE TEMP TABLE own AS SELECT v.ks_violation AS id, v.ks_violation_type AS t,
    TRY_CAST(v.ks_violation_date AS DATE) AS d, TRY_CAST(v.ks_points_deducted AS DECIMAL(18,6)) AS p,
    v.ks_violation_serious AS serious FROM vi v WHERE v.ks_violation IS NOT NULL;
CREATE TEMP TABLE c4 AS SELECT o.id,
    max(CASE WHEN o.d IS NULL OR o.t IS NULL THEN NULL
             WHEN o.d >= CAST(ref.r - INTERVAL 1 YEAR AS DATE) AND o.d <= ref.r
                  AND (o.t IN ('counterfeit_sale', 'product_quality_issue', 'confirmed_counterfeit_sale',
                               'other_serious')
                       OR (o.t = 'other' AND o.serious = 'true')) THEN 1 ELSE 0 END) AS hit,
    max(CASE WHEN o.d IS NULL OR o.t IS NULL THEN 1 ELSE 0 END) AS doubt
    FROM own o JOIN ref ON ref.id = o.id GROUP BY o.id;
CREATE TEMP TABLE c5 AS SELECT id, max(CASE WHEN p >= 40 THEN 1 ELSE 0 END) AS hit,
    max(CASE WHEN p IS NULL THEN 1 ELSE 0 END) AS doubt FROM own GROUP BY id;
CREATE TEMP TABLE c8 AS SELECT s.id, max(CASE WHEN TRY_CAST(v.ks_violation_date AS DATE)
    BETWEEN CAST(ref.r - INTERVAL 1 YEAR AS DATE) AND ref.r THEN 1 ELSE 0 END) AS hit
    FROM st s JOIN ref ON ref.id = s.id JOIN vi v ON v.ks_linked_violation = s.ks_linked_account
    WHERE v.ks_violation_type = 'confirmed_counterfeit_sale' GROUP BY s.id;
CREATE TEMP TABLE conds AS SELECT s.id,
    CASE WHEN s.ks_onboarded IS NULL OR s.ks_opening_completed IS NULL THEN NULL
         WHEN s.ks_onboarded = 'true' AND s.ks_opening_completed = 'true' AND s.ks_store_status = 'normal' THEN TRUE
         WHEN s.ks_store_status IS NULL AND s.ks_onboarded = 'true' AND s.ks_opening_completed = 'true' THEN NULL
         ELSE FALSE END AS c1,
    CASE WHEN s.ks_store_type = 'enterprise' THEN TRUE WHEN s.ks_store_type IS NULL THEN NULL
         WHEN s.ks_store_type <> 'individual_business' THEN FALSE
         WHEN s.ks_main_category IS NULL THEN NULL
         WHEN s.ks_main_category IN ('other', 'jewelry_watches', 'auto_moto_services') AND s.ks_subcategory IS NULL
              AND s.ks_main_category <> 'other' THEN NULL
         WHEN s.ks_main_category = 'other' THEN FALSE
         WHEN s.ks_main_category = 'industrial_goods' AND s.ks_subcategory = 'chemicals' THEN FALSE
         WHEN s.ks_main_category = 'jewelry_watches'
              AND s.ks_subcategory NOT IN ('gold_silver_jewelry', 'jade', 'gemstone') THEN FALSE
         WHEN s.ks_main_category = 'auto_moto_services' AND s.ks_subcategory NOT IN ('used_vehicle_sale',
              'used_vehicle_test_drive') THEN FALSE
         ELSE CASE s.ks_category_requirements_met WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE END END AS c2,
    CAST(s.ks_experience_stars AS DECIMAL(18,6)) >= 4 AS c3,
    CASE WHEN c4.hit = 1 THEN FALSE WHEN c4.doubt = 1 THEN NULL ELSE TRUE END AS c4,
    CASE WHEN c5.hit = 1 THEN FALSE WHEN c5.doubt = 1 THEN NULL ELSE TRUE END AS c5,
    CAST(s.ks_return_rate_30d AS DECIMAL(18,6)) <= 2 * CAST(s.ks_category_avg_return_rate_30d AS DECIMAL(18,6)) AS c6,
    CAST(s.ks_negative_review_rate_30d AS DECIMAL(18,6))
        <= 2 * CAST(s.ks_platform_avg_negative_review_rate_30d AS DECIMAL(18,6)) AS c7,
    CASE WHEN c8.hit = 1 THEN FALSE ELSE TRUE END AS c8,
    s.ks_experience_stars AS stars, s.ks_return_rate_30d AS rr, s.ks_category_avg_return_rate_30d AS car
    FROM st s LEFT JOIN c4 ON c4.id = s.id LEFT JOIN c5 ON c5.id = s.id LEFT JOIN c8 ON c8.id = s.id;
COPY (SELECT id AS subject,
    CASE WHEN c1 AND c2 AND c3 AND c4 AND c5 AND c6 AND c7 AND c8 THEN 'yes'
         WHEN NOT c1 OR NOT c2 OR NOT c3 OR NOT c4 OR NOT c5 OR NOT c6 OR NOT c7 OR NOT c8 THEN 'no'
         ELSE 'unknown' END AS answer,
    list_filter([CASE WHEN NOT coalesce(c1, TRUE) THEN {{'condition': 'C1'}} END,
                 CASE WHEN NOT coalesce(c2, TRUE) THEN {{'condition': 'C2'}} END,
                 CASE WHEN NOT coalesce(c3, TRUE) THEN {{'condition': 'C3 stars ' || stars || ' >= 4'}} END,
                 CASE WHEN NOT coalesce(c4, TRUE) THEN {{'condition': 'C4'}} END,
                 CASE WHEN NOT coalesce(c5, TRUE) THEN {{'condition': 'C5'}} END,
                 CASE WHEN NOT coalesce(c6, TRUE)
                      THEN {{'condition': 'C6 return rate ' || rr || ' =< 2 x ' || car}} END,
                 CASE WHEN NOT coalesce(c7, TRUE) THEN {{'condition': 'C7'}} END,
                 CASE WHEN NOT coalesce(c8, TRUE) THEN {{'condition': 'C8'}} END], lambda x: x IS NOT NULL) AS reasons
    FROM conds ORDER BY id) TO $out (FORMAT JSON);
"""


def hand_written(folder: str, out: str) -> None:
    import duckdb

    con = duckdb.connect(config={"memory_limit": "1536MB"})
    params = {"store": os.path.join(folder, "ks_store.csv"), "viol": os.path.join(folder, "ks_violation.csv"),
              "out": out}
    for stmt in HAND.format(as_of=AS_OF).split(";\n"):
        if stmt.strip():
            names = [k for k in params if f"${k}" in stmt]
            con.execute(stmt, {k: params[k] for k in names})


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a child process (its own peak: wait4, not the maximum
    over every child this script has run)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    if p.returncode not in (0, 1):  # 1: kb screen found bad rows or verify differences; reported
        raise SystemExit(f"{cmd[:4]}: exit {p.returncode}")
    return wall, ru.ru_maxrss / 1024


def prover_per_store(folder: str, n: int) -> float:
    """Milliseconds per store through KnowledgeBase.ask (pyDatalog engine + prover), each store
    asked with its own facts, over the first n stores."""
    import duckdb

    from grammar.model import Atom, Const
    from kb import KnowledgeBase
    from kb.screen.facts import facts_of
    from kb.screen.tables import load_tables

    base = KnowledgeBase.default()
    con = duckdb.connect()
    load_tables(con, base.program, [os.path.join(folder, "ks_store.csv"), os.path.join(folder, "ks_violation.csv")])
    ids = [r[0] for r in con.execute("SELECT id FROM subj_ks_store ORDER BY id LIMIT ?", [n]).fetchall()]
    facts = {i: facts_of(con, base.program, "ks_store", i) for i in ids}
    t0 = time.monotonic()
    for i in ids:
        base.ask(Atom("ks_distribution_eligible", (Const(i),)), facts=facts[i], as_of=_dt.date(2026, 11, 23))
    return (time.monotonic() - t0) * 1000 / len(ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("n", type=int)
    g.add_argument("folder")
    r = sub.add_parser("run")
    r.add_argument("folder")
    r.add_argument("--spark", action="store_true")
    r.add_argument("--prover", type=int, default=0, metavar="N")
    r.add_argument("--skip-kb", action="store_true")
    r.add_argument("--verify", type=int, default=0)
    args = ap.parse_args()
    if args.cmd == "generate":
        generate(args.n, args.folder)
        return
    here = os.path.dirname(os.path.abspath(__file__))
    kb = [sys.executable, "-m", "repl", "screen", "--goal", "ks_distribution_eligible",
          os.path.join(args.folder, "ks_store.csv"), os.path.join(args.folder, "ks_violation.csv"),
          "--as-of", AS_OF, "--quiet", "--out", os.path.join(args.folder, "kb.jsonl")]
    results = {}
    if not args.skip_kb:
        results["kb screen (DuckDB)"] = timed(kb + (["--verify", str(args.verify)] if args.verify else []))
    results["hand-written DuckDB"] = timed([sys.executable, os.path.join(here, "screen.py"), "hand", args.folder])
    if args.spark:
        results["kb screen --engine spark (local[2])"] = timed(kb + ["--engine", "spark"])
    if args.prover:
        results[f"pyDatalog + prover, per store (ms, {args.prover} stores)"] = (prover_per_store(args.folder,
                                                                                                args.prover), 0.0)
    print(json.dumps({k: {"wall_s": round(w, 2), "peak_rss_mib": round(m)} for k, (w, m) in results.items()},
                     indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "hand":
        hand_written(sys.argv[2], os.path.join(sys.argv[2], "hand.jsonl"))
    else:
        main()
