"""Bad input gets a clear error at file:line:column, with a fix, and loading reports all of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grammar.errors import LoadErrors
from kb.loader import load_facts, load_program

BAD = Path(__file__).parent / "bad"


def expected_words(path: Path) -> list[str]:
    first = path.read_text("utf-8").splitlines()[0]
    assert first.startswith("% expect: "), path
    return [w.strip() for w in first.removeprefix("% expect: ").split(" | ")]


@pytest.mark.parametrize("path", sorted(BAD.glob("neg_*.dl")), ids=lambda p: p.stem)
def test_bad_rule_file_is_reported_with_position_and_fix(path: Path):
    with pytest.raises(LoadErrors) as e:
        load_program([(path.name, path.read_text("utf-8"))])
    message = str(e.value)
    for word in expected_words(path):
        assert word in message, f"{word!r} not in:\n{message}"
    for err in e.value.errors:
        assert err.pos is not None and err.pos.line >= 1, err.render()


def test_injected_code_in_a_rule_file_never_runs(tmp_path):
    marker = Path("/tmp/guize_pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(LoadErrors):
        load_program([("x.dl", (BAD / "neg_code_injection.dl").read_text("utf-8"))])
    assert not marker.exists()


@pytest.fixture(scope="module")
def program():
    return load_program()


@pytest.mark.parametrize("text, words", [
    ("ks_experience_stars(acme, four).", ["<f>:1:1:", "expects a number", "e.g. ks_experience_stars(acme, 2.5)."]),
    ("ks_experience_stars(acme, 7).", ["between 0 and 5 stars, got 7"]),
    ("ks_store_type(acme, enterprize).", ["must be one of enterprise", "did you mean enterprise?"]),
    ("ks_experiance_stars(acme, 4).", ["unknown input ks_experiance_stars/2", "did you mean ks_experience_stars?"]),
    ("ks_distribution_eligible(acme).", ["derived by the rules, not stated"]),
    ("ks_experience_stars(acme).", ["arity mismatch", "takes 2 argument(s), got 1"]),
    ("ks_onboarded(acme, yes).", ["expects true or false"]),
    ("ks_violation_date(v1, 2026-13-01).", ["not a calendar date"]),
    ("ok(S) :- ks_onboarded(S, true).", ["facts file states facts only, not rules"]),
    ("ks_onboarded(acme, true)\nks_experience_stars(acme, 4).", ["<f>:2:1:", "expected"]),
])
def test_bad_facts_file(program, text, words):
    with pytest.raises(LoadErrors) as e:
        load_facts(text, "<f>", program)
    for w in words:
        assert w in str(e.value), f"{w!r} not in {e.value}"


def test_facts_file_reports_every_bad_line(program):
    text = "ks_experience_stars(acme, four).\nks_store_type(acme, enterprize).\nks_onboarded(acme, true).\n"
    with pytest.raises(LoadErrors) as e:
        load_facts(text, "<f>", program)
    assert [err.pos.line for err in e.value.errors] == [1, 2]


def test_facts_keep_their_positions(program):
    facts = load_facts("\n\n  ks_experience_stars(acme, 4.5).", "store.dl", program)
    assert str(facts[0].pos) == "store.dl:3:3"


def test_shipped_rules_load_clean(program):
    assert program.quotes_checked
    ids = [c.notes.id for c in program.clauses if not c.is_fact]
    assert all(ids) and len(ids) == len(set(ids))
    assert all(c.notes.sources for c in program.clauses)


def test_every_reading_is_attached_to_a_clause(program):
    readings = [r for c in program.clauses for r in c.notes.readings]
    assert any(re.search("近1年|one year|past year", r) for r in readings)


def test_the_loaded_program_is_cached_and_the_cache_follows_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv("GUIZE_CACHE_DIR", str(tmp_path))
    src = ('type s.\ninput v(x: s, a: number).\n%% @source 004_ab237df4ce40d813.txt "3、購物體會(huì)星級(jí)≥4"\n'
           "ok(X) :- v(X, A), A >= 4.\n")
    first = load_program([("t.dl", src)])
    assert len(list(tmp_path.glob("program-*.json"))) == 1
    again = load_program([("t.dl", src)])
    assert [c.id for c in again.clauses] == [c.id for c in first.clauses]
    changed = load_program([("t.dl", src.replace("A >= 4", "A >= 5"))])
    assert "A >= 5" in str(changed.clauses[0])
    assert len(list(tmp_path.glob("program-*.json"))) == 2
    with pytest.raises(LoadErrors):  # a broken file is never served from a cache
        load_program([("t.dl", src.replace("v(X, A)", "w(X, A)"))])


# ---- facts that cannot both be true (issue 10): single-valued inputs

def test_inputs_declare_how_many_values_a_subject_may_have(program):
    assert program.inputs["ks_experience_stars"].single  # a plain input: one value
    assert not program.inputs["ks_subcategory"].single  # @many: a store may sell several
    assert not program.inputs["ks_linked_account"].single  # an optional input is a list
    assert program.inputs["ks_application_date"].single  # @single on an optional input


def test_two_values_of_a_single_valued_input_are_a_load_error_naming_both_lines(program):
    text = "ks_experience_stars(s, 3.8).\nks_store_type(s, enterprise).\nks_experience_stars(s, 4.9).\n"
    with pytest.raises(LoadErrors) as e:
        load_facts(text, "two.dl", program)
    msg = e.value.errors[0].render()
    assert "two.dl:3:1" in msg and "two.dl:1:1" in msg and "3.8" in msg and "4.9" in msg


def test_the_same_value_twice_and_several_values_of_a_list_input_are_fine(program):
    text = ("ks_experience_stars(s, 4).\nks_experience_stars(s, 4.0).\n"
            "ks_subcategory(s, jade).\nks_subcategory(s, gemstone).\n")
    assert len(load_facts(text, "ok.dl", program)) == 4


def test_two_values_of_one_subject_in_two_files_are_an_error_too(tmp_path):
    from tests.test_cli import kb

    a, b = tmp_path / "a.dl", tmp_path / "b.dl"
    a.write_text("ks_store_type(s, enterprise).\n", "utf-8")
    b.write_text("ks_store_type(s, personal).\n", "utf-8")
    r = kb("ask", "--facts", str(a), "--facts", str(b), "can store s join kuaishou distribution?")
    assert r.returncode == 1
    assert "a.dl:1:1" in r.stderr and "b.dl:1:1" in r.stderr
