"""Token kinds for colouring what is typed at the prompt. Pure: no prompt_toolkit here
(``repl/app.py`` wraps ``tokenize`` in a Lexer).

Known predicates, phrases, subjects and inputs come from the catalog, so an unknown goal name
shows up in red while it is typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from repl.suggest import Catalog

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD_CH = re.compile(r"[A-Za-z0-9_]")
_STRING = re.compile(r'"[^"\n]*"?|「[^」\n]*」?|“[^”\n]*”?')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?(%|w|万|k)?")
_GOAL = re.compile(r"[a-z][a-z0-9_]*(?=\s*\()")
_VAR = re.compile(r"[A-Z_][A-Za-z0-9_]*")
_IDENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_'’-]*")
_COMMAND = re.compile(r"\s*:\S*")
_PUNCT = set("(),.?？。!！;；，、")

# Question words, for colour only (the reader decides meaning: grammar/language.py, kb/reading.py).
KEYWORDS_EN = ("can", "could", "may", "would", "will", "is", "are", "does", "do", "why", "which", "what",
               "when", "how", "if", "what if", "suppose", "had", "has", "have", "not", "cannot", "can't",
               "can’t", "doesn't", "isn't", "need", "needs", "must", "should", "to", "it", "and", "of",
               "store", "stores", "shop", "shops", "merchant", "merchants", "agency", "agencies", "brand",
               "activity", "order", "applicant", "the", "a", "an", "its", "?-")
KEYWORDS_ZH = ("为什么", "为何", "哪些", "哪个", "哪家", "如果", "假如", "假设", "要是", "能否", "可否", "是否",
               "能不能", "可以", "能够", "不能", "无法", "不可以", "需要", "满足", "什么", "条件", "才能",
               "店铺", "商家", "机构", "品牌", "的", "吗", "呢", "么", "嘛", "能", "会", "是", "和", "它")


class Matcher:
    """Longest known phrase (or subject, or keyword) starting at a position."""

    def __init__(self, catalog: Catalog) -> None:
        table: dict[str, list[tuple[str, str]]] = {}

        def add(text: str, kind: str) -> None:
            t = text.lower()
            if t:
                table.setdefault(t[0], []).append((t, kind))

        for kind, entries in (("phrase", catalog.phrases), ("input", catalog.inputs), ("subject", catalog.subjects)):
            for e in entries:
                add(e.text, kind)
        for w in KEYWORDS_EN + KEYWORDS_ZH:
            add(w, "keyword")
        for items in table.values():
            items.sort(key=lambda x: -len(x[0]))
        self.table = table
        self.predicates = {e.text for e in catalog.predicates}

    def at(self, low: str, i: int) -> tuple[str, str] | None:
        for t, kind in self.table.get(low[i], ()):
            if low.startswith(t, i):
                end = i + len(t)
                if _WORD_CH.match(t[-1]) and end < len(low) and _WORD_CH.match(low[end]):
                    continue  # "can" is not the start of "canal"
                return t, kind
        return None


_cache: list[tuple[Catalog, Matcher]] = []


def matcher(catalog: Catalog) -> Matcher:
    for c, m in _cache:
        if c is catalog:
            return m
    m = Matcher(catalog)
    _cache[:] = [(catalog, m)]
    return m


def tokenize(text: str, catalog: Catalog) -> list[tuple[str, str]]:
    """(kind, text) pieces covering ``text`` exactly. Kinds: command, keyword, phrase, input,
    subject, predicate, unknown, variable, string, number, punct, and "" for the rest."""
    m = matcher(catalog)
    low = text.lower()
    out: list[tuple[str, str]] = []
    i, depth = 0, 0
    c = _COMMAND.match(text)
    if c and c.group(0).strip().startswith(":"):
        out.append(("command", c.group(0)))
        i = c.end()
    n = len(text)
    while i < n:
        ch = text[i]
        boundary = i == 0 or not _WORD_CH.match(text[i - 1])
        for kind, rx in (("string", _STRING), ("number", _DATE)):
            hit = rx.match(text, i)
            if hit and (kind == "string" or boundary):
                out.append((kind, hit.group(0)))
                i = hit.end()
                break
        else:
            hit = _GOAL.match(text, i) if boundary else None
            if hit:
                out.append(("predicate" if hit.group(0) in m.predicates else "unknown", hit.group(0)))
                i = hit.end()
                continue
            hit = _VAR.match(text, i) if depth > 0 and boundary else None
            if hit:
                out.append(("variable", hit.group(0)))
                i = hit.end()
                continue
            if boundary or _CJK.match(ch):
                found = m.at(low, i)
                if found:
                    out.append((found[1], text[i:i + len(found[0])]))
                    i += len(found[0])
                    continue
            hit = _NUMBER.match(text, i) if boundary else None
            if hit:
                out.append(("number", hit.group(0)))
                i = hit.end()
                continue
            hit = _IDENT.match(text, i)
            if hit:
                out.append(("", hit.group(0)))
                i = hit.end()
                continue
            if ch in _PUNCT:
                depth += 1 if ch == "(" else -1 if ch == ")" else 0
                out.append(("punct", ch))
            else:
                out.append(("", ch))
            i += 1
    return _merge(out)


def _merge(tokens: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for kind, text in tokens:
        if out and out[-1][0] == kind and kind in ("", "punct"):
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return out
