"""Where built parsers and loaded programs are cached between runs (a cold `kb ask` should not
rebuild what did not change). $GUIZE_CACHE_DIR, else $XDG_CACHE_HOME/guize, else ~/.cache/guize;
GUIZE_NO_CACHE=1 turns caching off. A cache that cannot be written is simply not used.

The cache holds data, never code: JSON read by ``decode``, which builds only the classes its
caller names (no pickle, which runs code when read; Lark's own ``cache=path`` is a pickle, so
parsers go through ``lark_parser``). The directory must be a real directory owned by the user
with no write access for anyone else (it is created 0700); otherwise it is not used and
``cache_problem()`` says why and how to fix it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import stat
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMAT = "guize-cache/2"
MAX_CACHE_BYTES = 64 * 1024 * 1024  # a cache file larger than this is not ours

_problem: str | None = None


def cache_problem() -> str | None:
    """Why the cache directory was refused (None if it is used, or caching is off)."""
    return _problem


def _private(root: Path) -> str | None:
    """None if ``root`` is a private directory of this user (made so if it is new)."""
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    except OSError as e:
        return f"cannot create the cache directory {root}: {e.strerror}"
    try:
        st = os.lstat(root)
    except OSError as e:
        return f"cannot read the cache directory {root}: {e.strerror}"
    if stat.S_ISLNK(st.st_mode):
        return f"the cache directory {root} is a symbolic link (point GUIZE_CACHE_DIR at a real directory)"
    if not stat.S_ISDIR(st.st_mode):
        return f"the cache path {root} is not a directory"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"the cache directory {root} belongs to another user (uid {st.st_uid}); set GUIZE_CACHE_DIR"
    if st.st_mode & 0o022:  # others could have planted files: refuse, do not repair
        return (f"the cache directory {root} is writable by others (mode {stat.S_IMODE(st.st_mode):04o}); "
                f"run chmod 700 {root}, or set GUIZE_NO_CACHE=1")
    if st.st_mode & 0o077:  # readable by others only (made by an older version): tighten it
        try:
            os.chmod(root, 0o700)
        except OSError as e:
            return f"cannot make the cache directory {root} private: {e.strerror}"
    return None


def cache_dir() -> Path | None:
    global _problem
    if os.environ.get("GUIZE_NO_CACHE"):
        return None
    root = os.environ.get("GUIZE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "guize")
    if "\0" in root:
        _problem = "GUIZE_CACHE_DIR contains a NUL character"
        return None
    _problem = _private(Path(root))
    if _problem is not None:
        return None
    return Path(root) if os.access(root, os.W_OK) else None


def cache_file(kind: str, *parts: str) -> str | None:
    """A cache path named by the hash of everything the cached thing is built from.

    None for kinds ending in ``-lark``: those paths go to ``Lark(cache=...)``, which unpickles
    them; such callers get no cache (use ``lark_parser`` instead)."""
    if kind.endswith("-lark"):
        return None
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256("\0".join((FORMAT, *parts)).encode("utf-8")).hexdigest()[:24]
    return str(folder / f"{kind}-{digest}.json")


# ---------------------------------------------------------------------------------------- codec
# Tagged JSON: {"$": tag, ...}. Dataclass instances seen twice are written once and referenced
# by number, so shared objects stay shared and the file stays small.

def encode(obj: Any) -> Any:
    """A JSON-ready form of ``obj`` (dataclasses, tuples, sets, dicts with any keys, Decimal,
    dates). Raises TypeError for anything else."""
    seen: dict[int, int] = {}
    keep: list[Any] = []  # keeps the objects alive, so their ids are not reused

    def enc(x: Any) -> Any:
        if x is None or isinstance(x, (bool, int, str)):
            return x
        if isinstance(x, float):
            return {"$": "f", "v": repr(x)}
        if isinstance(x, Decimal):
            return {"$": "D", "v": str(x)}
        if isinstance(x, _dt.datetime):
            return {"$": "T", "v": x.isoformat()}
        if isinstance(x, _dt.date):
            return {"$": "d", "v": x.isoformat()}
        if isinstance(x, list):
            return [enc(v) for v in x]
        if isinstance(x, tuple):
            return {"$": "t", "v": [enc(v) for v in x]}
        if isinstance(x, (set, frozenset)):
            return {"$": "s" if isinstance(x, set) else "F", "v": [enc(v) for v in x]}
        if isinstance(x, dict):
            return {"$": "m", "v": [[enc(k), enc(v)] for k, v in x.items()]}
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            n = seen.get(id(x))
            if n is not None:
                return {"$": "r", "v": n}
            seen[id(x)] = n = len(seen)
            keep.append(x)
            fields = {f.name: enc(getattr(x, f.name)) for f in dataclasses.fields(x) if f.init}
            return {"$": "o", "c": type(x).__name__, "n": n, "v": fields}
        raise TypeError(f"cannot cache a {type(x).__name__}")

    return enc(obj)


def decode(text: str | bytes, classes: dict[str, type]) -> Any:
    """The inverse of ``json.dumps(encode(x))``, building only the dataclasses in ``classes``.
    Raises ValueError on anything it does not know.

    JSON objects are decoded as the parser closes them, in document order, so an object is
    built before any later reference to it."""
    made: dict[int, Any] = {}

    def hook(x: dict) -> Any:
        tag = x.get("$")
        if tag is None:
            return x
        v = x["v"]
        if tag == "o":
            cls = classes.get(x["c"])
            if cls is None:
                raise ValueError(f"unknown class {x['c']!r} in a cache file")
            obj = made[x["n"]] = cls(**v)
            return obj
        if tag == "r":
            return made[v]
        if tag == "t":
            return tuple(v)
        if tag == "m":
            return {k: e for k, e in v}
        if tag == "D":
            return Decimal(v)
        if tag == "d":
            return _dt.date.fromisoformat(v)
        if tag == "T":
            return _dt.datetime.fromisoformat(v)
        if tag == "F":
            return frozenset(v)
        if tag == "s":
            return set(v)
        if tag == "f":
            return float(v)
        raise ValueError(f"unknown tag {tag!r} in a cache file")

    try:
        return json.loads(text, object_hook=hook)
    except (KeyError, TypeError, AttributeError, ArithmeticError) as e:
        raise ValueError(f"malformed cache file: {type(e).__name__}") from None


def read_cache(path: str | None, classes: dict[str, type]) -> Any:
    """What ``write_cache`` stored at ``path``, or None if it is absent, not ours or broken."""
    if path is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_size > MAX_CACHE_BYTES
                or hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return None
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            raw = fh.read(MAX_CACHE_BYTES + 1)
        data = decode(raw, classes)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return data.get("value")
    except (OSError, ValueError, RecursionError):
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def write_cache(path: str | None, value: Any) -> None:
    """Store ``value`` at ``path`` atomically (a private temp file renamed into place); a cache
    that cannot be written is simply not used."""
    if path is None:
        return
    try:
        text = json.dumps({"format": FORMAT, "value": encode(value)}, ensure_ascii=False,
                          separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")  # mode 0600
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def lark_parser(kind: str, grammar: str, **options: Any):
    """``Lark(grammar, parser="lalr", **options)``, cached as data (Lark's serialized tables
    through ``encode``), never as Lark's own pickle."""
    import lark
    from lark import Lark
    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    options.setdefault("parser", "lalr")
    key = json.dumps(sorted(options.items()), default=repr)
    path = cache_file(kind + "-parser", lark.__version__, key, grammar)
    data = read_cache(path, {})
    if isinstance(data, dict):
        try:
            return Lark.load(data)
        except Exception:  # noqa: BLE001 - a stale or foreign cache entry: rebuild it
            pass
    parser = Lark(grammar, **options)
    table, memo = parser.memo_serialize([TerminalDef, Rule])
    write_cache(path, {"data": table, "memo": memo})
    return parser
