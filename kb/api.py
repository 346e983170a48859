"""The Python API: ``KnowledgeBase`` answers questions with proofs.

>>> from kb import KnowledgeBase
>>> base = KnowledgeBase.default()
>>> facts = base.facts_from_text('ks_experience_stars(acme, 3.8).')
>>> base.ask("ks_c3_experience_stars_ok(acme)", facts=facts).answer
'no'
>>> rows = base.facts_from_records([{"pred": "ks_experience_stars", "args": ["acme", 4.5]}])
>>> base.ask("ks_c3_experience_stars_ok(acme)", facts=rows).answer
'yes'

One engine per thread: pyDatalog keeps its database in thread-local state, so a
``KnowledgeBase`` answers only in the thread that made it. ``base.for_thread()`` gives the
calling thread its own engine over the same rules, and ``kb.pool.EnginePool`` runs questions
on a fixed set of threads, one engine each (what ``kb serve`` uses).
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from grammar.errors import QUESTION_FILE, EvaluationError, KbError, LoadError, LoadErrors, QueryError, did_you_mean
from grammar.model import Annotations, Atom, Clause, Const, Pos, Value, Var, format_value
from grammar.question import Assignment, Lexicon, Phrase, Question, looks_like_goal, parse_goal
from kb.codec import SCHEMA
from kb.engine import Engine
from kb.kinds import AnswerKind, Verdict, answer_kind
from kb.limits import env_timeout
from kb.loader import (
    FactGroups,
    Program,
    check_subject_fact,
    check_value,
    conflicting_values,
    example_fact,
    facts_from_path,
    load_facts,
    load_program,
    program_under,
)
from kb.proof import Alternative, Node, Prover, missing_inputs, unknown_negations
from kb.reading import Reading, ReadingModel, loaded_subjects, near_misses
from kb.readings import Assumption, ReadingDiff, ReadingNote, assumptions_of, clauses_used, readings_of
from kb.rulebook import RuleItem, below, conditions, thresholds
from kb.whatif import Hypothesis, Plan, Planner, hypothetical

_CODE = re.compile(r"\b(import|exec|eval|lambda|system)\s*\(")  # answered plainly: nothing is run

def _check_subject_spelling(goal: Atom, facts: Sequence[Clause], types: dict[tuple[str, int], str]) -> None:
    """A goal about a subject nothing is stated of, one or two letters from a loaded subject of
    the same type, is a typo: "did you mean jadepeak?" rather than an UNKNOWN tree about "jadepek"."""
    loaded = loaded_subjects(types, facts)
    for i, a in enumerate(goal.args):
        name = a.value if isinstance(a, Const) else None
        ids = loaded.get(types.get((goal.pred, i), ""), set())
        if not isinstance(name, str) or name in ids:
            continue
        near = near_misses(name, ids)
        if near:
            raise QueryError(f"nothing is stated about {name}", hint=f"did you mean {' or '.join(near[:3])}?")


_GROUPS: dict[int, tuple[Sequence[Clause], int, FactGroups]] = {}
_GROUPS_LOCK = threading.Lock()


def _record_value(raw: Any, type_: str) -> Value | None:
    """A JSON value as the term value its declared type expects (None: not a value at all). A
    value of the wrong kind is returned as it is, so ``check_value`` words the error as for a file."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float)):
        d = Decimal(raw) if isinstance(raw, int) else Decimal(repr(raw))
        return d if d.is_finite() else None
    if not isinstance(raw, str) or _SURROGATE.search(raw):
        return None
    text = raw.strip()
    try:
        if type_ == "number":
            d = Decimal(text)
            return d if d.is_finite() else raw
        if type_ == "date" and len(text) == 10:
            return _dt.date.fromisoformat(text)
        if type_ == "datetime" and "T" in text:
            return _dt.datetime.fromisoformat(text)
    except (InvalidOperation, ValueError):
        return raw
    return raw


_SURROGATE = re.compile("[\ud800-\udfff]")
QUESTION_POS = Pos(QUESTION_FILE, 1, 1)  # where a fact stated in the question itself comes from
_COLUMN = re.compile(r"at column (\d+)|第 (\d+) 个字符")
MAX_RECORDS = 100_000  # facts given as data in one call; a facts file has its own size limit


def _locate(e: QueryError) -> QueryError:
    """Give a question error its position (the column its message names; else column 1)."""
    if e.pos is None:
        m = _COLUMN.search(e.message)
        e.pos = Pos(QUESTION_FILE, 1, int(m.group(1) or m.group(2)) if m else 1)
    return e


def _located(method):
    """Every ``QueryError`` out of a public question method carries ``pos``."""
    import functools

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except QueryError as e:
            raise _locate(e) from None

    return wrapper


@dataclass(frozen=True)
class Answer:
    """One answer, the value every interface prints (schema ``guize.answer/1``). Frozen: a
    variant of an answer is made with ``dataclasses.replace``; its lists are not changed either."""

    question: str
    goal: Atom
    as_of: _dt.date
    answer: Verdict
    kind: AnswerKind = "yes_no"  # what was asked (kb/kinds.py)
    lang: str = "en"
    bindings: list[dict[str, Value]] = field(default_factory=list)
    proof: Node | None = None
    proofs: list[Node] = field(default_factory=list)  # one per binding, for list answers
    why_not: list[Alternative] = field(default_factory=list)
    missing: list[Atom] = field(default_factory=list)
    facts: list[Clause] = field(default_factory=list)
    # a closed-world proof exists, but it rests on "not A" where A is itself unknown
    unknown_because: list[tuple[Atom, list[Alternative]]] = field(default_factory=list)
    topic: str | None = None  # "not covered": the words no encoded document covers
    suggestions: list[str] = field(default_factory=list)
    what_if: list[Hypothesis] = field(default_factory=list)
    before: Verdict | None = None  # what-if: the answer without the hypothesis
    needed: Plan | None = None
    reading: Reading | None = None  # how the question was read (None for a goal asked as a goal)
    rule: list[RuleItem] = field(default_factory=list)  # conditions / threshold: what the clauses say
    # what the answer rests on besides the facts (kb/readings.py): the "none stated means none"
    # inputs a yes relies on, the @readings of the clauses used, and the alternative readings
    # under which the answer would differ
    assumptions: list[Assumption] = field(default_factory=list)
    readings: list[ReadingNote] = field(default_factory=list)
    readings_differ: list[ReadingDiff] = field(default_factory=list)


class KnowledgeBase:
    """A loaded program plus its engine. Use one per thread (pyDatalog keeps per-thread state)."""

    _default = threading.local()  # one engine per thread (thread ids are reused; objects are not)
    _default_program: Program | None = None
    _lock = threading.Lock()

    def __init__(self, program: Program) -> None:
        """A knowledge base over ``program`` with a new engine owned by the calling thread."""
        self.program = program
        self.arities = {name: info.arity for name, info in program.preds.items()}
        self.engine = Engine(program.clauses, program.strata, program.scc, self.arities)
        self._owner = threading.get_ident()
        self._threads = threading.local()  # for_thread(): the other threads' engines

    def for_thread(self) -> KnowledgeBase:
        """The same rules with an engine of the calling thread: ``self`` in the thread that made
        it, else one knowledge base per calling thread, made on first use and then reused."""
        if threading.get_ident() == self._owner:
            return self
        base = getattr(self._threads, "base", None)
        if base is None:
            base = self._threads.base = KnowledgeBase(self.program)
        return base

    # ---- construction
    @classmethod
    def default(cls) -> KnowledgeBase:
        """The shipped rules (facts/), loaded once per process and one engine per thread."""
        with cls._lock:
            if cls._default_program is None:
                cls._default_program = load_program()
        base = getattr(cls._default, "base", None)
        if base is None:
            base = cls._default.base = cls(cls._default_program)
        return base

    @classmethod
    def from_files(cls, files: Iterable[tuple[str, str]], seeds: Path | bool | None = None) -> KnowledgeBase:
        """Rules from ``(name, text)`` pairs instead of the shipped ones; ``seeds`` is the folder
        of source documents the quotes are checked against (False: do not check)."""
        return cls(load_program(files, seeds=seeds))

    def facts_from_text(self, text: str, file: str = "<facts>") -> list[Clause]:
        """Subject facts written in the rule language (a facts file's text). Raises ``LoadErrors``
        with every problem, each at ``file``:line:column."""
        return load_facts(text, file, self.program)

    def facts_from_path(self, path: str) -> list[Clause]:
        """A facts file (UTF-8, under the size limit of grammar/files.py). Raises ``LoadErrors``."""
        return facts_from_path(path, self.program)

    def facts_from_records(self, records: Sequence[Mapping[str, Any]], file: str = "<records>") -> list[Clause]:
        """Subject facts given as data: ``[{"pred": "ks_experience_stars", "args": ["acme", 4.5]}, ...]``.

        Arguments are JSON values read by the input's declared types: numbers (or numeric
        strings) for numbers, ``"YYYY-MM-DD"`` for dates, ``"YYYY-MM-DDTHH:MM"`` for date-times,
        ``true``/``false`` for booleans, strings for names and values. Checked like a facts file
        (declared input, arity, types, ranges, enum values, one value per single-valued input);
        nothing is parsed as program text. Raises ``LoadErrors``; each error names the record
        (``record 2``, 0-based like the list) and field (``args[1]``), at ``file``:N:M with N the
        record's 1-based number and M the argument's."""
        if not isinstance(records, Sequence) or isinstance(records, (str, bytes)):
            raise LoadErrors([LoadError("records must be a list of {\"pred\": ..., \"args\": [...]} objects",
                                        Pos(file, 1, 1))])
        rows: list[tuple[str, Any, Any, Pos, str | None]] = []
        for i, r in enumerate(records):
            if not isinstance(r, Mapping) or set(r) - {"pred", "args"}:
                extra = sorted(set(r) - {"pred", "args"}) if isinstance(r, Mapping) else []
                why = f"unexpected field {extra[0]!r}" if extra else "not an object"
                rows.append((f"record {i}", None, None, Pos(file, i + 1, 1), why))
                continue
            rows.append((f"record {i}", r.get("pred"), r.get("args"), Pos(file, i + 1, 1), None))
        return self._facts_from_rows(rows)

    def facts_from_dict(self, facts: Mapping[str, Any], file: str = "<dict>") -> list[Clause]:
        """Subject facts as one mapping from input to its rows:
        ``{"ks_experience_stars": [["acme", 4.5]], "ks_store_type": [["acme", "enterprise"]]}``
        (a single row may be given without the outer list). Values are read as in
        ``facts_from_records``; errors name the input and row (``ks_experience_stars[0]``)."""
        if not isinstance(facts, Mapping):
            raise LoadErrors([LoadError("facts must be a mapping from input name to rows", Pos(file, 1, 1))])
        rows: list[tuple[str, Any, Any, Pos, str | None]] = []
        n = 0
        for pred, value in facts.items():
            single = isinstance(value, Sequence) and not isinstance(value, str) and value \
                and not any(isinstance(v, Sequence) and not isinstance(v, str) for v in value)
            for k, args in enumerate([value] if single else value if isinstance(value, Sequence) else [value]):
                n += 1
                rows.append((f"{pred}[{k}]", pred, args, Pos(file, n, 1), None))
        return self._facts_from_rows(rows)

    def _facts_from_rows(self, rows: list[tuple[str, Any, Any, Pos, str | None]]) -> list[Clause]:
        if len(rows) > MAX_RECORDS:
            raise LoadErrors([LoadError(f"{len(rows)} records; at most {MAX_RECORDS} are read in one call",
                                        rows[0][3], "split the facts, or screen them in bulk")])
        errors: list[KbError] = []
        facts: list[Clause] = []
        for label, pred, args, pos, why in rows:
            if why is None and not (isinstance(pred, str) and pred):
                why = "field 'pred' must be an input name"
            if why is None and (not isinstance(args, Sequence) or isinstance(args, (str, bytes))):
                why = "field 'args' must be a list of values"
            if why is not None:
                errors.append(LoadError(f"{label}: {why}", pos, 'e.g. {"pred": "ks_experience_stars", '
                                                                '"args": ["acme", 4.5]}'))
                continue
            errors += self._record_fact(label, pred, list(args), pos, facts)
        errors += conflicting_values(facts, self.program)
        if errors:
            raise LoadErrors(errors)
        return facts

    def _record_fact(self, label: str, pred: str, args: list[Any], pos: Pos, out: list[Clause]) -> list[KbError]:
        info = self.program.preds.get(pred)
        decl = info.decl if info is not None and info.kind == "input" else None
        if decl is None or len(decl.args) != len(args):
            probe = Clause(Atom(pred, tuple(Const(str(a)) for a in args)), (), Annotations(), pos)
            errs = check_subject_fact(probe, self.program)
            return [LoadError(f"{label}: {e.message}", pos, e.hint) for e in errs] or \
                [LoadError(f"{label}: unknown input {pred}", pos, did_you_mean(pred, self.program.inputs))]
        errors: list[KbError] = []
        terms = []
        for j, (arg, raw) in enumerate(zip(decl.args, args)):
            where = Pos(pos.file, pos.line, j + 1)
            value = _record_value(raw, arg.type)
            why = (f"expects a {arg.type} for {arg.name}, got {raw!r}" if value is None
                   else check_value(value, arg, decl))
            if why:
                errors.append(LoadError(f"{label}, args[{j}]: {decl.pred} {why}", where, f"e.g. {example_fact(decl)}"))
            terms.append(Const(value if value is not None else ""))
        if not errors:
            out.append(Clause(Atom(pred, tuple(terms)), (), Annotations(), pos))
        return errors

    # ---- questions
    def lexicon(self, facts: Sequence[Clause] = ()) -> Lexicon:
        """The phrases, subjects and inputs questions are completed from (the REPL's lexicon)."""
        subjects = tuple(sorted({str(a.value) for f in facts for a in f.head.args[:1]
                                 if isinstance(a, Const) and isinstance(a.value, str)}))
        if not hasattr(self, "_lexicon_base"):
            self._lexicon_base = self._phrases()
        phrases, inputs, templates = self._lexicon_base
        return Lexicon(phrases, subjects, inputs, templates)

    def _phrases(self):
        phrases, inputs = [], []
        for info in self.program.preds.values():
            target = inputs if info.kind == "input" else phrases
            for lang, text in info.asks:
                target.append(Phrase(text, lang, info.name, info.arity))
            if info.decl is not None:
                for lang, text in info.decl.notes.names:
                    inputs.append(Phrase(text, lang, info.name, info.arity))
        return tuple(phrases), tuple(inputs), tuple(self.program.templates)

    def reading_model(self) -> ReadingModel:
        """The message reader's lexicon and candidate readings (built once per program)."""
        model = getattr(self, "_reading_model", None)
        if model is None:
            model = self._reading_model = ReadingModel(self.program)
        return model

    def parse(self, text: str, facts: Sequence[Clause] = (), as_of: _dt.date | None = None) -> Question:
        """A question's reading. A raw goal (``?- pred(args).``) is syntax; every question in
        words goes to the message reader (kb/reading.py), which reads context, pronouns and
        paraphrases, and says "did you mean" rather than guess. Raises ``QueryError`` with
        ``pos`` at the column of the problem in the question."""
        try:
            return self._parse(text, facts, as_of)
        except QueryError as e:
            raise _locate(e) from None

    def _parse(self, text: str, facts: Sequence[Clause], as_of: _dt.date | None) -> Question:
        """(``parse`` without the error positions.)"""
        if _SURROGATE.search(text):  # not text at all: it cannot even be encoded for a message
            raise QueryError("the question contains a lone surrogate code point (U+D800-U+DFFF)",
                             hint="pass the question as valid Unicode text")
        if looks_like_goal(text):
            q = parse_goal(text, self.arities)
            _check_subject_spelling(q.goal, facts, self.reading_model().types)
            return q
        if "__" in text or _CODE.search(text):
            raise QueryError("this is not a question Guize can read (it looks like code)",
                             hint="questions and goals are data; nothing you type is run")
        r = self.reading_model().read(text, facts, as_of or _dt.date.today())
        assignments = tuple(Assignment(s.atom.pred, s.atom.values()[1], None, s.text)
                            for s in r.hypotheses() if len(s.atom.args) == 2)
        goal = r.goal if r.kind != "uncovered" else Atom("not_covered", ())
        return Question(r.kind, goal, r.lang, text, assignments, r.topic, reading=r)

    @_located
    def ask(self, question: str | Atom, facts: Sequence[Clause] = (), as_of: _dt.date | None = None,
            lang: str | None = None) -> Answer:
        """Answer a question (English, Chinese, or a raw goal) with its proof or why-not."""
        as_of = as_of or _dt.date.today()
        if isinstance(question, Atom):
            q = Question("goal", question, lang or "en", str(question))
        else:
            text = question.strip()
            if text.startswith("?-"):
                text = text[2:].strip()
            q = self.parse(text, facts, as_of)  # q.lang: the language of the frame the question used
        reading = q.reading if isinstance(q.reading, Reading) else None
        if reading is not None and reading.facts_used():
            facts = [*facts, *(Clause(a, (), Annotations(), QUESTION_POS) for a in reading.facts_used())]
        if q.kind == "uncovered":
            ans = Answer(q.text, q.goal, as_of, "unknown", kind="uncovered", lang=q.lang, topic=q.topic,
                         facts=list(facts), suggestions=reading.alternatives if reading is not None else [])
        elif q.kind in ("conditions", "threshold"):
            ans = self._rule_answer(q, reading, as_of, lang or q.lang)
        elif q.kind == "what_if":
            ans = self._what_if(q, facts, as_of)
        else:
            ans = self._evaluate(q, facts, as_of)
            if q.kind == "needed":
                ans = self._what_needed(ans, q, facts, as_of)
        return replace(ans, question=question if isinstance(question, str) else str(question), lang=lang or q.lang,
                       reading=reading)

    def _rule_answer(self, q: Question, reading: Reading | None, as_of: _dt.date, lang: str) -> Answer:
        """A question about the rules themselves, answered from the clauses: a rule's
        conditions, or the thresholds the rules set on an input (within the asked rule)."""
        p = self.program
        if q.kind == "conditions":
            items = conditions(p, q.goal.pred, lang)
        else:
            scope = reading.scope if reading is not None else None
            items = thresholds(p, {q.goal.pred}, below(p, scope) if scope else None, lang)
        return Answer(q.text, q.goal, as_of, "list", kind=answer_kind(q.kind), lang=lang, rule=items)

    def _evaluate(self, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        self._check_goal(q.goal)
        if self._recursive_dependency(q.goal.pred):
            ans = self._answer_guarded(q, facts, as_of)
        else:
            ans = self._answer(q, facts, as_of)
        return replace(ans, readings_differ=self._other_readings(ans, q, facts, as_of))

    def under(self, key: str) -> KnowledgeBase:
        """The same rules read the other way at ``key`` (an ``@alternative``), built once."""
        cache = self.__dict__.setdefault("_variants", {})
        if key not in cache:
            cache[key] = KnowledgeBase(program_under(self.program, key))
        return cache[key]

    def _other_readings(self, ans: Answer, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> list[ReadingDiff]:
        """The question asked again under each alternative reading its clauses reach; the ones
        whose answer differs."""
        p = self.program
        if p.reading_taken or not p.alternatives or not q.goal.is_ground() \
                or ans.answer not in ("yes", "no", "unknown"):
            return []
        reach = self.engine.closure(q.goal.pred)
        # the clauses this answer's proof or why-not went through: an alternative whose clauses
        # it never met cannot change it (a "yes" needs every premise, a "no" fails only where
        # its why-not says, and a negation shows the clauses it found no instance of)
        met = set(clauses_used(ans.proof, (), ans.why_not, ans.unknown_because))
        out = []
        for key, label in p.alternatives.items():
            if not (p.alternative_preds(key) & reach):
                continue
            if not any(c.id in met for c in p.clauses if key in c.notes.primary):
                continue
            other = self.under(key)._evaluate(Question(q.kind, q.goal, q.lang, q.text), facts, as_of).answer
            if other != ans.answer:
                out.append(ReadingDiff(key, label, other))
        return out

    def _what_if(self, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        """The question asked of a copy of the facts with the hypothesis applied."""
        subject = q.goal.args[0].value if q.goal.args and isinstance(q.goal.args[0], Const) else None
        if subject is None:
            raise QueryError("a what-if question needs a subject", hint="e.g. if acme had experience stars 4.5, ...")
        changed, hyps = hypothetical(self.program, facts, subject, q.assignments)
        plain = Question("yes_no", q.goal, q.lang, q.text)
        before = self._evaluate(plain, facts, as_of)
        after = self._evaluate(Question("what_if", q.goal, q.lang, q.text), changed, as_of)
        return replace(after, what_if=hyps, before=before.answer)

    def _what_needed(self, ans: Answer, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        """The answer with the smallest verified plan that would make it yes (when there is one)."""
        if ans.answer == "yes" or not q.goal.is_ground():
            return ans
        goal = q.goal

        def ask(changed: list[Clause], day: _dt.date) -> Verdict:
            return self._evaluate(Question("yes_no", goal, q.lang, q.text), changed, day).answer

        def holds_at(atom: Atom, day: _dt.date) -> bool:
            with self.engine.session([f.head for f in facts], day, atom.pred) as s:
                return s.holds(atom)

        planner = Planner(self.program, facts, as_of, ask, holds_at)
        return replace(ans, needed=planner.best(ans.why_not))

    # pyDatalog's compiled engine cannot be interrupted (not even by SIGINT/SIGALRM). Rules are
    # compiled in the form shown to terminate, but a question that reaches a recursive rule
    # still runs in a forked child with a time limit, so it can never hang the caller.
    timeout: float | None = None  # None: GUIZE_TIMEOUT, read when used (kb/limits.py)

    def _recursive_dependency(self, pred: str) -> bool:
        return bool(self.engine.closure(pred) & self.engine.recursive)

    def _answer_guarded(self, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        ctx = multiprocessing.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)

        def work() -> None:
            try:
                child.send(("ok", self._answer(q, facts, as_of)))
            except KbError as e:
                child.send(("error", e))
            except Exception as e:  # report a bug in the child as an evaluation error
                child.send(("error", EvaluationError(f"{type(e).__name__}: {e}")))

        limit = self.timeout if self.timeout is not None else env_timeout()
        proc = ctx.Process(target=work, daemon=True)
        proc.start()
        try:
            if not parent.poll(limit):
                raise EvaluationError(
                    f"the question did not finish within {limit:g} s and was stopped",
                    hint="its rules are recursive; set GUIZE_TIMEOUT to allow longer")
            status, value = parent.recv()
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
        if status == "error":
            raise value
        return value

    def _check_goal(self, goal: Atom) -> None:
        info = self.program.preds.get(goal.pred)
        if info is None:
            raise QueryError(f"unknown predicate {goal.pred}", hint="see `kb vocab`")
        if info.arity != len(goal.args):
            raise QueryError(f"{goal.pred} takes {info.arity} argument(s), got {len(goal.args)}")

    def _relevant(self, facts: Sequence[Clause], goal: Atom) -> Sequence[Clause]:
        """The stated facts a ground question can depend on: those linked to the goal's constants
        through the subjects and strings they share (a store, its penalty records, a linked
        account, a phone number). Facts about other subjects cannot change the answer, so a batch
        over one file of many subjects asserts each subject's facts, not the whole file, per
        question. The grouping is built once per facts list."""
        if not goal.is_ground() or not facts:
            return facts
        return [facts[i] for i in self.fact_groups(facts).relevant(goal)]

    def fact_groups(self, facts: Sequence[Clause]) -> FactGroups:
        """The facts grouped by the subjects that link them, built once per facts list."""
        with _GROUPS_LOCK:  # shared by the alternative readings' knowledge bases (same inputs)
            cached = _GROUPS.get(id(facts))
            if cached is None or cached[0] is not facts or cached[1] != len(facts):
                cached = (facts, len(facts), FactGroups(self.program, [f.head for f in facts]))
                _GROUPS.clear()  # one facts list at a time: a batch, a REPL session, a request
                _GROUPS[id(facts)] = cached
        return cached[2]

    def _answer(self, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        goal = q.goal
        facts = self._relevant(facts, goal)
        atoms = [f.head for f in facts]
        where = {f.head: str(f.pos) for f in facts}
        with self.engine.session(atoms, as_of, goal.pred) as s:
            prover = Prover(self.program, s, where)
            base = Answer(q.text, goal, as_of, "no", kind=answer_kind(q.kind), lang=q.lang, facts=list(facts))
            if goal.is_ground():
                return self._ground_answer(base, prover, s.holds(goal), atoms)
            sols = s.solve([goal])
            vars_ = [v for v in goal.args if isinstance(v, Var)]
            bindings: list[dict[str, Value]] = []
            proofs: list[Node] = []
            for sol in sorted(sols, key=lambda e: [format_value(e[v]) for v in vars_ if v in e]):
                bindings.append({v.name: sol[v] for v in vars_ if v in sol})
                ground = Atom(goal.pred, tuple(Const(sol[a]) if isinstance(a, Var) else a for a in goal.args))
                proof = prover.prove(ground)
                if proof is not None:
                    proofs.append(proof)
            why_not = prover.why_not(goal) if not sols and q.kind != "which" else []
            return replace(base, answer="list", bindings=bindings, proofs=proofs, why_not=why_not,
                           missing=missing_inputs(why_not) if why_not else [],
                           readings=readings_of(self.program, clauses_used(None, proofs, why_not)))

    def _ground_answer(self, base: Answer, prover: Prover, holds: bool, atoms: list[Atom]) -> Answer:
        """A yes with its proof (unknown if it rests on negating something unknown), or a no or
        unknown with every failing condition."""
        goal = base.goal
        if not holds:
            why_not = prover.why_not(goal)
            return replace(base, answer="unknown" if any(a.unknown for a in why_not) else "no", why_not=why_not,
                           missing=missing_inputs(why_not),
                           readings=readings_of(self.program, clauses_used(None, (), why_not)))
        proof = prover.prove(goal)
        doubts = unknown_negations(prover, proof) if proof is not None else []
        if doubts:
            answer = replace(base, answer="unknown", proof=proof, unknown_because=doubts,
                             missing=missing_inputs([a for _, alts in doubts for a in alts]))
        else:
            assumed = assumptions_of(self.program, proof, atoms, self.engine.closure) if proof is not None else []
            answer = replace(base, answer="yes", proof=proof, assumptions=assumed)
        return replace(answer, readings=readings_of(self.program, clauses_used(proof, (), (), doubts)))

    def to_json(self, answer: Answer, lang: str | None = None) -> dict[str, Any]:
        """The ``guize.answer/1`` object of an answer (kb/codec.py; schema in docs/answer.schema.json)."""
        from kb.codec import answer_json

        return answer_json(answer, self.program, lang)

    @_located
    def what_if(self, question: str | Atom, facts: Sequence[Clause], changes: Sequence[Clause],
                as_of: _dt.date | None = None, lang: str | None = None) -> Answer:
        """Answer ``question`` as if ``changes`` were stated: each changed fact replaces the
        facts of the same input about the same subject. The loaded facts are not touched."""
        as_of = as_of or _dt.date.today()
        q = self._question(question, facts)
        keys = {(c.head.pred, c.head.args[0]) for c in changes if c.head.args}
        changed = [f for f in facts if (f.head.pred, f.head.args[0] if f.head.args else None) not in keys]
        changed += list(changes)
        hyp = Hypothesis([f.head for f in facts if f not in changed], [c.head for c in changes], "")
        plain = Question("yes_no" if q.goal.is_ground() else "which", q.goal, q.lang, q.text)
        before = self._evaluate(plain, facts, as_of)
        after = self._evaluate(Question("what_if", q.goal, q.lang, q.text), changed, as_of)
        return replace(after, what_if=[hyp], before=before.answer, question=str(question), lang=lang or q.lang)

    @_located
    def what_needed(self, question: str | Atom, facts: Sequence[Clause], as_of: _dt.date | None = None,
                    lang: str | None = None) -> Answer:
        """The smallest verified set of changes that would turn the answer into yes."""
        as_of = as_of or _dt.date.today()
        q = self._question(question, facts)
        q = Question("needed", q.goal, q.lang, q.text)
        ans = self._what_needed(self._evaluate(q, facts, as_of), q, facts, as_of)
        return replace(ans, question=str(question), lang=lang or q.lang)

    def _question(self, question: str | Atom, facts: Sequence[Clause]) -> Question:
        if isinstance(question, Atom):
            return Question("goal", question, "en", str(question))
        text = question.strip().removeprefix("?-").strip()
        q = self.parse(text, facts)
        if q.kind == "uncovered":
            raise QueryError(f"not covered: no encoded document says anything about {q.topic!r}")
        return q


__all__ = ["Answer", "KbError", "KnowledgeBase", "LoadErrors", "QueryError", "SCHEMA"]
