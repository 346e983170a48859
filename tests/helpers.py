"""Small helpers shared by the engine tests."""

from __future__ import annotations

CITE = '%% @source 004_ab237df4ce40d813.txt "3、購物體會(huì)星級(jí)≥4"'  # a real, verbatim quote


def cited(text: str, cite: str = CITE) -> str:
    """Rule text with a citation above every clause and fact (one statement per line), so
    generated programs pass the loader's "every clause has a @source" check."""
    lines = []
    for line in text.strip().splitlines():
        line = line.strip()
        if line and not line.startswith(("type ", "input ", "optional ", "%")):
            lines.append(cite)
        lines.append(line)
    return "\n".join(lines) + "\n"
