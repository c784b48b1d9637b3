"""Integration: real SPARQL engines on 127.0.0.1, started here, loaded once per session.

The Oxigraph server (PyPI ``oxigraph``, a test extra) and Virtuoso (Debian
``virtuoso-opensource``, installed by ``make system-deps``). Every named query's
golden result on data/mpsc must come back through every engine.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest

from scgraph.errors import EndpointError
from scgraph.namespaces import dataset_graph_iri
from scgraph.queries import NamedQuery, list_queries, run_query
from scgraph.store import EmbeddedStore, RemoteStore

pytestmark = pytest.mark.slow

GOLDEN = Path(__file__).resolve().parent / "golden" / "queries"
QUERIES = list_queries()
ENGINES = ["oxigraph", "virtuoso"]
_NUMERIC = {"http://www.w3.org/2001/XMLSchema#" + t
            for t in ("integer", "decimal", "double", "float", "int", "long")}


@dataclass
class Engine:
    name: str
    query: str
    update: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 90) -> None:
    ask = url + "?query=" + urllib.request.quote("ASK { ?s ?p ?o }")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url}: server exited with {process.returncode}: "
                        f"{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(ask, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"{url}: no answer within {seconds} s")


def _oxigraph(tmp: Path) -> Engine:
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).is_file():
        pytest.fail("no oxigraph server binary; `make install-test` installs PyPI oxigraph")
    port = _free_port()
    log = tmp / "oxigraph.log"
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp / "data"), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait(base + "/query", proc, log)
    return Engine("oxigraph", base + "/query", base + "/update", proc)


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def _virtuoso(tmp: Path) -> Engine:
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not server or not isql:
        pytest.fail("no virtuoso-t/isql-vt; `make system-deps` installs virtuoso-opensource")
    sql, http = _free_port(), _free_port()
    ini = tmp / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(d=tmp, sql=sql, http=http))
    log = tmp / "stdout.log"
    proc = subprocess.Popen([server, "+foreground", "+configfile", str(ini)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{http}/sparql"
    _wait(url, proc, log)
    # The anonymous SPARQL user may update: the server listens on loopback only.
    subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba",
                    'exec=GRANT SPARQL_UPDATE TO "SPARQL";'], check=True,
                   capture_output=True, timeout=60)
    return Engine("virtuoso", url, url, proc)


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           mpsc_store_path: Path) -> Iterator[Engine]:
    """A running engine holding the graphs of the data/mpsc store, pushed once."""
    tmp = tmp_path_factory.mktemp(request.param)
    eng = _oxigraph(tmp) if request.param == "oxigraph" else _virtuoso(tmp)
    try:
        with EmbeddedStore(mpsc_store_path, read_only=True) as local:
            graphs = {g: local.export("nt", graph=g) for g in local.graphs()}
        RemoteStore(eng.query, eng.update).replace_graphs(graphs)
        yield eng
    finally:
        eng.process.terminate()
        try:
            eng.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            eng.process.kill()
            eng.process.wait(timeout=30)


def _golden_rows(name: str) -> list[tuple[ox.NamedNode | ox.Literal | None, ...]]:
    lines = (GOLDEN / f"{name}.tsv").read_text().splitlines()[1:]
    rows = []
    for line in lines:
        row = []
        for cell in line.split("\t"):
            if not cell:
                row.append(None)
                continue
            (triple,) = ox.parse(f"<http://s> <http://p> {cell} .\n".encode(),
                                 format=ox.RdfFormat.N_TRIPLES)
            assert isinstance(triple, ox.Quad)
            obj = triple.object
            assert isinstance(obj, ox.NamedNode | ox.Literal)
            row.append(obj)
        rows.append(tuple(row))
    return rows


def _same(term: object) -> object:
    """Numbers compare by value (engines write 26780000 or 26780000.0), the rest exactly."""
    if isinstance(term, ox.Literal) and term.datatype.value in _NUMERIC:
        return ("number", Decimal(term.value).normalize())
    return term


@pytest.mark.parametrize("q", QUERIES, ids=[q.name for q in QUERIES])
def test_golden_results_through_the_engine(engine: Engine, q: NamedQuery) -> None:
    """Same rows, same order as tests/golden/queries/NAME.tsv (see test_queries.py)."""
    remote = RemoteStore(engine.query)
    table = run_query(remote, q, {p.name: p.example for p in q.parameters})
    assert table.columns == list(q.columns)
    got = [tuple(_same(t) for t in row) for row in table.rows]
    assert got == [tuple(_same(t) for t in row) for row in _golden_rows(q.name)]


def test_ask_through_the_engine(engine: Engine) -> None:
    """Virtuoso answers ASK as a one-column table (``__ASK_RETVAL``); both read as booleans."""
    store = RemoteStore(engine.query)
    graph = dataset_graph_iri("mpsc")
    assert store.ask(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}") is True
    assert store.ask("ASK { GRAPH <urn:scgraph:test:nowhere> { ?s ?p ?o } }") is False


def test_parameters_cannot_change_the_query_remotely(engine: Engine) -> None:
    remote = RemoteStore(engine.query)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before = remote.select(count).values()
    for hostile in ['x" } ; DROP ALL ; #', "x> } } ; DROP ALL ; #", "\\\" . ?s ?p ?o"]:
        table = run_query(remote, "initiatives_in_field_and_region",
                          {"field": "mobility", "region": hostile})
        assert len(table) == 0
    assert remote.select(count).values() == before


def test_cli_reads_through_the_endpoint(engine: Engine, cli, mpsc_store_path: Path) -> None:
    remote = cli("stats", "--endpoint", engine.query, "--format", "json")
    local = cli("stats", "--store", mpsc_store_path, "--format", "json")
    import json

    r, loc = json.loads(remote.out), json.loads(local.out)
    for key in ("initiatives", "actors", "relations", "side_effects"):
        assert r[key] == loc[key]
    assert r["datasets"] == loc["datasets"]
    graph = dataset_graph_iri("mpsc")
    exported = cli("export", "--endpoint", engine.query, "--graph", graph, "--format", "nt")
    assert exported.code == 0
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        expected = set(st.export("nt", graph=graph).decode().splitlines())
    assert set(exported.out.splitlines()) == expected
    res = cli("query", "measures_on_platform", "--endpoint", engine.query,
              "--param", "platform=MPSC-SG-HUB", "--format", "csv")
    assert res.out.splitlines()[1:] == [
        "https://w3id.org/scgraph/id/initiative/MPSC-SG-HUB,MPSC-SG-APP,"
        "Open SmartCity App Solingen",
        "https://w3id.org/scgraph/id/initiative/MPSC-SG-HUB,MPSC-SG-SCREEN,"
        "Open SmartCity Screens (digital signage steles)"]


def test_failed_upload_changes_nothing(engine: Engine) -> None:
    """A graph the engine rejects aborts the whole write: no partial or staging graph."""
    remote = RemoteStore(engine.query, engine.update, retries=0)
    graph = dataset_graph_iri("mpsc")
    size = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    before_graphs = remote.graphs()
    before = remote.select(size, bindings={"g": ox.NamedNode(graph)}).values()
    with pytest.raises(EndpointError, match="nothing was changed"):
        remote.replace_graphs({
            graph: b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n",
            "http://example.org/broken": b'<http://example.org/a> <http://example.org/b> '
                                         b'"no end .\n'})
    assert remote.graphs() == before_graphs
    assert remote.select(size, bindings={"g": ox.NamedNode(graph)}).values() == before
    staging = remote.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                            "FILTER STRSTARTS(STR(?g), 'https://w3id.org/scgraph/graph/_st') }")
    assert len(staging) == 0


_FRACTION = re.compile(r'(T\d\d:\d\d:\d\d)(\.\d*?)0*(Z"\^\^<http://www\.w3\.org/2001/'
                       r'XMLSchema#dateTime>)')


def _times_canonical(lines: Iterator[str] | list[str]) -> set[str]:
    """N-Triples lines with each xsd:dateTime's fraction without trailing zeros: scgraph
    writes '.28Z', and Virtuoso gives the same time back as '.28Z' or '.280Z'."""
    return {_FRACTION.sub(lambda m: m[1] + (m[2] if m[2] != "." else "") + m[3], line)
            for line in lines}


def test_times_canonical() -> None:
    t = '"2026-11-27T22:09:37{}Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .'
    assert _times_canonical([t.format(".280"), t.format(".28"), t.format(".000"),
                             t.format("")]) == {t.format(".28"), t.format("")}


def test_ingest_and_push_through_the_endpoint(engine: Engine, cli, small_path: Path,
                                              tmp_path: Path) -> None:
    """Runs last: adds the small dataset, checks it, and drops it again."""
    graph = dataset_graph_iri("small")
    remote = RemoteStore(engine.query, engine.update)
    try:
        res = cli("ingest", "--endpoint", engine.query, "--update-endpoint", engine.update,
                  small_path)
        assert res.code == 0, res.err
        assert graph in remote.graphs()
        local = tmp_path / "local"
        assert cli("ingest", "--store", local, small_path).code == 0
        remote.drop_graphs([graph])
        assert graph not in remote.graphs()
        pushed = cli("push", "--store", local, "--endpoint", engine.query,
                     "--update-endpoint", engine.update)
        assert pushed.code == 0, pushed.err
        assert f"pushed {graph}" in pushed.out
        with EmbeddedStore(local, read_only=True) as st:
            expected = set(st.export("nt", graph=graph).decode().splitlines())
        assert _times_canonical(remote.export("nt", graph=graph).decode().splitlines()) == \
            _times_canonical(list(expected))
        dropped = cli("drop", "--endpoint", engine.query, "--update-endpoint", engine.update,
                      "small")
        assert dropped.code == 0, dropped.err
        assert graph not in remote.graphs()
        assert dataset_graph_iri("mpsc") in remote.graphs()
    finally:
        remote.drop_graphs([graph])
    assert graph not in remote.graphs()


def test_analytics_load_through_the_engine(engine: Engine, mpsc_store_path: Path) -> None:
    """The projection queries are plain SPARQL: the same frames through either engine."""
    from scgraph.analytics import load_graph_data

    with EmbeddedStore(mpsc_store_path, read_only=True) as local:
        expected = load_graph_data(local)
    got = load_graph_data(RemoteStore(engine.query))
    for name in ("initiatives", "relations", "actors", "side_effects"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(expected, name))
