"""The REPL's drawing of an explanation (kb/explain.py): the same model as every other output,
with colours and wrapping on a terminal (rich); when piped, exactly kb.draw's plain text.
Long output goes through a pager when the REPL asks for one (repl/pager.py)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from grammar.errors import printable
from kb.draw import html_article as html_article
from kb.draw import html_document as html_document
from kb.draw import html_page as to_html
from kb.draw import markdown as to_markdown
from kb.draw import md_code, md_escape, sections
from kb.draw import text as to_plain
from kb.explain import Explanation, Item, explain

__all__ = ["Explanation", "Result", "explain", "html_article", "html_document", "make_console", "md_code",
           "md_escape", "print_explanation", "print_result", "render_to_string", "result_json", "to_html",
           "to_markdown", "to_plain", "to_rich"]

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


def _text(segs: Iterable[tuple[str, str]]):
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


def to_rich(ex: Explanation, full: bool = False):
    """A rich renderable: the question, the verdict, the reasons and one tree per section."""
    from rich.console import Group
    from rich.text import Text
    from rich.tree import Tree

    style = ex.answer if ex.answer in ("yes", "no", "unknown") else "value"
    parts: list[Any] = [Text(ex.question, style="bold"),
                        _text([(style, ex.verdict_line()), ("muted", "   " + ex.as_of_text())])]
    parts += [Text("  ") + _text(r.line()) for r in ex.reasons]
    for sec in sections(ex, full):
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
    if full and ex.sources:
        parts.append(_text([("title", ex.labels.get("sources", "Sources"))]))
        parts += [_text([("", f"  {i}. "), ("file", s.title), ("source", f": “{s.display}”")])
                  for i, s in enumerate(ex.sources, 1)]
    return Group(*parts)


def render_to_string(ex: Explanation, full: bool = False) -> str:
    """What ``to_rich`` prints on a console that is not a terminal (tests hold it equal to kb.draw's text)."""
    buf = io.StringIO()
    make_console(buf, terminal=False).print(to_rich(ex, full))
    return "\n".join(x.rstrip() for x in buf.getvalue().rstrip("\n").split("\n"))


def print_explanation(console, ex: Explanation, full: bool = False) -> None:
    """Colours and wrapping on a terminal (rich); otherwise the plain text, fast."""
    if console.is_terminal:
        console.print(to_rich(ex, full))
    else:
        console.file.write(to_plain(ex, full) + "\n")


# ---------------------------------------------------------------------------------------- results
@dataclass
class Result:
    """What a REPL command returns (litecli's title/headers/rows/status): data, printed by
    ``print_result`` for people and by ``result_json`` for programs."""

    title: str | None = None
    headers: tuple[str, ...] = ()
    rows: Sequence[tuple[str, ...]] = field(default_factory=list)
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
