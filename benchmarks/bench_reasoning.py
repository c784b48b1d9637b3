"""Time `scgraph reason --check` and `--materialize`, each against a baseline run beside it.

- consistency: HermiT in per-municipality batches of at most 500 initiatives
  against one HermiT run over everything (``batch_size`` larger than the data);
- materialization: the SPARQL rules against the OWL 2 RL closure of ``owlrl``
  (skipped above ``OWLRL_MAX`` initiatives: it takes minutes there).

``n=0`` means the real data in ``data/mpsc``; any other ``n`` a synthetic dataset of
``n`` initiatives from :mod:`benchmarks.generate`.

Usage::

    python -m benchmarks.bench_reasoning [--n 0 1000] [--out benchmarks/results/reasoning.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scgraph.ingest import ingest
from scgraph.reasoning import check_consistency, materialize
from scgraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "reasoning.json"
OWLRL_MAX = 300
#: In ``make bench``: HermiT checks consistency only up to this size (it takes hours at 100k).
HERMIT_MAX = 1000


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def measure(n: int, workdir: Path) -> dict[str, Any]:
    """Ingest data/mpsc (``n == 0``) or ``n`` synthetic initiatives, then time reasoning."""
    if n == 0:
        source, name = ROOT / "data" / "mpsc", "data/mpsc"
    else:
        from benchmarks.generate import generate

        source, name = generate(n, workdir / f"syn{n}"), f"synthetic n={n}"
    with EmbeddedStore() as st:
        ingest_s, _ = _timed(lambda: ingest([source], st))
        batched_s, batched = _timed(lambda: check_consistency(st, batch_size=500))
        single_s, single = _timed(lambda: check_consistency(st, batch_size=10**9))
        sparql_s, sparql = _timed(lambda: materialize(st))
        out: dict[str, Any] = {
            "dataset": name,
            "initiatives": batched.initiatives,
            "ingest_s": round(ingest_s, 2),
            "check": {
                "batched_s": round(batched_s, 2),
                "batches": batched.batches,
                "single_run_s": round(single_s, 2),
                "ratio_batched_to_single": round(batched_s / single_s, 2),
                "consistent": batched.consistent and single.consistent,
            },
            "materialize": {
                "sparql_s": round(sparql_s, 2),
                "sparql_triples": sparql.triples,
                "defined_classes": {k.rsplit("#", 1)[-1]: v for k, v in sparql.defined.items()},
            },
        }
        if batched.initiatives <= OWLRL_MAX:
            owlrl_s, owlrl = _timed(lambda: materialize(st, method="owlrl"))
            out["materialize"].update({
                "owlrl_s": round(owlrl_s, 2),
                "owlrl_triples": owlrl.triples,
                "ratio_owlrl_to_sparql": round(owlrl_s / sparql_s, 1),
            })
        else:
            out["materialize"]["owlrl_s"] = f"skipped above {OWLRL_MAX} initiatives"
    return out


def run(n: int, workdir: Path) -> dict[str, Any]:
    """Step for ``make bench``: reasoning over a copy of the suite's store on disk.

    ``reason_materialize``: the SPARQL rules, as ``scgraph reason --materialize`` runs
    them (no baseline here; owlrl takes minutes at a few hundred initiatives, see
    reasoning.json). ``reason_check``: HermiT in batches against one HermiT run over
    everything, up to HERMIT_MAX initiatives. The copy keeps the inferred graph out of
    the store the other steps measure.
    """
    copy = workdir / "reasoning-store"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(workdir / "store", copy)
    out: dict[str, Any] = {}
    try:
        with EmbeddedStore(copy) as st:
            sparql_s, sparql = _timed(lambda: materialize(st))
            out["reason_materialize"] = {
                "seconds": sparql_s,
                "note": f"{sparql.triples} triples inferred by the SPARQL rules, into a copy "
                        "of the store on disk" + ("" if n <= HERMIT_MAX else
                                                  "; HermiT consistency check not run above "
                                                  f"{HERMIT_MAX} initiatives (hours at this "
                                                  "size)")}
            if n <= HERMIT_MAX:
                batched_s, batched = _timed(lambda: check_consistency(st, batch_size=500))
                single_s, single = _timed(lambda: check_consistency(st, batch_size=10**9))
                out["reason_check"] = {
                    "seconds": batched_s, "baseline_seconds": single_s,
                    "note": f"HermiT in {batched.batches} batches of at most 500 initiatives; "
                            "baseline: one HermiT run over everything; consistent: "
                            f"{batched.consistent and single.consistent}"}
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[0, 1000],
                        help="0 for data/mpsc, else synthetic initiatives (default: 0 1000)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scgraph-bench-reasoning"))
    args = parser.parse_args(argv)
    results = {"machine": f"{platform.machine()}, {platform.python_implementation()} "
                          f"{platform.python_version()}",
               "runs": []}
    for n in args.n:
        r = measure(n, args.workdir)
        print(json.dumps(r, ensure_ascii=False))
        results["runs"].append(r)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
