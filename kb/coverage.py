"""`kb coverage`: which inventory statements are encoded, and which clauses the scenario files
(tests/scenarios/*.yaml) both prove and block.

A scenario is data: a sentence-named case with an as-of date, facts, a goal or question and the
expected answer. Here each is only asked and its answer compared; the test suite's runner
(tests/scenario_runner.py) checks much more of every one (the proof, the inputs named missing,
the statements cited).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grammar.errors import KbError
from kb.api import KnowledgeBase
from kb.codec import answer_json
from kb.loader import seeds_dir

DEFAULT_AS_OF = _dt.date(2026, 11, 23)


@dataclass
class Outcome:
    case: dict[str, Any]
    data: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_cases(path: Path) -> list[dict[str, Any]]:
    import yaml  # a test/coverage dependency only: the engine never needs it

    from grammar.files import read_text

    return list(yaml.safe_load(read_text(str(path), "scenario file")) or [])


def answer_case(base: KnowledgeBase, case: dict[str, Any]) -> tuple[Outcome, Any]:
    """Ask a scenario's question: its outcome (the published answer, and a problem if the answer
    is not the expected one) and the Answer itself (None after an error)."""
    out = Outcome(case)
    as_of = case_date(case)
    try:
        facts = base.facts_from_text(case.get("facts", "") or "", f"<scenario {case.get('name', '')}>")
        ans = base.ask(str(case["ask"]), facts=facts, as_of=as_of, lang=case.get("lang"))
    except KbError as e:
        if case.get("expect") != "error":
            out.problems.append(f"error: {e}")
        return out, None
    out.data = answer_json(ans, base.program)
    if out.data["answer"] != case["expect"]:
        out.problems.append(f"expected {case['expect']}, got {out.data['answer']}")
    return out, ans


def case_date(case: dict[str, Any]) -> _dt.date:
    as_of = case.get("as_of", DEFAULT_AS_OF)
    return _dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of


def clauses_in(data: dict[str, Any], with_facts: bool = False) -> tuple[set[str], set[str]]:
    """Clause ids a published answer proves with (rule-file facts too, if asked), and the ids it
    shows blocked."""
    proven: set[str] = set()
    blocked: set[str] = set()

    def node(n: dict[str, Any]) -> None:
        if n.get("kind") == "derived" or (n.get("kind") == "fact" and n.get("clause") and with_facts):
            proven.add(n["clause"])
        for p in n.get("premises", []):
            node(p)
        for a in n.get("because", []):
            alt(a)

    def alt(a: dict[str, Any]) -> None:
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


# ---------------------------------------------------------------------------------------- coverage

def inventory_ids(path: Path | None = None) -> list[str] | None:
    """Statement ids of ../shared/rule-inventory.md (None when it is not beside the checkout)."""
    if path is None:
        seeds = seeds_dir()
        path = seeds.parent / "rule-inventory.md" if seeds else None
    if path is None or not path.is_file():
        return None
    return re.findall(r"^### (D\d{3}-R\d+)\b", path.read_text("utf-8"), re.M)


@dataclass
class Coverage:
    per_doc: dict[str, dict[str, list[str]]]  # doc -> {"encoded": [...], "marked": [...], "missing": [...]}
    clauses: dict[str, tuple[bool, bool, str]]  # clause id -> (proven, blocked, position)
    scenarios: int
    failed: list[Outcome]


def coverage(base: KnowledgeBase, scenario_files: Iterable[Path], inventory: list[str] | None) -> Coverage:
    program = base.program
    encoded = {r for c in program.clauses for r in c.notes.rules}
    marked = {n.rule for n in program.not_encoded}
    ids = inventory if inventory is not None else sorted(encoded | marked)
    per_doc: dict[str, dict[str, list[str]]] = {}
    for rid in ids:
        doc = rid.split("-")[0]
        row = per_doc.setdefault(doc, {"encoded": [], "marked": [], "missing": []})
        row["encoded" if rid in encoded else "marked" if rid in marked else "missing"].append(rid)
    proven: set[str] = set()
    blocked: set[str] = set()
    failed: list[Outcome] = []
    count = 0
    for f in scenario_files:
        for case in load_cases(f):
            count += 1
            out, _ = answer_case(base, case)
            if not out.ok:
                failed.append(out)
            if out.data:
                p, b = clauses_in(out.data)
                proven |= p
                blocked |= b
    clauses = {c.id: (c.id in proven, c.id in blocked, str(c.pos)) for c in program.clauses if not c.is_fact}
    return Coverage(per_doc, clauses, count, failed)


def coverage_lines(cov: Coverage) -> list[str]:
    out = ["| document | statements | encoded | marked @not_encoded | missing |", "|---|---|---|---|---|"]
    for doc, row in sorted(cov.per_doc.items()):
        total = sum(len(v) for v in row.values())
        out.append(f"| {doc} | {total} | {len(row['encoded'])} | {len(row['marked'])} | {len(row['missing'])} |")
    missing = [r for row in cov.per_doc.values() for r in row["missing"]]
    if missing:
        out.append("missing: " + ", ".join(missing))
    both = [c for c, (p, b, _) in cov.clauses.items() if p and b]
    out.append("")
    out.append(f"{cov.scenarios} scenario(s), {len(cov.failed)} failing; {len(cov.clauses)} clauses: "
               f"{sum(p for p, _, _ in cov.clauses.values())} proven, "
               f"{sum(b for _, b, _ in cov.clauses.values())} blocked, {len(both)} both")
    for cid, (p, b, pos) in sorted(cov.clauses.items()):
        if not (p and b):
            what = "never proven or blocked" if not (p or b) else ("never blocked" if p else "never proven")
            out.append(f"  {cid}: {what} ({pos})")
    for o in cov.failed:
        out.append(f"  FAILED scenario: {o.case.get('name')}: {'; '.join(o.problems)}")
    return out


def alternative_changes(base: KnowledgeBase, files: Iterable[Path]) -> dict[str, list[tuple[str, str, str]]]:
    """Per alternative reading: the scenarios whose answer it changes (name, answer, answer under it)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for path in files:
        for case in load_cases(path):
            try:
                facts = base.facts_from_text(case.get("facts", "") or "", "<scenario>")
                ans = base.ask(str(case["ask"]), facts=facts, as_of=case_date(case), lang=case.get("lang"))
            except KbError:
                continue
            for d in ans.readings_differ:
                out.setdefault(d.key, []).append((str(case.get("name", "")), ans.answer, d.answer))
    return out
