"""Regression tests of issue 11: no input runs code, crashes, hangs or loses a file."""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest

from grammar import cache
from kb.loader import _cache_key, _seeds_path, default_rule_files, load_program

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
