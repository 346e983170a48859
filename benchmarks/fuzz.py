"""The fuzz corpus of tests/fuzzing.py, run longer than the tests do, with counts.

    python benchmarks/fuzz.py --n 10000

Splits N inputs over facts files (40%), questions (10%), batch lines (20%), REPL commands (20%)
and environment values (10%); prints what each gave (ok / our error) and the internal errors
(inputs that broke the property: another exception, a control character on the terminal, an
exit code other than 0/1/2, or more than 5 s for a question). Exit 1 if there was any.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests import fuzzing  # noqa: E402

SHARES = {"facts files": 0.4, "questions": 0.1, "batch lines": 0.2, "REPL commands": 0.2, "environment": 0.1}


def run(kind: str, n: int, counts: Counter, failures: list[str], tmp: Path) -> None:
    from kb import KnowledgeBase
    from repl.session import Session

    base = KnowledgeBase.default()
    strategy, check = {
        "facts files": (fuzzing.facts_files(), lambda x: fuzzing.check_facts_file(base, x, tmp)),
        "questions": (fuzzing.questions(), lambda x: fuzzing.check_question(base, x)),
        "batch lines": (fuzzing.batch_lines(), lambda x: fuzzing.check_batch(Session(base), [x], tmp)),
        "REPL commands": (fuzzing.repl_inputs(), lambda x: fuzzing.check_repl(Session(base), x, tmp)),
        "environment": (fuzzing.ENV_VALUES, lambda x: [fuzzing.check_env(v, x, tmp)
                                                       for v in ("GUIZE_TIMEOUT", "GUIZE_CACHE_DIR")][0]),
    }[kind]

    @settings(max_examples=n, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(x) -> None:
        try:
            counts[(kind, check(x))] += 1
        except fuzzing.Internal as e:
            counts[(kind, "internal error")] += 1
            failures.append(f"{kind}: {e}"[:400])

    one()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="inputs in all (default 10000)")
    args = ap.parse_args()
    counts: Counter = Counter()
    failures: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for kind, share in SHARES.items():
            run(kind, max(1, int(args.n * share)), counts, failures, Path(tmp))
    took = time.perf_counter() - started
    total = sum(counts.values())
    internal = sum(v for (_, o), v in counts.items() if o == "internal error")
    print("| input | runs | ok | our error | internal error |")
    print("|---|---|---|---|---|")
    for kind in SHARES:
        row = [counts[(kind, o)] for o in ("ok", "error", "internal error")]
        print(f"| {kind} | {sum(row)} | {row[0]} | {row[1]} | {row[2]} |")
    print(f"\n{total} inputs, {internal} internal errors, {took:.0f} s")
    seen: set[str] = set()
    for f in failures:  # one example of each kind of failure
        kind = f.split(" on ")[0][:120]
        if kind not in seen:
            seen.add(kind)
            print("  " + f)
    return 1 if internal else 0


if __name__ == "__main__":
    sys.exit(main())
