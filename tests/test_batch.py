"""`kb batch`: line parsing, golden files, 1,000 questions with 5 bad lines, the command itself."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.checker import check_answer
from repl.batch import parse_line, run_batch
from repl.session import Session
from tests.schema import records_from, schema_problems

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "facts" / "examples"


def kb(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "repl", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=120)


# ---------------------------------------------------------------------------------------- lines
@pytest.mark.parametrize("raw, kind, text", [
    ("", "skip", ""),
    ("   ", "skip", ""),
    ("# a comment", "skip", ""),
    ("   # indented comment", "skip", ""),
    ("\ufeffcan acme join kuaishou distribution?", "question", "can acme join kuaishou distribution?"),
    ("  ks_c3_experience_stars_ok(acme)  ", "question", "ks_c3_experience_stars_ok(acme)"),
    ("@facts store.dl", "facts", "store.dl"),
    ("@FACTS  dir/store one.dl", "facts", "dir/store one.dl"),
    ("@as-of 2026-11-23", "as_of", "2026-11-23"),
    ("@as_of today", "as_of", "today"),
    ("@lang zh", "lang", "zh"),
    ("@lang auto", "lang", "auto"),
])
def test_lines_are_read_without_running_anything(raw, kind, text):
    line = parse_line(7, raw)
    assert (line.number, line.kind, line.text) == (7, kind, text)


def test_directive_values_are_parsed():
    assert parse_line(1, "@as-of 2026-11-23").value == dt.date(2026, 11, 23)
    assert parse_line(1, "@as-of today").value is None
    assert parse_line(1, "@lang en").value == "en"
    assert parse_line(1, "@lang auto").value is None


@pytest.mark.parametrize("raw, words", [
    ("@facts", "@facts needs a file name"),
    ("@as-of someday", "not a date: 'someday'"),
    ("@as-of 2026-02-30", "not a date"),
    ("@lang fr", "unknown language 'fr'"),
    ("@lang", "unknown language"),
    ("@teleport now", "unknown directive @teleport (use @facts, @as-of, @lang)"),
])
def test_bad_directives_are_errors_of_their_line(raw, words):
    line = parse_line(3, raw)
    assert line.kind == "error" and words in (line.error or "")


# ---------------------------------------------------------------------------------------- golden
def _run_golden(path: Path, fmt: str, base) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    name = path.relative_to(ROOT).as_posix()
    outcome = run_batch(path.read_text("utf-8").splitlines(), name, Path(os.path.dirname(name)),
                        Session(base), out, err, fmt)
    return out.getvalue(), err.getvalue(), outcome.code


GOLDEN_CASES = [(q, fmt) for q in sorted(GOLDEN.glob("*.q"))
                for fmt, ext in (("pretty", ".out"), ("md", ".md"), ("html", ".html"))
                if ext == ".out" or q.with_suffix(ext).exists()]


@pytest.mark.parametrize("q, fmt", GOLDEN_CASES, ids=[f"{q.stem}-{fmt}" for q, fmt in GOLDEN_CASES])
def test_golden(q, fmt, base, request, monkeypatch):
    """tests/golden/NAME.q answered exactly as NAME.out says (stderr: NAME.err; --format md/html:
    NAME.md / NAME.html when present). `pytest --update-golden` rewrites them."""
    monkeypatch.chdir(ROOT)  # @facts paths are relative to the .q file, shown relative to the checkout
    out, err, code = _run_golden(q, fmt, base)
    expected = {"pretty": q.with_suffix(".out"), "md": q.with_suffix(".md"), "html": q.with_suffix(".html")}[fmt]
    err_file = q.with_suffix(".err")
    if request.config.getoption("--update-golden"):
        expected.write_text(out, "utf-8")
        if fmt == "pretty":
            if err:
                err_file.write_text(err, "utf-8")
            elif err_file.exists():
                err_file.unlink()
        pytest.skip(f"rewrote {expected.name}")
    assert expected.exists(), f"no {expected.name}: run pytest --update-golden"
    assert out == expected.read_text("utf-8")
    if fmt == "pretty":
        assert err == (err_file.read_text("utf-8") if err_file.exists() else "")
        assert code == (1 if err else 0)


def test_golden_outputs_are_plain_text():
    for f in GOLDEN.glob("*.out"):
        assert "\x1b[" not in f.read_text("utf-8"), f


# ---------------------------------------------------------------------------------------- 1,000 lines
SUBJECTS = ("acme", "bolt", "cove", "dune")
GOALS = ("ks_distribution_eligible", "ks_c1_store_open_normal", "ks_c2_store_type_ok", "ks_c3_experience_stars_ok",
         "ks_c4_no_serious_violation_past_year", "ks_c5_no_single_deduction_ge_40", "ks_c6_return_rate_ok",
         "ks_c7_negative_review_rate_ok", "ks_c8_linked_accounts_clean")
FORMS = ("can store {s} join kuaishou distribution?", "why can't {s} join kuaishou distribution?",
         "{s}能入驻快分销吗？", "为什么{s}不能入驻快分销？", "{g}({s})", "?- {g}({s}).",
         "could shop {s} apply for kuaishou distribution", "如果{s}的体验星级是4.5，能入驻快分销吗？")
BAD = {100: "can store bolt fly to the moon?", 300: "nosuch_predicate(bolt)", 500: "@as-of someday",
       700: "ks_c3_experience_stars_ok(bolt", 900: "@facts missing.dl"}
FACT_FILES = ("ks_acme_admitted.dl", "ks_bolt_failing.dl", "ks_cove_missing.dl", "ks_dune_individual.dl")


def thousand_lines() -> list[str]:
    head = ["# 1,000 generated questions, 5 bad lines", "@as-of 2026-11-23"]
    head += [f"@facts {EXAMPLES / f}" for f in FACT_FILES]
    questions = [FORMS[(i // 36) % len(FORMS)].format(s=SUBJECTS[i % 4], g=GOALS[(i // 4) % 9]) for i in range(995)]
    body = list(questions)
    for n, bad in sorted(BAD.items()):
        body.insert(n - len(head) - 1, bad)
    return head + body



def validate_answer(d: dict) -> list[str]:
    """The guize.answer/1 object against the published schema, plus the batch's "source"."""
    src = d.get("source")
    return schema_problems(d) + ([] if isinstance(src, dict) and isinstance(src.get("line"), int) else ["source"])


def test_a_thousand_questions_with_five_bad_lines(base, tmp_path):
    lines = thousand_lines()
    assert len(lines) == 1006 and sum(parse_line(i, x).kind == "question" for i, x in enumerate(lines)) == 998
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    outcome = run_batch(lines, "many.q", tmp_path, Session(base), out, err, "jsonl")
    seconds = time.perf_counter() - started
    print(f"\n1,000-line batch: {outcome.answered} answered in {seconds:.1f} s "
          f"({outcome.answered / seconds:.0f} questions/s)")
    assert outcome.answered == 995 and outcome.failed == sorted(BAD) and outcome.code == 1
    reported = [x for x in err.getvalue().splitlines() if not x.startswith(" ")]
    assert [int(x.split(":")[1]) for x in reported] == sorted(BAD)
    assert all(x.startswith("many.q:") and ": Error: " in x for x in reported)
    records = [json.loads(x) for x in out.getvalue().splitlines()]
    rows = [r for r in records if "schema" in r]
    assert len(rows) == 995
    # the failed lines are in the output too, each with its line and message, and the summary ends it
    assert [r["error"]["line"] for r in records if "error" in r] == sorted(BAD)
    assert all(r["error"]["message"] for r in records if "error" in r)
    assert records[-1] == {"summary": {"file": "many.q", "answered": 995, "failed": 5, "failed_lines": sorted(BAD),
                                       "stopped": False}}
    for row in rows:
        assert validate_answer(row) == [], (row["source"], validate_answer(row))
    assert [r["source"]["line"] for r in rows] == sorted(r["source"]["line"] for r in rows)
    assert not {r["source"]["line"] for r in rows} & set(BAD)
    # the proofs themselves: a sample through the independent checker
    facts = [c.head for f in FACT_FILES for c in base.facts_from_path(str(EXAMPLES / f))]
    for row in rows[::97]:
        if row["kind"] != "what_if":
            assert check_answer(row, base.program, facts, dt.date(2026, 11, 23)) == []


def test_fail_fast_stops_at_the_first_bad_line(base, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    lines = [f"@facts {EXAMPLES / 'ks_bolt_failing.dl'}", "ks_c3_experience_stars_ok(bolt)", "nosuch(bolt)",
             "ks_c3_experience_stars_ok(bolt)"]
    outcome = run_batch(lines, "x.q", tmp_path, Session(base), out, err, "jsonl", fail_fast=True)
    assert (outcome.answered, outcome.failed, outcome.stopped) == (1, [3], True)
    answer, error, summary = (json.loads(x) for x in out.getvalue().splitlines())
    assert answer["answer"] == "no" and error["error"]["line"] == 3 and "nosuch" in error["error"]["message"]
    assert summary["summary"]["stopped"] is True and summary["summary"]["failed_lines"] == [3]


def test_facts_accumulate_and_a_bad_facts_file_loads_nothing(base, tmp_path):
    (tmp_path / "good.dl").write_text("ks_experience_stars(acme, 4.5).\n", "utf-8")
    (tmp_path / "bad.dl").write_text("ks_store_type(acme, enterprise).\nks_store_type(acme, enterprize).\n", "utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.dl").write_text("ks_store_type(acme, enterprise).\n", "utf-8")
    session = Session(base)
    lines = ["@facts good.dl", "@facts bad.dl", "@facts sub/more.dl", "ks_c2_store_type_ok(acme)"]
    err = io.StringIO()
    outcome = run_batch(lines, "f.q", tmp_path, session, io.StringIO(), err, "jsonl")
    assert outcome.failed == [2]
    assert "f.q:2: Error: " in err.getvalue() and "bad.dl:2:1" in err.getvalue()
    assert sorted(str(c.head) for c in session.facts) == ["ks_experience_stars(acme, 4.5)",
                                                          "ks_store_type(acme, enterprise)"]


# ---------------------------------------------------------------------------------------- the command
def test_batch_from_stdin_with_jsonl_and_exit_codes():
    text = (f"@as-of 2026-11-23\n@facts {EXAMPLES / 'ks_bolt_failing.dl'}\n# comment\n\n"
            "ks_c3_experience_stars_ok(bolt)\nbolt能入驻快分销吗？\n")
    r = kb("batch", "--jsonl", "-", stdin=text)
    assert r.returncode == 0, r.stderr
    records = records_from(r.stdout)
    rows = [x for x in records if "schema" in x]
    assert records[-1]["summary"] == {"file": "<stdin>", "answered": 2, "failed": 0, "failed_lines": [],
                                      "stopped": False}
    assert [(x["answer"], x["lang"], x["source"]) for x in rows] == [
        ("no", "en", {"file": "<stdin>", "line": 5}), ("no", "zh", {"file": "<stdin>", "line": 6})]
    r = kb("batch", "-", stdin="nosuch(x)\n")
    assert r.returncode == 1 and r.stderr.startswith("<stdin>:1: Error: unknown predicate nosuch")


def test_kb_alone_with_piped_input_runs_a_batch():
    r = kb(stdin=f"@facts {EXAMPLES / 'ks_acme_admitted.dl'}\n@as-of 2026-11-23\nks_c3_experience_stars_ok(acme)\n")
    assert r.returncode == 0, r.stderr
    assert "Answer: YES" in r.stdout and "\x1b[" not in r.stdout
    assert kb(stdin="").returncode == 2  # nothing piped in: usage, as before


def test_batch_options_and_formats(tmp_path):
    q = tmp_path / "q.q"
    q.write_text("ks_c3_experience_stars_ok(bolt)\n", "utf-8")
    bolt = str(EXAMPLES / "ks_bolt_failing.dl")
    r = kb("batch", "--facts", bolt, "--as-of", "2026-11-23", "--lang", "zh", str(q))
    assert r.returncode == 0 and "答案: 否" in r.stdout and "购物体验星级 3.8 < 4星" in r.stdout
    assert "3.8 ≥ 4" not in r.stdout  # the tree only with --full
    r = kb("batch", "--facts", bolt, "--as-of", "2026-11-23", "--lang", "zh", "--full", str(q))
    assert "3.8 ≥ 4  不成立" in r.stdout
    r = kb("batch", "--facts", bolt, "--as-of", "2026-11-23", "--format", "md", str(q))
    # named as the user named it: an absolute path outside the working directory by its file name
    assert r.stdout.startswith("### q.q:1\n") and "shopping-experience star rating 3.8 \\< 4 stars" in r.stdout
    assert str(tmp_path) not in r.stdout
    r = kb("batch", "--facts", bolt, "--as-of", "2026-11-23", "--format", "html", str(q))
    assert r.stdout.startswith("<!DOCTYPE html>") and 'id="line-1"' in r.stdout
    r = kb("batch", "--facts", bolt, "--format", "tree", str(q))
    assert r.stdout.startswith("# q.q:1\n?- ks_c3_experience_stars_ok(bolt)\nAnswer: NO")
    r = kb("batch", str(tmp_path / "nope.q"))
    assert r.returncode == 1 and r.stderr.startswith("Error: cannot read batch file")
    r = kb("batch", "--facts", str(tmp_path / "nope.dl"), str(q))
    assert r.returncode == 1 and r.stderr.startswith("Error: cannot read facts file")
    assert kb("batch").returncode == 2
