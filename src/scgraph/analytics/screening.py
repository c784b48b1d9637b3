"""Side-effect screening: potential side effects of each initiative, from guidance patterns.

For every initiative, each pattern that applies to one of its solution types
(stated in the records or inferred by the keyword rules) gives one row per
effect kind of the pattern. The row's status says what the data already hold:

- ``mitigated``: a side effect of that kind is recorded for the initiative, with
  a mitigation;
- ``recorded``: a side effect of that kind is recorded, without a mitigation;
- ``open``: none is recorded — a question for a person, not a finding.
"""

from __future__ import annotations

import inspect
import os
import pickle
import site
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pandas as pd

import scgraph
from scgraph.analytics import projection
from scgraph.analytics.cache import cached_frames, code_key, kept_frames
from scgraph.analytics.projection import GraphData, load_graph_data
from scgraph.errors import ScgraphError, UsageError
from scgraph.screening import classifier
from scgraph.screening.patterns import (
    PATTERNS_GRAPH,
    Pattern,
    read_patterns,
    stored_patterns,
)
from scgraph.screening.screen import solution_types as stored_solution_types
from scgraph.store import base as store_base
from scgraph.store.base import GraphStore
from scgraph.store.embedded import EmbeddedStore

__all__ = ["DATA_PROTECTION_EFFECTS", "PREFETCH_MIN_INITIATIVES", "SCREENING_COLUMNS", "STATUSES",
           "TypesWorker", "prefetch_solution_types", "screening"]

#: Columns of :func:`screening`, in order.
SCREENING_COLUMNS = [
    "id", "name", "effect", "polarity", "fields", "pattern", "status",
    "suggested_mitigation", "source", "solution_types", "confidence",
]
#: Status values, from most to least settled.
STATUSES = ("mitigated", "recorded", "open")
#: Side-effect kinds that count as data-protection risks, the risk the Smart City
#: Charta puts first: data protection itself, surveillance, data breaches and
#: purpose creep (personal data re-used for other purposes).
DATA_PROTECTION_EFFECTS = frozenset({"data_breach", "data_protection", "purpose_creep",
                                     "surveillance"})


def _status(recorded: pd.DataFrame) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for ini, effect, mitigation in zip(recorded["initiative_id"], recorded["effect"],
                                       recorded["mitigation"], strict=True):
        key = (str(ini), str(effect))
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
#: From this many initiatives on, :func:`prefetch_solution_types` starts a worker: starting
#: one takes about a second; reading the descriptions and running the keyword rules take
#: about 4 s at 100,000 initiatives (at 20,000, the report 1.6-1.75 s with it, 2.2-2.3 s
#: without; below, the start costs about what the worker saves).
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
    """A worker process computing solution types (:func:`prefetch_solution_types`)."""

    process: subprocess.Popen[bytes]
    #: The solution types, once the worker is done (and kept in the cache).
    result: Future[pd.DataFrame] | None = None
    #: The worker's peak RSS, once it is done (None where the system does not tell).
    peak_rss_bytes: int | None = None


def prefetch_solution_types(store: GraphStore, data: GraphData, *,
                            min_initiatives: int = PREFETCH_MIN_INITIATIVES,
                            ) -> TypesWorker | None:
    """Start computing the solution types of ``store`` in a worker process.

    The keyword rules then read the descriptions on another core while the caller
    computes other measures; :func:`screening` of ``store`` with the same ``data``
    takes the result (and keeps it in the cache), or computes it itself if the
    worker failed. Only for a read-only on-disk
    :class:`~scgraph.store.EmbeddedStore` with at least ``min_initiatives``
    initiatives whose solution types are neither in the cache nor computed for
    ``data`` yet; otherwise nothing is started and None returned.
    :func:`scgraph.reports.build_report` calls it first.

    The worker opens the store read-only while ``store`` holds it open: a writer waits
    for both to close, so the worker reads the state ``data`` was loaded from.
    """
    key = _types_key(store)
    if (not isinstance(store, EmbeddedStore) or not store.read_only or store.path is None
            or len(data.initiatives) < min_initiatives or data.knows(key)):
        return None
    kept = kept_frames(store, _TYPES_CODE, 1, kind=_TYPES_KIND)
    if kept is not None:
        data.memo(key, lambda: kept[0])
        return None
    try:
        process = subprocess.Popen([sys.executable, "-m", "scgraph.screening.worker"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=_worker_env())
    except OSError:
        return None
    worker = TypesWorker(process)
    request = pickle.dumps((str(store.path), data.initiatives[["id", "name"]]),
                           protocol=pickle.HIGHEST_PROTOCOL)

    def answer() -> pd.DataFrame:
        out, err = process.communicate(request)
        if process.returncode != 0:
            raise ScgraphError(f"the solution-types worker stopped with {process.returncode}: "
                               + err.decode(errors="replace")[-500:])
        frame, worker.peak_rss_bytes = pickle.loads(out)  # from the worker started above
        return cast(pd.DataFrame, frame)

    def keep() -> pd.DataFrame:
        return cached_frames(store, _TYPES_CODE, 1, lambda: [answer()], kind=_TYPES_KIND)[0]

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scgraph-solution-types")
    worker.result = pool.submit(keep)
    pool.shutdown(wait=False)  # the thread ends with the worker
    data.promise(key, worker.result)
    return worker


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
                         status.get((ident, effect), "open"), mitigation, sources, type_keys,
                         confidence))
    frame = pd.DataFrame(rows, columns=SCREENING_COLUMNS)
    return frame.sort_values(["id", "pattern", "effect"], kind="stable").reset_index(drop=True)
