"""Benchmark: the question language. Parses and answers (with proof or why-not, rendered to
guize.answer/1 JSON) 10,000 mixed questions — English, 简体, 繁體, mixed, raw goals, what-if
and what-needed — from tests/questions/phrasings.tsv, against the example stores.

    python benchmarks/questions.py [--n 10000]
    python benchmarks/questions.py --dev [--rounds 3]

--dev reads the development set (../shared/questions/dev.yaml, 228 questions written
independently of the project, each with its own facts and as-of date) and times the message
reader alone (parse) and the whole answer (parse + proof + JSON), per question.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb import KnowledgeBase  # noqa: E402
from kb.render import answer_json  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def dev(rounds: int) -> None:
    import yaml

    from grammar.errors import KbError

    base = KnowledgeBase.default()
    model = base.reading_model()
    items = yaml.safe_load((ROOT.parent / "shared" / "questions" / "dev.yaml").read_text("utf-8"))
    cases = []
    for e in items:
        facts = base.facts_from_text(e["facts"], "<dev>") if e["facts"] else []
        as_of = e.get("as_of") or dt.date(2026, 11, 23)
        cases.append((e["question"], facts, dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of))
    parse_ms, answer_ms = [], []
    for _ in range(rounds):
        for text, facts, as_of in cases:
            t0 = time.perf_counter()
            try:
                model.read(text, facts, as_of)
            except KbError:
                pass
            t1 = time.perf_counter()
            try:
                json.dumps(answer_json(base.ask(text, facts=facts, as_of=as_of), base.program), ensure_ascii=False)
            except KbError:
                pass
            t2 = time.perf_counter()
            parse_ms.append((t1 - t0) * 1000)
            answer_ms.append((t2 - t1) * 1000)
    print(f"development set: {len(cases)} questions x {rounds} rounds")
    print("| measure | p50 ms | p95 ms | max ms | target |")
    print("|---|---|---|---|---|")
    print(f"| read (message reader) | {pct(parse_ms, 50):.2f} | {pct(parse_ms, 95):.2f} | {max(parse_ms):.1f} "
          "| p95 < 5 |")
    print(f"| answer (read + proof + JSON) | {pct(answer_ms, 50):.1f} | {pct(answer_ms, 95):.1f} | "
          f"{max(answer_ms):.1f} | |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=10000, help="questions to parse and answer.")
    ap.add_argument("--dev", action="store_true", help="time the development set instead.")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over the development set.")
    a = ap.parse_args()
    if a.dev:
        dev(a.rounds)
        return
    base = KnowledgeBase.default()
    facts = []
    for f in sorted((ROOT / "facts" / "examples").glob("ks_*.dl")):
        facts += base.facts_from_path(str(f))
    facts += base.facts_from_text("ks_store_type(s1, enterprise).\nks_store_type(\"店铺甲\", enterprise).")
    rows = [ln.split("\t")[0] for ln in (ROOT / "tests/questions/phrasings.tsv").read_text("utf-8").splitlines()
            if ln and not ln.startswith("#")]
    as_of = dt.date(2026, 11, 23)
    base.parse(rows[0], facts)  # build the question grammar once (it is cached per set of subjects)
    parse_ms, answer_ms, kinds = [], [], {}
    start = time.perf_counter()
    for i in range(a.n):
        text = rows[i % len(rows)]
        t0 = time.perf_counter()
        q = base.parse(text, facts)
        t1 = time.perf_counter()
        json.dumps(answer_json(base.ask(text, facts=facts, as_of=as_of), base.program), ensure_ascii=False)
        t2 = time.perf_counter()
        parse_ms.append((t1 - t0) * 1000)
        answer_ms.append((t2 - t1) * 1000)
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    total = time.perf_counter() - start
    mix = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    print(f"{a.n} questions ({len(rows)} distinct phrasings; {mix})")
    print("| measure | p50 ms | p95 ms | max ms | target |")
    print("|---|---|---|---|---|")
    print(f"| parse | {pct(parse_ms, 50):.2f} | {pct(parse_ms, 95):.2f} | {max(parse_ms):.1f} | p95 < 5 |")
    print(f"| answer with proof (JSON) | {pct(answer_ms, 50):.1f} | {pct(answer_ms, 95):.1f} | "
          f"{max(answer_ms):.1f} | p95 < 50 |")
    print(f"| throughput | {a.n / total:.0f} questions/s | | | |")


if __name__ == "__main__":
    main()
