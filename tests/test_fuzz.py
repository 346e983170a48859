"""A bounded share of the fuzz corpus (tests/fuzzing.py); benchmarks/fuzz.py runs more."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from tests import fuzzing

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FAST
@given(fuzzing.facts_files())
def test_mutated_facts_files_give_only_our_errors(base, data):
    with tempfile.TemporaryDirectory() as tmp:
        fuzzing.check_facts_file(base, data, Path(tmp))


@settings(FAST, max_examples=25)
@given(fuzzing.questions())
def test_questions_give_only_our_errors_in_bounded_time(base, text):
    fuzzing.check_question(base, text)


@settings(FAST, max_examples=30)
@given(fuzzing.batch_lines())
def test_batch_lines_give_only_our_errors(base, line):
    from repl.session import Session

    with tempfile.TemporaryDirectory() as tmp:
        fuzzing.check_batch(Session(base), [line, "ks_c3_experience_stars_ok(bolt)"], Path(tmp))


@settings(FAST, max_examples=40)
@given(fuzzing.repl_inputs())
def test_repl_commands_give_only_our_errors(base, text):
    from repl.session import Session

    session = Session(base)
    session.assert_facts("ks_experience_stars(bolt, 3.8).")
    with tempfile.TemporaryDirectory() as tmp:
        fuzzing.check_repl(session, text, Path(tmp))


@FAST
@given(fuzzing.ENV_VALUES)
def test_environment_variables_give_only_our_errors(value):
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("GUIZE_TIMEOUT", "GUIZE_CACHE_DIR"):
            fuzzing.check_env(name, value, Path(tmp))
