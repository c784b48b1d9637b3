"""The worker process of :func:`scgraph.analytics.screening.start_solution_types`.

``python -m scgraph.screening.worker`` reads two pickles on stdin. The first, (store
folder, result file, the starting process's id), comes as the worker is started: it
lowers its own priority, opens the store read-only and asks it for the descriptions and
stated solution types (:func:`~scgraph.screening.screen.text_tables`) while the process
that started it loads the store. The second, the frame of the initiatives' ``id`` and
``name``, comes once they are loaded: the worker then runs :func:`~scgraph.screening.solution_types`
for them and writes a pickle of (that frame, its peak RSS in bytes or None) to the
result file. Only scgraph starts it, and only scgraph reads what it writes.

The result file is :data:`RESULT` in a folder of its own, which also holds the worker's
:data:`STDERR`. The process that started the worker removes the folder once it has read
the result. A worker left without that process removes both files and the folder itself,
and ends: when its input ends before the second pickle (the process ended without asking),
and when that process ends after asking (a thread of the worker looks for that twice a
second; the worker lets go of the store once its current query returns). A SIGTERM ends
it the same way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from scgraph.memory import peak_rss_bytes

__all__ = ["NICENESS", "RESULT", "STDERR", "main"]

#: How much the worker lowers its priority: its queries give way to the loading of the
#: process that started it, and use the cores that loading leaves idle.
NICENESS = 10
#: Names of the files in the worker's folder: its result, and its standard error.
RESULT = "result.pickle"
STDERR = "stderr"
#: Seconds between two looks for the end of the process that started the worker.
WATCH_SECONDS = 0.5


def _remove_folder(result: Path) -> None:
    """Remove the worker's files and, if nothing else is in it, its folder."""
    for name in (RESULT, STDERR):
        with contextlib.suppress(OSError):
            (result.parent / name).unlink()
    with contextlib.suppress(OSError):
        result.parent.rmdir()


class _Terminated(Exception):
    """A SIGTERM came (:func:`_watch` sends one when the starting process has ended)."""


def _terminated(_signum: int, _frame: FrameType | None) -> None:
    raise _Terminated


def _watch(parent: int) -> None:
    """Send this process a SIGTERM once ``parent`` is no longer its parent process."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def main() -> int:
    """Answer one request on stdin (see above)."""
    requests = sys.stdin.buffer
    path, result, parent = pickle.load(requests)  # from the scgraph that started this
    try:
        signal.signal(signal.SIGTERM, _terminated)
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
        return _answer(path, Path(result), parent)
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough
        _remove_folder(Path(result))
        return 128 + signal.SIGTERM


def _answer(path: str, result: Path, parent: int) -> int:
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(NICENESS)
    from scgraph.screening.screen import solution_types, text_tables
    from scgraph.store import EmbeddedStore

    requests = sys.stdin.buffer
    with EmbeddedStore(path, read_only=True) as store:
        tables = text_tables(store)
        try:
            initiatives = pickle.load(requests)
        except EOFError:  # no one is left to read the result, or to remove the folder
            _remove_folder(result)
            return 0
        frame = solution_types(store, initiatives=initiatives, tables=tables)
    if os.getppid() != parent:  # no one is left to read the result
        _remove_folder(result)
        return 0
    with open(result, "wb") as out:
        pickle.dump((frame, peak_rss_bytes()), out, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
