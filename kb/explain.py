"""One explanation of an Answer, built once and drawn everywhere (DESIGN §8).

``explain(answer, program)`` returns an :class:`Explanation`: the verdict and its reasons first
(one line per failing condition: the condition in words, the observed value against the
threshold, the document's title), then short sections (what is missing, what would change
it, the readings and assumptions it rests on, the sources), then the whole proof. Plain text,
Markdown, HTML and CSV (kb/draw.py), JSON (kb/codec.py) and the REPL's colours (repl/output.py)
all draw this one value. Text is made of segments ``(style, text)``; styles are names each
drawing maps to its own means (a colour, a CSS class, inline code).

Every branch on a failure or node kind ends in ``assert_never``, so a new kind added to
kb/proof.py is flagged here by the type checker until it is explained.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal as Lit
from typing import assert_never

from grammar.errors import printable
from grammar.model import Aggregate, Atom, Clause, Compare, Const, Literal, Neg, Value, format_value, literal_vars
from kb.api import Answer
from kb.documents import display_path, document_title
from kb.kinds import Verdict
from kb.loader import Program, strip_ruby
from kb.proof import Alternative, Cite, Failure, Node
from kb.whatif import describe

Lang = Lit["en", "zh"]
# a segment's style: "" yes no unknown goal rule rule.p doc source file where where.p value label muted
# title; each drawing maps the names it knows (an unknown one is drawn plain)
Style = str
Seg = tuple[Style, str]
Line = tuple[Seg, ...]
SectionKind = Lit["reading", "assumptions", "reasons", "missing", "change", "readings", "sources", "hint",
                  "rule", "uncovered", "list", "what_if", "proof", "why_not", "unknown_because", "needed"]

# the signs people read, in both languages (the rule language writes =< and !=)
SIGNS = {">=": "≥", "=<": "≤", "<=": "≤", "!=": "≠", ">": ">", "<": "<", "=": "="}
_NEGATED = {">=": "<", "=<": ">", "<=": ">", ">": "≤", "<": "≥", "=": "≠", "!=": "="}

_L: dict[str, dict[str, str]] = {
    "en": {"yes": "YES", "no": "NO", "unknown": "UNKNOWN", "list": "LIST",
           "answer": "Answer", "as_of": "as of", "because": "Because", "why_not": "Why not",
           "missing": "Missing inputs (state them to get a yes/no answer)", "source": "source",
           "stated": "stated", "absent": "no record of", "rule": "rule", "fact": "fact",
           "none": "(none)", "is_false": "is false", "needs": "needs",
           "observed": "observed", "not_stated": "not stated", "stated_instead": "stated instead",
           "holds_because": "holds, because", "not_listed": "is not in the list",
           "skipped": "not checked (needs a value from a failed condition)",
           "alternative": "by rule", "answers": "answer(s)", "counted": "counted", "summed": "summed",
           "no_rule": "no rule can derive it", "builtin": "calculation", "none_stated": "none stated",
           "nothing_stated": "Nothing is stated about {subject}: give its facts (--facts FILE; see `kb vocab`).",
           "uncovered": "Not covered: no encoded document says anything about \"{topic}\".",
           "suggest": "Questions Guize can answer", "what_if": "What if", "before": "without the change",
           "needed": "What would change it (the smallest set of changes found)", "not_yours": "not up to the subject",
           "verified": "✓ checked: with these changes the engine answers YES",
           "not_verified": "✗ not enough on its own: with these changes the answer is {result}",
           "nothing_needed": "Nothing is needed: the answer is already yes.",
           "no_plan": "No change the rules describe would turn this into yes.",
           "not_alone": "Some of these are not up to the subject: it cannot get a yes by its own actions alone.",
           "unknown_neg": "Would follow only if this is false, but it is itself unknown:",
           "taken": "under the reading taken", "if_alt": "if", "assuming": "Assuming (none stated means none)",
           "readings": "Readings of the source this answer rests on", "alt_reading": "alternative",
           "sources": "Sources", "proof": "Proof",
           "n_fail": "{n} of {total} conditions fail", "n_fail1": "1 of {total} conditions fails",
           "n_fail_only": "its one condition fails",
           "n_unknown": "{n} of {total} conditions cannot be decided yet", "and_unknown": ", {n} undecided",
           "no_alt": "none of the {n} rules applies", "no_rule_at_all": "no rule can derive it",
           "holds_all": "all {total} conditions of {clause} hold", "holds_one": "the condition of {clause} holds",
           "holds_fact": "it is stated", "on_facts": ", on {n} stated facts from {files}",
           "on_fact": ", on 1 stated fact from {files}", "on_rules": ", from the rules alone",
           "n_answers": "{n} answers", "n_answer": "1 answer",
           "readings_short": "Rests on {n} readings of the source text (--full lists them)",
           "reading_short": "Rests on 1 reading of the source text (--full shows it)",
           "sources_short": "Sources: {docs}",
           "hint": "The whole proof: --full (in the REPL: :full)", "quotes": "quotes", "quote": "quote",
           "not_stated_r": "{name} not stated", "none_stated_r": "no {name} stated",
           "mismatch_r": "{name} {got} (needs {want})", "or": " or ",
           "listed_r": "{value} is not listed",
           "record_r": "record {record}", "more": "… {n} more (--full lists them)"},
    "zh": {"yes": "是", "no": "否", "unknown": "未知", "list": "列表",
           "answer": "答案", "as_of": "基准日期", "because": "理由", "why_not": "不成立的原因",
           "missing": "缺少的输入（补充后才能判断）", "source": "出处",
           "stated": "已填写", "absent": "没有记录", "rule": "规则", "fact": "事实",
           "none": "（无）", "is_false": "不成立", "needs": "要求",
           "observed": "实际", "not_stated": "未填写", "stated_instead": "已填写的是",
           "holds_because": "成立，因为", "not_listed": "不在列表中",
           "skipped": "未检查（依赖于不满足的条件）",
           "alternative": "规则", "answers": "个结果", "counted": "计数", "summed": "合计",
           "no_rule": "没有规则能推出", "builtin": "计算", "none_stated": "没有填写任何记录",
           "nothing_stated": "没有关于 {subject} 的任何事实：请用 --facts 提供（见 `kb vocab`）。",
           "uncovered": "未覆盖：已编码的文档中没有关于“{topic}”的规则。",
           "suggest": "可以问的问题", "what_if": "假设", "before": "不改变时",
           "needed": "需要做的改变（找到的最少改变）", "not_yours": "不由店铺决定",
           "verified": "✓ 已验证：做出这些改变后，引擎的答案是“是”",
           "not_verified": "✗ 仅靠这些改变还不够：改变后的答案是“{result}”",
           "nothing_needed": "不需要任何改变：答案已经是“是”。",
           "no_plan": "规则中没有能把答案变成“是”的改变。",
           "not_alone": "其中有些改变不由店铺决定：仅靠店铺自己无法得到“是”。",
           "unknown_neg": "只有在下列条件不成立时才成立，但它本身无法判断：",
           "taken": "（按所取的理解）", "if_alt": "若", "assuming": "前提（未填写即视为没有）",
           "readings": "本答案依据的原文理解", "alt_reading": "另一种理解",
           "sources": "出处", "proof": "证明",
           "n_fail": "{total} 个条件中有 {n} 个不满足", "n_fail1": "{total} 个条件中有 1 个不满足",
           "n_fail_only": "唯一的条件不满足",
           "n_unknown": "{total} 个条件中有 {n} 个暂时无法判断", "and_unknown": "，{n} 个无法判断",
           "no_alt": "{n} 条规则均不成立", "no_rule_at_all": "没有规则能推出",
           "holds_all": "规则 {clause} 的全部 {total} 个条件都满足", "holds_one": "规则 {clause} 的条件满足",
           "holds_fact": "已填写", "on_facts": "，依据 {files} 中的 {n} 条事实",
           "on_fact": "，依据 {files} 中的 1 条事实", "on_rules": "，仅依据规则",
           "n_answers": "{n} 个结果", "n_answer": "1 个结果",
           "readings_short": "依据对原文的 {n} 处理解（--full 列出）",
           "reading_short": "依据对原文的 1 处理解（--full 列出）",
           "sources_short": "出处：{docs}",
           "hint": "完整证明：--full（REPL 中：:full）", "quotes": "处引文", "quote": "处引文",
           "not_stated_r": "未填写{name}", "none_stated_r": "没有填写{name}",
           "mismatch_r": "{name}为{got}（要求{want}）", "or": "或", "listed_r": "{value} 不在列表中",
           "record_r": "记录 {record}", "more": "……另有 {n} 项（--full 列出）"},
}


def words(lang: str) -> dict[str, str]:
    """The fixed wording of explanations in ``lang`` (English for any other)."""
    return _L[lang if lang in _L else "en"]


# ---------------------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class Item:
    """One node of a tree: a first line, notes under it, and children."""

    line: Line
    notes: tuple[Line, ...] = ()
    children: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Section:
    kind: SectionKind
    title: str
    items: tuple[Item, ...] = ()
    lines: tuple[Line, ...] = ()  # plain lines after the items


@dataclass(frozen=True)
class Reason:
    """One failing (or undecided) condition, in one line."""

    mark: Lit["no", "unknown"]
    label: str | None  # the condition's short name ("Condition 3"), when its words give one
    text: str  # "shopping-experience star rating 3.8 < 4 stars"
    document: str | None  # "快手快分销准入 · 004"
    clause: str | None = None
    observed: Value | None = None
    op: str | None = None  # the sign that holds instead ("<" where ">=" was needed)
    threshold: Value | None = None
    colon: str = ": "  # after the label, in the answer's language

    def line(self) -> Line:
        segs: list[Seg] = [("no" if self.mark == "no" else "unknown", "✗" if self.mark == "no" else "?"), ("", " ")]
        if self.label:
            segs.append(("label", f"{self.label}{self.colon}"))
        segs.append(("value", self.text))
        if self.document:
            segs.append(("source", f" — {self.document}"))
        return tuple(segs)

    def plain(self) -> str:
        return "".join(s for _, s in self.line()[2:])


@dataclass(frozen=True)
class Source:
    file: str
    title: str  # "快手快分销准入 · 004"
    quote: str  # verbatim (ruby artifacts included)

    @property
    def display(self) -> str:
        return strip_ruby(self.quote)


@dataclass(frozen=True)
class Explanation:
    question: str
    answer: Verdict
    lang: Lang
    as_of: str  # ISO date
    verdict: str  # "NO", or "NO under the reading taken — YES if …"
    summary: str  # "5 of 8 conditions fail"
    reasons: tuple[Reason, ...] = ()
    brief: tuple[Section, ...] = ()  # the short view, after the verdict and the reasons
    proof: tuple[Section, ...] = ()  # the whole tree (--full)
    sources: tuple[Source, ...] = ()
    subject: str = ""  # what the verdict is about: the goal's first constant
    labels: dict[str, str] = field(default_factory=dict, compare=False)  # the fixed words used

    @property
    def headline(self) -> str:
        """"NO — 5 of 8 conditions fail"."""
        return f"{self.verdict} — {self.summary}" if self.summary else self.verdict

    def verdict_line(self) -> str:
        return f"{self.labels.get('answer', 'Answer')}: {self.headline}"

    def as_of_text(self) -> str:
        return f"({self.labels.get('as_of', 'as of')} {self.as_of})"


# ---------------------------------------------------------------------------------------- phrases
def pred_name(program: Program, pred: str, lang: str) -> str | None:
    """What a predicate is called: an input's @name, else its @doc."""
    info = program.preds.get(pred)
    if info is None:
        return None
    if info.decl is not None:
        name = info.decl.notes.name(lang) or info.decl.notes.name("en")
        if name:
            return name
    return info.docs.get(lang) or info.docs.get("en")


def clause_doc(program: Program, cid: str | None, pred: str, lang: str) -> str | None:
    c = program.clause(cid) if cid else None
    if c is not None and c.notes.docs:
        return c.notes.doc(lang) or c.notes.doc("en")
    return pred_name(program, pred, lang)


def value_words(program: Program, pred: str, value: Value, lang: str) -> str:
    """A value as people say it: the input's first @value words in ``lang``, else the value."""
    info = program.preds.get(pred)
    if info is not None and isinstance(value, str):
        for symbol, lg, text in info.values:
            if symbol == value and lg == lang:
                return text.split("|")[0].strip().strip('"')
        if lang == "en":
            return value.replace("_", " ")
    return format_value(value)


def literal_text(x: Literal) -> str:
    """A literal with the signs people read (≥ ≤ ≠), in either language."""
    if isinstance(x, Compare):
        return f"{x.lhs} {SIGNS.get(x.op, x.op)} {x.rhs}"
    return str(x)


_SHORT_LIST = 8  # the short view names this many items of a list (less one, and says how many more)
_LABEL = re.compile(r"^(.{1,24}?)\s*[:：]")


def short_label(doc: str | None) -> str | None:
    """"Condition 3" from "Condition 3: the shopping-experience star rating …" (a lone word
    such as "Condition" names nothing, so it is no label)."""
    m = _LABEL.match(doc or "")
    if not m:
        return None
    label = m.group(1)
    return label if any(c.isdigit() or c.isspace() for c in label) or _wide(label) and len(label) >= 4 else None


# ---------------------------------------------------------------------------------------- building
def _mark(m: str) -> Seg:
    return {"✓": ("yes", m), "✗": ("no", m), "?": ("unknown", m)}.get(m, ("muted", m))


class _Builder:
    def __init__(self, program: Program, lang: str, facts: Sequence[Clause]) -> None:
        self.p = program
        self.lang: Lang = "zh" if lang == "zh" else "en"
        self.t = words(self.lang)
        self.where = {f.head: display_path(str(f.pos)) for f in facts}
        self.sources: list[Source] = []

    # ---- small pieces
    def _cites(self, cites: Iterable[Cite]) -> tuple[Line, ...]:
        out = []
        for c in cites:
            src = Source(c.file, document_title(c.file, self.lang), c.quote)
            if src not in self.sources:
                self.sources.append(src)
            out.append((("label", f"{self.t['source']}: "), ("file", src.title),
                        ("source", f': "{src.display}"')))
        return tuple(out)

    def _rule(self, word: str, cid: str | None) -> list[Seg]:
        return [("rule.p", f"  [{word} "), ("rule", str(cid)), ("rule.p", "]")]

    def _where_of(self, atom: Atom, pad: str) -> list[Seg]:
        return [("where.p", f"{pad}["), ("where", self.where.get(atom, "")), ("where.p", "]")]

    @staticmethod
    def _doc(text: str | None) -> list[Seg]:
        return [("doc", f"  — {text}")] if text else []

    def _name(self, pred: str) -> str:
        return pred_name(self.p, pred, self.lang) or pred

    # ---- the whole answer
    def answer(self, a: Answer) -> Explanation:
        t = self.t
        question = a.question if a.question != str(a.goal) else f"?- {a.goal}"
        brief: list[Section] = []
        proof: list[Section] = []
        reasons: tuple[Reason, ...] = ()
        summary = ""
        if a.assumptions:
            brief.append(Section("assumptions", "", lines=((("muted", assumption_line(a, self.lang).strip()),),)))
        subject = a.goal.args[0] if a.goal.args and isinstance(a.goal.args[0], Const) else None
        nothing = a.answer == "unknown" and subject is not None and a.kind != "uncovered" \
            and not any(subject in f.head.args for f in a.facts)
        if nothing:
            brief.append(Section("reading", "", lines=((("unknown", t["nothing_stated"].format(subject=subject)),),)))
        read = reading_lines(a, self.lang)
        if read:
            brief.append(Section("reading", "", lines=tuple((("muted", x),) for x in read)))
        if a.kind == "uncovered":
            brief.append(Section("uncovered", "", lines=((("unknown", t["uncovered"].format(topic=a.topic)),),)))
            if a.suggestions:
                brief.append(Section("uncovered", t["suggest"], tuple(Item((("goal", s),)) for s in a.suggestions)))
            return self._done(a, question, summary, reasons, brief, proof)
        if a.kind in ("conditions", "threshold"):
            brief.append(self.rule_section(a))
            return self._done(a, question, summary, reasons, brief, proof)
        if a.what_if:
            items = tuple(Item((("muted", "; ".join(map(str, h.removed)) or t["none"]), ("", "  →  "),
                                ("goal", "; ".join(map(str, h.added))))) for h in a.what_if)
            brief.append(Section("what_if", f"{t['what_if']} ({t['before']}: {t[a.before or 'unknown']})", items))
        if a.answer == "yes" and a.proof is not None:
            summary = self.rests_on(a.proof)
            proof.append(Section("proof", t["because"], (self.node(a.proof),)))
        elif a.answer == "list":
            summary = t["n_answer" if len(a.bindings) == 1 else "n_answers"].format(n=len(a.bindings))
            found: list[Item] = []
            proofs: list[Node | None] = list(a.proofs) if a.proofs else [None] * len(a.bindings)
            for b, pr in zip(a.bindings, proofs):
                line: Line = (("value", ", ".join(f"{k} = {format_value(v)}" for k, v in b.items())),)
                found.append(Item(line, children=(self.node(pr),) if pr is not None else ()))
            brief.append(Section("list", "", tuple(Item(i.line) for i in found)))
            if any(i.children for i in found):
                proof.append(Section("list", f"{len(a.bindings)} {t['answers']}", tuple(found)))
        if a.unknown_because:
            alts = [x for _, xs in a.unknown_because for x in xs]
            reasons = tuple(self.reasons(alts))
            summary = self.fail_summary(alts, "unknown")
            if a.proof is not None:
                proof.append(Section("proof", t["because"], (self.node(a.proof),)))
            for atom, xs in a.unknown_because:
                proof.append(Section("unknown_because", f"{t['unknown_neg']} {atom}",
                                     tuple(self.alternative(x) for x in xs)))
        if a.why_not:  # nothing stated at all: every input is missing, and the list below says which
            reasons = () if nothing else tuple(self.reasons(a.why_not))
            if a.answer != "list":  # a list with no answers says so; its reasons follow
                summary = self.fail_summary(a.why_not, a.answer)
            proof.append(Section("why_not", t["why_not"], tuple(self.alternative(x) for x in a.why_not)))
        if a.missing:
            items = tuple(Item((("unknown", "?"), ("", " "), ("goal", str(m))) + tuple(self._doc(self._name(m.pred))))
                          for m in a.missing)
            if len(items) > _SHORT_LIST:  # the short view names the first ones; --full lists them all
                more = Item((("muted", t["more"].format(n=len(items) - _SHORT_LIST + 1)),))
                brief.append(Section("missing", t["missing"], items[:_SHORT_LIST - 1] + (more,)))
                proof.append(Section("missing", t["missing"], items))
            else:
                brief.append(Section("missing", t["missing"], items))
        if a.kind == "needed":
            brief.append(self.needed(a))
        if a.readings:
            brief.append(Section("readings", "", lines=(
                (("muted", t["reading_short" if len(a.readings) == 1 else "readings_short"].format(
                    n=len(a.readings))),),)))
            proof.append(Section("readings", t["readings"], lines=tuple(
                (("muted", f"- [{r.clause}] {r.text}"
                  + (f"  ({t['alt_reading']}: {r.alternative_text})" if r.alternative_text else "")),)
                for r in a.readings)))
        return self._done(a, question, summary, reasons, brief, proof)

    def _done(self, a: Answer, question: str, summary: str, reasons: tuple[Reason, ...], brief: list[Section],
              proof: list[Section]) -> Explanation:
        t = self.t
        if self.sources:
            docs: dict[str, int] = {}
            for s in self.sources:
                docs[s.title] = docs.get(s.title, 0) + 1
            op, cl = ("（", "）") if self.lang == "zh" else (" (", ")")
            shown = "; ".join(f"{title}{op}{n} {t['quote'] if n == 1 else t['quotes']}{cl}"
                              for title, n in docs.items())
            brief.append(Section("sources", "", lines=((("muted", t["sources_short"].format(docs=shown)),),)))
        if proof:
            brief.append(Section("hint", "", lines=((("muted", t["hint"]),),)))
        first = a.goal.args[0] if a.goal.args else None
        subject = format_value(first.value) if isinstance(first, Const) else ""
        return Explanation(question, a.answer, self.lang, a.as_of.isoformat(), headline(a, self.lang), summary,
                           reasons, tuple(brief), tuple(proof), tuple(self.sources), subject, dict(t))

    # ---- the headline: what the verdict rests on, and why not
    def rests_on(self, n: Node) -> str:
        """A yes in one line: the rule and how many stated facts it rests on, from which files."""
        t = self.t
        facts = _stated(n)
        files = sorted({display_path(w.rsplit(":", 2)[0]) for w in facts})
        if n.kind == "fact":
            head = t["holds_fact"]
        else:
            c = self.p.clause(n.clause or "")
            total = self.conditions(c) if c else len(n.premises)
            head = t["holds_all" if total > 1 else "holds_one"].format(total=total, clause=n.clause)
        tail = t["on_fact" if len(facts) == 1 else "on_facts"].format(n=len(facts), files=", ".join(files)) \
            if facts else t["on_rules"]
        return head + tail

    def fail_summary(self, alts: Sequence[Alternative], answer: str) -> str:
        t = self.t
        if not alts:
            return t["no_rule_at_all"]
        if len(alts) > 1:
            return t["no_alt"].format(n=len(alts))
        alt = alts[0]
        c = self.p.clause(alt.clause)
        total = max(self.conditions(c), len(alt.failures)) if c else len(alt.failures)
        bad = [f for f in alt.failures if not f.unknown]
        open_ = [f for f in alt.failures if f.unknown]
        if answer == "unknown" and not bad:
            return t["n_unknown"].format(n=len(open_), total=total)
        key = "n_fail_only" if total == 1 and len(bad) == 1 else "n_fail1" if len(bad) == 1 else "n_fail"
        out = t[key].format(n=len(bad), total=total)
        return out + (t["and_unknown"].format(n=len(open_)) if open_ else "")

    def conditions(self, c: Clause) -> int:
        """How many conditions a clause sets: its body, less the inputs it only reads a value
        from ("ks_experience_stars(S, R), R >= 4" is one condition)."""
        compared = {v for lit in c.body if isinstance(lit, Compare) for v in literal_vars(lit)}
        reads = [lit for lit in c.body if isinstance(lit, Atom) and lit.args and lit.args[-1] in compared
                 and (info := self.p.preds.get(lit.pred)) is not None and info.kind == "input"]
        return max(len(c.body) - len(reads), 1)

    def reasons(self, alts: Sequence[Alternative]) -> list[Reason]:
        """One line per failing condition. For a goal with one clause, its conditions; for
        several clauses, the conditions of each (identical ones said once)."""
        out: list[Reason] = []
        for alt in alts:
            own = clause_doc(self.p, alt.clause, alt.head.pred, self.lang)
            doc = document_title(alt.cites[0].file, self.lang) if alt.cites else None
            for f in alt.failures:
                label = short_label(own) if len(alt.failures) == 1 or f.kind != "derived" else None
                if label is None and len(alts) > 1:  # say which of the rules it is
                    label = _clip(own or "", 48) or None
                r = self.reason(f, label, doc, own)
                if r is not None and r not in out:
                    out.append(r)
        return out

    def reason(self, f: Failure, label: str | None, doc: str | None, context: str | None = None) -> Reason | None:
        """One failing condition in a line: its label, its leaves in words, its document."""
        if f.kind == "derived" and isinstance(f.literal, Atom):
            label = short_label(pred_name(self.p, f.literal.pred, self.lang)) or label
            doc = next((document_title(a.cites[0].file, self.lang) for a in f.because if a.cites), doc)
        leaves = _leaves(f, f.unknown)
        phrases = self.phrases(leaves)
        if not phrases:
            name = pred_name(self.p, f.literal.pred, self.lang) if isinstance(f.literal, Atom) else None
            phrases = [_clip(name or literal_text(f.literal))]
        first = leaves[0] if len(leaves) == 1 else None
        if label is None and first is not None and first.kind == "threshold" and not first.observed:
            # a bare calculation ("2 ≤ 2") says nothing without the condition it belongs to
            words_ = pred_name(self.p, f.literal.pred, self.lang) if isinstance(f.literal, Atom) else context
            label = _clip(words_ or "", 56) or None
        observed = threshold = op = None
        if first is not None and first.kind == "threshold" and isinstance(first.literal, Compare) and first.values:
            observed, threshold, op = first.values["lhs"], first.values["rhs"], _NEGATED.get(first.literal.op)
        if len(phrases) > _SHORT_LIST // 2:
            phrases = phrases[:_SHORT_LIST // 2 - 1] + [self.t["more"].format(n=len(phrases) - _SHORT_LIST // 2 + 1)]
        text = "; ".join(phrases)
        return Reason("unknown" if f.unknown else "no", label, text, doc, _clause_of(f), observed, op, threshold,
                      "：" if self.lang == "zh" else ": ")

    def phrases(self, leaves: Sequence[Failure]) -> list[str]:
        """Leaf failures in words; mismatches on one input said once ("… (needs A or B)")."""
        t = self.t
        out: list[str] = []
        wanted: dict[str, list[str]] = {}
        got: dict[str, str] = {}
        for f in leaves:
            lit = f.literal
            kind = f.kind
            if kind == "threshold":
                out.append(self.threshold_phrase(f))
            elif kind == "mismatch":
                assert isinstance(lit, Atom)
                want = value_words(self.p, lit.pred, lit.args[-1].value, self.lang) \
                    if isinstance(lit.args[-1], Const) else str(lit.args[-1])
                if lit.pred not in wanted:
                    wanted[lit.pred] = []
                    got[lit.pred] = ", ".join(value_words(self.p, o.pred, o.values()[-1], self.lang)
                                              for o in f.observed)
                    out.append(f"\0{lit.pred}")  # filled in below, once every wanted value is known
                if want not in wanted[lit.pred]:
                    wanted[lit.pred].append(want)
            elif kind == "missing":
                assert isinstance(lit, Atom)
                out.append(t["not_stated_r"].format(name=self._name(lit.pred)))
            elif kind == "none_stated":
                assert isinstance(lit, Atom)
                out.append(t["none_stated_r"].format(name=self._name(lit.pred)))
            elif kind == "not_listed":
                assert isinstance(lit, Atom)
                value = lit.args[-1].value if lit.args and isinstance(lit.args[-1], Const) else str(lit)
                out.append(t["listed_r"].format(value=value_words(self.p, lit.pred, value, self.lang)))
            elif kind == "holds":
                out.append(self.holds_phrase(f))
            elif kind == "derived":
                assert isinstance(lit, Atom)
                out.append(_clip(self._name(lit.pred)))
            else:
                assert_never(kind)
        done = []
        for x in out:
            if x.startswith("\0"):
                pred = x[1:]
                x = t["mismatch_r"].format(name=self._name(pred), got=got[pred], want=t["or"].join(wanted[pred]))
            if x not in done:
                done.append(x)
        return done

    def threshold_phrase(self, f: Failure) -> str:
        lit = f.literal
        assert isinstance(lit, Compare)
        if not f.values:
            return literal_text(lit)
        lhs, rhs = f.values["lhs"], f.values["rhs"]
        source = next((o for o in f.observed if o.args and isinstance(o.args[-1], Const)
                       and o.args[-1].value == lhs), f.observed[0] if f.observed else None)
        decl = self.p.inputs.get(source.pred) if source is not None else None
        unit = decl.args[-1].unit if decl is not None and decl.args else None
        name = self._name(source.pred) + " " if source is not None else ""
        u = _unit(unit, self.lang)
        bound = format_value(rhs) + u + (f" (= {_expr(lit.rhs)})" if not isinstance(lit.rhs, Const) else "")
        lhs_unit = u if u == "%" else ""
        return f"{name}{format_value(lhs)}{lhs_unit} {_NEGATED.get(lit.op, '¬' + lit.op)} {bound}"

    def holds_phrase(self, f: Failure) -> str:
        """A negated condition that holds: the record that makes it hold, and its stated values
        ("Kuaishou penalty record bolt_v1: violation type selling counterfeits, …")."""
        t = self.t
        lit = f.literal
        inner = lit.atom if isinstance(lit, Neg) else lit
        if f.proof is None or not isinstance(inner, Atom) or not isinstance(f.proof.goal, Atom):
            return literal_text(lit)
        own = {a for a in inner.args if isinstance(a, Const)}
        records = [a for a in f.proof.goal.args if isinstance(a, Const) and a not in own]
        if f.proof.kind == "fact":  # a stated (or listed) fact itself: say what it is and its value
            values = " ".join(self._value(inner.pred, r.value) for r in records)
            return _clip(self._name(inner.pred)) + (f" {values}" if values else "")
        stated = _stated_atoms(f.proof)
        details = []
        for atom in stated:
            last = atom.args[-1] if atom.args else None
            if not isinstance(last, Const) or last in own or last in records or not set(atom.args) & set(records):
                continue
            gap = "" if self.lang == "zh" else " "
            details.append(f"{self._name(atom.pred)}{gap}{self._value(atom.pred, last.value)}")
        if not records:
            return _clip(self._name(inner.pred))
        kind = self._type_name(records[0], stated)
        head = f"{kind} " if kind else t["record_r"].format(record="")
        head += ", ".join(format_value(r.value) for r in records)
        colon, comma = ("：", "，") if self.lang == "zh" else (": ", ", ")
        return head + (colon + comma.join(details[:3]) if details else "")

    def _value(self, pred: str, value: Value) -> str:
        decl = self.p.inputs.get(pred)
        unit = decl.args[-1].unit if decl is not None and decl.args else None
        return value_words(self.p, pred, value, self.lang) + _unit(unit, self.lang)

    def _type_name(self, const: Const, stated: Sequence[Atom]) -> str | None:
        """What kind of subject a constant is, from a stated input that declares its type."""
        for atom in stated:
            decl = self.p.inputs.get(atom.pred)
            if decl is None:
                continue
            for arg, term in zip(decl.args, atom.args):
                if term == const and arg.type in self.p.types:
                    notes = self.p.types[arg.type].notes
                    return notes.name(self.lang) or notes.name("en")
        return None

    # ---- sections
    def rule_section(self, a: Answer) -> Section:
        zh = self.lang == "zh"
        if not a.rule:
            return Section("rule", "规则中没有对此设定的数值门槛。" if zh else "The rules set no threshold on this.")
        groups = {i.group for i in a.rule}
        if a.kind == "conditions":
            title = (f"{len(a.rule)} 个条件" + ("，须全部满足" if len(groups) == 1 else "（满足其中一组即可）")) \
                if zh else (f"{len(a.rule)} condition{'s' if len(a.rule) > 1 else ''}"
                            + (", all must hold" if len(groups) == 1 else " (any one group suffices)"))
        else:
            title = "规则设定的门槛" if zh else "What the rules set"
        items = []
        for i in a.rule:
            segs: list[Seg] = []
            if len(groups) > 1:
                segs.append(("muted", f"[{i.group + 1}] "))
            if i.op:
                segs += [("goal", i.pred), ("", f" {SIGNS.get(i.op, i.op)} "),
                         ("value", _fmt(i.value) + (f" {i.unit}" if i.unit else "")), ("", " — ")]
            if i.negated:
                segs.append(("muted", "不满足：" if zh else "not: "))
            segs += [("", i.text)] + self._rule(self.t["rule"], i.clause)
            items.append(Item(tuple(segs), self._cites(Cite(c.file, c.quote) for c in i.sources[:1])))
        return Section("rule", title, tuple(items))

    def needed(self, a: Answer) -> Section:
        t = self.t
        if a.answer == "yes":
            return Section("change", "", lines=((("yes", t["nothing_needed"]),),))
        if a.needed is None:
            return Section("change", "", lines=((("no", t["no_plan"]),),))
        items = []
        for i, c in enumerate(a.needed.changes, 1):
            line: list[Seg] = [("value", f"{i}."), ("", " " + describe(c, self.p, self.lang))]
            if not c.controlled:
                line.append(("muted", f"  [{t['not_yours']}: {c.controlled_by}]"))
            items.append(Item(tuple(line)))
        lines: list[Line] = [(("yes", t["verified"]),) if a.needed.verified
                             else (("no", t["not_verified"].format(result=t[a.needed.result])),)]
        if any(not c.controlled for c in a.needed.changes):
            lines.append((("muted", t["not_alone"]),))
        return Section("change", t["needed"], tuple(items), tuple(lines))

    # ---- proofs
    def node(self, n: Node) -> Item:
        t = self.t
        ok = _mark("✓")
        kind = n.kind
        if kind == "fact":
            where: list[Seg] = [("where.p", f"  [{t['fact']} "), ("where", display_path(n.where)),
                                ("where.p", "]")] if n.where else []
            return Item((ok, ("", " "), ("goal", str(n.goal)), *where), self._cites(n.cites))
        if kind == "builtin":
            assert isinstance(n.goal, Compare)
            calc = literal_text(Compare(n.goal.op, Const(n.values["lhs"]), Const(n.values["rhs"])))
            return Item((ok, ("", " "), ("goal", literal_text(n.goal)), ("muted", f"  ({t['builtin']}: {calc})")))
        if kind == "absent":
            assert isinstance(n.goal, Neg)
            return Item((ok, ("", f" {t['absent']} "), ("goal", str(n.goal.atom))),
                        children=tuple(self.alternative(x, with_doc=False) for x in n.because))
        if kind == "aggregate":
            assert isinstance(n.goal, Aggregate)
            word = t["counted"] if n.goal.fn == "count" else t["summed"]
            items = "; ".join(", ".join(format_value(v) for v in it) for it in n.items) or t["none"]
            return Item((ok, ("", " "), ("goal", f"{n.goal.result} = {format_value(n.values['result'])}"),
                         ("muted", f"  ({word}: {items})")))
        if kind == "derived":
            doc = clause_doc(self.p, n.clause, n.goal.pred, self.lang) if isinstance(n.goal, Atom) else None
            return Item((ok, ("", " "), ("goal", str(n.goal)), *self._rule(t["rule"], n.clause), *self._doc(doc)),
                        self._cites(n.cites), tuple(self.node(p) for p in n.premises))
        assert_never(kind)

    def alternative(self, alt: Alternative, with_doc: bool = True) -> Item:
        t = self.t
        doc = clause_doc(self.p, alt.clause, alt.head.pred, self.lang) if with_doc else None
        kids = [self.failure(f) for f in alt.failures]
        kids += [Item((_mark("·"), ("", " "), ("muted", f"{literal_text(s)}  — {t['skipped']}"))) for s in alt.skipped]
        return Item((_mark("?" if alt.unknown else "✗"), ("", " "), ("goal", str(alt.head)),
                     *self._rule(t["alternative"], alt.clause), *self._doc(doc)), self._cites(alt.cites), tuple(kids))

    def failure(self, f: Failure) -> Item:
        t = self.t
        lit: Literal = f.literal
        bad = _mark("?" if f.unknown else "✗")
        kind = f.kind
        if kind == "threshold":
            assert isinstance(lit, Compare)
            line: list[Seg] = [_mark("✗"), ("", " "), ("goal", literal_text(lit)), ("no", f"  {t['is_false']}")]
            if f.values:
                line += [("", f": {t['observed']} "), ("value", format_value(f.values["lhs"])),
                         ("", f", {t['needs']} {SIGNS.get(lit.op, lit.op)} "), ("value", format_value(f.values["rhs"]))]
            notes = tuple((("label", f"{t['stated']}: "), ("goal", str(o)), *self._where_of(o, "  "))
                          for o in f.observed)
            return Item(tuple(line), notes)
        if kind == "missing":
            d = self._name(lit.pred) if isinstance(lit, Atom) else None
            return Item((_mark("?"), ("", " "), ("goal", str(lit)), ("unknown", f"  — {t['not_stated']}"))
                        + ((("doc", f" ({d})"),) if d else ()))
        if kind == "mismatch":
            line = [_mark("✗"), ("", " "), ("goal", str(lit)), ("", f"  — {t['stated_instead']}: ")]
            for i, o in enumerate(f.observed):
                line += [("", "; " if i else ""), ("goal", str(o)), *self._where_of(o, " ")]
            return Item(tuple(line))
        if kind == "holds":
            inner = lit.atom if isinstance(lit, Neg) else lit
            return Item((bad, ("", " "), ("goal", literal_text(lit)), ("", "  — "), ("goal", str(inner)),
                         ("", f" {t['holds_because']}:")),
                        children=(self.node(f.proof),) if f.proof is not None else ())
        if kind == "none_stated":
            return Item((_mark("✗"), ("", " "), ("goal", str(lit)), ("", f"  — {t['none_stated']}")))
        if kind == "not_listed":
            return Item((_mark("✗"), ("", " "), ("goal", str(lit)), ("", f"  — {t['not_listed']}")))
        if kind == "derived":
            doc = self._name(lit.pred) if isinstance(lit, Atom) else None
            if len(f.because) == 1:  # one clause could give it: its line is the condition's line
                alt = f.because[0]
                inner_item = self.alternative(alt, with_doc=False)
                return Item((bad, ("", " "), ("goal", str(lit)), *self._rule(t["alternative"], alt.clause),
                             *self._doc(doc)), inner_item.notes, inner_item.children)
            return Item((bad, ("", " "), ("goal", str(lit)), *self._doc(doc)),
                        () if f.because else ((("muted", t["no_rule"]),),),
                        tuple(self.alternative(x, with_doc=False) for x in f.because))
        assert_never(kind)


def _fmt(v: Value | None) -> str:
    return format_value(v) if v is not None else ""


def _wide(text: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def _clip(text: str, n: int = 60) -> str:
    text = text.strip().rstrip("。.")
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_UNITS_ZH = {"stars": "星", "points": "分", "days": "天", "hours": "小时", "minutes": "分钟", "yuan": "元",
             "sessions": "场", "count": "个"}


def _unit(unit: str | None, lang: str = "en") -> str:
    if not unit:
        return ""
    if unit == "%":
        return unit
    return _UNITS_ZH.get(unit, f" {unit}") if lang == "zh" else f" {unit}"


def _expr(t) -> str:
    return str(t).strip("()").replace(" * ", " × ")


def _clause_of(f: Failure) -> str | None:
    return f.because[0].clause if f.because else None


def _leaves(f: Failure, unknown: bool) -> list[Failure]:
    """The input-level failures under ``f`` that decide it: the definite ones for a failed
    condition, the undecided ones for an unknown one."""
    if f.kind == "derived" or (f.kind == "holds" and f.unknown and f.because):
        out: list[Failure] = []
        for alt in f.because:
            for g in alt.failures:
                if g.unknown == unknown:
                    out += _leaves(g, unknown)
        return out or [f]
    return [f]


def _stated(n: Node) -> list[str]:
    """Where each stated fact of a proof comes from (file:line), once each."""
    out: list[str] = []

    def walk(x: Node) -> None:
        if x.kind == "fact" and x.clause is None and x.where and x.where != "--as-of":
            if x.where not in out:
                out.append(x.where)
        for p in x.premises:
            walk(p)

    walk(n)
    return out


def _stated_atoms(n: Node) -> list[Atom]:
    out: list[Atom] = []

    def walk(x: Node) -> None:
        if x.kind == "fact" and x.clause is None and isinstance(x.goal, Atom) and x.where != "--as-of":
            out.append(x.goal)
        for p in x.premises:
            walk(p)

    walk(n)
    return out


# ---------------------------------------------------------------------------------------- answer-level words
def headline(a: Answer, lang: str = "en") -> str:
    """The verdict, and what it would be under each alternative reading that changes it:
    "YES under the reading taken — NO if 近1年 includes the day one year back"."""
    t = words(lang)
    if not a.readings_differ:
        return t[a.answer]
    others = "; ".join(f"{t[d.answer]} {t['if_alt']} {d.label}" for d in a.readings_differ)
    return f"{t[a.answer]} {t['taken']} — {others}"


def assumption_line(a: Answer, lang: str = "en") -> str:
    """One line near the verdict: the absences a yes rests on that were never stated."""
    return f"  {words(lang)['assuming']}: " + "; ".join(x.text(lang) for x in a.assumptions)


def reading_lines(a: Answer, lang: str) -> list[str]:
    """How the question was read, in the asker's language: the restatement, the facts taken
    from the message (and any that contradict the loaded ones), the words corrected or not used."""
    r = a.reading
    if r is None:
        return []
    zh = lang == "zh"
    out = [("理解为：" if zh else "Read as: ") + r.restatement]
    if r.evidence:
        out.append(("依据：" if zh else "Because: ") + r.evidence)
    stated = [s for s in r.stated if s.status in ("new", "matches")]
    if stated:
        out.append(("来自您的问题：" if zh else "From your message: ") + "; ".join(
            f"{s.atom}" + ((" (同已载入)" if zh else " (as loaded)") if s.status == "matches" else "") for s in stated))
    for s in r.stated:
        if s.status == "contradicts":
            out.append(f"注意：问题中说 {s.atom}，已载入的事实是 {s.loaded}；按已载入的事实回答" if zh else
                       f"Note: your message says {s.atom} but the loaded facts say {s.loaded}; "
                       "answered from the loaded facts")
    if r.corrections:
        out.append(("按以下理解：" if zh else "Read ") + ", ".join(f"'{a}' as '{b}'" for a, b in r.corrections))
    if r.unused:
        out.append(("未使用的词：" if zh else "Words not used: ") + ", ".join(r.unused[:10]))
    return out


# ---------------------------------------------------------------------------------------- entry point
def explain(answer: Answer, program: Program, lang: str | None = None) -> Explanation:
    """The explanation of one answer in ``lang`` (default: the answer's), with every control
    character that came from facts or the question escaped (the text reaches terminals)."""
    return _safe(_Builder(program, lang or answer.lang, answer.facts).answer(answer))


def _safe(ex: Explanation) -> Explanation:
    def segs(line: Line) -> Line:
        return tuple((style, printable(text)) for style, text in line)

    def item(it: Item) -> Item:
        return Item(segs(it.line), tuple(segs(n) for n in it.notes), tuple(item(c) for c in it.children))

    def section(s: Section) -> Section:
        return Section(s.kind, printable(s.title), tuple(item(i) for i in s.items), tuple(segs(x) for x in s.lines))

    from dataclasses import replace

    return replace(ex, question=printable(ex.question, keep=""), verdict=printable(ex.verdict, keep=""),
                   summary=printable(ex.summary), brief=tuple(section(s) for s in ex.brief),
                   proof=tuple(section(s) for s in ex.proof),
                   reasons=tuple(replace(r, text=printable(r.text)) for r in ex.reasons))
