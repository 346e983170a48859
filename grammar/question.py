"""Questions -> goals. The frames are grammar/question.lark; the phrases come from the
``@ask``/``@name`` annotations of the loaded rules and the subjects from the loaded facts.

The parser is pure: it returns a ``Question`` and never touches the engine. Text is
normalised first: NFKC (full-width ？，to ?,), Traditional to Simplified Chinese (OpenCC),
single spaces; English is matched case-insensitively.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError

from grammar.cache import cache_file
from grammar.errors import QueryError, did_you_mean
from grammar.model import Atom, Const, Term, Value, Var, format_value
from grammar.normalise import to_simplified

_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Phrase:
    text: str
    lang: str
    pred: str
    arity: int


@dataclass(frozen=True)
class Lexicon:
    """What the question language knows, all taken from the loaded rules and facts."""

    phrases: tuple[Phrase, ...]  # @ask of derived predicates: "join kuaishou distribution"
    subjects: tuple[str, ...] = ()
    predicates: dict[str, int] = field(default_factory=dict)
    inputs: tuple[Phrase, ...] = ()  # @ask/@name of inputs: "experience stars", "体验星级"
    templates: tuple[tuple[str, str, Atom], ...] = ()  # whole questions standing for a goal


@dataclass(frozen=True)
class Assignment:
    """One hypothetical value in a what-if question: ``input`` of the subject := ``value``."""

    pred: str
    value: Value
    unit: str | None
    text: str


@dataclass(frozen=True)
class Question:
    kind: str  # yes_no | why | why_not | which | needed | what_if | value | goal | uncovered
    goal: Atom
    lang: str  # the language the question was asked in: "en" | "zh"
    text: str
    assignments: tuple[Assignment, ...] = ()
    topic: str | None = None  # for "uncovered": the words no document covers
    candidates: tuple[str, ...] = ()  # every predicate the phrase names (the caller picks by subject)
    reading: object | None = None  # kb.reading.Reading, when the message reader read it


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), Traditional to Simplified, single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return re.sub(r"\s+", " ", to_simplified(text)).strip()


def language_of(text: str) -> str:
    return "zh" if _CJK.search(text) else "en"


def _template_key(text: str) -> str:
    t = normalise(text).lower()
    t = re.sub(r"[?？.。!！,，、:：;；\"“”'‘’「」]", " ", t)
    t = re.sub(r"\b(the|a|an|please)\b", " ", t)
    return re.sub(r"\s+", " ", t).strip()


_ARTICLE = "\0"  # stands for "the " in a phrase: any article or possessive reads the same
_ARTICLE_RE = "(?:the |its |their |my |our |an |a )"


def _alternation(words: list[str], ignore_case: bool = False) -> str:
    """One regex terminal for a word list, as a trie: Python compiles a factored alternation
    of hundreds of phrases many times faster than a flat one, which keeps a cold start short.
    Longest match wins at each branch; an ASCII-final match must end at a word boundary (so
    subject "s" never matches the start of "store"); "the " also reads "its ", "a " ..."""
    if not words:
        return "/(?!x)x/"
    trie: dict = {}
    for w in set(words):
        if ignore_case:
            w = re.sub(r"\bthe ", _ARTICLE, w)
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a word

    boundary = "(?![A-Za-z0-9_])"

    def emit(node: dict, last: str) -> str:
        branches = []
        for ch in sorted((k for k in node if k), key=lambda k: (k == _ARTICLE, k)):
            atom = _ARTICLE_RE if ch == _ARTICLE else re.escape(ch).replace("/", "\\/")
            branches.append(atom + emit(node[ch], ch))
        stop = boundary if re.match(r"[A-Za-z0-9_]", last) else ""
        if "" in node:  # a word may end here: longer words first, then the end itself
            branches.append(stop) if stop or branches else None
            if not stop and branches:
                return "(?:" + "|".join(branches) + ")?"
        if not branches:
            return stop
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return "/(?:" + emit(trie, "") + ")/" + ("i" if ignore_case else "")


_MULTIPLIER = {"w": 10000, "万": 10000, "k": 1000, "千": 1000, "亿": 100000000}


def parse_number(text: str) -> tuple[Decimal, str | None]:
    """People's numbers: 4.5星, 5w, 5万, 50,000, 2%, 3天, 2小时 -> (value, unit word)."""
    m = re.fullmatch(r"\s*([-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(\S*)\s*", text)
    if not m:
        raise QueryError(f"not a number: {text!r}")
    digits, unit = m.group(1).replace(",", ""), m.group(2).lower() or None
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise QueryError(f"not a number: {text!r}") from None
    if unit in _MULTIPLIER:
        return value * _MULTIPLIER[unit], None
    return value, unit


class QuestionParser:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._phrase: dict[tuple[str, str], list[Phrase]] = {}
        for p in lexicon.phrases:  # one phrase may name several predicates ("有效": activity or session)
            self._phrase.setdefault((p.lang, self._key(p.lang, p.text)), []).append(p)
        self._input = {(p.lang, self._key(p.lang, p.text)): p for p in lexicon.inputs}
        self._subjects = {normalise(s): s for s in lexicon.subjects}
        self._templates = {_template_key(t): (lang, goal) for lang, t, goal in lexicon.templates}
        base = resources.files("grammar").joinpath("question.lark").read_text("utf-8")

        def words(items, lang):
            return [self._key(lang, p.text) for p in items if p.lang == lang]

        extra = [
            "PHRASE_EN.4: " + _alternation(words(lexicon.phrases, "en"), ignore_case=True),
            "PHRASE_ZH.4: " + _alternation(words(lexicon.phrases, "zh")),
            "INPUT_EN.3: " + _alternation(words(lexicon.inputs, "en"), ignore_case=True),
            "INPUT_ZH.3: " + _alternation(words(lexicon.inputs, "zh")),
            "SUBJECT.2: " + _alternation(list(self._subjects)),
        ]
        text = base + "\n" + "\n".join(extra) + "\n"
        self._parser = Lark(text, parser="lalr", cache=cache_file("question-lark", text) or False)

    @staticmethod
    def _key(lang: str, text: str) -> str:
        t = normalise(text)
        if lang != "en":
            return t
        return re.sub(r"\b(its|their|my|our|an|a)\b", "the", t.lower())

    # ---- parsing
    def parse(self, text: str) -> Question:
        norm = normalise(text)
        if not norm:
            raise QueryError("empty question", hint="ask e.g. 'can store acme join kuaishou distribution?'")
        if "__" in norm or re.search(r"\b(import|exec|eval|lambda|system)\s*\(", norm):
            raise QueryError("this is not a question Guize can read (it looks like code)",
                             hint="questions and goals are data; nothing you type is run")
        hit = self._templates.get(_template_key(norm))
        if hit is not None:
            return Question("which", hit[1], hit[0], text)
        try:
            tree = self._parser.parse(norm)
            q = ToQuestion(self, norm).transform(tree)
        except VisitError as e:
            if isinstance(e.orig_exc, QueryError):
                raise e.orig_exc from None
            raise
        except UnexpectedInput as e:
            close = self._near_template(norm)
            if close is not None:  # an unreadable question worded almost like a whole question
                return Question("which", close[1], close[0], text)
            raise self._error(norm, e) from None
        return Question(q.kind, q.goal, q.lang, text, q.assignments, q.topic, q.candidates)

    def _near_template(self, text: str, cutoff: float = 0.85) -> tuple[str, Atom] | None:
        """The whole question this one is a near-copy of ("自营店铺…" for "自营商家…"), if any.
        Tried only when no frame can read the question, so it never overrides a reading."""
        key = _template_key(text)
        best = difflib.get_close_matches(key, list(self._templates), n=1, cutoff=cutoff)
        return self._templates[best[0]] if best else None

    def _error(self, text: str, e: UnexpectedInput) -> QueryError:
        col = getattr(e, "column", 1) or 1
        lang = language_of(text)
        short = len(text) <= 120  # naming by example and nearest phrases re-parse: only for short questions
        label = self._label(e) if short else None
        caret = _caret(text, col)
        nearest = self.nearest(text) if short else []
        hint = None
        if nearest:
            hint = ("did you mean: " if lang == "en" else "您是想问：") + " / ".join(nearest)
        if lang == "zh":
            msg = f"看不懂这个问题（第 {col} 个字符处{('：' + ERROR_LABELS_ZH[label]) if label else ''}）:\n{caret}"
        else:
            msg = f"cannot read this question (at column {col}{(': ' + label) if label else ''}):\n{caret}"
        err = QueryError(msg, hint=hint)
        err.label = label  # type: ignore[attr-defined]
        return err

    def _label(self, e: UnexpectedInput) -> str | None:
        examples = {k: [normalise(x) for x in v] for k, v in ERROR_EXAMPLES.items()}
        try:
            return e.match_examples(self._parser.parse, examples, use_accepts=True)
        except Exception:  # match_examples re-parses; any surprise there must not hide the error
            return None

    def nearest(self, text: str, n: int = 3) -> list[str]:
        """Known phrases that look like part of the question (for "did you mean")."""
        lang = language_of(text)
        low = text.lower()
        phrases = sorted({p.text for p in self.lexicon.phrases if p.lang == lang})
        scored = []
        for p in phrases:
            pk = self._key(lang, p)
            windows = [low[i:i + len(pk)] for i in range(0, max(1, len(low) - len(pk) + 1))]
            best = max((difflib.SequenceMatcher(None, pk, w).ratio() for w in windows), default=0)
            if best >= 0.6:
                scored.append((best, p))
        return [p for _, p in sorted(scored, key=lambda x: -x[0])[:n]]

    def phrase(self, lang: str, text: str) -> Phrase:
        return self._phrase[(lang, self._key(lang, text))][0]

    def phrases(self, lang: str, text: str) -> list[Phrase]:
        return self._phrase[(lang, self._key(lang, text))]

    def input_phrase(self, lang: str, text: str) -> Phrase:
        return self._input[(lang, self._key(lang, text))]

    def subject_name(self, text: str) -> str:
        """A known subject as written in the facts (case-insensitively: "Acme" is acme)."""
        if text in self._subjects:
            return self._subjects[text]
        folded = {k.casefold(): v for k, v in self._subjects.items()}
        return folded.get(text.casefold(), text)


# Errors are named by example (Lark's match_examples): a question that fails in the same parser
# state as one of these gets its label. The same table drives tests/test_questions.py.
ERROR_EXAMPLES: dict[str, list[str]] = {
    "the question names no store or subject": [
        "can join kuaishou distribution?", "why can't join kuaishou distribution?",
    ],
    "nothing is asked after the subject": [
        "can store acme", "can acme?", "why can't acme", "acme能", "为什么acme不能",
    ],
    "a what-if needs a value after the input": [
        "if acme had experience stars, could it join kuaishou distribution?",
    ],
    "a what-if needs the question after the values": [
        "if acme had experience stars 4.5", "if acme had experience stars 4.5, could",
    ],
    "a goal needs its closing parenthesis": ["ks_c3_experience_stars_ok(acme", "ks_c3_experience_stars_ok(acme,"],
}
ERROR_LABELS_ZH = {
    "the question names no store or subject": "没有写出店铺或对象",
    "nothing is asked after the subject": "对象后面没有问题",
    "a what-if needs a value after the input": "假设里缺少数值",
    "a what-if needs the question after the values": "假设后面缺少要问的问题",
    "a goal needs its closing parenthesis": "目标缺少右括号",
}


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

    # ---- pieces
    def subject(self, xs):
        toks = [x for x in xs if isinstance(x, Token) and x.type != "NOUN_ZH"]
        tok = toks[-1]
        if tok.type == "MY_ZH":
            subs = self.p.lexicon.subjects
            if len(subs) == 1:
                return ("subject", subs[0])
            raise QueryError("我的店指哪一家？请写出店铺名（例如 acme能入驻快分销吗？）" if subs else
                             "没有载入店铺资料：请用 --facts 提供店铺的事实",
                             hint=("已载入: " + ", ".join(subs)) if subs else None)
        s = str(tok)
        if tok.type == "STRING":
            s = s[1:-1]
        return ("subject", self.p.subject_name(s))

    def phrase(self, xs):
        tok = xs[0]
        lang = "en" if tok.type == "PHRASE_EN" else "zh"
        return ("phrase", self.p.phrases(lang, str(tok)), lang)

    def stated(self, xs):
        """An input named in a value question ("what is acme's store type?"): ask its value."""
        tok = xs[0]
        lang = "en" if tok.type == "INPUT_EN" else "zh"
        return ("phrase", [self.p.input_phrase(lang, str(tok))], lang)

    def topic(self, xs):
        tok = xs[0]
        return ("topic", str(tok).strip(), "en" if tok.type == "TOPIC_EN" else "zh")

    def _typo(self, words: str, lang: str) -> None:
        """Words close to a known phrase are a typo of it, not another topic."""
        near = self.p.nearest(words)
        close = [n for n in near if difflib.SequenceMatcher(
            None, self.p._key(lang, n), words.lower() if lang == "en" else words).ratio() >= 0.75]
        if close:
            where = self.text.find(words) + 1
            raise QueryError(
                (f"cannot read this question (at column {where}):\n" if lang == "en"
                 else f"看不懂这个问题（第 {where} 个字符处）:\n") + _caret(self.text, where),
                hint=("did you mean: " if lang == "en" else "您是想问：") + " / ".join(close))

    def number(self, xs):
        value, unit = parse_number(str(xs[0]))
        return ("value", value, unit, str(xs[0]))

    def date(self, xs):
        try:
            return ("value", _dt.date.fromisoformat(str(xs[0])), None, str(xs[0]))
        except ValueError:
            raise QueryError(f"not a calendar date: {xs[0]}", hint="write dates as YYYY-MM-DD") from None

    def datetime(self, xs):
        try:
            return ("value", _dt.datetime.fromisoformat(str(xs[0])), None, str(xs[0]))
        except ValueError:
            raise QueryError(f"not a date-time: {xs[0]}", hint="write YYYY-MM-DDTHH:MM") from None

    def string(self, xs):
        return ("value", str(xs[0])[1:-1], None, str(xs[0]))

    def word(self, xs):
        w = str(xs[0])
        return ("value", {"yes": "true", "no": "false", "是": "true", "否": "false"}.get(w.lower(), w), None, w)

    def _assignment(self, xs, lang: str):
        tok = next(x for x in xs if isinstance(x, Token) and x.type in ("INPUT_EN", "INPUT_ZH"))
        _, value, unit, raw = next(x for x in xs if isinstance(x, tuple) and x[0] == "value")
        ph = self.p.input_phrase(lang, str(tok))
        return ("assign", Assignment(ph.pred, value, unit, f"{tok} {raw}"))

    def assignment_en(self, xs):
        return self._assignment(xs, "en")

    def assignment_zh(self, xs):
        return self._assignment(xs, "zh")

    # ---- frames
    def _frame(self, kind: str, xs) -> Question:
        subject = next((x[1] for x in xs if isinstance(x, tuple) and x[0] == "subject"), None)
        what = next(x for x in xs if isinstance(x, tuple) and x[0] in ("phrase", "topic"))
        assignments = tuple(x[1] for x in xs if isinstance(x, tuple) and x[0] == "assign")
        if what[0] == "topic":
            self._no_subject(subject, what[1], what[2])
            self._typo(what[1], what[2])
            goal = Atom("not_covered", (Const(subject),) if subject else ())
            return Question("uncovered", goal, what[2], self.text, assignments, topic=what[1])
        options, lang = what[1], what[2]
        ph = options[0]
        args: list[Term] = [Const(subject) if subject is not None else Var("S")]
        args += [Var(f"X{i}") for i in range(1, ph.arity)]
        return Question(kind, Atom(ph.pred, tuple(args)), lang, self.text, assignments,
                        candidates=tuple(p.pred for p in options))

    def _no_subject(self, subject: str | None, topic: str, lang: str) -> None:
        """"can join kuaishou distribution?": the first word was taken for a subject, but it
        and the rest are a known phrase, so what is missing is the subject."""
        if not subject:
            return
        joined = f"{subject} {topic}".lower() if lang == "en" else f"{subject}{topic}"
        for p in self.p.lexicon.phrases:
            if p.lang == lang and self.p._key(lang, p.text) == joined:
                label = "the question names no store or subject"
                where = self.text.lower().find(subject.lower()) + 1
                msg = (f"cannot read this question (at column {where}: {label}):\n" if lang == "en"
                       else f"看不懂这个问题（第 {where} 个字符处：{ERROR_LABELS_ZH[label]}）:\n")
                err = QueryError(msg + _caret(self.text, where),
                                 hint="e.g. can store acme " + p.text if lang == "en" else f"例如 acme能{p.text}吗？")
                err.label = label  # type: ignore[attr-defined]
                raise err

    def yes_no(self, xs):
        return self._frame("yes_no", xs)

    def why(self, xs):
        return self._frame("why", xs)

    def why_not(self, xs):
        return self._frame("why_not", xs)

    def which(self, xs):
        return self._frame("which", xs)

    def needed(self, xs):
        return self._frame("needed", xs)

    def what_if(self, xs):
        return self._frame("what_if", xs)

    def value_of(self, xs):
        return self._frame("value", xs)

    # ---- raw goals
    def var(self, xs):
        return Var(str(xs[0]))

    def symbol(self, xs):
        return Const(str(xs[0]))

    def goal(self, xs):
        name = next(x for x in xs if isinstance(x, Token) and x.type == "NAME")
        args = tuple(_goal_arg(x) for x in xs if isinstance(x, (Var, Const, tuple)))
        preds = self.p.lexicon.predicates
        if preds and str(name) not in preds:
            raise QueryError(f"unknown predicate {name}", hint=did_you_mean(str(name), preds) or "see `kb vocab`")
        if preds and preds[str(name)] != len(args):
            raise QueryError(f"{name} takes {preds[str(name)]} argument(s), got {len(args)}",
                             hint=f"write {name}/{preds[str(name)]}")
        return Question("goal", Atom(str(name), args), "en", self.text)

    def start(self, xs):
        return xs[0]


def _goal_arg(x) -> Var | Const:
    if isinstance(x, tuple):  # a value (number with unit words is not a goal argument)
        return Const(x[1])
    return x


def canonical_question(goal: Atom, lexicon: Lexicon, lang: str = "en") -> str:
    """The plain question for a goal (used by tests: parsing it gives the goal back)."""
    for l2, text, g in lexicon.templates:
        if l2 == lang and g == goal:
            return text
    phrase = next((p for p in lexicon.phrases if p.pred == goal.pred and p.lang == lang), None)
    if phrase is None or not goal.args:
        return str(goal)
    subject = goal.args[0]
    if isinstance(subject, Var):
        return f"which stores can {phrase.text}?" if lang == "en" else f"哪些店铺可以{phrase.text}？"
    name = format_value(subject.value)  # type: ignore[union-attr]
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]*", name):
        name = f"「{subject.value}」"  # type: ignore[union-attr]
    return f"can {name} {phrase.text}?" if lang == "en" else f"{name}能{phrase.text}吗？"
