"""The analytics' tables of an ingest, made from its checked records while it goes on.

An ingest of datasets of records (no RDF file) into a store that holds nothing else
makes, in a forked worker, the tables that the analytics would otherwise query from the store
(:mod:`scgraph.analytics.prepared`); the worker runs while the ingest maps the records
and cuts their batches, on a core that is idle then. Once the store is closed,
:meth:`TablesWorker.keep` puts them in the cache folder for the store's files
(:mod:`scgraph.analytics.cache`), so the first ``scgraph analyze`` or ``report`` reads
them instead of querying the store. Nothing depends on it: on another system, with the
cache turned off, for other stores, or when the worker fails, the analytics query the
store as before. Workers are forked on Linux only (elsewhere a fork beside the store's
threads is not safe).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import signal
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

from scgraph.cache_folder import keep_file, store_slot
from scgraph.ingest.checks import CheckedDataset
from scgraph.namespaces import ONTOLOGY_GRAPH
from scgraph.store.embedded import EmbeddedStore

__all__ = ["PREPARE_MIN_INITIATIVES", "WAIT_SECONDS", "TablesWorker"]

_log = logging.getLogger(__name__)

#: From this many initiatives on, an ingest prepares the tables: at 100,000 the worker
#: takes about 5 s and the queries it saves 4-6 s; at 10,000 the queries take about a
#: second, about what starting the worker costs.
PREPARE_MIN_INITIATIVES = 20_000
#: How long the ingest waits, once written, for a worker that is not done yet.
WAIT_SECONDS = 10.0


def _tag(pid: int) -> str:
    """What names the files of the worker ``pid``: ``KIND.TAG.tmp``, ``codes.TAG.tmp``,
    ``error.TAG.tmp`` in the store's subfolder of the cache."""
    return f"prepared-{pid}"


@dataclass
class TablesWorker:
    """A forked worker making the analytics' tables of an ingest's records."""

    pid: int
    store: EmbeddedStore
    #: The store's subfolder of the cache, where the worker writes.
    folder: Path
    #: The running worker's result: None while it runs, then whether it wrote the tables.
    done: bool | None = None

    @property
    def tag(self) -> str:
        """What names the worker's files (:func:`_tag`)."""
        return _tag(self.pid)

    @classmethod
    def start(cls, datasets: list[CheckedDataset], store: EmbeddedStore, replaced: set[str]
              ) -> TablesWorker | None:
        """Start a worker for ``datasets`` if the store, once written, holds only them (and
        the ontology): ``replaced`` are the graphs the ingest writes. None if not."""
        if (not sys.platform.startswith("linux") or store.path is None
                or sum(len(ds.initiatives) for ds in datasets) < PREPARE_MIN_INITIATIVES
                or not set(store.graphs()) <= replaced | {ONTOLOGY_GRAPH}):
            return None
        folder = store_slot(store)
        if folder is None:
            return None
        with warnings.catch_warnings():
            # Python 3.12 warns of a fork beside threads: the worker uses none of the
            # store's, and writes nothing to the terminal (a lock another thread held at
            # the fork is never released in the worker); a worker stuck all the same is
            # stopped after WAIT_SECONDS
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the worker: write the tables, and leave without cleaning up
            status = 1
            # not the command's handler, which would run the ingest's undo in this copy
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            warnings.simplefilter("ignore")  # a warning would write to the terminal
            gc.enable()  # paused while the ingest prepares; pandas makes cycles
            tag = _tag(os.getpid())
            try:
                # the analytics (pandas) are imported here, not on the ingest's way
                from scgraph.analytics.prepared import write_tables

                codes = write_tables(datasets, folder, tag)
                (folder / f"codes.{tag}.tmp").write_text(json.dumps(codes), encoding="utf-8")
                status = 0
            except BaseException:
                with contextlib.suppress(BaseException):
                    (folder / f"error.{tag}.tmp").write_text(traceback.format_exc(),
                                                             encoding="utf-8")
            finally:
                os._exit(status)
        return cls(pid, store, folder)

    def _file(self, what: str) -> Path:
        return self.folder / f"{what}.{self.tag}.tmp"

    def wait(self, timeout: float | None = None) -> bool:
        """Wait (at most ``timeout`` seconds, by default :data:`WAIT_SECONDS`) for the
        worker; whether it wrote the tables. A worker still running then is stopped."""
        if self.done is None:
            end = time.monotonic() + (WAIT_SECONDS if timeout is None else timeout)
            while True:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.done = os.waitstatus_to_exitcode(status) == 0
                    break
                if time.monotonic() > end:
                    self._stop()
                    _log.warning("the analytics' tables were not ready after the ingest; "
                                 "the first analysis queries the store")
                    break
                time.sleep(0.02)
            if not self.done:
                with contextlib.suppress(OSError):
                    _log.warning("the analytics' tables were not prepared:\n%s",
                                 self._file("error").read_text(encoding="utf-8"))
                self.discard()
        return bool(self.done)

    def _stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.done = False

    def _codes(self) -> dict[str, str]:
        """Kind -> the code that reads it, as the worker wrote them; empty if it did not."""
        try:
            codes = json.loads(self._file("codes").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in codes.items()} if isinstance(codes, dict) else {}

    def discard(self) -> None:
        """Stop the worker if it runs, and remove what it wrote."""
        if self.done is None:
            self._stop()
        for path in self.folder.glob(f"*.{self.tag}.tmp"):
            path.unlink(missing_ok=True)

    def keep(self) -> bool:
        """Put the tables in the cache for the store's files as they are now; call it once
        the store is closed. False if there is nothing to keep."""
        if not self.wait():
            return False
        codes = self._codes()
        kept = [keep_file(self.store, code, kind, self._file(kind))
                for kind, code in codes.items()]
        self.discard()  # the file of codes
        return bool(kept) and all(kept)
