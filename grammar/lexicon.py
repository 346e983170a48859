"""Step 2 of reading a message: the lexicon and the spans it finds.

The lexicon is built from the rule files' annotations (passed in as plain data, so this layer
knows nothing of the engine): input names (@ask/@name of inputs), the words of their values
(@value), topic phrases of derived predicates and whole questions (@ask, @words), what the
documents leave out (@gap), plus the glue words of grammar.language. One Aho-Corasick
automaton finds every span in one pass; English spans must sit on word boundaries.

Topic scoring works on *features*, not exact phrases, so paraphrases meet: a synonym group
("#join" for join / sign up / 入驻 / 开通 ...), an English word stem, or a Chinese character
bigram. The same function reads the lexicon's phrases and the user's message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from grammar.language import (
    COPULAS,
    CUES,
    NEGATIONS,
    NOUNS,
    OTHER_PLATFORMS,
    OUR_PLATFORMS,
    PRONOUNS,
    STOPWORDS,
    SYNONYMS,
    UNCOVERED_TOPICS,
    ZH_STOP,
)
from grammar.normalise import normalise

_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_ASCII = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    kind: str  # input | value | topic | cue | neg | pronoun | noun | synonym | ours | other_platform | uncovered | gap
    ref: str  # input: pred; value: "pred|symbol"; cue: its name; synonym: group; topic/gap: key


@dataclass(frozen=True)
class Entry:
    text: str
    kind: str
    ref: str


@dataclass
class Candidate:
    """One reading a question may have: a goal pattern with the phrases that name it."""

    key: str  # "pred:<name>" (a yes/no predicate of a subject) | "tpl:<goal>" (a whole question) | "gap:<n>"
    phrases: list[tuple[str, str]] = field(default_factory=list)  # (lang, text)
    words: list[tuple[str, str]] = field(default_factory=list)  # (lang, key terms)
    feats: list[frozenset[str]] = field(default_factory=list)  # per phrase
    word_feats: frozenset[str] = frozenset()


def stem(word: str) -> str:
    """A light English stem: plurals and -ing/-ed, so "negotiated" meets "negotiate"."""
    w = word.strip("'-").replace("'s", "")
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ied", "y"), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            w = w[: -len(suffix)] + keep
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


@lru_cache(maxsize=1)
def _synonym_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for group, forms in SYNONYMS.items():
        for f in forms:
            f = normalise(f)
            auto.add_word(f, (len(f), group))
    auto.make_automaton()
    return auto


_ZH_STOP = frozenset(ZH_STOP)
_PARTICLES = frozenset("吗呢吧啊呀嘛么的了")  # never half of a content word in a question


def _boundary_ok(text: str, start: int, end: int) -> bool:
    """English spans must not cut a word: "join" is not found inside "joined"... unless the
    lexicon form is the whole word; Chinese spans need no boundary."""
    if _ASCII.match(text[start]) and start > 0 and _ASCII.match(text[start - 1]):
        return False
    if _ASCII.match(text[end - 1]) and end < len(text) and _ASCII.match(text[end]):
        return False
    return True


def features(text: str) -> dict[str, int]:
    """Feature -> position (first occurrence) for an already normalised text."""
    out: dict[str, int] = {}
    masked = list(text)
    hits = []
    for end, (length, group) in _synonym_automaton().iter(text):
        start = end - length + 1
        if _boundary_ok(text, start, end + 1):
            hits.append((start, end + 1, group))
    # longest first, so "快分销" is #distribution once, not also "分销"
    taken = [False] * len(text)
    for start, end, group in sorted(hits, key=lambda h: -(h[1] - h[0])):
        if any(taken[start:end]):
            continue
        out.setdefault(group, start)
        for i in range(start, end):
            taken[i] = True
            masked[i] = " "
    rest = "".join(masked)
    for m in _WORD.finditer(rest):
        w = m.group(0)
        if w in STOPWORDS or len(w) < 2:
            continue
        out.setdefault(stem(w), m.start())
        if "-" in w.strip("-"):  # "new-enterprise onboarding" meets "new enterprise onboarding"
            at = m.start()
            for part in w.split("-"):
                if len(part) >= 2 and part not in STOPWORDS:
                    out.setdefault(stem(part), at)
                at += len(part) + 1
    for m in _CJK_RUN.finditer(rest):
        run = m.group(0)
        if len(run) == 1:
            if run not in _ZH_STOP:
                out.setdefault(run, m.start())
            continue
        for i in range(len(run) - 1):
            bigram = run[i:i + 2]
            if bigram in _ZH_STOP or bigram[0] in _PARTICLES or bigram[1] in _PARTICLES:
                continue  # "效吗" and "的入" are no words
            out.setdefault(bigram, m.start() + i)
    return out


class Lexicon:
    """Everything the question language knows, built once per program."""

    def __init__(self, entries: Iterable[Entry], candidates: Iterable[Candidate]) -> None:
        self.entries: list[Entry] = []
        self.automaton = ahocorasick.Automaton()
        seen: dict[str, list[Entry]] = {}
        builtin = [Entry(normalise(f), "cue", cue) for cue, forms in CUES.items() for f in forms]
        builtin += [Entry(normalise(f), "neg", "not") for f in NEGATIONS]
        builtin += [Entry(normalise(f), "cop", "be") for f in COPULAS]
        builtin += [Entry(normalise(f), "pronoun", "self") for f in PRONOUNS]
        builtin += [Entry(normalise(f), "noun", "noun") for f in NOUNS]
        builtin += [Entry(normalise(f), "ours", "platform") for f in OUR_PLATFORMS]
        builtin += [Entry(normalise(f), "other_platform", f) for f in OTHER_PLATFORMS]
        builtin += [Entry(normalise(f), "uncovered", f) for f in UNCOVERED_TOPICS]
        for e in [*builtin, *entries]:
            if not e.text:
                continue
            seen.setdefault(e.text, []).append(e)
            self.entries.append(e)
        for text, es in seen.items():
            self.automaton.add_word(text, (text, tuple(es)))
        self.automaton.make_automaton()
        self.candidates = list(candidates)
        for c in self.candidates:
            c.feats = [frozenset(features(normalise(t))) for _, t in c.phrases]
            c.word_feats = frozenset(f for _, t in c.words for f in features(normalise(t)))
        df: dict[str, int] = {}
        for c in self.candidates:
            for f in set().union(*c.feats, c.word_feats) if (c.feats or c.word_feats) else ():
                df[f] = df.get(f, 0) + 1
        n = max(1, len(self.candidates))
        self.idf = {f: math.log(1 + n / d) for f, d in df.items()}
        vocab = {w for e in self.entries for w in _WORD.findall(e.text)}
        vocab |= {w for c in self.candidates for _, t in (*c.phrases, *c.words) for w in _WORD.findall(normalise(t))}
        vocab |= {w for forms in SYNONYMS.values() for f in forms for w in _WORD.findall(f)}
        # two letters are a word when a rule file uses them ("VC account", "QC report", "ID card")
        self.vocabulary = frozenset(w for w in vocab if len(w) >= 2)

    def spans(self, text: str) -> list[Span]:
        """Every lexicon span of a normalised text (overlapping ones included)."""
        out = []
        for end, (form, entries) in self.automaton.iter(text):
            start = end - len(form) + 1
            if not _boundary_ok(text, start, end + 1):
                continue
            for e in entries:
                out.append(Span(start, end + 1, form, e.kind, e.ref))
        return out
