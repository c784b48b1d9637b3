"""What this process has committed to a store, so that an interrupted command can say so.

A write commits in one step (an update on the embedded store); Ctrl-C or SIGTERM that
comes during that step is taken once the step is recorded here.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["committed", "committing"]

_count = [0]
_HELD = (signal.SIGINT, signal.SIGTERM)


def committed() -> int:
    """How many writes this process has committed so far."""
    return _count[0]


@contextmanager
def committing() -> Iterator[None]:
    """Around the step that commits a write: counted once the block ends without an
    error. In the main thread, where Python runs signal handlers, Ctrl-C and SIGTERM that
    come during the block are handled after it (the step itself cannot be cut short), so
    that the count says whether the write was kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        _count[0] += 1
        return
    pending: list[int] = []

    def defer(signum: int, frame: object) -> None:
        pending.append(signum)

    before = {s: signal.signal(s, defer) for s in _HELD}
    try:
        yield
        _count[0] += 1
    finally:
        for s, handler in before.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for signum in pending:
            signal.raise_signal(signum)  # to the handler the process had
