"""Benchmark: `kb serve` under load. Starts the real server (uvicorn) on 127.0.0.1, asks each of
the mixed requests once in sequence, then runs CLIENTS concurrent clients x N requests each,
checks every answer equals the sequential one, and prints p50/p95/max latency and throughput
as a Markdown row for benchmarks/README.md.

    python benchmarks/serve.py [--clients 8] [--n 200] [--threads 2] [--workers 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.serving import running_server  # noqa: E402
from tests.test_server import _mixed  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--n", type=int, default=200, help="requests per client")
    ap.add_argument("--threads", type=int, default=2, help="engine threads per server process")
    ap.add_argument("--workers", type=int, default=1, help="server processes")
    args = ap.parse_args()
    requests = _mixed()
    with running_server("--threads", str(args.threads), "--workers", str(args.workers)) as url:
        with httpx.Client(base_url=url, timeout=60) as c:
            sequential = [c.post(path, json=body).json() for path, body in requests]
            alone = []
            for _ in range(3):
                for path, body in requests:
                    t = time.perf_counter()
                    c.post(path, json=body)
                    alone.append((time.perf_counter() - t) * 1000)

        def client(k: int) -> tuple[list[float], int]:
            times, wrong = [], 0
            with httpx.Client(base_url=url, timeout=60) as c:
                for i in range(args.n):
                    j = (i + k) % len(requests)
                    t = time.perf_counter()
                    r = c.post(requests[j][0], json=requests[j][1])
                    times.append((time.perf_counter() - t) * 1000)
                    wrong += r.status_code != 200 or r.json() != sequential[j]
            return times, wrong

        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(client, range(args.clients)))
        wall = time.perf_counter() - start
    times = [t for ts, _ in results for t in ts]
    wrong = sum(w for _, w in results)
    total = len(times)
    print(f"sequential, one client: {len(alone)} requests, p50 {statistics.median(alone):.1f} ms, "
          f"p95 {pct(alone, 95):.1f} ms")
    print("| clients x requests | engines | answers equal to sequential | p50 ms | p95 ms | max ms | requests/s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.clients} x {args.n} | {args.workers} x {args.threads} | {total - wrong}/{total} | "
          f"{statistics.median(times):.1f} | {pct(times, 95):.1f} | {max(times):.1f} | {total / wall:.0f} |")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
