"""Exports written as they are read: the same bytes as ``export``, and no half a file."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import pyoxigraph as ox
import pytest

from scgraph.errors import StoreError, UsageError
from scgraph.ingest import ingest
from scgraph.namespaces import ONTOLOGY_GRAPH, PREFIXES, dataset_graph_iri
from scgraph.store import EXPORT_FORMATS, EmbeddedStore, write_export


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "store"
    with EmbeddedStore(path) as st:
        ingest([Path(__file__).parent / "fixtures" / "small"], st)
    return path


def _written(store: Any, fmt: str, graph: str | None) -> bytes:
    with tempfile.TemporaryFile() as f:
        f.write(b"kept before")
        write_export(store, f, fmt, graph=graph)
        f.seek(0)
        data = f.read()
    assert data.startswith(b"kept before")
    return data.removeprefix(b"kept before")


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
@pytest.mark.parametrize("graph", [None, ONTOLOGY_GRAPH, dataset_graph_iri("small")])
def test_written_export_is_the_export(small_store: Path, fmt: str, graph: str | None) -> None:
    """Written after what the file held, the export holds what the store holds: every quad
    (of the graph asked for), or every triple where the format merges the graphs."""
    rdf_format, datasets = EXPORT_FORMATS[fmt]
    with EmbeddedStore(small_store, read_only=True) as st:
        expected = st.export(fmt, graph=graph)
        assert len(expected) > 1000
        written = _written(st, fmt, graph)
        assert written == expected
        stored = st._store.quads_for_pattern(
            None, None, None, None if graph is None else ox.NamedNode(graph))
        parsed = ox.parse(written, format=rdf_format)
        if datasets:
            assert set(parsed) == set(stored)
        else:
            assert {q.triple for q in parsed} == {q.triple for q in stored}

        class OnlyExport:  # a store without export_to (a remote one, say)
            def export(self, fmt: str, *, graph: str | None = None) -> bytes:
                return st.export(fmt, graph=graph)

        assert _written(OnlyExport(), fmt, graph) == expected


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_merged_export_is_every_triple_once_sorted_by_its_text(fmt: str) -> None:
    """``nt`` and ``ttl`` of the whole store: the obvious way, with a Python term of each
    triple, gives the same bytes (blank nodes, the ontology's lists, included)."""
    rdf_format, _ = EXPORT_FORMATS[fmt]
    with EmbeddedStore() as st:
        ingest([Path(__file__).parent / "fixtures" / "small"], st)
        dataset = st.export("nt", graph=dataset_graph_iri("small")).splitlines(keepends=True)
        st.replace_graphs({"urn:again": b"".join(dataset[:40])})  # in two graphs
        triples = {q.triple for q in st._store}
        assert any(isinstance(t.subject, ox.BlankNode) for t in triples)
        assert len(triples) == len(st) - 40
        expected = ox.serialize(sorted(triples, key=str), format=rdf_format,
                                prefixes=PREFIXES if fmt == "ttl" else None)
        assert st.export(fmt) == expected


def test_a_read_run_again_writes_from_the_start_again(small_store: Path) -> None:
    """A read-only store reopens when a writer's compaction moved its files, and runs the
    read again: what the first attempt wrote is overwritten, not followed."""

    class Moving:
        def __init__(self, real: ox.Store) -> None:
            self.real = real

        def dump(self, out: io.BufferedRandom, *args: Any, **kwargs: Any) -> None:
            out.write(b"<half a line")
            raise OSError("IO error: No such file or directory (files moved)")

    with EmbeddedStore(small_store, read_only=True) as st:
        expected = st.export("nq")
        st._store = Moving(st._store)  # type: ignore[assignment]
        assert _written(st, "nq", None) == expected


@pytest.mark.parametrize("fmt", ["nq", "nt"])
def test_a_full_disk_is_not_taken_for_moved_files(small_store: Path, fmt: str) -> None:
    """No room for the export (or for the merged formats' temporary file): a StoreError
    at once, not the read tried again five times, a tenth of a second more apart each."""

    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # for the merged formats, the temporary file is the one that is full
    full = mock.patch.object(tempfile, "TemporaryFile", Full) if fmt == "nt" else None
    out = io.BytesIO() if fmt == "nt" else Full()
    with EmbeddedStore(small_store, read_only=True) as st, \
            mock.patch("scgraph.store.embedded.time.sleep") as waited, \
            full or contextlib.nullcontext(), \
            pytest.raises(StoreError, match=r"reading failed: .*No space left"):
        st.export_to(out, fmt)
    waited.assert_not_called()


def test_unknown_graph_and_format_are_usage_errors(small_store: Path) -> None:
    with EmbeddedStore(small_store, read_only=True) as st, tempfile.TemporaryFile() as f:
        with pytest.raises(UsageError, match="no graph"):
            st.export_to(f, "nq", graph="urn:nowhere")
        with pytest.raises(UsageError, match="unknown export format"):
            st.export_to(f, "rdfxml")
        assert f.tell() == 0


def test_cli_export_leaves_no_half_file(cli, small_store: Path,  # type: ignore[no-untyped-def]
                                        tmp_path: Path) -> None:
    out = tmp_path / "x.nq"
    out.write_bytes(b"an older export")
    failed = cli("export", "--store", small_store, "--graph", "urn:nowhere", "--out", out)
    assert failed.code == 2  # a usage error (README: exit codes)
    assert "no graph" in failed.err
    assert out.read_bytes() == b"an older export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.nq"]  # no temporary file left
    done = cli("export", "--store", small_store, "--out", out)
    assert done.code == 0, done.err
    with EmbeddedStore(small_store, read_only=True) as st:
        assert out.read_bytes() == st.export("nq")
    assert f"wrote {out} ({out.stat().st_size} bytes)" in done.err.replace("\n", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.nq"]
    to_stdout = cli("export", "--store", small_store, "--format", "nt")
    assert to_stdout.code == 0
    with EmbeddedStore(small_store, read_only=True) as st:
        assert to_stdout.out == st.export("nt").decode()
    # --out - is standard output too, as for viz (it wrote a file named "-")
    dash = cli("export", "--store", small_store, "--format", "nt", "--out", "-")
    assert (dash.code, dash.out) == (0, to_stdout.out)
    assert not Path("-").exists()


def test_cli_export_makes_the_folder_it_writes_into(cli, small_store: Path,  # type: ignore[no-untyped-def]
                                                    tmp_path: Path) -> None:
    out = tmp_path / "exports" / "2026" / "small.nt"
    done = cli("export", "--store", small_store, "--format", "nt", "--out", out)
    assert done.code == 0, done.err
    with EmbeddedStore(small_store, read_only=True) as st:
        assert out.read_bytes() == st.export("nt")


def test_cli_export_without_a_temporary_folder_is_a_clear_error(
        cli, small_store: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    result = cli("export", "--store", small_store)
    assert result.code == 2
    assert "TMPDIR" in result.err
    assert result.out == ""


def test_cli_export_takes_a_dataset_name_for_its_graph(cli, small_store: Path  # type: ignore[no-untyped-def]
                                                       ) -> None:
    by_iri = cli("export", "--store", small_store, "--format", "nt",
                 "--graph", dataset_graph_iri("small"))
    by_name = cli("export", "--store", small_store, "--format", "nt", "--graph", "small")
    assert by_iri.code == by_name.code == 0
    assert by_name.out == by_iri.out
    assert "T-HUB" in by_name.out
    unknown = cli("export", "--store", small_store, "--graph", "nope")
    assert unknown.code == 2
    assert "no graph 'nope' in the store" in unknown.err


def test_cli_export_writes_a_file_as_others_may_read_it(cli, small_store: Path,  # type: ignore[no-untyped-def]
                                                        tmp_path: Path) -> None:
    # the file passes through mkstemp, which made it 0600 whatever the umask said
    import os
    import stat

    mask = os.umask(0o022)
    try:
        out = tmp_path / "export.nq"
        assert cli("export", "--store", small_store, "--out", out).code == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_cli_export_writes_through_a_link_and_into_a_pipe(cli, small_store: Path,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    # the file was renamed over whatever --out named: a symbolic link became a file (its
    # target kept the old content), a named pipe too (its reader got nothing)
    import os
    import threading

    with EmbeddedStore(small_store, read_only=True) as st:
        expected = st.export("nq")
    target = tmp_path / "t.nq"
    target.write_text("old")
    link = tmp_path / "link.nq"
    link.symlink_to(target)
    assert cli("export", "--store", small_store, "--out", link).code == 0
    assert link.is_symlink()
    assert target.read_bytes() == expected
    pipe = tmp_path / "pipe.nq"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    assert cli("export", "--store", small_store, "--out", pipe).code == 0
    reader.join(timeout=30)
    assert got == [expected]
    assert not pipe.is_file()  # still the pipe
    folder = cli("export", "--store", small_store, "--out", tmp_path)
    assert folder.code == 2
    assert "is a folder; --out names the file to write" in folder.err
