"""Load rule files and subject facts files into a validated ``Program``.

Every check reports file:line:column and a fix, and loading collects all problems before
raising ``LoadErrors``. Rule files are parsed only by grammar/rules.lark.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import gc
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

from grammar.errors import KbError, LoadError, LoadErrors, did_you_mean
from grammar.files import read_text
from grammar.model import (
    VALUE_TYPES,
    Aggregate,
    Annotations,
    Atom,
    Call,
    Clause,
    Compare,
    Const,
    InputDecl,
    Literal,
    Module,
    Neg,
    NotEncoded,
    Pos,
    Term,
    TypeDecl,
    Value,
    Var,
    format_value,
    term_vars,
)
from grammar.rules import parse_ground_facts, parse_recovering, use_parser_builder
from kb.analysis import BUILTIN_PREDICATES, body_atoms, schedule, stratify
from kb.builtins import FUNCTIONS
from kb.cache import cache_file, lark_parser, read_cache, write_cache

use_parser_builder(lark_parser)  # the rule grammars' parsers are kept on disk between runs (kb/cache.py)

_SURROGATE = re.compile("[\ud800-\udfff]")
_RUBY = re.compile(r"([\u3400-\u9fff\uff1f?])\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def strip_ruby(text: str) -> str:
    """Drop the pinyin ruby artifacts of the scraped pages (會(huì)員 -> 會員), for display only."""
    return _RUBY.sub(r"\1", text)


@dataclass
class PredInfo:
    name: str
    arity: int
    kind: str  # "input" | "derived" | "builtin"
    decl: InputDecl | None = None
    clauses: list[Clause] = field(default_factory=list)
    docs: dict[str, str] = field(default_factory=dict)
    asks: list[tuple[str, str]] = field(default_factory=list)
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (symbol, lang, words)
    words: list[tuple[str, str]] = field(default_factory=list)  # (lang, key words of the topic)


@dataclass
class Program:
    """A validated set of rule files: what the engine, prover and checker all work from."""

    clauses: list[Clause]
    inputs: dict[str, InputDecl]
    types: dict[str, TypeDecl]
    not_encoded: list[NotEncoded]
    preds: dict[str, PredInfo]
    strata: dict[str, int]
    scc: dict[str, frozenset[str]]
    files: list[str]
    quotes_checked: bool
    templates: list[tuple[str, str, Atom]] = field(default_factory=list)  # (lang, question, goal)
    gaps: list[tuple[str, str, str]] = field(default_factory=list)  # (lang, what is left out, file)
    # alternative readings (@alternative KEY "label"): KEY -> label, and their clauses, which are
    # not part of this program; program_under(program, KEY) swaps them in for the @primary ones
    alternatives: dict[str, str] = field(default_factory=dict)
    alt_clauses: list[Clause] = field(default_factory=list)
    reading_taken: str | None = None  # set on a program built by program_under: its KEY

    def clause(self, cid: str) -> Clause | None:
        return self._by_id.get(cid)

    def __post_init__(self) -> None:
        self._by_id = {c.id: c for c in [*self.alt_clauses, *self.clauses]}

    def alternative_preds(self, key: str) -> frozenset[str]:
        """The predicates whose clauses differ under the alternative reading ``key``."""
        return frozenset(c.head.pred for c in [*self.clauses, *self.alt_clauses]
                         if key in c.notes.primary or (c.notes.alternative and c.notes.alternative[0] == key))

    def clauses_for(self, pred: str) -> list[Clause]:
        info = self.preds.get(pred)
        return info.clauses if info else []


def _cached_classes() -> dict[str, type]:
    """The only classes a program cache file may build (kb/cache.py decodes data, not code)."""
    import dataclasses

    import grammar.model as model

    found = {n: c for n, c in vars(model).items() if isinstance(c, type) and dataclasses.is_dataclass(c)}
    return {**found, "PredInfo": PredInfo, "Program": Program}


_CACHED_CLASSES = _cached_classes()


# ---------------------------------------------------------------------------------------- files

def default_rule_files() -> list[tuple[str, str]]:
    """The shipped rule files, read through importlib.resources (works from a wheel)."""
    root = resources.files("facts")
    out: list[tuple[str, str]] = []

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir() and child.name not in ("examples", "__pycache__"):
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".dl") and prefix:
                out.append((f"facts/{prefix}{child.name}", child.read_text("utf-8")))

    walk(root, "")
    return out


def example_files() -> list[tuple[str, str]]:
    root = resources.files("facts").joinpath("examples")
    return sorted((f"facts/examples/{c.name}", c.read_text("utf-8"))
                  for c in root.iterdir() if c.name.endswith(".dl"))


def seeds_dir() -> Path | None:
    """Where the seed documents are: $GUIZE_SEEDS, or ../shared/seeds beside the checkout."""
    env = os.environ.get("GUIZE_SEEDS")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent.parent
    candidates += [here.parent / "shared" / "seeds", Path.cwd().parent / "shared" / "seeds",
                   Path.cwd() / "shared" / "seeds"]
    for c in candidates:
        if c.is_dir():
            return c
    return None


# ---------------------------------------------------------------------------------------- rules

def load_program(files: Iterable[tuple[str, str]] | None = None, seeds: Path | None | bool = None) -> Program:
    """Parse and validate rule files (default: the shipped ones). Raises ``LoadErrors``.

    A valid program is cached (see kb/cache.py) under the hash of its files, the seed
    documents and the code that builds it, so a cold start does not re-parse what did not change."""
    files = list(default_rule_files() if files is None else files)
    key = _cache_key(files, _seeds_path(seeds))
    cached = read_cache(key, _CACHED_CLASSES)
    if isinstance(cached, Program):
        return cached
    program = _load_program(files, seeds)
    write_cache(key, program)
    return program


def _cache_key(files: list[tuple[str, str]], seeds: Path | None) -> str | None:
    code = [Path(__file__).read_text("utf-8")]
    here = Path(__file__).resolve().parent
    for name in ("analysis.py", "builtins.py"):
        code.append((here / name).read_text("utf-8"))
    grammar_pkg = resources.files("grammar")
    for name in ("model.py", "rules.py", "rules.lark", "annotation.lark"):
        code.append(grammar_pkg.joinpath(name).read_text("utf-8"))
    seed_state = ""
    if seeds is not None:
        seed_state = "|".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                              for p in sorted(seeds.glob("*.txt")))
    parts = [f"{n}\0{t}" for n, t in files] + code + [str(seeds), seed_state]
    return cache_file("program", *parts)


def _load_program(files: list[tuple[str, str]], seeds: Path | None | bool) -> Program:
    errors: list[KbError] = []
    modules: list[Module] = []
    for name, text in files:
        module, syntax = parse_recovering(text, name)
        modules.append(module)
        errors += syntax
    clauses: list[Clause] = []
    inputs: dict[str, InputDecl] = {}
    types: dict[str, TypeDecl] = {}
    not_encoded: list[NotEncoded] = []
    for m in modules:
        for st in m.statements:
            if isinstance(st, Clause):
                clauses.append(st)
            elif isinstance(st, InputDecl):
                if st.pred in inputs:
                    errors.append(LoadError(f"input {st.pred} is declared twice (first at {inputs[st.pred].pos})",
                                            st.pos, "keep one declaration"))
                else:
                    inputs[st.pred] = st
            elif isinstance(st, TypeDecl):
                types.setdefault(st.name, st)
            elif isinstance(st, NotEncoded):
                if not st.rule:
                    errors.append(LoadError("annotations at the end of the file belong to no statement",
                                            st.pos, "put them right above a clause, or remove them"))
                else:
                    not_encoded.append(st)

    for name, d in list(inputs.items()):
        card = d.notes.cardinality
        inputs[name] = dataclasses.replace(d, single=card == "one" if card else not d.optional)
    for d in inputs.values():
        for a in d.args:
            if a.type not in VALUE_TYPES and a.type not in types:
                errors.append(LoadError(f"unknown type {a.type!r} for argument {a.name} of input {d.pred}",
                                        d.pos, did_you_mean(a.type, list(types) + list(VALUE_TYPES))
                                        or f"declare it with 'type {a.type}.'"))

    clauses = [_rename_anonymous(c) for c in clauses]
    clauses = [_with_validity(c) for c in clauses]
    scheduled: list[Clause] = []
    for c in clauses:
        sc, errs = schedule(c)
        scheduled.append(sc)
        errors += errs
    alt_clauses = [c for c in scheduled if c.notes.alternative]
    clauses = [c for c in scheduled if not c.notes.alternative]
    alternatives: dict[str, str] = {}
    for c in alt_clauses:
        if c.notes.alternative:
            key, label = c.notes.alternative
            alternatives.setdefault(key, label)
    for c in clauses:
        for key in c.notes.primary:
            if key not in alternatives:
                errors.append(LoadError(f"@primary {key} names no @alternative {key}", c.pos,
                                        did_you_mean(key, alternatives)
                                        or "add the alternative clause, or drop @primary"))
    for key in alternatives:
        variant = [c for c in clauses if key not in c.notes.primary] + \
                  [c for c in alt_clauses if c.notes.alternative and c.notes.alternative[0] == key]
        errors += [*_predicates(variant, inputs)[1], *stratify(variant)[2]]

    preds, perrs = _predicates(clauses, inputs)
    errors += perrs
    errors += _check_annotations(clauses + alt_clauses, seeds)
    strata, scc, serrs = stratify(clauses)
    errors += serrs
    templates, terrs = _templates(clauses, preds)
    errors += terrs
    errors += _value_errors(clauses, inputs, preds)
    gaps = _gaps(clauses, inputs, types)
    if errors:
        raise LoadErrors(_dedupe(errors))
    seeds_path = _seeds_path(seeds)
    return Program(clauses, inputs, types, not_encoded, preds, strata, scc,
                   [n for n, _ in files], seeds_path is not None, templates, gaps, alternatives, alt_clauses)


def program_under(program: Program, key: str) -> Program:
    """The program read the other way at ``key``: its ``@primary key`` clauses replaced by the
    ``@alternative key`` ones (checked when the rules were loaded)."""
    if key not in program.alternatives:
        raise KeyError(key)
    clauses = [c for c in program.clauses if key not in c.notes.primary] + \
              [c for c in program.alt_clauses if c.notes.alternative and c.notes.alternative[0] == key]
    preds, _ = _predicates(clauses, program.inputs)
    strata, scc, _ = stratify(clauses)
    return dataclasses.replace(program, clauses=clauses, preds=preds, strata=strata, scc=scc,
                               alternatives=dict(program.alternatives), alt_clauses=list(program.alt_clauses),
                               reading_taken=key)


def _value_errors(clauses: list[Clause], inputs: dict[str, InputDecl], preds: dict[str, PredInfo]) -> list[KbError]:
    """``@value SYMBOL ...`` must name a symbol the statement can hold: one of the input's enum
    values (true/false for a bool), or a constant of one of the predicate's clauses."""
    errors: list[KbError] = []
    for d in inputs.values():
        allowed = {str(v) for a in d.args for v in (a.values or ())}
        if any(a.type == "bool" for a in d.args):
            allowed |= {"true", "false"}
        for symbol, _, _ in d.notes.values:
            if symbol not in allowed:
                hint = did_you_mean(symbol, sorted(allowed)) or f"values: {', '.join(sorted(allowed))}"
                errors.append(LoadError(f"@value {symbol} is not a value of {d.pred}", d.pos, hint))
    for c in clauses:
        if not c.notes.values:
            continue
        consts = {str(t.value) for c2 in preds[c.head.pred].clauses for t in c2.head.args if isinstance(t, Const)}
        consts |= {str(t.value) for lit in c.body for a, _ in body_atoms(lit) for t in a.args if isinstance(t, Const)}
        for symbol, _, _ in c.notes.values:
            if symbol not in consts:
                errors.append(LoadError(f"@value {symbol} is not a constant of {c.head.pred}", c.pos,
                                        did_you_mean(symbol, sorted(consts)) or "name a symbol the clause uses"))
    return errors


def _gaps(clauses: list[Clause], inputs: dict[str, InputDecl],
          types: dict[str, TypeDecl]) -> list[tuple[str, str, str]]:
    """``@gap`` lines: what a document leaves out, so a question about it is "not covered"."""
    out: list[tuple[str, str, str]] = []
    items: list = [*clauses, *inputs.values(), *types.values()]
    for it in items:
        for lang, text in it.notes.gaps:
            out.append((lang, text, it.pos.file))
    return out


def _templates(clauses: list[Clause], preds: dict[str, PredInfo]) -> tuple[list[tuple[str, str, Atom]], list[KbError]]:
    """``@ask ... = goal(...)`` questions: each must name a known predicate with its arity."""
    out: list[tuple[str, str, Atom]] = []
    errors: list[KbError] = []
    for c in clauses:
        for lang, phrase, goal_text in c.notes.templates:
            pos = c.notes.sources[0].pos if c.notes.sources else c.pos
            module, errs = parse_recovering(f"gz_template :- {goal_text}.", str(pos))
            first = module.statements[0] if module.statements and not errs else None
            goal = first.body[0] if isinstance(first, Clause) and first.body else None
            if not isinstance(goal, Atom):
                errors.append(LoadError(f"the goal of @ask {phrase!r} is not a goal: {goal_text}", c.pos,
                                        "write e.g. = jd_mc_mode_needs_contract(M)"))
                continue
            info = preds.get(goal.pred)
            if info is None or info.arity != len(goal.args):
                errors.append(LoadError(f"the goal of @ask {phrase!r} names an unknown predicate {goal.pred}/"
                                        f"{len(goal.args)}", c.pos, did_you_mean(goal.pred, preds) or "see kb vocab"))
                continue
            out.append((lang, phrase, goal))
    return out, errors


def _dedupe(errors: list[KbError]) -> list[KbError]:
    """Drop repeats and sort by file and position, the order a person fixes them in."""
    seen: set[str] = set()
    out = []
    for e in errors:
        if e.render() not in seen:
            seen.add(e.render())
            out.append(e)
    return sorted(out, key=lambda e: (e.pos.file, e.pos.line, e.pos.column) if e.pos else ("", 0, 0))


def _rename_anonymous(c: Clause) -> Clause:
    """Each ``_`` becomes its own fresh variable (``_1``, ``_2``...)."""
    counter = [0]

    def term(t: Term) -> Term:
        if isinstance(t, Var) and t.name == "_":
            counter[0] += 1
            return Var(f"_{counter[0]}")
        if isinstance(t, Call):
            return Call(t.fn, tuple(term(a) for a in t.args))
        return t

    def atom(x: Atom) -> Atom:
        return Atom(x.pred, tuple(term(a) for a in x.args))

    def lit(x: Literal) -> Literal:
        if isinstance(x, Atom):
            return atom(x)
        if isinstance(x, Neg):
            return Neg(atom(x.atom))
        if isinstance(x, Compare):
            return Compare(x.op, term(x.lhs), term(x.rhs))
        return Aggregate(x.result, x.fn, term(x.expr) if x.expr is not None else None, x.vars,
                         tuple(lit(b) for b in x.body))

    return Clause(atom(c.head), tuple(lit(b) for b in c.body), c.notes, c.pos, c.body_pos)


def _with_validity(c: Clause) -> Clause:
    """``@valid_from/@valid_until`` become explicit conditions on the as-of date, so a proof
    (or a why-not) shows them like any other condition."""
    extra: list[Literal] = []
    if c.notes.valid_from or c.notes.valid_until:
        t = Var("AsOf_")
        extra.append(Atom("as_of", (t,)))
        if c.notes.valid_from:
            extra.append(Compare(">=", t, Const(c.notes.valid_from)))
        if c.notes.valid_until:
            extra.append(Compare("=<", t, Const(c.notes.valid_until)))
    if not extra:
        return c
    pos = tuple(c.body_pos) + (c.pos,) * len(extra)
    return Clause(c.head, c.body + tuple(extra), c.notes, c.pos, pos)


def _predicates(clauses: list[Clause], inputs: dict[str, InputDecl]) -> tuple[dict[str, PredInfo], list[KbError]]:
    errors: list[KbError] = []
    preds: dict[str, PredInfo] = {}
    for d in inputs.values():
        preds[d.pred] = PredInfo(d.pred, len(d.args), "input", decl=d,
                                 docs=dict(d.notes.docs), asks=list(d.notes.asks),
                                 values=list(d.notes.values), words=list(d.notes.words))
    for name, arity in BUILTIN_PREDICATES:
        preds[name] = PredInfo(name, arity, "builtin")
    for c in clauses:
        name, arity = c.head.key
        info = preds.get(name)
        if info is None:
            info = preds[name] = PredInfo(name, arity, "derived")
        if info.kind == "builtin":
            errors.append(LoadError(f"{name}/{arity} is built in and cannot be defined", c.pos,
                                    "choose another name"))
            continue
        if info.arity != arity:
            errors.append(LoadError(
                f"arity mismatch: {name} has {arity} argument(s) here but {info.arity} elsewhere"
                + (f" (declared at {info.decl.pos})" if info.decl
                   else f" (first defined at {info.clauses[0].pos})" if info.clauses else ""),
                c.pos, f"write {name}/{info.arity}"))
            continue
        if info.kind == "input" and not c.is_fact:
            errors.append(LoadError(f"{name} is a declared input: users state it, rules cannot derive it",
                                    c.pos, "derive a new predicate instead, or remove the input declaration"))
            continue
        if info.kind == "input" and info.decl is not None:
            errors += check_fact(c, info.decl)
        info.clauses.append(c)
        for lang, text in c.notes.docs:
            info.docs.setdefault(lang, text)
        info.asks += [a for a in c.notes.asks if a not in info.asks]
        info.values += [v for v in c.notes.values if v not in info.values]
        info.words += [w for w in c.notes.words if w not in info.words]
    known = [p for p in preds]
    for c in clauses:
        for i, lit in enumerate(c.body):
            pos = c.body_pos[i] if i < len(c.body_pos) else c.pos
            for a, _ in body_atoms(lit):
                info = preds.get(a.pred)
                if info is None:
                    errors.append(LoadError(f"unknown predicate {a.pred}/{len(a.args)}", pos,
                                            did_you_mean(a.pred, known)
                                            or "declare it as an input, or define it by a clause"))
                elif info.arity != len(a.args):
                    errors.append(LoadError(
                        f"arity mismatch: {a.pred} is used with {len(a.args)} argument(s) but has {info.arity}",
                        pos, f"write {a.pred}/{info.arity}"))
            errors += _check_functions(lit, pos)
    return preds, errors


def _check_functions(lit: Literal, pos: Pos | None) -> list[KbError]:
    terms: list[Term] = []
    if isinstance(lit, Compare):
        terms = [lit.lhs, lit.rhs]
    elif isinstance(lit, Aggregate) and lit.expr is not None:
        terms = [lit.expr]
    errors: list[KbError] = []

    def walk(t: Term) -> None:
        if isinstance(t, Call):
            arity = FUNCTIONS[t.fn][0]
            if len(t.args) != arity:
                errors.append(LoadError(f"{t.fn} takes {arity} argument(s), got {len(t.args)}", pos,
                                        FUNCTIONS[t.fn][2]))
            for a in t.args:
                walk(a)

    for t in terms:
        walk(t)
    if isinstance(lit, Aggregate):
        for b in lit.body:
            errors += _check_functions(b, pos)
    return errors


# ---------------------------------------------------------------------------------------- citations

def _seeds_path(seeds: Path | None | bool) -> Path | None:
    if seeds is False:
        return None
    if isinstance(seeds, Path):
        return seeds if seeds.is_dir() else None
    return seeds_dir()


_SEED_CACHE: dict[Path, str] = {}


def seed_text(path: Path) -> str:
    if path not in _SEED_CACHE:
        _SEED_CACHE[path] = read_text(str(path), "seed document")
    return _SEED_CACHE[path]


def _check_annotations(clauses: list[Clause], seeds: Path | None | bool) -> list[KbError]:
    errors: list[KbError] = []
    ids: dict[str, Clause] = {}
    root = _seeds_path(seeds)
    for c in clauses:
        if c.notes.id:
            if c.notes.id in ids:
                errors.append(LoadError(f"duplicate @id {c.notes.id} (first used at {ids[c.notes.id].pos})",
                                        c.pos, "give each clause its own @id"))
            else:
                ids[c.notes.id] = c
        if not c.notes.sources:
            errors.append(LoadError(f"clause '{c.head}' has no @source", c.pos,
                                    'add: %% @source 004_ab237df4ce40d813.txt "the sentence it encodes"'))
        for cit in c.notes.sources:
            if root is None:
                continue
            f = root / cit.file
            if not f.is_file():
                names = [p.name for p in root.iterdir()]
                errors.append(LoadError(f"@source names an unknown seed file {cit.file}", cit.pos,
                                        did_you_mean(cit.file, names) or f"seed files: {', '.join(sorted(names))}"))
            elif cit.quote not in seed_text(f):
                errors.append(LoadError(f"quote is not verbatim in {cit.file}: \"{cit.quote[:40]}\"", cit.pos,
                                        _quote_hint(cit.quote, seed_text(f))))
    return errors


def _quote_hint(quote: str, text: str) -> str:
    """Point at the longest prefix of the quote that does occur, so the typo is easy to find."""
    lo, hi = 0, len(quote)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if quote[:mid] in text:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        return "copy the sentence from the seed, scraping artifacts such as 會(huì) included"
    return f"the first {lo} character(s) match; it differs after \"{quote[max(0, lo - 8):lo]}\""


# ---------------------------------------------------------------------------------------- subject facts

def check_value(value: Value, arg, decl: InputDecl) -> str | None:
    """Why ``value`` does not fit the declared argument, or None."""
    t = arg.type
    if t == "number":
        unit = f" {arg.unit}" if arg.unit else ""  # here, not above: the fast path checks every fact
        if not isinstance(value, Decimal):
            return f"expects a number{(' in' + unit) if unit else ''} for {arg.name}, got {format_value(value)}"
        if arg.low is not None and value < arg.low or arg.high is not None and value > arg.high:
            return (f"{arg.name} must be between {format_value(arg.low)} and {format_value(arg.high)}{unit}, "
                    f"got {format_value(value)}" + (" (is it in the right unit?)" if unit else ""))
    elif t == "date":
        if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
            return f"expects a date (YYYY-MM-DD) for {arg.name}, got {format_value(value)}"
    elif t == "datetime":
        if not isinstance(value, _dt.datetime):
            return f"expects a date-time (YYYY-MM-DDTHH:MM) for {arg.name}, got {format_value(value)}"
    elif t == "bool":
        if value not in ("true", "false"):
            return f"expects true or false for {arg.name}, got {format_value(value)}"
    elif t == "enum":
        if not isinstance(value, str) or value not in arg.values:
            hint = did_you_mean(str(value), arg.values) if isinstance(value, str) else None
            return (f"{arg.name} must be one of {', '.join(arg.values)}; got {format_value(value)}"
                    + (f" ({hint})" if hint else ""))
    else:  # string or a subject type: an identifier
        if not isinstance(value, str):
            return f"expects a {'name' if t != 'string' else 'string'} for {arg.name}, got {format_value(value)}"
    return None


def check_fact(c: Clause, decl: InputDecl) -> list[KbError]:
    errors: list[KbError] = []
    for arg, term in zip(decl.args, c.head.args):
        if not isinstance(term, Const):
            errors.append(LoadError(f"a fact cannot contain the variable {term}", c.pos,
                                    f"write a value, e.g. {example_fact(decl)}"))
            continue
        why = check_value(term.value, arg, decl)
        if why:
            errors.append(LoadError(f"{decl.pred} {why}", c.pos, f"e.g. {example_fact(decl)}"))
    return errors


def example_fact(decl: InputDecl) -> str:
    sample = {"number": "4.5", "date": "2026-01-31", "datetime": "2026-01-31T11:05", "bool": "true",
              "string": '"text"'}
    args = []
    for a in decl.args:
        if a.type == "enum":
            args.append(a.values[0])
        elif a.type == "number" and a.low is not None:
            args.append(format_value(a.low if a.high is None else (a.low + a.high) / 2))
        else:
            args.append(sample.get(a.type, "acme"))
    return f"{decl.pred}({', '.join(args)})."


def load_facts(text: str, file: str, program: Program) -> list[Clause]:
    """Parse a subject facts file: ground facts of declared inputs only. Raises ``LoadErrors``."""
    bad = _SURROGATE.search(text)
    if bad:  # only a str from Python can hold one; no file decodes to it
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise LoadErrors([LoadError("a lone surrogate code point (U+D800-U+DFFF) is not text", Pos(file, line, column),
                                    "pass valid Unicode text")])
    fast = _fast_facts(text, file, program)
    if fast is not None:
        return fast
    module, errors = parse_recovering(text, file)
    facts: list[Clause] = []
    for st in module.statements:
        if isinstance(st, Clause):
            errors += _check_subject_fact(st, program)
            if not st.is_fact:
                continue
            facts.append(Clause(st.head, (), Annotations(), st.pos))
        elif isinstance(st, (InputDecl, TypeDecl)):
            errors.append(LoadError("a facts file states facts; declarations belong in facts/<platform>/*.dl",
                                    st.pos, "move the declaration to a rule file"))
    errors += conflicting_values(facts, program)
    if errors:
        raise LoadErrors(_dedupe(errors))
    return facts


def conflicting_values(facts: Iterable[Clause], program: Program) -> list[KbError]:
    """Facts that cannot both be true: two different values of a single-valued input
    (``InputDecl.single``) for the same subject. Each error names both lines."""
    errors: list[KbError] = []
    seen: dict[tuple, Clause] = {}
    inputs = program.inputs
    for f in facts:
        decl = inputs.get(f.head.pred)
        if decl is None or not decl.single or not f.head.args:
            continue
        key = (f.head.pred, *f.head.args[:-1])
        first = seen.setdefault(key, f)
        if first is not f and first.head.args[-1] != f.head.args[-1]:
            errors.append(LoadError(
                f"{f.head} contradicts {first.head} at {first.pos}: {decl.pred} takes one value per "
                f"{decl.args[0].name}", f.pos,
                "keep one of the two lines; to try another value, ask a what-if question"))
    return errors


def _fast_facts(text: str, file: str, program: Program) -> list[Clause] | None:
    """A file of plain ground facts without the LALR parser (grammar/rules.py), checked like
    any other; None if it holds anything else. The cyclic garbage collector is paused while
    the clauses are made: they hold no cycles, and its passes over millions of new objects
    would cost more than the parse."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        facts = parse_ground_facts(text, file)
        if facts is None:
            return None
        errors: list[KbError] = []
        decls: dict[tuple[str, int], InputDecl | None] = {}
        for st in facts:
            key = st.head.key
            if key not in decls:  # the first fact of each predicate takes the full check
                errs = _check_subject_fact(st, program)
                errors += errs
                info = program.preds.get(key[0])
                decls[key] = info.decl if info and info.kind == "input" and info.arity == key[1] else None
                continue
            decl = decls[key]
            if decl is None:
                errors += _check_subject_fact(st, program)
                continue
            for arg, term in zip(decl.args, st.head.args):
                if isinstance(term, Const) and check_value(term.value, arg, decl):
                    errors += check_fact(st, decl)
                    break
        errors += conflicting_values(facts, program)
    finally:
        if enabled:
            gc.enable()
    if errors:
        raise LoadErrors(_dedupe(errors))
    return facts


def _check_subject_fact(st: Clause, program: Program) -> list[KbError]:
    if not st.is_fact:
        return [LoadError("a facts file states facts only, not rules", st.pos,
                          "state the inputs, e.g. "
                          + next((example_fact(d) for d in program.inputs.values()), "p(a)."))]
    name, arity = st.head.key
    info = program.preds.get(name)
    if info is None:
        return [LoadError(f"unknown input {name}/{arity}", st.pos,
                          did_you_mean(name, program.inputs) or "see `kb vocab` for the inputs you can state")]
    if info.kind != "input" or info.decl is None:
        return [LoadError(f"{name} is derived by the rules, not stated", st.pos,
                          "state the inputs it depends on instead; see `kb vocab`")]
    if info.arity != arity:
        return [LoadError(f"arity mismatch: {name} takes {info.arity} argument(s), got {arity}", st.pos,
                          f"e.g. {example_fact(info.decl)}")]
    return check_fact(st, info.decl)


def check_subject_fact(st: Clause, program: Program) -> list[KbError]:
    """What is wrong with one stated fact, checked as a line of a facts file is (no errors: [])."""
    return _check_subject_fact(st, program)


def facts_from_path(path: str, program: Program) -> list[Clause]:
    """A facts file read as the user's data: a regular UTF-8 file under the size limit
    (grammar/files.py). Raises ``LoadErrors``."""
    return load_facts(read_text(path, "facts file"), path, program)


def term_is_ground(t: Term) -> bool:
    return not term_vars(t)


class FactGroups:
    """Stated facts grouped by the subjects and strings that link them: union-find over the
    constants at the places whose type is a subject type or a string (numbers, dates, booleans
    and enum values link nothing). A ground question can depend only on the group(s) of its
    constants and on facts that name no linking constant; the API asserts only those, and the
    checker checks an answer against the same facts."""

    def __init__(self, program: Program, atoms: Sequence[Atom]) -> None:
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent.setdefault(x, x) != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        linking = {pred: [i for i, a in enumerate(decl.args)
                          if a.type == "string" or a.type not in ("number", "date", "datetime", "bool", "enum")]
                   for pred, decl in program.inputs.items()}
        keys: list[list[str]] = []
        for atom in atoms:
            args = atom.args
            ks = [str(t.value) for i in linking.get(atom.pred, ()) if i < len(args)
                  for t in (args[i],) if isinstance(t, Const)]
            keys.append(ks)
            for k in ks:
                a, b = find(ks[0]), find(k)
                if a != b:
                    parent[a] = b
        self.root_of = {c: find(c) for c in parent}
        self.members: dict[str, list[int]] = {}
        self.unlinked: list[int] = []
        for n, ks in enumerate(keys):
            if ks:
                self.members.setdefault(self.root_of[ks[0]], []).append(n)
            else:
                self.unlinked.append(n)

    def relevant(self, goal: Atom) -> list[int]:
        """Positions, in file order, of the facts the ground goal can depend on."""
        roots = {self.root_of[c] for c in (str(a.value) for a in goal.args if isinstance(a, Const))
                 if c in self.root_of}
        return sorted([*self.unlinked, *(n for r in roots for n in self.members[r])])
