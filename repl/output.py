"""Answers for people: one explanation model built from the Answer data, drawn three ways.

``explain()`` walks ``answer.proof`` / ``why_not`` / ``missing`` / ``needed`` / ``what_if`` (never
the text of ``kb.render``) into ``Item`` trees of styled segments, reusing ``kb.render.Renderer``
for the wording in English or Chinese. ``to_rich()`` draws them with rich (colours only on a
terminal; plain text with no escapes when piped; wide characters measured by rich),
``to_markdown()`` and ``to_html()`` make something to paste into a ticket or open in a browser,
with every piece of text escaped.
"""

from __future__ import annotations

import html
import io
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from grammar.errors import printable
from grammar.model import Aggregate, Atom, Compare, Const, Literal, Neg, Var, format_value
from kb.api import Answer
from kb.loader import Program, strip_ruby
from kb.proof import Alternative, Cite, Failure, Node
from kb.render import Renderer, assumption_line, headline, reading_lines, reading_note_lines
from kb.whatif import describe

# ---------------------------------------------------------------------------------------- model
# A segment is (style, text). Styles are names, mapped per output: yes no unknown (verdicts and
# marks), goal, rule, doc, source, where, value, label, muted.
Seg = tuple[str, str]
MARK_STYLE = {"✓": "yes", "✗": "no", "?": "unknown", "·": "muted"}


@dataclass
class Item:
    """One node of an explanation tree: a first line, notes under it, and children."""

    line: list[Seg]
    notes: list[list[Seg]] = field(default_factory=list)
    children: list[Item] = field(default_factory=list)


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)
    lines: list[list[Seg]] = field(default_factory=list)  # plain lines after the items


@dataclass
class Explanation:
    question: str
    answer: str  # yes | no | unknown | list
    verdict: str  # "Answer: NO"
    as_of: str  # "(as of 2026-11-23)"
    lang: str
    sections: list[Section] = field(default_factory=list)
    sources: list[Cite] = field(default_factory=list)  # every quote the tree cites, once

    def text(self) -> str:
        """Plain text, no colours (what ``to_rich`` prints when piped)."""
        return render_to_string(self)


def _mark(m: str) -> Seg:
    return (MARK_STYLE.get(m, "muted"), m)


class _Builder:
    """Answer -> Explanation. Mirrors kb.render.Renderer.text, section by section."""

    def __init__(self, program: Program, lang: str, facts: Sequence[Any]) -> None:
        self.r = Renderer(program, lang, list(facts))
        self.t = self.r.t
        self.p = program
        self.lang = self.r.lang
        self.sources: list[Cite] = []

    def _cites(self, cites: Iterable[Cite]) -> list[list[Seg]]:
        out = []
        for c in cites:
            if c not in self.sources:
                self.sources.append(c)
            out.append([("label", f"{self.t['source']}: "), ("file", c.file), ("source", f': "{strip_ruby(c.quote)}"')])
        return out

    def _op(self, op: str) -> str:
        return self.r.lit(Compare(op, Var("A"), Var("B")))[2:-2]

    def _rule(self, word: str, cid: str | None) -> list[Seg]:
        return [("rule.p", f"  [{word} "), ("rule", str(cid)), ("rule.p", "]")]

    def _where(self, atom: Atom, pad: str) -> list[Seg]:
        return [("where.p", f"{pad}["), ("where", self.r.where.get(atom, "")), ("where.p", "]")]

    def _doc(self, text: str | None) -> list[Seg]:
        return [("doc", f"  — {text}")] if text else []

    # ---- whole answer
    def answer(self, a: Answer) -> Explanation:
        t = self.t
        question = a.question if a.question != str(a.goal) else f"?- {a.goal}"
        ex = Explanation(question, a.answer, f"{t['answer']}: {headline(a, self.lang)}",
                         f"({t['as_of']} {a.as_of.isoformat()})", self.lang)
        if a.assumptions:  # what a yes rests on that was never stated, next to the verdict
            ex.sections.append(Section("", lines=[[("muted", assumption_line(a, self.lang).strip())]]))
        read = reading_lines(a, self.lang)  # how the question was read, before anything else
        if read:
            ex.sections.append(Section("", lines=[[("muted", line)] for line in read]))
        if a.kind == "uncovered":
            ex.sections.append(Section("", lines=[[("unknown", t["uncovered"].format(topic=a.topic))]]))
            if a.suggestions:
                ex.sections.append(Section(t["suggest"].strip().rstrip(":："),
                                           [Item([("goal", s)]) for s in a.suggestions]))
            return ex
        if a.kind in ("conditions", "threshold"):
            lines = self.r.rule_lines(a)  # the heading in words; the items drawn with their parts below
            sec = Section(lines[0].rstrip(":："))
            groups = {i.group for i in a.rule}
            for i in a.rule:
                segs: list[Seg] = []
                if len(groups) > 1:
                    segs.append(("muted", f"[{i.group + 1}] "))
                if i.op:
                    segs += [("goal", i.pred), ("", f" {self._op(i.op)} "),
                             ("value", format_value(i.value) + (f" {i.unit}" if i.unit else "")), ("", " — ")]  # type: ignore[arg-type]
                if i.negated:
                    segs.append(("muted", "不满足：" if self.lang == "zh" else "not: "))
                segs += [("", i.text)] + self._rule(t["rule"], i.clause)
                item = Item(segs)
                item.notes += self._cites(Cite(c.file, c.quote) for c in i.sources[:1])
                sec.items.append(item)
            ex.sections.append(sec)
            return ex
        if a.what_if:
            sec = Section(f"{t['what_if']} ({t['before']}: {t[a.before or 'unknown']})")
            for h in a.what_if:
                was = "; ".join(map(str, h.removed)) or t["none"]
                sec.items.append(Item([("muted", was), ("", "  →  "), ("goal", "; ".join(map(str, h.added)))]))
            ex.sections.append(sec)
        if a.answer == "yes" and a.proof is not None:
            ex.sections.append(Section(t["because"], [self.proof(a.proof)]))
        elif a.answer == "list":
            sec = Section(f"{len(a.bindings)} {t['answers']}")
            for b, pr in zip(a.bindings, a.proofs or [None] * len(a.bindings)):
                item = Item([("value", ", ".join(f"{k} = {format_value(v)}" for k, v in b.items()))])  # type: ignore[arg-type]
                if pr is not None and a.kind != "goal":
                    item.children.append(self.proof(pr))
                sec.items.append(item)
            ex.sections.append(sec)
        if a.unknown_because and a.proof is not None:
            ex.sections.append(Section(t["because"], [self.proof(a.proof)]))
        for atom, alts in a.unknown_because:
            ex.sections.append(Section(f"{t['unknown_neg']} {atom}", [self.alternative(x) for x in alts]))
        if a.why_not:
            ex.sections.append(Section(t["why_not"], [self.alternative(x) for x in a.why_not]))
        if a.missing:
            sec = Section(t["missing"])
            for m in a.missing:
                sec.items.append(Item([("unknown", "?"), ("", " "), ("goal", str(m))] + self._doc(self.r.doc(m.pred))))
            ex.sections.append(sec)
        if a.kind == "needed":
            ex.sections.append(self.needed(a))
        notes = reading_note_lines(a, self.lang)
        if notes:
            ex.sections.append(Section(notes[0].rstrip(":："), lines=[[("muted", n.strip())] for n in notes[1:]]))
        ex.sources = self.sources
        return ex

    def needed(self, a: Answer) -> Section:
        t = self.t
        if a.answer == "yes":
            return Section("", lines=[[("yes", t["nothing_needed"])]])
        if a.needed is None:
            return Section("", lines=[[("no", t["no_plan"])]])
        sec = Section(t["needed"])
        for i, c in enumerate(a.needed.changes, 1):
            line: list[Seg] = [("value", f"{i}."), ("", " " + describe(c, self.p, self.lang))]
            if not c.controlled:
                line.append(("muted", f"  [{t['not_yours']}: {c.controlled_by}]"))
            sec.items.append(Item(line))
        if a.needed.verified:
            sec.lines.append([("yes", t["verified"])])
        else:
            sec.lines.append([("no", t["not_verified"].format(result=t[a.needed.result]))])
        if any(not c.controlled for c in a.needed.changes):
            sec.lines.append([("muted", t["not_alone"])])
        return sec

    # ---- proofs
    def proof(self, n: Node) -> Item:
        t = self.t
        ok = _mark("✓")
        if n.kind == "fact":
            where = [("where.p", f"  [{t['fact']} "), ("where", n.where), ("where.p", "]")] if n.where else []
            return Item([ok, ("", " "), ("goal", str(n.goal))] + where, self._cites(n.cites))
        if n.kind == "builtin":
            assert isinstance(n.goal, Compare)
            calc = self.r.lit(Compare(n.goal.op, Const(n.values["lhs"]), Const(n.values["rhs"])))
            return Item([ok, ("", " "), ("goal", self.r.lit(n.goal)), ("muted", f"  ({t['builtin']}: {calc})")])
        if n.kind == "absent":
            assert isinstance(n.goal, Neg)
            item = Item([ok, ("", f" {t['absent']} "), ("goal", str(n.goal.atom))])
            if self.r.explain_absent:
                item.children = [self.alternative(x, with_doc=False) for x in n.because]
            return item
        if n.kind == "aggregate":
            assert isinstance(n.goal, Aggregate)
            word = t["counted"] if n.goal.fn == "count" else t["summed"]
            items = "; ".join(", ".join(format_value(v) for v in it) for it in n.items) or t["none"]
            return Item([ok, ("", " "), ("goal", f"{n.goal.result} = {format_value(n.values['result'])}"),
                         ("muted", f"  ({word}: {items})")])
        doc = self.r.clause_doc(n.clause, n.goal.pred) if isinstance(n.goal, Atom) else None
        return Item([ok, ("", " "), ("goal", str(n.goal))] + self._rule(t["rule"], n.clause) + self._doc(doc),
                    self._cites(n.cites), [self.proof(p) for p in n.premises])

    # ---- why not
    def alternative(self, alt: Alternative, with_doc: bool = True) -> Item:
        t = self.t
        doc = self.r.clause_doc(alt.clause, alt.head.pred) if with_doc else None
        item = Item([_mark("?" if alt.unknown else "✗"), ("", " "), ("goal", str(alt.head))]
                    + self._rule(t["alternative"], alt.clause) + self._doc(doc), self._cites(alt.cites))
        item.children = [self.failure(f) for f in alt.failures]
        item.children += [Item([_mark("·"), ("", " "), ("muted", f"{self.r.lit(s)}  — {t['skipped']}")])
                          for s in alt.skipped]
        return item

    def failure(self, f: Failure) -> Item:
        t = self.t
        lit: Literal = f.literal
        bad = _mark("?" if f.unknown else "✗")
        if f.kind == "threshold":
            assert isinstance(lit, Compare)
            line: list[Seg] = [_mark("✗"), ("", " "), ("goal", self.r.lit(lit)), ("no", f"  {t['is_false']}")]
            if f.values:
                line += [("", f": {t['observed']} "), ("value", format_value(f.values["lhs"])),
                         ("", f", {t['needs']} {self._op(lit.op)} "), ("value", format_value(f.values["rhs"]))]
            notes = [[("label", f"{t['stated']}: "), ("goal", str(o))] + self._where(o, "  ") for o in f.observed]
            return Item(line, notes)
        if f.kind == "missing":
            d = self.r.doc(lit.pred) if isinstance(lit, Atom) else None
            return Item([_mark("?"), ("", " "), ("goal", str(lit)),
                         ("unknown", f"  — {t['not_stated']}")] + ([("doc", f" ({d})")] if d else []))
        if f.kind == "mismatch":
            line = [_mark("✗"), ("", " "), ("goal", str(lit)), ("", f"  — {t['stated_instead']}: ")]
            for i, o in enumerate(f.observed):
                line += [("", "; " if i else ""), ("goal", str(o))] + self._where(o, " ")
            return Item(line)
        if f.kind == "holds":
            inner = lit.atom if isinstance(lit, Neg) else lit
            item = Item([bad, ("", " "), ("goal", self.r.lit(lit)), ("", "  — "), ("goal", str(inner)),
                         ("", f" {t['holds_because']}:")])
            if f.proof is not None:
                item.children.append(self.proof(f.proof))
            return item
        if f.kind == "none_stated":
            return Item([_mark("✗"), ("", " "), ("goal", str(lit)), ("", f"  — {t['none_stated']}")])
        if f.kind == "not_listed":
            return Item([_mark("✗"), ("", " "), ("goal", str(lit)), ("", f"  — {t['not_listed']}")])
        doc = self.r.doc(lit.pred) if isinstance(lit, Atom) else None
        item = Item([bad, ("", " "), ("goal", str(lit))] + self._doc(doc))
        if not f.because:
            item.notes.append([("muted", t["no_rule"])])
        item.children = [self.alternative(x, with_doc=False) for x in f.because]
        return item


def explain(answer: Answer, program: Program, lang: str | None = None) -> Explanation:
    """The explanation of one answer, in ``lang`` (default: the answer's language), with every
    control character that came from facts or the question escaped (item text reaches a
    terminal through every format)."""
    return _safe(_Builder(program, lang or answer.lang, answer.facts).answer(answer))


def _safe(ex: Explanation) -> Explanation:
    def segs(line: list[Seg]) -> list[Seg]:
        return [(style, printable(text)) for style, text in line]

    def item(it: Item) -> Item:
        return Item(segs(it.line), [segs(n) for n in it.notes], [item(c) for c in it.children])

    ex.question, ex.verdict = printable(ex.question, keep=""), printable(ex.verdict, keep="")
    ex.sections = [Section(printable(sec.title), [item(i) for i in sec.items], [segs(x) for x in sec.lines])
                   for sec in ex.sections]
    return ex


# ---------------------------------------------------------------------------------------- rich
RICH_STYLES = {"yes": "bold green", "no": "bold red", "unknown": "bold yellow", "goal": "bold cyan",
               "rule": "magenta", "rule.p": "magenta", "doc": "", "source": "dim", "file": "dim",
               "where": "dim", "where.p": "dim", "value": "bold", "label": "dim", "muted": "dim",
               "title": "bold underline", "": ""}


def make_console(file: TextIO | None = None, *, terminal: bool | None = None, width: int | None = None):
    """A rich Console: colours and wrapping on a terminal; when piped, plain text (no escape
    codes) and no wrapping, so output is the same at any width."""
    from rich.console import Console

    file = file if file is not None else sys.stdout
    probe = Console(file=file, force_terminal=terminal)
    if probe.is_terminal and terminal is not False:
        return Console(file=file, force_terminal=terminal, width=width, highlight=False, emoji=False)
    return Console(file=file, width=width or 100_000, color_system=None, force_terminal=False,
                   highlight=False, emoji=False, soft_wrap=False, legacy_windows=False)


def _text(segs: Iterable[Seg]):
    from rich.text import Text

    out = Text()
    for style, s in segs:
        out.append(s, style=RICH_STYLES.get(style, style) or None)
    return out


def _label(item: Item):
    from rich.text import Text

    label = _text(item.line)
    for note in item.notes:
        label.append("\n")
        label.append_text(Text("    ") + _text(note))
    return label


def to_rich(ex: Explanation):
    """A rich renderable: the question, the verdict and one tree per section."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    parts: list[Any] = [Text(ex.question, style="bold"),
                        _text([(ex.answer if ex.answer in ("yes", "no", "unknown") else "value", ex.verdict),
                               ("muted", "   " + ex.as_of)])]
    for sec in ex.sections:
        if sec.title:
            tree = Tree(_text([("title", sec.title)]), guide_style="dim")

            def add(node, item: Item) -> None:
                child = node.add(_label(item))
                for c in item.children:
                    add(child, c)

            for item in sec.items:
                add(tree, item)
            parts.append(tree)
        else:
            for item in sec.items:
                parts.append(Text("  ") + _label(item))
        for line in sec.lines:
            parts.append(Text("  ") + _text(line))
    return Group(*parts)


def render_to_string(ex: Explanation) -> str:
    """What ``to_rich`` prints on a console that is not a terminal (tests hold the two equal)."""
    buf = io.StringIO()
    make_console(buf, terminal=False).print(to_rich(ex))
    return "\n".join(x.rstrip() for x in buf.getvalue().rstrip("\n").split("\n"))


# ---------------------------------------------------------------------------------------- plain
def _plain(segs: Iterable[Seg]) -> str:
    return "".join(s for _, s in segs)


def to_plain(ex: Explanation) -> str:
    """The same text as rich draws when piped (same guides, no colour, no wrapping), built
    directly: rich re-renders every level of a deep tree, which costs more than the answer."""
    out = [ex.question, f"{ex.verdict}   {ex.as_of}"]

    def add(item: Item, prefix: str, last: bool) -> None:
        guide, cont = ("└── ", "    ") if last else ("├── ", "│   ")
        out.append(prefix + guide + _plain(item.line))
        out.extend(prefix + cont + "    " + _plain(n) for n in item.notes)
        for i, c in enumerate(item.children):
            add(c, prefix + cont, i == len(item.children) - 1)

    for sec in ex.sections:
        if sec.title:
            out.append(sec.title)
            for i, item in enumerate(sec.items):
                add(item, "", i == len(sec.items) - 1)
        else:
            for item in sec.items:
                out.append("  " + _plain(item.line))
                out.extend("      " + _plain(n) for n in item.notes)
        out.extend("  " + _plain(line) for line in sec.lines)
    return "\n".join(x.rstrip() for x in out)


def print_explanation(console, ex: Explanation) -> None:
    """Colours and wrapping on a terminal (rich); otherwise the plain text, fast."""
    if console.is_terminal:
        console.print(to_rich(ex))
    else:
        console.file.write(to_plain(ex) + "\n")


# ---------------------------------------------------------------------------------------- Markdown
# Inside a list item or paragraph these are the characters Markdown could read as markup
# (emphasis, code, links, HTML, tables, strike-through); "_" only where it can start or end
# emphasis (GFM ignores it between letters: ks_store_type stays readable).
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def md_escape(text: str) -> str:
    """Text that Markdown shows as written (no emphasis, links, HTML or tables)."""
    text = text.replace("&", "&amp;").replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def md_code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    text = text.replace("\n", " ")
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or run else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_segs(segs: Iterable[Seg]) -> str:
    out = []
    for style, s in segs:
        core = s.strip()
        if not core:
            out.append(s)
            continue
        lead, trail = s[: len(s) - len(s.lstrip())], s[len(s.rstrip()):]
        if style in ("goal", "rule", "where", "file"):
            out.append(lead + md_code(core) + trail)
        elif style.endswith(".p"):
            out.append(md_escape(s.replace("[", "(").replace("]", ")")))
        elif style in ("yes", "no", "unknown") and len(core) > 1:
            out.append(lead + "**" + md_escape(core) + "**" + trail)
        else:
            out.append(md_escape(s))
    return "".join(out)


def to_markdown(ex: Explanation, heading: str | None = None) -> str:
    """GitHub-flavoured Markdown. The question opens in a fenced block, verbatim."""
    body = ex.question.replace("\r", "")
    run = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * (run + 1)
    out = [f"### {md_escape(heading)}", ""] if heading else []
    out += [f"{fence}text", body, fence, "", f"**{md_escape(ex.verdict)}** {md_escape(ex.as_of)}"]

    def item_lines(item: Item, depth: int) -> list[str]:
        pad = "  " * depth
        text = re.sub(r"^(\d+)\.", r"\1\\.", _md_segs(item.line))  # "1. change ..." is not a sub-list
        lines = [f"{pad}- {text}"]
        for note in item.notes:
            lines[-1] += "\\"
            lines.append(f"{pad}  {_md_segs(note)}")
        for c in item.children:
            lines += item_lines(c, depth + 1)
        return lines

    for sec in ex.sections:
        out.append("")
        if sec.title:
            out += [f"**{md_escape(sec.title)}**", ""]
        for item in sec.items:
            out += item_lines(item, 0)
        if sec.lines:
            if sec.items:
                out.append("")
            out += [_md_segs(line) + "  " for line in sec.lines]
            out[-1] = out[-1].rstrip()
    if ex.sources:
        title = "出处" if ex.lang == "zh" else "Sources"
        out += ["", f"**{title}**", ""]
        out += [f"{i}. {md_code(c.file)}: “{md_escape(strip_ruby(c.quote))}”" for i, c in enumerate(ex.sources, 1)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------- HTML
HTML_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
  margin:2em auto;max-width:70em;padding:0 1em;color:#222}
article{border-top:1px solid #ddd;padding-top:1em;margin-top:1.5em}
pre.question{background:#f5f5f5;padding:.6em .8em;border-radius:4px;white-space:pre-wrap;font-size:1.05em}
.verdict{font-size:1.2em;font-weight:bold}.asof{color:#777;font-weight:normal;font-size:.85em}
h2{font-size:1em;margin:1em 0 .3em}h1{font-size:1.3em}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.4em;border-left:1px dotted #bbb}
ul.tree{border-left:none;padding-left:.2em}
ul.tree li{margin:.15em 0}
.yes{color:#1a7f37}.no{color:#cf222e}.unknown{color:#9a6700}.muted,.label,.where,.source{color:#6e7781}
.goal{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
.rule{color:#8250df;font-family:ui-monospace,monospace;font-size:.9em}.value{font-weight:bold}
.note{margin-left:1.4em;font-size:.92em}.source{font-style:italic}
ol.sources li{margin:.2em 0}
"""


_HTML_CLASS = {"rule.p": "rule", "where.p": "where", "file": "source"}


def _html_segs(segs: Iterable[Seg]) -> str:
    out = []
    for style, s in segs:
        e = html.escape(s)
        if style == "goal":
            out.append(f'<code class="goal">{e}</code>')
        elif style:
            out.append(f'<span class="{_HTML_CLASS.get(style, style)}">{e}</span>')
        else:
            out.append(e)
    return "".join(out)


def html_article(ex: Explanation, heading: str | None = None, anchor: str | None = None) -> str:
    cls = ex.answer if ex.answer in ("yes", "no", "unknown") else "value"
    ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
    out = [f"<article{ident}>"]
    if heading:
        out.append(f"<h1>{html.escape(heading)}</h1>")
    out += [f'<pre class="question">{html.escape(ex.question)}</pre>',
            f'<p class="verdict {cls}">{html.escape(ex.verdict)} <span class="asof">{html.escape(ex.as_of)}</span></p>']

    def li(item: Item) -> str:
        notes = "".join(f'<div class="note">{_html_segs(n)}</div>' for n in item.notes)
        kids = "<ul>" + "".join(li(c) for c in item.children) + "</ul>" if item.children else ""
        return f"<li>{_html_segs(item.line)}{notes}{kids}</li>"

    for sec in ex.sections:
        out.append("<section>")
        if sec.title:
            out.append(f"<h2>{html.escape(sec.title)}</h2>")
        if sec.items:
            out.append('<ul class="tree">' + "".join(li(i) for i in sec.items) + "</ul>")
        out += [f"<p>{_html_segs(line)}</p>" for line in sec.lines]
        out.append("</section>")
    if ex.sources:
        title = "出处" if ex.lang == "zh" else "Sources"
        out.append(f'<section><h2>{title}</h2><ol class="sources">')
        out += [f"<li><code>{html.escape(c.file)}</code>: <q>{html.escape(strip_ruby(c.quote))}</q></li>"
                for c in ex.sources]
        out.append("</ol></section>")
    out.append("</article>")
    return "\n".join(out)


def html_document(articles: Sequence[str], title: str, lang: str = "en") -> str:
    """A self-contained page (inline CSS, no scripts, no external resources)."""
    code = "zh-CN" if lang == "zh" else "en"
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{code}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>", f"<style>{HTML_STYLE}</style>", "</head>", "<body>",
        *articles, "</body>", "</html>", ""])


def to_html(ex: Explanation) -> str:
    return html_document([html_article(ex)], ex.question, ex.lang)


# ---------------------------------------------------------------------------------------- results
@dataclass
class Result:
    """What a REPL command returns (litecli's title/headers/rows/status): data, printed by
    ``print_result`` for people and by ``result_json`` for programs."""

    title: str | None = None
    headers: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    status: str | None = None


def print_result(console, result: Result) -> None:
    from rich.table import Table
    from rich.text import Text

    if result.title:
        console.print(Text(result.title, style="bold"))
    if result.rows:
        table = Table(*result.headers, show_header=bool(result.headers), header_style="bold",
                      box=None, pad_edge=False, padding=(0, 2, 0, 0))
        for row in result.rows:
            table.add_row(*(Text(printable(c, keep="")) for c in row))
        if console.is_terminal:
            console.print(table)
        else:  # piped: the same table without the padding rich leaves at the end of each line
            with console.capture() as cap:
                console.print(table)
            console.print(Text("\n".join(x.rstrip() for x in cap.get().rstrip("\n").split("\n"))))
    for line in result.lines:
        console.print(Text(printable(line)))
    if result.status:
        console.print(Text(printable(result.status), style="dim"))


def result_json(result: Result) -> dict[str, Any]:
    return {"title": result.title, "headers": list(result.headers), "rows": [list(r) for r in result.rows],
            "lines": result.lines, "status": result.status}
