"""The term model: the one data structure shared by parser, loader, engine, prover and checker.

Leaf module: it imports nothing from the project and nothing outside the standard library.
Constants are plain Python values: ``str`` (symbols and strings alike), ``Decimal`` (every
number, so "exactly 2x" is exact), ``datetime.date`` and ``datetime.datetime``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

Value = str | Decimal | _dt.date | _dt.datetime

_SYMBOL = re.compile(r"[a-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class Pos:
    """Where something was written: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Var:
    name: str  # "_" alone is anonymous; the loader renames each to a fresh variable

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Const:
    value: Value

    def __str__(self) -> str:
        return format_value(self.value)


@dataclass(frozen=True)
class Call:
    """An expression: arithmetic (``+ - * /``) or a built-in function such as ``add_years``."""

    fn: str
    args: tuple[Term, ...]

    def __str__(self) -> str:
        if self.fn in ARITHMETIC:
            return f"({self.args[0]} {self.fn} {self.args[1]})"
        return f"{self.fn}({', '.join(map(str, self.args))})"


Term = Var | Const | Call
ARITHMETIC = ("+", "-", "*", "/")
COMPARISONS = ("=", "!=", "<", "=<", ">", ">=")


@dataclass(frozen=True, slots=True)
class Atom:
    pred: str
    args: tuple[Term, ...]

    @property
    def key(self) -> tuple[str, int]:
        return (self.pred, len(self.args))

    def is_ground(self) -> bool:
        return all(isinstance(a, Const) for a in self.args)

    def values(self) -> tuple[Value, ...]:
        """The argument values of a ground atom."""
        return tuple(a.value for a in self.args)  # type: ignore[union-attr]  # ground: every argument a Const

    def __str__(self) -> str:
        if not self.args:
            return self.pred
        return f"{self.pred}({', '.join(map(str, self.args))})"


@dataclass(frozen=True)
class Neg:
    atom: Atom

    def __str__(self) -> str:
        return f"not {self.atom}"


@dataclass(frozen=True)
class Compare:
    op: str  # one of COMPARISONS; "=" binds an unbound variable on either side
    lhs: Term
    rhs: Term

    def __str__(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}"


@dataclass(frozen=True)
class Aggregate:
    """``Result = count { Vars : body }`` or ``Result = sum { Expr, Vars : body }``.

    Counts (or sums ``Expr`` over) the distinct tuples of ``Vars`` that satisfy ``body``,
    grouped by the body variables that also occur outside the aggregate.
    """

    result: Var
    fn: str  # "count" | "sum"
    expr: Term | None  # summed value (sum only)
    vars: tuple[Var, ...]
    body: tuple[Literal, ...]
    group: tuple[Var, ...] = ()  # set by the loader: the variables shared with the clause

    def __str__(self) -> str:
        head = ", ".join(map(str, ((self.expr,) if self.expr is not None else ()) + self.vars))
        return f"{self.result} = {self.fn} {{ {head} : {', '.join(map(str, self.body))} }}"


Literal = Atom | Neg | Compare | Aggregate


@dataclass(frozen=True)
class Citation:
    file: str  # a seed file name, e.g. "004_ab237df4ce40d813.txt"
    quote: str  # verbatim, scraping artifacts included
    pos: Pos | None = None


@dataclass(frozen=True)
class Annotations:
    """What the ``%% @...`` lines above a statement say about it."""

    id: str | None = None
    sources: tuple[Citation, ...] = ()
    rules: tuple[str, ...] = ()  # inventory statement ids this clause encodes
    docs: tuple[tuple[str, str], ...] = ()  # (lang, text)
    asks: tuple[tuple[str, str], ...] = ()  # (lang, phrase)
    names: tuple[tuple[str, str], ...] = ()  # (lang, display name) for declarations
    readings: tuple[str, ...] = ()
    valid_from: _dt.date | None = None
    valid_until: _dt.date | None = None
    templates: tuple[tuple[str, str, str], ...] = ()  # (lang, whole question, goal text)
    controlled_by: str | None = None  # inputs: who sets the value when it is not the subject
    # the question language: words people use for one of this statement's symbols ("企业店" for
    # enterprise), key words of its topic beyond the @ask phrases, and what the text leaves out
    values: tuple[tuple[str, str, str], ...] = ()  # (symbol, lang, words)
    words: tuple[tuple[str, str], ...] = ()  # (lang, words)
    gaps: tuple[tuple[str, str], ...] = ()  # (lang, what the document does not say)
    # inputs: "one" (@single) or "many" (@many) values per subject; None: the default
    cardinality: str | None = None
    # alternative readings: this clause holds only under reading KEY (@alternative KEY "what it
    # reads"), or only under the reading taken, and is replaced under each KEY (@primary KEY ...)
    alternative: tuple[str, str] | None = None
    primary: tuple[str, ...] = ()

    def doc(self, lang: str) -> str | None:
        return next((t for lg, t in self.docs if lg == lang), None)

    def name(self, lang: str) -> str | None:
        return next((t for lg, t in self.names if lg == lang), None)


@dataclass(frozen=True, slots=True)
class Clause:
    head: Atom
    body: tuple[Literal, ...] = ()
    notes: Annotations = field(default_factory=Annotations)
    pos: Pos | None = None
    body_pos: tuple[Pos | None, ...] = field(default=(), compare=False)  # one per body literal

    @property
    def id(self) -> str:
        return self.notes.id or f"{self.pos}"

    @property
    def is_fact(self) -> bool:
        return not self.body

    def __str__(self) -> str:
        if not self.body:
            return f"{self.head}."
        return f"{self.head} :- {', '.join(map(str, self.body))}."


@dataclass(frozen=True)
class ArgDecl:
    name: str
    type: str  # "string" | "number" | "date" | "datetime" | "bool" | a declared subject type | "enum"
    values: tuple[str, ...] = ()  # allowed values (enum)
    unit: str | None = None
    low: Decimal | None = None  # inclusive numeric range
    high: Decimal | None = None


@dataclass(frozen=True)
class InputDecl:
    """``[optional] input pred(arg: type, ...).``: a predicate users state facts about.

    A positive condition on a plain input with no fact for the subject makes the answer
    *unknown*; an optional input (violation records, linked accounts ...) is a list whose
    absence means "none".
    """

    pred: str
    args: tuple[ArgDecl, ...]
    notes: Annotations = field(default_factory=Annotations)
    pos: Pos | None = None
    optional: bool = False  # "optional input": stating none means there is none (not "unknown")
    # at most one value of the last argument for each tuple of the others (a star rating, a store
    # type); set by the loader: plain inputs are single unless @many, optional ones only if @single
    single: bool = False

    @property
    def key(self) -> tuple[str, int]:
        return (self.pred, len(self.args))


@dataclass(frozen=True)
class TypeDecl:
    """``type ks_store.``: a kind of subject (store, agency, activity ...)."""

    name: str
    notes: Annotations = field(default_factory=Annotations)
    pos: Pos | None = None


@dataclass(frozen=True)
class NotEncoded:
    """``%% @not_encoded D004-R11 "reason"`` standing on its own."""

    rule: str
    reason: str
    pos: Pos | None = None


Statement = Clause | InputDecl | TypeDecl | NotEncoded


@dataclass(frozen=True)
class Module:
    """One parsed file."""

    file: str
    statements: tuple[Statement, ...]


def format_value(v: Value) -> str:
    """Canonical text of a constant, readable back by the rule grammar."""
    if isinstance(v, str):
        if _SYMBOL.match(v) and v not in ("not", "count", "sum"):
            return v
        # \n and \t as escapes: the grammar reads them back, and a raw newline ends no string
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    if isinstance(v, Decimal):
        text = format(v, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    if isinstance(v, _dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M")
    if isinstance(v, _dt.date):
        return v.isoformat()
    raise TypeError(f"not a Guize value: {v!r}")


def term_vars(t: Term) -> list[Var]:
    if isinstance(t, Var):
        return [t]
    if isinstance(t, Call):
        return [v for a in t.args for v in term_vars(a)]
    return []


def literal_vars(lit: Literal) -> list[Var]:
    """Variables of a literal in order of first appearance (aggregates: result + group vars)."""
    if isinstance(lit, Atom):
        out = [v for a in lit.args for v in term_vars(a)]
    elif isinstance(lit, Neg):
        out = literal_vars(lit.atom)
    elif isinstance(lit, Compare):
        out = term_vars(lit.lhs) + term_vars(lit.rhs)
    else:
        out = [lit.result] + [v for b in lit.body for v in literal_vars(b)]
    seen: list[Var] = []
    for v in out:
        if v not in seen:
            seen.append(v)
    return seen


Subst = dict[Var, Value]


def subst_term(t: Term, env: Subst) -> Term:
    if isinstance(t, Var):
        return Const(env[t]) if t in env else t
    if isinstance(t, Call):
        return Call(t.fn, tuple(subst_term(a, env) for a in t.args))
    return t


def subst_atom(a: Atom, env: Subst) -> Atom:
    return Atom(a.pred, tuple(subst_term(t, env) for t in a.args))


def subst_literal(lit: Literal, env: Subst) -> Literal:
    if isinstance(lit, Atom):
        return subst_atom(lit, env)
    if isinstance(lit, Neg):
        return Neg(subst_atom(lit.atom, env))
    if isinstance(lit, Compare):
        return Compare(lit.op, subst_term(lit.lhs, env), subst_term(lit.rhs, env))
    inner = {k: v for k, v in env.items() if k not in lit.vars and k != lit.result}
    return Aggregate(
        lit.result,
        lit.fn,
        subst_term(lit.expr, inner) if lit.expr is not None else None,
        lit.vars,
        tuple(subst_literal(b, inner) for b in lit.body),
        lit.group,
    )


def match(pattern: Atom, fact: Atom, env: Subst | None = None) -> Subst | None:
    """One-way match of a pattern (a clause head, a body literal) against an atom; returns the
    extended bindings. Variables of a partial goal ("p(a, X)") match anything and bind nothing."""
    if pattern.pred != fact.pred or len(pattern.args) != len(fact.args):
        return None
    out: Subst = dict(env or {})
    for p, f in zip(pattern.args, fact.args):
        if not isinstance(f, Const):  # a variable of a partial goal stays free
            continue
        value = f.value
        if isinstance(p, Var):
            if p in out:
                if not values_equal(out[p], value):
                    return None
            else:
                out[p] = value
        elif isinstance(p, Const):
            if not values_equal(p.value, value):
                return None
        else:
            return None
    return out


def values_equal(a: Value, b: Value) -> bool:
    """Equality without Python's cross-type surprises (True == 1, date vs datetime)."""
    return type(a) is type(b) and a == b


# the argument types that are values, not subjects (the rest name a declared subject type)
VALUE_TYPES = ("string", "number", "date", "datetime", "bool", "enum")


def json_value(v: object) -> str | int | float | bool | None:
    """A term value in JSON (``guize.answer/1``): integers stay integers, other decimals become
    the shortest float that reads back the same, dates and times ISO text."""
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() and abs(v) < 10**15 else float(v)
    if isinstance(v, bool | str | int | float) or v is None:
        return v
    if isinstance(v, _dt.date):
        return format_value(v)
    return str(v)


def value_from_json(v: object) -> Value:
    """The term value a ``json_value`` reads back as (numbers exact, ISO dates as dates; the
    rule language's booleans are the symbols true and false)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str):
        try:
            if len(v) == 10 and v[4] == "-":
                return _dt.date.fromisoformat(v)
            if len(v) == 16 and v[10] == "T":
                return _dt.datetime.fromisoformat(v)
        except ValueError:
            pass
        return v
    return str(v)
