"""A question's outcome (``Question``) and the raw goal, the one question form that is not words.

Questions in words are read by the message reader (grammar.message for the span stream,
kb.reading for meaning): that is the one home for meaning. A raw goal, ``?- pred(args).``, is
syntax only and is parsed here with grammar/goal.lark. ``Lexicon`` lists the phrases the rule
files give each predicate, for completion menus; it decides nothing.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, UnexpectedInput

from grammar.errors import QueryError, did_you_mean
from grammar.model import Atom, Const, Value, Var


@dataclass(frozen=True)
class Phrase:
    text: str
    lang: str
    pred: str
    arity: int


@dataclass(frozen=True)
class Lexicon:
    """The phrases of the loaded rules (for completion menus)."""

    phrases: tuple[Phrase, ...]  # @ask of derived predicates: "join kuaishou distribution"
    subjects: tuple[str, ...] = ()
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
    reading: object | None = None  # kb.reading.Reading, when the message reader read it


_GOAL_SHAPE = re.compile(r"\s*(\?-)?\s*[a-z][a-z0-9_]*\s*\(.*\)\s*\.?\s*", re.S)
_GOAL_START = re.compile(r"\s*(\?-|[a-z][a-z0-9]*_[a-z0-9_]*\s*\()")  # "?- …" or "some_pred(" (cut short)


def looks_like_goal(text: str) -> bool:
    """``pred(...)``, with or without ``?-`` and the final dot, or a goal cut short."""
    return bool(_GOAL_SHAPE.fullmatch(text) or _GOAL_START.match(text))


@lru_cache(maxsize=1)
def _goal_parser() -> Lark:
    return Lark(resources.files("grammar").joinpath("goal.lark").read_text("utf-8"), parser="lalr")


class _ToGoal(Transformer):
    def var(self, xs):
        return Var(str(xs[0]))

    def symbol(self, xs):
        return Const(str(xs[0]))

    def string(self, xs):
        return Const(str(xs[0])[1:-1])

    def number(self, xs):
        return Const(Decimal(str(xs[0])))

    def date(self, xs):
        try:
            return Const(_dt.date.fromisoformat(str(xs[0])))
        except ValueError:
            raise QueryError(f"not a date: {xs[0]}", hint="write dates as YYYY-MM-DD") from None

    def datetime(self, xs):
        try:
            return Const(_dt.datetime.fromisoformat(str(xs[0])))
        except ValueError:
            raise QueryError(f"not a date and time: {xs[0]}", hint="write YYYY-MM-DDTHH:MM") from None

    def start(self, xs):
        name = next(x for x in xs if isinstance(x, Token) and x.type == "NAME")
        return Atom(str(name), tuple(x for x in xs if isinstance(x, (Var, Const))))


def parse_goal(text: str, predicates: dict[str, int]) -> Question:
    """``?- pred(args).`` checked against the loaded predicates and their arities."""
    from lark.exceptions import VisitError

    try:
        goal = _ToGoal().transform(_goal_parser().parse(text.strip()))
    except VisitError as e:
        if isinstance(e.orig_exc, QueryError):
            raise e.orig_exc from None
        raise
    except UnexpectedInput as e:
        col = getattr(e, "column", 1) or 1
        what = "a goal needs its closing parenthesis" if text.rstrip(" .").count("(") > text.count(")") \
            else "expected pred(arg, ...) with variables, symbols, \"strings\", numbers or dates"
        raise QueryError(f"cannot read this goal (at column {col}: {what}):\n  {text}\n  {' ' * (col - 1)}^",
                         hint="e.g. ?- ks_distribution_eligible(acme).") from None
    if goal.pred not in predicates:
        raise QueryError(f"unknown predicate {goal.pred}", hint=did_you_mean(goal.pred, predicates) or "see `kb vocab`")
    if predicates[goal.pred] != len(goal.args):
        raise QueryError(f"{goal.pred} takes {predicates[goal.pred]} argument(s), got {len(goal.args)}",
                         hint=f"write {goal.pred}/{predicates[goal.pred]}")
    return Question("goal", goal, "en", text)
