"""The Python API: ``KnowledgeBase`` answers questions with proofs.

>>> from kb import KnowledgeBase
>>> base = KnowledgeBase.default()
>>> facts = base.facts_from_text('ks_experience_stars(acme, 3.8).')
>>> base.ask("ks_c3_experience_stars_ok(acme)", facts=facts).answer
'no'
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from grammar.errors import EvaluationError, KbError, LoadErrors, QueryError
from grammar.model import Annotations, Atom, Clause, Const, Pos, Var, format_value
from grammar.question import Assignment, Lexicon, Phrase, Question, looks_like_goal, parse_goal
from kb.engine import Engine
from kb.limits import env_timeout
from kb.loader import Program, facts_from_path, load_facts, load_program, program_under
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


SCHEMA = "guize.answer/1"
_SURROGATE = re.compile("[\ud800-\udfff]")
QUESTION_POS = Pos("<question>", 1, 1)  # where a fact stated in the question itself comes from


@dataclass
class Answer:
    """One answer, the value every interface prints (schema ``guize.answer/1``)."""

    question: str
    goal: Atom
    as_of: _dt.date
    answer: str  # "yes" | "no" | "unknown" | "list"
    kind: str = "yes_no"
    lang: str = "en"
    bindings: list[dict[str, object]] = field(default_factory=list)
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
    before: str | None = None  # what-if: the answer without the hypothesis
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
        self.program = program
        self.arities = {name: info.arity for name, info in program.preds.items()}
        self.engine = Engine(program.clauses, program.strata, program.scc, self.arities)

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
    def from_files(cls, files: Iterable[tuple[str, str]], seeds=None) -> KnowledgeBase:
        return cls(load_program(files, seeds=seeds))

    def facts_from_text(self, text: str, file: str = "<facts>") -> list[Clause]:
        return load_facts(text, file, self.program)

    def facts_from_path(self, path: str) -> list[Clause]:
        return facts_from_path(path, self.program)

    # ---- questions
    def lexicon(self, facts: Sequence[Clause] = ()) -> Lexicon:
        subjects = tuple(sorted({str(f.head.args[0].value) for f in facts  # type: ignore[union-attr]
                                 if f.head.args and isinstance(f.head.args[0], Const)
                                 and isinstance(f.head.args[0].value, str)}))
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
        paraphrases, and says "did you mean" rather than guess."""
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
        assignments = tuple(Assignment(s.atom.pred, s.atom.args[1].value, None, s.text)  # type: ignore[union-attr]
                            for s in r.hypotheses() if len(s.atom.args) == 2)
        goal = r.goal if r.kind != "uncovered" else Atom("not_covered", ())
        return Question(r.kind, goal, r.lang, text, assignments, r.topic, reading=r)

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
                self._what_needed(ans, q, facts, as_of)
        ans.question = question if isinstance(question, str) else str(question)
        ans.lang = lang or q.lang
        ans.reading = reading
        return ans

    def _rule_answer(self, q: Question, reading: Reading | None, as_of: _dt.date, lang: str) -> Answer:
        """A question about the rules themselves, answered from the clauses: a rule's
        conditions, or the thresholds the rules set on an input (within the asked rule)."""
        p = self.program
        if q.kind == "conditions":
            items = conditions(p, q.goal.pred, lang)
        else:
            scope = reading.scope if reading is not None else None
            items = thresholds(p, {q.goal.pred}, below(p, scope) if scope else None, lang)
        return Answer(q.text, q.goal, as_of, "list", kind=q.kind, lang=lang, rule=items)

    def _evaluate(self, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        self._check_goal(q.goal)
        if self._recursive_dependency(q.goal.pred):
            ans = self._answer_guarded(q, facts, as_of)
        else:
            ans = self._answer(q, facts, as_of)
        ans.readings_differ = self._other_readings(ans, q, facts, as_of)
        return ans

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
        out = []
        for key, label in p.alternatives.items():
            if not (p.alternative_preds(key) & reach):
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
        after.what_if, after.before = hyps, before.answer
        return after

    def _what_needed(self, ans: Answer, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> None:
        if ans.answer == "yes" or not q.goal.is_ground():
            return
        goal = q.goal

        def ask(changed: list[Clause], day: _dt.date) -> str:
            return self._evaluate(Question("yes_no", goal, q.lang, q.text), changed, day).answer

        def holds_at(atom: Atom, day: _dt.date) -> bool:
            with self.engine.session([f.head for f in facts], day, atom.pred) as s:
                return s.holds(atom)

        planner = Planner(self.program, None, facts, as_of, ask, holds_at)  # type: ignore[arg-type]
        ans.needed = planner.best(ans.why_not)

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

    def _answer(self, q: Question, facts: Sequence[Clause], as_of: _dt.date) -> Answer:
        goal = q.goal
        stated = facts
        facts = self._connected(goal, facts)
        atoms = [f.head for f in facts]
        where = {f.head: str(f.pos) for f in facts}
        with self.engine.session(atoms, as_of, goal.pred) as s:
            prover = Prover(self.program, s, where)
            ans = Answer(q.text, goal, as_of, "no", kind=q.kind, lang=q.lang, facts=list(stated))
            if goal.is_ground():
                if s.holds(goal):
                    ans.answer = "yes"
                    ans.proof = prover.prove(goal)
                    if ans.proof is not None:
                        ans.unknown_because = unknown_negations(prover, ans.proof)
                        if ans.unknown_because:
                            ans.answer = "unknown"
                            ans.missing = missing_inputs([a for _, alts in ans.unknown_because for a in alts])
                        else:
                            ans.assumptions = assumptions_of(self.program, ans.proof, atoms, self.engine.closure)
                else:
                    ans.why_not = prover.why_not(goal)
                    ans.missing = missing_inputs(ans.why_not)
                    ans.answer = "unknown" if any(a.unknown for a in ans.why_not) else "no"
                ans.readings = readings_of(self.program, clauses_used(ans.proof, (), ans.why_not, ans.unknown_because))
                return ans
            sols = s.solve([goal])
            vars_ = [v for v in goal.args if isinstance(v, Var)]
            ans.answer = "list"
            for sol in sorted(sols, key=lambda e: [format_value(e[v]) for v in vars_ if v in e]):
                ans.bindings.append({v.name: sol[v] for v in vars_ if v in sol})
                ground = Atom(goal.pred, tuple(Const(sol[a]) if isinstance(a, Var) else a for a in goal.args))
                proof = prover.prove(ground)
                if proof is not None:
                    ans.proofs.append(proof)
            if not sols and q.kind != "which":
                ans.why_not = prover.why_not(goal)
                ans.missing = missing_inputs(ans.why_not)
            ans.readings = readings_of(self.program, clauses_used(None, ans.proofs, ans.why_not))
            return ans

    _LINKED = 200  # fewer facts than this are all asserted, as they always were

    def _connected(self, goal: Atom, facts: Sequence[Clause]) -> Sequence[Clause]:
        """The facts a ground goal can rest on: those linked to its constants through subject
        ids and strings (a store, its penalty records, its linked accounts ...). A batch over one
        large facts file then asserts one subject's facts per question, not the whole file (linear,
        not N x N). The index is built once per facts list."""
        if not goal.is_ground() or len(facts) < self._LINKED:
            return facts
        cached = self.__dict__.get("_fact_index")
        if cached is None or cached[0] is not facts or cached[1] != len(facts):
            links: dict[object, list[int]] = {}
            keys: list[list[object]] = []
            for n, f in enumerate(facts):
                decl = self.program.inputs.get(f.head.pred)
                ks = [a.value for i, a in enumerate(f.head.args) if isinstance(a, Const) and isinstance(a.value, str)
                      and (decl is None or decl.args[i].type not in ("bool", "enum"))]
                keys.append(ks)
                for k in ks:
                    links.setdefault(k, []).append(n)
            cached = self.__dict__["_fact_index"] = (facts, len(facts), links, keys)
        _, _, links, keys = cached
        todo = [a.value for a in goal.args if isinstance(a, Const)]
        seen_keys: set[object] = set(todo)
        picked: set[int] = set()
        while todo:
            k = todo.pop()
            for n in links.get(k, ()):
                if n in picked:
                    continue
                picked.add(n)
                for k2 in keys[n]:
                    if k2 not in seen_keys:
                        seen_keys.add(k2)
                        todo.append(k2)
        return [facts[n] for n in sorted(picked)]

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
        after.what_if, after.before = [hyp], before.answer
        after.question = str(question)
        after.lang = lang or q.lang
        return after

    def what_needed(self, question: str | Atom, facts: Sequence[Clause], as_of: _dt.date | None = None,
                    lang: str | None = None) -> Answer:
        """The smallest verified set of changes that would turn the answer into yes."""
        as_of = as_of or _dt.date.today()
        q = self._question(question, facts)
        q = Question("needed", q.goal, q.lang, q.text)
        ans = self._evaluate(q, facts, as_of)
        self._what_needed(ans, q, facts, as_of)
        ans.question = str(question)
        ans.lang = lang or q.lang
        return ans

    def _question(self, question: str | Atom, facts: Sequence[Clause]) -> Question:
        if isinstance(question, Atom):
            return Question("goal", question, "en", str(question))
        text = question.strip().removeprefix("?-").strip()
        q = self.parse(text, facts)
        if q.kind == "uncovered":
            raise QueryError(f"not covered: no encoded document says anything about {q.topic!r}")
        return q


__all__ = ["Answer", "KbError", "KnowledgeBase", "LoadErrors", "QueryError", "SCHEMA"]
