"""Long answers through a pager, as pgcli does: only on a terminal, only when the text is
taller than the screen, with ``$PAGER`` or ``less -R`` (colours kept), and never when the
setting is "off". Without a usable pager the text is printed as it is."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess


def pager_command(setting: str, environ: dict[str, str] | None = None) -> list[str] | None:
    """The command to page with, or None: "off" disables paging, "auto" takes $PAGER, then
    `less -R`; any other setting is itself the command."""
    env = os.environ if environ is None else environ
    if setting == "off":
        return None
    line = env.get("PAGER", "") if setting == "auto" else setting
    if not line.strip():
        return ["less", "-R"] if shutil.which("less") else None
    argv = shlex.split(line)
    if argv and os.path.basename(argv[0]) == "less" and not any(a.startswith("-R") or a == "-r" for a in argv[1:]):
        argv.append("-R")  # keep the colours
    return argv if argv and shutil.which(argv[0]) else None


def needs_paging(text: str, height: int) -> bool:
    return text.count("\n") + 1 > max(height - 2, 1)


def page(text: str, argv: list[str]) -> bool:
    """Show ``text`` in the pager; False when it could not be started (print it instead)."""
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # quit at once when it fits; keep colours; leave it on the screen
    env.setdefault("LESSCHARSET", "utf-8")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    try:
        assert proc.stdin is not None
        proc.stdin.write(text.encode("utf-8", "replace"))
        proc.stdin.close()
    except (BrokenPipeError, OSError):  # the reader quit early
        pass
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.wait()
    return True
