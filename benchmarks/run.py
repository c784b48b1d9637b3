"""Benchmark suite: scgraph against a plain-rdflib baseline and the Oxigraph floor.

For each size, in this order: generate a seeded dataset, then run every step in
its own subprocess (so that each has its own peak RSS, read with ``wait4``):

- ``ingest``: validated ingest (read, check, map, SHACL, write) into an on-disk
  embedded store, the analytics' tables it makes from 20,000 initiatives kept in
  ``ingest-cache/`` as ``scgraph ingest`` keeps them (inside the timing; the memory of
  the ingest with its worker is sampled in one more run, untimed). Baseline: rdflib
  parses the same triples as N-Triples into an in-memory graph and pySHACL validates
  them (reading and mapping are not even counted for it). Floor:
  ``pyoxigraph.Store.bulk_load`` of those N-Triples on disk.
- ``stats``: :func:`scgraph.stats.store_stats` on the store. Baseline: the same
  SPARQL counts with rdflib on an in-memory graph (parsing not counted).
- optional steps from modules ``benchmarks/bench_<area>.py`` (``bench_analytics``,
  ``bench_queries``, ``bench_views``, ``bench_reasoning``), each with
  ``run(n: int, workdir: Path) -> dict``: ``workdir`` holds ``data/`` (the dataset),
  ``store/`` (the ingested store) and ``all.nt`` (its triples). A module that is
  not importable is recorded as skipped with a note.

A baseline that runs longer than ``--baseline-timeout`` seconds is stopped and
recorded as "> T s". Results: ``summary.json``, ``summary.md`` and ``scaling.png``
in ``--out``. See benchmarks/README.md for what the numbers mean.

Usage::

    python -m benchmarks.run [--sizes 1000,10000,100000] [--out benchmarks/results]
        [--dependency-density D]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["OPTIONAL_STEPS", "STEP_KEYS", "main", "run_suite"]

#: Modules that other parts of scgraph contribute; each is skipped if absent.
OPTIONAL_STEPS = ("bench_analytics", "bench_queries", "bench_views", "bench_reasoning")
#: Keys of every entry of summary.json.
STEP_KEYS = ("step", "n", "seconds", "baseline_seconds", "floor_seconds", "ratio",
             "floor_ratio", "peak_rss_mb", "baseline_peak_rss_mb", "note")
HERE = Path(__file__).resolve().parent


# -- the steps, each run in a worker subprocess -----------------------------------------
#: Where the ingest step keeps the analytics' tables it makes (scgraph.ingest.tables), for
#: bench_analytics to measure the first analysis after an ingest.
INGEST_CACHE = "ingest-cache"


def _ingest(n: int, work: Path) -> dict[str, Any]:
    from scgraph.ingest import ingest
    from scgraph.store import EmbeddedStore

    shutil.rmtree(work / "store", ignore_errors=True)
    shutil.rmtree(work / INGEST_CACHE, ignore_errors=True)
    os.environ["SCGRAPH_CACHE_DIR"] = str(work / INGEST_CACHE)
    start = time.perf_counter()
    with EmbeddedStore(work / "store") as store:
        report = ingest([work / "data"], store)
    kept = report.keep_tables()  # as `scgraph ingest` does, once the store is closed
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "triples": sum(d.triples for d in report.datasets),
            "tables_kept": kept}


def _export(n: int, work: Path) -> dict[str, Any]:
    import pyoxigraph as ox

    from scgraph.store import EmbeddedStore

    with EmbeddedStore(work / "store", read_only=True) as store:
        quads = store._store.quads_for_pattern(None, None, None, None)
        ox.serialize((q.triple for q in quads), output=str(work / "all.nt"),
                     format=ox.RdfFormat.N_TRIPLES)
    return {"seconds": 0.0}


def _floor(work: Path, graph: str | None) -> dict[str, Any]:
    """Raw Oxigraph bulk load of ``all.nt`` on disk, into ``graph`` or the default graph."""
    import pyoxigraph as ox

    shutil.rmtree(work / "floor", ignore_errors=True)
    start = time.perf_counter()
    store = ox.Store(str(work / "floor"))
    store.bulk_load(path=str(work / "all.nt"), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(graph) if graph else None)
    store.flush()
    seconds = time.perf_counter() - start
    del store
    shutil.rmtree(work / "floor", ignore_errors=True)
    return {"seconds": seconds}


def _floor_ingest(n: int, work: Path) -> dict[str, Any]:
    return _floor(work, None)


def _floor_graph_ingest(n: int, work: Path) -> dict[str, Any]:
    """The floor as scgraph stores a dataset: into one named graph (six indexes, not three)."""
    return _floor(work, "https://example.org/dataset")


def _baseline_ingest(n: int, work: Path) -> dict[str, Any]:
    import rdflib
    from pyshacl import validate

    from scgraph.ontology import ontology_file, shapes_file

    start = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(work / "all.nt", format="nt")
    validate(graph, shacl_graph=rdflib.Graph().parse(shapes_file(), format="turtle"),
             ont_graph=rdflib.Graph().parse(ontology_file(), format="turtle"),
             inference="none", allow_warnings=True, advanced=True)
    return {"seconds": time.perf_counter() - start}


def _stats(n: int, work: Path) -> dict[str, Any]:
    from scgraph.stats import store_stats
    from scgraph.store import EmbeddedStore

    start = time.perf_counter()
    with EmbeddedStore(work / "store", read_only=True) as store:
        stats = store_stats(store)
    return {"seconds": time.perf_counter() - start, "triples": stats["triples"]}


def _baseline_stats(n: int, work: Path) -> dict[str, Any]:
    import rdflib

    from scgraph import stats

    # the triples in one named graph of a dataset whose default graph is their union, as
    # in scgraph's store (the counts leave out the graphs reason and screen made)
    dataset = rdflib.Dataset(default_union=True)
    graph = dataset.graph(rdflib.URIRef("https://w3id.org/scgraph/graph/bench"))
    graph.parse(work / "all.nt", format="nt")
    start = time.perf_counter()
    list(dataset.query(stats._COUNTS))
    triples = len(graph)
    return {"seconds": time.perf_counter() - start, "triples": triples}


_WORKERS: dict[str, Callable[[int, Path], dict[str, Any]]] = {
    "ingest": _ingest, "export": _export, "floor_ingest": _floor_ingest,
    "floor_graph_ingest": _floor_graph_ingest,
    "baseline_ingest": _baseline_ingest, "stats": _stats, "baseline_stats": _baseline_stats,
}


def _optional(name: str, n: int, work: Path) -> dict[str, Any]:
    module = importlib.import_module(f"benchmarks.{name}")
    result: dict[str, Any] = module.run(n, work)
    return result


def _worker(step: str, n: int, work: Path, out: Path) -> None:
    result = _WORKERS[step](n, work) if step in _WORKERS else _optional(step, n, work)
    out.write_text(json.dumps(result, default=str), encoding="utf-8")


# -- running workers --------------------------------------------------------------------
def _pss_kib(pid: int) -> int:
    """The proportional set size of a process and of its children (KiB); 0 if gone.

    Pages a forked child shares with its parent count once in the sum.
    """
    pids = [pid]
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
                    if int(stat[1]) == pid:
                        pids.append(int(entry.name))
    total = 0
    for p in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total


#: Seconds between two samples of a step's memory with its children (``sample_memory``).
_SAMPLE_SECONDS = 0.25


def _spawn(step: str, n: int, work: Path, timeout: float | None, *,
           sample_memory: bool = False) -> dict[str, Any]:
    """Run one step in a subprocess: its result, wall time and peak RSS (MiB).

    With ``sample_memory`` (Linux), also ``peak_pss_mb``: the highest sum of the
    proportional set sizes of the step's process and its children, sampled every
    quarter second (a worker forked by the step counts with what it does not share).
    """
    out = work / f"{step}.json"
    out.unlink(missing_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE.parent), *filter(None, [env.get("PYTHONPATH")])])
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.run", "--worker", step,
                             "--n", str(n), "--workdir", str(work), "--result", str(out)],
                            env=env)
    peak_pss, sampled = 0, 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if sample_memory and time.perf_counter() - sampled >= _SAMPLE_SECONDS:
            sampled = time.perf_counter()
            peak_pss = max(peak_pss, _pss_kib(proc.pid))
        if timeout is not None and time.perf_counter() - start > timeout:
            proc.send_signal(signal.SIGKILL)
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return {"timed_out": True, "seconds": timeout,
                    "peak_rss_mb": usage.ru_maxrss / 1024}
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"benchmark step {step} at n={n} failed "
                           f"(exit {proc.returncode}); see its output above")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["wall_seconds"] = time.perf_counter() - start
    if sample_memory:
        result["peak_pss_mb"] = peak_pss / 1024
    return result


def _entry(step: str, n: int, main: dict[str, Any], baseline: dict[str, Any] | None = None,
           floor: dict[str, Any] | None = None, note: str = "") -> dict[str, Any]:
    seconds = float(main["seconds"])
    base = float(baseline["seconds"]) if baseline else None
    flo = float(floor["seconds"]) if floor else None
    notes = [note] if note else []
    if baseline and baseline.get("timed_out"):
        notes.append(f"baseline stopped after {base:.0f} s: baseline_seconds and ratio "
                     "are lower bounds")
    return {
        "step": step, "n": n, "seconds": round(seconds, 4),
        "baseline_seconds": round(base, 4) if base is not None else None,
        "floor_seconds": round(flo, 4) if flo is not None else None,
        "ratio": round(base / seconds, 2) if base is not None and seconds > 0 else None,
        "floor_ratio": round(seconds / flo, 2) if flo else None,
        "peak_rss_mb": round(float(main["peak_rss_mb"]), 1),
        "baseline_peak_rss_mb": round(float(baseline["peak_rss_mb"]), 1) if baseline else None,
        "note": "; ".join(notes),
    }


def _optional_entries(name: str, n: int, work: Path) -> list[dict[str, Any]]:
    if importlib.util.find_spec(f"benchmarks.{name}") is None:
        return [_entry(name, n, {"seconds": 0.0, "peak_rss_mb": 0.0},
                       note=f"skipped: benchmarks/{name}.py is absent")
                | {"seconds": None, "peak_rss_mb": None}]
    result = _spawn(name, n, work, None)
    rss = result["peak_rss_mb"]
    # a module gives one step (a dict with "seconds") or several: {step: {"seconds": ...}}
    parts = {name: result} if "seconds" in result else \
        {k: v for k, v in result.items() if isinstance(v, dict)}
    entries = []
    for step, part in parts.items():
        if "seconds" not in part:
            continue
        # a step that measures its own process (e.g. scgraph apart from the baseline that
        # runs in the same module) gives peak_rss_mb; else the module's whole peak
        own = part.get("peak_rss_mb", rss)
        base = {"seconds": part["baseline_seconds"],
                "peak_rss_mb": part.get("baseline_peak_rss_mb", rss)} \
            if part.get("baseline_seconds") is not None else None
        flo = {"seconds": part["floor_seconds"]} if part.get("floor_seconds") else None
        entries.append(_entry(step, n, {"seconds": part["seconds"], "peak_rss_mb": own},
                              base, flo, note=str(part.get("note", ""))))
    return entries


def run_suite(sizes: list[int], out: Path, *, workdir: Path | None = None,
              baseline_timeout: float = 600.0, baseline_max_n: int | None = None,
              keep_other_sizes: bool = False, steps: Sequence[str] | None = None,
              dependency_density: float | None = None,
              log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run every step at every size; write summary.json, summary.md, scaling.png to ``out``.

    ``steps`` limits the run to some of ``"ingest"``, ``"stats"`` and OPTIONAL_STEPS
    (default: all); without ``"ingest"``, the store and N-Triples already in
    ``workdir`` are used. With ``keep_other_sizes``, earlier entries in ``out`` are kept
    unless this run measures the same step at the same size again.
    ``dependency_density``: links per initiative of the generated data (default: as in
    ``data/mpsc``; see :func:`benchmarks.generate.generate`).
    """
    from benchmarks.generate import generate

    chosen = list(steps) if steps is not None else ["ingest", "stats", *OPTIONAL_STEPS]
    unknown = sorted(set(chosen) - {"ingest", "stats", *OPTIONAL_STEPS})
    if unknown:
        raise ValueError(f"unknown steps {unknown}; choose from ingest, stats, "
                         + ", ".join(OPTIONAL_STEPS))
    root = workdir or Path(tempfile.mkdtemp(prefix="scgraph-bench-"))
    entries: list[dict[str, Any]] = []
    old: list[dict[str, Any]] = []
    if keep_other_sizes and (out / "summary.json").is_file():
        old = json.loads((out / "summary.json").read_text(encoding="utf-8"))

    def merged() -> list[dict[str, Any]]:
        now = {(e["step"], e["n"]) for e in entries}
        kept = [e for e in old if (e["step"], e["n"]) not in now]
        return sorted(kept + entries, key=lambda e: e["n"])

    for n in sizes:
        work = root / str(n)
        work.mkdir(parents=True, exist_ok=True)
        if "ingest" in chosen or not (work / "data").is_dir():
            log(f"n={n}: generating")
            generate(n, work / "data", dependency_density=dependency_density)
        elif not (work / "store").is_dir():
            raise ValueError(f"{work}: no store to measure; include the ingest step")
        with_baseline = baseline_max_n is None or n <= baseline_max_n
        if "ingest" in chosen:
            entries.append(_ingest_entry(n, work, baseline_timeout if with_baseline else None,
                                         log))
        if "stats" in chosen:
            log(f"n={n}: stats")
            stats = _spawn("stats", n, work, None)
            base_stats = _spawn("baseline_stats", n, work, baseline_timeout) \
                if with_baseline else None
            entries.append(_entry("stats", n, stats, base_stats))
        for name in OPTIONAL_STEPS:
            if name in chosen:
                log(f"n={n}: {name}")
                entries.extend(_optional_entries(name, n, work))
        _write(merged(), out)
    if workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    return merged()


#: Ingest steps run this many times, interleaved; each is reported as its median run (one
#: run of a second moves by a third on this machine's disk, one of half a minute by a
#: tenth). The baseline runs that often only up to ``BASELINE_REPEAT_MAX_N`` initiatives:
#: above, one of its runs takes minutes.
INGEST_REPEATS = 3
BASELINE_REPEAT_MAX_N = 10_000


def median_run(runs: list[dict[str, Any]], *, time_key: str = "seconds",
               peak_key: str = "peak_rss_mb") -> dict[str, Any]:
    """The run with the median time (of an even number, the lower middle), with the
    highest peak RSS of all runs."""
    ranked = sorted(runs, key=lambda r: float(r[time_key]))
    return ranked[(len(ranked) - 1) // 2] | {peak_key: max(r[peak_key] for r in runs)}


def _ingest_entry(n: int, work: Path, baseline_timeout: float | None,
                  log: Callable[[str], None]) -> dict[str, Any]:
    from scgraph.ingest.tables import PREPARE_MIN_INITIATIVES

    repeats = INGEST_REPEATS
    baseline_repeats = INGEST_REPEATS if n <= BASELINE_REPEAT_MAX_N else 1
    runs: dict[str, list[dict[str, Any]]] = {}
    for r in range(repeats):
        round_ = f" (run {r + 1} of {repeats})" if repeats > 1 else ""
        log(f"n={n}: ingest{round_}")
        runs.setdefault("ingest", []).append(_spawn("ingest", n, work, None))
        if r == 0:
            _spawn("export", n, work, None)
        log(f"n={n}: floor{round_}")
        runs.setdefault("floor", []).append(_spawn("floor_ingest", n, work, None))
        runs.setdefault("graph", []).append(_spawn("floor_graph_ingest", n, work, None))
        stopped = any(b.get("timed_out") for b in runs.get("baseline", []))
        if baseline_timeout is not None and not stopped and r < baseline_repeats:
            log(f"n={n}: baseline ingest (rdflib + pySHACL)"
                + (round_ if baseline_repeats > 1 else ""))
            runs.setdefault("baseline", []).append(
                _spawn("baseline_ingest", n, work, baseline_timeout))
    ingest, floor, floor_graph = (median_run(runs[k]) for k in ("ingest", "floor", "graph"))
    tables = f"no analytics' tables made (not below {PREPARE_MIN_INITIATIVES:,} initiatives)"
    if all(r["tables_kept"] for r in runs["ingest"]):
        # the memory of the ingest with its worker, in a run of its own: sampling the
        # processes' memory slows them
        log(f"n={n}: ingest, its memory with the tables' worker")
        pss = _spawn("ingest", n, work, None, sample_memory=True)["peak_pss_mb"]
        tables = ("the analytics' tables made from the records by a forked worker and kept "
                  f"(peak PSS of the ingest with its worker {pss:.0f} MiB, in a run of its own)")
    baselines = runs.get("baseline")
    baseline = None if not baselines else next(
        (b for b in baselines if b.get("timed_out")), None) or median_run(baselines)
    median = f"; median of {repeats} runs each" if repeats > 1 else ""
    if baselines and len(baselines) == 1 and repeats > 1:
        median += " (the baseline: one run)"
    return _entry(
        "ingest", n, ingest, baseline, floor,
        note=f"{ingest['triples']} triples{median}; floor into one named graph (as scgraph "
             f"stores a dataset) {floor_graph['seconds']:.3g} s, "
             f"{ingest['seconds'] / floor_graph['seconds']:.2f}× that; floor peak RSS "
             f"{floor['peak_rss_mb']:.0f} MiB; {tables}")


# -- results ----------------------------------------------------------------------------
def _fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return f"{value}{unit}"


def _write(entries: list[dict[str, Any]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    lines = ["| step | n | seconds | baseline s | floor s | × faster than baseline "
             "| × floor | peak RSS MiB | baseline RSS MiB | note |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for e in entries:
        stopped = "baseline stopped" in e["note"]
        base = ("> " if stopped else "") + _fmt(e["baseline_seconds"])
        ratio = ("≥ " if stopped else "") + _fmt(e["ratio"])
        lines.append(f"| {e['step']} | {e['n']:,} | {_fmt(e['seconds'])} | "
                     f"{base if e['baseline_seconds'] is not None else '–'} | "
                     f"{_fmt(e['floor_seconds'])} | "
                     f"{ratio if e['ratio'] is not None else '–'} | "
                     f"{_fmt(e['floor_ratio'])} | {_fmt(e['peak_rss_mb'])} | "
                     f"{_fmt(e['baseline_peak_rss_mb'])} | {e['note']} |")
    (out / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _plot(entries, out / "scaling.png")


def _plot(entries: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    steps = sorted({e["step"] for e in entries if e["seconds"]})
    for step in steps:
        rows = sorted((e for e in entries if e["step"] == step and e["seconds"]),
                      key=lambda e: e["n"])
        line, = ax.plot([e["n"] for e in rows], [e["seconds"] for e in rows], "o-",
                        label=f"{step} (scgraph)")
        base = [e for e in rows if e["baseline_seconds"]]
        if base:
            ax.plot([e["n"] for e in base], [e["baseline_seconds"] for e in base], "s--",
                    color=line.get_color(), alpha=0.6, label=f"{step} baseline (rdflib)")
            for e in base:
                if "baseline stopped" in e["note"]:
                    ax.annotate("stopped: > this", (e["n"], e["baseline_seconds"]),
                                textcoords="offset points", xytext=(-70, 6), fontsize=7,
                                color=line.get_color())
        flo = [e for e in rows if e["floor_seconds"]]
        if flo:
            ax.plot([e["n"] for e in flo], [e["floor_seconds"] for e in flo], "^:",
                    color=line.get_color(), alpha=0.6, label=f"{step} floor (bulk load)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("initiatives")
    ax.set_ylabel("seconds (wall)")
    ax.set_title("scgraph benchmark: time against size")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the suite, or (internally) one step as a worker."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated numbers of initiatives")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep datasets and stores here (default: a temporary folder)")
    parser.add_argument("--baseline-timeout", type=float, default=600.0,
                        help="stop a baseline step after this many seconds")
    parser.add_argument("--baseline-max-n", type=int, default=None,
                        help="run baselines only up to this size")
    parser.add_argument("--keep-other-sizes", action="store_true",
                        help="keep earlier results from --out that this run does not measure")
    parser.add_argument("--steps", default=None,
                        help="comma-separated steps to run (ingest, stats, "
                             + ", ".join(OPTIONAL_STEPS) + "); default all")
    parser.add_argument("--dependency-density", type=float, default=None,
                        help="links other than part_of per initiative in the generated data "
                             "(default: as in data/mpsc, about 0.1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.n, args.workdir, args.result)
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    run_suite(sizes, args.out, workdir=args.workdir, baseline_timeout=args.baseline_timeout,
              baseline_max_n=args.baseline_max_n, keep_other_sizes=args.keep_other_sizes,
              steps=[x.strip() for x in args.steps.split(",") if x.strip()]
              if args.steps else None, dependency_density=args.dependency_density)
    print((args.out / "summary.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
