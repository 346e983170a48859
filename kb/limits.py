"""Limits read from the environment, parsed where they are used (never at import: a bad value
must be a clear error, not a failed ``import kb``)."""

from __future__ import annotations

import math
import os

from grammar.errors import EvaluationError

DEFAULT_TIMEOUT = 10.0
MAX_TIMEOUT = 86_400.0  # a day; more is a typo, and multiprocessing cannot wait that long anyway


def env_timeout() -> float:
    """GUIZE_TIMEOUT in seconds (default 10; unset or empty means the default). Raises
    ``EvaluationError`` for anything that is not a number of seconds in (0, 86400]."""
    raw = os.environ.get("GUIZE_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 < value <= MAX_TIMEOUT):  # also false for nan
        raise EvaluationError(f"GUIZE_TIMEOUT must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}, "
                              f"got {raw[:40]!r}", hint="e.g. GUIZE_TIMEOUT=30, or unset it for the default of 10")
    return value
