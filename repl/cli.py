"""The `kb` command. Exit codes: 0 ok (a "no" answer included), 1 an error in the input or
the rules, 2 usage. Errors print as `Error: ...` lines, never a traceback."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from collections.abc import Sequence

from grammar.errors import KbError, LoadErrors, printable

USAGE_EXAMPLES = """examples:
  kb                                   (on a terminal: the REPL; with input piped in: a batch)
  kb repl --facts facts/examples/ks_bolt_failing.dl
  kb batch --jsonl questions.q
  kb ask --facts facts/examples/ks_bolt_failing.dl "can store bolt join kuaishou distribution?"
  kb ask --lang zh --facts facts/examples/ks_bolt_failing.dl "bolt能入驻快分销吗？"
  kb ask --json --facts store.dl "?- ks_distribution_eligible(S)."
  kb why-not --facts store.dl "ks_distribution_eligible(bolt)"
  kb check
  kb vocab --md
"""


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (write YYYY-MM-DD)") from None


def _megabytes(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a size in MB: {text!r} (write e.g. 512)")
    return int(value * 1024 * 1024)


def _size_option(c: argparse.ArgumentParser) -> None:
    from grammar.files import DEFAULT_MAX_BYTES

    c.add_argument("--max-file-size", type=_megabytes, default=None, metavar="MB",
                   help=f"refuse files larger than this (default {DEFAULT_MAX_BYTES // (1024 * 1024)} MB).")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kb", description="Guize: platform rules answered with proofs.",
                                epilog=USAGE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def question_command(name: str, help: str, arg: str) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help, description=help)
        c.add_argument(arg, help="a question in English or Chinese, or a goal such as ks_c3_experience_stars_ok(acme)")
        c.add_argument("--facts", action="append", default=[], metavar="FILE",
                       help="a subject facts file (repeatable).")
        c.add_argument("--as-of", type=_date, default=None, metavar="DATE",
                       help="evaluate as of this date (YYYY-MM-DD; default today).")
        c.add_argument("--lang", choices=("en", "zh"), default=None,
                       help="answer language (default: the question's).")
        c.add_argument("--json", action="store_true", help="print one guize.answer/1 JSON object.")
        c.add_argument("--format", choices=("tree", "pretty", "json", "md", "html", "csv", "svg"), default="tree",
                       help="output format: tree (plain text), pretty (coloured on a terminal), json, "
                            "md (Markdown for a ticket), html (a self-contained page), csv (one verdict row) "
                            "or svg (the proof graph).")
        c.add_argument("--full", action="store_true",
                       help="show the whole proof, not only the verdict and its reasons.")
        _size_option(c)
        return c

    question_command("ask", "Answer a question with its proof or why-not.", "question")
    question_command("why", "Prove a goal: the rules and facts it rests on.", "goal")
    question_command("why-not", "List every failing condition of a goal.", "goal")
    c = sub.add_parser("check", help="Load and validate every rule file, citation and example.",
                       description="Load and validate every rule file, citation and example.")
    c.add_argument("files", nargs="*", help="extra subject facts files to validate.")
    _size_option(c)
    v = sub.add_parser("vocab", help="Print the vocabulary: types, inputs and askable predicates.",
                       description="Print the vocabulary: types, inputs and askable predicates.")
    v.add_argument("--json", action="store_true", help="print JSON instead of Markdown.")
    v.add_argument("--md", action="store_true", help="print Markdown (the default).")
    r = sub.add_parser("rules", help="List the clauses, which statements they encode and their quotes.",
                       description="List the clauses, which statements they encode and their quotes.")
    r.add_argument("--source", metavar="DOC", help="only clauses citing this document (e.g. 004 or D004).")
    r.add_argument("--ambiguous", action="store_true", help="list every @reading with its quote.")
    rp = sub.add_parser("repl", help="Ask questions interactively (the default on a terminal).",
                        description="Ask questions interactively: history, completion, :help for the commands.")
    rp.add_argument("--facts", action="append", default=[], metavar="FILE", help="a subject facts file (repeatable).")
    rp.add_argument("--as-of", type=_date, default=None, metavar="DATE", help="evaluate as of this date.")
    rp.add_argument("--lang", choices=("en", "zh"), default=None, help="answer language (default: the question's).")
    _size_option(rp)
    b = sub.add_parser("batch", help="Answer a file of questions, one per line (- reads stdin).",
                       description="Answer a file of questions or goals, one per line. Lines starting with # are "
                                   "comments; @facts FILE, @as-of DATE and @lang en|zh are directives. Every bad "
                                   "line is reported as FILE:LINE: Error: ... and the run goes on; exit 1 if any "
                                   "line failed.")
    b.add_argument("source", metavar="FILE", help="the batch file, or - for stdin.")
    b.add_argument("--facts", action="append", default=[], metavar="FILE", help="a subject facts file (repeatable).")
    b.add_argument("--as-of", type=_date, default=None, metavar="DATE", help="evaluate as of this date.")
    b.add_argument("--lang", choices=("en", "zh"), default=None, help="answer language (default: each question's).")
    b.add_argument("--jsonl", action="store_true", help="print one guize.answer/1 JSON object per question.")
    b.add_argument("--format", choices=("pretty", "tree", "md", "html", "jsonl", "csv"), default="pretty",
                   help="output format: pretty (coloured on a terminal), tree, md, html, jsonl or csv "
                        "(one verdict row per question).")
    b.add_argument("--full", action="store_true", help="show each whole proof, not only the verdicts and reasons.")
    b.add_argument("--fail-fast", action="store_true", help="stop at the first bad line.")
    _size_option(b)
    cv = sub.add_parser("coverage", help="Statements encoded per document; clauses proven and blocked by scenarios.",
                        description="Statements encoded per document; clauses proven and blocked by scenarios.")
    cv.add_argument("--scenarios", metavar="DIR", default=None,
                    help="scenario directory (default: tests/scenarios of this checkout).")
    _serve_parser(sub)
    from repl.screen import add_parser as add_screen  # kb screen: one block, its own module

    add_screen(sub, _date)
    return p


# ---- `kb serve` (repl/server.py)
def _serve_parser(sub) -> None:
    from repl.serve_config import Settings

    d = Settings()
    s = sub.add_parser("serve", help="Serve the query API over HTTP and the explanation page.",
                       description="Serve the query API (/v1/..., OpenAPI at /openapi.json) and the explanation "
                                   "page (/) over HTTP.")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1).")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000).")
    s.add_argument("--workers", type=int, default=1, help="server processes (default 1).")
    s.add_argument("--threads", type=int, default=d.threads,
                   help=f"engine threads per process, one engine each (default {d.threads}).")
    s.add_argument("--timeout", type=float, default=d.timeout, help=f"seconds per request (default {d.timeout:g}).")
    s.add_argument("--max-body", type=int, default=d.max_body, help=f"request body bytes (default {d.max_body}).")
    s.add_argument("--max-facts", type=int, default=d.max_facts,
                   help=f"facts per request (default {d.max_facts}).")


def cmd_serve(args: argparse.Namespace) -> int:
    from repl.serve_config import Settings
    from repl.server import serve

    if args.workers < 1 or args.threads < 1 or not args.timeout > 0 or args.max_body < 1 or args.max_facts < 1:
        _err("--workers, --threads, --timeout, --max-body and --max-facts must be above 0")
        return 2
    settings = Settings(threads=args.threads, timeout=args.timeout, max_body=args.max_body, max_facts=args.max_facts)
    where = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{args.port}"
    print(f"kb serve: {where}/ (the explanation page), {where}/openapi.json; "
          f"{args.workers} process(es) x {args.threads} engine(s); Ctrl-C stops", file=sys.stderr, flush=True)
    return serve(args.host, args.port, args.workers, settings)


def _err(msg: str) -> None:
    print(f"Error: {msg}", file=sys.stderr)


def _report(e: KbError) -> int:
    if isinstance(e, LoadErrors):
        for x in e.errors:
            _err(x.render())
    else:
        _err(e.render())
    return 1


def cmd_question(args: argparse.Namespace) -> int:
    from kb.api import KnowledgeBase
    from kb.codec import answer_json
    from kb.render import render_text

    base = KnowledgeBase.default()
    facts = []
    for f in args.facts:
        facts += base.facts_from_path(f)
    if len(args.facts) > 1:  # each file is checked on its own; two files may still disagree
        from kb.loader import conflicting_values

        clash = conflicting_values(facts, base.program)
        if clash:
            raise LoadErrors(clash)
    text = getattr(args, "question", None) or args.goal
    ans = base.ask(text, facts=facts, as_of=args.as_of, lang=args.lang)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(printable(json.dumps(answer_json(ans, base.program, args.lang, args.full), ensure_ascii=False,
                                   indent=2)))
    elif fmt == "svg":
        from kb.svg import proof_svg

        sys.stdout.write(proof_svg(ans, base.program, args.lang))
    elif fmt in ("md", "html", "pretty", "csv"):
        from kb import draw
        from repl import output

        ex = output.explain(ans, base.program, args.lang)
        if fmt == "pretty":
            output.print_explanation(output.make_console(sys.stdout), ex, args.full)
        elif fmt == "csv":
            row = draw.verdict_row(ex)
            sys.stdout.write(draw.csv_text([draw.CSV_HEADER, (row.question, row.subject, row.answer, row.reasons)]))
        else:
            sys.stdout.write(output.to_markdown(ex, full=args.full) if fmt == "md" else output.to_html(ex, args.full))
    else:
        print(render_text(ans, base.program, args.lang, full=args.full))
    return 0



def cmd_check(args: argparse.Namespace) -> int:
    from kb.loader import example_files, load_facts, load_program

    program = load_program()
    errors: list[KbError] = []
    examples = example_files()
    for name, text in examples:
        try:
            load_facts(text, name, program)
        except LoadErrors as e:
            errors += e.errors
    for path in args.files:
        try:
            from kb.loader import facts_from_path

            facts_from_path(path, program)
        except LoadErrors as e:
            errors += e.errors
    if errors:
        raise LoadErrors(errors)
    rules = sum(1 for c in program.clauses if not c.is_fact)
    facts = sum(1 for c in program.clauses if c.is_fact)
    quotes = sum(len(c.notes.sources) for c in program.clauses)
    print(f"ok: {len(program.files)} rule file(s), {rules} clauses, {facts} facts, "
          f"{len(program.inputs)} inputs, {len(examples) + len(args.files)} facts file(s)")
    if program.quotes_checked:
        print(f"ok: {quotes} citation(s) verbatim in their seed documents")
    else:
        print("note: seed documents not found (set GUIZE_SEEDS or keep ../shared/seeds beside the "
              "checkout): quotes not verified")
    return 0


def cmd_vocab(args: argparse.Namespace) -> int:
    from kb.loader import load_program
    from kb.vocab import vocabulary, vocabulary_markdown

    program = load_program()
    if args.json:
        print(json.dumps(vocabulary(program), ensure_ascii=False, indent=2))
    else:
        print(vocabulary_markdown(program), end="")
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from kb.loader import load_program, strip_ruby

    program = load_program()
    doc = (args.source or "").upper().removeprefix("D")
    if args.ambiguous and program.alternatives:
        _print_alternatives(program)
    for c in program.clauses:
        files = {x.file[:3] for x in c.notes.sources}
        if doc and doc not in files:
            continue
        if args.ambiguous:
            for reading in c.notes.readings:
                print(f"{c.id}  [{', '.join(c.notes.rules)}]  {c.pos}")
                for x in c.notes.sources:
                    print(f'    quote: {x.file}: "{strip_ruby(x.quote)}"')
                print(f"    reading: {reading}")
            continue
        if c.is_fact and not c.notes.id:
            continue
        quote = strip_ruby(c.notes.sources[0].quote) if c.notes.sources else ""
        print(f"{c.id}  {c.head}  [{', '.join(c.notes.rules) or '-'}]  {c.pos}")
        if quote:
            print(f'    "{quote[:100]}"')
    for n in program.not_encoded:
        if not args.ambiguous and (not doc or n.rule[1:4] == doc):
            print(f"not encoded: {n.rule}  {n.reason}  {n.pos}")
    return 0


def _print_alternatives(program) -> None:
    """Each encoded alternative reading, its clauses, and the scenarios whose answer it changes."""
    from pathlib import Path

    from kb.api import KnowledgeBase
    from kb.coverage import alternative_changes

    folder = Path(__file__).resolve().parent.parent / "tests" / "scenarios"
    changes = alternative_changes(KnowledgeBase.default(), sorted(folder.glob("*.yaml")) if folder.is_dir() else [])
    for key, label in program.alternatives.items():
        taken = [c.id for c in program.clauses if key in c.notes.primary]
        alt = [c.id for c in program.alt_clauses if c.notes.alternative and c.notes.alternative[0] == key]
        print(f"alternative reading {key}: {label}")
        print(f"    reading taken: {', '.join(taken)}")
        print(f"    alternative:   {', '.join(alt)}")
        for name, was, now in changes.get(key, []):
            print(f"    changes scenario: {name}: {was} -> {now}")
        if not changes.get(key):
            print("    changes scenario: (none of the scenarios)")


def cmd_coverage(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kb.api import KnowledgeBase
    from kb.coverage import coverage, coverage_lines, inventory_ids

    folder = Path(args.scenarios) if args.scenarios else Path(__file__).resolve().parent.parent / "tests" / "scenarios"
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not files:
        print(f"note: no scenario files in {folder}: clause coverage not measured")
    inventory = inventory_ids()
    if inventory is None:
        print("note: ../shared/rule-inventory.md not found: statements counted from the rule files only")
    cov = coverage(KnowledgeBase.default(), files, inventory)
    print("\n".join(coverage_lines(cov)))
    missing = sum(len(row["missing"]) for row in cov.per_doc.values())
    return 1 if missing or cov.failed else 0


def cmd_screen(args: argparse.Namespace) -> int:
    from repl.screen import run

    return run(args)


def cmd_repl(args: argparse.Namespace) -> int:
    from repl.app import start

    return start(args.facts, args.as_of, args.lang)


def cmd_batch(args: argparse.Namespace) -> int:
    from repl.batch import main as batch_main

    fmt = "jsonl" if args.jsonl else args.format
    return batch_main(args.source, facts=args.facts, as_of=args.as_of, lang=args.lang, fmt=fmt,
                      fail_fast=args.fail_fast, full=args.full)


def _no_arguments(parser: argparse.ArgumentParser) -> int:
    """`kb` alone: the REPL on a terminal; a batch when input is piped in; else usage (2)."""
    if sys.stdin.isatty():
        if sys.stdout.isatty():
            return cmd_repl(parser.parse_args(["repl"]))
        parser.print_help()
        return 2
    from grammar.files import decode

    text = decode(sys.stdin.buffer.read(), "<stdin>") if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if not text:  # nothing piped in (e.g. stdin is /dev/null): a usage error, as before
        parser.print_help()
        return 2
    import io

    from repl.batch import main as batch_main

    return batch_main("-", facts=[], as_of=None, lang=None, fmt="pretty", fail_fast=False, stdin=io.StringIO(text))


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the unwritten rest does not fail again at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _cache_note() -> None:
    """Say once, at the end, why the cache directory was not used (the answer is unaffected)."""
    from kb.cache import cache_problem

    problem = cache_problem()
    if problem:
        print(f"note: cache not used: {problem}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    finally:
        _cache_note()


def _main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    handlers = {"ask": cmd_question, "why": cmd_question, "why-not": cmd_question,
                "check": cmd_check, "vocab": cmd_vocab, "rules": cmd_rules, "coverage": cmd_coverage,
                "repl": cmd_repl, "batch": cmd_batch, "serve": cmd_serve, "screen": cmd_screen}
    try:
        if not argv:
            return _no_arguments(parser)
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:
            return int(e.code or 0)
        if args.command is None:
            parser.print_help()
            return 2
        if getattr(args, "max_file_size", None):
            import grammar.files

            grammar.files.max_bytes = args.max_file_size
        code = handlers[args.command](args)
        sys.stdout.flush()  # a full disk shows here, while errors can still be reported
        return code
    except KbError as e:
        return _report(e)
    except KeyboardInterrupt:
        _err("interrupted")
        return 1
    except BrokenPipeError:  # `kb ... | head`: the reader left; say nothing more
        sys.stderr.close()
        return 0
    except OSError as e:  # the output could not be written (`kb ask ... > /dev/full`)
        _drop_stdout()
        _err(f"cannot write the output: {e.strerror or e}")
        return 1
    except Exception as e:  # a bug in Guize: say so in one line (GUIZE_DEBUG=1 shows the traceback)
        if os.environ.get("GUIZE_DEBUG"):
            raise
        _err(printable(f"internal error: {type(e).__name__}: {e} (please report it; GUIZE_DEBUG=1 shows details)"))
        return 1


