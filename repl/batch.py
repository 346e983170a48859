"""``kb batch FILE|-``: one question or goal per line, answered in order.

Lines: ``# comment``, blank, ``@facts FILE`` (relative to the batch file's folder; facts
accumulate), ``@as-of DATE|today``, ``@lang en|zh|auto``, or a question/goal. A bad line (a
question that cannot be read, a bad directive, a facts file that does not load) is reported on
stderr as ``FILE:LINE: Error: …`` and the run goes on (``--fail-fast`` stops there); the exit
code is 1 if any line failed.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from grammar.errors import KbError, LoadErrors, QueryError, printable
from repl.session import Session, parse_date, parse_lang

DIRECTIVES = ("@facts", "@as-of", "@lang")
FORMATS = ("pretty", "tree", "md", "html", "jsonl")


@dataclass(frozen=True)
class Line:
    """One line of a batch file, read but not yet run."""

    number: int
    kind: str  # skip | question | facts | as_of | lang | error
    text: str = ""  # the question, or the directive's argument
    error: str | None = None
    value: object = None  # the parsed date / language


def parse_line(number: int, raw: str) -> Line:
    """Pure: what a line says. Directive arguments are checked here (a bad date is an error of
    its line); facts files are read when the line runs."""
    t = raw.strip().lstrip("\ufeff")
    if not t or t.startswith("#"):
        return Line(number, "skip")
    if not t.startswith("@"):
        return Line(number, "question", t)
    word, _, arg = t.partition(" ")
    word, arg = word.lower(), arg.strip()
    if word == "@facts":
        if not arg:
            return Line(number, "error", error="@facts needs a file name (e.g. @facts store.dl)")
        return Line(number, "facts", arg)
    if word in ("@as-of", "@as_of", "@asof"):
        try:
            return Line(number, "as_of", arg, value=parse_date(arg))
        except KbError as e:
            return Line(number, "error", error="@as-of: " + e.render())
    if word == "@lang":
        try:
            return Line(number, "lang", arg, value=parse_lang(arg or "?"))
        except KbError as e:
            return Line(number, "error", error="@lang: " + e.render())
    return Line(number, "error", error=f"unknown directive {word} (use {', '.join(DIRECTIVES)})")


@dataclass
class Outcome:
    answered: int = 0
    failed: list[int] = field(default_factory=list)
    stopped: bool = False

    @property
    def code(self) -> int:
        return 1 if self.failed else 0


class Writer:
    """Prints answers in one format; ``close()`` finishes documents that need it (HTML)."""

    def __init__(self, out: TextIO, fmt: str, base, lang: str | None, title: str) -> None:
        from repl.output import make_console

        self.out, self.fmt, self.base, self.lang, self.title = out, fmt, base, lang, title
        self.console = make_console(out) if fmt == "pretty" else None
        self.articles: list[str] = []
        self.first = True
        self.doc_lang = lang or "en"

    def answer(self, ans, name: str, number: int, lang: str | None) -> None:
        from repl import output

        program = self.base.program
        if self.fmt == "jsonl":
            from kb.render import answer_json

            data = answer_json(ans, program, lang)
            data["source"] = {"file": name, "line": number}
            self.out.write(printable(json.dumps(data, ensure_ascii=False)) + "\n")
            return
        if self.fmt == "tree":
            from kb.render import render_text

            head = ("" if self.first else "\n") + f"# {name}:{number}\n"
            self.out.write(head + render_text(ans, program, lang) + "\n")
        elif self.fmt == "pretty":
            from rich.text import Text

            assert self.console is not None
            if not self.first:
                self.console.print()
            self.console.print(Text(f"# {name}:{number}", style="dim"))
            output.print_explanation(self.console, output.explain(ans, program, lang))
        elif self.fmt == "md":
            ex = output.explain(ans, program, lang)
            self.out.write(("" if self.first else "\n---\n\n") + output.to_markdown(ex, heading=f"{name}:{number}"))
        elif self.fmt == "html":
            ex = output.explain(ans, program, lang)
            if self.first:
                self.doc_lang = ex.lang
            self.articles.append(output.html_article(ex, heading=f"{name}:{number}", anchor=f"line-{number}"))
        self.first = False

    def close(self) -> None:
        from repl.output import html_document

        if self.fmt == "html":
            self.out.write(html_document(self.articles or ["<p>No questions.</p>"],
                                         f"Guize answers: {self.title}", self.doc_lang))
        elif self.fmt == "md" and self.first:
            self.out.write(f"No questions in {self.title}.\n")
        self.out.flush()


def run_batch(lines: Iterable[str], name: str, folder: Path, session: Session, out: TextIO, err: TextIO,
              fmt: str = "pretty", fail_fast: bool = False) -> Outcome:
    """Answer every line; report each bad line on ``err`` as ``NAME:LINE: Error: …``."""
    writer = Writer(out, fmt, session.base, session.lang, name)
    outcome = Outcome()

    def fail(number: int, message: str) -> None:
        for i, part in enumerate(message.split("\n")):
            err.write((f"{name}:{number}: Error: " if i == 0 else "  ") + part + "\n")
        outcome.failed.append(number)

    for number, raw in enumerate(lines, 1):
        line = parse_line(number, raw)
        try:
            if line.kind == "skip":
                continue
            if line.kind == "error":
                raise QueryError(line.error or "bad line")
            if line.kind == "as_of":
                session.as_of = line.value  # type: ignore[assignment]
            elif line.kind == "lang":
                session.lang = line.value  # type: ignore[assignment]
                writer.lang = session.lang
            elif line.kind == "facts":
                path = Path(line.text).expanduser()
                if not path.is_absolute():
                    path = Path(os.path.normpath(folder / path))
                session.load(str(path))
            else:
                ans = session.ask(line.text)
                writer.answer(ans, name, number, session.lang)
                outcome.answered += 1
        except LoadErrors as e:
            fail(number, "\n".join(x.render() for x in e.errors))
        except KbError as e:
            fail(number, e.render())
        except (KeyboardInterrupt, OSError):  # the output itself failed (a closed pipe, a full disk)
            raise
        except Exception as e:  # noqa: BLE001 - a bug in Guize: report it on its line and go on
            fail(number, printable(f"internal error: {type(e).__name__}: {e} (please report it)"))
        if outcome.failed and fail_fast:
            outcome.stopped = True
            break
    writer.close()
    return outcome


class _Stderr:
    """Writes to whatever sys.stderr is now (rich's progress display redirects it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)


def _with_progress(lines: list[str], name: str, folder: Path, session: Session, fmt: str,
                   fail_fast: bool) -> Outcome:
    """Output to a file or pipe, a person watching stderr: a progress bar there, gone at the end."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from repl.output import make_console

    total = sum(1 for x in lines if parse_line(0, x).kind == "question")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=make_console(sys.stderr), transient=True) as bar:
        task = bar.add_task(name, total=total)

        def counted():
            for x in lines:
                yield x
                if parse_line(0, x).kind == "question":
                    bar.advance(task)

        return run_batch(counted(), name, folder, session, sys.stdout, _Stderr(), fmt, fail_fast)  # type: ignore[arg-type]


def main(source: str, *, facts: list[str], as_of: _dt.date | None, lang: str | None, fmt: str,
         fail_fast: bool, stdin: TextIO | None = None) -> int:
    """``kb batch``: exit 1 if any line failed (or a --facts file did not load), else 0."""
    session = Session(as_of=as_of, lang=lang)
    if source == "-":
        from grammar.files import decode

        stream = stdin or sys.stdin
        name, folder = "<stdin>", Path(".")
        text = decode(stream.buffer.read(), name) if hasattr(stream, "buffer") else stream.read()
    else:
        from grammar.files import read_text

        p = Path(source)
        text = read_text(source, "batch file")
        name, folder = source, p.parent
    session.load_many(facts)
    lines = text.splitlines()
    if sys.stderr.isatty() and not sys.stdout.isatty() and len(lines) > 50:
        outcome = _with_progress(lines, name, folder, session, fmt, fail_fast)
    else:
        outcome = run_batch(lines, name, folder, session, sys.stdout, sys.stderr, fmt, fail_fast)
    if outcome.failed:
        lines = ", ".join(map(str, outcome.failed[:20])) + (" …" if len(outcome.failed) > 20 else "")
        stop = " (stopped: --fail-fast)" if outcome.stopped else ""
        sys.stderr.write(f"{name}: {outcome.answered} answered, {len(outcome.failed)} failed (line {lines}){stop}\n")
    return outcome.code

