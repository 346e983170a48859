"""What to offer at the cursor: a pure function of the text before it and a catalog.

No prompt_toolkit here (litecli's ``suggest_type``): ``repl/app.py`` wraps ``suggest`` in a thin
Completer. The catalog is data built from the loaded rules and facts (``repl/session.py``).

Matching works on *fragments*: the text from some earlier position up to the cursor. In English
a fragment starts at a word ("can store bolt join kuai" -> "join kuai" completes to "join
kuaishou distribution"); Chinese has no spaces, so a fragment may start at any Chinese character
("bolt能入驻快" -> "入驻快" completes to "入驻快分销"). Of all the entries that match, only those
matching the longest fragment are offered: the more of what was typed an entry explains, the
better it fits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z0-9_]")
_GOAL_NAME = re.compile(r"^\s*(\?-\s*)?([a-z][a-z0-9_]*)$")
_GOAL_ARG = re.compile(r"^\s*(\?-\s*)?[a-z][a-z0-9_]*\s*\(([^()]*,)?\s*([^,()\s]*)$")
MAX_FRAGMENT = 60  # characters looked back from the cursor


@dataclass(frozen=True)
class Entry:
    """One thing that can be completed, with the one-line doc shown in the menu."""

    text: str
    kind: str  # phrase | input | question | subject | predicate | command | keyword | value | fact | document
    meta: str = ""
    lang: str = "en"


@dataclass(frozen=True)
class Suggestion:
    text: str
    kind: str
    meta: str = ""
    replace: int = 0  # how many characters before the cursor the suggestion replaces


@dataclass(frozen=True)
class Catalog:
    phrases: tuple[Entry, ...] = ()  # question phrases of derived predicates, English and Chinese
    inputs: tuple[Entry, ...] = ()  # phrases of inputs ("experience stars"), for what-if questions
    questions: tuple[Entry, ...] = ()  # whole questions standing for a goal
    keywords: tuple[Entry, ...] = ()  # how questions start ("why can't", "为什么")
    predicates: tuple[Entry, ...] = ()  # goal names
    inputs_preds: tuple[Entry, ...] = ()  # input predicates (what :assert states)
    subjects: tuple[Entry, ...] = ()  # subjects of the session facts
    facts: tuple[Entry, ...] = ()  # the session facts (what :retract removes)
    documents: tuple[Entry, ...] = ()  # seed documents (:rules 004)
    commands: tuple[Entry, ...] = ()  # ":help" ... (names only, no aliases)
    arguments: Mapping[str, str] = field(default_factory=dict)  # command or alias -> argument kind
    values: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)  # argument kind -> fixed values


@dataclass(frozen=True)
class Context:
    """Where the cursor is: ``kind`` says what to offer for ``fragment`` (the text after the
    command word, or the whole line)."""

    kind: str  # command | question | file | values:<kind> | none
    fragment: str
    command: str | None = None


_KIND_ORDER = {"subject": 0, "phrase": 1, "input": 2, "question": 3, "keyword": 4, "predicate": 5,
               "fact": 6, "document": 7, "value": 8, "command": 9}


def context(before: str, catalog: Catalog) -> Context:
    stripped = before.lstrip()
    if not stripped.startswith(":"):
        return Context("question", before)
    head, sep, rest = stripped.partition(" ")
    if not sep:
        return Context("command", stripped)
    name = head.lower()
    kind = catalog.arguments.get(name, "none")
    if kind == "whatif":
        facts, semi, question = _split_semicolon(rest)
        if semi:
            return Context("question", question, name)
        return Context("values:fact-input", facts.rsplit(".", 1)[-1].lstrip() if "." in facts else facts.lstrip(), name)
    if kind in ("fact", "fact-input"):
        last = re.split(r"(?<=\))\s*\.", rest)[-1].lstrip()
        return Context(f"values:{kind}", last, name)
    if kind == "question":
        return Context("question", rest, name)
    if kind == "file":
        return Context("file", rest.strip(), name)
    return Context(f"values:{kind}", rest.lstrip(), name)


def _split_semicolon(text: str) -> tuple[str, bool, str]:
    """``FACT. FACT. ; QUESTION`` at the first semicolon outside quotes and parentheses."""
    depth, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'「“":
            quote = {"「": "」", "“": "”"}.get(ch, ch)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch in ";；" and depth <= 0:
            return text[:i], True, text[i + 1:]
    return text, False, ""


split_whatif = _split_semicolon


def suggest(before: str, catalog: Catalog, explicit: bool = False) -> list[Suggestion]:
    """Suggestions for the text before the cursor, best first.

    ``explicit`` is True when the user pressed Tab: then an empty fragment (after a space)
    offers everything that can come next; while typing, only what matches typed text.
    """
    ctx = context(before, catalog)
    if ctx.kind == "command":
        word = ctx.fragment.lower()
        return [Suggestion(e.text, "command", e.meta, len(ctx.fragment))
                for e in catalog.commands if e.text.startswith(word) and e.text != word]
    if ctx.kind in ("file", "none"):
        return []
    if ctx.kind.startswith("values:"):
        kind = ctx.kind.split(":", 1)[1]
        entries = {"fact": catalog.facts, "fact-input": catalog.inputs_preds, "document": catalog.documents,
                   "command": catalog.commands, "word": catalog.predicates}.get(kind, catalog.values.get(kind, ()))
        frag = ctx.fragment
        if kind == "command" and frag and not frag.startswith(":"):
            entries = tuple(Entry(e.text[1:], e.kind, e.meta) for e in entries)
        if not frag and not explicit:
            return []
        low = frag.lower()
        return [Suggestion(e.text, e.kind, e.meta, len(frag)) for e in entries
                if e.text.lower().startswith(low) and e.text.lower() != low]
    return _question(ctx.fragment, catalog, explicit)


def _starts(text: str) -> list[int]:
    """Positions a fragment may start at: an English word start, or any Chinese character."""
    out = []
    lo = max(0, len(text) - MAX_FRAGMENT)
    for i in range(lo, len(text)):
        ch = text[i]
        if _CJK.match(ch):
            out.append(i)
        elif _WORD.match(ch) and (i == 0 or not _WORD.match(text[i - 1])):
            out.append(i)
        elif ch in "\"「“'" and (i == 0 or text[i - 1] in " (,"):
            out.append(i)
    return out


def _question(text: str, catalog: Catalog, explicit: bool) -> list[Suggestion]:
    lead = len(text) - len(text.lstrip())
    body = text[lead:]
    m = _GOAL_NAME.match(body)
    if m and m.group(1):  # "?- ks_c3" : only goals
        word = m.group(2)
        return _rank([(e, len(word)) for e in catalog.predicates if e.text.startswith(word) and e.text != word])
    m = _GOAL_ARG.match(body)
    if m:  # inside a goal's parentheses: a subject
        word = m.group(3)
        if not word and not explicit:
            return []
        return _rank([(e, len(word)) for e in catalog.subjects
                      if e.text.lower().startswith(word.lower()) and e.text.lower() != word.lower()])
    if not body and not explicit:
        return []
    starts = _starts(body)
    anywhere = catalog.phrases + catalog.inputs + catalog.subjects
    first = catalog.keywords + catalog.questions + catalog.predicates
    found: dict[tuple[str, str], tuple[Entry, int]] = {}
    low = body.lower()
    for s in starts:
        frag = low[s:]
        pool = anywhere + first if s == 0 else anywhere
        complete = False
        for e in pool:
            t = e.text.lower()
            if t == frag:
                complete = True
            elif t.startswith(frag):
                found.setdefault((e.text, e.kind), (e, len(body) - s))
        if found or complete:
            break  # the longest fragment that matches anything wins; a whole phrase needs nothing more
    if not found and explicit and (not body or body[-1] in " ,，、" or _CJK.match(body[-1])):
        lang = "zh" if _CJK.search(body) else "en"
        pool = anywhere if body.strip() else first + anywhere
        found = {(e.text, e.kind): (e, 0) for e in pool if e.lang == lang or e.kind == "subject"}
        if not body.strip():  # an empty line: how questions start, first
            return _rank(list(found.values()), lang, {"keyword": 0, "subject": 1, "question": 2, "predicate": 3})
    lang = "zh" if _CJK.search(body) else "en"
    return _rank(list(found.values()), lang)


def _rank(items: list[tuple[Entry, int]], lang: str = "en", order: Mapping[str, int] = _KIND_ORDER) -> list[Suggestion]:
    items.sort(key=lambda x: (-x[1], x[0].lang != lang and x[0].kind != "subject",
                              order.get(x[0].kind, 99), len(x[0].text), x[0].text))
    seen: set[str] = set()
    out = []
    for e, n in items:
        if e.text in seen:
            continue
        seen.add(e.text)
        out.append(Suggestion(e.text, e.kind, e.meta, n))
    return out
