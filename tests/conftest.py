"""Shared fixtures. Every answer produced through ``ask`` is run through the independent
proof checker, so every proof the suite sees is checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.checker import check_answer
from kb.render import answer_json
from tests.schema import assert_valid_answer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="session")
def base() -> KnowledgeBase:
    return KnowledgeBase.default()


def checked(base: KnowledgeBase, question, facts_text: str = "", as_of: dt.date = AS_OF,
            facts_file: str | None = None, lang: str | None = None):
    """Ask, render the published JSON, and insist the independent checker accepts it."""
    facts = base.facts_from_text(facts_text, "<test>") if facts_text else []
    if facts_file:
        facts += base.facts_from_path(str(ROOT / facts_file))
    ans = base.ask(question, facts=facts, as_of=as_of, lang=lang)
    data = answer_json(ans, base.program)
    problems = check_answer(data, base.program, [f.head for f in facts], as_of)
    assert problems == [], "\n".join(problems)
    return ans, data


@pytest.fixture
def ask(base):
    def run(question, facts_text: str = "", as_of: dt.date = AS_OF, **kw):
        return checked(base, question, facts_text, as_of, **kw)

    return run


# ---------------------------------------------------------------------------------------- scenarios
# tests/scenarios/*.yaml: sentence-named cases read from the source text. Each item:
#   name: <a sentence>          as_of: 2026-11-23        facts: |  <facts in the rule language>
#   ask: <goal or question>     expect: yes|no|unknown|list
#   cites: [D004-R12]  (inventory ids the proof or why-not must rest on)
#   missing: [...], bindings: [{S: acme}], lang: en|zh   (optional)

def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "scenarios":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        import yaml

        for i, case in enumerate(yaml.safe_load(self.path.read_text("utf-8")) or []):
            yield ScenarioItem.from_parent(self, name=case.get("name", f"case {i + 1}"), case=case)


class ScenarioItem(pytest.Item):
    def __init__(self, *, case, **kw):
        super().__init__(**kw)
        self.case = case

    def runtest(self):
        from tests.scenario_runner import run_case

        self.outcome = run_case(KnowledgeBase.default(), self.case)
        assert self.outcome.ok, "\n".join(self.outcome.problems)

    def repr_failure(self, excinfo):
        data = getattr(getattr(self, "outcome", None), "data", None) or {}
        return f"{self.name}\n{excinfo.value}\n\n{data.get('text', '')}"

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"


# ---------------------------------------------------------------------------------------- the answer schema
def pytest_configure(config):
    """Every answer the suite encodes in-process (API, CLI in-process, batch, REPL, scenarios) is
    validated against docs/answer.schema.json as it is written."""
    import kb.codec
    import kb.render

    original = kb.codec.answer_json

    def validated(*args, **kw):
        return assert_valid_answer(original(*args, **kw))

    kb.codec.answer_json = validated
    kb.render._answer_json = validated


# ---------------------------------------------------------------------------------------- golden files
def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the expected outputs of tests/golden/*.q from the current output")
