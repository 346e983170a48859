"""Drawings of one Explanation (kb/explain.py): plain text, Markdown, HTML and CSV.

Short by default: the verdict, one line per reason, what is missing or would change it, and
the sources by title. ``full=True`` adds the whole proof tree. Every drawing escapes what it
must (Markdown markup, HTML), none re-derives anything from the Answer.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kb.explain import Explanation, Item, Line, Section, words

# ---------------------------------------------------------------------------------------- plain text


def _plain(segs: Iterable[tuple[str, str]]) -> str:
    return "".join(s for _, s in segs)


def head_lines(ex: Explanation) -> list[str]:
    """The question, the verdict line and one line per reason."""
    out = [ex.question, f"{ex.verdict_line()}   {ex.as_of_text()}"]
    out += ["  " + _plain(r.line()) for r in ex.reasons]
    return out


def sections(ex: Explanation, full: bool) -> tuple[Section, ...]:
    """The sections a view shows: the brief ones (the full view drops the hint), then the proof."""
    if not full:
        return ex.brief
    return tuple(s for s in ex.brief if s.kind not in ("hint", "readings", "sources")) + ex.proof


def text(ex: Explanation, full: bool = False) -> str:
    """Plain text with tree guides (what the REPL's colours draw, without the colours)."""
    out = head_lines(ex)

    def add(item: Item, prefix: str, last: bool) -> None:
        guide, cont = ("└── ", "    ") if last else ("├── ", "│   ")
        out.append(prefix + guide + _plain(item.line))
        out.extend(prefix + cont + "    " + _plain(n) for n in item.notes)
        for i, c in enumerate(item.children):
            add(c, prefix + cont, i == len(item.children) - 1)

    for sec in sections(ex, full):
        if sec.title:
            out.append(sec.title)
            for i, item in enumerate(sec.items):
                add(item, "", i == len(sec.items) - 1)
        else:
            for item in sec.items:
                out.append("  " + _plain(item.line))
                out.extend("      " + _plain(n) for n in item.notes)
        out.extend("  " + _plain(line) for line in sec.lines)
    if full and ex.sources:
        out.append(words(ex.lang)["sources"])
        out += [f"  {i}. {s.title}: “{s.display}”" for i, s in enumerate(ex.sources, 1)]
    return "\n".join(x.rstrip() for x in out)


# ---------------------------------------------------------------------------------------- Markdown
# Inside a list item or paragraph these are the characters Markdown could read as markup
# (emphasis, code, links, HTML, tables, strike-through); "_" only where it can start or end
# emphasis (GFM ignores it between letters: ks_store_type stays readable).
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def md_escape(value: str) -> str:
    """Text that Markdown shows as written (no emphasis, links, HTML or tables)."""
    value = value.replace("&", "&amp;").replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), value)


def md_code(value: str) -> str:
    """An inline code span that survives backticks in the text."""
    value = value.replace("\n", " ")
    run = max((len(m) for m in re.findall(r"`+", value)), default=0)
    fence = "`" * (run + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or run else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _md_segs(segs: Iterable[tuple[str, str]]) -> str:
    out = []
    for style, s in segs:
        core = s.strip()
        if not core:
            out.append(s)
            continue
        lead, trail = s[: len(s) - len(s.lstrip())], s[len(s.rstrip()):]
        if style in ("goal", "rule", "where"):
            out.append(lead + md_code(core) + trail)
        elif style.endswith(".p"):
            out.append(md_escape(s.replace("[", "(").replace("]", ")")))
        elif style in ("yes", "no", "unknown") and len(core) > 1:
            out.append(lead + "**" + md_escape(core) + "**" + trail)
        else:
            out.append(md_escape(s))
    return "".join(out)


def markdown(ex: Explanation, heading: str | None = None, full: bool = False) -> str:
    """GitHub-flavoured Markdown. The question opens in a fenced block, verbatim."""
    body = ex.question.replace("\r", "")
    run = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * (run + 1)
    out = [f"### {md_escape(heading)}", ""] if heading else []
    out += [f"{fence}text", body, fence, "", f"**{md_escape(ex.verdict_line())}** {md_escape(ex.as_of_text())}"]
    if ex.reasons:
        out.append("")
        out += [f"- {_md_segs(r.line())}" for r in ex.reasons]

    def item_lines(item: Item, depth: int) -> list[str]:
        pad = "  " * depth
        first = re.sub(r"^(\d+)\.", r"\1\\.", _md_segs(item.line))  # "1. change ..." is not a sub-list
        lines = [f"{pad}- {first}"]
        for note in item.notes:
            lines[-1] += "\\"
            lines.append(f"{pad}  {_md_segs(note)}")
        for c in item.children:
            lines += item_lines(c, depth + 1)
        return lines

    for sec in sections(ex, full):
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
    if full and ex.sources:
        out += ["", f"**{words(ex.lang)['sources']}**", ""]
        out += [f"{i}. {md_escape(s.title)}: “{md_escape(s.display)}”" for i, s in enumerate(ex.sources, 1)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------- HTML
# CJK fonts are named in the stack so Chinese renders wherever one of them is installed.
HTML_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",
  "PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;
  margin:2em auto;max-width:70em;padding:0 1em;color:#222}
article{border-top:1px solid #ddd;padding-top:1em;margin-top:1.5em}
pre.question{background:#f5f5f5;padding:.6em .8em;border-radius:4px;white-space:pre-wrap;font-size:1.05em;
  font-family:ui-monospace,Menlo,Consolas,"Noto Sans Mono CJK SC","Noto Sans CJK SC",monospace}
.verdict{font-size:1.2em;font-weight:bold}.asof{color:#777;font-weight:normal;font-size:.85em}
h2{font-size:1em;margin:1em 0 .3em}h1{font-size:1.3em}
ul.reasons{margin:.3em 0;padding-left:1.2em}ul.reasons li{margin:.15em 0}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.4em;border-left:1px dotted #bbb}
ul.tree{border-left:none;padding-left:.2em}
ul.tree li{margin:.15em 0}
.yes{color:#1a7f37}.no{color:#cf222e}.unknown{color:#9a6700}.muted,.label,.where,.source{color:#6e7781}
.goal{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Noto Sans Mono CJK SC",monospace;font-weight:600}
.rule{color:#8250df;font-family:ui-monospace,monospace;font-size:.9em}.value{font-weight:bold}
.note{margin-left:1.4em;font-size:.92em}.source{font-style:italic}
details{margin-top:.8em}summary{cursor:pointer;color:#555}
ol.sources li{margin:.2em 0}
.failed{border-left:4px solid #cf222e;padding-left:.8em}
"""

_HTML_CLASS = {"rule.p": "rule", "where.p": "where", "file": "source"}


def html_lang(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


def _html_segs(segs: Iterable[tuple[str, str]]) -> str:
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


def _html_sections(secs: Sequence[Section]) -> list[str]:
    def li(item: Item) -> str:
        notes = "".join(f'<div class="note">{_html_segs(n)}</div>' for n in item.notes)
        kids = "<ul>" + "".join(li(c) for c in item.children) + "</ul>" if item.children else ""
        return f"<li>{_html_segs(item.line)}{notes}{kids}</li>"

    out = []
    for sec in secs:
        out.append("<section>")
        if sec.title:
            out.append(f"<h2>{html.escape(sec.title)}</h2>")
        if sec.items:
            out.append('<ul class="tree">' + "".join(li(i) for i in sec.items) + "</ul>")
        out += [f"<p>{_html_segs(line)}</p>" for line in sec.lines]
        out.append("</section>")
    return out


def html_article(ex: Explanation, heading: str | None = None, anchor: str | None = None, full: bool = False) -> str:
    """One answer: the verdict and its reasons, the short sections, and the whole proof folded
    away in a <details> (open with ``full``). ``lang`` is set per answer."""
    t = words(ex.lang)
    cls = ex.answer if ex.answer in ("yes", "no", "unknown") else "value"
    ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
    out = [f'<article{ident} lang="{html_lang(ex.lang)}">']
    if heading:
        out.append(f"<h1>{html.escape(heading)}</h1>")
    out += [f'<pre class="question">{html.escape(ex.question)}</pre>',
            f'<p class="verdict {cls}">{html.escape(ex.verdict_line())} '
            f'<span class="asof">{html.escape(ex.as_of_text())}</span></p>']
    if ex.reasons:
        out.append('<ul class="reasons">' + "".join(f"<li>{_html_segs(r.line())}</li>" for r in ex.reasons) + "</ul>")
    out += _html_sections([s for s in ex.brief if s.kind not in ("hint", "readings", "sources")])
    if ex.proof or ex.sources:
        out.append(f"<details{' open' if full else ''}><summary>{html.escape(t['proof'])}</summary>")
        out += _html_sections(ex.proof)
        if ex.sources:
            out.append(f'<section><h2>{html.escape(t["sources"])}</h2><ol class="sources">')
            out += [f"<li>{html.escape(s.title)}: <q>{html.escape(s.display)}</q></li>" for s in ex.sources]
            out.append("</ol></section>")
        out.append("</details>")
    out.append("</article>")
    return "\n".join(out)


def html_failure(heading: str, message: str, anchor: str | None = None, lang: str = "en") -> str:
    """A batch line that could not be answered, with its message."""
    ident = f' id="{html.escape(anchor, quote=True)}"' if anchor else ""
    return "\n".join([f'<article{ident} class="failed" lang="{html_lang(lang)}">', f"<h1>{html.escape(heading)}</h1>",
                      f'<p class="verdict no">Error</p><pre class="question">{html.escape(message)}</pre>',
                      "</article>"])


def html_document(articles: Sequence[str], title: str, lang: str = "en", footer: str | None = None) -> str:
    """A self-contained page (inline CSS, no scripts, no external resources)."""
    tail = [f'<footer class="summary"><p>{html.escape(footer)}</p></footer>'] if footer else []
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{html_lang(lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>", f"<style>{HTML_STYLE}</style>", "</head>", "<body>",
        *articles, *tail, "</body>", "</html>", ""])


def html_page(ex: Explanation, full: bool = False) -> str:
    return html_document([html_article(ex, full=full)], ex.question, ex.lang)


# ---------------------------------------------------------------------------------------- CSV
CSV_HEADER = ("question", "subject", "answer", "reasons")


@dataclass(frozen=True)
class Verdict:
    """One row of ``--format csv``."""

    question: str
    subject: str
    answer: str
    reasons: str


def verdict_row(ex: Explanation) -> Verdict:
    reasons = "; ".join(r.plain() for r in ex.reasons) or ex.summary
    return Verdict(ex.question, ex.subject, ex.answer, reasons)


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def line_text(line: Line) -> str:
    return _plain(line)
