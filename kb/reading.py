"""Step 4 of reading a message (the one home for meaning): from the parsed message to a goal.

grammar/ found the spans and grouped them (grammar.message); here they get their meaning
against the loaded program and facts:

- **candidates** are built once per program from the annotations: every derived predicate with
  @ask/@words (a yes/no question about a subject), every whole question (@ask ... = goal), every
  @gap (a "not covered" reading). Each is scored by how much of its best phrase the message
  covers (features: synonym groups, English stems, Chinese bigrams, weighted by rarity; the
  question sentence counts more than the context), by the frame the cues ask for, and by the
  inputs the message and the facts speak of (the predicate's dependency closure).
- **subjects**: ids, pronouns and dropped subjects resolve to the loaded subject of the type the
  goal needs (types are inferred from the input declarations); several candidates -> ask which;
  none loaded -> an unnamed subject described by the message alone.
- **stated facts**: statements become input facts for this question, echoed back; a stated fact
  that contradicts a loaded one is reported and the loaded one is kept.
- **never a guess**: a reading below the confidence bar, or two readings too close to call,
  becomes "did you mean" with the nearest canonical questions; "not covered" needs positive
  evidence (another platform, an uncovered topic, a declared gap).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from grammar.errors import QueryError
from grammar.language import FRAME_PATTERNS, NOUNS, ZH_STOP
from grammar.lexicon import Candidate, Entry, Lexicon, features
from grammar.message import Item, Message, Piece, read_message
from grammar.model import Atom, Clause, Const, Neg, Term, Value, Var, format_value
from grammar.normalise import language_of, normalise
from grammar.values import Found
from kb.loader import Program

_UNIT_NAMES = {"stars": "stars", "star": "stars", "%": "%", "minutes": "minutes", "hours": "hours", "days": "days",
               "points": "points", "yuan": "yuan", "CNY": "yuan", "months": "months"}
BASE_TYPES = {"string", "number", "date", "datetime", "bool", "enum"}
UNNAMED = "you"  # the subject of a question when no facts name one: described by the message alone
ACCEPT = 0.5  # the least score a reading needs
MARGIN = 0.08  # how far the best reading must lead the next different one
_OTHER_TYPE = 0.5  # a reading about a type no loaded fact is of (the facts say what the question is about)
_ZH_MODALS = frozenset({"能", "可以", "能够", "可", "会", "要"})  # a modal alone asks no yes/no in Chinese
DOC_SHARE = 0.6  # the share of document-specific words that makes a message one document's
DOC_PENALTY = 0.1  # … and what a reading from another document loses
AFFECT = 0.25  # "does that block us?": the weight of a condition's fit to the stated facts
YES_NO_FIT = 0.7  # how much of a yes/no phrasing of a rule question a message must have to be asking it
NUMBERED = 0.7  # a condition named by its number ("第8条", "condition 8")
BOUND = 0.1  # a question for a bound and a reading whose phrases ask for one
FAR_BETTER = 0.3  # how much more of the question a rule's words must explain than any verdict's
POLARITY = 0.05  # a list question and a listing reading agree in negation
NEGATIVE_TWIN = 0.1  # a yes/no question without a negation and a rule that is only another's negation
DESCRIBED = 0.25  # a contentless question about the subject a description is of, for or against a reading
# the noun a wh-word asks about ("which certifications …"), and words after it that are none
_WHICH_NOUN = re.compile(r"\b(?:which|what) (?:kinds? of |types? of )?([a-z][a-z\-]+)"
                         r"|(?:哪些|哪种|哪几种)([\u4e00-\u9fff]{2})")
_NOT_NOUNS = frozenset({"of", "one", "ones", "is", "are", "do", "does", "can", "should", "will", "would", "the", "our",
                        "my", "a", "an", "to", "we", "i"})
# "who" after a noun introduces a relative clause; at the start, or after a verb of asking, it asks
_WHO_ASKS = re.compile(r"(?:^|[.?!;,] ?|\b(?:know|tell (?:me|us)|ask|see|check|find out|and|or|but|to|for|about) )"
                       r"who\b")
_WHO_RELATIVE = re.compile(r"\b[a-z]{3,} who\b")
# a unit asked for in Chinese ("要几星", "多少天"): the input measured in it is spoken of
_ZH_UNITS = {"星": "stars", "颗星": "stars", "天": "days", "小时": "hours", "个小时": "hours", "分钟": "minutes"}
_ASKED_UNIT = re.compile(r"(?:几|多少)(颗星|星|天|个小时|小时|分钟)")
_HYPHEN = re.compile(r"(?<=[a-z])-(?=[a-z])")


def _unhyphen(text: str) -> str:
    """Hyphens between letters as spaces, the length kept: "no-serious-violation condition" is found
    word for word in "meet the no serious violation condition"."""
    return _HYPHEN.sub(" ", text)


# verbs that negate what they govern ("which modes let us skip the contract"), for list polarity only
_SKIP = re.compile(r"\b(?:skip|skipping|exempt|avoid|avoids|bypass)\b|无需|不必|免签|免于|可以免")
_ONE_WORD = 0.7  # a one-word phrase covers a message of several content words only in part


@dataclass(frozen=True)
class StatedFact:
    atom: Atom
    text: str  # the words it was read from
    status: str  # "new" | "matches" | "contradicts" | "hypothetical"
    loaded: Atom | None = None  # the loaded fact it contradicts


@dataclass
class Reading:
    """How a message was read: the goal, the frame, and every span's meaning."""

    text: str
    normalised: str
    lang: str
    kind: str  # yes_no | why | why_not | which | needed | what_if | value | uncovered
    goal: Atom
    restatement: str
    score: float = 0.0
    stated: list[StatedFact] = field(default_factory=list)
    spans: list[dict[str, str]] = field(default_factory=list)  # {"text", "as"}
    unused: list[str] = field(default_factory=list)
    corrections: list[tuple[str, str]] = field(default_factory=list)
    subjects: dict[str, str] = field(default_factory=dict)  # how each subject was found
    topic: str | None = None  # uncovered: what no document covers
    evidence: str | None = None  # uncovered: why we know
    alternatives: list[str] = field(default_factory=list)
    scope: str | None = None  # threshold: the rule whose clauses are searched (None: every rule)

    def facts_used(self) -> list[Atom]:
        return [s.atom for s in self.stated if s.status == "new"]

    def hypotheses(self) -> list[StatedFact]:
        return [s for s in self.stated if s.status == "hypothetical"]


# ---------------------------------------------------------------------------------------- the model

class ReadingModel:
    """The lexicon and the candidate readings of one program (built once, shared by questions)."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.types = _infer_types(program)
        self.closure = _input_closure(program)
        self.depends = _pred_closure(program)
        # a rule that is only another's negation ("invalid :- subject, not valid"): a yes/no question
        # without a negation asks the positive one
        self.negation_of: dict[str, str] = {}
        for name, info in program.preds.items():
            if len(info.clauses) == 1:
                negs = [lit.atom.pred for lit in info.clauses[0].body if isinstance(lit, Neg)]
                if len(negs) == 1 and len(info.clauses[0].body) <= 2:
                    self.negation_of[name] = negs[0]
        entries: list[Entry] = []
        self.value_words: dict[str, list[tuple[str, str]]] = {}  # "pred|symbol" -> [(lang, words)]
        for info in program.preds.values():
            if info.kind == "input":
                for _, text in [*info.asks, *(info.decl.notes.names if info.decl else ())]:
                    entries.append(Entry(normalise(text), "input", info.name))
                for _, text in info.words:
                    entries.append(Entry(normalise(text), "input", info.name))
            for symbol, lang, text in info.values:
                entries.append(Entry(normalise(text), "value", f"{info.name}|{symbol}"))
                self.value_words.setdefault(f"{info.name}|{symbol}", []).append((lang, text))
            if info.kind == "input" and info.decl is not None:
                for a in info.decl.args:
                    for v in a.values or ():  # the symbol itself reads as its value ("self_operated")
                        entries.append(Entry(str(v).replace("_", " "), "value", f"{info.name}|{v}"))
                        entries.append(Entry(str(v), "value", f"{info.name}|{v}"))
                        spaced = re.sub(r"(?<=[a-z])(?=\d)", " ", str(v))
                        if spaced != str(v):  # mode3 is also written "mode 3"
                            entries.append(Entry(spaced, "value", f"{info.name}|{v}"))
        candidates: dict[str, Candidate] = {}
        for info in program.preds.values():
            if info.kind != "derived" or not (info.asks or info.words or info.docs):
                continue
            c = candidates.setdefault(f"pred:{info.name}", Candidate(f"pred:{info.name}"))
            c.phrases += list(info.asks)
            c.words += list(info.words) + [(lang, text) for lang, text in info.docs.items()]
        for info in program.preds.values():  # "what is bolt's store type?": the value of an input
            if info.kind == "input" and info.decl is not None and len(info.decl.args) >= 2 and info.asks:
                c = candidates.setdefault(f"inp:{info.name}", Candidate(f"inp:{info.name}"))
                c.phrases += [*info.asks, *info.decl.notes.names]
        for lang, text, goal in program.templates:
            c = candidates.setdefault(f"tpl:{goal}", Candidate(f"tpl:{goal}"))
            c.phrases.append((lang, text))
            c.words += [w for w in program.preds[goal.pred].words if w not in c.words]
        for lang, text, _ in program.gaps:
            candidates.setdefault(f"gap:{text}", Candidate(f"gap:{text}")).phrases.append((lang, text))
        self.goals = {f"tpl:{g}": g for _, _, g in program.templates}
        # the constants whole questions put at each place of a goal ("自营"/"pop" as the store kind)
        self.places: dict[tuple[str, int], set[str]] = {}
        for g in self.goals.values():
            for i, term in enumerate(g.args):
                if isinstance(term, Const):
                    self.places.setdefault((g.pred, i), set()).add(str(term.value))
        # units that name their input by themselves (only one input is measured in stars)
        by_unit: dict[str, set[str]] = {}
        for d in program.inputs.values():
            for a in d.args:
                if a.unit:
                    by_unit.setdefault(_UNIT_NAMES.get(a.unit, a.unit), set()).add(d.pred)
        self.unit_inputs = {u: frozenset(ps) for u, ps in by_unit.items() if len(ps) <= 2 and u != "%"}
        self.gap_files = {f"gap:{t}": f for _, t, f in program.gaps}
        self.lexicon = Lexicon(entries, candidates.values())
        # each phrase's spans, found once: its cues and negations decide the frames below
        spans_of: dict[str, tuple[set[str], bool]] = {}
        for c in self.lexicon.candidates:
            for _, t in [*c.phrases, *c.words]:
                if t not in spans_of:
                    sps = self.lexicon.spans(normalise(t))
                    spans_of[t] = ({str(sp.ref) for sp in sps if sp.kind == "cue"}, any(sp.kind == "neg" for sp in sps))

        def cues_of(t: str) -> set[str]:
            return spans_of[t][0]
        wh_words = {"where", "who", "value", "which", "how"}
        # the wh-words of each whole question and gap ("where ...", "多久"): a message that asks
        # none of them is not that question
        self.wh: dict[str, frozenset[str]] = {}
        for c in self.lexicon.candidates:
            cues: set[str] = set()
            for _, t in [*c.phrases, *(c.words if c.key.startswith("pred:") else ())]:
                cues |= cues_of(t)
            if c.key.startswith(("tpl:", "gap:")):
                self.wh[c.key] = frozenset(cues & wh_words)
            elif c.key.startswith("pred:"):  # a yes/no reading answers "who"/"where" only if its words ask it
                self.wh[c.key] = frozenset(cues & {"where", "who"})
        # readings whose phrases ask for a bound ("一个手机号最多能注册几个公司账户" of the per-phone
        # limit, not of one phone's count)
        self.bound_keys = frozenset(c.key for c in self.lexicon.candidates
                                    if any("threshold" in cues_of(t) for _, t in c.phrases))
        # the phrases of a rule question that ask yes or no ("is a passport accepted" of the accepted
        # IDs): found word for word, they say the question is that rule's even without a wh-word
        self.yes_no_phrases = {c.key: frozenset(_unhyphen(normalise(t).rstrip("?？")) for _, t in c.phrases
                                                if not cues_of(t) & wh_words)
                               for c in self.lexicon.candidates if c.key.startswith("tpl:")}
        self.candidates = {c.key: c for c in self.lexicon.candidates}
        self.asked = frozenset(k[5:] for k, c in self.candidates.items() if k.startswith("pred:") and c.phrases)
        # readings asked mostly in the negative ("which types cannot be negotiated"): a list question
        # agrees with one of them, or with its positive twin, by whether it negates
        self.negative = frozenset(c.key for c in self.lexicon.candidates if c.phrases and 2 * sum(
            spans_of[t][1] for _, t in c.phrases) > len(c.phrases))
        # the nouns that name a subject type ("活动" an open-card gift activity, "agency" a 京任务
        # agency): a reading about that type fits a message that uses the noun
        self.noun_types: dict[str, set[str]] = {}
        for noun in NOUNS:
            n = normalise(noun)
            forms = {n, n.removesuffix("s"), "store" if n.removesuffix("s") == "shop" else n, "店" if "店" in n else n}
            for t, decl in program.types.items():
                for _, name in decl.notes.names:
                    name = normalise(name)
                    if any(re.search(rf"\b{re.escape(f)}\b", name) if f.isascii() else f in name for f in forms):
                        self.noun_types.setdefault(n, set()).add(t)
        # words only the declared gaps use ("达人" of "达人入驻快分销条件"): a question with one of
        # them is about what the document leaves out, however much else it shares with a rule
        ruled = set().union(*(set().union(*c.feats, c.word_feats) for c in self.lexicon.candidates
                              if not c.key.startswith("gap:")))
        self.gap_only = {c.key: frozenset(set().union(*c.feats) - ruled) for c in self.lexicon.candidates
                         if c.key.startswith("gap:") and c.feats}
        idf = self.lexicon.idf
        self.phrase_totals = {c.key: [(fs, sum(idf.get(f, 1.0) for f in fs), _unhyphen(normalise(t).rstrip("?？")))
                                      for fs, (_, t) in zip(c.feats, c.phrases) if fs] for c in self.lexicon.candidates}
        self.all_feats = {c.key: c.word_feats.union(*c.feats) if c.feats else c.word_feats
                          for c in self.lexicon.candidates}
        self.exact = {c.key: tuple(normalise(t).rstrip("?？") for _, t in c.phrases) for c in self.lexicon.candidates}
        # every phrase found word for word in one pass: phrase -> the readings it belongs to
        import ahocorasick

        by_phrase: dict[str, set[str]] = {}
        for key, phrases in self.exact.items():
            for ph in phrases:
                if len(ph) > 3:
                    by_phrase.setdefault(_unhyphen(ph), set()).add(key)
        self.exact_auto = ahocorasick.Automaton()
        for ph, keys in by_phrase.items():
            self.exact_auto.add_word(ph, (len(ph), tuple(sorted(keys))))
        self.exact_auto.make_automaton()
        # the document of each reading, and the words only one document's readings use ("会员通",
        # "integrated marketing"): a message's context names its document even where the question
        # sentence shares its words with another one
        def file_of(pred: str | None) -> str | None:
            info = program.preds.get(pred or "")
            pos = (info.clauses[0].pos if info and info.clauses else info.decl.pos if info and info.decl else None)
            return pos.file if pos else None
        self.doc_of = {c.key: (self.gap_files.get(c.key) if c.key.startswith("gap:") else file_of(self.pred_of(c.key)))
                       for c in self.lexicon.candidates}
        # the subject types each document's rules are about (a gap of 会员通 is not about a
        # loaded service order)
        self.doc_types: dict[str, set[str]] = {}
        for (pred, _), t in self.types.items():
            doc = file_of(pred)
            if doc:
                self.doc_types.setdefault(doc, set()).add(t)
        owners: dict[str, set[str]] = {}
        for c in self.lexicon.candidates:
            doc = self.doc_of.get(c.key)
            if doc:
                for f in self.all_feats[c.key]:
                    owners.setdefault(f, set()).add(doc)
        self.doc_feats = {f: next(iter(ds)) for f, ds in owners.items() if len(ds) == 1}
        # numbered conditions named by their number ("condition 8", "条件8"; the normal form of
        # "第八条", "8th condition"): the rule files say which rule each number is
        self.numbered: dict[str, set[str]] = {}
        for c in self.lexicon.candidates:
            if c.key.startswith("pred:"):
                for _, w in c.words:
                    w = normalise(w)
                    if re.fullmatch(r"(?:condition |条件)\d+", w):
                        self.numbered.setdefault(w, set()).add(c.key)
        self.index: dict[str, list[Candidate]] = {}
        for c in self.lexicon.candidates:
            for f in set().union(*c.feats, c.word_feats) if (c.feats or c.word_feats) else ():
                self.index.setdefault(f, []).append(c)

    # ---- reading
    def read(self, text: str, facts: Sequence[Clause], as_of: _dt.date) -> Reading:
        view = self.view(facts)
        msg = read_message(text, self.lexicon, as_of, view.ids)
        return _Resolver(self, msg, facts, as_of).resolve()

    def view(self, facts: Sequence[Clause]) -> _FactsView:
        """What the reader needs of the loaded facts, computed once per facts list (a batch asks
        many questions of one file: each question must not scan the whole file again)."""
        cached = self.__dict__.get("_view")
        if cached is None or cached[0] is not facts or cached[1] != len(facts):
            cached = (facts, len(facts), _FactsView(self, facts))
            self.__dict__["_view"] = cached
        return cached[2]

    def pred_of(self, key: str) -> str | None:
        if key.startswith(("pred:", "inp:")):
            return key.partition(":")[2]
        if key.startswith("tpl:"):
            return self.goals[key].pred
        return None

    def canonical(self, key: str, subject: str | None, lang: str) -> str:
        """The plain question a reading stands for, in the asker's language."""
        c = self.candidates[key]
        phrases = [t for lg, t in c.phrases if lg == lang] or [t for _, t in c.phrases]
        phrase = phrases[0] if phrases else key
        if key.startswith("pred:") and any(lg == lang for lg, _ in c.phrases):
            # a phrase of several words reads as a question ("be valid", not "valid")
            phrase = next((t for t in phrases if (" " in t and not t.startswith(("a ", "an ", "the "))
                                                  if lang == "en" else len(t) >= 3)), phrase)
            if subject == UNNAMED:
                subject = "we" if lang == "en" else "我们"
            who = subject or self._subject_noun(key[5:], lang)
            return f"can {who} {phrase}?" if lang == "en" else f"{who}能{phrase}吗？"
        if key.startswith("gap:"):
            return phrase
        if key.startswith("inp:"):
            whose: str | None = subject if subject and subject != UNNAMED else None
            if lang == "en":
                return f"what is {whose}'s {phrase}?" if whose else f"what is the {phrase}?"
            return f"{whose}的{phrase}是什么？" if whose else f"{phrase}是什么？"
        if key.startswith("pred:") and not any(lg == lang for lg, _ in c.phrases):
            # no question phrase: what the rule says (its @doc), else the goal itself
            info = self.program.preds.get(key[5:])
            doc = (info.docs.get(lang) or "").strip().rstrip(".。") if info is not None else ""
            if doc:
                return f"does this hold: {doc}?" if lang == "en" else f"是否成立：{doc}？"
            return f"?- {key[5:]}({subject or 'S'})."
        return phrase + ("?" if lang == "en" else "？") if not phrase.endswith(("?", "？")) else phrase


    def type_name(self, type_: str | None, lang: str) -> str | None:
        """A subject type's display name (@name), in the language asked."""
        decl = self.program.types.get(type_) if type_ else None
        return decl.notes.name(lang) if decl is not None else None

    def _subject_noun(self, pred: str, lang: str) -> str:
        """"the coupon", "该优惠券": the subject a reading is about, named by its type."""
        name = self.type_name(self.types.get((pred, 0)), lang)
        if not name:
            return "the store" if lang == "en" else "店铺"
        return f"the {name}" if lang == "en" else name


def _infer_types(program: Program) -> dict[tuple[str, int], str]:
    """(pred, position) -> subject type, from input declarations through the clauses."""
    types: dict[tuple[str, int], str] = {}
    for d in program.inputs.values():
        for i, a in enumerate(d.args):
            if a.type not in BASE_TYPES:
                types[(d.pred, i)] = a.type
    changed = True
    while changed:
        changed = False
        for c in program.clauses:
            for i, t in enumerate(c.head.args):
                if not isinstance(t, Var) or (c.head.pred, i) in types:
                    continue
                for lit in c.body:
                    atom = getattr(lit, "atom", lit)
                    if not isinstance(atom, Atom):
                        continue
                    for j, u in enumerate(atom.args):
                        if u == t and (atom.pred, j) in types:
                            types[(c.head.pred, i)] = types[(atom.pred, j)]
                            changed = True
                            break
                    if (c.head.pred, i) in types:
                        break
    return types


def _filler_positions(text: str) -> set[int]:
    """Positions inside the Chinese filler words of two or more characters (现在, 再加, 一共 …)."""
    out: set[int] = set()
    for w in ZH_STOP:
        if len(w) >= 2:
            start = text.find(w)
            while start >= 0:
                out.update(range(start, start + len(w)))
                start = text.find(w, start + 1)
    return out


def _body_atoms(lits) -> list[Atom]:
    """The atoms of clause body literals, negated ones and those inside aggregates included."""
    out: list[Atom] = []
    for lit in lits:
        inner = getattr(lit, "body", None)
        if inner is not None and not isinstance(lit, Atom):
            out += _body_atoms(inner)
            continue
        atom = getattr(lit, "atom", lit)
        if isinstance(atom, Atom):
            out.append(atom)
    return out


def _input_closure(program: Program) -> dict[str, frozenset[str]]:
    """Derived predicate -> every input it depends on (what its answer is about)."""
    # a subject's domain (ks_subject(S) :- ks_onboarded(S, _). … one clause per input) says only that
    # S is a store: depending on it is not depending on every input of a store
    by_head: dict[str, list] = {}
    for c in program.clauses:
        by_head.setdefault(c.head.pred, []).append(c)
    domains = {p for p, cs in by_head.items() if len(cs) >= 3 and all(
        len(c.head.args) == 1 and len(c.body) == 1 and getattr(c.body[0], "pred", None) in program.inputs
        and all(a == c.head.args[0] or (isinstance(a, Var) and a.name.startswith("_"))
                for a in getattr(c.body[0], "args", ()))
        for c in cs)}
    deps: dict[str, set[str]] = {}
    for c in program.clauses:
        if c.head.pred in domains:
            continue
        for atom in _body_atoms(c.body):
            deps.setdefault(c.head.pred, set()).add(atom.pred)
    out: dict[str, frozenset[str]] = {}

    def walk(p: str, seen: set[str]) -> set[str]:
        if p in out:
            return set(out[p])
        acc: set[str] = set()
        for q in deps.get(p, ()):
            if q in seen:
                continue
            if q in program.inputs:
                acc.add(q)
            acc |= walk(q, seen | {q})
        return acc

    for p in program.preds:
        out[p] = frozenset(walk(p, {p}))
    return out


def _pred_closure(program: Program) -> dict[str, frozenset[str]]:
    """Derived predicate -> every predicate its clauses reach (its conditions at any depth)."""
    direct: dict[str, set[str]] = {}
    for c in program.clauses:
        for atom in _body_atoms(c.body):
            direct.setdefault(c.head.pred, set()).add(atom.pred)
    out: dict[str, frozenset[str]] = {}
    for p in direct:
        seen, todo = set(), [p]
        while todo:
            for q in direct.get(todo.pop(), ()):
                if q not in seen:
                    seen.add(q)
                    todo.append(q)
        out[p] = frozenset(seen - {p})
    return out


# ---------------------------------------------------------------------------------------- resolving

_FRAME_LIST = {"which", "value", "where", "who", "how"}


class _FactsView:
    """The loaded facts as the reader uses them: the ids they name, the subjects of each type, the
    stated atoms by predicate and first argument, and the inputs stated."""

    def __init__(self, model: ReadingModel, facts: Sequence[Clause]) -> None:
        self.ids = frozenset(str(a.value).lower() for f in facts for a in f.head.args
                             if isinstance(a, Const) and isinstance(a.value, str))
        self.loaded_types = loaded_subjects(model.types, facts)
        self.heads = frozenset(f.head for f in facts)
        self.by_key: dict[tuple[str, object], list[Atom]] = {}
        for f in facts:
            if f.head.args:
                self.by_key.setdefault((f.head.pred, f.head.args[0]), []).append(f.head)
        self.inputs = frozenset(f.head.pred for f in facts if f.head.pred in model.program.inputs)


class _Resolver:
    def __init__(self, model: ReadingModel, msg: Message, facts: Sequence[Clause], as_of: _dt.date) -> None:
        self.m = model
        self.msg = msg
        self.facts = facts
        self.view = model.view(facts)
        self.as_of = as_of
        self.lang = language_of(msg.original)
        self.loaded_types = self.view.loaded_types  # type -> loaded subject ids
        # loaded subjects the message names, and whether it speaks of itself ("we", "我们")
        self.named_loaded = {s for ids in self.loaded_types.values() for s in ids if _names(msg.text, s.lower())}
        self.has_pronoun = any(p.kind == "PRON" for it in msg.items for p in it.pieces)
        self.exact_hits: dict[str, int] = {}  # reading -> length of its longest phrase in the message
        self.exact_spans: list[tuple[int, int, tuple[str, ...]]] = []  # where each such phrase is
        plain = _unhyphen(msg.text)
        for end, (n, keys) in model.exact_auto.iter(plain) if msg.text else ():
            self.exact_spans.append((end - n + 1, end + 1, keys))
            for k in keys:
                self.exact_hits[k] = max(self.exact_hits.get(k, 0), n)
        self.yes_no_hits = {k for a, b, ks in self.exact_spans for k in ks
                            if plain[a:b] in model.yes_no_phrases.get(k, ())}
        # a phrase found mostly inside a longer one of another reading ("开通整合营销权限" in
        # "代运营能力认证为什么不能开通整合营销权限") is part of that reading's words, not its own hit
        self.subsumed = {k for k in self.exact_hits if all(
            any(b2 - a2 > b - a and 3 * (min(b, b2) - max(a, a2)) >= 2 * (b - a) and k not in ks2
                for a2, b2, ks2 in self.exact_spans)
            for a, b, ks in self.exact_spans if k in ks)}
        self.question_sentence = self._question_sentence()
        # "What can a modify negotiation change? Can I change several at once?": the question
        # runs over both sentences; the first one's wh-word decides the frame
        self.q_sents = {self.question_sentence}
        prev = self.question_sentence - 1
        if prev >= 0 and "?" in self.msg.text[slice(*self.msg.sentences[prev])]:
            self.q_sents.add(prev)
        self.q_span = (self.msg.sentences[min(self.q_sents)][0], self.msg.sentences[self.question_sentence][1])
        self.cues = self._cues()
        # readings whose condition number the question names ("第8条过不了吗")
        q_text = self.msg.text[slice(*self.q_span)]
        self.numbered_keys = {k for ref, keys in model.numbered.items()
                              if re.search(rf"(?<!\d){re.escape(ref)}(?!\d)", q_text) for k in keys}
        # the values the message names, each at its longest
        self.named_values = self._named_values()
        self.statements = self._statements()
        self.loaded_inputs = set(self.view.inputs)

    # ---- the question sentence and its cues
    def _question_sentence(self) -> int:
        """The sentence that asks: the last with a question mark or a question cue."""
        asks = [i for i, (a, b) in enumerate(self.msg.sentences) if "?" in self.msg.text[a:b]]
        if asks:
            return asks[-1]
        cue_sent = [it.sentence for it in self.msg.items if it.kind == "cue"]
        return cue_sent[-1] if cue_sent else len(self.msg.sentences) - 1

    def _cues(self) -> set[str]:
        cues: set[str] = set()
        qs = self.q_sents
        for it in self.msg.items:
            if it.kind == "cue" and (it.sentence in qs or it.pieces[0].ref in ("if", "why")):
                cues.update(str(r) for r in it.pieces[0].options)
        if "enough" in cues:
            cues.add("yes_no")  # "够不够" asks yes or no, of a stated value
        a, b = self.q_span
        sentence = self.msg.text[a:b]
        if "who" in cues and not _WHO_ASKS.search(sentence) and _WHO_RELATIVE.search(sentence):
            cues.discard("who")  # "can a shopper who already has a card …": a relative pronoun asks nothing
        for cue, patterns in FRAME_PATTERNS.items():
            if any(re.search(p, sentence) for p in patterns):
                cues |= {cue, "which"} if cue == "which_subject" else {"value"} if cue == "choice" else {cue}
                if cue == "choice":
                    cues.discard("yes_no")
        q = min(qs)
        first = next((it for it in self.msg.items if it.sentence == q and it.kind not in ("sep", "comma")), None)
        # a wh-word opening the question makes its modal an auxiliary: "what types can be negotiated",
        # "哪些售后类型可以协商" ask for a list, not a yes or no (a yes/no follow-up sentence neither)
        if first is not None and first.kind == "cue" and "yes_no" in cues and "yes_no" not in first.pieces[0].options \
                and set(first.pieces[0].options) & {"value", "which", "where", "who"}:
            in_q = [it for it in self.msg.items if it.kind == "cue" and it.sentence == q]
            if not any("yes_no" in it.pieces[0].options and it.clause != first.clause for it in in_q):
                cues.discard("yes_no")
        if first is not None and first.kind in ("cop",):
            cues.add("yes_no")
        if self.lang == "zh" and "yes_no" in cues and cues & {"which", "value", "threshold"}:
            # Chinese asks yes/no with 吗/呢, 能不能, 是否 …; a bare modal beside 哪些/什么 is an
            # auxiliary: "具体能卖哪些" lists what can be sold
            yn = [it.pieces[0].text for it in self.msg.items if it.kind == "cue" and it.sentence in qs
                  and "yes_no" in it.pieces[0].options]
            if yn and all(t in _ZH_MODALS for t in yn):
                cues.discard("yes_no")
        if len(qs) > 1 and "yes_no" in cues:
            # "对哪些商家开放？自营的能用不？", "都是旗舰店吗？一共分哪几种？": of a list question and a
            # yes/no one, the list answers both
            per = [{o for it in self.msg.items if it.kind == "cue" and it.sentence == i for o in it.pieces[0].options}
                   for i in sorted(qs)]
            if any(c & {"which", "value"} and "yes_no" not in c for c in per):
                cues.discard("yes_no")
        return cues

    def _negated_question(self, key: str = "") -> bool:
        """A negation in the question, not one inside the reading's own phrase ("为什么无效")."""
        qs = self.q_sents
        c = self.m.candidates.get(key)
        inside: set[int] = set()
        for _, t in [*(c.phrases if c else ()), *(c.words if c else ())]:
            t = normalise(t).rstrip("?？")
            for a, b in _occurrences(t, self.msg.text) if len(t) >= 2 else ():
                inside |= set(range(a, b))
        return any(it.kind in ("neg", "denied") and it.sentence in qs and it.start not in inside
                   for it in self.msg.items)

    # ---- statements (before the goal is known: which inputs the message speaks of)
    def _statements(self) -> list[tuple[Item, list[str]]]:
        out = []
        # a value word in the question that is a topic's own phrase is what is asked, not said:
        # "can brand acme link an existing enterprise?" states no onboarding method
        q_start, q_end = self.q_span
        topical = {i for a, b, keys in self.exact_spans if q_start <= a and b <= q_end
                   and any(k.startswith(("pred:", "tpl:")) for k in keys) for i in range(a, b)}
        for it in self.msg.items:
            if it.kind == "bare_value" and all(i in topical for i in range(it.start, it.pieces[-1].end)):
                continue
            if it.kind in ("stated", "stated_not", "denied", "stated_after", "bare_input"):
                inp = next(p for p in it.pieces if p.kind == "INPUT")
                out.append((it, [str(o) for o in inp.options]))
            elif it.kind in ("bare_value", "piece") and it.pieces[0].kind == "VALUE":
                preds = [str(o).split("|")[0] for o in it.pieces[0].options]
                out.append((it, [p for p in preds if p in self.m.program.inputs]))
        return out

    def mentioned_inputs(self) -> set[str]:
        """Inputs the message speaks of: named, valued, or implied by a unit (4.5星 -> stars)."""
        out = {p for _, preds in self.statements for p in preds}
        units = self.m.unit_inputs
        for m in _ASKED_UNIT.finditer(self.msg.text):  # "要几星才能…": the stars are asked about
            out |= units.get(_ZH_UNITS[m.group(1)], frozenset())
        for it in self.msg.items:
            for p in it.pieces:
                if p.kind == "NUMBER" and isinstance(p.ref, Found) and p.ref.unit in units:
                    out |= units[p.ref.unit]
        return out

    # ---- scoring
    def score_all(self) -> list[tuple[float, str]]:
        feats = features(self.msg.text)
        q_start, q_end = self.q_span
        weight = {f: (1.0 if q_start <= pos < q_end else 0.55) for f, pos in feats.items()}
        if not any(w == 1.0 for w in weight.values()):
            weight = dict.fromkeys(feats, 1.0)  # "… didn't go through. What do we do now?": the context is the topic
        idf = self.m.lexicon.idf
        touched: set[str] = set()
        for f in feats:
            for c in self.m.index.get(f, ()):
                touched.add(c.key)
        said = self.mentioned_inputs()
        mentioned = said | self.loaded_inputs
        valued = {sf.atom.pred for sf in self._plain_statements()}  # inputs stated with a value
        # a yes/no, why or what-needed question asks about a verdict, not for a list
        verdict = bool(self.cues & {"yes_no", "why", "needed"}) and not (self.cues & {"which", "where", "who"})
        listy = bool(self.cues & _FRAME_LIST) and not (self.cues & {"why", "needed"})
        # how much of the question sentence a reading explains (features some reading knows)
        # words no reading knows count against every reading (a question about the moon is not
        # explained by the one word "store" it shares with the rules)
        top = max(idf.values(), default=1.0)
        loaded_ids = {s.lower() for ids in self.loaded_types.values() for s in ids}
        def at(kinds: tuple[str, ...]) -> set[int]:
            return {i for it in self.msg.items for p in it.pieces if p.kind in kinds for i in range(p.start, p.end)}

        names = at(("NOUN", "PRON"))  # "活动a1有效吗": the noun names no rule
        glue = at(("CUE", "NEG", "COP"))  # "为什么无效": "为什" is no unknown word, "无效" is known

        filler = _filler_positions(self.msg.text)
        # a question clause with no content of its own after a description ("…活动叫“会员开卡礼”，12月5号
        # 到12号，送积分，可以吗？") asks about what the description is of: the type most stated facts are about
        cut = max(self.msg.text.rfind(",", q_start, q_end), self.msg.text.rfind("，", q_start, q_end))
        described: str | None = None
        if cut > q_start and not any(pos > cut and not (pos in glue and pos + len(f) - 1 in glue)
                                     for f, pos in feats.items()):
            by_type = Counter(self.m.types.get((p, 0)) for p in said).most_common(2)
            if by_type and by_type[0][0] and by_type[0][1] >= 2 and (
                    len(by_type) == 1 or by_type[1][1] < by_type[0][1]):
                described = by_type[0][0]
        asked_exact = {k for a, b, ks in self.exact_spans if b > cut for k in ks}

        def counts(f: str, pos: int) -> bool:
            if weight[f] < 1.0 or f in loaded_ids or pos in names:
                return False
            if pos in glue and pos + len(f) - 1 in glue:
                return False  # "为什" inside "为什么": a question word, known or not
            if f not in idf and (pos in filler or pos + len(f) - 1 in filler):
                return False  # "在想" of "现在想再加": half of a filler word is no unknown word
            return f in idf or (self._content(f) and pos not in glue and pos + len(f) - 1 not in glue)

        # an unknown Chinese bigram is a fraction of a word ("现在想再加" makes three), so it weighs less
        # than an unknown English word ("moon")
        q_total = sum(idf.get(f, top if f.isascii() else 0.75 * top) for f, pos in feats.items()
                      if counts(f, pos)) or 1.0
        # content words for the one-word damping: known or not, none that touch a question word
        n_content = sum(1 for f, pos in feats.items() if counts(f, pos) and pos not in glue
                        and pos + len(f) - 1 not in glue)
        present = frozenset(feats)
        noun_feats = {f for f, pos in feats.items() if pos in names}
        noun_types = {t for it in self.msg.items if it.sentence in self.q_sents for p in it.pieces
                      if p.kind == "NOUN" for t in self.m.noun_types.get(p.text, ())}
        named = set(self.named_values)
        # "max number of reward types in one package?" asks for a value without a wh-word
        wh_cues = self.cues | ({"value"} if "threshold" in self.cues else set())
        # "which certifications let an agency open …": the noun the wh-word asks about is no subject's
        w = _WHICH_NOUN.search(self.msg.text[q_start:q_end])
        noun: str = (w.group(1) or w.group(2) or "") if w else ""
        which_value = bool(noun) and noun not in _NOT_NOUNS and not any(
            noun.startswith(n) or n.startswith(noun) for n in self.m.noun_types)
        weighted = {f: idf.get(f, 1.0) * w for f, w in weight.items()}
        in_q = {f: idf.get(f, 1.0) for f, w in weight.items() if w == 1.0}
        in_context = {f: idf.get(f, 1.0) for f, w in weight.items() if w < 1.0}
        # the document the message's own words point to (see ReadingModel.doc_feats)
        mass: dict[str, float] = {}
        for f in feats:
            d = self.m.doc_feats.get(f)
            if d:
                mass[d] = mass.get(d, 0.0) + idf.get(f, 1.0) * weight[f]
        lead = max(mass, key=lambda d: mass[d], default=None)
        lead_share = mass[lead] / sum(mass.values()) if lead else 0.0
        q_text = self.msg.text[q_start:q_end]
        q_negated = any(p.kind == "NEG" for it in self.msg.items if it.sentence in self.q_sents for p in it.pieces) \
            or bool(_SKIP.search(q_text))
        numbered = self.numbered_keys
        scored = []
        frame: dict[str, float] = {}  # the frame penalties of a rule question asked yes/no
        explains: dict[str, float] = {}
        for key in touched | numbered:
            d = self.m.doc_of.get(key)
            best, best_yn = 0.0, False
            yn_phrases = self.m.yes_no_phrases.get(key, frozenset())
            for fs, total, text in self.m.phrase_totals[key]:
                hit = fs & present
                if hit:
                    cov = sum(weighted[f] for f in hit) / total
                    if len(fs) == 1 and n_content > 1:
                        cov *= _ONE_WORD  # "be created" is one word of "who creates the 东券?", not its topic
                    if cov > best:
                        best, best_yn = cov, text in yn_phrases
            # a rule question asked with the words of one of its yes/no phrasings ("can the legal rep
            # use a passport" of the accepted IDs) is that rule's, wh-word or not
            yes_no_fit = key in self.yes_no_hits or (best_yn and best >= YES_NO_FIT)
            hit_all = self.m.all_feats[key] & present
            explained = sum(in_q.get(f, 0.0) for f in hit_all) / q_total
            context = sum(in_context.get(f, 0.0) for f in hit_all)
            s = 0.6 * best + 0.4 * min(explained, 1.0) + 0.02 * min(context, 5.0)
            if key in self.exact_hits and key not in self.subsumed:
                # one of its phrases, word for word; less where it is only in a clause before the one
                # that asks ("入驻选的是关联已有企业，可以直接跳过企业认证吗")
                s += 0.15 if key in asked_exact else 0.08
            if listy and key.startswith("tpl:"):
                s += POLARITY if (key in self.m.negative) == q_negated else -POLARITY
            elif self.cues & {"yes_no"} and not self.cues & {"why", "needed"} and not q_negated \
                    and key.startswith("pred:") and self.m.negation_of.get(key[5:]) in self.m.asked:
                s -= NEGATIVE_TWIN  # "…，可以吗？" asks whether the activity is valid, not whether it is invalid
            if "threshold" in self.cues and key in self.m.bound_keys:
                s += BOUND
            if key in numbered:
                s += NUMBERED  # "第8条过不了吗": the condition named by its number, almost an id
            if "conditions" in self.cues and key.startswith("pred:"):
                s += 0.1  # "what are the requirements for …": a rule's conditions, not a whole question
            pred = self.m.pred_of(key)
            if pred is not None:
                closure = self.m.closure.get(pred) or frozenset({pred})
                s += 0.05 * min(len(closure & mentioned), 3)
                if self.cues & {"threshold", "enough"} and said and closure <= said:
                    s += 0.15  # "is 4.5 stars above the minimum …?": the condition on the stated input
                if key.startswith("inp:") and (pred in valued or verdict):
                    pass  # "can a shopper who already has a card …?": the input said is not what is asked
                elif said and closure:  # focus: the reading whose inputs are the ones the message talks about
                    n_hit = len(closure & said)
                    if n_hit:
                        precision, recall = n_hit / len(closure), n_hit / len(said)
                        s += 0.3 * (2 * precision * recall / (precision + recall))
                        if "affect" in self.cues and key.startswith("pred:"):
                            s += AFFECT * precision * recall  # "does that block us?": the condition it bears on
                t = self.m.types.get((pred, 0))
                if described and key.startswith("pred:") and t:
                    s += DESCRIBED if t == described else -DESCRIBED
                if key.startswith(("pred:", "inp:")) and t and self.loaded_types and t not in self.loaded_types:
                    s -= _OTHER_TYPE
                if key.startswith(("pred:", "inp:")) and t and noun_types and hit_all - noun_feats:
                    s += 0.08 if t in noun_types else -0.12  # "开卡有礼活动为什么不行": the activity, not the shopper
                if key.startswith("inp:"):
                    # naming an input is stating it, unless the message asks for its value, of a
                    # subject it names ("what is bolt's store type?", "我们的星级是多少")
                    if not (self.cues & {"value", "which"}) or self.cues & {"why", "needed", "if", "where", "how"} \
                            or not self._asks_of_a_subject(t) or pred in valued:
                        s -= 0.5  # … and a value the message states for it is no question about it
                elif key.startswith("pred:"):
                    if listy and not (self.cues & {"yes_no", "which_subject", "conditions"}):
                        s -= 0.1  # "where …", "how long …" ask for a value, not a verdict ("which" may list subjects)
                        if "which" in self.cues and t and (t not in noun_types or which_value):
                            s -= 0.1  # "which after-sale types …" lists no service orders
                    if self.cues & {"who", "where"} and not self.cues & {"yes_no"}:
                        # "who creates the 东券?" is not "is the activity valid?" but the rule whose
                        # words ask who ("who creates the coupon")
                        s += 0.15 if self.m.wh.get(key, frozenset()) & self.cues else -0.3
                else:
                    goal = self.m.goals[key]
                    s += self._constants_fit(goal, named)
                    if goal.is_ground() and listy and not (self.cues & {"yes_no"}):
                        s -= 0.2  # a yes/no whole question does not answer "where …" or "how long …"
                    if listy and any(isinstance(a, Var) for a in goal.args) and "conditions" not in self.cues:
                        s += 0.1
                    elif verdict and any(isinstance(a, Var) for a in goal.args) and not yes_no_fit:
                        s -= 0.15
                        frame[key] = frame.get(key, 0.0) + 0.15
            else:  # a gap
                s -= 0.02
                if d and self.loaded_types and not (self.m.doc_types.get(d, set()) & set(self.loaded_types)):
                    s -= _OTHER_TYPE  # the loaded facts are about another document's subjects
                if self.m.gap_only.get(key, frozenset()) & {f for f in present if weight[f] == 1.0}:
                    s += 0.2
            wh = self.m.wh.get(key) if not key.startswith("pred:") else None
            if wh and yes_no_fit:
                wh = None
            if wh and not (wh & wh_cues):
                s -= 0.5 if key.startswith("gap:") else 0.2
                if key.startswith("tpl:"):
                    frame[key] = frame.get(key, 0.0) + 0.2
            if lead and d and d != lead and lead_share >= DOC_SHARE:
                s -= DOC_PENALTY * lead_share
            scored.append((s, key))
            explains[key] = min(explained, 1.0)
        # a yes/no question a rule's answer explains far better than any verdict's ("after the
        # permission is closed, can talents still sign up for our new tasks?") asks that rule: its
        # frame does not count against it
        scored.sort(key=lambda x: (-x[0], x[1]))
        if frame and self.cues & {"yes_no"} and not self.cues & {"why", "needed"}:
            refunded, above, prev, pending = [], -1.0, None, -1.0  # above: best explanation of a verdict scored higher
            for s, k in scored:
                if s != prev:
                    above, prev = max(above, pending), s
                if k.startswith("pred:"):
                    pending = max(pending, explains[k])
                refunded.append((s + frame[k] if k in frame and explains[k] - above >= FAR_BETTER else s, k))
            scored = sorted(refunded, key=lambda x: (-x[0], x[1]))
        return scored

    def _constants_fit(self, goal: Atom, named: set[str]) -> float:
        """A whole question whose constants the message names fits it ("自营店能不能加京券" and
        kind_may_add_reward_type(self_operated, jing_coupon)); one whose constant is displaced by
        another value of the same place (pop where the message says 自营) does not."""
        out = 0.0
        for i, a in enumerate(goal.args):
            if not isinstance(a, Const):
                continue
            place = self.m.places.get((goal.pred, i), set())
            if str(a.value) in named:
                out += 0.06
            elif named & place:
                out -= 0.15
        return out

    def _named_values(self) -> list[str]:
        """The values the message names, each at its longest: "代播服务" names the service, not also
        the task that "代播" alone names."""
        spans = [sp for sp in self.msg.spans if sp.kind == "value"]
        return [str(sp.ref).split("|", 1)[1] for sp in spans
                if not any(o.start <= sp.start and sp.end <= o.end and o.end - o.start > sp.end - sp.start
                           for o in spans)]

    def _asks_of_a_subject(self, type_: str | None) -> bool:
        """The message names a subject of this type, or speaks of itself and one is loaded."""
        memo = self.__dict__.setdefault("_asks_memo", {})
        if type_ not in memo:
            loaded = self.loaded_types.get(type_ or "", set())
            memo[type_] = bool(loaded & self.named_loaded) or bool(self._subject_ids()) or (
                bool(loaded) and self.has_pronoun)
        return memo[type_]

    # ---- the whole reading
    def resolve(self) -> Reading:
        uncovered = self._not_covered_evidence()
        scored = self.score_all()
        best = scored[0] if scored else (0.0, "")
        if uncovered is not None and (best[0] < 0.95 or not self._mentions_ours()):
            return self._uncovered(*uncovered)
        if not scored or best[0] < ACCEPT:
            raise self._did_you_mean(scored, "cannot read this question")
        if self.cues == {"if"} and "?" not in self.msg.text:  # "if acme had 4.5 stars" asks nothing yet
            raise self._did_you_mean(scored, "the message supposes something but asks nothing")
        q_feats = set(features(self.msg.text[slice(*self.q_span)]))
        gap_near = next((k for s, k in scored if k.startswith("gap:") and best[0] - s < MARGIN
                         and self.m.gap_only.get(k, frozenset()) & q_feats), None)
        if gap_near is not None:  # "达人…需要满足什么条件": the words only a declared gap uses decide
            best = (best[0], gap_near)
        if best[1].startswith("gap:"):
            return self._uncovered(self.m.candidates[best[1]].phrases[0][1],
                                   f"the document ({self.m.gap_files.get(best[1], '')}) does not say this")
        close = [(s, k) for s, k in scored if best[0] - s < MARGIN and not k.startswith("gap:")]
        if "conditions" in self.cues:
            # "快分销的准入条件": of two rules where one is a condition of the other (eligible inside
            # admitted), the conditions asked for are the inner rule's
            close = [(s, k) for s, k in scored if best[0] - s < 2 * MARGIN and not k.startswith("gap:")]
            inner = {k for _, k in close if any(self._condition_of(k, o) for _, o in close if o != k)}
            if inner:
                close = [(s, k) for s, k in close if k in inner or not any(self._condition_of(i, k) for i in inner)]
                best = close[0]
            close = [(s, k) for s, k in close if best[0] - s < MARGIN]
        # a rival defined by the best reading alone (may_apply_for(A, celebrity) :- celebrity_met(A))
        # gives the same answer: no tie
        close = [(s, k) for s, k in close if k == best[1] or not self._defines(k, best[1])]
        if "affect" in self.cues and best[1].startswith("pred:"):
            # "does that block us from 快分销?": the conditions of the rule named are rivals too
            conds = self.m.depends.get(self.m.pred_of(best[1]) or "", frozenset())
            close = close + [(s, k) for s, k in scored if k.startswith("pred:") and best[0] - s < 3 * MARGIN
                             and self.m.pred_of(k) in conds and (s, k) not in close]
        elif best[1].startswith("pred:"):
            # "…，能开京东POP店吗": the rule the question names word for word, of which the best
            # reading is a condition, is what is asked (its answer shows that condition too)
            p = self.m.pred_of(best[1])
            close = close + [(s, k) for s, k in scored if k.startswith("pred:") and best[0] - s < 2 * MARGIN
                             and (s, k) not in close and self._exact_len(k) >= 5
                             and p in self.m.depends.get(self.m.pred_of(k) or "", frozenset())]
        named_by_number = [sk for sk in close if sk[1] in self.numbered_keys]
        if len(named_by_number) == 1 and "conditions" in self.cues:
            close, best = named_by_number, named_by_number[0]  # "快分销准入条件第8条是什么": that condition's
        nested = self._nested_choice(close)
        if nested is not None:
            close, best = [nested], nested
        if len({self.m.pred_of(k) or k for _, k in close}) > 1:
            # a near tie is settled by the phrase found word for word: the longest one, when
            # it contains every rival's ("what are the steps to join 快分销" over "join 快分销")
            longest = max(close, key=lambda sk: self._exact_len(sk[1]))
            n = self._exact_len(longest[1])
            if n == 0 or any(self._exact_len(k) >= n for _, k in close if not self._same_reading(k, longest[1])):
                raise self._did_you_mean(scored, "this question can be read more than one way")
            best = longest
        best = self._one_subject(best, scored)
        return self._build(best[1], best[0], scored)

    def _one_subject(self, best: tuple[float, str], scored: list[tuple[float, str]]) -> tuple[float, str]:
        """A reading about one of several loaded subjects, none named, gives way to a close
        reading about the one loaded subject of its type ("场次够了吗" with ten sessions and one
        agency loaded: the agency's threshold, not "which session?")."""
        pred = self.m.pred_of(best[1])
        t = self.m.types.get((pred, 0)) if pred else None
        loaded = self.loaded_types.get(t or "", set())
        if not best[1].startswith("pred:") or len(loaded) < 2 or loaded & self.named_loaded:
            return best
        for s, k in scored[1:]:
            if best[0] - s >= 5 * MARGIN:
                break
            p2 = self.m.pred_of(k)
            t2 = self.m.types.get((p2, 0)) if p2 and k.startswith("pred:") else None
            # further off, only a rule over the best one ("有效场次10场，达标吗": the agency's threshold
            # counts effective sessions)
            if t2 and len(self.loaded_types.get(t2, set())) == 1 and (
                    best[0] - s < 2 * MARGIN or pred in self.m.depends.get(p2 or "", frozenset())):
                return (s, k)
        return best

    def _nested_choice(self, close: list[tuple[float, str]]) -> tuple[float, str] | None:
        """Close rivals that are one rule and its conditions (C6 inside "eligible") are one
        question at different depths: the message's stated inputs say which depth it asks
        about when it asks what they affect — the narrowest rule they all bear on; else the best."""
        keys = [(s, k) for s, k in close if k.startswith("pred:")]
        preds = {self.m.pred_of(k) for _, k in keys}
        if len(keys) != len(close) or len(preds) < 2:
            return None
        chain = sorted(keys, key=lambda sk: len(self.m.depends.get(self.m.pred_of(sk[1]) or "", ())))
        for (_, a), (_, b) in zip(chain, chain[1:]):
            if self.m.pred_of(a) not in self.m.depends.get(self.m.pred_of(b) or "", frozenset()):
                return None  # not one chain: a real choice between rules
        said = self.mentioned_inputs()
        if "affect" in self.cues and said:  # "does that block us?": the condition the stated facts bear on
            for sk in chain:
                if said <= self.m.closure.get(self.m.pred_of(sk[1]) or "", frozenset()):
                    return sk
        exact = [sk for sk in close if self._exact_len(sk[1])]
        if len(exact) == 1:
            return exact[0]  # "能开京东POP店吗" names the outer rule word for word
        return close[0]  # the outer answer shows the inner condition and the inner is part of the outer

    def _defines(self, a: str, b: str) -> bool:
        """Whether one reading's predicate has a clause whose whole body is the other's."""
        pa, pb = self.m.pred_of(a), self.m.pred_of(b)
        for x, y in ((pa, pb), (pb, pa)):
            info = self.m.program.preds.get(x or "")
            if info and any(len(c.body) == 1 and getattr(c.body[0], "pred", None) == y for c in info.clauses):
                return True
        return False

    def _condition_of(self, key: str, other: str) -> bool:
        """Whether one reading's predicate is a literal in the body of the other's clauses."""
        a, b = self.m.pred_of(key), self.m.pred_of(other)
        info = self.m.program.preds.get(b or "")
        if not a or info is None:
            return False
        return any(getattr(getattr(lit, "atom", lit), "pred", None) == a for c in info.clauses for lit in c.body)

    def _exact_len(self, key: str) -> int:
        """The length of the longest of a reading's phrases that the message has word for word."""
        return self.exact_hits.get(key, 0)

    def _same_reading(self, a: str, b: str) -> bool:
        return self.m.pred_of(a) is not None and self.m.pred_of(a) == self.m.pred_of(b)

    @staticmethod
    def _content(f: str) -> bool:
        """An unknown feature that is a content word (not a number, id-like token or one character)."""
        return not f.startswith("#") and not re.search(r"\d", f) and len(f) >= 2

    def _mentions_ours(self) -> bool:
        return any(s.kind == "ours" for s in self.msg.spans)

    def _not_covered_evidence(self) -> tuple[str, str] | None:
        others = [s for s in self.msg.spans if s.kind == "other_platform"]
        if others and not self._mentions_ours():
            return others[0].ref, "another platform: no encoded document is about it"
        q_start, q_end = self.q_span
        # only a topic word that stands on its own: "fee" inside "shipping fee" (a value) is no evidence
        topics = [p for it in self.msg.items for p in it.pieces if p.kind == "UNCOVERED" and q_start <= p.start < q_end]
        if topics:
            return str(topics[0].ref), "no encoded document covers this topic"
        return None

    def _uncovered(self, topic: str, evidence: str) -> Reading:
        words = [w for _, w in self.msg.unknown]
        restate = (f"not covered: {topic}" if self.lang == "en" else f"不在文档范围内：{topic}")
        return Reading(self.msg.original, self.msg.text, self.lang, "uncovered", Atom("not_covered", ()),
                       restate, 0.0, topic=topic, evidence=evidence, unused=words,
                       corrections=self.msg.corrections)

    def _did_you_mean(self, scored: list[tuple[float, str]], why: str) -> QueryError:
        shown, seen = [], set()
        for s, key in scored:
            if key.startswith("gap:") or s < 0.35:
                continue
            pred = self.m.pred_of(key)
            if pred in seen:
                continue
            seen.add(pred)
            shown.append(self.m.canonical(key, None, self.lang))
            if len(shown) == 3:
                break
        ids = {s.lower() for ss in self.loaded_types.values() for s in ss}
        unknowns = [(pos, w) for pos, w in self.msg.unknown if w not in ids]
        unknown = [w for _, w in unknowns][:8]
        col = (unknowns[0][0] + 1) if unknowns else 1
        caret = _caret(self.msg.text, col)
        if self.lang == "zh":
            msg = {"cannot": "看不懂这个问题", "this q": "这个问题有不止一种理解",
                   "the me": "只有假设，没有问题"}[why[:6]]
            msg += f"（第 {col} 个字符处" + ("，未识别的词：" + "、".join(unknown) if unknown else "") + "）:\n" + caret
            hint = ("您是想问：" + " / ".join(shown)) if shown else "用 `kb vocab` 查看能问的内容"
        else:
            msg = why + f" (at column {col}" + (f": words not recognised: {', '.join(unknown)}" if unknown else "") \
                + "):\n" + caret
            hint = ("did you mean: " + " / ".join(shown)) if shown else "see `kb vocab` for what can be asked"
        err = QueryError(msg, hint=hint)
        err.suggestions = shown  # type: ignore[attr-defined]  # did-you-mean data the REPL offers
        return err

    # ---- building the goal
    def _build(self, key: str, score: float, scored: list[tuple[float, str]]) -> Reading:
        rule = self._rule_question(key, scored)
        if rule is not None:
            return rule
        subjects: dict[str, str] = {}
        if key.startswith(("pred:", "inp:")):
            pred = key.partition(":")[2]
            args: list[Term] = list(self._pattern(pred).args)
        else:
            g = self.m.goals[key]
            pred, args = g.pred, list(g.args)
        args = self._fill_values(pred, args, template=key.startswith("tpl:"))
        # the subject stays open only when the subjects are what is listed ("which stores can …"),
        # not in "which permission do I need …" (of me) or "which types can be negotiated"
        pron = any(p.kind == "PRON" for it in self.msg.items if it.sentence in self.q_sents for p in it.pieces)
        listy = ("which_subject" in self.cues or (bool(self.cues & {"which"}) and not pron)) \
            and not (self.cues & {"why", "needed"})
        for i, a in enumerate(args):
            t = self.m.types.get((pred, i))
            if isinstance(a, Var) and t:
                who, how = self._subject(t, listy and i == 0, required=key.startswith(("pred:", "inp:")) and i == 0)
                if who is not None:
                    args[i] = Const(who)
                    subjects[who] = how
        goal = Atom(pred, tuple(args))
        kind = self._kind(goal, key)
        if kind == "which" and not key.startswith("tpl:") and isinstance(goal.args[0], Const):
            kind = "value"  # "when is acme's next review?": a value of one subject
        stated = self._stated_facts(goal, subjects, kind)
        if kind == "what_if" and not any(s.status == "hypothetical" for s in stated):
            kind = "yes_no" if goal.is_ground() else "which"
        subject = next((str(a.value) for a in goal.args if isinstance(a, Const) and str(a.value) in subjects), None)
        restatement = self.m.canonical(key, subject, self.lang)
        if key.startswith("tpl:"):
            # a whole question whose open places the message filled says with what ("这个类目" = 珠宝/钟表)
            filled = [str(b.value) for a, b in zip(self.m.goals[key].args, goal.args)
                      if isinstance(a, Var) and isinstance(b, Const) and str(b.value) not in subjects]
            if filled:
                restatement += ("（" + "、".join(filled) + "）") if self.lang == "zh" else f" ({', '.join(filled)})"
        used = {p.start for it in self.msg.items for p in it.pieces if p.kind != "ID"}
        ids = {s.lower() for ss in self.loaded_types.values() for s in ss} | {str(s).lower() for s in subjects}
        unused = [w for pos, w in self.msg.unknown if pos not in used and w not in ids]
        spans = [{"text": p.text, "as": _meaning(p)} for it in self.msg.items for p in it.pieces
                 if p.kind not in ("SEP", "COMMA", "ID")]
        alternatives = [self.m.canonical(k, subject, self.lang) for s, k in scored[1:4]
                        if not self._same_reading(k, key) and not k.startswith("gap:")]
        return Reading(self.msg.original, self.msg.text, self.lang, kind, goal, restatement, score, stated,
                       spans, unused, self.msg.corrections, subjects, alternatives=alternatives)

    def _rule_question(self, key: str, scored: list[tuple[float, str]]) -> Reading | None:
        """A question about the rules themselves, asked of no subject: the threshold the rules
        set on an input ("what's the minimum star rating for 快分销?") or a rule's conditions
        ("快分销需要满足哪些条件？"). Answered from the clauses (kb.rulebook)."""
        if not key.startswith(("pred:", "inp:")) or self.cues & {"why", "if", "yes_no"}:
            return None  # "does the new threshold leave us unaffected?" asks about the subject
        pred = key.partition(":")[2]
        about_self = bool(self._subject_ids()) or bool(self.named_loaded)
        spans = [{"text": p.text, "as": _meaning(p)} for it in self.msg.items for p in it.pieces
                 if p.kind not in ("SEP", "COMMA", "ID")]
        zh = self.lang == "zh"
        if "threshold" in self.cues and not about_self:
            said = self.mentioned_inputs()
            inputs = sorted(said & (self.m.closure.get(pred) or frozenset({pred})))
            if key.startswith("inp:"):
                inputs = [pred]
            if len(inputs) == 1 and not any(s.atom.pred == inputs[0] for s in self._plain_statements()):
                scope = pred if key.startswith("pred:") else next(
                    (k[5:] for s, k in scored if k.startswith("pred:") and s >= ACCEPT
                     and inputs[0] in self.m.closure.get(k[5:], frozenset())), None)
                name = self._input_name(inputs[0])
                phrases = [t for lg, t in self.m.candidates[f"pred:{scope}"].phrases if lg == "en"] \
                    if scope and f"pred:{scope}" in self.m.candidates else []
                where = next((t for t in phrases if " " in t), phrases[0] if phrases else "") if not zh else ""
                restate = (f"{name}的门槛是多少？" if zh else
                           f"what threshold do the rules set on {name}" + (f" to {where}" if where else "") + "?")
                goal = self._pattern(inputs[0])
                return Reading(self.msg.original, self.msg.text, self.lang, "threshold", goal, restate, scored[0][0],
                               spans=spans, unused=[w for _, w in self.msg.unknown],
                               corrections=self.msg.corrections, scope=scope)
        if self.cues & {"conditions", "who"} and key.startswith("pred:") \
                and not about_self and not (self.cues & {"needed"} and self.loaded_types and self.has_pronoun):
            phrase = next((t for lg, t in self.m.candidates[key].phrases if lg == self.lang), None) or pred
            restate = f"{phrase}需要满足哪些条件？" if zh else f"what are the conditions to {phrase}?"
            goal = self._pattern(pred)
            return Reading(self.msg.original, self.msg.text, self.lang, "conditions", goal, restate, scored[0][0],
                           spans=spans, unused=[w for _, w in self.msg.unknown], corrections=self.msg.corrections)
        return None

    def _pattern(self, pred: str) -> Atom:
        """pred(S, X1, …): a question about one subject with every other place open."""
        arity = self.m.program.preds[pred].arity
        return Atom(pred, tuple(Var("S" if i == 0 else f"X{i}") for i in range(arity)))

    def _plain_statements(self) -> list[StatedFact]:
        out = []
        for it, preds in self.statements:
            preds = [p for p in preds if p in self.m.program.inputs]
            atom = self._fact_of(it, preds, set()) if preds and it.kind.startswith("stated") else None
            if atom is not None:
                out.append(StatedFact(atom, "", "new"))
        return out

    def _input_name(self, pred: str) -> str:
        decl = self.m.program.inputs[pred]
        return decl.notes.name(self.lang) or decl.notes.name("en") or pred

    def _kind(self, goal: Atom, key: str = "") -> str:
        cues = self.cues
        if "if" in cues and any(it.kind in ("stated", "stated_after", "bare_value", "denied", "stated_not",
                                            "bare_input", "piece") for it in self._if_items()):
            return "what_if"
        if "why" in cues:
            return "why_not" if self._negated_question(key) else "why"
        if "needed" in cues and goal.is_ground():
            return "needed"
        if not goal.is_ground():
            return "which"
        return "yes_no"

    def _if_items(self) -> list[Item]:
        """The items of the clause an "if" opens (up to the next comma or sentence end)."""
        out, inside = [], False
        items = self.msg.items
        for i, it in enumerate(items):
            if it.kind == "cue" and "if" in it.pieces[0].options:
                inside = True
                continue
            if inside and it.kind == "sep":
                inside = False
            elif inside and it.kind == "comma":
                # "如果星级是4.5，店铺类型是enterprise，能…吗": the supposition goes on while the next
                # clause opens with another statement
                nxt = next((x for x in items[i + 1:] if x.kind != "comma"), None)
                inside = nxt is not None and nxt.kind in ("stated", "stated_after", "denied", "stated_not")
            if inside:
                out.append(it)
        return out

    def _fill_values(self, pred: str, args: list[Term], template: bool = False) -> list[Term]:
        """Variables of a goal that the message names a value for: "自营店能加京券吗" fills
        jd_ocg_kind_may_add_reward_type(K, T) with self_operated and jing_coupon."""
        domains = _domains(self.m.program, pred)
        named = self.named_values
        out = list(args)
        asking = bool(self.cues & {"value", "which", "where", "who", "how"}) and "yes_no" not in self.cues
        if asking and sum(isinstance(a, Var) for a in out) <= 1:
            return out  # "when should I start the negotiation?" asks for that value: never fill it
        if template and not asking:
            # a rule question asked yes/no ("does a 代播 task need the integrated marketing
            # permission?") is answered by the rule's values, not by a yes to one of them
            return out
        for i, a in enumerate(out):
            if not isinstance(a, Var) or self.m.types.get((pred, i)):
                continue
            hits = [s for s in dict.fromkeys(named) if s in domains.get(i, set())]
            if len(hits) == 1 and not (asking and sum(isinstance(a, Var) for a in out) <= 1):
                out[i] = Const(hits[0])  # a question for a value keeps one place open
        return out

    def _subject(self, type_: str, listy: bool, required: bool) -> tuple[str | None, str]:
        loaded = sorted(self.loaded_types.get(type_, ()))
        named = [s for s in loaded if s in self.named_loaded]
        if named:
            return max(named, key=len), "named in the question"
        if listy:
            return None, ""
        if required:
            named_ids = self._subject_ids()
            if named_ids:  # "can s1 join 快分销?" with acme loaded: about s1, of which nothing is stated
                self._check_not_a_typo(named_ids[0], loaded)
                return named_ids[0], "named in the question (no facts loaded about it)"
        if len(loaded) == 1:
            return loaded[0], "the one loaded " + type_
        if len(loaded) > 1:
            if not required:
                return None, ""
            noun = self.m.type_name(type_, self.lang) or type_
            caret = _caret(self.msg.text, 1)
            # a few names and a count, however many are loaded (a 50,000-store file is no message)
            names = ", ".join(loaded[:10]) + (f" … (+{len(loaded) - 10})" if len(loaded) > 10 else "")
            if self.lang == "zh":
                err = QueryError(f"问的是哪一个{noun}？已载入：{names}\n{caret}", hint=f"例如 {loaded[0]}能…吗？")
            else:
                err = QueryError(f"which {noun} do you mean? loaded: {names}\n{caret}",
                                 hint=f"name it, e.g. 'can {loaded[0]} …?'")
            err.label = "the question names no store or subject"  # type: ignore[attr-defined]  # shown as a heading
            raise err
        if required:
            return UNNAMED, "not named: the answer uses what the message states"
        return None, ""

    def _subject_ids(self) -> list[str]:
        """Words that stand where a subject stands: an unknown word or a quoted name right after
        a noun, a modal or "if"/"why" ("can s1 …", "store s1", "why can't s1"), or opening the
        sentence before a modal ("bolt可以…"), and not modifying a noun ("can jade stores …")."""
        q_start, q_end = self.q_span
        stream = [p for it in self.msg.items for p in it.pieces]
        stated = {id(p) for it in self.msg.items if it.kind.startswith("stated") for p in it.pieces}
        out: list[str] = []
        for i, p in enumerate(stream):
            if p.kind not in ("ID", "STRING") or id(p) in stated or not (q_start <= p.start < q_end):
                continue
            if p.kind == "ID" and not re.search(r"[a-z]", p.text):
                continue
            before = stream[i - 1] if i > 0 else None
            after = stream[i + 1] if i + 1 < len(stream) else None
            if after is not None and after.kind == "NOUN" and p.kind == "ID":
                continue
            opens = not self.msg.text[q_start:p.start].strip(" ,，")
            next_to = before is not None and not self.msg.text[before.end:p.start].strip()
            # a quoted name is a subject after a noun or an English modal ("can 「店铺 乙」 join"),
            # not after 不是 ("选的不是“其他营销类型优惠券”" quotes a value)
            after_word = next_to and before is not None and before.kind in ("NOUN", "CUE", "NEG") and (
                p.kind == "ID" or before.kind != "NEG" or before.text.isascii())
            if after_word or (opens and p.kind == "STRING") or (
                    opens and after is not None and after.kind in ("CUE", "NEG")):
                name = p.ref.value if p.kind == "STRING" and isinstance(p.ref, Found) else p.text
                out.append(str(name))
        return out

    def _check_not_a_typo(self, name: str, loaded: list[str]) -> None:
        """An unknown subject one or two letters from a loaded one is a typo, not a new subject."""
        near = near_misses(name, loaded)
        if near:
            caret = _caret(self.msg.text, self.msg.text.find(name) + 1)
            if self.lang == "zh":
                err = QueryError(f"没有载入名为 {name} 的对象\n{caret}", hint=f"您是想问 {near[0]} 吗？")
            else:
                err = QueryError(f"nothing named {name} is loaded\n{caret}", hint=f"did you mean {near[0]}?")
            err.suggestions = [near[0]]  # type: ignore[attr-defined]  # did-you-mean data the REPL offers
            raise err

    # ---- facts stated in the message
    def _stated_facts(self, goal: Atom, subjects: dict[str, str], kind: str) -> list[StatedFact]:
        prog = self.m.program
        closure = self.m.closure.get(goal.pred, frozenset())
        if_items = {id(it) for it in self._if_items()} if "if" in self.cues else set()
        out: list[StatedFact] = []
        loaded = self.view.heads
        by_key = self.view.by_key
        used_values: set[int] = set()
        for it, preds in self.statements:
            preds = [p for p in preds if p in prog.inputs]
            if not preds:
                continue
            in_closure = [p for p in preds if p in closure] or preds
            atom = self._fact_of(it, in_closure, used_values)
            if atom is None:
                if id(it) in if_items and kind == "what_if":
                    self._refuse_supposition(it, in_closure)
                continue
            text = " ".join(p.text for p in it.pieces)
            subj_type = self.m.types.get((atom.pred, 0))
            subj = self._fact_subject(subj_type, goal, subjects)
            if subj is None:
                continue
            atom = Atom(atom.pred, (Const(subj), *atom.args[1:]))
            if id(it) in if_items and kind == "what_if":
                out.append(StatedFact(atom, text, "hypothetical"))
            elif atom in loaded:
                out.append(StatedFact(atom, text, "matches"))
            else:
                others = [a for a in by_key.get((atom.pred, atom.args[0]), []) if a != atom]
                single = prog.inputs[atom.pred].single  # declared: one value per subject (@single / @many)
                if others and single:
                    out.append(StatedFact(atom, text, "contradicts", others[0]))
                else:
                    out.append(StatedFact(atom, text, "new"))
        seen: set[Atom] = set()
        unique: list[StatedFact] = []
        for st in out:
            if st.atom not in seen:
                seen.add(st.atom)
                unique.append(st)
        return unique

    def _refuse_supposition(self, it: Item, preds: list[str]) -> None:
        """A supposed value that does not fit its input is an error, checked like a fact, never
        dropped: "if bolt had experience stars 4.5%" (stars are not %), "store type company"."""
        decl = self.m.program.inputs[preds[0]]
        if len(decl.args) != 2:
            return
        arg = decl.args[1]
        stream = [p for x in self.msg.items for p in x.pieces]
        last = it.pieces[-1]
        value = next((p for p in it.pieces if p.kind != "INPUT"), None)
        if value is None:  # the word after the input, when it is no value of it
            nxt = next((p for p in stream if p.start >= last.end), None)
            if nxt is None or nxt.kind not in ("ID", "NOUN", "VALUE") or arg.type != "enum":
                return
            value = nxt
        text = " ".join(p.text for p in it.pieces) + ("" if value in it.pieces else " " + value.text)
        found = value.ref if isinstance(value.ref, Found) else None
        if found is not None and found.kind == "number" and arg.unit and found.unit and found.unit != arg.unit:
            raise QueryError(f"{text}: {decl.pred} is in {arg.unit}, not {found.unit}",
                             hint=f"e.g. if … had {decl.pred} 4.5")
        if arg.type == "enum":
            raise QueryError(f"{text}: {decl.pred} must be one of {', '.join(arg.values)}; got {value.text}")

    def _fact_subject(self, type_: str | None, goal: Atom, subjects: dict[str, str]) -> str | None:
        if type_ is None:
            return None
        for i, a in enumerate(goal.args):
            if isinstance(a, Const) and self.m.types.get((goal.pred, i)) == type_:
                return str(a.value)
        loaded = sorted(self.loaded_types.get(type_, ()))
        if len(loaded) == 1:
            return loaded[0]
        return None

    def _fact_of(self, it: Item, preds: list[str], used: set[int]) -> Atom | None:
        """The input fact one statement makes (subject filled in later), if its value fits."""
        prog = self.m.program
        values = [p for p in it.pieces if p.kind in ("NUMBER", "DATE", "DATETIME", "MONTH", "TIME", "STRING", "VALUE")]
        negated = it.kind in ("denied", "stated_not")
        for pred in preds:
            decl = prog.inputs[pred]
            if len(decl.args) != 2:
                continue
            arg = decl.args[1]
            if not values:
                if arg.type == "bool":
                    return Atom(pred, (Var("S"), Const("false" if negated else "true")))
                continue
            v = values[0]
            value = _convert(v, arg, pred, self.as_of)
            if value is None:
                continue
            if negated and arg.type == "bool":
                value = "false" if value == "true" else "true"
            used.add(v.start)
            return Atom(pred, (Var("S"), Const(value)))
        return None


def loaded_subjects(types: dict[tuple[str, int], str], facts: Sequence[Clause]) -> dict[str, set[str]]:
    """Subject type -> the ids the facts state something of (by the inferred argument types)."""
    out: dict[str, set[str]] = {}
    for f in facts:
        for i, a in enumerate(f.head.args):
            t = types.get((f.head.pred, i))
            if t and isinstance(a, Const):
                out.setdefault(t, set()).add(str(a.value))
    return out


def near_misses(name: str, ids: Sequence[str] | set[str]) -> list[str]:
    """Loaded ids one or two letters from ``name`` (a typo of a subject, not a new subject).
    Ids like s1 and names in Chinese are never near-misses of each other."""
    from rapidfuzz import distance

    if not re.fullmatch(r"[a-z][a-z0-9_\-]{3,}", name):
        return []
    limit = 1 if len(name) < 7 else 2
    return sorted(s for s in ids if distance.Levenshtein.distance(name, s.lower()) <= limit)


def _occurrences(needle: str, text: str) -> list[tuple[int, int]]:
    """Every (start, end) of a plain substring (no regular expression to compile per phrase)."""
    out, i = [], text.find(needle)
    while i >= 0:
        out.append((i, i + len(needle)))
        i = text.find(needle, i + 1)
    return out


def _names(text: str, ident: str) -> bool:
    """Whether the text names a subject id: as a whole word (ASCII ids) or anywhere (Chinese)."""
    if re.fullmatch(r"[a-z0-9_\-]+", ident):
        if ident not in text:
            return False  # most of a file's subjects: no pattern to build
        return re.search(rf"(?<![a-z0-9_]){re.escape(ident)}(?![a-z0-9_])", text) is not None
    return normalise(ident) in text


def _caret(text: str, col: int) -> str:
    from wcwidth import wcswidth  # comes with prompt-toolkit; CJK characters are 2 columns

    return f"  {text}\n  {' ' * max(wcswidth(text[: col - 1]), 0)}^"


def _domains(program: Program, pred: str) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    info = program.preds.get(pred)
    if info is None:
        return out
    if info.decl is not None:
        for i, a in enumerate(info.decl.args):
            out.setdefault(i, set()).update(str(v) for v in a.values or ())
    for c in info.clauses:
        for i, term in enumerate(c.head.args):
            if isinstance(term, Const):
                out.setdefault(i, set()).add(str(term.value))
    return out


def _convert(p: Piece, arg, pred: str, as_of: _dt.date) -> Value | None:
    """A found value as the declared argument type wants it, or None when it does not fit."""
    if p.kind == "VALUE":
        for o in p.options:
            ipred, _, symbol = str(o).partition("|")
            if ipred == pred:
                return symbol
        return None
    f = p.ref
    if not isinstance(f, Found):
        return None
    if arg.values and f.kind == "number" and f.unit is None:  # "会员通 mode 3": the one value numbered 3
        n = str(f.value).removesuffix(".0")
        numbered = [str(v) for v in arg.values if re.fullmatch(rf"[a-z_]+{re.escape(n)}", str(v))]
        return numbered[0] if len(numbered) == 1 else None
    if arg.type == "number" and f.kind == "number":
        value = f.value
        if arg.unit == "%" and f.unit not in (None, "%"):
            return None
        if arg.unit in ("stars",) and f.unit not in (None, "stars"):
            return None
        if arg.unit in ("minutes",) and f.unit == "hours":
            value = Decimal(str(f.value)) * 60
        return value if isinstance(value, Decimal) else None
    if arg.type == "date" and f.kind in ("date", "month"):
        return f.value if isinstance(f.value, _dt.date) else None
    if arg.type == "date" and f.kind == "datetime":
        return f.value.date() if isinstance(f.value, _dt.datetime) else None
    if arg.type == "datetime" and f.kind == "datetime":
        return f.value if isinstance(f.value, _dt.datetime) else None
    if arg.type == "datetime" and f.kind == "time":
        return _dt.datetime.combine(as_of, f.value) if isinstance(f.value, _dt.time) else None
    if arg.type == "string" and f.kind == "string":
        return f.value if isinstance(f.value, str) else None
    return None


def _meaning(p: Piece) -> str:
    if p.kind == "INPUT":
        return "input " + " / ".join(str(o) for o in p.options)
    if p.kind == "VALUE":
        return "value " + " / ".join(str(o).replace("|", " = ") for o in p.options)
    if isinstance(p.ref, Found):
        v = p.ref.value
        shown = format_value(v) if isinstance(v, (str, Decimal, _dt.date)) else str(v)
        return f"{p.ref.kind} {shown}" \
            + (f" {p.ref.unit}" if p.ref.unit else "")
    return p.kind.lower() + (f" {p.ref}" if p.ref and p.kind == "CUE" else "")
