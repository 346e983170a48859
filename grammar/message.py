"""Step 3 of reading a message: the span stream and its Lark parse.

normalise (grammar.normalise) -> correct English typos against the lexicon's vocabulary ->
find values (grammar.values) and lexicon spans (grammar.lexicon) -> tile them (longest span
first) -> Lark (grammar/message.lark) groups the stream into statements and single items.
Unknown words are not in the stream; they are kept, with their positions, as "not used".
The parse does not depend on which subjects are loaded: ids are plain ``ID`` tokens.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer
from lark.lexer import Lexer

from grammar.errors import QueryError
from grammar.language import COPULAS, STOPWORDS
from grammar.lexicon import Lexicon, Span
from grammar.normalise import MAX_QUESTION, normalise
from grammar.values import Found, find_values

_TYPO_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]")
_SEP = re.compile(r"(?:[.。!！?？;；\n](?!\d))+")  # "??" and "?!" end one sentence
_COMMA = re.compile(r"[,，、]|(?<=[a-z]) - (?=[a-z])| — ")


@dataclass(frozen=True)
class Piece:
    """One token of the stream: a lexicon span or a value."""

    kind: str  # SEP COMMA CUE COP NEG PRON NOUN ID OURS OTHER UNCOVERED INPUT NUMBER DATE ... VALUE
    start: int
    end: int
    text: str
    ref: object = None  # Span.ref for lexicon spans, Found for values, the id for ID
    options: tuple[str, ...] = ()  # INPUT / VALUE: every reading of the same words


@dataclass(frozen=True)
class Item:
    kind: str  # stated | stated_not | denied | stated_after | bare_input | bare_value | cue | cop | neg | ...
    pieces: tuple[Piece, ...]
    sentence: int = 0
    clause: int = 0

    @property
    def start(self) -> int:
        return self.pieces[0].start


@dataclass
class Message:
    original: str
    text: str  # normalised, typos corrected
    items: list[Item]
    spans: list[Span]  # every lexicon span (topics included)
    sentences: list[tuple[int, int]]  # character ranges
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (typed, read as)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # content words the lexicon lacks

    def sentence_of(self, pos: int) -> int:
        for i, (a, b) in enumerate(self.sentences):
            if a <= pos < b:
                return i
        return max(0, len(self.sentences) - 1)


# at equal length: a glue word ("store", "cannot") is glue before it is the value of some input;
# the value stays among the message's spans for a goal that needs it (kb.reading fills it there)
_PRIORITY = {"string": 0, "datetime": 0, "date": 1, "month": 1, "time": 1, "number": 1, "neg": 2, "noun": 2,
             "value": 3, "input": 4, "other_platform": 5, "uncovered": 5, "ours": 6, "cue": 7, "cop": 8,
             "pronoun": 9}
_STREAM_KIND = {"value": "VALUE", "input": "INPUT", "cue": "CUE", "cop": "COP", "neg": "NEG", "pronoun": "PRON",
                "noun": "NOUN", "ours": "OURS", "other_platform": "OTHER", "uncovered": "UNCOVERED"}
_VALUE_KIND = {"number": "NUMBER", "date": "DATE", "datetime": "DATETIME", "month": "MONTH", "time": "TIME",
               "string": "STRING"}


class _StreamLexer(Lexer):
    """Lark's side of the stream: the pieces are already found; hand them over as tokens."""

    def __init__(self, lexer_conf) -> None:  # noqa: D107 (Lark's interface)
        pass

    def lex(self, data):
        for p in data:
            yield Token(p.kind, p)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    text = resources.files("grammar").joinpath("message.lark").read_text("utf-8")
    return Lark(text, parser="lalr", lexer=_StreamLexer)


class _ToItems(Transformer):
    def __default__(self, data, children, meta):
        pieces = tuple(c.value if isinstance(c, Token) else c for c in children)
        flat: list[Piece] = []
        for p in pieces:
            if isinstance(p, Item):
                flat.extend(p.pieces)
            elif isinstance(p, Piece):
                flat.append(p)
        return Item(str(data), tuple(flat))

    def start(self, children):
        return [c if isinstance(c, Item) else Item("piece", (c.value,)) for c in children]


# chat shorthand read as the words it stands for ("we r on mode 1 and agreed w/ our caixiao")
_SHORTHAND = {"r": "are", "u": "you", "ur": "your", "w/": "with", "w/o": "without", "b4": "before", "pls": "please",
              "plz": "please", "thx": "thanks", "abt": "about", "bc": "because", "cuz": "because", "coz": "because",
              "tmr": "tomorrow", "yday": "yesterday", "msg": "message", "acct": "account", "info": "information"}
_SHORTHAND_WORD = re.compile(r"(?<![\w/])(?:w/o|w/|[a-z][a-z0-9]*)(?![\w/])")


# an indirect question asks what follows it ("do you know who creates the 东券?" is "who creates …")
_INDIRECT = re.compile(r"\b(?:do you know|does anyone know|can you tell me|could you tell me|please tell me|"
                       r"i want to know|i'd like to know|i would like to know|i wonder)\s+(?=(?:who|what|where|when|"
                       r"which|how|why)\b)")


def _shorthand(text: str, keep: frozenset[str]) -> tuple[str, list[tuple[str, str]]]:
    fixes: list[tuple[str, str]] = []
    m = _INDIRECT.search(text)
    if m:  # the canonical restatement shows the question read; the lead-in changes nothing in it
        text = text[:m.start()] + text[m.end():]

    def fix(m: re.Match) -> str:
        w = m.group(0)
        if w in keep or w not in _SHORTHAND:
            return w
        fixes.append((w, _SHORTHAND[w]))
        return _SHORTHAND[w]

    return _SHORTHAND_WORD.sub(fix, text), fixes


def _correct(text: str, lexicon: Lexicon, keep: frozenset[str]) -> tuple[str, list[tuple[str, str]]]:
    """English words one or two edits from a lexicon word are read as that word (and said so)."""
    from rapidfuzz import distance, process

    fixes: list[tuple[str, str]] = []
    vocab = lexicon.vocabulary

    def fix(m: re.Match) -> str:
        w = m.group(0)
        if len(w) < 4 or w in vocab or w in STOPWORDS or w.rstrip("s") in vocab or w in keep:
            return w
        limit = 1 if len(w) < 7 else 2
        near = process.extract(w, vocab, scorer=distance.Levenshtein.distance, score_cutoff=limit, limit=12)
        near = [n for n in near if n[0][0] == w[0]]
        if not near:
            return w

        def prefix(a: str) -> int:
            return next((i for i, (x, y) in enumerate(zip(a, w)) if x != y), min(len(a), len(w)))

        best = min(near, key=lambda n: (n[1], -prefix(n[0]), len(n[0]), n[0]))[0]  # ties: the longest shared start
        fixes.append((w, best))
        return best

    return _TYPO_WORD.sub(fix, text), fixes


def read_message(original: str, lexicon: Lexicon, as_of: _dt.date, keep: frozenset[str] = frozenset()) -> Message:
    """Normalise, find spans and values, and parse the stream (never fails on words).
    ``keep``: words never corrected as typos (the ids of loaded subjects: "acme" is no "acne")."""
    if len(original) > MAX_QUESTION:
        raise QueryError(f"the question is {len(original)} characters long; at most {MAX_QUESTION} are read",
                         hint="ask one question at a time; put the situation in a facts file")
    plain = normalise(original)
    if not plain:
        raise QueryError("empty question", hint="ask e.g. 'can store acme join kuaishou distribution?'")
    cased: str | None = normalise(original, lower=False)
    short, expanded = _shorthand(plain, keep)
    text, corrections = _correct(short, lexicon, keep)
    corrections = expanded + corrections
    if len(text) != len(plain):
        cased = None  # a correction changed lengths: quoted strings come from the lower-case text
    values = find_values(text, as_of, cased if cased is not None and len(cased) == len(text) else None)
    spans = lexicon.spans(text)
    candidates: list[tuple[int, int, int, Piece]] = []  # (-length, priority, start, piece)
    for f in values:
        candidates.append((-(f.end - f.start), _PRIORITY[f.kind], f.start,
                           Piece(_VALUE_KIND[f.kind], f.start, f.end, f.text, f)))
    grouped: dict[tuple[int, int, str], list[Span]] = {}
    for s in spans:
        if s.kind in _STREAM_KIND:
            grouped.setdefault((s.start, s.end, s.kind), []).append(s)
    for (start, end, kind), ss in grouped.items():
        refs = tuple(dict.fromkeys(s.ref for s in ss))
        candidates.append((-(end - start), _PRIORITY[kind], start,
                           Piece(_STREAM_KIND[kind], start, end, ss[0].text, refs[0], refs)))
    for m in _SEP.finditer(text):
        candidates.append((-1, -1, m.start(), Piece("SEP", m.start(), m.end(), m.group(0))))
    for m in _COMMA.finditer(text):
        candidates.append((-1, -1, m.start(), Piece("COMMA", m.start(), m.end(), m.group(0))))
    taken = [False] * len(text)
    chosen: list[Piece] = []
    for _, _, _, piece in sorted(candidates, key=lambda c: (c[0], c[1], c[2])):
        if any(taken[piece.start:piece.end]):
            continue
        for i in range(piece.start, piece.end):
            taken[i] = True
        chosen.append(piece)
    unknown: list[tuple[int, str]] = []
    for m in re.finditer(r"[a-z][a-z0-9_\-]*|[\u3400-\u9fff]+", text):
        if any(taken[m.start():m.end()]):
            continue
        w = m.group(0)
        if w[0].isascii():
            if w in STOPWORDS:
                continue
            if w not in lexicon.vocabulary or w in keep:  # an id (acme, s1) or a word no rule file uses
                chosen.append(Piece("ID", m.start(), m.end(), w, w))
                unknown.append((m.start(), w))
        else:
            unknown.append((m.start(), w))
    chosen.sort(key=lambda p: p.start)
    # a copula between an input and what follows links them ("stars is 4.2", "体验星级为4.2"):
    # drop it so the pair is one statement; a copula opening a sentence stays (a yes/no cue)
    chosen = [p for i, p in enumerate(chosen)
              if not (p.kind == "COP" and 0 < i < len(chosen) - 1 and chosen[i - 1].kind == "INPUT")]
    items: list[Item] = _ToItems().transform(_parser().parse(chosen))
    sentences, sent_start = [], 0
    for p in chosen:
        if p.kind == "SEP":
            sentences.append((sent_start, p.end))
            sent_start = p.end
    if sent_start < len(text) or not sentences:
        sentences.append((sent_start, len(text)))
    sentence, clause, placed = 0, 0, []
    for it in items:
        if it.kind == "sep":
            sentence += 1
            clause += 1
        elif it.kind == "comma":
            clause += 1
        placed.append(Item(it.kind, it.pieces, sentence, clause))
    return Message(original, text, placed, spans, sentences, corrections, unknown)


COPULA_FORMS = tuple(normalise(c) for c in COPULAS)
__all__ = ["COPULA_FORMS", "Found", "Item", "Message", "Piece", "read_message"]
