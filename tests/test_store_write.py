"""replace_graphs is all or nothing, also when the process dies in the middle."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scgraph.errors import InputError, Problem, StoreError
from scgraph.store import EmbeddedStore, embedded

OLD = b"<http://a> <http://b> <http://c> .\n"
NEW = b"<http://a> <http://b> <http://d> .\n"
G1, G2 = "http://example.org/g1", "http://example.org/g2"

DIE_BEFORE_COMMIT = """
import os, sys
import pyoxigraph as ox
from scgraph.store import EmbeddedStore
store = EmbeddedStore(sys.argv[1])
real = store._store
class Dying:
    def __getattr__(self, name):
        if name == "update":
            def die(*args, **kwargs):
                os._exit(9)
            return die
        return getattr(real, name)
store._store = Dying()
store.replace_graphs({sys.argv[2]: b"<http://a> <http://b> <http://d> .\\n",
                      sys.argv[3]: b"<http://x> <http://y> <http://z> .\\n"})
"""


def _content(store: EmbeddedStore) -> set[tuple[str, ...]]:
    return {tuple(str(t) for t in row) for row in
            store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").rows}


def test_new_and_existing_graphs_are_replaced(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: OLD})
        store.replace_graphs({G1: NEW, G2: OLD})
        assert store.graphs() == [G1, G2]
        assert _content(store) == {(f"<{G1}>", "<http://a>", "<http://b>", "<http://d>"),
                                   (f"<{G2}>", "<http://a>", "<http://b>", "<http://c>")}


def test_a_killed_write_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with EmbeddedStore(path) as store:
        store.replace_graphs({G1: OLD})
        before = _content(store)
    done = subprocess.run([sys.executable, "-c", DIE_BEFORE_COMMIT, str(path), G1, G2],
                          check=False)
    assert done.returncode == 9
    with EmbeddedStore(path) as store:
        assert store.graphs() == [G1]
        assert _content(store) == before
        assert len(store) == 1


def test_a_failed_write_changes_nothing(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: OLD})
        with pytest.raises(StoreError, match="nothing was changed"):
            store.replace_graphs({G2: NEW, G1: b"<http://a> <http://b> broken .\n"})
        assert store.graphs() == [G1]
        assert len(store) == 1


def test_a_write_whose_undo_fails_too_says_so(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk fails the write and then its undo: that second error was a traceback."""
    import errno

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: OLD})
        monkeypatch.setattr(store, "_bulk_load", full)
        monkeypatch.setattr(store, "_drop_staging", full)
        with pytest.raises(StoreError, match=r"writing failed .*No space left on device.*, and "
                           r"undoing it failed too .*the next `scgraph ingest` or `drop`"):
            store.replace_graphs({G2: NEW})


def test_a_refused_commit_changes_nothing(tmp_path: Path) -> None:
    """``before_commit`` runs after the data is loaded; if it raises, nothing is written."""
    calls: list[int] = []

    def refuse() -> None:
        calls.append(len(store))  # everything is loaded (uncommitted) when it is called
        raise InputError([Problem(None, "refused")])

    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: OLD})
        before = _content(store)
        with pytest.raises(InputError, match="refused"):
            store.replace_graphs({G1: NEW, G2: [OLD, NEW]}, before_commit=refuse)
        assert calls
        assert calls[0] > 1
        assert store.graphs() == [G1]
        assert _content(store) == before
    with EmbeddedStore(tmp_path / "s") as store:  # and nothing is left for the next opening
        assert _content(store) == before
        assert len(store) == 1


def test_a_graph_in_parts_is_their_union(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: OLD})
        store.replace_graphs({G1: [NEW, OLD], G2: [NEW]}, before_commit=lambda: None)
        assert _content(store) == {(f"<{G1}>", "<http://a>", "<http://b>", "<http://c>"),
                                   (f"<{G1}>", "<http://a>", "<http://b>", "<http://d>"),
                                   (f"<{G2}>", "<http://a>", "<http://b>", "<http://d>")}


def _lines(n: int, graph_tag: str = "") -> bytes:
    return b"".join(f"<http://s/{i}> <http://p{graph_tag}> \"{i}\" .\n".encode()
                    for i in range(n))


def test_a_large_graph_is_loaded_in_pieces_side_by_side(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``_PIECE_BYTES`` a part is cut at line ends and the pieces load on threads."""
    cut: list[int] = []
    real = embedded._pieces

    def pieces(data: bytes, count: int, min_bytes: int = 0) -> list[bytes]:
        out = real(data, max(count, 3), min_bytes=1000)
        cut.append(len(out))
        return out

    monkeypatch.setattr(embedded, "_pieces", pieces)
    data = _lines(500)
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: data})
        assert cut == [3]
        assert len(store) == 500
        values = {q.object.value for q in store._store.quads_for_pattern(None, None, None)}
        assert values == {str(i) for i in range(500)}


def test_a_broken_piece_changes_nothing(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "_PIECE_BYTES", 1000)
    monkeypatch.setattr(embedded.os, "cpu_count", lambda: 2)
    cut: list[int] = []
    real = embedded._pieces

    def pieces(*args: Any) -> list[bytes]:
        out = real(*args)
        cut.append(len(out))
        return out

    monkeypatch.setattr(embedded, "_pieces", pieces)
    with EmbeddedStore(tmp_path / "s") as store:
        store.replace_graphs({G1: OLD})
        before = _content(store)
        broken = _lines(200) + b"<http://a> <http://b> broken .\n" + _lines(200, "2")
        with pytest.raises(StoreError, match="nothing was changed"):
            store.replace_graphs({G2: NEW, G1: broken})
        assert _content(store) == before
        assert store.graphs() == [G1]
    assert cut[-1] == 2  # the broken part was loaded in two pieces


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_pieces_are_the_data_cut_at_line_ends(count: int) -> None:
    data = _lines(50)
    out = embedded._pieces(data, count, min_bytes=0)
    assert b"".join(out) == data
    assert len(out) == count
    assert all(p.endswith(b"\n") for p in out)
    assert embedded._pieces(data, count, min_bytes=len(data) + 1) == [data]
    assert embedded._pieces(data + b"_:b <http://p> <http://o> .\n", count,
                            min_bytes=0) == [data + b"_:b <http://p> <http://o> .\n"]


@pytest.mark.parametrize("read_only", [False, True])
def test_a_closed_store_says_so(tmp_path: Path, read_only: bool) -> None:
    with EmbeddedStore(tmp_path / "st") as st:
        st.replace_graphs({"http://example.org/g": b"<http://a> <http://b> <http://c> .\n"})
    store = EmbeddedStore(tmp_path / "st", read_only=read_only)
    store.close()
    store.close()  # twice is no error
    for use in (lambda: store.select("SELECT * { ?s ?p ?o }"), store.graphs,
                lambda: store.export("nq"), store.__enter__):
        with pytest.raises(StoreError, match="the store is closed; open it again"):
            use()
    with EmbeddedStore(tmp_path / "st", read_only=read_only) as again:  # the lock is free
        assert again.graphs() == ["http://example.org/g"]


def test_a_closed_store_in_memory_says_its_data_is_gone() -> None:
    with EmbeddedStore() as st:
        st.replace_graphs({"http://example.org/g": b"<http://a> <http://b> <http://c> .\n"})
    with pytest.raises(StoreError, match="in-memory store is closed, and what it held is gone"):
        st.graphs()  # "open it again (EmbeddedStore(path))" promised what is lost


def test_a_store_below_a_file_is_refused_with_the_file_named(tmp_path: Path) -> None:
    from scgraph.errors import ScgraphError

    (tmp_path / "f").write_text("x")
    with pytest.raises(ScgraphError, match=r"f/x: cannot make the store: .*f is a file, not a "
                       "folder"):
        EmbeddedStore(tmp_path / "f" / "x")


@pytest.mark.parametrize("read_lock", [True, False], ids=["read-lock-file", "none"])
def test_a_store_on_a_read_only_file_system_can_be_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_lock: bool) -> None:
    """Readers opened the lock files for appending, so a store on a read-only mount (or
    another user's) failed every command with a traceback; a writer is refused, exit 2."""
    import builtins
    import errno

    with EmbeddedStore(tmp_path / "st") as st:
        st.replace_graphs({G1: OLD})
    if not read_lock:
        (tmp_path / "st" / embedded.READ_LOCK_FILE).unlink()

    def read_only_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "aw+"):
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(embedded, "open", read_only_open, raising=False)
    with EmbeddedStore(tmp_path / "st", read_only=True) as st:
        assert _content(st) == {(f"<{G1}>", "<http://a>", "<http://b>", "<http://c>")}
    with pytest.raises(StoreError, match=re.escape(
            "cannot write the store (scgraph.lock: Read-only file system); choose a store "
            "you may write")):
        EmbeddedStore(tmp_path / "st")


def test_a_damaged_store_is_named_as_such(tmp_path: Path) -> None:
    """A truncated file of the store: opening it for writing raised RocksDB's
    RuntimeError (a traceback from ingest, drop, screen, reason)."""
    with EmbeddedStore(tmp_path / "st") as st:
        st.replace_graphs({G1: OLD, G2: NEW})
    table = sorted((tmp_path / "st").glob("*.sst"))[0]
    table.write_bytes(table.read_bytes()[:100])
    for read_only in (True, False):
        with pytest.raises(StoreError, match=r"Corruption.*the store's files are damaged: "
                           r"restore the folder from a backup"):
            EmbeddedStore(tmp_path / "st", read_only=read_only)


def test_a_writer_waiting_for_a_reader_says_so(tmp_path: Path, small_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """A store held open for reading (a notebook, say) kept a writer waiting a silent
    minute before the error; the wait is said after a second."""
    from scgraph.errors import StoreLockedError
    from scgraph.ingest import ingest

    path = tmp_path / "store"
    with EmbeddedStore(path) as st:
        ingest([small_path], st)
    monkeypatch.setattr(embedded, "WAIT_SAID_AFTER", 0.1)
    monkeypatch.setattr(embedded, "LOCK_TIMEOUT", 0.6)
    with EmbeddedStore(path, read_only=True), caplog.at_level("WARNING", "scgraph.store"), \
            pytest.raises(StoreLockedError, match="being read by another process"):
        EmbeddedStore(path)
    said = [r.getMessage() for r in caplog.records if r.name == "scgraph.store"]
    assert said == [f"{path}: store is being read by another process; waiting up to 1 s"]
