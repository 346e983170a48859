"""A fixed set of threads, each with its own engine over one program.

pyDatalog keeps its database in thread-local state, so an engine answers only in the thread
that made it (kb/engine.py). A pool of N threads, each holding ``base.for_thread()``, answers
concurrent questions exactly as one thread would answer them one after another: no engine is
ever shared, and every question runs on facts of its own.

>>> from kb.pool import EnginePool
>>> with EnginePool(threads=2) as pool:
...     pool.run(lambda base: base.ask("ks_c3_experience_stars_ok(acme)").answer).result()
'unknown'
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from kb.api import KnowledgeBase

T = TypeVar("T")


class EnginePool:
    """``threads`` worker threads; ``run(fn)`` calls ``fn(base)`` on one of them with that
    thread's own ``KnowledgeBase``. Every engine is built (and warmed with ``warm``, a question
    asked once) when the pool starts, so the first requests do not pay for it."""

    def __init__(self, base: KnowledgeBase | None = None, threads: int = 2,
                 warm: Callable[[KnowledgeBase], object] | None = None) -> None:
        if threads < 1:
            raise ValueError("an engine pool needs at least one thread")
        self.threads = threads
        self._base = base or KnowledgeBase.default()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="guize-engine")
        # one task per thread, held at a barrier so that each lands on a thread of its own
        barrier = threading.Barrier(threads)

        def start() -> None:
            base = self._base.for_thread()
            if warm is not None:
                warm(base)
            barrier.wait()

        for f in [self._executor.submit(start) for _ in range(threads)]:
            f.result()

    @property
    def program(self):
        """The rules every engine of the pool holds."""
        return self._base.program

    def run(self, fn: Callable[[KnowledgeBase], T]) -> Future[T]:
        """``fn(base)`` on a pool thread, with that thread's knowledge base."""
        return self._executor.submit(lambda: fn(self._base.for_thread()))

    def close(self) -> None:
        """Stop the threads once their current work is done (queued work is dropped)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> EnginePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
