"""Shared fixtures: the repository's data, fresh stores, and a CLI runner."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib

from scgraph.cli import main
from scgraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="session", autouse=True)
def _analytics_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Loaded graph data are cached in a folder of this session, not the user's."""
    before = os.environ.get("SCGRAPH_CACHE_DIR")
    os.environ["SCGRAPH_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("SCGRAPH_CACHE_DIR", None)
    else:
        os.environ["SCGRAPH_CACHE_DIR"] = before


@pytest.fixture(scope="session", autouse=True)
def _temp_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Temporary files of this session, and of the processes it starts, stay in its folder.

    A process the tests kill (tests/test_crash_safety.py) cannot remove its spool, and a
    notebook or doctest may write into a fresh temporary folder: all of that lands here,
    where pytest clears old sessions, not in the system's /tmp.
    """
    folder = str(tmp_path_factory.mktemp("tmp"))
    before = os.environ.get("TMPDIR"), tempfile.tempdir
    os.environ["TMPDIR"] = tempfile.tempdir = folder
    yield
    if before[0] is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before[0]
    tempfile.tempdir = before[1]


@pytest.fixture(scope="session")
def mpsc_path() -> Path:
    return DATA / "mpsc"


@pytest.fixture(scope="session")
def small_path() -> Path:
    return FIXTURES / "small"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(tmp_path / "store") as st:
        yield st


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run ``scgraph ARGS`` in-process; the default store is tmp_path/.scgraph."""
    monkeypatch.setenv("SCGRAPH_STORE", str(tmp_path / ".scgraph"))
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str | os.PathLike[str]) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def mpsc_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store folder holding data/mpsc, ingested once per session; open it read-only."""
    from scgraph.ingest import ingest

    path = tmp_path_factory.mktemp("mpsc") / "store"
    with EmbeddedStore(path) as st:
        ingest([DATA / "mpsc"], st)
    return path


@pytest.fixture(scope="session")
def local_target_shapes() -> rdflib.Graph:
    """Shapes with a class target and a subjects-of target (found among the triples read
    as a batch's own), an objects-of target (found in all), and a check that reads a
    value's type: the same case for both SHACL compilers."""
    return rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] ;
            sh:property [ sh:path <urn:link> ; sh:class <urn:D> ] .
        <urn:T> sh:targetSubjectsOf <urn:r> ; sh:property [ sh:path <urn:q> ; sh:minCount 1 ] .
        <urn:O> sh:targetObjectsOf <urn:r> ; sh:property [ sh:path <urn:q> ; sh:minCount 1 ] .
        """)
