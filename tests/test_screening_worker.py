"""Solution types computed in a worker process while other measures run (prefetch)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest

import scgraph.screening.worker as worker_module
from scgraph.analytics import load_graph_data
from scgraph.analytics.cache import CACHE_ENV
from scgraph.ingest import ingest
from scgraph.screening import solution_types
from scgraph.store import EmbeddedStore

screening_module = sys.modules["scgraph.analytics.screening"]
prefetch = screening_module.prefetch_solution_types
start = screening_module.start_solution_types


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _in_process(path: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """The screening of data/mpsc as it is made without a worker or the cache."""
    with monkeypatch.context() as m:
        m.setenv(CACHE_ENV, "")
        with EmbeddedStore(path, read_only=True) as st:
            return screening_module.screening(st)


def _refuse_classifying(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("the solution types were computed in this process")

    monkeypatch.setattr(screening_module, "stored_solution_types", refuse)


def test_the_worker_gives_the_screening_made_in_process(
        cache: Path, mpsc_store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _in_process(mpsc_store_path, monkeypatch)
    assert len(expected) > 100
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        data = load_graph_data(st)
        worker = prefetch(st, data, min_initiatives=1)
        assert worker is not None
        assert worker.result is not None
        assert prefetch(st, data, min_initiatives=1) is None  # one worker per load
        with monkeypatch.context() as m:
            _refuse_classifying(m)  # this process only takes the worker's result
            got = screening_module.screening(st, data=data)
    pd.testing.assert_frame_equal(got, expected)
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        pd.testing.assert_frame_equal(worker.result.result(),
                                      solution_types(st, initiatives=data.initiatives))
    assert worker.process.returncode == 0
    if sys.platform == "linux":  # VmHWM: the worker's own peak, imports and data
        assert worker.peak_rss_bytes is not None
        assert 10 << 20 < worker.peak_rss_bytes < 2 << 30
    # the worker's result was kept like one made here: a later process reads it
    assert len(list(cache.glob("*/solution-types.*.pickle"))) == 1
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        data = load_graph_data(st)
        assert prefetch(st, data, min_initiatives=1) is None  # the cache has them
        with monkeypatch.context() as m:
            _refuse_classifying(m)
            pd.testing.assert_frame_equal(screening_module.screening(st, data=data), expected)


def test_a_worker_started_before_loading_gives_the_same_screening(
        cache: Path, mpsc_store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _in_process(mpsc_store_path, monkeypatch)
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        early = start(st, min_initiatives=1)
        assert early is not None
        assert early.folder.is_dir()
        if hasattr(os, "getpriority"):  # it gives way to this process's loading
            # (19 is the lowest priority there is, where this process may run already)
            lower = min(os.getpriority(os.PRIO_PROCESS, 0) + worker_module.NICENESS, 19)
            deadline = time.monotonic() + 60
            while os.getpriority(os.PRIO_PROCESS, early.process.pid) != lower:
                assert time.monotonic() < deadline
                assert early.process.poll() is None
                time.sleep(0.01)
        data = load_graph_data(st)
        worker = prefetch(st, data, worker=early)  # no minimum: the worker is running
        assert worker is early
        assert worker.result is not None
        with monkeypatch.context() as m:
            _refuse_classifying(m)
            got = screening_module.screening(st, data=data)
        pd.testing.assert_frame_equal(got, expected)
        pd.testing.assert_frame_equal(worker.result.result(),
                                      solution_types(st, initiatives=data.initiatives))
    assert worker.process.returncode == 0
    assert not worker.folder.exists()  # its result read, its folder removed


def test_a_worker_not_needed_after_loading_is_stopped(
        cache: Path, mpsc_store_path: Path) -> None:
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        early = start(st, min_initiatives=1)
        assert early is not None
        data = load_graph_data(st)
        data.memo(screening_module._types_key(st), lambda: pd.DataFrame())  # known already
        assert prefetch(st, data, worker=early) is None
        assert early.process.returncode is not None  # ended, not left waiting
        assert not early.folder.exists()


def test_a_worker_left_without_its_caller_removes_its_folder(
        cache: Path, mpsc_store_path: Path) -> None:
    """A report killed while it loads closes the worker's input: the worker removes its
    folder and ends, instead of leaving it in TMPDIR."""
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        worker = start(st, min_initiatives=1)
        assert worker is not None
        assert worker.folder.is_dir()
        assert worker.process.stdin is not None
        worker.process.stdin.close()  # what the end of a killed caller does to the pipe
        assert worker.process.wait(timeout=60) == 0
    assert not worker.folder.exists()


#: A caller that starts a worker, waits for a line, hands the worker the initiatives and
#: ends without reading the result or removing the worker's folder (a killed report).
_CALLER = """
import os, sys, time
from scgraph.analytics import load_graph_data
from scgraph.analytics.screening import prefetch_solution_types, start_solution_types
from scgraph.store import EmbeddedStore

with EmbeddedStore(sys.argv[1], read_only=True) as st:
    worker = start_solution_types(st, min_initiatives=1)
    print(worker.process.pid, worker.folder, flush=True)
    sys.stdin.readline()
    prefetch_solution_types(st, load_graph_data(st), worker=worker)
    while not worker.process.stdin.closed:  # until the initiatives are in the pipe
        time.sleep(0.01)
    os._exit(0)
"""


def test_a_worker_whose_caller_ended_after_asking_removes_its_folder(
        cache: Path, mpsc_store_path: Path) -> None:
    """A report killed after it handed over the initiatives: the worker, stopped until
    then so that it cannot finish first, sees that no one is left to read its result,
    removes its folder and ends."""
    caller = subprocess.Popen([sys.executable, "-c", _CALLER, str(mpsc_store_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert caller.stdin is not None
    assert caller.stdout is not None
    pid, folder_name = caller.stdout.readline().split(maxsplit=1)
    folder = Path(folder_name.strip())
    os.kill(int(pid), signal.SIGSTOP)
    try:
        caller.stdin.write("go\n")
        caller.stdin.flush()
        assert caller.wait(timeout=120) == 0
        assert folder.is_dir()  # the caller left it
    finally:
        os.kill(int(pid), signal.SIGCONT)
    deadline = time.monotonic() + 60
    while folder.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not folder.exists()


def test_a_failed_worker_leaves_the_work_to_this_process(
        cache: Path, mpsc_store_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    expected = _in_process(mpsc_store_path, monkeypatch)
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        data = load_graph_data(st)
        with monkeypatch.context() as m:
            m.setattr(sys, "executable", "/bin/false")  # the worker exits with 1 at once
            worker = prefetch(st, data, min_initiatives=1)
        assert worker is not None
        assert worker.result is not None
        assert isinstance(worker.result.exception(timeout=60), Exception)
        with caplog.at_level(logging.WARNING, logger="scgraph"):
            got = screening_module.screening(st, data=data)
        pd.testing.assert_frame_equal(got, expected)
    # not silent: the warning says what failed and that the work was done here instead
    [record] = [r for r in caplog.records if r.name.startswith("scgraph")]
    assert record.levelno == logging.WARNING
    assert "solution types of" in record.getMessage()
    assert "computing it in this process" in record.getMessage()
    assert "worker stopped with 1" in record.getMessage()


def test_no_worker_where_it_cannot_help_or_cannot_read(
        cache: Path, mpsc_path: Path, mpsc_store_path: Path, tmp_path: Path) -> None:
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        data = load_graph_data(st)
        assert len(data.initiatives) < screening_module.PREFETCH_MIN_INITIATIVES
        assert prefetch(st, data) is None  # too small to be worth a process
        assert start(st) is None
        # the threshold counts the stored initiatives
        typed = len(st.select("SELECT DISTINCT ?i WHERE { ?i a "
                              "<https://w3id.org/scgraph/ontology#Initiative> }"))
        assert start(st, min_initiatives=typed + 1) is None
        worker = start(st, min_initiatives=typed)
        assert worker is not None
        worker.stop()
        assert worker.process.returncode is not None
        assert not worker.folder.exists()
    memory = EmbeddedStore()
    ingest([mpsc_path], memory)
    assert prefetch(memory, load_graph_data(memory), min_initiatives=1) is None  # no folder
    assert start(memory, min_initiatives=1) is None
    # a store open for writing holds the lock a read-only opening would wait for
    with EmbeddedStore(tmp_path / "writable") as st:
        ingest([mpsc_path], st)
        assert prefetch(st, load_graph_data(st), min_initiatives=1) is None
        assert start(st, min_initiatives=1) is None
    # no folder for the worker's result: the report computes the types itself
    with EmbeddedStore(mpsc_store_path, read_only=True) as st, pytest.MonkeyPatch.context() as m:
        m.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
        assert start(st, min_initiatives=1) is None
    # solution types in the cache: nothing to compute
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        screening_module.screening(st, data=load_graph_data(st))
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        assert start(st, min_initiatives=1) is None


def test_the_report_starts_the_worker_before_loading_a_large_store(
        cache: Path, mpsc_store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scgraph.reports import build_report

    report_module = sys.modules["scgraph.reports.dependency_report"]
    events: list[tuple[str, object]] = []

    def started(*args: object, **kw: object) -> object:
        worker = start(*args, **{**kw, "min_initiatives": 1})  # type: ignore[arg-type]
        events.append(("started", worker))
        return worker

    def loaded(*args: object, **kw: object) -> object:
        events.append(("loaded", None))
        return load_graph_data(*args, **kw)  # type: ignore[arg-type]

    def handed(*args: object, **kw: object) -> object:
        events.append(("handed", kw.get("worker")))
        return prefetch(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(report_module, "start_solution_types", started)
    monkeypatch.setattr(report_module, "load_graph_data", loaded)
    monkeypatch.setattr(report_module, "prefetch_solution_types", handed)
    with EmbeddedStore(mpsc_store_path, read_only=True) as st, monkeypatch.context() as m:
        _refuse_classifying(m)
        report = build_report(st)
    assert [e for e, _ in events] == ["started", "loaded", "handed"]
    assert events[0][1] is not None
    assert events[2][1] is events[0][1]
    pd.testing.assert_frame_equal(report.tables()["screening"],
                                  _in_process(mpsc_store_path, monkeypatch))


def test_the_report_stops_its_worker_if_loading_fails(
        cache: Path, mpsc_store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from scgraph.reports import build_report

    report_module = sys.modules["scgraph.reports.dependency_report"]
    workers = []

    def started(*args: object, **kw: object) -> object:
        worker = start(*args, **{**kw, "min_initiatives": 1})  # type: ignore[arg-type]
        workers.append(worker)
        return worker

    def failing(*_args: object, **_kw: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(report_module, "start_solution_types", started)
    monkeypatch.setattr(report_module, "load_graph_data", failing)
    with EmbeddedStore(mpsc_store_path, read_only=True) as st, \
            pytest.raises(OSError, match="disk gone"):
        build_report(st)
    [worker] = workers
    assert worker is not None
    assert worker.process.returncode is not None
    assert not worker.folder.exists()


def test_the_worker_finds_scgraph_where_this_process_found_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import site

    import scgraph

    monkeypatch.setenv("PYTHONPATH", "elsewhere")
    by_hand = tmp_path / "lib"
    monkeypatch.setattr(scgraph, "__file__", str(by_hand / "scgraph" / "__init__.py"))
    assert screening_module._worker_env()["PYTHONPATH"].split(":") == [str(by_hand),
                                                                        "elsewhere"]
    # an interpreter looks in site-packages anyway: nothing put before the standard library
    installed = Path(site.getsitepackages()[0])
    monkeypatch.setattr(scgraph, "__file__", str(installed / "scgraph" / "__init__.py"))
    assert screening_module._worker_env()["PYTHONPATH"] == "elsewhere"


@pytest.mark.parametrize("before_loading", [False, True])
def test_the_worker_reads_the_state_this_process_reads(
        cache: Path, mpsc_store_path: Path, small_path: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, before_loading: bool) -> None:
    """A writer waits for this process's read-only opening to close, and the worker's
    opening does not wait for the writer: it reads the same state (docs/reliability.md)."""
    import shutil
    import subprocess

    path = tmp_path / "store"
    shutil.copytree(mpsc_store_path, path)
    expected = _in_process(path, monkeypatch)
    with EmbeddedStore(path, read_only=True) as st:
        data = None if before_loading else load_graph_data(st)
        writer = subprocess.Popen(
            [sys.executable, "-c", "import sys; from scgraph.ingest import ingest; "
             "from scgraph.store import EmbeddedStore\n"
             "with EmbeddedStore(sys.argv[1]) as st: ingest([sys.argv[2]], st)",
             str(path), str(small_path)])
        deadline = time.monotonic() + 60
        # the writer holds the writers' lock, then waits for the readers' lock
        while (path / "scgraph.lock").read_text().strip() != str(writer.pid):
            assert time.monotonic() < deadline
            assert writer.poll() is None
            time.sleep(0.05)
        time.sleep(0.3)
        if data is None:  # started while the writer waits, then this process loads
            early = start(st, min_initiatives=1)
            data = load_graph_data(st)
            worker = prefetch(st, data, worker=early)
        else:
            worker = prefetch(st, data, min_initiatives=1)
        assert worker is not None
        assert worker.result is not None
        types = worker.result.result(timeout=60)
        assert writer.poll() is None  # still waiting for this process
        with monkeypatch.context() as m:
            _refuse_classifying(m)
            pd.testing.assert_frame_equal(screening_module.screening(st, data=data), expected)
    assert writer.wait(timeout=120) == 0  # it wrote once this process let go
    with EmbeddedStore(path, read_only=True) as st:
        after = load_graph_data(st, cache=False)
        assert len(after.initiatives) > len(data.initiatives)
        new = set(after.initiatives["id"]) - set(data.initiatives["id"])
        assert solution_types(st, initiatives=after.initiatives)["id"].isin(new).any()
        assert not types["id"].isin(new).any()  # the worker read the state before the write
