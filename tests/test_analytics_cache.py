"""Loaded graph data kept between runs (scgraph.analytics.cache): used only while valid."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import scgraph.analytics.projection as projection
from scgraph.analytics import GraphData, load_graph_data, screening
from scgraph.analytics.cache import CACHE_ENV, cache_dir, code_key
from scgraph.ingest import ingest
from scgraph.store import EmbeddedStore
from scgraph.store.embedded import store_files

screening_module = sys.modules["scgraph.analytics.screening"]


def _frames(data: GraphData) -> list[pd.DataFrame]:
    return [data.initiatives, data.relations, data.actors, data.side_effects]


def _assert_same(a: GraphData, b: GraphData) -> None:
    for x, y in zip(_frames(a), _frames(b), strict=True):
        pd.testing.assert_frame_equal(x, y)


def _cached_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/*.pickle"))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def store_path(tmp_path: Path, small_path: Path) -> Path:
    path = tmp_path / "store"
    with EmbeddedStore(path) as st:
        ingest([small_path], st)
    return path


def _load(path: Path, **kw: bool) -> GraphData:
    with EmbeddedStore(path, read_only=True) as st:
        return load_graph_data(st, **kw)


def _no_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> None:
        raise AssertionError("the store was queried")

    monkeypatch.setattr(projection, "select_frame", refuse)


def test_a_second_load_reads_the_cache(cache: Path, store_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = _load(store_path)
    assert len(_cached_files(cache)) == 1
    _no_queries(monkeypatch)
    _assert_same(_load(store_path), first)
    # the cached tables are the ones the store gives
    monkeypatch.undo()
    _assert_same(_load(store_path, cache=False), first)


def test_a_write_makes_the_cached_data_stale(cache: Path, store_path: Path,
                                             mpsc_path: Path) -> None:
    before = _load(store_path)
    with EmbeddedStore(store_path) as st:
        ingest([mpsc_path], st)  # a second dataset
    after = _load(store_path)
    assert len(after.initiatives) > len(before.initiatives)
    _assert_same(after, _load(store_path, cache=False))
    assert len(_cached_files(cache)) == 1  # the older state is dropped


def test_loads_from_a_store_open_for_writing_are_fresh(
        cache: Path, tmp_path: Path, small_path: Path, mpsc_path: Path) -> None:
    # the writer's own background compaction changes (and removes) files while they
    # are read, even on a query: such a load must neither fail nor keep stale tables
    with EmbeddedStore(tmp_path / "open") as st:
        ingest([small_path], st)
        before = load_graph_data(st)
        ingest([mpsc_path], st)
        after = load_graph_data(st)
        assert len(after.initiatives) > len(before.initiatives)
        _assert_same(after, load_graph_data(st, cache=False))
        _assert_same(load_graph_data(st), after)


def test_a_file_removed_while_the_folder_is_read_is_left_out(
        store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = store_files(store_path)

    class Gone:
        name = "000999.sst"

        def is_file(self) -> bool:
            raise FileNotFoundError(self.name)

        def stat(self) -> os.stat_result:
            raise FileNotFoundError(self.name)

    scandir = os.scandir

    class Entries:
        def __init__(self, path: Path) -> None:
            self.inner = scandir(path)

        def __enter__(self) -> Iterator[object]:
            return iter([*self.inner.__enter__(), Gone()])

        def __exit__(self, *exc: object) -> None:
            self.inner.__exit__(*exc)

    monkeypatch.setattr(os, "scandir", Entries)
    assert store_files(store_path) == real


def test_a_write_by_another_process_makes_it_stale(cache: Path, store_path: Path,
                                                   mpsc_path: Path) -> None:
    before = _load(store_path)
    subprocess.run([sys.executable, "-m", "scgraph", "ingest", "--store", str(store_path),
                    str(mpsc_path)], check=True, capture_output=True)
    after = _load(store_path)
    assert len(after.initiatives) > len(before.initiatives)
    _assert_same(after, _load(store_path, cache=False))


def test_dropping_a_dataset_makes_it_stale(cache: Path, store_path: Path,
                                           mpsc_path: Path) -> None:
    with EmbeddedStore(store_path) as st:
        ingest([mpsc_path], st)
    both = _load(store_path)
    with EmbeddedStore(store_path) as st:
        st.drop_graphs([g for g in st.graphs() if g.endswith("/mpsc")])
    after = _load(store_path)
    assert len(after.initiatives) < len(both.initiatives)
    _assert_same(after, _load(store_path, cache=False))


def test_a_damaged_cache_file_is_not_used(cache: Path, store_path: Path) -> None:
    first = _load(store_path)
    (cached,) = _cached_files(cache)
    cached.write_bytes(b"not a pickle")
    _assert_same(_load(store_path), first)
    cached.write_bytes(pickle.dumps(["a list", "of no frames"]))
    _assert_same(_load(store_path), first)


def test_a_folder_others_may_write_to_is_not_used(cache: Path, store_path: Path) -> None:
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    first = _load(store_path)
    assert _cached_files(cache) == []
    _assert_same(first, _load(store_path, cache=False))


def test_an_unwritable_folder_still_loads(tmp_path: Path, store_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # cannot be made
    _assert_same(_load(store_path), _load(store_path, cache=False))


def test_an_empty_setting_turns_the_cache_off(tmp_path: Path, store_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() is None
    _load(store_path)
    assert not (tmp_path / "xdg").exists()


def test_the_default_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        ) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "scgraph"


def test_a_store_in_memory_is_not_cached(cache: Path, small_path: Path) -> None:
    with EmbeddedStore() as st:
        ingest([small_path], st)
        load_graph_data(st)
    assert not cache.exists()


def test_other_code_does_not_read_the_cache(cache: Path, store_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _load(store_path)
    (first,) = _cached_files(cache)
    monkeypatch.setattr(projection, "_CODE", projection._CODE + " changed")
    _load(store_path)
    # a miss, written under its own name; the other state is dropped
    (second,) = _cached_files(cache)
    assert second != first
    _no_queries(monkeypatch)
    _load(store_path)  # now found


def test_a_file_a_killed_writer_left_is_removed(cache: Path, store_path: Path) -> None:
    _load(store_path)
    (cached,) = _cached_files(cache)
    left = cached.with_name("abandoned.tmp")
    left.write_bytes(b"half a pickle")
    os.utime(left, (0, 0))  # long ago
    young = cached.with_name("being-written.tmp")
    young.write_bytes(b"")
    cached.unlink()  # the next load writes again
    _load(store_path)
    assert not left.exists()
    assert young.exists()  # perhaps another process's, still being written


def test_the_files_of_a_store_that_is_gone_are_removed(cache: Path, store_path: Path,
                                                       tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(store_path, other)
    _load(store_path)
    _load(other)
    assert len(_cached_files(cache)) == 2
    foreign = cache / "notes"
    foreign.mkdir()
    (foreign / "kept").write_bytes(b"")
    shutil.rmtree(other)
    cached = _cached_files(cache)
    cached[0].unlink()
    cached[1].unlink()
    _load(store_path)  # writes its file again, and looks for stores that are gone
    (kept,) = _cached_files(cache)
    assert (kept.parent / "store").read_text(encoding="utf-8") == str(store_path.resolve())
    assert sorted(p.name for p in cache.iterdir()) == sorted([kept.parent.name, "notes"])
    assert (foreign / "kept").exists()  # not a store's folder: left alone


def _screening(path: Path) -> pd.DataFrame:
    with EmbeddedStore(path, read_only=True) as st:
        return screening(st)


def _no_classifying(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("the solution types were made again")

    monkeypatch.setattr(screening_module, "stored_solution_types", refuse)


def test_solution_types_are_kept_beside_the_tables(cache: Path, mpsc_path: Path,
                                                   tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mpsc-store"
    with EmbeddedStore(path) as st:
        ingest([mpsc_path], st)
    first = _screening(path)
    assert sorted(f.name.split(".")[0] for f in _cached_files(cache)) == [
        "graph-data", "solution-types"]
    with monkeypatch.context() as m:
        _no_classifying(m)
        pd.testing.assert_frame_equal(_screening(path), first)
    # what the store gives without the cache
    monkeypatch.setenv(CACHE_ENV, "")
    pd.testing.assert_frame_equal(_screening(path), first)


def test_a_write_makes_the_solution_types_stale(cache: Path, store_path: Path,
                                                mpsc_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = _screening(store_path)
    with EmbeddedStore(store_path) as st:
        ingest([mpsc_path], st)
    after = _screening(store_path)
    assert set(after["id"]) > set(before["id"])
    # each kind keeps one state: the older one of each is gone
    assert sorted(f.name.split(".")[0] for f in _cached_files(cache)) == [
        "graph-data", "solution-types"]
    monkeypatch.setenv(CACHE_ENV, "")
    pd.testing.assert_frame_equal(_screening(store_path), after)


def test_other_keyword_rules_do_not_read_the_solution_types(
        cache: Path, store_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the packaged rules and the code that applies them make the key
    files = {Path(f).name for f in screening_module._TYPES_CODE_FILES}
    assert {"keywords.yaml", "classifier.py", "screen.py", "projection.py"} <= files
    assert code_key(*screening_module._TYPES_CODE_FILES) == screening_module._TYPES_CODE
    _screening(store_path)
    monkeypatch.setattr(screening_module, "_TYPES_CODE", "other rules")
    called = []
    real = screening_module.stored_solution_types
    monkeypatch.setattr(screening_module, "stored_solution_types",
                        lambda *a, **kw: called.append(1) or real(*a, **kw))
    _screening(store_path)
    assert called == [1]


def test_a_file_named_before_kinds_is_removed(cache: Path, store_path: Path) -> None:
    _load(store_path)
    (cached,) = _cached_files(cache)
    legacy = cached.with_name("0123456789abcdef0123456789abcdef.pickle")
    legacy.write_bytes(b"")
    cached.unlink()  # the next load writes again
    _load(store_path)
    assert not legacy.exists()
    assert len(_cached_files(cache)) == 1


def test_a_file_is_kept_only_from_the_stores_own_folder(cache: Path, store_path: Path,
                                                        tmp_path: Path) -> None:
    from scgraph.analytics.cache import kept_frames, write_frames
    from scgraph.cache_folder import keep_file, store_slot

    frames = [pd.DataFrame({"a": [1, 2]})]
    outside = tmp_path / "made.tmp"
    write_frames(outside, frames)
    with EmbeddedStore(store_path, read_only=True) as st:
        assert not keep_file(st, "code", "kind", outside)
        assert not outside.exists()
        assert kept_frames(st, "code", 1, kind="kind") is None
        slot = store_slot(st)
        assert slot is not None
        inside = slot / "made.tmp"
        write_frames(inside, frames)
        assert keep_file(st, "code", "kind", inside)
        assert not inside.exists()
        kept = kept_frames(st, "code", 1, kind="kind")
    assert kept is not None
    pd.testing.assert_frame_equal(kept[0], frames[0])
