"""The REPL driven through prompt-toolkit's pipe input (no terminal): keys in, printed text out.

Keys are raw characters: ``\\r`` Enter, ``\\t`` Tab, ``\\x03`` Ctrl-C, ``\\x04`` Ctrl-D; closing
the pipe ends the session like Ctrl-D. Tab is bound to a synchronous completion
(repl/app.py), so "Tab then Enter" in one write has no race (DEPENDENCIES.md §3.2).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from repl import app, commands
from repl.output import make_console
from tests.schema import answer_from

ROOT = Path(__file__).resolve().parent.parent
BOLT = "facts/examples/ks_bolt_failing.dl"
ACME = "facts/examples/ks_acme_admitted.dl"
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture
def pipe(monkeypatch):
    monkeypatch.chdir(ROOT)
    with create_pipe_input() as inp:
        with create_app_session(input=inp, output=DummyOutput()):
            yield inp


@pytest.fixture
def repl(pipe, base):
    """run(keys) -> (stdout, stderr) of a REPL session fed ``keys`` then end of input."""

    def run(keys: str, session=None, history=None) -> tuple[str, str]:
        session = session or app.new_session(base, threaded=False, as_of=AS_OF)
        pipe.send_text(keys)
        pipe.close()
        out, err = io.StringIO(), io.StringIO()
        code = app.run_repl(session, app.make_prompt_session(session, history), make_console(out),
                            make_console(err), banner=False)
        assert code == 0
        return out.getvalue(), err.getvalue()

    return run


def test_a_question_is_answered_with_its_proof(repl):
    out, err = repl(f":load {BOLT}\r:load {ACME}\rks_c3_experience_stars_ok(bolt)\r"
                    "can store acme join kuaishou distribution?\r:full\r:full ks_c3_experience_stars_ok(bolt)\r")
    assert err == ""
    assert "loaded 22 fact(s) from facts/examples/ks_bolt_failing.dl" in out
    # short first: the verdict and the failing condition with its values and document
    assert ("?- ks_c3_experience_stars_ok(bolt)\nAnswer: NO — its one condition fails   (as of 2026-11-23)\n"
            "  ✗ Condition 3: shopping-experience star rating 3.8 < 4 stars — 快手快分销准入 · 004\n") in out
    assert "Answer: YES — all 8 conditions of ks.distribution.eligible hold" in out
    # :full shows the last answer with its whole proof, :full QUESTION asks and shows it so
    assert "Because\n└── ✓ ks_distribution_eligible(acme)" in out
    assert "✗ 3.8 ≥ 4  is false: observed 3.8, needs ≥ 4" in out
    assert f"stated: ks_experience_stars(bolt, 3.8)  [{BOLT}:15:1]" in out
    assert "\x1b[" not in out  # not a terminal: no colours


def test_full_without_an_answer_says_so(repl):
    out, err = repl(":full\r")
    assert err.strip() == "Error: no answer to show yet (ask a question first, or type :full QUESTION)"


def test_chinese_question_and_the_lang_and_as_of_commands(repl):
    out, err = repl(f":load {BOLT}\rbolt能入驻快分销吗？\r:full\r:lang en\rbolt能入驻快分销吗？\r:lang\r"
                    ":as-of 2025-01-01\r:as-of\rks_c3_experience_stars_ok(bolt)\r:lang fr\r")
    assert "答案: 否 — 8 个条件中有 5 个不满足   (基准日期 2026-11-23)" in out
    assert "✗ 3.8 ≥ 4  不成立: 实际 3.8, 要求 ≥ 4" in out
    assert "Answer: NO — 5 of 8 conditions fail   (as of 2026-11-23)" in out and "language: en" in out
    assert "as of: 2025-01-01" in out and "Answer: NO — its one condition fails   (as of 2025-01-01)" in out
    assert err.strip() == "Error: unknown language 'fr' (en, zh, or auto (the question's language))"


def test_unbalanced_parentheses_and_backslash_continue_the_input(repl):
    out, err = repl(f":load {BOLT}\rks_c3_experience_stars_ok(\rbolt\r)\r"
                    "can store bolt \\\rjoin kuaishou distribution?\r:assert ks_experience_stars(acme,\r4.9).\r")
    assert err == ""
    assert "?- ks_c3_experience_stars_ok(bolt)\nAnswer: NO" in out
    assert "can store bolt join kuaishou distribution?\nAnswer: NO" in out
    assert "asserted 1 fact(s)" in out


def test_tab_completes_english_and_chinese_phrases_and_commands(repl):
    out, err = repl(f":lo\t {BOLT}\rcan store bolt join kuai\t\rbolt能入驻快\t\rks_c3_exp\t(bo\t)\r")
    assert err == "", err
    assert "loaded 22 fact(s)" in out
    assert "can store bolt join kuaishou distribution\nAnswer: NO" in out
    assert "bolt能入驻快分销\n答案: 否" in out
    assert "?- ks_c3_experience_stars_ok(bolt)\nAnswer: NO" in out


def test_errors_print_one_message_and_the_session_goes_on(repl):
    out, err = repl(f"nosuch(bolt)\r:frobnicate\r:load /no/such/file.dl\r:load {BOLT}\r"
                    ":assert ks_experience_stars(bolt, 9).\rcan store bolt fly to the moon?\r"
                    "ks_c3_experience_stars_ok(bolt)\r")
    lines = [x for x in err.splitlines() if x.startswith("Error: ")]
    assert lines == [
        "Error: unknown predicate nosuch (see `kb vocab`)",
        "Error: unknown command :frobnicate (:help lists the commands)",
        "Error: cannot read facts file /no/such/file.dl: No such file or directory (check the path)",
        "Error: <typed 1>:1:1: ks_experience_stars stars must be between 0 and 5 stars, got 9 "
        "(is it in the right unit?) (e.g. ks_experience_stars(acme, 2.5).)",
        "Error: cannot read this question (at column 16: words not recognised: fly, moon):",
    ]
    assert "^ (" in err  # the caret context of the last one
    assert "Answer: NO" in out and "ks_experience_stars(bolt, 9)" not in out  # nothing half-asserted


def test_assert_retract_facts_and_where_they_came_from(repl):
    out, err = repl(f":load {BOLT}\r:retract ks_experience_stars(bolt, 3.8).\r"
                    ":assert ks_experience_stars(bolt, 4.2).\r:facts bolt\r:full ks_c3_experience_stars_ok(bolt)\r"
                    ":retract ks_experience_stars(bolt, 3.8).\r:assert ks_experience_stars(bolt, 4.2).\r")
    assert "retracted 1 fact(s); 21 in the session" in out
    assert re.search(r"\nks_experience_stars\(bolt, 4\.2\)\. +typed #1\n", out)
    assert re.search(rf"\nks_store_type\(bolt, personal\)\. +{BOLT}:13:1\n", out)
    assert "✓ ks_experience_stars(bolt, 4.2)  [fact <typed 1>:1:1]" in out
    assert "already stated: ks_experience_stars(bolt, 4.2)" in out
    assert err.strip() == "Error: not a session fact: ks_experience_stars(bolt, 3.8) (see :facts)"


def test_whatif_applies_facts_to_a_copy_and_needed_plans(repl):
    out, err = repl(f":load {BOLT}\r:whatif ks_experience_stars(bolt, 4.5). ; ks_c3_experience_stars_ok(bolt)\r"
                    ":full\r:facts bolt\r:needed ks_c3_experience_stars_ok(bolt)\r"
                    ":whatif ks_experience_stars(bolt, 4.5).\r")
    assert err.strip() == "Error: usage: :whatif FACT. [FACT.] ; QUESTION (the question comes after a ';')"
    assert ("What if (without the change: NO)\n"
            "└── ks_experience_stars(bolt, 3.8)  →  ks_experience_stars(bolt, 4.5)") in out
    assert "✓ ks_experience_stars(bolt, 4.5)  [fact <what-if>:1:1]" in out
    assert re.search(r"\nks_experience_stars\(bolt, 3\.8\)\. +facts/", out)  # the session facts are untouched
    assert "What would change it (the smallest set of changes found)" in out
    assert "raise shopping-experience star rating (ks_experience_stars) from 3.8 to ≥ 4" in out


def test_save_writes_a_facts_file_that_loads_back(repl, base, tmp_path):
    saved = tmp_path / "session.dl"
    (tmp_path / "taken.dl").write_text("% someone else's file\n", "utf-8")
    out, err = repl(f":load {BOLT}\r:assert ks_experience_stars(acme, 4.5). ks_store_type(acme, enterprise).\r"
                    f":save {saved}\r:save {saved}\r:save {tmp_path / 'taken.dl'}\r")
    assert out.count(f"saved 24 fact(s) to {saved}") == 2  # saving again to its own file is fine
    assert err.strip() == (f"Error: {tmp_path / 'taken.dl'} exists (use :save --force {tmp_path / 'taken.dl'} "
                           "to overwrite it)")
    text = saved.read_text("utf-8")
    assert f"% from {BOLT}" in text and "% typed at the prompt\nks_experience_stars(acme, 4.5)." in text
    back = base.facts_from_path(str(saved))
    assert len(back) == 24 and str(back[-1].head) == "ks_store_type(acme, enterprise)"


def test_json_output_is_one_answer_object(repl):
    out, _ = repl(f":load {BOLT}\r:json\rks_c3_experience_stars_ok(bolt)\r:json\r")
    start, end = out.index("{"), out.rindex("}") + 1
    data = answer_from(out[start:end])
    assert data["schema"] == "guize.answer/1" and data["answer"] == "no"
    assert "JSON output on" in out and "JSON output off" in out


def test_help_is_generated_from_the_registry(repl):
    out, _ = repl(":help\r:help whatif\r:h :why-not\r")
    for c in commands.ORDER:
        assert f"{c.name} {c.args}".rstrip() in out and c.help in out
    assert ":whatif FACT. [FACT.] ; QUESTION   Answer as if these facts" in out
    assert "also: :what-if" in out and ":whynot GOAL|QUESTION" in out
    assert ":h " not in out.split("Anything else")[0]  # aliases are not listed as commands


def test_vocab_and_rules(repl):
    out, err = repl(":vocab 星级\r:vocab\r:rules\r:rules 004\r:rules D009\r")
    assert "ks_experience_stars/2" in out and "购物体验星级" in out
    assert "ks_store" in out and "Kuaishou store" in out
    assert "D004  004_ab237df4ce40d813.txt  facts/kuaishou/distribution.dl" in out
    assert "ks.c3.experience_stars" in out and "clause(s) cite D004" in out
    assert err.startswith("Error: no clauses cite document D009")


def test_ctrl_c_clears_the_line_and_ctrl_d_leaves(repl):
    out, err = repl("nosuch(\x03:lang zh\r\x04:lang en\r")
    assert err == "" and "language: zh" in out and "language: en" not in out


@pytest.mark.parametrize("word", [":q", ":quit", "exit", "quit", "退出"])
def test_quit_words_end_the_session(repl, word):
    out, err = repl(f"{word}\r:lang zh\r")
    assert (out, err) == ("", "")


def test_history_lives_in_the_xdg_state_dir_and_survives(repl, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    history, warning = app.open_history()
    assert warning is None and app.history_path() == tmp_path / "state" / "guize" / "history"
    repl(":lang zh\rks_c3_experience_stars_ok(bolt)\r", history=history)
    again = list(FileHistory(str(app.history_path())).load_history_strings())
    assert again[:2] == ["ks_c3_experience_stars_ok(bolt)", ":lang zh"]


def test_state_dir_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert app.state_dir() == tmp_path / ".local" / "state" / "guize"
    monkeypatch.setenv("XDG_STATE_HOME", "relative/dir")  # the XDG spec: ignore relative paths
    assert app.state_dir() == tmp_path / ".local" / "state" / "guize"
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro" / "guize").write_text("a file where the directory should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "ro"))
    history, warning = app.open_history()
    assert warning and "history not saved" in warning


def test_the_prompt_does_not_wait_for_the_rules(pipe):
    """The knowledge base loads on the worker thread; commands complete before it is ready."""
    session = app.new_session(threaded=True, as_of=AS_OF)
    try:
        assert [e.text for e in session.catalog().commands][:2] == [":help", ":facts"]
        pipe.send_text(f":load {BOLT}\rks_c3_experience_stars_ok(bolt)\r")
        pipe.close()
        out, err = io.StringIO(), io.StringIO()
        app.run_repl(session, app.make_prompt_session(session), make_console(out), make_console(err), banner=False)
        assert "Answer: NO" in out.getvalue(), err.getvalue()
        assert session.ready() and any(e.kind == "phrase" for e in session.catalog().phrases)
    finally:
        session.close()


def test_lexer_colours_goals_phrases_and_unknown_names(base):
    session = app.new_session(base, threaded=False)
    session.load(BOLT if Path(BOLT).exists() else str(ROOT / BOLT))
    lex = app.KbLexer(session).lex_document(Document("can store bolt join kuaishou distribution?\nnosuch(X, 4.5)"))
    first, second = lex(0), lex(1)
    assert ("class:kb.keyword", "can") in first and ("class:kb.subject", "bolt") in first
    assert ("class:kb.phrase", "join kuaishou distribution") in first
    assert ("class:kb.unknown", "nosuch") in second and ("class:kb.variable", "X") in second
    assert ("class:kb.number", "4.5") in second


def test_completer_shows_a_doc_for_each_entry(base):
    from prompt_toolkit.completion import CompleteEvent

    session = app.new_session(base, threaded=False)
    found = list(app.KbCompleter(session).get_completions(Document("can store x join kuai"), CompleteEvent()))
    assert [c.text for c in found] == ["join kuaishou distribution"]
    assert found[0].start_position == -len("join kuai")
    assert "ks_distribution_eligible" in found[0].display_meta_text
    paths = list(app.KbCompleter(session).get_completions(Document(":load facts/examples/ks_bo"), CompleteEvent()))
    assert [c.text for c in paths] == ["lt_failing.dl"]
