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
from typing import TextIO, cast

from grammar.errors import KbError, LoadErrors, QueryError, printable
from repl.session import Session, parse_date, parse_lang

DIRECTIVES = ("@facts", "@as-of", "@lang")
FORMATS = ("pretty", "tree", "md", "html", "jsonl", "csv")


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
    """Prints answers in one format. Failed lines go into the outputs that are documents or
    records (jsonl, md, html, csv) as well as to stderr; ``close()`` ends those with the summary."""

    def __init__(self, out: TextIO, fmt: str, base, lang: str | None, title: str, full: bool = False) -> None:
        from kb.documents import display_path
        from repl.output import make_console

        self.out, self.fmt, self.base, self.lang, self.full = out, fmt, base, lang, full
        self.title = display_path(title)
        self.console = make_console(out) if fmt == "pretty" else None
        self.articles: list[str] = []
        self.first = True
        self.doc_lang = lang or "en"

    def answer(self, ans, name: str, number: int, lang: str | None) -> None:
        from kb import draw
        from repl import output

        program = self.base.program
        where = f"{self.title}:{number}"
        if self.fmt == "jsonl":
            from kb.codec import answer_json

            data = answer_json(ans, program, lang)
            data["source"] = {"file": self.title, "line": number}
            self.out.write(printable(json.dumps(data, ensure_ascii=False)) + "\n")
            return
        ex = output.explain(ans, program, lang)
        if self.fmt == "tree":
            self.out.write(("" if self.first else "\n") + f"# {where}\n" + printable(draw.text(ex, self.full)) + "\n")
        elif self.fmt == "pretty":
            from rich.text import Text

            assert self.console is not None
            if not self.first:
                self.console.print()
            self.console.print(Text(f"# {where}", style="dim"))
            output.print_explanation(self.console, ex, self.full)
        elif self.fmt == "md":
            self.out.write(("" if self.first else "\n---\n\n") + draw.markdown(ex, heading=where, full=self.full))
        elif self.fmt == "html":
            if self.first:
                self.doc_lang = ex.lang
            self.articles.append(draw.html_article(ex, heading=where, anchor=f"line-{number}", full=self.full))
        elif self.fmt == "csv":
            if self.first:
                self.out.write(draw.csv_text([(*draw.CSV_HEADER, "line")]))
            row = draw.verdict_row(ex)
            self.out.write(draw.csv_text([(row.question, row.subject, row.answer, row.reasons, str(number))]))
        self.first = False

    def failure(self, number: int, message: str, text: str) -> None:
        """A line that could not be answered, in the outputs that keep a record of every line."""
        from kb import draw

        where = f"{self.title}:{number}"
        if self.fmt == "jsonl":
            data = {"error": {"file": self.title, "line": number, "text": text, "message": message}}
            self.out.write(printable(json.dumps(data, ensure_ascii=False)) + "\n")
        elif self.fmt == "md":
            body = "\n".join("    " + x for x in message.split("\n"))
            self.out.write(("" if self.first else "\n---\n\n") + f"### {draw.md_escape(where)}\n\n"
                           f"**Error** {draw.md_escape(text)}\n\n{body}\n")
        elif self.fmt == "html":
            self.articles.append(draw.html_failure(where, message, f"line-{number}", self.lang or "en"))
        elif self.fmt == "csv":
            if self.first:
                self.out.write(draw.csv_text([(*draw.CSV_HEADER, "line")]))
            self.out.write(draw.csv_text([(text, "", "error", message, str(number))]))
        else:
            return
        self.first = False

    def close(self, outcome: Outcome | None = None) -> None:
        from kb.draw import html_document, md_escape

        summary = _summary(self.title, outcome) if outcome is not None else None
        if self.fmt == "html":
            self.out.write(html_document(self.articles or ["<p>No questions.</p>"],
                                         f"Guize answers: {self.title}", self.doc_lang, footer=summary))
        elif self.fmt == "md":
            if self.first:
                self.out.write(f"No questions in {md_escape(self.title)}.\n")
            if summary:
                self.out.write(f"\n---\n\n**{md_escape(summary)}**\n")
        elif self.fmt == "jsonl" and outcome is not None:
            data = {"summary": {"file": self.title, "answered": outcome.answered, "failed": len(outcome.failed),
                                "failed_lines": outcome.failed, "stopped": outcome.stopped}}
            self.out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.out.flush()


def _summary(name: str, outcome: Outcome) -> str:
    """"q.q: 3 answered, 1 failed (line 4)"."""
    text = f"{name}: {outcome.answered} answered, {len(outcome.failed)} failed"
    if outcome.failed:
        text += " (line " + ", ".join(map(str, outcome.failed[:20])) + (" …" if len(outcome.failed) > 20 else "") + ")"
    return text + (" (stopped: --fail-fast)" if outcome.stopped else "")


def run_batch(lines: Iterable[str], name: str, folder: Path, session: Session, out: TextIO, err: TextIO,
              fmt: str = "pretty", fail_fast: bool = False, full: bool = False) -> Outcome:
    """Answer every line; report each bad line on ``err`` as ``NAME:LINE: Error: …`` (and in
    the output itself, for the formats that keep a record of every line)."""
    writer = Writer(out, fmt, session.base, session.lang, name, full)
    outcome = Outcome()
    text = ""

    def fail(number: int, message: str) -> None:
        for i, part in enumerate(message.split("\n")):
            err.write((f"{name}:{number}: Error: " if i == 0 else "  ") + part + "\n")
        outcome.failed.append(number)
        writer.failure(number, message, text)

    for number, raw in enumerate(lines, 1):
        line = parse_line(number, raw)
        text = raw.strip()
        try:
            if line.kind == "skip":
                continue
            if line.kind == "error":
                raise QueryError(line.error or "bad line")
            if line.kind == "as_of":
                session.as_of = cast(_dt.date | None, line.value)
            elif line.kind == "lang":
                session.lang = cast(str | None, line.value)
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
    writer.close(outcome)
    return outcome


class _Stderr:
    """Writes to whatever sys.stderr is now (rich's progress display redirects it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)


def _with_progress(lines: list[str], name: str, folder: Path, session: Session, fmt: str,
                   fail_fast: bool, full: bool = False) -> Outcome:
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

        return run_batch(counted(), name, folder, session, sys.stdout, _Stderr(), fmt, fail_fast, full)  # type: ignore[arg-type]  # _Stderr writes like a TextIO


def main(source: str, *, facts: list[str], as_of: _dt.date | None, lang: str | None, fmt: str,
         fail_fast: bool, stdin: TextIO | None = None, full: bool = False) -> int:
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
        outcome = _with_progress(lines, name, folder, session, fmt, fail_fast, full)
    else:
        outcome = run_batch(lines, name, folder, session, sys.stdout, sys.stderr, fmt, fail_fast, full)
    if outcome.failed:
        sys.stderr.write(_summary(name, outcome) + "\n")
    return outcome.code

