"""One root error for everything Guize raises on purpose; messages say where, what, and a fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from grammar.model import Pos

# What a terminal could act on (C0/C1 controls: ESC starts colour, title and clipboard (OSC 52)
# sequences), text-direction overrides that reorder what is shown, and lone surrogates, which
# cannot be written at all.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` safe to show on a terminal: every control character (but those in ``keep``)
    written as a visible ``\\u001b`` escape, which is also valid inside a JSON string."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else f"\\u{ord(m.group()):04x}", text)


class KbError(Exception):
    """Root of every error Guize raises on purpose."""

    def __init__(self, message: str, pos: Pos | None = None, hint: str | None = None) -> None:
        self.message, self.pos, self.hint = message, pos, hint
        super().__init__(self.render())

    def render(self) -> str:
        """The message, with control characters from the data escaped (it goes to a terminal)."""
        where = f"{self.pos}: " if self.pos else ""
        tail = f" ({self.hint})" if self.hint else ""
        return printable(f"{where}{self.message}{tail}", keep="\n")


class RuleSyntaxError(KbError):
    """A rule or facts file does not follow the rule grammar."""


class LoadError(KbError):
    """A rule or facts file parses but is not a valid program."""


QUESTION_FILE = "<question>"


class QueryError(KbError):
    """A question or goal that cannot be read or asked. ``pos`` is where in the question (file
    ``<question>``, line 1, the column of the problem); the message already shows a caret there,
    so the position is not repeated in front of it."""

    def render(self) -> str:
        if self.pos is not None and self.pos.file == QUESTION_FILE:
            tail = f" ({self.hint})" if self.hint else ""
            return printable(f"{self.message}{tail}", keep="\n")
        return KbError.render(self)


class EvaluationError(KbError):
    """The engine could not answer (time limit, bad built-in use)."""


class LoadErrors(KbError):
    """Every problem found while loading, not just the first."""

    def __init__(self, errors: list[KbError]) -> None:
        self.errors = errors
        KbError.__init__(self, f"{len(errors)} problem(s):\n" + "\n".join(e.render() for e in errors))

    def render(self) -> str:
        return self.message


def did_you_mean(word: str, known: Iterable[str], n: int = 3) -> str | None:
    close = difflib.get_close_matches(word, sorted(set(known)), n=n, cutoff=0.6)
    return f"did you mean {' or '.join(close)}?" if close else None
