"""The explanation page of `kb serve`, rendered on the server: the form, the result (headline
with reasons, the proof as a collapsible tree and as an SVG graph, the source text with the
quoted sentences highlighted) and the what-if fields. A little vanilla JS (repl/static/) posts
the form and re-asks as the what-if fields change; nothing is loaded from the network."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from importlib import resources
from typing import Any

from grammar.model import Atom, Clause, Const, format_value
from kb.api import Answer
from kb.loader import Program, example_files, seed_text, seeds_dir, strip_ruby
from kb.proof import Cite
from kb.svg import proof_svg, quote_anchor
from kb.whatif import describe
from repl import output

_T = {
    "en": {"reasons": "Because", "tree": "Proof", "graph": "Proof graph", "sources": "Sources",
           "observed": "observed", "needs": "needs", "missing": "not stated", "stated": "stated instead",
           "holds": "holds", "none": "none stated", "not_listed": "not in the list", "state": "State",
           "needed": "What would change it", "before": "without the change", "quotes_only":
           "(the source document is not available here; the quoted passages are shown)", "whatif": "What if"},
    "zh": {"reasons": "理由", "tree": "证明", "graph": "证明图", "sources": "出处",
           "observed": "实际", "needs": "要求", "missing": "未填写", "stated": "已填写的是",
           "holds": "成立", "none": "没有记录", "not_listed": "不在列表中", "state": "请填写",
           "needed": "怎样才能改变结果", "before": "不改变时", "quotes_only": "（此处没有原文，仅显示引用的句子）",
           "whatif": "假设"},
}


def _t(lang: str | None) -> dict[str, str]:
    return _T["zh" if lang == "zh" else "en"]


def _static(name: str) -> str:
    return resources.files("repl").joinpath("static", name).read_text("utf-8")


# ---------------------------------------------------------------------------------------- the form

def index_html() -> str:
    """The whole page: the form, an empty result, the example facts files to start from."""
    examples = "".join(f'<option value="{html.escape(text, quote=True)}">{html.escape(name.rsplit("/", 1)[-1])}'
                       "</option>" for name, text in example_files())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Guize — platform rules answered with proofs</title>
<style>{_static("page.css")}</style></head>
<body>
<header><h1>Guize 规则</h1><p>Paste or upload a subject's facts, ask in English or Chinese, and see the
answer with its proof. API: <a href="/openapi.json">OpenAPI</a></p></header>
<form id="ask-form" autocomplete="off">
  <label for="example">Start from an example</label>
  <select id="example"><option value="">—</option>{examples}</select>
  <label for="facts">Facts</label>
  <textarea id="facts" name="facts" rows="10" spellcheck="false"
    placeholder="ks_experience_stars(acme, 4.5)."></textarea>
  <label for="upload">or upload a facts file</label>
  <input id="upload" type="file" accept=".dl,.txt">
  <label for="question">Question</label>
  <input id="question" name="question" type="text" maxlength="2000"
    placeholder="can store bolt join kuaishou distribution? / bolt能入驻快分销吗？">
  <div class="row">
    <label>as of <input id="as_of" name="as_of" type="date"></label>
    <label>language <select id="lang" name="lang"><option value="">the question's</option>
      <option value="en">English</option><option value="zh">中文</option></select></label>
    <button id="ask" type="submit">Ask</button>
  </div>
</form>
<div id="error" class="error" role="alert" hidden></div>
<div id="head"></div>
<aside id="whatif"></aside>
<main id="result"></main>
<script>{_static("page.js")}</script>
</body></html>
"""


# ---------------------------------------------------------------------------------------- the result

def reasons(ans: Answer, program: Program, lang: str) -> list[str]:
    """One line per failing condition of the goal, as the explanation model words it (the
    condition, observed against its threshold, the document), then what to state and assume."""
    ex = output.explain(ans, program, lang)
    t = _t(lang)
    out = [(f"{r.label}{r.colon}{r.text}" if r.label else r.text) + (f" ({r.document})" if r.document else "")
           for r in ex.reasons]
    out += [f"{t['state']}: {m}" for m in ans.missing if not any(str(m) in x for x in out)]
    out += [x.text(lang) for x in ans.assumptions]
    return out


def _segs(segs: Iterable[tuple[str, str]]) -> str:
    return "".join(f'<span class="{html.escape(style)}">{html.escape(s)}</span>' if style else html.escape(s)
                   for style, s in segs)


def _item(it: output.Item, depth: int) -> str:
    notes = "".join(f'<div class="note">{_segs(n)}</div>' for n in it.notes)
    if not it.children:
        return f'<div class="leaf">{_segs(it.line)}{notes}</div>'
    kids = "".join(_item(c, depth + 1) for c in it.children)
    opened = " open" if depth < 3 else ""
    return f"<details{opened}><summary>{_segs(it.line)}</summary>{notes}<div class=\"kids\">{kids}</div></details>"


def _cites(ans: Answer) -> list[Cite]:
    seen: list[Cite] = []

    def add(cs: Iterable[Cite]) -> None:
        seen.extend(c for c in cs if c not in seen)

    def node(n) -> None:
        add(n.cites)
        for p in n.premises:
            node(p)
        for a in n.because:
            alt(a)

    def alt(a) -> None:
        add(a.cites)
        for f in a.failures:
            if f.proof is not None:
                node(f.proof)
            for b in f.because:
                alt(b)

    for n in [*([ans.proof] if ans.proof else []), *ans.proofs]:
        node(n)
    for a in ans.why_not:
        alt(a)
    for _, alts in ans.unknown_because:
        for a in alts:
            alt(a)
    return seen


def result_html(ans: Answer, program: Program, lang: str | None = None) -> str:
    """The answer as page sections: headline and reasons, tree, graph, sources."""
    return "\n".join(result_parts(ans, program, lang))


def result_parts(ans: Answer, program: Program, lang: str | None = None) -> tuple[str, str]:
    """The headline section (verdict, reasons, what would change it) and the rest (tree, graph,
    sources): the page shows the what-if fields between the two."""
    lang = lang or ans.lang
    t = _t(lang)
    ex = output.explain(ans, program, lang)
    cls = ans.answer if ans.answer in ("yes", "no", "unknown") else "value"
    out = [f'<section class="headline {cls}"><p id="verdict" class="verdict {cls}">{html.escape(ex.verdict_line())} '
           f'<span class="asof">{html.escape(ex.as_of_text())}</span></p>',
           f'<p class="question">{html.escape(ans.question)}</p>']
    if ans.before is not None:
        added = ", ".join(str(a) for h in ans.what_if for a in h.added)
        out.append(f'<p id="before" class="before">{t["whatif"]}: {html.escape(added)}'
                   f" — {t['before']}: {html.escape(ans.before.upper())}</p>")
    why = reasons(ans, program, lang)
    items = [", ".join(f"{k} = {format_value(v)}" for k, v in b.items()) for b in ans.bindings]
    items += [f"{i.text} [{i.clause}]" for i in ans.rule]
    if ans.topic:
        items.append(("未覆盖：" if lang == "zh" else "Not covered: ") + ans.topic)
    if items:
        out.append('<ul id="values" class="values">' + "".join(f"<li>{html.escape(x)}</li>" for x in items[:50])
                   + (f"<li>… {len(items) - 50}</li>" if len(items) > 50 else "") + "</ul>")
    if why:
        out.append(f'<h2>{t["reasons"]}</h2><ul id="reasons" class="reasons">'
                   + "".join(f"<li>{html.escape(x)}</li>" for x in why) + "</ul>")
    if ans.needed is not None and ans.needed.changes:
        out.append(f'<h2>{t["needed"]}</h2><ul class="needed">'
                   + "".join(f"<li>{html.escape(describe(c, program, lang))}</li>" for c in ans.needed.changes)
                   + "</ul>")
    out.append("</section>")
    head, out = "\n".join(out), []
    out.append(f'<section class="tree"><h2>{t["tree"]}</h2>')
    for sec in ex.proof:
        if sec.title:
            out.append(f"<h3>{html.escape(sec.title)}</h3>")
        out += [_item(i, 0) for i in sec.items]
        out += [f'<p class="line">{_segs(line)}</p>' for line in sec.lines]
    out.append("</section>")
    svg = proof_svg(ans, program, lang, href=lambda c: f"#src-{quote_anchor(c)}")
    out.append(f'<section class="graph"><h2>{t["graph"]}</h2><div id="graph" class="svg">{svg}</div></section>')
    cites = _cites(ans)
    if cites:
        out.append(f'<section class="sources"><h2>{t["sources"]}</h2>{sources_html(program, cites, lang)}</section>')
    return head, "\n".join(out)


# ---------------------------------------------------------------------------------------- what-if

def whatif_html(ans: Answer, facts: Sequence[Clause], program: Program) -> str:
    """A slider and a number field for each numeric fact of the answer's subject."""
    subject = ans.goal.args[0] if isinstance(ans.goal, Atom) and ans.goal.args else None
    rows = []
    for f in facts:
        decl = program.inputs.get(f.head.pred)
        args = f.head.args
        if decl is None or not args or decl.args[-1].type != "number" or not isinstance(args[-1], Const):
            continue
        if subject is not None and args[0] != subject and not any(a == subject for a in args):
            continue
        value = args[-1].value
        if not isinstance(value, Decimal):
            continue
        arg = decl.args[-1]
        low = arg.low if arg.low is not None else Decimal(0)
        high = arg.high if arg.high is not None else max(Decimal(10), value * 2)
        step = "0.1" if value != value.to_integral_value() or high - low <= 10 else "1"
        name = decl.notes.name("en") or decl.pred
        prefix = html.escape(json.dumps([format_value(a.value) if isinstance(a, Const) else str(a)
                                         for a in args[:-1]]), quote=True)
        bounds = f'min="{format_value(low)}" max="{format_value(high)}" step="{step}" value="{format_value(value)}"'
        rows.append(
            f'<div class="wi" data-pred="{html.escape(decl.pred, quote=True)}" data-args="{prefix}"'
            f' data-orig="{format_value(value)}"><label>{html.escape(name)} '
            f'<code>{html.escape(str(Atom(f.head.pred, args[:-1])))}</code></label>'
            f'<input type="range" {bounds}><input type="number" {bounds}>'
            f'<span class="unit">{html.escape(arg.unit or "")}</span></div>')
    if not rows:
        return ""
    return '<h2>What if</h2><p class="muted">Move a value: the question is asked again with it.</p>' + "".join(rows)


# ---------------------------------------------------------------------------------------- sources

def _doc_file(program: Program, doc: str) -> str | None:
    files = sorted({x.file for c in [*program.clauses, *program.alt_clauses] for x in c.notes.sources})
    key = doc.strip().upper().removeprefix("D")
    for f in files:
        if doc == f or f.upper().startswith(key + "_") or f.removesuffix(".txt") == doc:
            return f
    return None


def _passages(program: Program, file: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in [*program.clauses, *program.alt_clauses]:
        for x in c.notes.sources:
            if x.file == file:
                out.setdefault(x.quote, []).append(c.id)
    return out


def _seed(file: str) -> str | None:
    root = seeds_dir()
    path = root / file if root is not None else None
    if path is None or not path.is_file():
        return None
    try:
        return seed_text(path)
    except Exception:  # an unreadable seed is served as quotes only
        return None


def source_json(program: Program, doc: str) -> dict[str, Any] | None:
    """A cited document (``004``, ``D004`` or its file name): its text when the seed documents
    are available (GUIZE_SEEDS or ../shared/seeds, as `kb check` finds them) with the position
    of every quoted passage, else only the passages the rule files quote."""
    file = _doc_file(program, doc)
    if file is None:
        return None
    text = _seed(file)
    marks = []
    for quote, ids in _passages(program, file).items():
        start = text.find(quote) if text is not None else -1
        marks.append({"quote": quote, "display": strip_ruby(quote), "clauses": ids,
                      "anchor": quote_anchor(Cite(file, quote)),
                      "start": start if start >= 0 else None, "end": start + len(quote) if start >= 0 else None})
    marks.sort(key=lambda m: (m["start"] is None, m["start"] or 0))
    return {"doc": file, "text": text, "quotes_only": text is None, "passages": marks}


def sources_html(program: Program, cites: Sequence[Cite], lang: str = "en") -> str:
    """Each cited document with the passages this answer cites highlighted (``mark.cited``,
    ``id="src-<anchor>"``) and the other quoted passages marked lightly."""
    t = _t(lang)
    out = []
    for file in dict.fromkeys(c.file for c in cites):
        data = source_json(program, file)
        if data is None:
            continue
        cited = {quote_anchor(c) for c in cites if c.file == file}
        out.append(f"<h3>{html.escape(file)}</h3>")
        text = data["text"]
        if text is None:
            out.append(f'<p class="muted">{t["quotes_only"]}</p><ul class="quotes">')
            out += [f'<li><mark id="src-{m["anchor"]}" class="cited">{html.escape(m["display"])}</mark></li>'
                    for m in data["passages"] if m["anchor"] in cited]
            out.append("</ul>")
            continue
        out.append(f'<pre class="source">{_highlight(text, data["passages"], cited)}</pre>')
    return "\n".join(out)


def _highlight(text: str, passages: list[dict[str, Any]], cited: set[str]) -> str:
    """The text with every located passage in a <mark>; overlapping passages share the marks of
    their characters, and each passage's anchor sits where it starts."""
    cover: list[set[str]] = [set() for _ in text]
    starts: dict[int, list[str]] = {}
    for m in passages:
        if m["start"] is None:
            continue
        starts.setdefault(m["start"], []).append(m["anchor"])
        for i in range(m["start"], m["end"]):
            cover[i].add(m["anchor"])
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and cover[j] == cover[i] and (j == i or j not in starts):
            j += 1
        chunk = html.escape(strip_ruby(text[i:j]) if cover[i] else text[i:j])
        anchors = "".join(f'<span id="src-{a}" class="anchor"></span>' for a in starts.get(i, []))
        if cover[i]:
            cls = "cited" if cover[i] & cited else "quoted"
            chunk = f'<mark class="{cls}">{chunk}</mark>'
        out.append(anchors + chunk)
        i = j
    return "".join(out)


# ---------------------------------------------------------------------------------------- rules

def clause_json(program: Program, cid: str) -> dict[str, Any] | None:
    """One clause by id: its text, where it is written, the quotes it encodes and its readings."""
    c = program.clause(cid)
    if c is None:
        return None
    return {"id": c.id, "head": str(c.head), "clause": str(c), "fact": c.is_fact,
            "file": c.pos.file if c.pos else None, "line": c.pos.line if c.pos else None,
            "rules": list(c.notes.rules), "docs": {lang: text for lang, text in c.notes.docs},
            "quotes": [{"file": x.file, "quote": x.quote, "display": strip_ruby(x.quote),
                        "source": f"/v1/sources/{x.file}"} for x in c.notes.sources],
            "readings": list(c.notes.readings),
            "alternative": list(c.notes.alternative) if c.notes.alternative else None,
            "primary": list(c.notes.primary)}
