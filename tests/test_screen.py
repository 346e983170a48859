"""kb screen: the clauses compiled to SQL give the prover's answers.

Expected answers come from the prover (pyDatalog engine + kb/proof.py) on the same facts, or
from reading the source text; nothing here is copied from a run of the SQL."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grammar.model import Annotations, Atom, Clause, Const, Pos, format_value
from kb.proof import missing_inputs
from kb.screen.compile import CompileError, compile_goal, compile_goals, screenable_goals, statements
from kb.screen.facts import write_tables
from kb.screen.run import OUTPUT, DuckRunner, screen
from tests.screen_population import AS_OF, population

KS_GOALS = ["ks_distribution_eligible", "ks_distribution_admitted", "ks_must_reapply"]


def _clauses(facts: list[Atom]) -> list[Clause]:
    return [Clause(a, (), Annotations(), Pos("<population>", 1, 1)) for a in facts]


def _prover_reasons(ans, subject: str) -> tuple[set, set, set]:
    """Top-level failing conditions (pred, unknown), threshold leaves and missing inputs, found
    the way the screening output reports them (into conditions about the subject alone)."""
    top = {(f.literal.atom.pred if hasattr(f.literal, "atom") else getattr(f.literal, "pred", str(f.literal)),
            f.unknown) for a in ans.why_not for f in a.failures}
    leaves: set = set()

    def walk(alts) -> None:
        for a in alts:
            for f in a.failures:
                lit = f.literal
                if f.kind == "derived" and lit.args and lit.args[0] == Const(subject):
                    walk(f.because)
                elif f.kind == "threshold" and f.values:
                    leaves.add((a.clause, format_value(f.values["lhs"]), f.literal.op, format_value(f.values["rhs"])))

    walk(ans.why_not)
    missing = {m.pred for m in missing_inputs(ans.why_not)} if ans.answer == "unknown" else set()
    return top, leaves, missing


def _sql_reasons(row: dict) -> tuple[set, set, set]:
    top = {(r["condition"].split("(")[0].removeprefix("not "), r["unknown"]) for r in row["conditions"]}
    leaves = {(r["clause"], r["observed"], r["op"], r["threshold"]) for r in row["reasons"]
              if r["kind"] == "threshold" and not r["unknown"]}
    return top, leaves, set(row["missing"])


def _screen_population(base, goals, facts, ids, tmp_path, reasons: bool):
    plans = compile_goals(base.program, goals)
    runner = DuckRunner(threads=1)
    types = {p.subject_type for p in plans.values()}
    paths = write_tables(base.program, facts, str(tmp_path), {t: ids[t] for t in types})
    runner.load(base.program, paths)
    any_plan = next(iter(plans.values()))
    runner.con.execute("CREATE OR REPLACE TABLE params AS SELECT CAST($1 AS DATE) AS as_of", [AS_OF])
    out = {}
    if reasons:
        from kb.screen.explain import explain
        from kb.screen.run import plan_statements

        for goal, plan in plans.items():
            ex = explain(base.program, plan)
            for name, sql, kind in plan_statements(plan, ex):
                runner.con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")
            cur = runner.con.execute(f"SELECT {OUTPUT} FROM screened ORDER BY subject")
            cols = [c[0] for c in cur.description]
            out[goal] = [dict(zip(cols, r)) for r in cur.fetchall()]
    else:  # every goal's answers from one set of views
        answers = [(f"ans_{goal}", f"SELECT h.id AS subject, CASE coalesce(max(g.st), 0) WHEN 2 THEN 'yes' "
                    f"WHEN 1 THEN 'unknown' ELSE 'no' END AS answer FROM subj_{plan.subject_type} h "
                    f"LEFT JOIN d_{goal} g ON g.a0 = h.id GROUP BY h.id") for goal, plan in plans.items()]
        for name, sql, kind in statements(any_plan.views, answers, any_plan.base_cols):
            runner.con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")
        for goal in plans:
            out[goal] = [{"subject": s, "answer": a} for s, a in runner.con.execute(
                f"SELECT subject, answer FROM ans_{goal} ORDER BY subject").fetchall()]
    runner.close()
    return out


def test_every_askable_goal_compiles_and_answers_as_the_prover(base, tmp_path):
    """All five documents: every askable one-argument goal, on a random population."""
    goals = [g for g in screenable_goals(base.program) if base.program.preds[g].arity == 1]
    assert len(goals) >= 100
    plans = compile_goals(base.program, goals)
    inputs = set().union(*(p.inputs for p in plans.values()))
    facts, ids = population(base.program, inputs, random.Random(7), per_type=3)
    results = _screen_population(base, goals, facts, ids, tmp_path, reasons=False)
    clauses = _clauses(facts)
    diffs, seen = [], set()
    for goal, rows in results.items():
        for r in rows:
            ans = base.ask(Atom(goal, (Const(r["subject"]),)), facts=clauses, as_of=AS_OF)
            seen.add(ans.answer)
            if ans.answer != r["answer"]:
                diffs.append(f"{goal}({r['subject']}): screened {r['answer']}, prover {ans.answer}")
    assert diffs == []
    assert seen == {"yes", "no", "unknown"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), p_stated=st.sampled_from([0.6, 0.85, 1.0]))
def test_kuaishou_verdicts_and_failing_conditions_equal_the_prover(base, tmp_path_factory, seed, p_stated):
    """Hypothesis populations of stores, penalty records and linked accounts: the verdict, the
    failing conditions, the threshold values and the missing inputs are the prover's."""
    program = base.program
    inputs = set().union(*(compile_goal(program, g).inputs for g in KS_GOALS))
    facts, ids = population(program, inputs, random.Random(seed), per_type=4, p_stated=p_stated)
    results = _screen_population(base, KS_GOALS, facts, ids, tmp_path_factory.mktemp("pop"), reasons=True)
    clauses = _clauses(facts)
    for goal, rows in results.items():
        for r in rows:
            ans = base.ask(Atom(goal, (Const(r["subject"]),)), facts=clauses, as_of=AS_OF)
            assert r["answer"] == ans.answer, (goal, r["subject"])
            if ans.answer == "yes":
                assert r["reasons"] == []
                continue
            mine, theirs = _sql_reasons(r), _prover_reasons(ans, r["subject"])
            if ans.answer == "no":
                assert mine[0] == theirs[0], (goal, r["subject"])
                assert mine[1] == theirs[1], (goal, r["subject"])
            assert mine[2] == theirs[2], (goal, r["subject"])


# ---------------------------------------------------------------------------------------- tables

def _kb(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "repl", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


STORES = """id,ks_onboarded,ks_opening_completed,ks_store_status,ks_store_type,ks_main_category,ks_experience_stars,\
ks_return_rate_30d,ks_category_avg_return_rate_30d,ks_negative_review_rate_30d,\
ks_platform_avg_negative_review_rate_30d,ks_linked_account
acme,true,true,normal,enterprise,other,4.8,3.0,4.0,1.0,1.5,
bolt,true,true,normal,enterprise,other,3.8,9.5,4.0,1.1,1.5,bolt_old_shop
cove,true,true,normal,enterprise,other,,3.0,4.0,1.0,1.5,
four,true,true,normal,enterprise,other,4,8,4,3.5,1.5,
bad1,maybe,true,normal,enterprise,other,4.5,3.0,4.0,1.0,1.5,
"""
VIOLATIONS = """id,ks_violation,ks_violation_type,ks_violation_date,ks_points_deducted,ks_linked_violation
v1,acme,counterfeit_sale,2025-01-10,12,
lv1,,confirmed_counterfeit_sale,2026-09-01,,bolt_old_shop
v9,four,other,2026-13-01,1200,
"""


@pytest.fixture
def tables(tmp_path):
    (tmp_path / "ks_store.csv").write_text(STORES, encoding="utf-8")
    (tmp_path / "ks_violation.csv").write_text(VIOLATIONS, encoding="utf-8")
    return tmp_path


def test_cli_screens_stores_with_reasons_and_reports_bad_rows(tables, tmp_path):
    out = tmp_path / "out.jsonl"
    r = _kb("screen", "--goal", "ks_distribution_eligible", "ks_store.csv", "ks_violation.csv", "--as-of",
            "2026-11-23", "--out", str(out), "--report", str(tmp_path / "r.html"), cwd=tables)
    assert r.returncode == 1  # bad rows: reported, the run goes on
    # the same value checks as facts files, as FILE:ROW: column: why
    assert "ks_store.csv:6: ks_onboarded: expects true or false for done, got maybe" in r.stderr
    assert "ks_violation.csv:4: ks_violation_date: expects a date (YYYY-MM-DD)" in r.stderr
    assert "ks_violation.csv:4: ks_points_deducted: points must be between 0 and 1000" in r.stderr
    rows = {x["subject"]: x for x in map(json.loads, out.read_text().splitlines())}
    # acme: all eight conditions met; its 2025-01-10 counterfeit penalty is outside the year
    assert rows["acme"]["answer"] == "yes"
    # bolt: 3.8 stars < 4 (C3), 9.5 > 2 x 4.0 (C6), a linked account's confirmed counterfeit sale (C8)
    assert rows["bolt"]["answer"] == "no"
    fails = {(x["clause"], x["observed"], x["op"], x["threshold"]) for x in rows["bolt"]["reasons"]
             if x["kind"] == "threshold"}
    assert ("ks.c3.experience_stars", "3.8", ">=", "4") in fails
    assert ("ks.c6.return_rate", "9.5", "=<", "8") in fails
    assert any(c["condition"].startswith("ks_c8") for c in rows["bolt"]["conditions"])
    # cove: no star rating stated -> unknown, and it is the input asked for
    assert rows["cove"]["answer"] == "unknown" and rows["cove"]["missing"] == ["ks_experience_stars"]
    # four: exactly 4 stars and exactly twice the average return rate pass (≥ 4, 不高于 2倍); its
    # negative-review rate 3.5 > 2 x 1.5 fails C7; the bad penalty row is not stated
    assert rows["four"]["answer"] == "no"
    assert {c["condition"].split("(")[0] for c in rows["four"]["conditions"]} == {"ks_c7_negative_review_rate_ok"}
    # bad1: its bad cell is "not stated", so C1 is unknown
    assert rows["bad1"]["answer"] == "unknown" and "ks_onboarded" in rows["bad1"]["missing"]
    assert "failing conditions of the 2 subjects answered no" in r.stdout
    page = (tmp_path / "r.html").read_text()
    assert "ks_c3_experience_stars_ok" in page and "plotly" in page.lower() and "<script src" not in page
    strict = _kb("screen", "--goal", "ks_distribution_eligible", "ks_store.csv", "--strict", "--quiet",
                 "--out", str(tmp_path / "o2.jsonl"), cwd=tables)
    assert strict.returncode == 1 and not (tmp_path / "o2.jsonl").exists()


def test_a_record_lacking_an_input_asks_for_it(tmp_path):
    """C4/C5 over penalty records: a counterfeit-sale record with no date may fall in the year
    before the application (C4 unknown: its date is asked for); a record with no points may be
    a deduction of 40 or more (C5 unknown: its points are asked for)."""
    store = STORES.splitlines()[1]  # acme: every other condition met
    (tmp_path / "ks_store.csv").write_text("\n".join([STORES.splitlines()[0], store.replace("acme", "pts", 1),
                                                      store.replace("acme", "dat", 1)]) + "\n", encoding="utf-8")
    (tmp_path / "ks_violation.csv").write_text(
        "id,ks_violation,ks_violation_type,ks_violation_date,ks_points_deducted\n"
        "v1,pts,counterfeit_sale,2020-01-10,\nv2,dat,counterfeit_sale,,5\n", encoding="utf-8")
    r = _kb("screen", "--goal", "ks_distribution_eligible", "ks_store.csv", "ks_violation.csv", "--as-of",
            "2026-11-23", "--quiet", "--verify", "2", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = {x["subject"]: x for x in map(json.loads, r.stdout.splitlines())}
    assert rows["pts"]["answer"] == "unknown" and rows["pts"]["missing"] == ["ks_points_deducted"]
    assert [c["condition"].split("(")[0] for c in rows["pts"]["conditions"]] == ["ks_c5_no_single_deduction_ge_40"]
    assert rows["dat"]["answer"] == "unknown" and rows["dat"]["missing"] == ["ks_violation_date"]
    assert [c["condition"].split("(")[0] for c in rows["dat"]["conditions"]] == [
        "ks_c4_no_serious_violation_past_year"]


def test_verify_and_formats(tables, tmp_path):
    (tables / "ks_store.csv").write_text("\n".join(STORES.splitlines()[:-1]) + "\n", encoding="utf-8")
    (tables / "ks_violation.csv").write_text("\n".join(VIOLATIONS.splitlines()[:-1]) + "\n", encoding="utf-8")
    r = _kb("screen", "--goal", "ks_distribution_eligible", "ks_store.csv", "ks_violation.csv", "--as-of",
            "2026-11-23", "--verify", "10", "--format", "csv", "--quiet", cwd=tables)
    assert r.returncode == 0, r.stderr
    assert "verify: 4 subjects re-asked through the prover and the checker, 0 differences" in r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "subject,answer,conditions,reasons,missing"
    assert any(x.startswith("cove,unknown,") for x in lines)


def test_compare_as_of_lists_who_flips(tables):
    """acme's 2025-01-10 penalty: inside the year as of 2025-06-01, so acme flips yes -> no."""
    (tables / "ks_store.csv").write_text("\n".join(STORES.splitlines()[:-1]) + "\n", encoding="utf-8")
    r = _kb("screen", "--goal", "ks_distribution_eligible", "ks_store.csv", "ks_violation.csv", "--as-of",
            "2026-11-23", "--compare-as-of", "2025-06-01", "--quiet", "--out", "o.jsonl", cwd=tables)
    assert r.returncode == 1 or r.returncode == 0
    assert "acme: yes → no" in r.stdout and "ks_c4_no_serious_violation_past_year" in r.stdout


def test_table_contents_are_data_and_columns_are_checked(base, tmp_path):
    (tmp_path / "ks_store.csv").write_text(
        "id,ks_store_type,ks_experience_stars,\"x; DROP TABLE y\"\n"
        "\"a'); DROP TABLE subj_ks_store; --\",enterprise,4.5,1\n", encoding="utf-8")
    runner, plan, ex, loaded = screen(base.program, "ks_c3_experience_stars_ok", [str(tmp_path / "ks_store.csv")],
                                      AS_OF)
    rows = runner.rows()
    runner.close()
    assert rows[0]["subject"] == "a'); DROP TABLE subj_ks_store; --" and rows[0]["answer"] == "yes"
    assert any("x; DROP TABLE y: not an input about a ks_store" in e for e in loaded.errors)


def test_jsonl_lines_are_the_json_writers(base, tmp_path):
    """The JSONL is written as text lines made by to_json: the same bytes as DuckDB's JSON
    writer, for ids with quotes, commas, backslashes, control characters and non-ASCII."""
    ids = ['"a""b"', "中文店", '"x,y"', "back\\slash", "ü€𝄞", '"tab\there"', "a\x01b", "'s'", "plain"]
    (tmp_path / "ks_store.csv").write_text(
        "id,ks_store_type,ks_experience_stars,ks_linked_account\n"
        + "".join(f"{i},enterprise,{3 + k % 3},acc{k}\n" for k, i in enumerate(ids)), encoding="utf-8")
    runner, *_ = screen(base.program, "ks_distribution_eligible", [str(tmp_path / "ks_store.csv")], AS_OF)
    runner.write(str(tmp_path / "ours.jsonl"), "jsonl")
    runner.con.execute(f"COPY (SELECT {OUTPUT} FROM screened ORDER BY subject) TO $1 (FORMAT JSON)",
                       [str(tmp_path / "theirs.jsonl")])
    runner.close()
    ours = (tmp_path / "ours.jsonl").read_bytes()
    assert ours == (tmp_path / "theirs.jsonl").read_bytes()
    assert len(ours.splitlines()) == len(ids) and "中文店" in ours.decode("utf-8")


def test_own_table_input_and_jsonl(base, tmp_path):
    """jd_ocg_package_reward(activity, slot, type) has three arguments: a table of its own."""
    (tmp_path / "jd_ocg_package_reward.jsonl").write_text(
        '{"activity": "a1", "slot": "1", "type": "jd_beans"}\n{"activity": "a1", "slot": "2", "type": "dong_coupon"}\n',
        encoding="utf-8")
    (tmp_path / "jd_ocg_activity.csv").write_text("id\na1\na2\n", encoding="utf-8")
    goal = "jd_ocg_c_at_most_three_types"
    runner, plan, ex, loaded = screen(base.program, goal, [str(tmp_path / "jd_ocg_activity.csv"),
                                                           str(tmp_path / "jd_ocg_package_reward.jsonl")], AS_OF)
    rows = {r["subject"]: r["answer"] for r in runner.rows()}
    runner.close()
    assert loaded.errors == []
    facts = base.facts_from_text("jd_ocg_package_reward(a1, 1, jd_beans). jd_ocg_package_reward(a1, 2, dong_coupon).")
    for s in ("a1", "a2"):
        assert rows[s] == base.ask(Atom(goal, (Const(s),)), facts=facts, as_of=AS_OF).answer


def test_a_clause_it_cannot_translate_is_named(tmp_path):
    from kb.loader import load_program

    src = '%% @source 004_ab237df4ce40d813.txt "x"\n'
    rules = ('type t.\ninput e(a: t, b: t).\n%% @id r.base\n' + src + 'reach(X, Y) :- e(X, Y).\n'
             '%% @id r.step\n' + src + 'reach(X, Y) :- reach(X, Z), e(Z, Y).\n'
             '%% @id r.goal\n%% @ask en "is far"\n' + src + 'far(X) :- reach(X, _).\n')
    program = load_program([("t/r.dl", rules)], seeds=False)
    with pytest.raises(CompileError, match="reach is recursive"):
        compile_goal(program, "far")


def test_exact_decimals(base, tmp_path):
    """6.2 =< 2 x 3.1 is exactly true (C6 passes at exactly twice the average)."""
    (tmp_path / "ks_store.csv").write_text("id,ks_return_rate_30d,ks_category_avg_return_rate_30d\n"
                                           "s,6.2,3.1\nt,6.200001,3.1\n", encoding="utf-8")
    runner, *_ = screen(base.program, "ks_c6_return_rate_ok", [str(tmp_path / "ks_store.csv")], AS_OF)
    assert [r["answer"] for r in runner.rows()] == ["yes", "no"]
    runner.close()
    assert Decimal("6.2") == 2 * Decimal("3.1")


def test_spark_local_mode_gives_exactly_duckdbs_output(base, tmp_path):
    """The same compiled plan on Spark SQL (local mode, one session): the rows are DuckDB's."""
    pytest.importorskip("pyspark")

    (tmp_path / "ks_store.csv").write_text("\n".join(STORES.splitlines()[:-1]) + "\n", encoding="utf-8")
    (tmp_path / "ks_violation.csv").write_text(VIOLATIONS, encoding="utf-8")
    paths = [str(tmp_path / "ks_store.csv"), str(tmp_path / "ks_violation.csv")]
    duck, *_ = screen(base.program, "ks_distribution_eligible", paths, AS_OF)
    expected = duck.rows()
    duck.close()
    spark, plan, ex, _ = screen(base.program, "ks_distribution_eligible", paths, AS_OF, engine="spark")
    try:
        got = spark.rows()
        spark.write(str(tmp_path / "spark.jsonl"), "jsonl")
        summary = spark.summary(plan, ex)
    finally:
        spark.close()
    assert got == expected
    assert {r["answer"] for r in got} == {"yes", "no", "unknown"}
    written = [json.loads(x) for x in (tmp_path / "spark.jsonl").read_text().splitlines()]
    assert [r["subject"] for r in written] == [r["subject"] for r in expected]
    assert summary.counts["no"] == sum(r["answer"] == "no" for r in expected)


def test_a_second_row_for_an_id_is_reported_and_the_first_is_used(tmp_path):
    header, acme = STORES.splitlines()[0], STORES.splitlines()[1]
    worse = acme.replace(",4.8,", ",3.0,")  # the same store again, with 3.0 stars
    (tmp_path / "ks_store.csv").write_text("\n".join([header, acme, worse]) + "\n", encoding="utf-8")
    r = _kb("screen", "--goal", "ks_c3_experience_stars_ok", "ks_store.csv", "--as-of", "2026-11-23", "--quiet",
            cwd=tmp_path)
    assert r.returncode == 1
    assert "ks_store.csv:3: id: a second row for acme (ignored)" in r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["subject"], x["answer"]) for x in rows] == [("acme", "yes")]  # 4.8 stars, the first row
