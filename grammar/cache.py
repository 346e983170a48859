"""Where built parsers and loaded programs are cached between runs (a cold `kb ask` should not
rebuild what did not change). $GUIZE_CACHE_DIR, else $XDG_CACHE_HOME/guize, else ~/.cache/guize;
GUIZE_NO_CACHE=1 turns caching off. A cache that cannot be written is simply not used."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path | None:
    if os.environ.get("GUIZE_NO_CACHE"):
        return None
    root = os.environ.get("GUIZE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "guize")
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return Path(root) if os.access(root, os.W_OK) else None


def cache_file(kind: str, *parts: str) -> str | None:
    """A cache path named by the hash of everything the cached thing is built from."""
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]
    return str(folder / f"{kind}-{digest}.cache")
