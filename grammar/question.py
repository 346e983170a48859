"""Questions -> goals. The frame grammar is grammar/question.lark; the phrases come from the
``@ask`` annotations of the loaded rules and the subjects from the loaded facts.

The parser is pure: it returns a ``Question`` and never touches the engine.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError

from grammar.errors import QueryError, did_you_mean
from grammar.model import Atom, Const, Var

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Phrase:
    text: str
    lang: str
    pred: str
    arity: int


@dataclass(frozen=True)
class Lexicon:
    """What the question language knows: phrases (from @ask) and subject names."""

    phrases: tuple[Phrase, ...]
    subjects: tuple[str, ...] = ()
    predicates: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    kind: str  # "yes_no" | "why" | "why_not" | "which" | "goal"
    goal: Atom
    lang: str  # language the question was asked in: "en" | "zh"
    text: str


def normalise(text: str) -> str:
    """Full-width ASCII to half-width, collapse spaces, strip trailing whitespace."""
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return re.sub(r"\s+", " ", text).strip()


def language_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _alternation(words: list[str], ignore_case: bool = False) -> str:
    """One regex terminal for a word list, longest first; an ASCII word must end at a word
    boundary (so subject "s" never matches the start of "store"), a Chinese one need not."""
    if not words:
        return "/(?!x)x/"
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        body = re.escape(w).replace("/", "\\/").replace("\\ ", " ")
        parts.append(body + (r"(?![A-Za-z0-9_])" if re.search(r"[A-Za-z0-9_]$", w) else ""))
    return "/(" + "|".join(parts) + ")/" + ("i" if ignore_case else "")


class QuestionParser:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._by_text = {(p.lang, p.text.lower()): p for p in lexicon.phrases}
        base = resources.files("grammar").joinpath("question.lark").read_text("utf-8")
        en = sorted({p.text.lower() for p in lexicon.phrases if p.lang == "en"}, key=len, reverse=True)
        zh = sorted({p.text for p in lexicon.phrases if p.lang == "zh"}, key=len, reverse=True)
        subjects = sorted(set(lexicon.subjects), key=len, reverse=True)
        extra = [
            "PHRASE_EN.3: " + _alternation(en, ignore_case=True),
            "PHRASE_ZH.3: " + _alternation(zh),
            "SUBJECT.2: " + _alternation(subjects),
        ]
        self._parser = Lark(base + "\n" + "\n".join(extra) + "\n", parser="lalr")

    def parse(self, text: str) -> Question:
        norm = normalise(text)
        if not norm:
            raise QueryError("empty question", hint="ask e.g. 'can store acme join kuaishou distribution?'")
        if "__" in norm or re.search(r"\b(import|exec|eval|lambda)\s*\(", norm):
            raise QueryError("this is not a question Guize can read (it looks like code)",
                             hint="questions and goals are data; nothing you type is run")
        try:
            tree = self._parser.parse(norm)
            return ToQuestion(self, norm).transform(tree)
        except VisitError as e:
            if isinstance(e.orig_exc, QueryError):
                raise e.orig_exc from None
            raise
        except UnexpectedInput as e:
            raise self._error(norm, e) from None

    def _error(self, text: str, e: UnexpectedInput) -> QueryError:
        col = getattr(e, "column", 1) or 1
        lang = language_of(text)
        caret = _caret(text, col)
        nearest = self.nearest(text)
        hint = None
        if nearest:
            hint = ("did you mean: " if lang == "en" else "您是想问：") + " / ".join(nearest)
        if lang == "zh":
            msg = f"看不懂这个问题（第 {col} 个字符处）:\n{caret}"
        else:
            msg = f"cannot read this question (at column {col}):\n{caret}"
        return QueryError(msg, hint=hint)

    def nearest(self, text: str, n: int = 3) -> list[str]:
        lang = language_of(text)
        phrases = [p.text for p in self.lexicon.phrases if p.lang == lang]
        words = text.lower()
        scored = []
        for p in phrases:
            close = did_you_mean(p, [words[i:i + len(p)] for i in range(0, max(1, len(words) - len(p) + 1))], n=1)
            if p.lower() in words or close:
                scored.append(p)
        if not scored:
            scored = [m for m in (did_you_mean(words, phrases, n=n) or "").removeprefix("did you mean ")
                      .rstrip("?").split(" or ") if m]
        return scored[:n]

    def phrase(self, lang: str, text: str) -> Phrase:
        return self._by_text[(lang, text.lower() if lang == "en" else text)]


def _caret(text: str, col: int) -> str:
    from wcwidth import wcswidth  # comes with prompt-toolkit; CJK characters are 2 columns

    width = wcswidth(text[: col - 1])
    return f"  {text}\n  {' ' * max(width, 0)}^"


class ToQuestion(Transformer):
    """Parse tree -> Question. Pure: no engine access."""

    def __init__(self, parser: QuestionParser, text: str) -> None:
        super().__init__()
        self.p = parser
        self.text = text

    def _goal(self, phrase_tok: Token, subject: str | None, lang: str) -> Atom:
        ph = self.p.phrase(lang, str(phrase_tok))
        args: list = [Const(subject) if subject is not None else Var("S")]
        args += [Var(f"X{i}") for i in range(1, ph.arity)]
        return Atom(ph.pred, tuple(args))

    @staticmethod
    def _pick(xs, *types):
        return [x for x in xs if isinstance(x, Token) and x.type in types]

    def subject(self, xs):
        toks = [x for x in xs if isinstance(x, Token) and x.type != "NOUN_ZH"]
        tok = toks[-1]
        if tok.type == "MY_ZH":
            subs = self.p.lexicon.subjects
            if len(subs) == 1:
                return subs[0]
            raise QueryError("我的店指哪一家？请写出店铺名（例如 acme能入驻快分销吗？）" if subs else
                             "没有载入店铺资料：请用 --facts 提供店铺的事实", hint="known: " + ", ".join(subs))
        s = str(tok)
        if tok.type == "STRING":
            s = s[1:-1]
        return s

    def _frame(self, kind: str, xs) -> Question:
        subject = next((x for x in xs if isinstance(x, str) and not isinstance(x, Token)), None)
        en = self._pick(xs, "PHRASE_EN")
        lang = "en" if en else "zh"
        phrase = en[0] if en else self._pick(xs, "PHRASE_ZH")[0]
        return Question(kind, self._goal(phrase, subject, lang), lang, self.text)

    def yes_no(self, xs):
        return self._frame("yes_no", xs)

    def why(self, xs):
        return self._frame("why", xs)

    def why_not(self, xs):
        return self._frame("why_not", xs)

    def which(self, xs):
        return self._frame("which", xs)

    # ---- raw goals
    def var(self, xs):
        return Var(str(xs[0]))

    def string(self, xs):
        return Const(str(xs[0])[1:-1])

    def number(self, xs):
        return Const(Decimal(str(xs[0])))

    def date(self, xs):
        try:
            return Const(_dt.date.fromisoformat(str(xs[0])))
        except ValueError:
            raise QueryError(f"not a calendar date: {xs[0]}", hint="write dates as YYYY-MM-DD") from None

    def symbol(self, xs):
        return Const(str(xs[0]))

    def goal(self, xs):
        name = next(x for x in xs if isinstance(x, Token) and x.type == "NAME")
        args = tuple(x for x in xs if isinstance(x, (Var, Const)))
        preds = self.p.lexicon.predicates
        if preds and str(name) not in preds:
            raise QueryError(f"unknown predicate {name}", hint=did_you_mean(str(name), preds) or "see `kb vocab`")
        if preds and preds[str(name)] != len(args):
            raise QueryError(f"{name} takes {preds[str(name)]} argument(s), got {len(args)}",
                             hint=f"write {name}/{preds[str(name)]}")
        lang = "en"
        return Question("goal", Atom(str(name), args), lang, self.text)

    def start(self, xs):
        return xs[0]
