"""One root error for everything Guize raises on purpose; messages say where, what, and a fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from grammar.model import Pos


class KbError(Exception):
    """Root of every error Guize raises on purpose."""

    def __init__(self, message: str, pos: Pos | None = None, hint: str | None = None) -> None:
        self.message, self.pos, self.hint = message, pos, hint
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"


class RuleSyntaxError(KbError):
    """A rule or facts file does not follow the rule grammar."""


class LoadError(KbError):
    """A rule or facts file parses but is not a valid program."""


class QueryError(KbError):
    """A question or goal that cannot be read or asked."""


class EvaluationError(KbError):
    """The engine could not answer (time limit, bad built-in use)."""


class LoadErrors(KbError):
    """Every problem found while loading, not just the first."""

    def __init__(self, errors: list[KbError]) -> None:
        self.errors = errors
        KbError.__init__(self, f"{len(errors)} problem(s):\n" + "\n".join(e.render() for e in errors))


def did_you_mean(word: str, known: Iterable[str], n: int = 3) -> str | None:
    close = difflib.get_close_matches(word, sorted(set(known)), n=n, cutoff=0.6)
    return f"did you mean {' or '.join(close)}?" if close else None
