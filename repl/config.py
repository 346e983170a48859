"""The REPL's settings file: ``$XDG_CONFIG_HOME/guize/config.toml`` (default
``~/.config/guize/config.toml``), read with tomllib. Every key is optional (docs/repl.md)::

    pager = "auto"      # auto: $PAGER, else `less -R`, when an answer is taller than the screen;
                        # "off": never; any other text: that command
    lang = "zh"         # answer language: en, zh or auto (the question's)
    facts = ["~/stores/acme.dl"]   # facts files loaded at start
    style = "colour"    # colour, or "plain" (no colours)
    full = false        # answers with the whole proof, as with :full

Command-line options win over the file. A file that cannot be read is reported once and the
defaults are used.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

PagerSetting = str  # "auto" | "off" | a command line
Style = Literal["colour", "plain"]


@dataclass(frozen=True)
class Config:
    pager: PagerSetting = "auto"
    lang: str | None = None
    facts: tuple[str, ...] = ()
    style: Style = "colour"
    full: bool = False
    problems: tuple[str, ...] = field(default=(), compare=False)


def config_path() -> Path:
    """$XDG_CONFIG_HOME/guize/config.toml; a relative XDG_CONFIG_HOME is ignored (XDG spec)."""
    env = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(env) if env and Path(env).is_absolute() else Path.home() / ".config"
    return root / "guize" / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return Config(problems=(f"{path}: not read ({e}); using the defaults",))
    problems: list[str] = []

    def pick(key: str, kind: type, allowed: tuple = ()):
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (allowed and value not in allowed):
            problems.append(f"{path}: {key} = {value!r} is not valid"
                            + (f" (use {', '.join(map(str, allowed))})" if allowed else ""))
            return None
        return value

    for key in data:
        if key not in ("pager", "lang", "facts", "style", "full"):
            problems.append(f"{path}: unknown setting {key!r}")
    pager = pick("pager", str)
    lang = pick("lang", str, ("en", "zh", "auto"))
    facts = pick("facts", list) or []
    if not all(isinstance(f, str) for f in facts):
        problems.append(f"{path}: facts must be a list of file names")
        facts = []
    style = pick("style", str, ("colour", "color", "plain"))
    full = pick("full", bool)
    return Config(pager=pager or "auto", lang=None if lang in (None, "auto") else lang,
                  facts=tuple(os.path.expanduser(f) for f in facts),
                  style="plain" if style == "plain" else "colour", full=bool(full), problems=tuple(problems))
