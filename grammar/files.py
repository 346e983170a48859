"""Reading the files a user names (facts files, batch files, rule and scenario files).

Only regular files are read (a FIFO would block for ever, /dev/zero never ends), none larger
than ``max_bytes`` (default ``DEFAULT_MAX_BYTES``; ``kb --max-file-size MB`` raises it), and the
bytes must be UTF-8: a file that is not gets one located error with the bad bytes, never a
traceback and never a quote of the file.
"""

from __future__ import annotations

import os
import stat

from grammar.errors import LoadError, LoadErrors
from grammar.model import Pos

DEFAULT_MAX_BYTES = 256 * 1024 * 1024  # about 6 million facts
max_bytes = DEFAULT_MAX_BYTES  # the limit in force; the CLI sets it from --max-file-size

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _fail(message: str, pos: Pos | None = None, hint: str | None = None) -> LoadErrors:
    return LoadErrors([LoadError(message, pos, hint)])


def check_path(path: str, what: str = "file") -> None:
    """A path that cannot name a file (NUL, empty) is an error of its own, not an OSError."""
    if not path:
        raise _fail(f"no {what} name given")
    if "\0" in path:
        raise _fail(f"the {what} name contains a NUL character", hint="type the name again")
    if any("\ud800" <= ch <= "\udfff" for ch in path):  # cannot be encoded as a file name
        raise _fail(f"the {what} name contains a lone surrogate code point", hint="type the name again")


def read_bytes(path: str, what: str = "file", limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Raises ``LoadErrors``."""
    check_path(path, what)
    limit = max_bytes if limit is None else limit
    try:  # O_NONBLOCK: opening a FIFO with no writer must not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise _fail(f"cannot read {what} {path}: {e.strerror}", hint="check the path") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
            raise _fail(f"{what} {path} is {kind}, not a regular file", hint="name a text file")
        too_big = _fail(f"{what} {path} is larger than the limit of {_size(limit)}",
                        hint=f"raise it with --max-file-size MB (now {_mb(limit)})")
        if st.st_size > limit:
            raise too_big
        chunks, total = [], 0
        while True:  # the file may grow while it is read: never read past the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise too_big
        return b"".join(chunks)
    except OSError as e:
        raise _fail(f"cannot read {what} {path}: {e.strerror}", hint="check the path") from None
    finally:
        os.close(fd)


def decode(data: bytes, file: str) -> str:
    """UTF-8 text (a leading byte-order mark dropped). Raises ``LoadErrors`` at the first byte
    that is not UTF-8, with its line, column and the bytes themselves."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        start = e.start
        line_start = data.rfind(b"\n", 0, start) + 1
        line = data.count(b"\n", 0, start) + 1
        column = len(data[line_start:start].decode("utf-8", "replace")) + 1
        bad = "".join(f"\\x{b:02x}" for b in data[start:e.end])
        raise _fail(f"not UTF-8 text: the bytes {bad} cannot be read", Pos(file, line, column),
                    "save the file as UTF-8") from None


def read_text(path: str, what: str = "file", limit: int | None = None) -> str:
    """``read_bytes`` then ``decode``: the text of a user's file, or ``LoadErrors``."""
    return decode(read_bytes(path, what, limit), path)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB"


def _size(n: int) -> str:
    return _mb(n) if n >= 1024 * 1024 else f"{n} bytes"


def write_text_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text`` all at once: written to a temporary file in the same
    folder, synced, then renamed over it, so a full disk or a crash leaves the old file whole.
    A symbolic link at ``path`` is refused (renaming would replace the link, and writing
    through it would write somewhere else). Raises ``LoadErrors``."""
    import tempfile

    check_path(path, "file")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise _fail(f"cannot write {path}: {e.strerror}") from None
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise _fail(f"{path} is a symbolic link; not written", hint="save to a plain file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _fail(f"{path} is not a regular file; not written", hint="save to a plain file name")
    data = text.encode("utf-8")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    except OSError as e:
        raise _fail(f"cannot write {path}: {e.strerror}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~umask)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except OSError as e:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise _fail(f"cannot write {path}: {e.strerror}", hint="the old file, if any, is unchanged") from None
