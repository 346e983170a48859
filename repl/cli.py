"""The `kb` command. Exit codes: 0 ok (a "no" answer included), 1 an error in the input or
the rules, 2 usage. Errors print as `Error: ...` lines, never a traceback."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from collections.abc import Sequence

from grammar.errors import KbError, LoadErrors

USAGE_EXAMPLES = """examples:
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
        c.add_argument("--format", choices=("tree", "json", "md"), default="tree",
                       help="output format (tree, json or md).")
        return c

    question_command("ask", "Answer a question with its proof or why-not.", "question")
    question_command("why", "Prove a goal: the rules and facts it rests on.", "goal")
    question_command("why-not", "List every failing condition of a goal.", "goal")
    c = sub.add_parser("check", help="Load and validate every rule file, citation and example.",
                       description="Load and validate every rule file, citation and example.")
    c.add_argument("files", nargs="*", help="extra subject facts files to validate.")
    v = sub.add_parser("vocab", help="Print the vocabulary: types, inputs and askable predicates.",
                       description="Print the vocabulary: types, inputs and askable predicates.")
    v.add_argument("--json", action="store_true", help="print JSON instead of Markdown.")
    v.add_argument("--md", action="store_true", help="print Markdown (the default).")
    return p


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
    from kb.render import answer_json, render_text

    base = KnowledgeBase.default()
    facts = []
    for f in args.facts:
        facts += base.facts_from_path(f)
    text = getattr(args, "question", None) or args.goal
    ans = base.ask(text, facts=facts, as_of=args.as_of, lang=args.lang)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        print(json.dumps(answer_json(ans, base.program, args.lang), ensure_ascii=False, indent=2))
    elif fmt == "md":
        print("```text\n" + render_text(ans, base.program, args.lang) + "\n```")
    else:
        print(render_text(ans, base.program, args.lang))
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        parser.print_help()
        return 2
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    handlers = {"ask": cmd_question, "why": cmd_question, "why-not": cmd_question,
                "check": cmd_check, "vocab": cmd_vocab}
    try:
        return handlers[args.command](args)
    except KbError as e:
        return _report(e)
    except KeyboardInterrupt:
        _err("interrupted")
        return 1
    except Exception as e:  # a bug in Guize: say so in one line (GUIZE_DEBUG=1 shows the traceback)
        if os.environ.get("GUIZE_DEBUG"):
            raise
        _err(f"internal error: {type(e).__name__}: {e} (please report it; GUIZE_DEBUG=1 shows details)")
        return 1


