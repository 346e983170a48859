"""The state of one REPL or batch run: the knowledge base, the facts stated so far (with where
each came from), the as-of date, the answer language, the output mode.

In the REPL every engine call runs on one worker thread (``threaded=True``): the prompt appears
while the rules load. Each question is answered in a child process forked from that thread
(pyDatalog's compiled engine cannot be interrupted, not even by a signal), so Ctrl-C kills the
child and the next question starts at once. Batch mode runs everything on the calling thread.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from grammar import errors as _errors
from grammar.errors import EvaluationError, KbError, LoadError, LoadErrors, QueryError
from grammar.files import check_path, write_text_atomic
from grammar.model import Clause, Const
from kb.api import Answer, KnowledgeBase
from repl.suggest import Catalog, Entry

T = TypeVar("T")
TYPED = "<typed"  # the file name of facts typed at the prompt: "<typed 3>"


def _own_knowledge_base() -> KnowledgeBase:
    """A knowledge base with its own engine, made on the calling (worker) thread.

    Not ``KnowledgeBase.default()`` itself: it caches one per ``threading.get_ident()``, and
    thread ids are reused once a thread ends, so a new worker thread could be handed the engine
    of a finished one, whose pyDatalog thread-local state does not exist on the new thread. The
    program (the loaded rules) is shared; only the engine is new."""
    return KnowledgeBase(KnowledgeBase.default().program)


def _block_sigint() -> None:
    """The worker thread never takes Ctrl-C (the main thread does), and neither do the children
    forked from it: they inherit this signal mask."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


class _Job:
    """One question in a child process: what the main thread needs to cancel it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: multiprocessing.process.BaseProcess | None = None
        self.cancelled = False

    def kill(self) -> None:
        """Kill the child and anything it started (it leads its own process group)."""
        with self.lock:
            self.cancelled = True
            proc = self.proc
        if proc is not None and proc.pid is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:  # no such group (already reaped): the process alone, if any
                proc.kill()


def _child_main(conn, fn: Callable[..., object], args: tuple, kw: dict, facts: Sequence[Clause]) -> None:
    """In the forked child: its own process group (so one kill takes any grandchild with it, and
    the terminal's Ctrl-C does not reach it), then the answer, or the error as plain data."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        reply: tuple = ("ok", _without_facts(fn(*args, **kw), facts))
    except LoadErrors as e:
        reply = ("errors", [_error_data(x) for x in e.errors])
    except KbError as e:
        reply = ("error", _error_data(e))
    except Exception as e:  # noqa: BLE001 - a bug in the child: said, not lost
        reply = ("internal", f"{type(e).__name__}: {e}")
    conn.send(reply)
    conn.close()


def _without_facts(value: object, facts: Sequence[Clause]) -> object:
    """An answer carries the session's facts; the parent has them already, so the child sends
    how many of them lead ``answer.facts`` instead (a session may hold a million)."""
    if isinstance(value, Answer):
        n = 0
        for mine, theirs in zip(value.facts, facts):
            if mine is not theirs:
                break
            n += 1
        return _Sent(value, n, value.facts[n:])
    return value


class _Sent:
    """An answer in transit without its leading session facts (see ``_without_facts``)."""

    def __init__(self, answer: Answer, shared: int, rest: list[Clause]) -> None:
        self.answer, self.shared, self.rest = replace(answer, facts=[]), shared, rest

    def restore(self, facts: Sequence[Clause]) -> Answer:
        return replace(self.answer, facts=list(facts[: self.shared]) + self.rest)


def _error_data(e: KbError) -> tuple:
    pos = (e.pos.file, e.pos.line, e.pos.column) if e.pos else None
    return (type(e).__name__, e.message, pos, e.hint)


def _error_from(data: tuple) -> KbError:
    from grammar.model import Pos

    name, message, pos, hint = data
    cls = getattr(_errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, KbError)) or cls is LoadErrors:
        cls = KbError
    return cls(message, Pos(*pos) if pos else None, hint)


def parse_date(text: str) -> _dt.date | None:
    """``YYYY-MM-DD`` or ``today`` (None: evaluate as of today)."""
    t = text.strip()
    if t.lower() in ("today", "今天", ""):
        return None
    try:
        return _dt.date.fromisoformat(t)
    except ValueError:
        raise QueryError(f"not a date: {t!r}", hint="write YYYY-MM-DD, or today") from None


def parse_lang(text: str) -> str | None:
    t = text.strip().lower()
    if t in ("en", "zh"):
        return t
    if t in ("auto", ""):
        return None
    raise QueryError(f"unknown language {t!r}", hint="en, zh, or auto (the question's language)")


def origin(c: Clause) -> str:
    """Where a session fact came from: a file path, or ``typed`` for facts stated at the prompt."""
    f = c.pos.file if c.pos else "?"
    return "typed" if f.startswith(TYPED) else f


def where(c: Clause) -> str:
    """``file:line:col``, or ``typed #3`` for the third :assert."""
    if c.pos and c.pos.file.startswith(TYPED):
        return "typed #" + c.pos.file[len(TYPED):].strip(" >")
    return str(c.pos) if c.pos else "?"


class Session:
    def __init__(self, base: KnowledgeBase | None = None, *, threaded: bool = False,
                 as_of: _dt.date | None = None, lang: str | None = None) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="guize-kb",
                                            initializer=_block_sigint) if threaded else None
        self._job: _Job | None = None  # the question being answered in a child, if any
        if base is not None:
            self._base: Future[KnowledgeBase] = Future()
            self._base.set_result(base)
        elif self._executor is not None:
            self._base = self._executor.submit(_own_knowledge_base)
        else:
            self._base = Future()
            self._base.set_result(KnowledgeBase.default())
        self.facts: list[Clause] = []
        self.as_of = as_of
        self.lang = lang
        self.json = False
        self.full = False  # answers with the whole proof (:full shows one; the config can make it the default)
        self.pager = "off"  # repl/pager.py setting; the REPL takes it from its config file
        self.last: Answer | None = None  # the last answer shown, for :full
        self.typed = 0  # how many :assert lines so far (names the typed facts)
        self.saved: set[Path] = set()
        self._catalog: tuple[tuple, Catalog] | None = None
        self.command_entries: tuple[Entry, ...] = ()
        self.command_arguments: dict[str, str] = {}

    # ---- the knowledge base, on its own thread in the REPL
    @property
    def base(self) -> KnowledgeBase:
        return self._base.result()

    def ready(self) -> bool:
        return self._base.done()

    def on_ready(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` (from any thread) once the rules are loaded."""
        self._base.add_done_callback(lambda _: fn())

    def run(self, fn: Callable[..., T], *args, **kw) -> T:
        if self._executor is None:
            return fn(*args, **kw)
        return self._executor.submit(fn, *args, **kw).result()

    def run_cancellable(self, fn: Callable[..., T], *args, **kw) -> T:
        """``fn(*args, **kw)`` in a child process forked from the worker thread (which owns the
        engine); Ctrl-C (KeyboardInterrupt while waiting) kills it, and the worker is free again
        before this returns. The reply comes back over a pipe, never through a file."""
        if self._executor is None:
            return fn(*args, **kw)
        job = _Job()
        future = self._executor.submit(self._in_child, job, fn, args, kw, self.snapshot())
        try:
            return future.result()
        except KeyboardInterrupt:
            if future.cancel():  # not started yet (queued behind warm()): it never will be
                raise
            job.kill()
            try:
                future.result(timeout=5)  # the worker only reaps the child now
            except (KbError, FutureTimeout, KeyboardInterrupt):
                pass
            raise

    def _in_child(self, job: _Job, fn: Callable[..., T], args: tuple, kw: dict, facts: Sequence[Clause]) -> T:
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)
        # Not a daemon: a recursive question forks its own time-limited child (kb/api.py),
        # which daemons may not do; close() and the kill below end it instead.
        proc = ctx.Process(target=_child_main, args=(send, fn, args, kw, facts), daemon=False)
        for stream in (sys.stdout, sys.stderr):  # the child must not write the parent's buffer again
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        with job.lock:
            if job.cancelled:
                raise EvaluationError("the question was cancelled")
            proc.start()
            try:  # the child does the same; whichever runs first, a kill finds the group
                assert proc.pid is not None  # started just above
                os.setpgid(proc.pid, proc.pid)
            except OSError:
                pass
            job.proc = proc
            self._job = job
        send.close()  # the child holds the only writing end: its death is an EOF here
        try:
            status, value = receive.recv()
        except (EOFError, OSError):
            if job.cancelled:
                raise EvaluationError("the question was cancelled") from None
            raise EvaluationError(f"the process answering the question ended ({proc.exitcode})") from None
        finally:
            receive.close()
            proc.join(5)
            if proc.is_alive():  # it sent its reply but did not exit
                job.kill()
                proc.join()
            self._job = None
        if status == "ok":
            return value.restore(facts) if isinstance(value, _Sent) else value  # type: ignore[return-value]  # fn's T, sent back
        if status == "errors":
            raise LoadErrors([_error_from(x) for x in value])
        if status == "error":
            raise _error_from(value)
        raise EvaluationError(f"internal error while answering: {value}", hint="please report it")

    def cancel(self) -> None:
        """Kill the question being answered, if any (from any thread)."""
        job = self._job
        if job is not None:
            job.kill()

    def warm(self) -> None:
        """Build the question grammar for the current subjects in the background, so the next
        question does not wait for it."""
        if self._executor is None:
            return
        facts = self.snapshot()

        def work() -> None:
            # Questions are answered in children forked from this thread: what is built here
            # (the goal parser, the message reader) they inherit instead of building each time.
            for text, given in (("ks_distribution_eligible(acme)", facts),
                                ("can store acme join kuaishou distribution?", ())):  # reader: facts-free
                try:
                    self.base.parse(text, given)
                except KbError:
                    pass
            if facts:  # what a question over these facts would build first: the reader's view of
                self.base.reading_model().view(facts)  # them, and their grouping by subject
                self.base.fact_groups(facts)

        self._executor.submit(work)

    def close(self) -> None:
        self.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def snapshot(self) -> tuple[Clause, ...]:
        """The loaded facts as one unchanging value, the same object until they change: the
        knowledge base groups a facts list once, so a batch does not regroup the file per question."""
        key = (id(self.facts), len(self.facts))
        if getattr(self, "_snap_key", None) != key:
            self._snap_key, self._snap = key, tuple(self.facts)
        return self._snap

    # ---- questions
    def ask(self, question: str) -> Answer:
        base = self.base
        return self.run_cancellable(base.ask, question, facts=self.snapshot(), as_of=self.as_of, lang=self.lang)

    def what_if(self, question: str, changes_text: str) -> Answer:
        base = self.base
        changes = base.facts_from_text(changes_text, "<what-if>")
        if not changes:
            raise QueryError("no facts before the ';'", hint="e.g. :whatif ks_experience_stars(bolt, 4.5). ; "
                                                              "can bolt join kuaishou distribution?")
        return self.run_cancellable(base.what_if, question, self.snapshot(), changes, as_of=self.as_of,
                                    lang=self.lang)

    def what_needed(self, question: str) -> Answer:
        base = self.base
        return self.run_cancellable(base.what_needed, question, self.snapshot(), as_of=self.as_of,
                                    lang=self.lang)

    # ---- facts
    def load(self, path: str) -> tuple[int, int]:
        """Load a facts file, all or nothing; loading the same file again replaces its facts.
        Returns (facts loaded, facts replaced)."""
        new = self.base.facts_from_path(path)
        old = [c for c in self.facts if c.pos and c.pos.file == path]
        self.facts = [c for c in self.facts if c not in old] + new
        self.warm()
        return len(new), len(old)

    def load_many(self, paths: Sequence[str]) -> None:
        """Load several files, reporting every problem in all of them at once."""
        errors: list[KbError] = []
        for p in paths:
            try:
                self.load(p)
            except LoadErrors as e:
                errors += e.errors
        if errors:
            raise LoadErrors(errors)

    def assert_facts(self, text: str) -> tuple[list[Clause], list[Clause], list[str]]:
        """State facts typed at the prompt, checked like a facts file. Returns (added, already
        stated, notes about inputs that now have two values for one subject)."""
        self.typed += 1
        new = self.base.facts_from_text(text, f"{TYPED} {self.typed}>")
        if not new:
            raise QueryError("no fact to assert", hint="e.g. :assert ks_experience_stars(acme, 4.5).")
        heads = {c.head for c in self.facts}
        added = [c for c in new if c.head not in heads]
        dup = [c for c in new if c.head in heads]
        notes = []
        for c in added:
            for old in self._same_input(c):
                notes.append(f"{old.head} is also stated ({origin(old)}); :retract it, or try a value with :whatif")
        self.facts += added
        self.warm()
        return added, dup, notes

    def _same_input(self, c: Clause) -> list[Clause]:
        decl = self.base.program.inputs.get(c.head.pred)
        if decl is None or decl.optional or len(c.head.args) != 2:
            return []
        return [f for f in self.facts if f.head.pred == c.head.pred and f.head.args[0] == c.head.args[0]
                and f.head != c.head]

    def retract(self, text: str) -> list[Clause]:
        gone = self.base.facts_from_text(text, "<retract>")
        if not gone:
            raise QueryError("no fact to retract", hint="e.g. :retract ks_experience_stars(acme, 4.5).")
        heads = {c.head for c in gone}
        missing = [c for c in gone if c.head not in {f.head for f in self.facts}]
        if missing:
            raise QueryError(f"not a session fact: {missing[0].head}", hint="see :facts")
        removed = [c for c in self.facts if c.head in heads]
        self.facts = [c for c in self.facts if c.head not in heads]
        self.warm()
        return removed

    def facts_text(self) -> str:
        """The session facts as a facts file: grouped by where they came from, checked to load
        back before anything is written."""
        out = [f"% Facts saved by the Guize REPL on {_dt.date.today().isoformat()}.",
               "% Load them again with: kb repl --facts FILE (or :load FILE)."]
        last = None
        for c in self.facts:
            o = origin(c)
            if o != last:
                out += ["", f"% {'typed at the prompt' if o == 'typed' else 'from ' + o}"]
                last = o
            out.append(str(c))
        text = "\n".join(out) + "\n"
        back = self.base.facts_from_text(text, "<saved>")
        if [c.head for c in back] != [c.head for c in self.facts]:  # pragma: no cover - a bug, not user error
            raise LoadError("the saved facts do not read back the same (please report this)")
        return text

    def save(self, path: str, force: bool = False) -> int:
        """Write the session facts to ``path`` atomically (grammar/files.py): never through a
        symbolic link, and a failed write leaves the old file as it was."""
        check_path(path, "file")
        p = Path(path).expanduser()
        if p.is_symlink():
            raise QueryError(f"{path} is a symbolic link; not written", hint="save to a plain file name")
        if p.exists() and not force and p.resolve() not in self.saved:
            raise QueryError(f"{path} exists", hint=f"use :save --force {path} to overwrite it")
        write_text_atomic(str(p), self.facts_text())
        self.saved.add(p.resolve())
        return len(self.facts)

    def subjects(self) -> list[str]:
        return sorted({str(c.head.args[0].value) for c in self.facts
                       if c.head.args and isinstance(c.head.args[0], Const)})

    # ---- completion data
    def catalog(self) -> Catalog:
        """The completion catalog for the current facts (commands only until the rules load)."""
        if not self.ready():
            return Catalog(commands=self.command_entries, arguments=self.command_arguments,
                           values=_FIXED_VALUES)
        key = (tuple(c.head for c in self.facts), self.command_entries)
        if self._catalog is None or self._catalog[0] != key:
            self._catalog = (key, build_catalog(self.base, self.facts, self.command_entries,
                                                self.command_arguments))
        return self._catalog[1]


# ---------------------------------------------------------------------------------------- catalog
# How questions begin, with an example each: offered at the start of a line. The grammar
# (grammar/message.lark and kb/reading.py) reads many more forms; these are worth a menu entry.
QUESTION_OPENERS: tuple[tuple[str, str, str], ...] = (
    ("en", "can store", "yes/no: can store acme join kuaishou distribution?"),
    ("en", "why can't store", "why not: why can't store bolt join kuaishou distribution?"),
    ("en", "why can store", "why: why can store acme join kuaishou distribution?"),
    ("en", "which stores can", "list: which stores can join kuaishou distribution?"),
    ("en", "how can", "what is needed: how can bolt join kuaishou distribution?"),
    ("en", "what does store", "what is needed: what does store bolt need to join kuaishou distribution?"),
    ("en", "if", "what if: if bolt had experience stars 4.5, could it join kuaishou distribution?"),
    ("zh", "为什么", "为什么不能: 为什么bolt不能入驻快分销？"),
    ("zh", "哪些店铺", "列表: 哪些店铺能入驻快分销？"),
    ("zh", "如果", "假设: 如果bolt的体验星级是4.5，能入驻快分销吗？"),
)

_FIXED_VALUES: dict[str, tuple[Entry, ...]] = {
    "lang": (Entry("en", "value", "answer in English"), Entry("zh", "value", "用中文回答"),
             Entry("auto", "value", "the language of each question")),
    "date": (Entry("today", "value", "evaluate as of today"),),
    "save": (Entry("--force", "value", "overwrite an existing file"),),
}


def _short(text: str | None, n: int = 72) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


def build_catalog(base: KnowledgeBase, facts: Sequence[Clause], commands: tuple[Entry, ...] = (),
                  arguments: dict[str, str] | None = None) -> Catalog:
    from kb.explain import pred_name

    program = base.program

    def doc(pred: str, lang: str) -> str:
        return pred_name(program, pred, lang) or pred_name(program, pred, "en") or ""

    lex = base.lexicon(facts)
    phrases = tuple(Entry(p.text, "phrase", _short(f"{p.pred}: {doc(p.pred, p.lang)}"), p.lang)
                    for p in lex.phrases)
    inputs = tuple(Entry(p.text, "input", _short(f"input {p.pred}: {doc(p.pred, p.lang)}"), p.lang)
                   for p in lex.inputs)
    questions = tuple(Entry(text, "question", _short(f"?- {goal}"), lang) for lang, text, goal in lex.templates)
    keywords = tuple(Entry(text, "keyword", meta, lang) for lang, text, meta in QUESTION_OPENERS)
    preds = []
    input_preds = []
    for name, info in sorted(program.preds.items()):
        if info.kind == "builtin":
            continue
        preds.append(Entry(name, "predicate", _short(f"{info.kind}/{info.arity}: {doc(name, 'en')}")))
        if info.kind == "input":
            input_preds.append(Entry(name + "(", "predicate", _short(f"input/{info.arity}: {doc(name, 'en')}")))
    where: dict[str, str] = {}
    for c in facts:
        if c.head.args and isinstance(c.head.args[0], Const):
            where.setdefault(str(c.head.args[0].value), origin(c))
    subjects = tuple(Entry(s, "subject", f"subject, facts from {where.get(s, '?')}") for s in lex.subjects)
    fact_entries = tuple(Entry(str(c), "fact", origin(c)) for c in facts)
    docs: dict[str, set[str]] = {}
    for c in program.clauses:
        for x in c.notes.sources:
            docs.setdefault(x.file[:3], set()).add(c.pos.file if c.pos else "?")
    documents = tuple(Entry(d, "document", ", ".join(sorted(files))) for d, files in sorted(docs.items()))
    return Catalog(phrases=phrases, inputs=inputs, questions=questions, keywords=keywords,
                   predicates=tuple(preds), inputs_preds=tuple(input_preds), subjects=subjects,
                   facts=fact_entries, documents=documents, commands=commands,
                   arguments=arguments or {}, values=_FIXED_VALUES)
