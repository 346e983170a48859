"""A smoke test in a real terminal: `kb` alone under tmux, driven with send-keys and read with
capture-pane (polled with time limits, no long fixed sleeps; DEPENDENCIES.md §3.3).

HOME and XDG_STATE_HOME point into tmp_path, so the history file is the test's own."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed: the real-terminal smoke test needs it")


class Tmux:
    """One private tmux server (-L) with one window running ``command``."""

    def __init__(self, command: str, width: int = 160, height: int = 50) -> None:
        self.socket = f"guize-test-{uuid.uuid4().hex[:8]}"
        self.started = time.perf_counter()
        self.run("-u", "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height), command)

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20,
                              check=True).stdout

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def screen(self, colours: bool = False) -> str:
        return self.run("capture-pane", "-t", "t", "-p", "-J", "-S", "-3000", *(["-e"] if colours else []))

    def wait(self, test, timeout: float = 20.0, what: str = "") -> str:
        """Poll the screen until ``test(screen)`` (a string: is in the screen) or time out."""
        check = (lambda s: test in s) if isinstance(test, str) else test
        deadline = time.perf_counter() + timeout
        screen = ""
        while time.perf_counter() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or test!r} (prompt line {self.prompt_line()!r}); "
                             f"the screen was:\n{screen}")

    def prompt_line(self) -> str:
        lines = [x for x in self.screen().splitlines() if x.startswith("kb>")]
        return lines[-1].rstrip() if lines else ""

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


def test_kb_in_a_real_terminal(tmp_path, base):
    (tmp_path / "config" / "guize").mkdir(parents=True)
    (tmp_path / "config" / "guize" / "config.toml").write_text('pager = "auto"\nlang = "auto"\n', "utf-8")
    env = {"HOME": str(tmp_path / "home"), "XDG_STATE_HOME": str(tmp_path / "state"), "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "LC_ALL": "C.UTF-8", "TERM": "xterm-256color", "PYTHONPATH": str(ROOT),
           "GUIZE_SEEDS": os.environ.get("GUIZE_SEEDS", str(ROOT.parent / "shared" / "seeds"))}
    (tmp_path / "home").mkdir()
    clean = ["env", "-i", f"PATH={os.environ.get('PATH', '/usr/bin:/bin')}", *(f"{k}={v}" for k, v in env.items())]
    kb = " ".join(shlex.quote(x) for x in [*clean, sys.executable, "-m", "repl"])
    # kb alone, twice in a row (history must survive the restart), then keep the pane to read it
    script = f"cd {shlex.quote(str(ROOT))}; {kb}; echo first-exit=$?; {kb}; echo second-exit=$?; sleep 60"
    t = Tmux(f"sh -c {shlex.quote(script)}")
    try:
        t.wait(lambda s: "\nkb>" in "\n" + s, what="the first prompt")
        started = time.perf_counter() - t.started
        print(f"\nREPL start in tmux (process start to prompt): {started:.2f} s")

        t.type(":load facts/examples/ks_bolt_failing.dl")
        t.keys("Enter")
        t.wait("loaded 22 fact(s) from facts/examples/ks_bolt_failing.dl")

        # Tab on an English phrase, then the answer with its proof
        t.type("can store bolt join kuai")
        t.keys("Tab")
        t.wait(lambda s: t.prompt_line() == "kb> can store bolt join kuaishou distribution", what="EN completion")
        t.keys("Enter")
        screen = t.wait("The whole proof: --full (in the REPL: :full)", what="the short answer")
        assert "can store bolt join kuaishou distribution\nAnswer: NO — 5 of 8 conditions fail   (as of " in screen
        assert "✗ Condition 3: shopping-experience star rating 3.8 < 4 stars" in screen
        assert "\x1b[" in t.screen(colours=True)  # a terminal: colours

        # :full: the whole proof is taller than the window, so it opens in the pager (less -R)
        t.type(":full")
        t.keys("Enter")
        screen = t.wait(lambda s: "Why not" in s and "kb>" not in s.split("Why not", 1)[1], what="the pager")
        assert "✗ 3.8 ≥ 4  is false: observed 3.8, needs ≥ 4" in screen
        assert "[facts/examples/ks_bolt_failing.dl:15:1]" in screen
        t.keys("q")
        t.wait(lambda s: t.prompt_line() == "kb>", what="the prompt after the pager")

        # Tab on a Chinese phrase (no spaces to split words on)
        t.type("bolt能入驻快")
        t.keys("Tab")
        t.wait(lambda s: t.prompt_line() == "kb> bolt能入驻快分销", what="ZH completion")
        t.keys("Enter")
        screen = t.wait("答案: 否", what="the Chinese answer")
        assert "✗ 条件3：购物体验星级 3.8 < 4星" in screen

        # a goal over two lines, then what-if on a copy of the facts
        t.type("ks_c3_experience_stars_ok(")
        t.keys("Enter")
        t.wait(lambda s: s.rstrip().endswith("kb> ks_c3_experience_stars_ok(\n...") or "\n...\n" in s,
               what="the continuation prompt")
        t.type("bolt)")
        t.keys("Enter")
        t.wait(lambda s: s.count("?- ks_c3_experience_stars_ok(bolt)") >= 1, what="the two-line goal")
        t.type(":whatif ks_experience_stars(bolt, 4.5). ; ks_c3_experience_stars_ok(bolt)")
        t.keys("Enter")
        screen = t.wait("What if (without the change: NO)")
        t.wait("Answer: YES — the condition of ks.c3.experience_stars holds, on 1 stated fact from <what-if>")

        # bad input: one error line, and the session goes on
        prompts = t.screen().count("kb>")
        t.type("nosuch(bolt)")
        t.keys("Enter")
        t.wait("Error: unknown predicate nosuch (see `kb vocab`)")
        t.wait(lambda s: s.count("kb>") > prompts, what="the prompt after the error")

        saved = tmp_path / "saved.dl"
        t.type(f":save {saved}")
        t.keys("Enter")
        t.wait(f"saved 22 fact(s) to {saved}")
        assert [str(c.head) for c in base.facts_from_path(str(saved))][:2] == [
            "ks_onboarded(bolt, true)", "ks_opening_completed(bolt, true)"]

        t.keys("C-d")
        t.wait("first-exit=0", what="Ctrl-D to end the session")

        # restart: the history of the first session is there (↑ shows the last input)
        t.wait(lambda s: "\nkb>" in s.split("first-exit=0", 1)[1], what="the second prompt")
        t.keys("Up")
        t.wait(lambda s: t.prompt_line() == f"kb> :save {saved}", what="history after a restart")
        t.keys("Up")
        t.wait(lambda s: t.prompt_line() == "kb> nosuch(bolt)", what="older history")
        t.keys("C-u", "C-d")
        t.wait("second-exit=0")
        history = (tmp_path / "state" / "guize" / "history").read_text("utf-8")
        assert "+can store bolt join kuaishou distribution" in history and "+bolt能入驻快分销" in history
        assert not (tmp_path / "home" / ".local").exists()  # XDG_STATE_HOME was used, not ~/.local/state
        assert not re.search(r"Traceback", t.screen())
    finally:
        t.close()
