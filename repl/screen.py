"""``kb screen``: the goal's verdict for every subject of a table, with its failing conditions."""

from __future__ import annotations

import argparse
import datetime as _dt
import html
import os
import sys
import time

BAR = 30


def add_parser(sub, date_type) -> None:
    s = sub.add_parser("screen", help="Screen every subject of a table: verdicts with their failing conditions.",
                       description="Screen every subject of a table (one table per subject type, e.g. "
                                   "ks_store.csv ks_violation.csv): the goal compiled to SQL and run on DuckDB "
                                   "(or Spark), one row per subject with its failing conditions.")
    s.add_argument("tables", nargs="+", metavar="TABLE", help="input tables (.csv, .jsonl, .parquet) named after "
                                                              "a subject type or a multi-argument input.")
    s.add_argument("--goal", required=True, metavar="PRED", help="a one-argument goal, e.g. ks_distribution_eligible.")
    s.add_argument("--as-of", type=date_type, default=None, metavar="DATE", help="evaluate as of this date.")
    s.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb", help="where the SQL runs.")
    s.add_argument("--master", default=None, metavar="URL", help="Spark master (default local[2]).")
    s.add_argument("--out", default=None, metavar="FILE", help="write the rows here (default: standard output).")
    s.add_argument("--format", choices=("jsonl", "csv", "parquet"), default=None,
                   help="output format (default: from --out's extension, else jsonl).")
    s.add_argument("--verify", type=int, default=0, metavar="N",
                   help="re-ask N random subjects through the prover and the checker; fail on any difference.")
    s.add_argument("--strict", action="store_true", help="stop at the first bad row instead of going on.")
    s.add_argument("--report", default=None, metavar="FILE.html", help="write an HTML report with charts.")
    s.add_argument("--compare-as-of", type=date_type, default=None, metavar="DATE",
                   help="also screen as of DATE and list the subjects whose answer changes.")
    s.add_argument("--compare-rules", default=None, metavar="DIR",
                   help="also screen with the rule files in DIR (another version of facts/) and list who flips.")
    s.add_argument("--quiet", action="store_true", help="no progress and no summary.")


class _Progress:
    """Steps with elapsed time on a terminal (standard error); silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.status = None
        if self.enabled:
            from rich.console import Console

            self.console = Console(stderr=True)
            self.status = self.console.status("starting")
            self.status.start()

    def __call__(self, msg: str) -> None:
        if self.status is not None:
            self.status.update(f"{msg} … {time.monotonic() - self.t0:.1f} s")

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()


def run(args: argparse.Namespace) -> int:
    from kb.api import KnowledgeBase
    from kb.screen.compile import CompileError
    from kb.screen.run import screen
    from kb.screen.tables import TableError

    as_of = args.as_of or _dt.date.today()
    fmt = args.format or _format_of(args.out)
    if fmt == "parquet" and not args.out:
        print("Error: --format parquet needs --out FILE", file=sys.stderr)
        return 2
    base = KnowledgeBase.default()
    progress = _Progress(not args.quiet)
    t0 = time.monotonic()
    runner = None
    try:
        try:
            runner, plan, ex, loaded = screen(base.program, args.goal, args.tables, as_of, args.engine, args.master,
                                              progress)
        except (CompileError, TableError) as e:
            progress.stop()
            print(f"Error: {e}", file=sys.stderr)
            return 1
        progress.stop()
        for bad in loaded.errors:
            print(f"Error: {bad}", file=sys.stderr)
        if loaded.errors and args.strict:
            return 1
        progress = _Progress(not args.quiet)
        progress("writing")
        if args.out:
            runner.write(args.out, fmt)
        else:  # the engine writes a file; standard output gets it in blocks
            import shutil
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, f"out.{fmt}")
                runner.write(path, fmt)
                sys.stdout.flush()
                with open(path, "rb") as f:
                    shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
                sys.stdout.flush()
        summary = runner.summary(plan, ex)
        summary.seconds = time.monotonic() - t0
        progress.stop()
        code = 1 if loaded.errors else 0
        info = sys.stderr if not args.out else sys.stdout
        if not args.quiet:
            print(render_summary(summary, args.goal), file=info)
        if args.compare_as_of or args.compare_rules:
            code = max(code, _compare(args, base, runner, plan, as_of, info))
        if args.report:
            with open(args.report, "w", encoding="utf-8") as f:
                f.write(html_report(summary, args.goal, as_of))
        if args.verify:
            code = max(code, _verify(args, base, runner, plan, as_of, info))
        return code
    finally:
        progress.stop()
        if runner is not None:
            runner.close()


def _format_of(out: str | None) -> str:
    if out:
        ext = os.path.splitext(out)[1].lower().lstrip(".")
        if ext in ("csv", "parquet", "jsonl"):
            return ext
    return "jsonl"


def _verify(args, base, runner, plan, as_of, info) -> int:
    from kb.screen.verify import verify

    con = runner.con if hasattr(runner, "con") else runner.duck.con
    rows = runner.sample(args.verify)  # drawn in the engine: a million rows never reach Python
    v = verify(base, con, plan, rows, args.verify, as_of)
    for d in v.differences:
        print(f"Error: verify: {d}", file=sys.stderr)
    print(f"verify: {v.checked} subjects re-asked through the prover and the checker, "
          f"{len(v.differences)} differences", file=info)
    return 1 if v.differences else 0


def _compare(args, base, runner, plan, as_of, info) -> int:
    from kb.api import KnowledgeBase
    from kb.loader import load_program
    from kb.screen.compare import flips
    from kb.screen.run import screen

    other_base = base
    if args.compare_rules:
        files = []
        for root, _dirs, names in os.walk(args.compare_rules):
            for n in sorted(names):
                if n.endswith(".dl") and "examples" not in root.split(os.sep):
                    path = os.path.join(root, n)
                    with open(path, encoding="utf-8") as f:
                        files.append((os.path.relpath(path, args.compare_rules), f.read()))
        other_base = KnowledgeBase(load_program(files))
    other_as_of = args.compare_as_of or as_of
    other, oplan, oex, _ = screen(other_base.program, args.goal, args.tables, other_as_of, "duckdb")
    try:
        if hasattr(runner, "changed"):  # DuckDB: the differing rows are found in the engine
            changed, counts = flips(*runner.changed(other))
        else:
            changed, counts = flips(runner.rows(), other.rows())
    finally:
        other.close()
    what = f"as of {other_as_of}" if args.compare_as_of else f"with the rules of {args.compare_rules}"
    print(f"\n{len(changed)} subjects change answer {what}:", file=info)
    for (a, b), n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {a} → {b}: {n}", file=info)
    for c in changed[:50]:
        print(f"  {c['subject']}: {c['before']} → {c['after']}  {c['because']}", file=info)
    if len(changed) > 50:
        print(f"  … and {len(changed) - 50} more", file=info)
    return 0


def render_summary(s, goal: str) -> str:
    lines = [f"{goal}: {s.total} subjects screened in {s.seconds:.1f} s"]
    for a in ("yes", "no", "unknown"):
        n = s.counts.get(a, 0)
        share = n / s.total if s.total else 0
        lines.append(f"  {a:<8} {n:>9}  {share:6.1%}  {'█' * round(share * BAR)}")
    if s.counts.get("no"):
        lines.append(f"failing conditions of the {s.counts['no']} subjects answered no:")
        for cond, words, n in sorted(s.failures, key=lambda f: -f[2]):
            if not n:
                continue
            share = s.share(n)
            label = cond if len(cond) <= 48 else cond[:47] + "…"
            lines.append(f"  {share:6.1%} {'█' * round(share * BAR):<{BAR}} {label}"
                         + (f"  — {words[:60]}" if words else ""))
    return "\n".join(lines)


def html_report(s, goal: str, as_of: _dt.date) -> str:
    """A self-contained page: plotly's JavaScript inlined, so it opens offline."""
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    answers = ["yes", "no", "unknown"]
    fig1 = go.Figure(go.Bar(x=answers, y=[s.counts.get(a, 0) for a in answers],
                            marker_color=["#2e7d32", "#c62828", "#f9a825"]))
    fig1.update_layout(title="Answers", height=320, margin=dict(l=40, r=20, t=40, b=40))
    fails = sorted((f for f in s.failures if f[2]), key=lambda f: f[2])
    fig2 = go.Figure(go.Bar(x=[round(100 * s.share(n), 1) for _, _, n in fails],
                            y=[c for c, _, _ in fails], orientation="h", marker_color="#c62828"))
    fig2.update_layout(title="Share of 'no' subjects failing each condition (%)", height=120 + 28 * len(fails),
                       margin=dict(l=320, r=20, t=40, b=40))
    rows = "".join(f"<tr><td>{html.escape(c)}</td><td>{html.escape(w)}</td><td>{n}</td><td>{s.share(n):.1%}</td></tr>"
                   for c, w, n in sorted(s.failures, key=lambda f: -f[2]))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Guize screening: "
            f"{html.escape(goal)}</title><script>{get_plotlyjs()}</script>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 8px;border-bottom:1px solid #ddd}"
            "</style></head><body>"
            f"<h1>{html.escape(goal)}</h1><p>{s.total} subjects, as of {as_of.isoformat()}, {s.seconds:.1f} s</p>"
            + fig1.to_html(full_html=False, include_plotlyjs=False)
            + fig2.to_html(full_html=False, include_plotlyjs=False)
            + "<table><tr><th>condition</th><th>what it says</th><th>subjects answered no failing it</th><th>share"
              f"</th></tr>{rows}</table></body></html>")
