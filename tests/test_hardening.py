"""Regression tests of issue 11: no input runs code, crashes, hangs or loses a file."""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest

from kb import cache
from kb.loader import _cache_key, _seeds_path, default_rule_files, load_program
from tests.schema import answer_from

ROOT = Path(__file__).resolve().parent.parent
SRC = ('type s.\ninput v(x: s, a: number).\n%% @source 004_ab237df4ce40d813.txt "3、購物體會(huì)星級(jí)≥4"\n'
       "ok(X) :- v(X, A), A >= 4.\n")


class _Planted:
    """A pickle that, when loaded, creates a file: the proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _private_dir(tmp_path: Path) -> Path:
    d = tmp_path / "cache"
    d.mkdir(mode=0o700)
    os.chmod(d, 0o700)
    return d


# ---------------------------------------------------------------------------------------- 1. cache
def test_a_pickle_planted_in_the_program_cache_is_never_run(tmp_path, monkeypatch):
    folder = _private_dir(tmp_path)
    monkeypatch.setenv("GUIZE_CACHE_DIR", str(folder))
    marker = tmp_path / "code-ran"
    files = [("t.dl", SRC)]
    key = _cache_key(files, _seeds_path(None))
    Path(key).write_bytes(pickle.dumps(_Planted(marker)))
    program = load_program(files)
    assert not marker.exists()
    assert [c.head.pred for c in program.clauses] == ["ok"]


def test_cache_files_are_data_not_pickles(tmp_path, monkeypatch):
    from grammar.rules import _annotation_parser, _rules_parser

    folder = _private_dir(tmp_path)
    monkeypatch.setenv("GUIZE_CACHE_DIR", str(folder))
    load_program([("t.dl", SRC)])
    _rules_parser.__wrapped__()  # type: ignore[attr-defined]
    _annotation_parser.__wrapped__()  # type: ignore[attr-defined]
    written = sorted(folder.iterdir())
    assert len(written) >= 3
    for f in written:
        json.loads(f.read_text("utf-8"))  # a pickle is not JSON
        assert stat.S_IMODE(f.stat().st_mode) & 0o077 == 0


def test_the_cached_program_reads_back_equal(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIZE_CACHE_DIR", str(_private_dir(tmp_path)))
    files = default_rule_files()
    first = load_program(files)
    again = load_program(files)
    assert again.clauses == first.clauses and again.inputs == first.inputs and again.strata == first.strata
    assert again.preds.keys() == first.preds.keys() and again.scc == first.scc


def test_a_new_cache_directory_is_private(tmp_path, monkeypatch):
    folder = tmp_path / "new" / "guize"
    monkeypatch.setenv("GUIZE_CACHE_DIR", str(folder))
    load_program([("t.dl", SRC)])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert list(folder.glob("program-*"))


@pytest.mark.parametrize("kind", ["world-writable", "symlink"])
def test_a_cache_directory_others_can_write_is_refused(tmp_path, monkeypatch, kind):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    folder = shared
    if kind == "symlink":
        os.chmod(shared, 0o700)
        folder = tmp_path / "link"
        folder.symlink_to(shared)
    monkeypatch.setenv("GUIZE_CACHE_DIR", str(folder))
    load_program([("t.dl", SRC)])
    assert list(shared.iterdir()) == []
    problem = cache.cache_problem() or ""
    assert ("chmod 700" in problem) if kind == "world-writable" else ("symbolic link" in problem)


def test_a_cache_file_with_an_unknown_class_is_not_built():
    text = json.dumps({"format": cache.FORMAT, "value": {"$": "o", "c": "Popen", "n": 0, "v": {"args": "id"}}})
    with pytest.raises(ValueError):
        cache.decode(text, {})


# ---------------------------------------------------------------------------------------- 2, 3. file inputs
def _kb(*args: str, cwd: Path, env: dict | None = None, timeout: float = 60):
    import subprocess
    import sys

    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "repl", *args], capture_output=True, text=True, cwd=cwd,
                          env=full, timeout=timeout)


def test_a_facts_file_that_is_not_utf8_is_a_located_error_and_the_batch_goes_on(tmp_path):
    (tmp_path / "bad.dl").write_bytes(b"ks_experience_stars(bolt, 3.8).\n\xff\n")
    r = _kb("ask", "--facts", "bad.dl", "ks_c3_experience_stars_ok(bolt)", cwd=tmp_path)
    assert r.returncode == 1 and "internal error" not in r.stderr
    assert "bad.dl:2:1: not UTF-8 text: the bytes \\xff" in r.stderr
    (tmp_path / "b.q").write_text("@facts bad.dl\nks_c3_experience_stars_ok(bolt)\n", "utf-8")
    r = _kb("batch", "b.q", "--format", "tree", cwd=tmp_path)
    assert r.returncode == 1 and "b.q:1: Error: bad.dl:2:1: not UTF-8" in r.stderr
    assert "1 answered, 1 failed" in r.stderr


def test_the_api_raises_its_own_error_for_a_file_that_is_not_utf8(base, tmp_path):
    from grammar.errors import LoadErrors

    (tmp_path / "bad.dl").write_bytes(b"ks_experience_stars(bolt, 3.8).\n% \xe6\x98\x9f\xff\n")  # % 星, then 0xff
    with pytest.raises(LoadErrors) as e:
        base.facts_from_path(str(tmp_path / "bad.dl"))
    assert "bad.dl:2:4: not UTF-8 text" in e.value.render()


@pytest.mark.parametrize("kind", ["character device", "named pipe", "directory"])
def test_devices_fifos_and_directories_are_refused_without_reading(tmp_path, kind):
    import subprocess
    import sys

    path = {"character device": "/dev/zero", "named pipe": str(tmp_path / "fifo"), "directory": str(tmp_path)}[kind]
    if kind == "named pipe":
        os.mkfifo(path)
    # before: /dev/zero ate all memory (capped here at 2 GB), the FIFO blocked for ever (the timeout)
    code = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
            "from kb.api import KnowledgeBase\nfrom grammar.errors import KbError\n"
            f"try:\n    KnowledgeBase.default().facts_from_path({path!r})\n"
            "except KbError as e:\n    print(e.render())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert f"is a {kind}, not a regular file" in r.stdout, r.stdout + r.stderr[-300:]


def test_a_file_over_the_size_limit_is_refused_and_the_flag_raises_it(tmp_path):
    (tmp_path / "big.dl").write_text("ks_experience_stars(bolt, 3.8).\n" * 40_000, "utf-8")  # 1.3 MB
    r = _kb("check", "--max-file-size", "1", "big.dl", cwd=tmp_path)
    assert r.returncode == 1 and "larger than the limit of 1 MB" in r.stderr and "--max-file-size" in r.stderr
    r = _kb("check", "--max-file-size", "2", "big.dl", cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr


def test_a_file_that_is_not_facts_is_not_echoed(base, tmp_path):
    from grammar.errors import LoadErrors

    secret = tmp_path / "shadow"
    secret.write_text("hunter2 root:$6$saltsalt$hashhash:19000:0:99999:7:::\n", "utf-8")
    with pytest.raises(LoadErrors) as e:
        base.facts_from_path(str(secret))
    [err] = e.value.errors
    assert str(err.pos).endswith("shadow:1:9")
    said = err.message + (err.hint or "")
    assert "hunter2" not in said and "root" not in said and "salt" not in said


# ---------------------------------------------------------------------------------------- 5. terminal escapes
ESCAPES = "\x1b]0;PWNED\x07\x1b[31mX\x1b]52;c;ZXZpbA==\x07"


@pytest.mark.parametrize("fmt", ["tree", "pretty", "json", "md"])
def test_control_characters_from_facts_never_reach_the_terminal(tmp_path, fmt):
    (tmp_path / "e.dl").write_text(f'ks_experience_stars("{ESCAPES}", 3.8).\n', "utf-8")
    r = _kb("ask", "--facts", "e.dl", "--format", fmt, "--full", "?- ks_c3_experience_stars_ok(S).", cwd=tmp_path)
    assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr
    assert "\\u001b" in r.stdout or "\\u001b" in r.stderr
    if fmt == "json":
        answer_from(r.stdout)


def test_control_characters_in_error_messages_are_escaped(base):
    from grammar.errors import KbError

    with pytest.raises(KbError) as e:
        base.facts_from_text(f'ks_experience_stars(bolt, "{ESCAPES}").')
    assert "\x1b" not in e.value.render() and "\\u001b" in e.value.render()


def test_the_repl_escapes_control_characters_in_listings(base):
    import io

    from repl.app import one_iteration
    from repl.output import make_console
    from repl.session import Session

    session = Session(base)
    session.assert_facts(f'ks_experience_stars("{ESCAPES}", 3.8).')
    out, err = io.StringIO(), io.StringIO()
    one_iteration(session, ":facts", make_console(out, terminal=False), make_console(err, terminal=False))
    assert "\x1b" not in out.getvalue() and "\\u001b" in out.getvalue()


# ---------------------------------------------------------------------------------------- 6, 7. environment, surrogates
RECURSIVE = ('type s.\ninput e(x: s, y: s).\n%% @source 004_ab237df4ce40d813.txt "3、購物體會(huì)星級(jí)≥4"\n'
             "r(X, Y) :- e(X, Y).\n%% @source 004_ab237df4ce40d813.txt \"3、購物體會(huì)星級(jí)≥4\"\n"
             "r(X, Z) :- e(X, Y), r(Y, Z).\n")


@pytest.mark.parametrize("value", ["", "abc", "nan", "inf", "1e12", "0", "-1"])
def test_guize_timeout_is_parsed_safely(value):
    import subprocess
    import sys

    code = ("import kb\nfrom kb.api import KnowledgeBase\nfrom grammar.errors import KbError\n"
            f"b = KnowledgeBase.from_files([('t.dl', {RECURSIVE!r})])\n"
            "f = b.facts_from_text('e(a, b). e(b, c).')\n"
            "try:\n    print(b.ask('r(a, c)', facts=f).answer)\n"
            "except KbError as e:\n    print('KbError', e.render())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "GUIZE_TIMEOUT": value})
    assert r.returncode == 0, r.stderr
    if value == "":
        assert r.stdout.strip() == "yes"
    else:
        assert r.stdout.startswith("KbError GUIZE_TIMEOUT must be a number of seconds")


@pytest.mark.parametrize("text", ["can store \ud800 join kuaishou distribution?", "\udfff",
                                  "ks_c3_experience_stars_ok(\ud83d)"])
def test_a_lone_surrogate_in_a_question_is_a_query_error(base, text):
    from grammar.errors import KbError, QueryError

    with pytest.raises(QueryError):
        base.ask(text)
    with pytest.raises(KbError):
        base.facts_from_text(f'ks_experience_stars("{text}", 3.8).')


# ---------------------------------------------------------------------------------------- 9. output and :save
def test_output_to_a_full_disk_is_an_error_not_a_crash(tmp_path):
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        facts = str(ROOT / "facts/examples/ks_bolt_failing.dl")
        r = subprocess.run([sys.executable, "-m", "repl", "ask", "--facts", facts,
                            "can store bolt join kuaishou distribution?"], stdout=full, stderr=subprocess.PIPE,
                           text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 1 and "internal error" not in r.stderr and "No space left" in r.stderr


def test_save_force_to_a_full_disk_keeps_the_old_file(tmp_path):
    import subprocess
    import sys

    old = tmp_path / "store.dl"
    old.write_text("ks_experience_stars(bolt, 3.8).\n", "utf-8")
    code = ("import resource, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "from kb.api import KnowledgeBase\nfrom repl.session import Session\nfrom grammar.errors import KbError\n"
            "s = Session(KnowledgeBase.default())\ns.assert_facts('ks_experience_stars(bolt, 4.5).')\n"
            "resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))\n"
            f"try:\n    s.save({str(old)!r}, force=True)\n    print('saved')\n"
            "except KbError as e:\n    print('KbError', e.render())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.stdout.startswith("KbError"), r.stdout + r.stderr
    assert old.read_text("utf-8") == "ks_experience_stars(bolt, 3.8).\n"
    assert [p.name for p in tmp_path.iterdir()] == ["store.dl"]  # no temporary file left behind


def test_save_refuses_a_dangling_symlink_and_writes_atomically(base, tmp_path):
    from grammar.errors import KbError
    from repl.session import Session

    session = Session(base)
    session.assert_facts("ks_experience_stars(bolt, 4.5).")
    link = tmp_path / "link.dl"
    link.symlink_to(tmp_path / "target.dl")
    with pytest.raises(KbError, match="symbolic link"):
        session.save(str(link), force=True)
    assert not (tmp_path / "target.dl").exists()
    session.save(str(tmp_path / "ok.dl"))
    assert base.facts_from_path(str(tmp_path / "ok.dl"))[0].head == session.facts[0].head


@pytest.mark.parametrize("command", [":load a\0b.dl", ":save a\0b.dl"])
def test_a_nul_byte_in_a_path_is_an_error_of_the_input(base, command):
    import io

    from repl.app import one_iteration
    from repl.output import make_console
    from repl.session import Session

    session = Session(base)
    session.assert_facts("ks_experience_stars(bolt, 4.5).")
    out, err = io.StringIO(), io.StringIO()
    one_iteration(session, command, make_console(out, terminal=False), make_console(err, terminal=False))
    assert "NUL" in err.getvalue() and "internal error" not in err.getvalue()


def test_strings_with_newlines_and_tabs_save_and_read_back(base, tmp_path):
    from repl.session import Session

    session = Session(base)
    session.assert_facts('ks_experience_stars("a\\nb\\tc", 4.5).')
    session.save(str(tmp_path / "s.dl"))
    assert base.facts_from_path(str(tmp_path / "s.dl"))[0].head == session.facts[0].head


def test_a_surrogate_in_a_path_is_an_error_of_the_input(base):
    from grammar.errors import KbError

    with pytest.raises(KbError, match="surrogate"):
        base.facts_from_path("facts\ud86d.dl")


# ---------------------------------------------------------------------------------------- 10. large facts files
def test_the_ground_facts_fast_path_reads_what_the_grammar_reads():
    from grammar.rules import parse_ground_facts, parse_recovering

    texts = [p.read_text("utf-8") for p in sorted((ROOT / "facts" / "examples").glob("*.dl"))]
    texts += ['p("a,b", 1).\n  q( "x" , -2.5 ).  % note\n\n% c\nr(2026-03-10, 2026-03-10T11:05, "a\\"b").\n']
    fast_ones = 0
    for text in texts:
        fast = parse_ground_facts(text, "f.dl")
        module, errors = parse_recovering(text, "f.dl")
        if fast is not None:
            fast_ones += 1
            assert not errors and [(c.head, c.pos) for c in fast] == [(c.head, c.pos) for c in module.statements]
    assert fast_ones >= len(texts) - 3


@pytest.mark.parametrize("text", ["p(a,).", "p(a b).", "p(2026-02-30).", "p(1e5).", "p(X).", "p(not).", "p(- 3).",
                                  "p(a). q(b).", "%% @id x\np(a).", "p(a) :- q(a).", "input p(x: s)."])
def test_anything_but_plain_ground_facts_goes_to_the_grammar(text):
    from grammar.rules import parse_ground_facts

    assert parse_ground_facts(text, "f.dl") is None


def test_fast_path_facts_are_checked_like_any_other(base):
    from grammar.errors import LoadErrors

    text = "ks_experience_stars(a, 4.5).\nks_experience_stars(b, 99).\nks_no_such_input(c, 1).\n"
    with pytest.raises(LoadErrors) as e:
        base.facts_from_text(text, "f.dl")
    said = e.value.render()
    assert "f.dl:2:1" in said and "f.dl:3:1: unknown input ks_no_such_input/2" in said
