"""Answers and proofs for people (text trees in English or Chinese) and programs (JSON).

Quotes are stored verbatim (pinyin ruby artifacts included); for display the artifacts are
stripped (會(huì)員 -> 會員). JSON carries both.
"""

from __future__ import annotations

from typing import Any

from grammar.errors import printable
from grammar.model import Aggregate, Atom, Compare, Const, Literal, Neg, format_value
from kb.api import SCHEMA, Answer
from kb.loader import Program, strip_ruby
from kb.proof import Alternative, Cite, Failure, Node, to_json_value
from kb.whatif import describe

_OPS_ZH = {">=": "≥", "=<": "≤", ">": ">", "<": "<", "=": "=", "!=": "≠"}
_OPS = {">=": "≥", "<=": "≤", "=<": "≤", "!=": "≠"}

_L = {
    "en": {"yes": "YES", "no": "NO", "unknown": "UNKNOWN", "list": "LIST",
           "answer": "Answer", "as_of": "as of", "because": "Because", "why_not": "Why not",
           "missing": "Missing inputs (state them to get a yes/no answer)", "source": "source",
           "stated": "stated", "absent": "no record of", "rule": "rule", "fact": "fact",
           "none": "(none)", "failing": "fails", "is_false": "is false", "needs": "needs",
           "observed": "observed", "not_stated": "not stated", "stated_instead": "stated instead",
           "holds_because": "holds, because", "not_listed": "is not in the list",
           "skipped": "not checked (needs a value from a failed condition)",
           "alternative": "by rule", "answers": "answer(s)", "counted": "counted", "summed": "summed",
           "no_rule": "no rule can derive it", "builtin": "calculation",
           "none_stated": "none stated",
           "nothing_stated": "Nothing is stated about {subject}: give its facts (--facts FILE; see `kb vocab`).",
           "uncovered": "Not covered: no encoded document says anything about \"{topic}\".",
           "suggest": "Questions Guize can answer: ", "what_if": "What if", "before": "without the change",
           "needed": "What is needed (the smallest set of changes found)", "not_yours": "not up to the subject",
           "verified": "✓ checked: with these changes the engine answers YES",
           "not_verified": "✗ not enough on its own: with these changes the answer is {result}",
           "nothing_needed": "Nothing is needed: the answer is already yes.",
           "no_plan": "No change the rules describe would turn this into yes.",
           "not_alone": "Some of these are not up to the subject: it cannot get a yes by its own actions alone.",
           "unknown_neg": "Would follow only if this is false, but it is itself unknown:",
           "taken": "under the reading taken", "if_alt": "if", "assuming": "Assuming (none stated means none)",
           "readings": "Readings of the source this answer rests on", "alt_reading": "alternative"},
    "zh": {"yes": "是", "no": "否", "unknown": "未知", "list": "列表",
           "answer": "答案", "as_of": "基准日期", "because": "理由", "why_not": "不成立的原因",
           "missing": "缺少的输入（补充后才能判断）", "source": "出处",
           "stated": "已填写", "absent": "没有记录", "rule": "规则", "fact": "事实",
           "none": "（无）", "failing": "不满足", "is_false": "不成立", "needs": "要求",
           "observed": "实际", "not_stated": "未填写", "stated_instead": "已填写的是",
           "holds_because": "成立，因为", "not_listed": "不在列表中",
           "skipped": "未检查（依赖于不满足的条件）",
           "alternative": "规则", "answers": "个结果", "counted": "计数", "summed": "合计",
           "no_rule": "没有规则能推出", "builtin": "计算",
           "none_stated": "没有填写任何记录",
           "nothing_stated": "没有关于 {subject} 的任何事实：请用 --facts 提供（见 `kb vocab`）。",
           "uncovered": "未覆盖：已编码的文档中没有关于“{topic}”的规则。",
           "suggest": "可以问的问题：", "what_if": "假设", "before": "不改变时",
           "needed": "需要做的改变（找到的最少改变）", "not_yours": "不由店铺决定",
           "verified": "✓ 已验证：做出这些改变后，引擎的答案是“是”",
           "not_verified": "✗ 仅靠这些改变还不够：改变后的答案是“{result}”",
           "nothing_needed": "不需要任何改变：答案已经是“是”。",
           "no_plan": "规则中没有能把答案变成“是”的改变。",
           "not_alone": "其中有些改变不由店铺决定：仅靠店铺自己无法得到“是”。",
           "unknown_neg": "只有在下列条件不成立时才成立，但它本身无法判断：",
           "taken": "（按所取的理解）", "if_alt": "若", "assuming": "前提（未填写即视为没有）",
           "readings": "本答案依据的原文理解", "alt_reading": "另一种理解"},
}


class Renderer:
    explain_absent = True  # under "no record of X", show why X fails

    def __init__(self, program: Program, lang: str = "en", facts: list | None = None) -> None:
        self.p = program
        self.where = {f.head: str(f.pos) for f in facts or []}
        self.lang = lang if lang in _L else "en"
        self.t = _L[self.lang]

    # ---- phrases
    def doc(self, pred: str) -> str | None:
        info = self.p.preds.get(pred)
        if info is None:
            return None
        if info.decl is not None:
            name = info.decl.notes.name(self.lang)
            if name:
                return name
        return info.docs.get(self.lang) or info.docs.get("en")

    def clause_doc(self, cid: str | None, pred: str) -> str | None:
        c = self.p.clause(cid) if cid else None
        if c is not None and c.notes.docs:
            return c.notes.doc(self.lang) or c.notes.doc("en")
        return self.doc(pred)

    def lit(self, x: Literal) -> str:
        if isinstance(x, Compare) and self.lang == "zh":
            return f"{x.lhs} {_OPS_ZH.get(x.op, x.op)} {x.rhs}"
        return str(x)

    def cite(self, c: Cite) -> str:
        return f'{c.file}: "{strip_ruby(c.quote)}"'

    def _head(self, a: Answer) -> list[str]:
        t = self.t
        out = [f"{a.question}" if a.question != str(a.goal) else f"?- {a.goal}"]
        out.append(f"{t['answer']}: {headline(a, self.lang)}   ({t['as_of']} {a.as_of.isoformat()})")
        if a.assumptions:
            out.append(assumption_line(a, self.lang))
        subject = a.goal.args[0] if a.goal.args and isinstance(a.goal.args[0], Const) else None
        if a.answer == "unknown" and subject is not None and not any(subject in f.head.args for f in a.facts):
            out.append(t["nothing_stated"].format(subject=subject))
        out += reading_lines(a, self.lang)
        return out

    # ---- whole answers
    def text(self, a: Answer) -> str:
        t = self.t
        out = self._head(a)
        if a.kind == "uncovered":
            out.append(t["uncovered"].format(topic=a.topic))
            if a.suggestions:
                out.append(t["suggest"] + " / ".join(a.suggestions))
            return "\n".join(out)
        if a.kind in ("conditions", "threshold"):
            return "\n".join(out + self.rule_lines(a))
        if a.what_if:
            out.append(f"{t['what_if']} ({t['before']}: {t[a.before or 'unknown']})")
            for h in a.what_if:
                was = "; ".join(map(str, h.removed)) or t["none"]
                out.append(f"  {was}  →  {'; '.join(map(str, h.added))}")
        if a.answer == "yes" and a.proof is not None:
            out.append(f"{t['because']}:")
            out += self.proof_lines(a.proof, 1)
        elif a.answer == "list":
            out.append(f"{len(a.bindings)} {t['answers']}")
            for b, pr in zip(a.bindings, a.proofs or [None] * len(a.bindings)):
                out.append("  " + ", ".join(f"{k} = {format_value(v)}" for k, v in b.items()))  # type: ignore[arg-type]
                if pr is not None and a.kind != "goal":
                    out += self.proof_lines(pr, 2)
        if a.unknown_because and a.proof is not None:
            out.append(f"{t['because']}:")
            out += self.proof_lines(a.proof, 1)
        for atom, alts in a.unknown_because:
            out.append(f"{t['unknown_neg']} {atom}:")
            for alt in alts:
                out += self.alternative_lines(alt, 1)
        if a.why_not:
            out.append(f"{t['why_not']}:")
            for alt in a.why_not:
                out += self.alternative_lines(alt, 1)
        if a.missing:
            out.append(f"{t['missing']}:")
            for m in a.missing:
                d = self.doc(m.pred)
                out.append(f"  - {m}" + (f"  ({d})" if d else ""))
        if a.kind == "needed":
            out += self.needed_lines(a)
        out += reading_note_lines(a, self.lang)
        return "\n".join(out)

    def rule_lines(self, a: Answer) -> list[str]:
        """A rule's conditions or an input's thresholds, each with its clause and source."""
        zh = self.lang == "zh"
        if not a.rule:
            return ["规则中没有对此设定的数值门槛。" if zh else "The rules set no threshold on this."]
        groups = {i.group for i in a.rule}
        if a.kind == "conditions":
            head = (f"{len(a.rule)} 个条件" + ("，须全部满足" if len(groups) == 1 else "（满足其中一组即可）")) \
                if zh else \
                (f"{len(a.rule)} condition{'s' if len(a.rule) > 1 else ''}"
                 + (", all must hold" if len(groups) == 1 else " (any one group suffices)"))
        else:
            head = "规则设定的门槛：" if zh else "What the rules set:"
        out = [head]
        for n, i in enumerate(a.rule, 1):
            mark = ("不满足：" if zh else "not: ") if i.negated else ""
            bound = f"{i.pred} {_OPS.get(i.op, i.op)} {format_value(i.value)}{(' ' + i.unit) if i.unit else ''} — " \
                if i.op else ""
            group = f"[{i.group + 1}] " if len(groups) > 1 else ""
            out.append(f"  {n}. {group}{bound}{mark}{i.text}  [{self.t['rule']} {i.clause}]")
            for c in i.sources[:1]:
                out.append(f'      {self.t["source"]}: {c.file}: "{strip_ruby(c.quote)}"')
        return out

    def needed_lines(self, a: Answer) -> list[str]:
        t = self.t
        if a.answer == "yes":
            return [t["nothing_needed"]]
        if a.needed is None:
            return [t["no_plan"]]
        out = [f"{t['needed']}:"]
        for i, c in enumerate(a.needed.changes, 1):
            who = "" if c.controlled else f"  [{t['not_yours']}: {c.controlled_by}]"
            out.append(f"  {i}. {describe(c, self.p, self.lang)}{who}")
        out.append("  " + (t["verified"] if a.needed.verified else t["not_verified"].format(result=t[a.needed.result])))
        if any(not c.controlled for c in a.needed.changes):
            out.append("  " + t["not_alone"])
        return out

    # ---- proofs
    def proof_lines(self, n: Node, depth: int) -> list[str]:
        pad = "  " * depth
        t = self.t
        if n.kind == "fact":
            where = f"  [{t['fact']} {n.where}]" if n.where else ""
            lines = [f"{pad}✓ {n.goal}{where}"]
            lines += [f"{pad}    {t['source']}: {self.cite(c)}" for c in n.cites]
            return lines
        if n.kind == "builtin":
            return [f"{pad}✓ {self.lit(n.goal)}  ({t['builtin']}: {format_value(n.values['lhs'])} "
                    f"{_OPS_ZH.get(n.goal.op, n.goal.op) if self.lang == 'zh' else n.goal.op} "  # type: ignore[union-attr]
                    f"{format_value(n.values['rhs'])})"]
        if n.kind == "absent":
            assert isinstance(n.goal, Neg)
            lines = [f"{pad}✓ {t['absent']} {n.goal.atom}"]
            for alt in n.because if self.explain_absent else []:
                lines += self.alternative_lines(alt, depth + 1, with_doc=False)
            return lines
        if n.kind == "aggregate":
            assert isinstance(n.goal, Aggregate)
            word = t["counted"] if n.goal.fn == "count" else t["summed"]
            items = "; ".join(", ".join(format_value(v) for v in it) for it in n.items) or t["none"]
            return [f"{pad}✓ {n.goal.result} = {format_value(n.values['result'])}  ({word}: {items})"]
        doc = self.clause_doc(n.clause, n.goal.pred) if isinstance(n.goal, Atom) else None
        lines = [f"{pad}✓ {n.goal}  [{t['rule']} {n.clause}]" + (f"  — {doc}" if doc else "")]
        lines += [f"{pad}    {t['source']}: {self.cite(c)}" for c in n.cites]
        for p in n.premises:
            lines += self.proof_lines(p, depth + 1)
        return lines

    # ---- why not
    def alternative_lines(self, alt: Alternative, depth: int, with_doc: bool = True) -> list[str]:
        pad = "  " * depth
        t = self.t
        doc = self.clause_doc(alt.clause, alt.head.pred) if with_doc else None
        mark = "?" if alt.unknown else "✗"
        lines = [f"{pad}{mark} {alt.head}  [{t['alternative']} {alt.clause}]" + (f"  — {doc}" if doc else "")]
        lines += [f"{pad}    {t['source']}: {self.cite(c)}" for c in alt.cites]
        for f in alt.failures:
            lines += self.failure_lines(f, depth + 1)
        for s in alt.skipped:
            lines.append(f"{pad}  · {self.lit(s)}  — {t['skipped']}")
        return lines

    def failure_lines(self, f: Failure, depth: int) -> list[str]:
        pad = "  " * depth
        t = self.t
        lit = f.literal
        if f.kind == "threshold":
            assert isinstance(lit, Compare)
            v = f.values
            op = _OPS_ZH.get(lit.op, lit.op) if self.lang == "zh" else lit.op
            if v:
                line = (f"{pad}✗ {self.lit(lit)}  {t['is_false']}: {t['observed']} {format_value(v['lhs'])}, "
                        f"{t['needs']} {op} {format_value(v['rhs'])}")
            else:
                line = f"{pad}✗ {self.lit(lit)}  {t['is_false']}"
            out = [line]
            out += [f"{pad}    {t['stated']}: {o}  [{self._where(o)}]" for o in f.observed]
            return out
        if f.kind == "missing":
            d = self.doc(lit.pred) if isinstance(lit, Atom) else None
            return [f"{pad}? {lit}  — {t['not_stated']}" + (f" ({d})" if d else "")]
        if f.kind == "mismatch":
            obs = "; ".join(f"{o} [{self._where(o)}]" for o in f.observed)
            return [f"{pad}✗ {lit}  — {t['stated_instead']}: {obs}"]
        if f.kind == "holds":
            mark = "?" if f.unknown else "✗"
            out = [f"{pad}{mark} {self.lit(lit)}  — {lit.atom if isinstance(lit, Neg) else lit} {t['holds_because']}:"]
            if f.proof is not None:
                out += self.proof_lines(f.proof, depth + 2)
            return out
        if f.kind == "none_stated":
            return [f"{pad}✗ {lit}  — {t['none_stated']}"]
        if f.kind == "not_listed":
            return [f"{pad}✗ {lit}  — {t['not_listed']}"]
        mark = "?" if f.unknown else "✗"
        doc = self.doc(lit.pred) if isinstance(lit, Atom) else None
        out = [f"{pad}{mark} {lit}" + (f"  — {doc}" if doc else "")]
        if not f.because:
            out.append(f"{pad}    {t['no_rule']}")
        for alt in f.because:
            out += self.alternative_lines(alt, depth + 1, with_doc=False)
        return out

    def _where(self, a: Atom) -> str:
        return self.where.get(a, "")


def render_text(a: Answer, program: Program, lang: str | None = None) -> str:
    """The answer as plain text (the tree), control characters from the data escaped."""
    return printable(Renderer(program, lang or a.lang, a.facts).text(a))


# ---------------------------------------------------------------------------------------- JSON

def _cite_json(c: Cite) -> dict[str, str]:
    return {"file": c.file, "quote": c.quote, "display": strip_ruby(c.quote)}


def node_json(n: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": n.kind, "goal": str(n.goal)}
    if n.clause:
        out["clause"] = n.clause
    if n.bindings:
        out["bindings"] = {k: to_json_value(v) for k, v in n.bindings.items()}
    if n.cites:
        out["cites"] = [_cite_json(c) for c in n.cites]
    if n.where:
        out["where"] = n.where
    if n.values:
        out["values"] = {k: to_json_value(v) for k, v in n.values.items()}
    if n.items:
        out["items"] = [[to_json_value(v) for v in it] for it in n.items]
    if n.premises:
        out["premises"] = [node_json(p) for p in n.premises]
    if n.because:
        out["because"] = [alternative_json(a) for a in n.because]
    return out


def failure_json(f: Failure) -> dict[str, Any]:
    out: dict[str, Any] = {"condition": str(f.literal), "kind": f.kind, "unknown": f.unknown}
    if f.pos:
        out["at"] = str(f.pos)
    if f.kind == "threshold" and isinstance(f.literal, Compare) and f.values:
        out["observed"] = to_json_value(f.values["lhs"])
        out["op"] = f.literal.op
        out["threshold"] = to_json_value(f.values["rhs"])
    if f.observed:
        out["stated"] = [str(o) for o in f.observed]
    if f.proof is not None:
        out["proof"] = node_json(f.proof)
    if f.because:
        out["because"] = [alternative_json(a) for a in f.because]
    return out


def alternative_json(a: Alternative) -> dict[str, Any]:
    return {"clause": a.clause, "head": str(a.head), "unknown": a.unknown,
            "cites": [_cite_json(c) for c in a.cites],
            "failures": [failure_json(f) for f in a.failures],
            "skipped": [str(s) for s in a.skipped]}


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


def reading_json(a: Answer) -> dict[str, Any] | None:
    r = a.reading
    if r is None:
        return None
    return {"restatement": r.restatement, "kind": r.kind, "score": round(r.score, 3),
            "stated": [{"fact": str(s.atom), "text": s.text, "status": s.status,
                        "loaded": str(s.loaded) if s.loaded is not None else None} for s in r.stated],
            "spans": r.spans, "unused": r.unused, "corrections": [list(c) for c in r.corrections],
            "subjects": r.subjects, "evidence": r.evidence, "alternatives": r.alternatives}


def headline(a: Answer, lang: str = "en") -> str:
    """The verdict, and what it would be under each alternative reading that changes it:
    "YES under the reading taken — NO if 近1年 includes the day one year back"."""
    t = _L[lang if lang in _L else "en"]
    if not a.readings_differ:
        return t[a.answer]
    others = "; ".join(f"{t[d.answer]} {t['if_alt']} {d.label}" for d in a.readings_differ)
    return f"{t[a.answer]} {t['taken']} — {others}"


def assumption_line(a: Answer, lang: str = "en") -> str:
    """One line near the verdict: the absences a yes rests on that were never stated."""
    t = _L[lang if lang in _L else "en"]
    return f"  {t['assuming']}: " + "; ".join(x.text(lang) for x in a.assumptions)


def reading_note_lines(a: Answer, lang: str = "en") -> list[str]:
    """The @readings of the clauses the answer used, each with its alternative if encoded."""
    if not a.readings:
        return []
    t = _L[lang if lang in _L else "en"]
    out = [f"{t['readings']}:"]
    for r in a.readings:
        alt = f"  ({t['alt_reading']}: {r.alternative_text})" if r.alternative_text else ""
        out.append(f"  - [{r.clause}] {r.text}{alt}")
    return out


def answer_json(a: Answer, program: Program, lang: str | None = None) -> dict[str, Any]:
    """The ``guize.answer/1`` object."""
    return {
        "schema": SCHEMA,
        "question": a.question,
        "kind": a.kind,
        "goal": str(a.goal),
        "as_of": a.as_of.isoformat(),
        "lang": lang or a.lang,
        "answer": a.answer,
        "bindings": [{k: to_json_value(v) for k, v in b.items()} for b in a.bindings],
        "proof": node_json(a.proof) if a.proof is not None else None,
        "proofs": [node_json(p) for p in a.proofs],
        "why_not": [alternative_json(x) for x in a.why_not],
        "missing": [str(m) for m in a.missing],
        "not_covered": a.topic,
        "suggestions": a.suggestions,
        "what_if": {"before": a.before, "changes": [{"removed": [str(x) for x in h.removed],
                                                      "added": [str(x) for x in h.added], "text": h.text}
                                                     for h in a.what_if]} if a.what_if else None,
        "needed": _needed_json(a, program, lang or a.lang),
        "unknown_because": [{"negated": str(atom), "why_not": [alternative_json(x) for x in alts]}
                            for atom, alts in a.unknown_because],
        "reading": reading_json(a),
        "headline": headline(a, lang or a.lang),
        "assumptions": [{"input": x.input, "subject": x.subject, "none_stated_means": "none",
                         "text": x.text(lang or a.lang)} for x in a.assumptions],
        "readings": [{"clause": r.clause, "reading": r.text, "file": r.file, "quote": r.quote,
                      "alternative": r.alternative, "alternative_reading": r.alternative_text} for r in a.readings],
        "readings_differ": [{"alternative": d.key, "reading": d.label, "answer": d.answer} for d in a.readings_differ],
        "rule": [{"clause": i.clause, "pred": i.pred, "text": i.text, "group": i.group, "negated": i.negated,
                  "op": i.op, "value": to_json_value(i.value) if i.op else None, "unit": i.unit,
                  "sources": [{"file": c.file, "quote": c.quote} for c in i.sources]} for i in a.rule],
        "text": render_text(a, program, lang),
    }


def _needed_json(a: Answer, program: Program, lang: str) -> dict[str, Any] | None:
    if a.kind != "needed" or a.needed is None:
        return None
    return {"verified": a.needed.verified, "result": a.needed.result,
            "changes": [{"kind": c.kind, "input": c.input, "text": describe(c, program, lang),
                         "controlled_by_subject": c.controlled, "controlled_by": c.controlled_by,
                         "remove": [str(x) for x in c.remove], "add": [str(x) for x in c.add],
                         "wait_until": c.date.isoformat() if c.date else None, "condition": c.because}
                        for c in a.needed.changes]}
