"""Parse rule and facts files (grammar/rules.lark) into the term model.

Syntax errors do not stop the parse: the broken statement is blanked out and parsing goes
on, so one run reports every problem in a file.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, cast

from lark import Lark, Token, Transformer, UnexpectedInput, v_args
from lark.exceptions import VisitError

from grammar.errors import KbError, LoadErrors, RuleSyntaxError, did_you_mean
from grammar.model import (
    Aggregate,
    Annotations,
    ArgDecl,
    Atom,
    Call,
    Citation,
    Clause,
    Compare,
    Const,
    InputDecl,
    Module,
    Neg,
    NotEncoded,
    Pos,
    Statement,
    TypeDecl,
    Var,
)

ANNOTATION_KEYS = ("id", "source", "rule", "not_encoded", "doc", "ask", "name", "reading",
                   "valid_from", "valid_until", "controlled_by", "value", "words", "gap")

# Friendly names for grammar terminals in "expected ..." messages.
_TERMINAL_NAMES = {
    "DOT": "'.'", "COMMA": "','", "LPAR": "'('", "RPAR": "')'", "IF": "':-'", "NAME": "a name",
    "VAR": "a variable", "NUMBER": "a number", "STRING": "a string", "DATE": "a date",
    "COMP_OP": "a comparison", "COLON": "':'", "LBRACE": "'{'", "RBRACE": "'}'",
    "EQUAL": "'='", "NOT": "'not'", "$END": "end of file", "ANNOTATION": "an annotation",
}


def _plain_parser(kind: str, grammar: str, **options: Any) -> Lark:
    return Lark(grammar, **options)


# How the rule grammars are built: plainly here, or through the builder kb installs (kb/cache.py
# keeps built parsers on disk between runs; grammar/ itself knows nothing of where).
build_parser: Callable[..., Lark] = _plain_parser


def use_parser_builder(builder: Callable[..., Lark]) -> None:
    """Build the rule grammars' parsers with ``builder(kind, grammar, **lark_options)`` from now on."""
    global build_parser
    build_parser = builder
    _rules_parser.cache_clear()
    _annotation_parser.cache_clear()


@cache
def _rules_parser() -> Lark:
    text = resources.files("grammar").joinpath("rules.lark").read_text("utf-8")
    return build_parser("rules", text, parser="lalr", propagate_positions=True, maybe_placeholders=True)


@cache
def _annotation_parser() -> Lark:
    text = resources.files("grammar").joinpath("annotation.lark").read_text("utf-8")
    return build_parser("annotation", text, parser="lalr")


def _unquote(tok: str) -> str:
    body = tok[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _date(text: str) -> _dt.date:
    return _dt.date.fromisoformat(text)


@dataclass(frozen=True)
class _Note:
    key: str
    value: object
    pos: Pos


@dataclass(frozen=True)
class _Located:
    item: object
    pos: Pos


class ToAnnotation(Transformer):
    """Annotation parse tree -> (key, value)."""

    def id(self, xs):
        return ("id", str(xs[0]))

    def source(self, xs):
        return ("source", (str(xs[0]), _unquote(str(xs[1]))))

    def rule(self, xs):
        return ("rule", tuple(str(x) for x in xs))

    def not_encoded(self, xs):
        return ("not_encoded", (str(xs[0]), _unquote(str(xs[1]))))

    def doc(self, xs):
        return ("doc", (str(xs[0]), _unquote(str(xs[1]))))

    def ask(self, xs):
        lang = str(xs[0])
        phrases = [_unquote(str(x)) for x in xs[1:] if x.type == "STRING"]
        goal = next((str(x) for x in xs[1:] if x.type == "GOAL"), None)
        if goal is not None:  # whole questions that stand for one goal ("which modes need a contract")
            return ("template", tuple((lang, p, goal) for p in phrases))
        return ("ask", tuple((lang, p) for p in phrases))

    def controlled_by(self, xs):
        return ("controlled_by", _unquote(str(xs[0])))

    def name(self, xs):
        return ("name", (str(xs[0]), _unquote(str(xs[1]))))

    def reading(self, xs):
        return ("reading", _unquote(str(xs[0])))

    def value(self, xs):
        symbol, lang = str(xs[0]), str(xs[1])
        return ("values", tuple((symbol, lang, _unquote(str(x))) for x in xs[2:]))

    def words(self, xs):
        return ("words", tuple((str(xs[0]), _unquote(str(x))) for x in xs[1:]))

    def gap(self, xs):
        return ("gaps", tuple((str(xs[0]), _unquote(str(x))) for x in xs[1:]))

    def valid_from(self, xs):
        return ("valid_from", _date(str(xs[0])))

    def valid_until(self, xs):
        return ("valid_until", _date(str(xs[0])))

    def single(self, xs):
        return ("cardinality", "one")

    def many(self, xs):
        return ("cardinality", "many")

    def alternative(self, xs):
        return ("alternative", (str(xs[0]), _unquote(str(xs[1]))))

    def primary(self, xs):
        return ("primary", tuple(str(x) for x in xs))

    def start(self, xs):
        return xs[0]


class ToModel(Transformer):
    """Rule-file parse tree -> term-model statements. Pure: no I/O, no engine."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def _pos(self, meta) -> Pos:
        return Pos(self.file, meta.line, meta.column)

    # ---- constants and expressions
    def number(self, xs):
        return Const(Decimal(str(xs[0])))

    def negative(self, xs):
        return Const(-Decimal(str(xs[0])))

    def string(self, xs):
        return Const(_unquote(str(xs[0])))

    def symbol(self, xs):
        return Const(str(xs[0]))

    def date(self, xs):
        tok = xs[0]
        try:
            return Const(_date(str(tok)))
        except ValueError:
            raise RuleSyntaxError(f"not a calendar date: {tok}", Pos(self.file, tok.line, tok.column),
                                  "write dates as YYYY-MM-DD") from None

    def datetime(self, xs):
        tok = xs[0]
        try:
            return Const(_dt.datetime.fromisoformat(str(tok)))
        except ValueError:
            raise RuleSyntaxError(f"not a date-time: {tok}", Pos(self.file, tok.line, tok.column),
                                  "write date-times as YYYY-MM-DDTHH:MM") from None

    def var(self, xs):
        return Var(str(xs[0]))

    def binop(self, xs):
        return Call(str(xs[1]), (xs[0], xs[2]))

    def neg_expr(self, xs):
        x = xs[0]
        if isinstance(x, Const) and isinstance(x.value, Decimal):
            return Const(-x.value)
        return Call("-", (Const(Decimal(0)), x))

    def call(self, xs):
        return Call(str(xs[0]), tuple(x for x in xs[1:] if x is not None))

    # ---- literals
    @v_args(meta=True)
    def atom(self, meta, xs):
        args = tuple(x for x in xs[1:] if x is not None)
        return _Located(Atom(str(xs[0]), args), self._pos(meta))

    @v_args(meta=True)
    def neg(self, meta, xs):
        return _Located(Neg(xs[0].item), self._pos(meta))

    @v_args(meta=True)
    def compare(self, meta, xs):
        op = "=" if str(xs[1]) == "==" else str(xs[1])
        return _Located(Compare(op, xs[0], xs[2]), self._pos(meta))

    @v_args(meta=True)
    def aggregate(self, meta, xs):
        result, op, fn, head, body = xs[0], str(xs[1]), str(xs[2]), xs[3], xs[4]
        pos = self._pos(meta)
        if not isinstance(result, Var):
            raise RuleSyntaxError("an aggregate's result must be a variable", pos,
                                  "write N = count { X : p(X) }, then compare N")
        if op not in ("=", "=="):
            raise RuleSyntaxError(f"an aggregate binds its result with '=', not '{op}'", pos,
                                  "write N = count { X : p(X) }, then compare N")
        if fn == "count":
            if not all(isinstance(v, Var) for v in head):
                raise RuleSyntaxError("count { ... } lists variables only", pos,
                                      "write N = count { X : p(X) }")
            expr, vars_ = None, tuple(head)
        else:
            expr, vars_ = head[0], tuple(head[1:])
            if not vars_:
                raise RuleSyntaxError("sum { ... } needs the variables that identify each item", pos,
                                      "write T = sum { Amount, Order : amount(Order, Amount) }")
        lits = tuple(x.item for x in body)
        return _Located(Aggregate(result, fn, expr, vars_, lits), pos)

    def agg_head(self, xs):
        return [x if not isinstance(x, Token) else Var(str(x)) for x in xs]

    def body(self, xs):
        return list(xs)

    # ---- statements
    @v_args(meta=True)
    def fact(self, meta, xs):
        return Clause(xs[0].item, (), pos=self._pos(meta))

    @v_args(meta=True)
    def rule(self, meta, xs):
        body = xs[1]
        return Clause(xs[0].item, tuple(b.item for b in body), pos=self._pos(meta),
                      body_pos=tuple(b.pos for b in body))

    def unit(self, xs):
        return ("unit", _unquote(str(xs[0])))

    def range(self, xs):
        return ("range", (Decimal(str(xs[0])), Decimal(str(xs[1]))))

    def named_type(self, xs):
        opts = dict(x for x in xs[1:] if x is not None)
        low, high = opts.get("range", (None, None))
        return ("type", str(xs[0]), (), opts.get("unit"), low, high)

    def enum_type(self, xs):
        names = tuple(str(x) for x in xs if isinstance(x, Token))
        unit = next((x[1] for x in xs if isinstance(x, tuple)), None)
        return ("type", "enum", names, unit, None, None)

    def arg_decl(self, xs):
        _, typ, values, unit, low, high = xs[1]
        return ArgDecl(str(xs[0]), typ, values, unit, low, high)

    @v_args(meta=True)
    def input_decl(self, meta, xs):
        optional = isinstance(xs[0], Token) and xs[0].type == "OPTIONAL"
        xs = [x for x in xs if not (isinstance(x, Token) and x.type == "OPTIONAL")]
        return InputDecl(str(xs[0]), tuple(xs[1:]), pos=self._pos(meta), optional=optional)

    @v_args(meta=True)
    def type_decl(self, meta, xs):
        return TypeDecl(str(xs[0]), pos=self._pos(meta))

    def ANNOTATION(self, tok):
        pos = Pos(self.file, tok.line, tok.column)
        try:
            key, value = ToAnnotation().transform(_annotation_parser().parse(str(tok)))
        except UnexpectedInput as e:
            raise _annotation_error(str(tok), e, pos) from None
        return _Note(key, value, pos)

    def start(self, xs):
        return list(xs)


def _annotation_error(text: str, e: UnexpectedInput, pos: Pos) -> RuleSyntaxError:
    where = Pos(pos.file, pos.line, pos.column + max(e.column, 1) - 1)
    m = re.match(r"%%\s*@(\w+)", text)
    if not m:
        return RuleSyntaxError("an annotation line starts with %% @key", where,
                               "keys: " + ", ".join("@" + k for k in ANNOTATION_KEYS))
    key = m.group(1)
    if key not in ANNOTATION_KEYS:
        hint = did_you_mean(key, ANNOTATION_KEYS) or ("keys: " + ", ".join("@" + k for k in ANNOTATION_KEYS))
        return RuleSyntaxError(f"unknown annotation @{key}", where, hint)
    usage = {
        "id": '%% @id ks.distribution.eligible',
        "source": '%% @source 004_ab237df4ce40d813.txt "verbatim quote"',
        "rule": "%% @rule D004-R05 D004-R06",
        "not_encoded": '%% @not_encoded D004-R11 "why no encoding helps"',
        "doc": '%% @doc en "text" (or zh)', "ask": '%% @ask en "phrase" | "other phrase"',
        "name": '%% @name zh "名称"', "reading": '%% @reading "how the ambiguous text is read"',
        "controlled_by": '%% @controlled_by "the platform"',
        "value": '%% @value enterprise zh "企业店铺" | "企业店"', "words": '%% @words en "distribution" | "kfx"',
        "gap": '%% @gap en "what the document does not say"',
        "valid_from": "%% @valid_from 2021-05-21", "valid_until": "%% @valid_until 2021-05-21",
    }[key]
    return RuleSyntaxError(f"malformed @{key} annotation", where, f"expected: {usage}")


# Tokens whose text is the file's content: an error names their kind and position, never
# quotes them (a file named by mistake, /etc/shadow say, must not be echoed a token at a time).
_CONTENT = {"NAME": "name", "VAR": "variable", "STRING": "string", "NUMBER": "number", "DATE": "date",
            "DATETIME": "date-time", "ANNOTATION": "annotation", "COMMENT": "comment"}


def _syntax_error(text: str, file: str, e: UnexpectedInput) -> RuleSyntaxError:
    pos = Pos(file, e.line, e.column)
    expected = getattr(e, "expected", None) or getattr(e, "allowed", None) or set()
    names = sorted({_TERMINAL_NAMES.get(t, t.lower()) for t in expected})
    got = getattr(e, "token", None)
    if got is not None and getattr(got, "type", "") == "$END":
        what = "unexpected end of file"
    elif got is not None and getattr(got, "type", "") in _CONTENT:
        what = f"unexpected {_CONTENT[got.type]}"  # not its text: the file may not be facts at all
    elif got is not None:
        what = f"unexpected {str(got)!r}"
    elif e.pos_in_stream is not None and e.pos_in_stream < len(text):
        ch = text[e.pos_in_stream]
        what = f"unexpected character {ch!r}" if ch.isprintable() else f"unexpected character U+{ord(ch):04X}"
    else:
        what = "syntax error"
    hint = None
    if "DOT" in expected or "'.'" in names:
        hint = "every statement ends with '.'"
    elif got is not None and str(got) == "\\+":
        hint = "write negation as 'not p(X)'"
    line = text.splitlines()[e.line - 1] if 0 < e.line <= len(text.splitlines()) else ""
    if line.lstrip().startswith("%") and not line.lstrip().startswith("%%"):
        hint = None
    msg = what + (f"; expected {', '.join(names[:8])}" if names else "")
    return RuleSyntaxError(msg, pos, hint)


_STATEMENT_END = re.compile(r"\.(?=\s|$)")


def _blank_statement(text: str, offset: int) -> str:
    """Blank out the statement around ``offset`` (keeping newlines) so parsing can resume."""
    start = 0
    for m in _STATEMENT_END.finditer(text, 0, offset):
        start = m.end()
    # never swallow annotation lines that come before the broken statement
    line_start = text.rfind("\n", 0, offset) + 1
    if text[line_start:offset].lstrip().startswith("%%"):
        start = line_start
    else:
        while True:
            nl = text.find("\n", start)
            if nl == -1 or nl >= line_start:
                break
            seg = text[start:nl].strip()
            if seg.startswith("%") or not seg:
                start = nl + 1
            else:
                break
    end_m = _STATEMENT_END.search(text, offset)
    nl = text.find("\n", offset)
    if text[line_start:offset].lstrip().startswith("%%"):
        end = nl if nl != -1 else len(text)
    else:
        end = end_m.end() if end_m else len(text)
    if end <= offset:
        end = offset + 1
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def parse_text(text: str, file: str = "<text>", max_errors: int = 50) -> Module:
    """Parse one file. Raises ``LoadErrors`` listing every syntax error found."""
    module, errors = parse_recovering(text, file, max_errors)
    if errors:
        raise LoadErrors(errors)
    return module


def parse_recovering(text: str, file: str = "<text>", max_errors: int = 50) -> tuple[Module, list[KbError]]:
    """Parse one file, skipping broken statements: the statements that parse, and every error."""
    errors: list[KbError] = []
    items = None
    for _ in range(max_errors):
        try:
            tree = _rules_parser().parse(text)
            items = ToModel(file).transform(tree)
            break
        except UnexpectedInput as e:
            errors.append(_syntax_error(text, file, e))
            offset = e.pos_in_stream if e.pos_in_stream is not None else len(text)
            text = _blank_statement(text, offset)
        except VisitError as e:
            if not isinstance(e.orig_exc, KbError):
                raise
            err = e.orig_exc
            errors.append(err)
            lines = text.splitlines(keepends=True)
            line = err.pos.line if err.pos else 1
            offset = sum(len(x) for x in lines[: line - 1]) + (err.pos.column - 1 if err.pos else 0)
            text = _blank_statement(text, min(offset, max(len(text) - 1, 0)))
    return Module(file, tuple(_attach(items or [], file))), errors


def _attach(items: list, file: str) -> list[Statement]:
    """Attach each run of annotation lines to the statement that follows it.

    A fact with no annotations of its own, on the line right after another fact of the same
    predicate, shares that fact's annotations (ids get a numeric suffix): value lists such as
    the 22 categories open to individual businesses are cited once.
    """
    out: list[Statement] = []
    pending: list[_Note] = []
    prev: Clause | None = None
    prev_line = -10
    group_index = 0
    for it in items:
        if isinstance(it, _Note):
            if it.key == "not_encoded":
                rule, reason = cast(tuple[str, str], it.value)
                out.append(NotEncoded(rule, reason, it.pos))
            else:
                pending.append(it)
            continue
        notes = _annotations(pending)
        line = it.pos.line if it.pos else 0
        if (isinstance(it, Clause) and it.is_fact and not pending and prev is not None
                and prev.is_fact and prev.head.key == it.head.key and line == prev_line + 1
                and prev.notes.sources):
            group_index += 1
            base = prev.notes
            gid = re.sub(r"\.\d+$", "", base.id) + f".{group_index + 1}" if base.id else None
            notes = Annotations(gid, base.sources, base.rules, (), (), (), base.readings,
                                base.valid_from, base.valid_until)
        elif isinstance(it, Clause) and it.is_fact:
            group_index = 0
        pending = []
        if isinstance(it, Clause):
            it = Clause(it.head, it.body, notes, it.pos, it.body_pos)
            prev, prev_line = it, line
            if group_index == 0 and notes.id and it.is_fact:
                pass
        elif isinstance(it, InputDecl):
            it = InputDecl(it.pred, it.args, notes, it.pos, it.optional)
            prev = None
        elif isinstance(it, TypeDecl):
            it = TypeDecl(it.name, notes, it.pos)
            prev = None
        out.append(it)
    if pending:
        out.append(NotEncoded("", "", pending[0].pos))  # marker: dangling annotations
    return out


def _annotations(notes: list[_Note]) -> Annotations:
    kw: dict = {"sources": [], "rules": [], "docs": [], "asks": [], "names": [], "readings": [], "templates": [],
                "values": [], "words": [], "gaps": []}
    for n in notes:
        if n.key == "id":
            kw["id"] = n.value
        elif n.key == "source":
            f, q = cast(tuple[str, str], n.value)
            kw["sources"].append(Citation(f, q, n.pos))
        elif n.key == "rule":
            kw["rules"].extend(cast(list, n.value))
        elif n.key == "doc":
            kw["docs"].append(n.value)
        elif n.key == "ask":
            kw["asks"].extend(cast(list, n.value))
        elif n.key in ("values", "words", "gaps"):
            kw[n.key].extend(cast(list, n.value))
        elif n.key == "template":
            kw["templates"].extend(cast(list, n.value))
        elif n.key == "name":
            kw["names"].append(n.value)
        elif n.key == "reading":
            kw["readings"].append(n.value)
        else:
            kw[n.key] = n.value
    for k in ("sources", "rules", "docs", "asks", "names", "readings", "templates", "values", "words", "gaps"):
        kw[k] = tuple(kw[k])
    return Annotations(**kw)


# ---------------------------------------------------------------------------------------- fast path
# A facts file is usually nothing but ground facts, one per line: read those with one regular
# expression per fact instead of the LALR parser (about 40x faster). Anything else in the file
# (a rule, an annotation, a keyword, a token the regexes do not know) sends the whole file to
# the grammar, so every error message still comes from one place.
_ARG = r'(?:"(?:\\.|[^"\\\n])*"|[^,()"\s%]+)'
_LINE = re.compile(r'([ \t]*)([a-z][A-Za-z0-9_]*)[ \t]*\(([^()%\n]*)\)[ \t]*\.[ \t]*(?:%(?!%)[^\n]*)?')
_ARGS = re.compile(r'[ \t]*(' + _ARG + r')[ \t]*(?:,|$)')
_SIMPLE = re.compile(r'(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2})|(?P<date>\d{4}-\d{2}-\d{2})'
                     r'|(?P<sym>[a-z][A-Za-z0-9_]*))')
_KEYWORDS = frozenset({"not", "input", "type", "optional", "count", "sum", "unit", "in", "add_days", "add_hours",
                       "add_months", "add_years", "days_between", "hours_between", "date_of", "month_of", "len",
                       "time_of", "at_time", "contains", "min", "max"})
_NO_NOTES = Annotations()


# A frozen dataclass's __init__ sets each field through object.__setattr__; a large facts file
# makes three objects per line, so the fast path fills their slots directly (the same objects:
# equal, hashed and printed alike; grammar/model.py declares them with slots=True).
_new = object.__new__


def _slot_setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    return tuple(vars(cls)[n].__set__ for n in names)


_SET_POS = _slot_setters(Pos, "file", "line", "column")
_SET_ATOM = _slot_setters(Atom, "pred", "args")
_SET_CLAUSE = _slot_setters(Clause, "head", "body", "notes", "pos", "body_pos")


def parse_ground_facts(text: str, file: str) -> list[Clause] | None:
    """The facts of ``text`` if it holds only ground facts, one per line (and comments), else
    None (then parse it with ``parse_recovering``). Same clauses and positions as the grammar."""
    out: list[Clause] = []
    append = out.append
    consts: dict[str, Const] = {}  # one Const per distinct constant text: memory follows the facts
    get_const = consts.get
    line_match = _LINE.fullmatch
    set_file, set_line, set_column = _SET_POS
    set_pred, set_args = _SET_ATOM
    set_head, set_body, set_notes, set_pos, set_body_pos = _SET_CLAUSE
    keywords = _KEYWORDS
    for number, line in enumerate(text.split("\n"), 1):
        m = line_match(line)
        if m is None:
            stripped = line.strip()
            if not stripped or stripped[0] == "%" and not stripped.startswith("%%"):
                continue
            return None
        indent, pred, body = m.groups()
        if pred in keywords:
            return None
        if '"' in body:
            parts = _split_quoted(body)
            if parts is None:
                return None
        else:
            parts = body.split(",")
        args = []
        for raw in parts:
            c = get_const(raw)
            if c is None:
                c = _constant(raw.strip())
                if c is None:
                    return None
                consts[raw] = c
            args.append(c)
        atom = _new(Atom)
        set_pred(atom, pred)
        set_args(atom, tuple(args))
        pos = _new(Pos)
        set_file(pos, file)
        set_line(pos, number)
        set_column(pos, len(indent) + 1)
        clause = _new(Clause)
        set_head(clause, atom)
        set_body(clause, ())
        set_notes(clause, _NO_NOTES)
        set_pos(clause, pos)
        set_body_pos(clause, ())
        append(clause)
    return out


def _split_quoted(body: str) -> list[str] | None:
    parts, pos = [], 0
    while pos < len(body):
        m = _ARGS.match(body, pos)
        if m is None:
            return None
        parts.append(m.group(1))
        pos = m.end()
    return parts if parts and not body.rstrip().endswith(",") else None


def _constant(raw: str) -> Const | None:
    if raw.startswith('"') and len(raw) >= 2 and raw.endswith('"'):
        return Const(_unquote(raw))
    m = _SIMPLE.fullmatch(raw)
    if m is None:
        return None
    kind = m.lastgroup
    if kind == "sym":  # the most common constant in a facts file: a subject's id
        return None if raw in _KEYWORDS else Const(raw)
    try:
        if kind == "num":
            return Const(Decimal(raw))
        if kind == "dt":
            return Const(_dt.datetime.fromisoformat(raw))
        return Const(_date(raw))
    except ValueError:  # 2026-02-30: the grammar says what is wrong with it
        return None
