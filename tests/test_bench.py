"""A small run of the benchmark suite (1k initiatives) gives a complete, sane summary.

No timing thresholds here: targets are shown by `make bench`, not asserted in tests.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import benchmarks.run as bench_run  # noqa: E402
from benchmarks.run import (  # noqa: E402
    OPTIONAL_STEPS,
    STEP_KEYS,
    _pss_kib,
    median_run,
    run_suite,
)

from scgraph.namespaces import INFERRED_GRAPH  # noqa: E402
from scgraph.store import EmbeddedStore  # noqa: E402


def test_the_median_run_carries_the_highest_peak() -> None:
    runs = [{"seconds": 3.0, "peak_rss_mb": 10.0, "k": "a"},
            {"seconds": 1.0, "peak_rss_mb": 30.0, "k": "b"},
            {"seconds": 2.0, "peak_rss_mb": 20.0, "k": "c"}]
    assert median_run(runs) == {"seconds": 2.0, "peak_rss_mb": 30.0, "k": "c"}
    assert median_run(runs[:1]) == runs[0]


def test_a_large_ingest_runs_three_times_and_its_baseline_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above BASELINE_REPEAT_MAX_N the steps of the ingest run three times and report
    their median; the baseline (minutes a run) runs once, and the note says so."""
    spawned: list[str] = []
    times = iter([30.0, 9.0, 13.0, 300.0, 26.0, 8.5, 12.0, 28.0, 9.5, 14.0])

    def spawn(step: str, n: int, work: Path, timeout: float | None, *,
              sample_memory: bool = False) -> dict[str, object]:
        spawned.append(step)
        if step == "export":
            return {}
        return {"seconds": next(times), "peak_rss_mb": 100.0, "triples": 2_000_000,
                "tables_kept": False}

    monkeypatch.setattr(bench_run, "_spawn", spawn)
    monkeypatch.setattr(bench_run, "BASELINE_REPEAT_MAX_N", 1_000)
    entry = bench_run._ingest_entry(2_000, tmp_path, 600.0, lambda _msg: None)
    assert spawned.count("ingest") == spawned.count("floor_ingest") == 3
    assert spawned.count("baseline_ingest") == 1
    assert (entry["seconds"], entry["floor_seconds"], entry["baseline_seconds"]) == \
        (28.0, 9.0, 300.0)
    assert "median of 3 runs each (the baseline: one run);" in entry["note"]
    assert "floor into one named graph (as scgraph stores a dataset) 13 s" in entry["note"]


def test_the_memory_of_a_step_counts_its_children() -> None:
    own = _pss_kib(os.getpid())
    assert own > 0
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                              "block = b'x' * (64 * 2**20)\n"  # written: 64 MiB resident
                              "print(flush=True); time.sleep(60)"], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None
        child.stdout.readline()
        time.sleep(0.1)
        assert _pss_kib(os.getpid()) - own >= 60 * 1024
        assert _pss_kib(child.pid) >= 60 * 1024
    finally:
        child.kill()
        child.wait()
    assert _pss_kib(child.pid) == 0  # gone


def test_the_analytics_median_run_carries_the_highest_peak() -> None:
    def _median(runs: list[dict[str, object]]) -> dict[str, object]:
        return median_run(runs, time_key="total_s", peak_key="peak_rss_bytes")

    runs: list[dict[str, object]] = [{"total_s": 3.0, "peak_rss_bytes": 10, "k": "a"},
                                     {"total_s": 1.0, "peak_rss_bytes": 30, "k": "b"},
                                     {"total_s": 2.0, "peak_rss_bytes": 20, "k": "c"}]
    assert _median(runs) == {"total_s": 2.0, "peak_rss_bytes": 30, "k": "c"}
    assert _median(runs[:2]) == {"total_s": 1.0, "peak_rss_bytes": 30, "k": "b"}
    assert _median(runs[:1]) == runs[0]


def test_smoke_run_at_1k_writes_every_documented_key(tmp_path: Path) -> None:
    out = tmp_path / "results"
    entries = run_suite([1000], out, workdir=tmp_path / "work", baseline_timeout=300,
                        log=lambda _msg: None)
    saved = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert saved == entries
    assert all(tuple(e) == STEP_KEYS for e in saved)
    by_step = {e["step"]: e for e in saved}
    assert {"ingest", "stats"} <= set(by_step)

    ingest = by_step["ingest"]
    assert ingest["n"] == 1000
    assert ingest["seconds"] > 0
    assert ingest["floor_seconds"] > 0
    assert ingest["baseline_seconds"] > 0
    assert ingest["ratio"] == round(ingest["baseline_seconds"] / ingest["seconds"], 2) or \
        abs(ingest["ratio"] - ingest["baseline_seconds"] / ingest["seconds"]) < 0.02
    assert abs(ingest["floor_ratio"] - ingest["seconds"] / ingest["floor_seconds"]) < 0.02
    # each step ran in its own process: a Python process with pyoxigraph takes > 20 MiB
    assert 20 < ingest["peak_rss_mb"] < 4096
    triples = int(ingest["note"].split()[0])
    assert "; median of 3 runs each;" in ingest["note"]
    assert 20_000 < triples < 60_000

    stats = by_step["stats"]
    assert stats["seconds"] > 0
    assert stats["baseline_seconds"] > 0
    assert stats["floor_seconds"] is None

    for name in OPTIONAL_STEPS:
        # a module that is absent is recorded as skipped, not silently left out
        present = importlib.util.find_spec(f"benchmarks.{name}") is not None
        skipped = [e for e in saved if e["step"] == name and e["seconds"] is None]
        assert [e["note"] for e in skipped] == \
            ([] if present else [f"skipped: benchmarks/{name}.py is absent"])

    # bench_analytics contributes the analytics and the report as two steps
    assert by_step["analyze"]["seconds"] > 0
    assert by_step["analyze"]["note"].startswith("median of 3 runs, ")
    [analytics_file] = (tmp_path / "work").rglob("bench_analytics.json")
    analytics = json.loads(analytics_file.read_text(encoding="utf-8"))
    cold = analytics["rounds"]["cold_total_s"]
    assert len(cold) == len(analytics["rounds"]["warm_total_s"]) == 3
    assert analytics["scgraph"]["total_s"] == sorted(cold)[1]
    assert abs(by_step["analyze"]["seconds"] - analytics["scgraph"]["analytics_s"]) < 1e-3
    assert by_step["report"]["seconds"] > 0
    assert by_step["analyze_subset"]["baseline_seconds"] > 0
    # memory of scgraph's own process, not of the module with its baseline process
    assert 20 < by_step["analyze"]["peak_rss_mb"] == by_step["report"]["peak_rss_mb"]
    assert by_step["analyze_subset"]["baseline_peak_rss_mb"] > 20
    # steps are what the modules measure, not their bookkeeping (n, peak_rss_mb, …)
    assert {e["step"] for e in saved} == {
        "ingest", "stats", "analyze", "report", "analyze_subset", "view", "view_page",
        "reason_materialize", "reason_check", "bench_queries"}
    # reasoning ran on a copy of the store, which it removed: the store has no inferences
    assert "into a copy of the store on disk" in by_step["reason_materialize"]["note"]
    assert not list((tmp_path / "work").rglob("reasoning-store"))
    [store] = (tmp_path / "work").rglob("store")
    with EmbeddedStore(store, read_only=True) as st:
        assert INFERRED_GRAPH not in st.graphs()

    table = (out / "summary.md").read_text(encoding="utf-8").splitlines()
    assert len(table) == 2 + len(saved)
    assert table[2].startswith("| ingest | 1,000 |")
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # a later run of one step on the kept workdir replaces only that step's entry
    again = run_suite([1000], out, workdir=tmp_path / "work", steps=["stats"],
                      keep_other_sizes=True, log=lambda _msg: None)
    assert [e for e in again if e["step"] != "stats"] == \
        [e for e in saved if e["step"] != "stats"]
    assert [e["step"] for e in again].count("stats") == 1
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == again
