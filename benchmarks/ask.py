"""Benchmark: warm per-question latency (answer + proof or why-not, rendered to JSON) and the
cold start of the `kb ask` command. Prints a Markdown table for benchmarks/README.md.

    python benchmarks/ask.py [--n 300] [--cold 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import KnowledgeBase  # noqa: E402
from kb.render import answer_json  # noqa: E402

QUESTIONS = [
    ("facts/examples/ks_acme_admitted.dl", "can store acme join kuaishou distribution?"),
    ("facts/examples/ks_bolt_failing.dl", "can store bolt join kuaishou distribution?"),
    ("facts/examples/ks_cove_missing.dl", "cove能入驻快分销吗？"),
    ("facts/examples/ks_dune_individual.dl", "ks_distribution_admitted(dune)"),
    ("facts/examples/ks_bolt_failing.dl", "为什么bolt不能入驻快分销？"),
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def warm(n: int, alternatives: bool = True) -> dict[str, float]:
    """``alternatives=False`` asks under the reading taken only: the cost of asking each question
    again under the alternative readings its clauses reach is the difference."""
    base = KnowledgeBase.default()
    base.program.reading_taken = not alternatives
    loaded = [(base.facts_from_path(str(ROOT / f)), q) for f, q in QUESTIONS]
    as_of = dt.date(2026, 11, 23)
    for facts, q in loaded:  # warm-up: grammar and parser caches
        json.dumps(answer_json(base.ask(q, facts=facts, as_of=as_of), base.program), ensure_ascii=False)
    times = []
    for i in range(n):
        facts, q = loaded[i % len(loaded)]
        t = time.perf_counter()
        json.dumps(answer_json(base.ask(q, facts=facts, as_of=as_of), base.program), ensure_ascii=False)
        times.append((time.perf_counter() - t) * 1000)
    return {"n": n, "p50": statistics.median(times), "p95": pct(times, 95), "max": max(times)}


def cold(n: int) -> dict[str, float]:
    kb = shutil.which("kb")
    cmd = [kb] if kb else [sys.executable, "-m", "repl"]
    env = dict(os.environ, PYTHONPATH=str(ROOT)) if not kb else dict(os.environ)
    args = ["ask", "--facts", str(ROOT / QUESTIONS[1][0]), QUESTIONS[1][1]]
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd + args, check=True, capture_output=True, env=env)
        times.append((time.perf_counter() - t) * 1000)
    return {"n": n, "p50": statistics.median(times), "p95": pct(times, 95), "max": max(times)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=300, help="warm questions to time.")
    ap.add_argument("--cold", type=int, default=10, help="cold `kb ask` runs to time.")
    a = ap.parse_args()
    w, w1, c = warm(a.n), warm(a.n, alternatives=False), cold(a.cold)
    print("| measure | runs | p50 ms | p95 ms | max ms | target |")
    print("|---|---|---|---|---|---|")
    row = "| {} | {n} | {p50:.1f} | {p95:.1f} | {max:.1f} | {} |"
    print(row.format("warm question with proof (JSON), alternative readings asked too", "p95 < 50", **w))
    print(row.format("the same, under the reading taken only", "", **w1))
    print(row.format("cold `kb ask` (process start to answer)", "< 500", **c))


if __name__ == "__main__":
    main()
