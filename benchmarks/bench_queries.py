"""Named queries: the embedded store against rdflib's in-memory graph, side by side.

For ``n`` synthetic initiatives (``benchmarks.generate``), the data is ingested into an
in-memory :class:`~scgraph.store.EmbeddedStore`, exported as N-Quads and loaded into an
``rdflib.Dataset`` whose default graph is the union of its graphs (as in the store).
Every named query runs with its header's example parameters on both, bound the same
way (pyoxigraph substitutions; rdflib ``initBindings``); the result is the median time
of the embedded store (over ``repeat`` runs), one rdflib run, the ratio rdflib /
embedded, and the row counts of both. Each rdflib query runs in a forked child; one
that has not finished within ``rdflib_budget`` seconds is stopped and reported as
taking that long (so its ratio is a lower bound). The synthetic records are ingested
without the SHACL check, which is not what is measured. Separately: the p50 latency
of every named query on data/mpsc in an on-disk store opened read-only (as
``scgraph query`` does).

Usage::

    python -m benchmarks.bench_queries --n 100000 [--workdir DIR] [--out FILE]

writes ``benchmarks/results/queries.json`` by default.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pyoxigraph as ox

from benchmarks.generate import generate
from scgraph.ingest import ingest
from scgraph.queries import NamedQuery, list_queries, run_query
from scgraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "queries.json"


def _examples(q: NamedQuery) -> dict[str, str]:
    return {p.name: p.example for p in q.parameters}


def _rdflib_term(term: ox.NamedNode | ox.Literal) -> Any:
    import rdflib

    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def _rdflib_query(ds: Any, q: NamedQuery, conn: Any) -> None:
    """In a forked child: run one query on the parent's rdflib dataset, send the time."""
    import rdflib

    bindings = {rdflib.Variable(k): _rdflib_term(v)  # type: ignore[arg-type]
                for k, v in q.bindings(_examples(q)).items()}
    t0 = time.perf_counter()
    rows = len(list(ds.query(q.text, initBindings=bindings)))
    conn.send((time.perf_counter() - t0, rows))


def _rdflib_times(nquads: Path, queries: list[NamedQuery], budget: float
                  ) -> tuple[dict[str, Any], dict[str, tuple[float, int | None]]]:
    """Load into rdflib once; run each query in a forked child stopped after ``budget`` s."""
    import rdflib

    t0 = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(str(nquads), format="nquads")
    load = {"rdflib_load_s": round(time.perf_counter() - t0, 2), "rdflib_quads": len(ds)}
    ctx = mp.get_context("fork")
    out: dict[str, tuple[float, int | None]] = {}
    for q in queries:
        print(f"rdflib: {q.name}", file=sys.stderr, flush=True)
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_rdflib_query, args=(ds, q, child))
        proc.start()
        if parent.poll(budget):
            secs, rows = parent.recv()
            out[q.name] = (secs, rows)
        else:
            out[q.name] = (budget, None)
            proc.terminate()
        proc.join()
    return load, out


def _median_time(fn: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def mpsc_latency(workdir: Path, repeat: int = 21) -> dict[str, float]:
    """p50 latency (ms) of each named query on data/mpsc, on-disk store opened read-only."""
    path = workdir / "mpsc-store"
    if not (path / "CURRENT").is_file():
        with EmbeddedStore(path) as st:
            ingest([ROOT / "data" / "mpsc"], st)
    out: dict[str, float] = {}
    with EmbeddedStore(path, read_only=True) as st:
        for q in list_queries():
            run_query(st, q, _examples(q))  # warm
            p50, _ = _median_time(lambda q=q: run_query(st, q, _examples(q)), repeat)
            out[q.name] = round(p50 * 1000, 2)
    return out


def run(n: int, workdir: Path, *, repeat: int = 3, rdflib_budget: float = 120.0) -> dict:
    """Run the comparison at ``n`` initiatives in ``workdir``; return the numbers."""
    workdir.mkdir(parents=True, exist_ok=True)
    data = generate(n, workdir / f"syn{n}")
    queries = list_queries()
    t0 = time.perf_counter()
    store = EmbeddedStore()
    # The generator writes valid records; SHACL at this scale would dominate the run and
    # is not what is measured here, so the shapes check is left out.
    with mock.patch("scgraph.ingest.pipeline.shacl_check", return_value=([], [])):
        ingest([data], store)
    ingest_s = time.perf_counter() - t0
    nquads = workdir / f"syn{n}.nq"
    nquads.write_bytes(store.export("nq"))
    n_triples = len(store)

    embedded: dict[str, tuple[float, int]] = {}
    for q in queries:
        print(f"embedded: {q.name}", file=sys.stderr, flush=True)
        run_query(store, q, _examples(q))
        secs, table = _median_time(lambda q=q, st=store: run_query(st, q, _examples(q)),
                                   repeat)
        embedded[q.name] = (secs, len(table))

    store.close()  # free its memory before rdflib loads
    del store
    load, rdflib_times = _rdflib_times(nquads, queries, rdflib_budget)

    per_query: dict[str, Any] = {}
    for q in queries:
        e_secs, e_rows = embedded[q.name]
        entry: dict[str, Any] = {"embedded_s": round(e_secs, 4), "embedded_rows": e_rows}
        r_secs, r_rows = rdflib_times[q.name]
        entry["rdflib_s"] = round(r_secs, 4)
        entry["rdflib_rows"] = r_rows
        entry["rdflib_finished"] = r_rows is not None
        # A query rdflib did not finish gives a lower bound of the ratio.
        entry["ratio_rdflib_over_embedded"] = round(r_secs / max(e_secs, 1e-6), 1)
        per_query[q.name] = entry
    ratios = [v["ratio_rdflib_over_embedded"] for v in per_query.values()
              if "ratio_rdflib_over_embedded" in v]
    return {
        "n": n,
        "triples": n_triples,
        "ingest_embedded_s": round(ingest_s, 2),
        **load,
        "repeat": repeat,
        "rdflib_budget_s": rdflib_budget,
        "median_ratio": round(statistics.median(ratios), 1) if ratios else None,
        "queries": per_query,
        "mpsc_p50_ms": mpsc_latency(workdir),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic initiatives")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder")
    parser.add_argument("--out", type=Path, default=RESULTS, help="result JSON file")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per query on the embedded store (the median is kept)")
    parser.add_argument("--rdflib-budget", type=float, default=120.0,
                        help="seconds rdflib may take per query before it is stopped")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.n, args.workdir or Path(tmp), repeat=args.repeat,
                     rdflib_budget=args.rdflib_budget)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
