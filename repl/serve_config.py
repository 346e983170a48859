"""The limits of one `kb serve` process (kept apart from repl/server.py so that `kb --help`
does not import the web stack)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What one server process is allowed; every value can also come from the environment
    (GUIZE_SERVE_THREADS, _TIMEOUT, _MAX_BODY, _MAX_FACTS), which is how workers get them."""

    threads: int = 2  # engine threads per process
    timeout: float = 10.0  # seconds per request
    max_body: int = 1024 * 1024  # bytes of request body
    max_facts: int = 20_000  # facts (lines or records) per request

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(threads=int(env.get("GUIZE_SERVE_THREADS", cls.threads)),
                   timeout=float(env.get("GUIZE_SERVE_TIMEOUT", cls.timeout)),
                   max_body=int(env.get("GUIZE_SERVE_MAX_BODY", cls.max_body)),
                   max_facts=int(env.get("GUIZE_SERVE_MAX_FACTS", cls.max_facts)))

    def to_env(self) -> dict[str, str]:
        return {"GUIZE_SERVE_THREADS": str(self.threads), "GUIZE_SERVE_TIMEOUT": str(self.timeout),
                "GUIZE_SERVE_MAX_BODY": str(self.max_body), "GUIZE_SERVE_MAX_FACTS": str(self.max_facts)}
