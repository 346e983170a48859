"""The ``guize.answer/1`` codec: one place that writes an Answer as JSON and reads one back.

The API, the CLI, the batch runner and the proof checker all go through here; the JSON Schema
of what is written is docs/answer.schema.json (docs/answer.md says how the version changes).
Values go through the term model's own value codec (``grammar.model.json_value`` /
``value_from_json``), so numbers stay exact and dates read back as dates.

This module imports no prover code at load time (the checker reads answers through it and
must stay independent of the prover).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grammar.model import Compare, json_value, value_from_json
from kb.loader import strip_ruby

if TYPE_CHECKING:
    from kb.api import Answer
    from kb.explain import Explanation
    from kb.loader import Program
    from kb.proof import Alternative, Cite, Failure, Node

SCHEMA = "guize.answer/1"
SCHEMA_FAMILY = "guize.answer/"

__all__ = ["SCHEMA", "answer_json", "json_value", "read_answer", "value_from_json"]


class SchemaError(ValueError):
    """A JSON object that is not a ``guize.answer/1`` answer."""


# ---------------------------------------------------------------------------------------- writing
def cite_json(c: Cite) -> dict[str, str]:
    from kb.documents import document_title

    return {"file": c.file, "quote": c.quote, "display": strip_ruby(c.quote), "title": document_title(c.file)}


def node_json(n: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": n.kind, "goal": str(n.goal)}
    if n.clause:
        out["clause"] = n.clause
    if n.bindings:
        out["bindings"] = {k: json_value(v) for k, v in n.bindings.items()}
    if n.cites:
        out["cites"] = [cite_json(c) for c in n.cites]
    if n.where:
        out["where"] = n.where
    if n.values:
        out["values"] = {k: json_value(v) for k, v in n.values.items()}
    if n.items:
        out["items"] = [[json_value(v) for v in it] for it in n.items]
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
        out["observed"] = json_value(f.values["lhs"])
        out["op"] = f.literal.op
        out["threshold"] = json_value(f.values["rhs"])
    if f.observed:
        out["stated"] = [str(o) for o in f.observed]
    if f.proof is not None:
        out["proof"] = node_json(f.proof)
    if f.because:
        out["because"] = [alternative_json(a) for a in f.because]
    return out


def alternative_json(a: Alternative) -> dict[str, Any]:
    return {"clause": a.clause, "head": str(a.head), "unknown": a.unknown,
            "cites": [cite_json(c) for c in a.cites],
            "failures": [failure_json(f) for f in a.failures],
            "skipped": [str(s) for s in a.skipped]}


def reading_json(a: Answer) -> dict[str, Any] | None:
    r = a.reading
    if r is None:
        return None
    return {"restatement": r.restatement, "kind": r.kind, "score": round(r.score, 3),
            "stated": [{"fact": str(s.atom), "text": s.text, "status": s.status,
                        "loaded": str(s.loaded) if s.loaded is not None else None} for s in r.stated],
            "spans": r.spans, "unused": r.unused, "corrections": [list(c) for c in r.corrections],
            "subjects": r.subjects, "evidence": r.evidence, "alternatives": r.alternatives}


def explanation_json(ex: Explanation) -> dict[str, Any]:
    """The explanation's headline and reasons, for programs that show them (the HTTP page)."""
    return {"headline": ex.headline, "verdict": ex.verdict, "summary": ex.summary,
            "reasons": [{"mark": r.mark, "label": r.label, "text": r.text, "document": r.document,
                         "clause": r.clause, "observed": json_value(r.observed), "op": r.op,
                         "threshold": json_value(r.threshold)} for r in ex.reasons],
            "sources": [{"file": s.file, "title": s.title, "quote": s.quote, "display": s.display}
                        for s in ex.sources]}


def answer_json(a: Answer, program: Program, lang: str | None = None, full: bool = False) -> dict[str, Any]:
    """The ``guize.answer/1`` object of an answer, its explanation drawn in ``lang``; ``text`` is
    the short explanation, or with ``full`` the whole proof as the CLI's --full prints it."""
    from kb.draw import text
    from kb.explain import explain, headline
    from kb.whatif import describe

    lang = lang or a.lang
    ex = explain(a, program, lang)
    needed = None
    if a.kind == "needed" and a.needed is not None:
        needed = {"verified": a.needed.verified, "result": a.needed.result,
                  "changes": [{"kind": c.kind, "input": c.input, "text": describe(c, program, lang),
                               "controlled_by_subject": c.controlled, "controlled_by": c.controlled_by,
                               "remove": [str(x) for x in c.remove], "add": [str(x) for x in c.add],
                               "wait_until": c.date.isoformat() if c.date else None, "condition": c.because}
                              for c in a.needed.changes]}
    return {
        "schema": SCHEMA,
        "question": a.question,
        "kind": a.kind,
        "goal": str(a.goal),
        "as_of": a.as_of.isoformat(),
        "lang": lang,
        "answer": a.answer,
        "bindings": [{k: json_value(v) for k, v in b.items()} for b in a.bindings],
        "proof": node_json(a.proof) if a.proof is not None else None,
        "proofs": [node_json(p) for p in a.proofs],
        "why_not": [alternative_json(x) for x in a.why_not],
        "missing": [str(m) for m in a.missing],
        "not_covered": a.topic,
        "suggestions": list(a.suggestions),
        "what_if": {"before": a.before, "changes": [{"removed": [str(x) for x in h.removed],
                                                      "added": [str(x) for x in h.added], "text": h.text}
                                                     for h in a.what_if]} if a.what_if else None,
        "needed": needed,
        "unknown_because": [{"negated": str(atom), "why_not": [alternative_json(x) for x in alts]}
                            for atom, alts in a.unknown_because],
        "reading": reading_json(a),
        "headline": headline(a, lang),
        "assumptions": [{"input": x.input, "subject": x.subject, "none_stated_means": "none",
                         "text": x.text(lang)} for x in a.assumptions],
        "readings": [{"clause": r.clause, "reading": r.text, "file": r.file, "quote": r.quote,
                      "alternative": r.alternative, "alternative_reading": r.alternative_text} for r in a.readings],
        "readings_differ": [{"alternative": d.key, "reading": d.label, "answer": d.answer} for d in a.readings_differ],
        "rule": [{"clause": i.clause, "pred": i.pred, "text": i.text, "group": i.group, "negated": i.negated,
                  "op": i.op, "value": json_value(i.value) if i.op else None, "unit": i.unit,
                  "sources": [{"file": c.file, "quote": c.quote} for c in i.sources]} for i in a.rule],
        "explanation": explanation_json(ex),
        "text": text(ex, full),
    }


# ---------------------------------------------------------------------------------------- reading
_REQUIRED = ("schema", "question", "kind", "goal", "as_of", "answer", "bindings", "proof", "why_not", "missing")


def read_answer(data: object) -> dict[str, Any]:
    """A decoded JSON object checked to be a ``guize.answer/1`` answer (the same major version;
    fields added later are kept), with its binding values read back as term values under
    ``"values"``. Raises SchemaError otherwise."""
    if not isinstance(data, dict):
        raise SchemaError("an answer is a JSON object")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise SchemaError(f"not a {SCHEMA} answer (schema: {schema!r})")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise SchemaError(f"a {SCHEMA} answer needs {', '.join(missing)}")
    if data["answer"] not in ("yes", "no", "unknown", "list"):
        raise SchemaError(f"answer must be yes, no, unknown or list, not {data['answer']!r}")
    out = dict(data)
    out["values"] = [{k: value_from_json(v) for k, v in b.items()} for b in data["bindings"]]
    return out
