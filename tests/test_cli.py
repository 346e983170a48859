"""The `kb` command, run as a user would: exit codes, JSON, Chinese output, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.schema import answer_from

ROOT = Path(__file__).resolve().parent.parent
BOLT = str(ROOT / "facts/examples/ks_bolt_failing.dl")
COVE = str(ROOT / "facts/examples/ks_cove_missing.dl")
ACME = str(ROOT / "facts/examples/ks_acme_admitted.dl")


def kb(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "repl", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=120)


def test_check_passes_from_another_directory(tmp_path):
    r = kb("check", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "citation(s) verbatim" in r.stdout


def test_failing_store_answers_no_with_reasons_in_json():
    r = kb("ask", "--json", "--as-of", "2026-11-23", "--facts", BOLT, "can store bolt join kuaishou distribution?")
    assert r.returncode == 0, r.stderr
    data = answer_from(r.stdout)
    assert data["schema"] == "guize.answer/1" and data["answer"] == "no"
    assert data["goal"] == "ks_distribution_eligible(bolt)"
    conditions = {f["condition"] for f in data["why_not"][0]["failures"]}
    assert "ks_c3_experience_stars_ok(bolt)" in conditions


def test_missing_inputs_answer_unknown():
    r = kb("ask", "--json", "--as-of", "2026-11-23", "--facts", COVE, "can store cove join kuaishou distribution?")
    data = answer_from(r.stdout)
    assert data["answer"] == "unknown"
    assert set(data["missing"]) >= {"ks_experience_stars(cove, _)", "ks_negative_review_rate_30d(cove, _)"}


# what the bolt facts file says fails (facts/examples/ks_bolt_failing.dl and the rule file):
# C2 store type personal, C3 stars 3.8 < 4, C4 a counterfeit-sale penalty inside the year,
# C5 one 40-point deduction, C6 return rate 9.5 % > 2 x 4 %
BOLT_REASONS = {
    "en": ["Condition 2: store type personal store (needs enterprise store or individual business)",
           "Condition 3: shopping-experience star rating 3.8 < 4 stars",
           "Condition 4: Kuaishou penalty record bolt_v1: violation type selling counterfeits, penalty date 2026-03-10",
           "Condition 5: Kuaishou penalty record bolt_v2: violation points deducted 40 points",
           "Condition 6: 30-day return rate of the main category 9.5% > 8% (= 2 × 4)"],
    "zh": ["条件2：店铺类型为个人店铺（要求企业店铺或个体工商户）", "条件3：购物体验星级 3.8 < 4星",
           "条件4：快手违规处罚记录 bolt_v1：违规类型出售假冒产品，处罚日期2026-03-10",
           "条件5：快手违规处罚记录 bolt_v2：一次性扣除的违规分40分",
           "条件6：主营类目近30天品退率 9.5% > 8% (= 2 × 4)"],
}


@pytest.mark.parametrize("lang, question, verdict", [
    ("en", "can store bolt join kuaishou distribution?", "Answer: NO — 5 of 8 conditions fail"),
    ("zh", "bolt能入驻快分销吗？", "答案: 否 — 8 个条件中有 5 个不满足"),
])
def test_the_bolt_answer_is_short_and_names_every_failing_condition(lang, question, verdict):
    r = kb("ask", "--lang", lang, "--as-of", "2026-11-23", "--facts", BOLT, question)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) <= 20, r.stdout
    assert lines[1].startswith(verdict)
    head = lines[:8]  # the verdict and every failing condition, with its values, in the first 8 lines
    for reason in BOLT_REASONS[lang]:
        assert any(reason + " — 快手快分销准入 · 004" in x for x in head), (reason, r.stdout)
    assert "004_ab237df4ce40d813.txt" not in r.stdout and "=<" not in r.stdout and "/work/" not in r.stdout
    full = kb("ask", "--lang", lang, "--as-of", "2026-11-23", "--facts", BOLT, "--full", question)
    assert full.stdout.startswith("\n".join(lines[:7]))
    tree = "不成立的原因" if lang == "zh" else "Why not"
    assert tree in full.stdout and "ks_serious_violation_in_window(bolt, bolt_v1)" in full.stdout
    assert len(full.stdout.splitlines()) > 50  # the whole proof


def test_lang_zh_renders_the_tree_in_chinese():
    r = kb("ask", "--lang", "zh", "--as-of", "2026-11-23", "--facts", BOLT, "--full",
           "can store bolt join kuaishou distribution?")
    assert r.returncode == 0
    assert "答案: 否" in r.stdout and "不成立的原因" in r.stdout and "出处" in r.stdout


def test_raw_goal_lists_bindings():
    r = kb("ask", "--json", "--as-of", "2026-11-23", "--facts", ACME, "--facts", BOLT,
           "?- ks_distribution_eligible(S).")
    data = answer_from(r.stdout)
    assert data["answer"] == "list" and data["bindings"] == [{"S": "acme"}]


def test_why_and_why_not_commands():
    r = kb("why", "--as-of", "2026-11-23", "--facts", ACME, "ks_c3_experience_stars_ok(acme)")
    # a yes says in one line what it rests on
    assert r.returncode == 0 and r.stdout.splitlines()[1].startswith(
        "Answer: YES — the condition of ks.c3.experience_stars holds, on 1 stated fact from ")
    r = kb("why", "--as-of", "2026-11-23", "--facts", ACME, "--full", "ks_c3_experience_stars_ok(acme)")
    assert r.returncode == 0 and "✓ 4.8 ≥ 4" in r.stdout
    r = kb("why-not", "--format", "md", "--as-of", "2026-11-23", "--facts", BOLT, "ks_c3_experience_stars_ok(bolt)")
    assert r.returncode == 0 and r.stdout.startswith("```text") and "3.8 \\< 4 stars" in r.stdout


def test_csv_gives_one_verdict_row():
    import csv
    import io

    r = kb("ask", "--format", "csv", "--as-of", "2026-11-23", "--facts", BOLT, "ks_c3_experience_stars_ok(bolt)")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["question", "subject", "answer", "reasons"]
    assert rows[1][:3] == ["?- ks_c3_experience_stars_ok(bolt)", "bolt", "no"] and "3.8 < 4 stars" in rows[1][3]
    assert len(rows) == 2


def test_vocab_lists_inputs_with_units_and_names():
    r = kb("vocab")
    assert "ks_experience_stars(store: ks_store, stars: number (stars) in 0..5)" in r.stdout
    assert "购物体验星级" in r.stdout
    data = json.loads(kb("vocab", "--json").stdout)
    assert any(i["predicate"] == "ks_store_type" for i in data["inputs"])


@pytest.mark.parametrize("args, words", [
    (["ask", "can store bolt fly to the moon?"], ["Error: cannot read this question", "^", "fly, moon"]),
    (["ask", "nosuch(acme)"], ["Error: unknown predicate nosuch"]),
    (["ask", "--facts", "/no/such/file.dl", "ks_c3_experience_stars_ok(a)"], ["Error: cannot read facts file"]),
])
def test_errors_are_one_error_line_and_exit_1(args, words):
    r = kb(*args)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("Error: ")
    for w in words:
        assert w in r.stderr


def test_bad_facts_file_reports_file_line_column(tmp_path):
    f = tmp_path / "store.dl"
    f.write_text("ks_experience_stars(acme, 4.5).\nks_store_type(acme, enterprize).\n", "utf-8")
    r = kb("ask", "--facts", str(f), "ks_c3_experience_stars_ok(acme)")
    assert r.returncode == 1
    assert f"Error: {f}:2:1: ks_store_type type must be one of" in r.stderr


def test_usage_errors_exit_2():
    assert kb().returncode == 2
    assert kb("ask").returncode == 2
    assert kb("ask", "--as-of", "yesterday", "x(a)").returncode == 2


@pytest.mark.parametrize("where", ["question", "goal", "facts"])
def test_no_input_executes_code(tmp_path, where):
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"
    if where == "question":
        r = kb("ask", payload)
    elif where == "goal":
        r = kb("ask", f"ks_c3_experience_stars_ok({payload})")
    else:
        f = tmp_path / "evil.dl"
        f.write_text(payload + ".\n", "utf-8")
        r = kb("ask", "--facts", str(f), "ks_c3_experience_stars_ok(a)")
    assert r.returncode == 1 and r.stderr.startswith("Error: ")
    assert "Traceback" not in r.stderr
    assert not marker.exists()


def test_installed_command_works_from_any_directory(tmp_path):
    """The README installs the package (not editable): its `kb` must find its rules as package data."""
    script = Path(sys.executable).parent / "kb"
    if not script.exists():
        pytest.skip("the kb command is not installed in this environment (run the README test command)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([str(script), "check"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(script), "ask", "--json", "--facts", BOLT, "can store bolt join kuaishou distribution?"],
                       capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert answer_from(r.stdout)["answer"] == "no"
