"""Thin entry points over the explanation model (kb/explain.py), its drawings (kb/draw.py) and
the answer codec (kb/codec.py), kept for callers that import them from here (the HTTP server
calls ``answer_json``)."""

from __future__ import annotations

from typing import Any

from grammar.errors import printable
from kb.api import Answer
from kb.codec import answer_json as _answer_json
from kb.draw import text
from kb.explain import assumption_line, explain, headline, reading_lines
from kb.loader import Program

__all__ = ["answer_json", "assumption_line", "headline", "reading_lines", "render_text"]


def render_text(a: Answer, program: Program, lang: str | None = None, full: bool = False) -> str:
    """The answer as plain text: short (verdict, reasons, sources), or with ``full`` the whole
    proof; control characters from the data escaped."""
    return printable(text(explain(a, program, lang), full=full))


def answer_json(a: Answer, program: Program, lang: str | None = None, full: bool = False) -> dict[str, Any]:
    """The ``guize.answer/1`` object (kb/codec.py)."""
    return _answer_json(a, program, lang, full)
