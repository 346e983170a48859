"""REPL meta-commands: a registry (name, aliases, argument, one-line help, handler) from which
``:help``, completion and docs/repl.md are generated (litecli's ``@special_command``).

Handlers take the session and the text after the command word, and return data: an ``Answer``
(printed as an explanation, or JSON), a ``Result`` (lines and tables), or ``QUIT``. They raise
``KbError`` for anything wrong with the input; the loop prints it and goes on.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from grammar.errors import QueryError, did_you_mean
from kb.api import Answer
from repl.output import Result
from repl.session import Session, origin, parse_date, parse_lang, where
from repl.suggest import Entry, split_whatif

QUIT = object()
QUIT_WORDS = ("exit", "quit", "退出", ":q", ":quit", ":exit")
Reply = Answer | Result | object | None  # object: QUIT or a FullView


@dataclass(frozen=True)
class Command:
    name: str  # ":facts"
    args: str  # "[SUBJECT]", shown in :help
    help: str  # one line, ends with a period
    handler: Callable[[Session, str], Reply]
    aliases: tuple[str, ...] = ()
    arg_kind: str = "none"  # what completion offers for the argument (repl/suggest.py)
    example: str = ""


COMMANDS: dict[str, Command] = {}  # name and every alias -> Command
ORDER: list[Command] = []


def command(name: str, args: str, help: str, *, aliases: tuple[str, ...] = (), arg: str = "none",
            example: str = ""):
    def register(fn: Callable[[Session, str], Reply]) -> Callable[[Session, str], Reply]:
        cmd = Command(name, args, help, fn, aliases, arg, example)
        ORDER.append(cmd)
        for n in (name, *aliases):
            COMMANDS[n] = cmd
        return fn

    return register


@dataclass(frozen=True)
class Parsed:
    kind: str  # empty | quit | command | question
    text: str  # the question, or the command's argument
    command: Command | None = None
    name: str = ""  # the command word as typed


def parse_input(text: str) -> Parsed:
    """One submitted input -> what to do. Pure: no session, no engine.

    A line continued with ``\\`` is joined first. Unknown commands raise ``QueryError`` with a
    did-you-mean."""
    t = re.sub(r"\s*\\\s*\n\s*", " ", text).strip()
    if not t:
        return Parsed("empty", "")
    if t.lower() in QUIT_WORDS:
        return Parsed("quit", "")
    if not t.startswith(":"):
        return Parsed("question", one_line(t))
    word = t.split(None, 1)[0]  # ":cmd" up to the first space
    rest = t[len(word):].strip()
    cmd = COMMANDS.get(word.lower())
    if cmd is None:
        hint = did_you_mean(word.lower(), [c.name for c in ORDER] + [a for c in ORDER for a in c.aliases])
        raise QueryError(f"unknown command {word}", hint=(hint + "; " if hint else "") + ":help lists the commands")
    return Parsed("command", rest, cmd, word)


def one_line(text: str) -> str:
    """A question or goal typed on several lines, as one line: ``p(\n  a,\n  b)`` -> ``p(a, b)``."""
    text = re.sub(r"(?<=\()\s*\n\s*", "", text)
    text = re.sub(r"\s*\n\s*(?=\))", "", text)
    return re.sub(r"\s*\n\s*", " ", text).strip()


def dispatch(session: Session, text: str) -> Reply:
    p = parse_input(text)
    if p.kind == "empty":
        return None
    if p.kind == "quit":
        return QUIT
    if p.kind == "question":
        return session.ask(p.text)
    assert p.command is not None
    return p.command.handler(session, p.text)


def command_entries() -> tuple[Entry, ...]:
    return tuple(Entry(c.name, "command", c.help) for c in ORDER)


def command_arguments() -> dict[str, str]:
    return {n: c.arg_kind for n, c in COMMANDS.items()}


def _need(arg: str, usage: str) -> str:
    if not arg.strip():
        raise QueryError(f"usage: {usage}")
    return one_line(arg)


# ---------------------------------------------------------------------------------------- help
QUESTION_HELP = [
    "Anything else is a question or a goal, answered with its proof:",
    "  can store bolt join kuaishou distribution?      bolt能入驻快分销吗？",
    "  why can't bolt join kuaishou distribution?      ks_c3_experience_stars_ok(bolt)",
    "  if bolt had experience stars 4.5, could it join kuaishou distribution?",
    "Tab completes phrases, goals, subjects and commands; → accepts a suggestion from history;",
    "Enter on an unfinished goal (open parenthesis, trailing \\) continues on the next line;",
    "Esc Enter submits as is; Ctrl-C clears the line; Ctrl-D leaves.",
]


@command(":help", "[COMMAND]", "List the commands, or explain one.", aliases=(":h", ":?"), arg="command",
         example=":help whatif")
def cmd_help(session: Session, arg: str) -> Result:
    if arg.strip():
        word = arg.strip().lower()
        cmd = COMMANDS.get(word) or COMMANDS.get(":" + word)
        if cmd is None:
            raise QueryError(f"unknown command {arg.strip()}", hint=":help lists the commands")
        lines = [f"{cmd.name} {cmd.args}".rstrip() + f"   {cmd.help}"]
        if cmd.aliases:
            lines.append("also: " + ", ".join(cmd.aliases))
        if cmd.example:
            lines.append("e.g.  " + cmd.example)
        return Result(lines=lines)
    rows = [(f"{c.name} {c.args}".rstrip(), c.help) for c in ORDER]
    return Result(title="Commands", rows=rows, lines=[""] + QUESTION_HELP)


def help_markdown() -> str:
    """The commands table of docs/repl.md (a test keeps the two in sync)."""
    out = ["| command | what it does | also | example |", "|---|---|---|---|"]
    for c in ORDER:
        usage = f"{c.name} {c.args}".rstrip().replace("|", "\\|")
        example = f"`{c.example}`" if c.example else ""
        also = ", ".join(f"`{a}`" for a in c.aliases)
        out.append(f"| `{usage}` | {c.help} | {also} | {example} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------- facts
@command(":facts", "[SUBJECT]", "List the session facts and where each came from.", arg="word",
         example=":facts bolt")
def cmd_facts(session: Session, arg: str) -> Result:
    who = arg.strip()
    facts = [c for c in session.facts
             if not who or (c.head.args and str(getattr(c.head.args[0], "value", c.head.args[0])) == who)]
    if not session.facts:
        return Result(status="no facts yet: :load FILE or :assert FACT.")
    rows = [(str(c.head) + ".", where(c)) for c in facts]
    files = sorted({origin(c) for c in session.facts})
    return Result(headers=("fact", "from"), rows=rows,
                  status=f"{len(facts)} of {len(session.facts)} fact(s); subjects: "
                         f"{', '.join(session.subjects()) or '-'}; from: {', '.join(files)}")


@command(":load", "FILE", "Load a facts file (all or nothing; loading it again replaces its facts).",
         arg="file", example=":load facts/examples/ks_bolt_failing.dl")
def cmd_load(session: Session, arg: str) -> Result:
    path = os.path.expanduser(_need(arg, ":load FILE"))
    n, replaced = session.load(path)
    again = f" (replacing {replaced} loaded before)" if replaced else ""
    return Result(status=f"loaded {n} fact(s) from {path}{again}; {len(session.facts)} in the session; "
                         f"subjects: {', '.join(session.subjects()) or '-'}")


@command(":assert", "FACT. …", "State facts, checked like a facts file.", aliases=(":a",), arg="fact-input",
         example=":assert ks_experience_stars(bolt, 4.5).")
def cmd_assert(session: Session, arg: str) -> Result:
    text = _need(arg, ":assert FACT. [FACT. …]")
    added, dup, notes = session.assert_facts(text)
    lines = [f"already stated: {c.head}" for c in dup] + [f"note: {n}" for n in notes]
    return Result(lines=lines, status=f"asserted {len(added)} fact(s); {len(session.facts)} in the session")


@command(":retract", "FACT. …", "Remove facts from the session (files are not touched).", arg="fact",
         example=":retract ks_experience_stars(bolt, 3.8).")
def cmd_retract(session: Session, arg: str) -> Result:
    text = _need(arg, ":retract FACT. [FACT. …]")
    gone = session.retract(text)
    return Result(status=f"retracted {len(gone)} fact(s); {len(session.facts)} in the session")


@command(":save", "[--force] FILE", "Write the session facts to a facts file (nothing typed is lost).",
         arg="file", example=":save bolt_today.dl")
def cmd_save(session: Session, arg: str) -> Result:
    text = _need(arg, ":save [--force] FILE")
    force = text.startswith("--force")
    path = _need(text.removeprefix("--force"), ":save [--force] FILE")
    n = session.save(path, force)
    return Result(status=f"saved {n} fact(s) to {path}")


# ---------------------------------------------------------------------------------------- questions
@command(":why", "GOAL|QUESTION", "Prove a goal: the rules and facts it rests on (or why it fails).",
         arg="question", example=":why ks_c3_experience_stars_ok(acme)")
def cmd_why(session: Session, arg: str) -> Answer:
    return session.ask(_need(arg, ":why GOAL|QUESTION"))


@command(":whynot", "GOAL|QUESTION", "Every failing condition of a goal, with observed values.",
         aliases=(":why-not",), arg="question", example=":whynot ks_distribution_eligible(bolt)")
def cmd_whynot(session: Session, arg: str) -> Answer:
    return session.ask(_need(arg, ":whynot GOAL|QUESTION"))


@command(":whatif", "FACT. [FACT.] ; QUESTION", "Answer as if these facts were stated (on a copy of the facts).",
         aliases=(":what-if",), arg="whatif",
         example=":whatif ks_experience_stars(bolt, 4.5). ; can bolt join kuaishou distribution?")
def cmd_whatif(session: Session, arg: str) -> Answer:
    usage = ":whatif FACT. [FACT.] ; QUESTION"
    facts, semi, question = split_whatif(_need(arg, usage))
    if not semi or not question.strip():
        raise QueryError(f"usage: {usage}", hint="the question comes after a ';'")
    return session.what_if(question.strip(), facts)


@command(":needed", "QUESTION", "The smallest verified set of changes that would make the answer yes.",
         aliases=(":what-needed",), arg="question", example=":needed can bolt join kuaishou distribution?")
def cmd_needed(session: Session, arg: str) -> Answer:
    return session.what_needed(_need(arg, ":needed QUESTION"))


@dataclass(frozen=True)
class FullView:
    """An answer to show with its whole proof."""

    answer: Answer


@command(":full", "[QUESTION]", "Show an answer with its whole proof: the last one, or this question's.",
         arg="question", example=":full can bolt join kuaishou distribution?")
def cmd_full(session: Session, arg: str) -> FullView:
    if arg.strip():
        return FullView(session.ask(arg.strip()))
    if session.last is None:
        raise QueryError("no answer to show yet", hint="ask a question first, or type :full QUESTION")
    return FullView(session.last)


# ---------------------------------------------------------------------------------------- settings
@command(":lang", "[en|zh|auto]", "Answer in English or Chinese (auto: the question's language).", arg="lang",
         example=":lang zh")
def cmd_lang(session: Session, arg: str) -> Result:
    if arg.strip():
        session.lang = parse_lang(arg)
    return Result(status=f"language: {session.lang or 'auto (the question’s)'}")


@command(":as-of", "[DATE|today]", "Evaluate the rules as of a date (default today).", aliases=(":asof",),
         arg="date", example=":as-of 2026-11-23")
def cmd_as_of(session: Session, arg: str) -> Result:
    if arg.strip():
        session.as_of = parse_date(arg)
    return Result(status=f"as of: {session.as_of.isoformat() if session.as_of else 'today'}")


@command(":json", "", "Toggle JSON output (one guize.answer/1 object per answer).")
def cmd_json(session: Session, arg: str) -> Result:
    session.json = not session.json
    return Result(status=f"JSON output {'on' if session.json else 'off'}")


# ---------------------------------------------------------------------------------------- reference
@command(":vocab", "[WORD]", "Search the vocabulary: inputs, askable predicates and their phrases.", arg="word",
         example=":vocab 星级")
def cmd_vocab(session: Session, arg: str) -> Result:
    from kb.vocab import vocabulary

    v = session.run(vocabulary, session.base.program)
    word = arg.strip().lower()
    if not word:
        types = [(t["name"], t["en"] or "", t["zh"] or "") for t in v["types"]]
        return Result(title="Subject types", headers=("type", "English", "中文"), rows=types,
                      status=f"{len(v['inputs'])} inputs, {len(v['derived'])} derived predicates; "
                             ":vocab WORD searches them (e.g. :vocab stars, :vocab 星级)")
    rows: list[tuple[str, ...]] = []
    for i in v["inputs"]:
        text = " ".join(filter(None, [i["predicate"], i["en"], i["zh"], i["doc_en"], i["doc_zh"]])).lower()
        if word in text:
            rows.append((f"{i['predicate']}/{i['arity']}", "input", i["zh"] or "", _clip(i["en"] or i["doc_en"])))
    for d in v["derived"]:
        text = " ".join(filter(None, [d["predicate"], d["doc_en"], d["doc_zh"], *d["ask_en"], *d["ask_zh"]])).lower()
        if word in text:
            asks = "; ".join(d["ask_en"][:1] + d["ask_zh"][:1])
            rows.append((f"{d['predicate']}/{d['arity']}", "derived", asks, _clip(d["doc_en"])))
    if not rows:
        return Result(status=f"nothing in the vocabulary mentions {arg.strip()!r}")
    return Result(headers=("predicate", "kind", "ask / 名称", "meaning"), rows=rows,
                  status=f"{len(rows)} match(es) for {arg.strip()!r}")


def _clip(text: str | None, n: int = 90) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


@command(":rules", "[DOC]", "The clauses encoding a document (e.g. :rules 004); no DOC lists the documents.",
         arg="document", example=":rules D004")
def cmd_rules(session: Session, arg: str) -> Result:
    from kb.loader import strip_ruby

    program = session.base.program
    doc = arg.strip().upper().removeprefix("D")
    if not doc:
        per: dict[str, tuple[str, set[str], int]] = {}
        for c in program.clauses:
            for file in {x.file for x in c.notes.sources}:
                name, files, n = per.get(file[:3], (file, set(), 0))
                files.add(c.pos.file if c.pos else "?")
                per[file[:3]] = (name, files, n + 1)
        rows = [(f"D{d}", name, ", ".join(sorted(files)), str(n)) for d, (name, files, n) in sorted(per.items())]
        return Result(headers=("doc", "seed file", "rule files", "clauses"), rows=rows,
                      status=":rules DOC lists the clauses of one document")
    rows = []
    for c in program.clauses:
        if doc not in {x.file[:3] for x in c.notes.sources} or (c.is_fact and not c.notes.id):
            continue
        quote = strip_ruby(c.notes.sources[0].quote) if c.notes.sources else ""
        rows.append((c.id, str(c.head), ", ".join(c.notes.rules) or "-", _clip(quote, 60)))
    if not rows:
        known = sorted({x.file[:3] for c in program.clauses for x in c.notes.sources})
        raise QueryError(f"no clauses cite document {arg.strip()}", hint="documents: " + ", ".join(known))
    not_encoded = [f"not encoded: {n.rule}  {n.reason}" for n in program.not_encoded if n.rule[1:4] == doc]
    return Result(headers=("clause", "head", "statements", "quote"), rows=rows, lines=not_encoded,
                  status=f"{len(rows)} clause(s) cite D{doc}")


@command(":quit", "", "Leave the REPL (also :q, exit, 退出, Ctrl-D).", aliases=(":q", ":exit"))
def cmd_quit(session: Session, arg: str) -> object:
    return QUIT
