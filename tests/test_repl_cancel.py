"""Ctrl-C in the REPL really cancels the running question (issue 11, item 4): the question is
answered in a child process, the interrupt kills it, and the next question starts at once
instead of queueing behind a computation nobody waits for any more."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from grammar.errors import QueryError
from kb.api import KnowledgeBase
from repl.session import Session

SLOW = "a question that takes half a minute"
BOUND_S = 10.0  # generous: the next question must not wait for the first one's 30 s


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")


def _interrupt_when(marker: Path) -> threading.Thread:
    """Ctrl-C, as the terminal sends it, once the slow question has started."""
    def run() -> None:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.fixture
def slow_session(tmp_path, monkeypatch):
    marker = tmp_path / "pid"
    real_ask = KnowledgeBase.ask

    def ask(self, question, *args, **kw):
        if question == SLOW:  # stands for a question the compiled engine cannot be interrupted in
            marker.write_text(str(os.getpid()))
            time.sleep(30)
        return real_ask(self, question, *args, **kw)

    monkeypatch.setattr(KnowledgeBase, "ask", ask)
    session = Session(threaded=True)
    assert session.base.program  # the rules loaded, on the worker thread
    session.assert_facts("ks_experience_stars(bolt, 3.8).")
    yield session, marker
    session.close()


def test_ctrl_c_kills_the_running_question_and_the_next_one_starts_at_once(slow_session):
    session, marker = slow_session
    _interrupt_when(marker)
    with pytest.raises(KeyboardInterrupt):
        session.ask(SLOW)
    started = time.monotonic()
    ans = session.ask("ks_c3_experience_stars_ok(bolt)")
    took = time.monotonic() - started
    assert ans.answer == "no"
    assert took < BOUND_S, f"the next question waited {took:.1f} s behind the cancelled one"
    pid = int(marker.read_text())
    assert pid != os.getpid(), "the question ran in the REPL's own process: nothing could stop it"
    assert not _alive(pid), "the cancelled question's process is still running"


def test_questions_in_children_answer_and_fail_as_in_the_process(slow_session):
    session, _ = slow_session
    ans = session.ask("can store bolt join kuaishou distribution?")
    assert ans.answer == "no" and ans.facts == session.facts  # the facts, not sent back, restored
    with pytest.raises(QueryError, match="unknown predicate nosuch") as e:
        session.ask("?- nosuch(bolt).")
    assert e.value.hint == "see `kb vocab`"
    ans = session.what_if("ks_c3_experience_stars_ok(bolt)", "ks_experience_stars(bolt, 4.5).")
    assert (ans.before, ans.answer) == ("no", "yes")
    assert [str(c.head) for c in ans.facts] == ["ks_experience_stars(bolt, 4.5)"]
    assert session.what_needed("can bolt join kuaishou distribution?").needed is not None
    assert session._job is None  # every child reaped
