"""The proof of an answer as a picture: a layered tree drawn as one self-contained SVG.

Boxes are goals, the clauses tried, stated facts, calculations, and the failing conditions (in
red; never-stated inputs in amber). A box whose clause cites a source links to that quote: by
default to a numbered legend of the quotes under the tree, or wherever ``href`` points (the
explanation page links to the highlighted sentence in the source text). Pure Python, no
network, no fonts beyond the viewer's own; every text is escaped.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from grammar.model import Aggregate, Atom, Compare, Neg, format_value
from kb.api import Answer
from kb.explain import SIGNS, literal_text
from kb.loader import Program, strip_ruby
from kb.proof import Alternative, Cite, Failure, Node

BOX_W, LINE_H, PAD, GAP_X, GAP_Y = 250, 16, 8, 18, 34
STACK_INDENT, STACK_GAP = 18, 8
MAX_UNITS = 36  # text units per box line (a CJK character is two)
MAX_BOXES = 400  # a bigger proof is cut, with a box saying how much was left out
MAX_DEPTH = 14

_WORDS = {
    "en": {"rule": "rule", "fact": "stated", "calc": "calculation", "absent": "no record of", "fails": "fails",
           "observed": "observed", "needs": "needs", "missing": "not stated", "stated": "stated instead",
           "holds": "holds (must not)", "none": "none stated", "not_listed": "not in the list",
           "no_rule": "no rule derives it", "more": "more not drawn", "sources": "Sources",
           "counted": "counted", "summed": "summed", "answers": "answer(s)",
           "yes": "YES", "no": "NO", "unknown": "UNKNOWN", "list": "LIST"},
    "zh": {"rule": "规则", "fact": "已填写", "calc": "计算", "absent": "没有记录", "fails": "不满足",
           "observed": "实际", "needs": "要求", "missing": "未填写", "stated": "已填写的是",
           "holds": "成立（不应成立）", "none": "没有记录", "not_listed": "不在列表中",
           "no_rule": "没有规则能推出", "more": "未画出", "sources": "出处",
           "counted": "计数", "summed": "合计", "answers": "个结果",
           "yes": "是", "no": "否", "unknown": "未知", "list": "列表"},
}
_STYLE = """
.node rect{stroke-width:1.5;rx:6;ry:6}
.node text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;fill:#1f2328}
.node text.k{font-weight:bold}
.yes rect{fill:#dafbe1;stroke:#1a7f37}.no rect,.fail rect{fill:#ffebe9;stroke:#cf222e}
.fail text.k,.no text.k{fill:#cf222e}.yes text.k{fill:#1a7f37}
.unknown rect,.missing rect{fill:#fff8c5;stroke:#9a6700}.missing text.k,.unknown text.k{fill:#9a6700}
.clause rect{fill:#ddf4ff;stroke:#0969da}.clause-failed rect{fill:#fff5f5;stroke:#cf222e;stroke-dasharray:4 2}
.fact rect{fill:#f6f8fa;stroke:#57606a}.builtin rect,.aggregate rect,.absent rect{fill:#f6f8fa;stroke:#8c959f}
.more rect{fill:#fff;stroke:#8c959f;stroke-dasharray:2 2}
.edge{fill:none;stroke:#8c959f;stroke-width:1.2}.edge.bad{stroke:#cf222e}
a .node:hover rect{stroke-width:3}
.legend text{font:12px sans-serif;fill:#1f2328}.legend .n{font-weight:bold;fill:#0969da}
"""


@dataclass
class _Box:
    kind: str  # CSS class: yes no unknown clause clause-failed fact builtin aggregate absent fail missing more
    lines: list[str]
    cite: Cite | None = None
    children: list[_Box] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    stacked: bool = False  # drawn in a column under its parent (see _layout)

    @property
    def height(self) -> int:
        return len(self.lines) * LINE_H + 2 * PAD


def quote_anchor(c: Cite) -> str:
    """A stable id for one quoted passage (the same on the page and in the picture)."""
    return hashlib.sha1(f"{c.file}\n{c.quote}".encode()).hexdigest()[:12]


def _units(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _clip(text: str, limit: int = MAX_UNITS) -> str:
    n, out = 0, []  # type: tuple[int, list[str]]
    for ch in text:
        n += _units(ch)
        if n > limit:
            return "".join(out[:-1]) + "…"
        out.append(ch)
    return text


class _Builder:
    def __init__(self, program: Program, lang: str) -> None:
        self.program = program
        self.t = _WORDS["zh" if lang == "zh" else "en"]
        self.count = 0

    def box(self, kind: str, lines: list[str], cite: Cite | None = None) -> _Box:
        self.count += 1
        return _Box(kind, [_clip(x) for x in lines if x][:3], cite)

    def add(self, parent: _Box, children: Sequence, make: Callable, depth: int) -> None:
        for i, child in enumerate(children):
            if self.count >= MAX_BOXES or depth > MAX_DEPTH:
                parent.children.append(self.box("more", [f"… {len(children) - i} {self.t['more']}"]))
                return
            parent.children.append(make(child, depth))

    def node(self, n: Node, depth: int) -> _Box:
        t = self.t
        cite = n.cites[0] if n.cites else None
        if n.kind == "fact":
            return self.box("fact", [str(n.goal), f"{t['fact']} {n.where or ''}".strip()], cite)
        if n.kind == "builtin" and isinstance(n.goal, Compare):
            return self.box("builtin", [str(n.goal), f"{t['calc']}: {format_value(n.values.get('lhs', ''))} "
                                        f"{n.goal.op} {format_value(n.values.get('rhs', ''))}"])
        if n.kind == "absent" and isinstance(n.goal, Neg):
            return self.box("absent", [f"{t['absent']} {n.goal.atom}"])
        if n.kind == "aggregate" and isinstance(n.goal, Aggregate):
            word = t["counted"] if n.goal.fn == "count" else t["summed"]
            return self.box("aggregate", [f"{n.goal.result} = {format_value(n.values.get('result', ''))}",
                                          f"{word}: {len(n.items)}"])
        b = self.box("clause", [str(n.goal), f"{t['rule']} {n.clause}"], cite)
        self.add(b, n.premises, self.node, depth + 1)
        return b

    def alternative(self, alt: Alternative, depth: int) -> _Box:
        kind = "missing" if alt.unknown else "clause-failed"
        cite = alt.cites[0] if alt.cites else None
        b = self.box(kind, [str(alt.head), f"{self.t['rule']} {alt.clause}"], cite)
        self.add(b, alt.failures, self.failure, depth + 1)
        for child in b.children:  # a failing condition links to the sentence of its clause
            if child.cite is None and child.kind in ("fail", "missing"):
                child.cite = cite
        return b

    def failure(self, f: Failure, depth: int) -> _Box:
        t, lit = self.t, literal_text(f.literal)  # ≥ ≤ ≠, as the text and the page write them
        if f.kind == "threshold" and isinstance(f.literal, Compare):
            v = f.values
            sign = SIGNS.get(f.literal.op, f.literal.op)
            second = (f"{t['observed']} {format_value(v['lhs'])}, {t['needs']} {sign} {format_value(v['rhs'])}"
                      if v else t["fails"])
            b = self.box("fail", [f"✗ {lit}", second, "; ".join(str(o) for o in f.observed)])
            return b
        if f.kind == "missing":
            return self.box("missing", [f"? {lit}", t["missing"]])
        if f.kind == "mismatch":
            return self.box("fail", [f"✗ {lit}", f"{t['stated']}: " + "; ".join(str(o) for o in f.observed)])
        if f.kind == "holds":
            b = self.box("missing" if f.unknown else "fail", [f"✗ {lit}", t["holds"]])
            if f.proof is not None:
                self.add(b, [f.proof], self.node, depth + 1)
            return b
        if f.kind == "none_stated":
            return self.box("fail", [f"✗ {lit}", t["none"]])
        if f.kind == "not_listed":
            return self.box("fail", [f"✗ {lit}", t["not_listed"]])
        b = self.box("missing" if f.unknown else "fail", [f"{'?' if f.unknown else '✗'} {lit}",
                                                           "" if f.because else t["no_rule"]])
        self.add(b, f.because, self.alternative, depth + 1)
        return b

    def answer(self, a: Answer) -> _Box:
        t = self.t
        verdict = t.get(a.answer, a.answer.upper())
        kind = a.answer if a.answer in ("yes", "no", "unknown") else "clause"
        if a.proof is not None and a.answer == "yes":
            root = self.node(a.proof, 0)
            root.kind = "yes"
            root.lines.insert(0, verdict)
            return root
        root = self.box(kind, [verdict, str(a.goal) if isinstance(a.goal, Atom) else ""])
        if a.answer == "list":
            root.lines[0] = f"{len(a.bindings)} {t['answers']}"
            self.add(root, a.proofs, self.node, 1)
        elif a.proof is not None:  # unknown: the closed-world proof rests on an unknown negation
            self.add(root, [a.proof], self.node, 1)
        self.add(root, a.why_not, self.alternative, 1)
        for atom, alts in a.unknown_because:
            b = self.box("unknown", [f"? {atom}"])
            self.add(b, alts, self.alternative, 2)
            root.children.append(b)
        return root


def _layout(root: _Box) -> tuple[float, float, list[_Box]]:
    """A tidy tree: leaves side by side in order, each parent centred over its children, each
    child one gap below its parent. Children that are all leaves (the facts a clause used) are
    stacked in one indented column, which keeps wide proofs narrow."""
    boxes: list[_Box] = []
    next_x = [0.0]

    def place(b: _Box, y: float) -> None:
        boxes.append(b)
        b.y = y
        below = y + b.height + GAP_Y
        if not b.children:
            b.x = next_x[0]
            next_x[0] += BOX_W + GAP_X
            return
        leaves = [c for c in b.children if not c.children]
        inner = [c for c in b.children if c.children]
        xs = []
        if len(leaves) > 1:  # one column of leaves, then the subtrees beside it
            xs.append(next_x[0])
            col_y = below
            for c in leaves:
                boxes.append(c)
                c.stacked, c.x, c.y = True, next_x[0] + STACK_INDENT, col_y
                col_y += c.height + STACK_GAP
            next_x[0] += BOX_W + STACK_INDENT + GAP_X
        else:
            inner = b.children
        for c in inner:
            place(c, below)
            xs.append(c.x)
        b.x = (xs[0] + xs[-1]) / 2

    place(root, 0.0)
    width = max(next_x[0] - GAP_X, BOX_W)
    height = max(b.y + b.height for b in boxes)
    return width, height, boxes


def proof_svg(answer: Answer, program: Program, lang: str | None = None,
              href: Callable[[Cite], str] | None = None) -> str:
    """The answer's proof (or why-not) as an SVG document. ``href(cite)`` is where a box that
    cites a quote links to; by default, to that quote in the legend drawn under the tree."""
    lang = lang or answer.lang
    b = _Builder(program, lang)
    root = b.answer(answer)
    width, height, boxes = _layout(root)
    cites: list[Cite] = []
    for x in boxes:
        if x.cite is not None and x.cite not in cites:
            cites.append(x.cite)
    number = {c: i + 1 for i, c in enumerate(cites)}
    link = href or (lambda c: f"#q-{quote_anchor(c)}")
    m = 10
    legend_h = (len(cites) + 1) * 18 + 10 if cites else 0
    total_w, total_h = width + 2 * m, height + 2 * m + legend_h
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="guize-proof" width="{total_w:.0f}" '
           f'height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}" role="img" '
           f'aria-label={quoteattr(f"{answer.goal}: {answer.answer}")}>',
           f"<style>{_STYLE}</style>"]
    for x in boxes:
        for c in x.children:
            bad = " bad" if c.kind in ("fail", "clause-failed") else ""
            if c.stacked:  # an elbow down the column's left side to the child
                x0, y0, y1 = x.x + m + BOX_W / 2, x.y + m + x.height, c.y + m + c.height / 2
                xc = c.x + m - STACK_INDENT / 2
                out.append(f'<path class="edge{bad}" d="M{x0:.1f},{y0:.1f} V{y0 + GAP_Y / 2:.1f} H{xc:.1f} '
                           f'V{y1:.1f} H{c.x + m:.1f}"/>')
                continue
            x0, y0 = x.x + m + BOX_W / 2, x.y + m + x.height
            x1, y1 = c.x + m + BOX_W / 2, c.y + m
            mid = (y0 + y1) / 2
            out.append(f'<path class="edge{bad}" d="M{x0:.1f},{y0:.1f} C{x0:.1f},{mid:.1f} {x1:.1f},{mid:.1f} '
                       f'{x1:.1f},{y1:.1f}"/>')
    for x in boxes:
        tip = "\n".join(x.lines)
        if x.cite is not None:
            tip += f"\n[{number[x.cite]}] {x.cite.file}: {strip_ruby(x.cite.quote)}"
        g = [f'<g class="node {x.kind}" transform="translate({x.x + m:.1f},{x.y + m:.1f})">',
             f"<title>{escape(tip)}</title>",
             f'<rect width="{BOX_W}" height="{x.height}"/>']
        for i, line in enumerate(x.lines):
            cls = ' class="k"' if i == 0 else ""
            if i == 0 and x.cite is not None:
                line = f"{line} [{number[x.cite]}]"
            y = PAD + (i + 1) * LINE_H - 4
            g.append(f'<text{cls} x="{PAD}" y="{y}">{escape(_clip(line, MAX_UNITS + 4))}</text>')
        g.append("</g>")
        body = "".join(g)
        if x.cite is not None:
            body = f"<a href={quoteattr(link(x.cite))}>{body}</a>"
        out.append(body)
    if cites:
        ly = height + 2 * m + 14
        out.append(f'<g class="legend"><text x="{m}" y="{ly:.0f}" class="n">{escape(b.t["sources"])}</text>')
        for cite in cites:
            ly += 18
            text = _clip(f"{cite.file}: {strip_ruby(cite.quote)}", int(total_w / 7) - 6)
            out.append(f'<text id="q-{quote_anchor(cite)}" x="{m}" y="{ly:.0f}"><tspan class="n">[{number[cite]}]'
                       f"</tspan> {escape(text)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
