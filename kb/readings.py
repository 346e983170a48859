"""What an answer rests on besides the stated facts: the readings of the source it used and
the assumptions it makes about what was never stated.

* **Readings**: the ``@reading`` of every clause its proof or why-not used (the quote, the
  reading taken, and the alternative reading where one is encoded).
* **Assumptions**: an ``optional input`` is a list whose absence means "none" (no penalty
  records, no linked accounts, no application date). A proof that rests on such an absence,
  for a subject of which nothing of that input is stated, makes the assumption explicit.
* **Alternative readings**: a program with the clauses of one ``@alternative KEY`` in place of
  the ``@primary KEY`` clauses (kb/loader.py ``program_under``); kb/api.py asks the question
  again under each relevant KEY and records where the answer differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from grammar.model import VALUE_TYPES, Atom, Clause, Const, Neg
from kb.proof import Alternative, Node


@dataclass(frozen=True)
class ReadingNote:
    """One ``@reading`` an answer rests on."""

    clause: str
    text: str
    file: str | None = None
    quote: str | None = None
    alternative: str | None = None  # KEY: this clause's reading has an encoded alternative
    alternative_text: str | None = None


@dataclass(frozen=True)
class Assumption:
    """An optional input of which nothing is stated for ``subject``, read as "none"."""

    input: str
    subject: str
    name_en: str
    name_zh: str

    def text(self, lang: str = "en") -> str:
        if lang == "zh":
            return f"{self.subject} 没有填写任何「{self.name_zh}」，按没有处理"
        return f"no {self.name_en} stated for {self.subject}: read as none"


@dataclass(frozen=True)
class ReadingDiff:
    """Under the alternative reading ``key`` the answer is ``answer`` instead."""

    key: str
    label: str
    answer: str


# ---------------------------------------------------------------------------------------- readings

def clauses_used(proof: Node | None, proofs: Sequence[Node] = (), why_not: Sequence[Alternative] = (),
                 unknown_because: Sequence[tuple[Atom, list[Alternative]]] = ()) -> list[str]:
    """Clause ids a proof, its absent leaves and a why-not rest on, in the order met."""
    out: list[str] = []
    seen_alts: set[int] = set()

    def add(cid: str | None) -> None:
        if cid and cid not in out:
            out.append(cid)

    def node(n: Node) -> None:
        add(n.clause)
        for p in n.premises:
            node(p)
        alts(n.because)

    def alts(xs: Iterable[Alternative]) -> None:
        for a in xs:
            if id(a) in seen_alts:
                continue
            seen_alts.add(id(a))
            add(a.clause)
            for f in a.failures:
                if f.proof is not None:
                    node(f.proof)
                alts(f.because)

    for n in ([proof] if proof is not None else []) + list(proofs):
        node(n)
    alts(why_not)
    for _, xs in unknown_because:
        alts(xs)
    return out


def readings_of(program, clause_ids: Iterable[str]) -> list[ReadingNote]:
    """The ``@reading`` lines of the clauses used, each with its first quote and, where the
    clause belongs to an encoded alternative (``@primary KEY``), what the alternative reads."""
    out: list[ReadingNote] = []
    seen: set[tuple[str, str]] = set()
    labels = getattr(program, "alternatives", {}) or {}
    for cid in clause_ids:
        c: Clause | None = program.clause(cid)
        if c is None:
            continue
        key = c.notes.primary[0] if c.notes.primary else (c.notes.alternative[0] if c.notes.alternative else None)
        src = c.notes.sources[0] if c.notes.sources else None
        for text in c.notes.readings:
            if (cid, text) in seen:
                continue
            seen.add((cid, text))
            out.append(ReadingNote(cid, text, src.file if src else None, src.quote if src else None,
                                   key, labels.get(key) if key else None))
    return out


# ---------------------------------------------------------------------------------------- assumptions

def assumptions_of(program, proof: Node | None, facts: Sequence[Atom],
                   closure: Callable[[str], frozenset[str]]) -> list[Assumption]:
    """The "none stated means none" inputs a proof rests on: each absent leaf (``not p(s, …)``)
    whose predicate reaches an optional input of which nothing is stated about the subject."""
    if proof is None:
        return []
    out: list[Assumption] = []
    types = _subject_types(program, facts)

    def visit(n: Node) -> None:
        if n.kind == "absent" and isinstance(n.goal, Neg):
            atom = n.goal.atom
            subjects = [a.value for a in atom.args if isinstance(a, Const) and isinstance(a.value, str)]
            for pred in sorted(closure(atom.pred) | {atom.pred}):
                decl = program.inputs.get(pred)
                if decl is None or not decl.optional:
                    continue
                for s in subjects:
                    positions = [i for i, arg in enumerate(decl.args)
                                 if arg.type not in VALUE_TYPES and (types.get(s) is None or arg.type in types[s])]
                    if not positions:
                        continue
                    stated = any(f.pred == pred and any(f.args[i] == Const(s) for i in positions) for f in facts)
                    if not stated:
                        a = Assumption(pred, s, decl.notes.name("en") or pred, decl.notes.name("zh") or pred)
                        if a not in out:
                            out.append(a)
        for p in n.premises:
            visit(p)

    visit(proof)
    return out


def _subject_types(program, facts: Sequence[Atom]) -> dict[str, set[str]]:
    """The declared types each stated constant appears as (so 'no linked account of s' is
    asked of a store, not of a penalty record that happens to be named s)."""
    out: dict[str, set[str]] = {}
    for f in facts:
        decl = program.inputs.get(f.pred)
        if decl is None:
            continue
        for arg, t in zip(decl.args, f.args):
            if arg.type not in VALUE_TYPES and isinstance(t, Const) and isinstance(t.value, str):
                out.setdefault(t.value, set()).add(arg.type)
    return out
