"""The interactive REPL: one PromptSession (history in the XDG state directory, suggestions from
history, completion menus with a one-line doc, highlighting, multi-line goals), and a loop in
which errors never end the session (litecli ``run_cli`` / ``one_iteration``).

The pure parts live elsewhere and are tested without a terminal: ``repl.suggest`` (what to
complete), ``repl.highlight`` (what to colour), ``repl.commands`` (what an input means).
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter, get_common_complete_suffix
from prompt_toolkit.document import Document
from prompt_toolkit.filters import Condition
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.lexers import Lexer
from prompt_toolkit.shortcuts import CompleteStyle
from prompt_toolkit.styles import Style

from grammar.errors import KbError, LoadErrors, printable
from kb.api import Answer
from repl import commands
from repl.commands import QUIT, dispatch
from repl.highlight import tokenize
from repl.output import Result, explain, make_console, print_explanation, print_result
from repl.session import Session
from repl.suggest import context, suggest

PROMPT = "kb> "
CONTINUATION = "... "


# ---------------------------------------------------------------------------------------- files
def state_dir() -> Path:
    """$XDG_STATE_HOME/guize (default ~/.local/state/guize). A relative XDG_STATE_HOME is ignored,
    as the XDG spec says."""
    env = os.environ.get("XDG_STATE_HOME", "")
    root = Path(env) if env and Path(env).is_absolute() else Path.home() / ".local" / "state"
    return root / "guize"


def history_path() -> Path:
    return state_dir() / "history"


def open_history(path: Path | None = None) -> tuple[History, str | None]:
    """A FileHistory, creating its directory; in memory (with a warning) if that fails."""
    path = path or history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        return FileHistory(str(path)), None
    except OSError as e:
        return InMemoryHistory(), f"history not saved: cannot write {path} ({e.strerror})"


# ---------------------------------------------------------------------------------------- input
_CALL = re.compile(r"^\s*(?:\?-\s*)?[a-z][a-z0-9_]*\s*\(")


def paren_depth(text: str) -> int:
    depth, quote = 0, ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"「“":
            quote = {"「": "」", "“": "”"}.get(ch, ch)
        elif ch in "(（":
            depth += 1
        elif ch in ")）":
            depth -= 1
    return depth


def is_complete(text: str) -> bool:
    """Does Enter submit ``text``, or start another line? Submit unless a line ends with ``\\``,
    a parenthesis is open, or a goal (a line starting with a predicate call, after any command
    word but :whatif) does not end with ``.`` or ``)``. An empty last line always submits."""
    if text.endswith("\n") and text.strip():
        return True
    t = text.rstrip()
    if not t:
        return True
    if t.endswith("\\"):
        return False
    if paren_depth(t) > 0:
        return False
    body = t
    word = re.match(r"\s*(:\S+)\s*", t)
    if word:
        if word.group(1).lower() in (":whatif", ":what-if"):
            return True
        body = t[word.end():]
    if _CALL.match(body) and not t.endswith((".", ")")):
        return False
    return True


class KbCompleter(Completer):
    """Thin: ``repl.suggest.suggest`` decides; file arguments go to PathCompleter."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document, complete_event: CompleteEvent):
        before = document.text_before_cursor
        catalog = self.session.catalog()
        ctx = context(before, catalog)
        if ctx.kind == "file":
            frag = ctx.fragment.removeprefix("--force").lstrip()
            yield from self.paths.get_completions(Document(frag, len(frag)), complete_event)
            return
        for s in suggest(before, catalog, explicit=complete_event.completion_requested):
            yield Completion(s.text, -s.replace, display_meta=s.meta)


class KbLexer(Lexer):
    """Colours from ``repl.highlight.tokenize``, one style class per token kind."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lex_document(self, document: Document):
        lines: list[list[tuple[str, str]]] = [[]]
        for kind, text in tokenize(document.text, self.session.catalog()):
            style = f"class:kb.{kind}" if kind else ""
            parts = text.split("\n")
            for k, part in enumerate(parts):
                if k:
                    lines.append([])
                if part:
                    lines[-1].append((style, part))
        return lambda n: lines[n] if n < len(lines) else []


STYLE = Style.from_dict({
    "kb.command": "ansimagenta bold", "kb.keyword": "ansiblue bold", "kb.phrase": "ansigreen",
    "kb.input": "ansicyan", "kb.subject": "ansiyellow", "kb.predicate": "ansigreen bold",
    "kb.unknown": "ansired underline", "kb.variable": "ansicyan italic", "kb.string": "ansiyellow",
    "kb.number": "ansibrightmagenta", "kb.punct": "", "bottom-toolbar": "noreverse bg:#303030 #d0d0d0",
    "bottom-toolbar.key": "bold",
})


def key_bindings(session: Session) -> KeyBindings:
    kb = KeyBindings()
    selected = Condition(lambda: _selected(session))

    @kb.add("enter", filter=selected)
    def _(event) -> None:  # Enter on a menu entry takes it (pgcli); a second Enter submits
        b = event.current_buffer
        b.complete_state = None

    @kb.add("enter", filter=~selected)
    def _(event) -> None:
        b = event.current_buffer
        if is_complete(b.text):
            b.validate_and_handle()
        else:
            b.insert_text("\n")

    @kb.add("tab")
    def _(event) -> None:
        """Tab completes at once (readline-like): the only completion, or the common part, or the
        next entry of the menu. Synchronous, so keys typed right after a Tab see its result."""
        b = event.current_buffer
        state = b.complete_state
        if state and len(state.completions) == 1 and state.complete_index is None:
            b.apply_completion(state.completions[0])  # the only entry of the menu: take it
            return
        if state and state.completions:
            b.complete_next()
            return
        if b.completer is None:
            return
        found = list(b.completer.get_completions(b.document, CompleteEvent(completion_requested=True)))
        if len(found) == 1:
            b.apply_completion(found[0])
        elif found:
            common = get_common_complete_suffix(b.document, found)
            if common:
                b.insert_text(common)
            else:
                b.start_completion(select_first=True)

    @kb.add("escape", "enter")
    def _(event) -> None:  # submit as is, whatever is open
        event.current_buffer.validate_and_handle()

    return kb


def _selected(session: Session) -> bool:
    from prompt_toolkit.application import get_app

    state = get_app().current_buffer.complete_state
    return bool(state and state.current_completion)


def toolbar(session: Session):
    def show() -> list[tuple[str, str]]:
        if not session.ready():
            return [("class:bottom-toolbar", " loading the rules… ")]
        files = {c.pos.file for c in session.facts if c.pos}
        subjects = session.subjects()
        who = ", ".join(subjects[:4]) + (" …" if len(subjects) > 4 else "")
        parts = [f" {len(session.facts)} fact(s)" + (f" ({who})" if who else ""),
                 f"{len(files)} file(s)",
                 f"as of {session.as_of.isoformat() if session.as_of else 'today'}",
                 f"lang {session.lang or 'auto'}"] + (["JSON"] if session.json else [])
        return [("class:bottom-toolbar", " │ ".join(parts) + " │ "), ("class:bottom-toolbar.key", ":help"),
                ("class:bottom-toolbar", " ")]
    return show


def make_prompt_session(session: Session, history: History | None = None, **kw: Any) -> PromptSession:
    return PromptSession(
        message=PROMPT,
        multiline=True,
        key_bindings=key_bindings(session),
        prompt_continuation=lambda width, line_number, wrap_count: CONTINUATION.rjust(width),
        history=history if history is not None else InMemoryHistory(),
        auto_suggest=AutoSuggestFromHistory(),
        # Not a ThreadedCompleter: suggest() takes about a millisecond (Tab has its own
        # synchronous binding above, so a Tab and the keys right after it never race).
        completer=KbCompleter(session),
        complete_while_typing=True,
        complete_style=CompleteStyle.COLUMN,
        lexer=KbLexer(session),
        style=STYLE,
        search_ignore_case=True,
        bottom_toolbar=toolbar(session),
        **kw,
    )


# ---------------------------------------------------------------------------------------- loop
def show_reply(console, session: Session, reply: Any, elapsed: float | None = None) -> None:
    from rich.text import Text

    full = session.full
    if isinstance(reply, commands.FullView):
        reply, full = reply.answer, True
    if isinstance(reply, Answer):
        session.last = reply
        if session.json:
            from kb.codec import answer_json

            data = printable(json.dumps(answer_json(reply, session.base.program, session.lang), ensure_ascii=False,
                                        indent=2))
            if console.is_terminal:
                console.print_json(data)
            else:
                console.print(Text(data))
        else:
            show_explanation(console, session, explain(reply, session.base.program, session.lang), full)
            if elapsed is not None and console.is_terminal:
                console.print(Text(f"({elapsed * 1000:.0f} ms)", style="dim"))
    elif isinstance(reply, Result):
        print_result(console, reply)


def show_explanation(console, session: Session, ex, full: bool) -> None:
    """On a terminal, an answer taller than the screen goes through the pager (colours kept)."""
    from repl.pager import needs_paging, page, pager_command

    argv = pager_command(session.pager) if console.is_terminal else None
    if argv is None:
        print_explanation(console, ex, full)
        return
    with console.capture() as cap:
        print_explanation(console, ex, full)
    text = cap.get()
    if not (needs_paging(text, console.height) and page(text, argv)):
        console.file.write(text)
        console.file.flush()


def print_error(err, e: BaseException) -> None:
    from rich.text import Text

    if isinstance(e, LoadErrors):
        for x in e.errors:
            err.print(Text("Error: " + x.render(), style="bold red"))
    elif isinstance(e, KbError):
        err.print(Text("Error: " + e.render(), style="bold red"))
    else:
        err.print(Text(printable(f"Error: internal error: {type(e).__name__}: {e} (please report it; GUIZE_DEBUG=1 "
                                 "shows details)"), style="bold red"))


def run_repl(session: Session, prompt: PromptSession, console=None, err=None, banner: bool = True) -> int:
    """Read, answer, print, until :quit or Ctrl-D. Returns the exit code (0)."""
    console = console or make_console(sys.stdout)
    err = err or make_console(sys.stderr)
    if banner:
        from rich.text import Text

        console.print(Text("Guize: platform rules answered with proofs. ", style="bold")
                      + Text(":help lists the commands; Tab completes; Ctrl-D leaves.", style="dim"))
    with no_echo():
        while True:
            try:
                text = prompt.prompt()
            except KeyboardInterrupt:
                continue
            except EOFError:
                break
            if one_iteration(session, text, console, err) is QUIT:
                break
    return 0


def one_iteration(session: Session, text: str, console, err) -> Any:
    """Answer one input and print the reply; errors are printed, never raised."""
    started = time.perf_counter()
    try:
        reply = dispatch(session, text)
        if reply is not QUIT:
            show_reply(console, session, reply, time.perf_counter() - started)
        return reply
    except KeyboardInterrupt:
        err.print("interrupted")
    except Exception as e:  # noqa: BLE001 - one line, then the prompt again
        if os.environ.get("GUIZE_DEBUG") and not isinstance(e, KbError):
            raise
        print_error(err, e)
    return None


@contextmanager
def no_echo() -> Iterator[None]:
    """For the whole session the terminal itself does not echo: keys typed ahead while an answer
    is printed are read and drawn by the next prompt (echoed too, they would show twice, or land
    where the prompt goes). prompt-toolkit draws what is typed at the prompt; the terminal's
    settings are restored on the way out. Input is not flushed."""
    try:
        import termios

        fd = sys.stdin.fileno()
        if not os.isatty(fd):
            raise OSError
        old = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError, io.UnsupportedOperation):
        yield
        return
    quiet = list(old)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, old)


def new_session(base=None, *, threaded: bool = True, as_of=None, lang: str | None = None) -> Session:
    """A session that knows the REPL's commands (for completion)."""
    session = Session(base, threaded=threaded, as_of=as_of, lang=lang)
    session.command_entries = commands.command_entries()
    session.command_arguments = commands.command_arguments()
    return session


def start(facts: list[str] | None = None, as_of=None, lang: str | None = None) -> int:
    """``kb repl``: the session on a worker thread, history in the XDG state directory, settings
    from the config file (repl/config.py; command-line options win)."""
    from repl.config import load_config

    config = load_config()
    session = new_session(threaded=True, as_of=as_of, lang=lang or config.lang)
    session.pager, session.full = config.pager, config.full
    facts = facts or list(config.facts)
    err = make_console(sys.stderr)
    console = make_console(sys.stdout)
    if config.style == "plain":
        console.no_color = True
    for problem in config.problems:
        err.print(problem)
    history, warning = open_history()
    if warning:
        err.print(warning)
    try:
        if facts:
            session.load_many(facts)
    except KbError as e:
        print_error(err, e)
    session.warm()
    prompt = make_prompt_session(session, history)
    session.on_ready(prompt.app.invalidate)  # redraw the bottom bar (and menus) once the rules are in
    try:
        return run_repl(session, prompt, console=console, err=err)
    finally:
        session.close()
