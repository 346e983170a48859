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
        case = self.case
        base = KnowledgeBase.default()
        as_of = case.get("as_of", AS_OF)
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        ans, data = checked(base, str(case["ask"]), case.get("facts", "") or "", as_of, lang=case.get("lang"))
        self.data = data
        assert data["answer"] == case["expect"], f"expected {case['expect']}, got {data['answer']}"
        if "missing" in case:
            assert set(data["missing"]) == set(case["missing"]), data["missing"]
        if "bindings" in case:
            got = [{k: str(v) for k, v in b.items()} for b in data["bindings"]]
            assert got == [{k: str(v) for k, v in b.items()} for b in case["bindings"]], got
        cited = rules_cited(base.program, data)
        missing = set(case.get("cites", [])) - cited
        assert not missing, f"the answer does not rest on {sorted(missing)} (it cites {sorted(cited)})"
        CLAUSE_USE.record(data)

    def repr_failure(self, excinfo):
        text = getattr(self, "data", {}).get("text", "")
        return f"{self.name}\n{excinfo.value}\n\n{text}"

    def reportinfo(self):
        return self.path, 0, f"scenario: {self.name}"


def clauses_in(data: dict) -> tuple[set[str], set[str]]:
    """Clause ids a published answer proves with, and the ids it shows blocked."""
    proven: set[str] = set()
    blocked: set[str] = set()

    def node(n):
        if n.get("kind") == "derived":
            proven.add(n["clause"])
        for p in n.get("premises", []):
            node(p)

    def alt(a):
        if a.get("failures"):
            blocked.add(a["clause"])
        for f in a.get("failures", []):
            if f.get("proof"):
                node(f["proof"])
            for b in f.get("because", []):
                alt(b)

    for p in [data.get("proof")] + data.get("proofs", []):
        if p:
            node(p)
    for a in data.get("why_not", []):
        alt(a)
    for u in data.get("unknown_because", []):
        for a in u["why_not"]:
            alt(a)
    return proven, blocked


def rules_cited(program, data: dict) -> set[str]:
    proven, blocked = clauses_in(data)
    out: set[str] = set()
    for cid in proven | blocked:
        c = program.clause(cid)
        if c is not None:
            out |= set(c.notes.rules)
    return out


class _ClauseUse:
    """Which clauses the scenarios prove and block (written for `kb coverage` on request)."""

    def __init__(self) -> None:
        self.proven: set[str] = set()
        self.blocked: set[str] = set()

    def record(self, data: dict) -> None:
        p, b = clauses_in(data)
        self.proven |= p
        self.blocked |= b


CLAUSE_USE = _ClauseUse()


def pytest_sessionfinish(session):
    import json
    import os

    out = os.environ.get("GUIZE_CLAUSE_USE")
    if out and (CLAUSE_USE.proven or CLAUSE_USE.blocked):
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"proven": sorted(CLAUSE_USE.proven), "blocked": sorted(CLAUSE_USE.blocked)}, f, indent=1)
