"""Side-effect screening: potential side effects of each initiative, from guidance patterns.

For every initiative, each pattern that applies to one of its solution types
(stated in the records or inferred by the keyword rules) gives one row per
effect kind of the pattern. The row's status says what the data already hold:

- ``mitigated``: a side effect of that kind and polarity (risk or benefit) is recorded
  for the initiative, with a mitigation;
- ``recorded``: a side effect of that kind and polarity is recorded, without a mitigation;
- ``open``: none is recorded — a question for a person, not a finding.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import pickle
import shutil
import site
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard, cast

import pandas as pd

import scgraph
from scgraph.analytics import projection
from scgraph.analytics.cache import cached_frames, code_key, kept_frames
from scgraph.analytics.projection import GraphData, load_graph_data
from scgraph.errors import ScgraphError, UsageError
from scgraph.namespaces import SC
from scgraph.ontology import DATA_PROTECTION_EFFECTS
from scgraph.screening import classifier
from scgraph.screening.patterns import (
    PATTERNS_GRAPH,
    Pattern,
    read_patterns,
    stored_patterns,
)
from scgraph.screening.screen import solution_types as stored_solution_types
from scgraph.screening.worker import RESULT as WORKER_RESULT
from scgraph.screening.worker import STDERR as WORKER_STDERR
from scgraph.store import base as store_base
from scgraph.store.base import GraphStore
from scgraph.store.embedded import EmbeddedStore

__all__ = ["DATA_PROTECTION_EFFECTS", "PREFETCH_MIN_INITIATIVES", "SCREENING_COLUMNS", "STATUSES",
           "TypesWorker", "prefetch_solution_types", "screening", "start_solution_types"]

#: Columns of :func:`screening`, in order.
SCREENING_COLUMNS = [
    "id", "name", "effect", "polarity", "fields", "pattern", "status",
    "suggested_mitigation", "source", "solution_types", "confidence",
]
#: Status values, from most to least settled.
STATUSES = ("mitigated", "recorded", "open")


def _status(recorded: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(initiative, effect kind, polarity) -> status. A recorded benefit does not answer a
    potential risk of the same kind (a shuttle's modal shift away from cars is not the
    shift away from buses a pattern warns of), nor the other way round."""
    out: dict[tuple[str, str, str], str] = {}
    for ini, effect, polarity, mitigation in zip(
            recorded["initiative_id"], recorded["effect"], recorded["polarity"],
            recorded["mitigation"], strict=True):
        key = (str(ini), str(effect), str(polarity))
        if isinstance(mitigation, str) and mitigation.strip():
            out[key] = "mitigated"
        else:
            out.setdefault(key, "recorded")
    return out


#: What makes the solution types: the loaded initiatives, the screening code and the
#: packaged keyword rules.
_TYPES_CODE_FILES = (projection.__file__, store_base.__file__,
                     inspect.getfile(stored_solution_types), classifier.__file__,
                     str(classifier.keywords_file()))
_TYPES_CODE = code_key(*_TYPES_CODE_FILES)


_TYPES_KIND = "solution-types"
#: From this many initiatives on, :func:`start_solution_types` and
#: :func:`prefetch_solution_types` start a worker: starting one takes about a second of
#: CPU; reading the descriptions and running the keyword rules take about 4 s at 100,000
#: initiatives (the whole report from an empty cache, at 20,000: 2.1-2.4 s with it,
#: 2.6-2.8 s without; at 100,000: 8.4-8.6 s, 12.0 s; below, the start costs about what
#: the worker saves).
PREFETCH_MIN_INITIATIVES = 20_000


def _types_key(store: GraphStore) -> str:
    return f"solution types of {store.location}"


def _solution_types(store: GraphStore, data: GraphData) -> pd.DataFrame:
    """Stated and inferred solution types of the store's initiatives (``data`` loaded from
    it), kept in the cache folder like the loaded tables (:mod:`scgraph.analytics.cache`):
    the keyword rules read every description, seconds at 100,000 initiatives."""
    return data.memo(_types_key(store), lambda: cached_frames(
        store, _TYPES_CODE, 1,
        lambda: [stored_solution_types(store, initiatives=data.initiatives)],
        kind=_TYPES_KIND)[0])


def _worker_env() -> dict[str, str]:
    """The environment of the worker: this one, and where this process found scgraph
    if a new interpreter would not look there (a folder put on ``sys.path`` by hand)."""
    env = dict(os.environ)
    root = str(Path(scgraph.__file__).resolve().parents[1])
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    known = {str(Path(p).resolve())
             for p in [*paths, *site.getsitepackages(), site.getusersitepackages()]}
    if root not in known:
        env["PYTHONPATH"] = os.pathsep.join([root, *paths])
    return env


@dataclass
class TypesWorker:
    """A worker process computing solution types (:func:`start_solution_types`)."""

    process: subprocess.Popen[bytes]
    #: A folder for the worker's result and messages, removed once it is done.
    folder: Path
    #: The solution types, once the worker is done (and kept in the cache).
    result: Future[pd.DataFrame] | None = None
    #: The worker's peak RSS, once it is done (None where the system does not tell).
    peak_rss_bytes: int | None = None

    def stop(self) -> None:
        """End the worker, whose result is not wanted, and remove its folder."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def _shareable(store: GraphStore) -> TypeGuard[EmbeddedStore]:
    """Whether a worker process can open ``store`` as well: on disk, and open read-only
    here (open for writing, it holds the lock a read-only opening waits for)."""
    return isinstance(store, EmbeddedStore) and store.read_only and store.path is not None


def _at_least(store: GraphStore, n: int) -> bool:
    """Whether ``store`` holds at least ``n`` resources typed ``sc:Initiative``."""
    return n <= 0 or store.ask(f"ASK {{ {{ SELECT ?i WHERE {{ ?i a <{SC}Initiative> }} "
                               f"OFFSET {n - 1} LIMIT 1 }} }}")


def start_solution_types(store: GraphStore, *,
                         min_initiatives: int = PREFETCH_MIN_INITIATIVES,
                         ) -> TypesWorker | None:
    """Start a worker process for the solution types of ``store``, before loading it.

    While the caller loads the store (:func:`load_graph_data`), the worker asks it for
    the descriptions and stated types, at a lower priority
    (:data:`scgraph.screening.worker.NICENESS`): loading keeps both cores, and the
    worker uses what it leaves idle. :func:`prefetch_solution_types` then hands the worker
    the loaded initiatives, and it runs the keyword rules on another core while the caller
    computes other measures. Only for a read-only on-disk
    :class:`~scgraph.store.EmbeddedStore` holding at least ``min_initiatives``
    resources typed ``sc:Initiative`` whose solution types are not in the cache;
    otherwise nothing is started and None returned. A worker that is not handed
    to :func:`prefetch_solution_types` is ended with :meth:`TypesWorker.stop`.
    :func:`scgraph.reports.build_report` starts one before it loads.

    The worker opens the store read-only while ``store`` holds it open: a writer waits
    for both to close, so the worker reads the state the caller loads.
    """
    if (not _shareable(store)
            or kept_frames(store, _TYPES_CODE, 1, kind=_TYPES_KIND) is not None
            or not _at_least(store, min_initiatives)):
        return None
    try:  # no folder for its result (TMPDIR gone, say): the caller computes the types
        folder = Path(tempfile.mkdtemp(prefix="scgraph-solution-types-"))
    except OSError:
        return None
    try:
        with (folder / WORKER_STDERR).open("wb") as err:
            process = subprocess.Popen([sys.executable, "-m", "scgraph.screening.worker"],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=err, env=_worker_env())
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    assert process.stdin is not None
    # a worker that stopped at once says why when its result is asked for
    with contextlib.suppress(OSError):
        process.stdin.write(pickle.dumps((str(store.path), str(folder / WORKER_RESULT),
                                          os.getpid()), protocol=pickle.HIGHEST_PROTOCOL))
        process.stdin.flush()
    return TypesWorker(process, folder)


def prefetch_solution_types(store: GraphStore, data: GraphData, *,
                            min_initiatives: int = PREFETCH_MIN_INITIATIVES,
                            worker: TypesWorker | None = None) -> TypesWorker | None:
    """Let a worker process compute the solution types of ``store`` for ``data``.

    ``worker``: one :func:`start_solution_types` started before ``data`` was loaded;
    without it, one is started now (if ``data`` holds at least ``min_initiatives``
    initiatives). The worker gets the loaded initiatives and runs the keyword rules on
    another core while the caller computes other measures; :func:`screening` of
    ``store`` with the same ``data`` takes the result (and keeps it in the cache), or
    computes it itself if the worker failed (with a warning). Where the solution types
    are in the cache or computed for ``data`` already, or ``store`` is not a read-only
    on-disk :class:`~scgraph.store.EmbeddedStore`, ``worker`` is stopped and None
    returned; None also where no worker could be started.
    """
    key = _types_key(store)
    kept = None
    if _shareable(store) and not data.knows(key):
        kept = kept_frames(store, _TYPES_CODE, 1, kind=_TYPES_KIND)
        if kept is None:
            if worker is None and len(data.initiatives) >= min_initiatives:
                worker = start_solution_types(store, min_initiatives=0)
            if worker is not None:
                _hand_over(store, data, worker, key)
                return worker
    if worker is not None:
        worker.stop()
    if kept is not None:
        data.memo(key, lambda: kept[0])
    return None


def _hand_over(store: GraphStore, data: GraphData, worker: TypesWorker, key: str) -> None:
    """Send ``worker`` the initiatives of ``data``; promise its result as ``key``."""
    process = worker.process
    request = pickle.dumps(data.initiatives[["id", "name"]], protocol=pickle.HIGHEST_PROTOCOL)

    def answer() -> pd.DataFrame:
        try:
            assert process.stdin is not None
            with contextlib.suppress(OSError):  # a worker that stopped: its code says why
                process.stdin.write(request)
                process.stdin.close()
            code = process.wait()
            if code != 0:
                err = (worker.folder / WORKER_STDERR).read_bytes().decode(errors="replace")
                raise ScgraphError(f"the solution-types worker stopped with {code}: "
                                   + err[-500:])
            with (worker.folder / WORKER_RESULT).open("rb") as f:
                frame, worker.peak_rss_bytes = pickle.load(f)  # the worker started above
            return cast(pd.DataFrame, frame)
        finally:
            shutil.rmtree(worker.folder, ignore_errors=True)

    def keep() -> pd.DataFrame:
        return cached_frames(store, _TYPES_CODE, 1, lambda: [answer()], kind=_TYPES_KIND)[0]

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scgraph-solution-types")
    worker.result = pool.submit(keep)
    pool.shutdown(wait=False)  # the thread ends with the worker
    data.promise(key, worker.result)


def screening(source: GraphStore | GraphData, *, solution_types: pd.DataFrame | None = None,
              patterns: list[Pattern] | None = None,
              data: GraphData | None = None) -> pd.DataFrame:
    """Potential side effects of each initiative, with what the data record about them.

    Parameters
    ----------
    source
        A store, or :class:`~scgraph.analytics.GraphData` loaded from one. GraphData
        holds no solution types: pass ``solution_types`` with it.
    solution_types
        Columns id, solution_type, confidence (``stated``/``inferred``); default: read
        from the store (:func:`scgraph.screening.solution_types`).
    patterns
        Screening rules; default: the store's patterns graph if ``scgraph screen``
        wrote one, else the packaged pattern files.
    data
        With a store: :func:`~scgraph.analytics.load_graph_data` of it, when the
        caller has loaded it already (saves loading it again; the result is then
        kept with ``data`` and computed once).

    Returns
    -------
    DataFrame with the columns :data:`SCREENING_COLUMNS`, one row per (initiative,
    pattern, effect kind), sorted by id, pattern and effect. ``fields`` and
    ``solution_types`` are ``;``-separated, ``source`` is `` | ``-separated;
    ``confidence`` is ``stated`` if a stated type triggers the pattern, else ``inferred``.

    Examples
    --------
    >>> from scgraph.analytics import load_graph_data
    >>> from scgraph.store import EmbeddedStore
    >>> store = EmbeddedStore()
    >>> data = load_graph_data(store)
    >>> types = pd.DataFrame(columns=["id", "solution_type", "confidence"])
    >>> list(screening(data, solution_types=types).columns) == SCREENING_COLUMNS
    True
    """
    if isinstance(source, GraphData):
        if solution_types is None:
            raise UsageError("screening needs solution types, which GraphData does not hold; "
                             "pass the store itself, or solution_types="
                             "scgraph.screening.solution_types(store)")
        data = source
    else:
        if data is not None and solution_types is None and patterns is None:
            # the same store and load give the same table: computed once per load
            store, loaded = source, data
            return data.memo(f"screening of {store.location}", lambda: screening(
                store, solution_types=_solution_types(store, loaded), data=loaded))
        data = data if data is not None else load_graph_data(source)
        if solution_types is None:
            solution_types = _solution_types(source, data)
        if patterns is None and PATTERNS_GRAPH in source.graphs():
            patterns = stored_patterns(source)
    if patterns is None:
        patterns = read_patterns()

    by_type: dict[str, list[Pattern]] = {}
    for p in patterns:
        for st in p.solution_types:
            by_type.setdefault(st, []).append(p)
    names = dict(zip(data.initiatives["id"], data.initiatives["name"], strict=True))
    status = _status(data.side_effects)
    # (initiative, pattern) -> {solution type: confidence}
    hits: dict[tuple[str, str], dict[str, str]] = {}
    pattern_by_id = {p.id: p for p in patterns}
    for ident, key, conf in zip(solution_types["id"], solution_types["solution_type"],
                                solution_types["confidence"], strict=True):
        if ident not in names:
            continue
        for p in by_type.get(str(key), []):
            types = hits.setdefault((str(ident), p.id), {})
            if types.get(str(key)) != "stated":
                types[str(key)] = str(conf)
    # a pattern's own cells: polarity, fields, mitigation, sources
    cells = {p.id: (p.polarity, ";".join(sorted(p.fields)), p.mitigation or "",
                    " | ".join(sorted(p.sources))) for p in patterns}
    rows = []
    for (ident, pid), types in hits.items():
        polarity, fields, mitigation, sources = cells[pid]
        confidence = "stated" if "stated" in types.values() else "inferred"
        type_keys = ";".join(sorted(types))
        for effect in pattern_by_id[pid].effects:
            rows.append((ident, names[ident], effect, polarity, fields, pid,
                         status.get((ident, effect, polarity), "open"), mitigation, sources,
                         type_keys, confidence))
    frame = pd.DataFrame(rows, columns=SCREENING_COLUMNS)
    return frame.sort_values(["id", "pattern", "effect"], kind="stable").reset_index(drop=True)
