"""Shared fixtures. Every answer produced through ``ask`` is run through the independent
proof checker, so every proof the suite sees is checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kb import KnowledgeBase
from kb.checker import check_answer
from kb.render import answer_json

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
