"""Remote faults: a fault-injecting proxy in front of a real Oxigraph server.

The proxy (127.0.0.1, threaded, stops itself after a time and a request budget)
forwards to the server and can instead answer 401 or 500, answer too late, cut
the body short, or do so only for the Nth request or a request whose body holds
a given text (the final ``MOVE``, one upload chunk). "Down" is a port where
nothing listens. After every fault the server is checked directly, bypassing the
proxy: no partial graph, no staging graph, the data already there unchanged.
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

from scgraph.errors import EndpointError
from scgraph.namespaces import dataset_graph_iri
from scgraph.queries import run_query
from scgraph.store import EmbeddedStore, RemoteStore

pytestmark = pytest.mark.slow

FAULTS = ["down", "401", "500", "slow", "truncate"]
TIMEOUT = 0.5  # the client's timeout in these tests; "slow" answers after 3 x TIMEOUT
STAGING = "https://w3id.org/scgraph/graph/_staging/"
BASE = "http://example.org/base"  # a graph on the server that no test writes


@dataclass
class Fault:
    """What the proxy does: ``kind`` to every request, or only to the ``nth`` (1-based),
    to every one from the ``since``-th on, or to those whose body contains ``when``;
    everything else is forwarded."""

    kind: str = "none"
    nth: int | None = None
    when: str | None = None
    #: the fault applies from this request on (1-based), to every one after it too
    since: int | None = None
    seen: list[str] = field(default_factory=list)

    def applies(self, number: int, body: str) -> bool:
        if self.kind == "none":
            return False
        if self.since is not None:
            return number >= self.since
        if self.nth is not None:
            return number == self.nth
        return self.when is None or self.when in body


class Proxy:
    """A fault-injecting HTTP proxy to ``upstream`` ("host:port"), on 127.0.0.1."""

    def __init__(self, upstream: str, *, budget: int = 400, lifetime: float = 240) -> None:
        self.fault = Fault()
        self.budget = budget
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, *, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                text = urllib.parse.unquote_plus(body.decode("utf-8", "replace"))
                with lock:
                    proxy.fault.seen.append(text)
                    number = len(proxy.fault.seen)
                    if number >= proxy.budget:
                        threading.Thread(target=proxy.stop, daemon=True).start()
                fault = proxy.fault
                hit = fault.applies(number, text)
                if hit and fault.kind == "401":
                    self._send(401, b"authentication required")
                    return
                if hit and fault.kind == "500":
                    self._send(500, b"the store is on fire")
                    return
                conn = http.client.HTTPConnection(upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                try:
                    if hit and fault.kind == "slow":
                        stop.wait(3 * TIMEOUT)
                    if hit and fault.kind == "truncate":  # promise more, send half, hang up
                        self.close_connection = True
                        if not data:  # 204: no body to cut, so cut the status line
                            self.wfile.write(b"HTTP/1.1 2")
                            return
                        self._send(resp.status, data[:len(data) // 2], length=len(data) + 1)
                        return
                    self.send_response(resp.status)
                    for key, value in resp.getheaders():
                        if key.lower() not in ("transfer-encoding", "connection",
                                               "content-length"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the "slow" fault)

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        lock = threading.Lock()
        stop = threading.Event()
        self._stop_event = stop
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False
        self.closed = threading.Event()

    def start(self) -> Proxy:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._timer.cancel()
            self._stop_event.set()
            self.server.shutdown()
            self.server.server_close()
            self.closed.set()


@dataclass
class Setup:
    direct: RemoteStore  # the server itself, bypassing the proxy
    proxy: Proxy
    down: str  # a base URL where nothing listens
    graphs: list[str]  # the graphs on the server before any test

    def base(self, kind: str) -> str:
        return self.down if kind == "down" else self.proxy.url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url}: server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"{url}: no answer within 60 s")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, mpsc_store_path: Path) -> Iterator[Setup]:
    """Oxigraph holding data/mpsc plus one small graph ``BASE``; a proxy in front."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    if not Path(binary).is_file():
        pytest.fail("no oxigraph server binary; `make install-test` installs PyPI oxigraph")
    tmp = tmp_path_factory.mktemp("faults")
    port = _free_port()
    log = tmp / "oxigraph.log"
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp / "data"), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    proxy = None
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/query", proc, log)
        direct = RemoteStore(base + "/query", base + "/update", retries=0)
        with EmbeddedStore(mpsc_store_path, read_only=True) as local:
            graphs = {g: local.export("nt", graph=g) for g in local.graphs()}
        graphs[BASE] = b"<http://example.org/a> <http://example.org/b> \"kept\" .\n"
        direct.replace_graphs(graphs)
        proxy = Proxy(f"127.0.0.1:{port}").start()
        yield Setup(direct, proxy, f"http://127.0.0.1:{_free_port()}", direct.graphs())
    finally:
        if proxy is not None:
            proxy.stop()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@pytest.fixture
def fault(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    """Fast failures for the CLI too; the proxy forwards everything afterwards."""
    monkeypatch.setenv("SCGRAPH_ENDPOINT_TIMEOUT", str(TIMEOUT))
    monkeypatch.setenv("SCGRAPH_ENDPOINT_RETRIES", "1")
    yield setup
    setup.proxy.fault = Fault()
    setup.direct.drop_graphs([g for g in setup.direct.graphs() if g not in setup.graphs])


def _snapshot(direct: RemoteStore) -> dict[str, int]:
    """Triples per named graph on the server, staging graphs included."""
    table = direct.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                          "GROUP BY ?g")
    return {str(g): int(str(n)) for g, n in table.values()}


def _no_staging(snapshot: dict[str, int]) -> None:
    assert [g for g in snapshot if g.startswith(STAGING)] == []


CAUSE = {"down": "cannot connect", "401": "HTTP 401", "500": "HTTP 500",
         "slow": f"no answer within {TIMEOUT:g} s", "truncate": "connection lost"}


def _check_message(message: str, url: str, kind: str) -> None:
    assert url in message
    assert CAUSE[kind] in message
    if kind == "500":
        assert "the store is on fire" in message
    assert "Traceback" not in message


@pytest.mark.parametrize("kind", FAULTS)
def test_reading_commands_report_the_fault(kind: str, fault: Setup, cli) -> None:
    """stats and query through the CLI: exit 2, one line naming URL and cause."""
    url = fault.base(kind) + "/query"
    fault.proxy.fault = Fault(kind)
    for args in (["stats"], ["query", "measures_on_platform", "--param",
                             "platform=MPSC-SG-HUB"]):
        res = cli(*args, "--endpoint", url)
        assert res.code == 2, (args, res.out, res.err)
        assert res.out == ""
        _check_message(" ".join(res.err.split()), url, kind)


@pytest.mark.parametrize("kind", FAULTS)
def test_library_reads_raise_endpoint_error(kind: str, fault: Setup) -> None:
    """A cut or refused answer is never parsed into partial rows."""
    url = fault.base(kind) + "/query"
    fault.proxy.fault = Fault(kind)
    remote = RemoteStore(url, timeout=TIMEOUT, retries=0)
    with pytest.raises(EndpointError) as info:
        remote.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 500")
    _check_message(str(info.value), url, kind)
    with pytest.raises(EndpointError):
        remote.construct("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 500")


@pytest.mark.parametrize("kind", FAULTS)
def test_ingest_and_push_leave_the_server_unchanged(kind: str, fault: Setup, cli,
                                                    small_path: Path, tmp_path: Path) -> None:
    before = _snapshot(fault.direct)
    query, update = fault.base(kind) + "/query", fault.base(kind) + "/update"
    local = tmp_path / "local"
    assert cli("ingest", "--store", local, small_path).code == 0
    fault.proxy.fault = Fault(kind)
    for args in (["ingest", small_path], ["push", "--store", local]):
        res = cli(*args, "--endpoint", query, "--update-endpoint", update)
        assert res.code == 2, (args, res.out, res.err)
        assert "Traceback" not in res.err
        message = " ".join(res.err.split())
        assert fault.base(kind) in message
        assert CAUSE[kind] in message
        after = _snapshot(fault.direct)
        _no_staging(after)
        assert after == before


@pytest.mark.parametrize(("kind", "nth"), [("500", 2), ("truncate", 2), ("slow", 2),
                                           ("500", 3)])
def test_a_failed_upload_chunk_changes_nothing(kind: str, nth: int, fault: Setup) -> None:
    """Three chunks; the Nth request (a chunk) fails: staging dropped, data unchanged."""
    before = _snapshot(fault.direct)
    graph = dataset_graph_iri("faults")
    data = "".join(f"<http://example.org/s{i}> <http://example.org/p> \"{i}\" .\n"
                   for i in range(30)).encode()
    remote = RemoteStore(fault.proxy.url + "/query", fault.proxy.url + "/update",
                         timeout=TIMEOUT, retries=0, chunk_size=10)
    fault.proxy.fault = Fault(kind, nth=nth)
    with pytest.raises(EndpointError, match="nothing was changed") as info:
        remote.replace_graphs({graph: data, BASE: b""})
    assert CAUSE[kind] in str(info.value)
    after = _snapshot(fault.direct)
    _no_staging(after)
    assert after == before


@pytest.mark.parametrize("kind", ["401", "500"])
def test_a_refused_move_changes_nothing(kind: str, fault: Setup) -> None:
    """Every chunk lands in staging, then the one MOVE is refused: all as before."""
    before = _snapshot(fault.direct)
    remote = RemoteStore(fault.proxy.url + "/query", fault.proxy.url + "/update",
                         timeout=TIMEOUT, retries=3, sleep=lambda s: None)
    fault.proxy.fault = Fault(kind, when="MOVE SILENT")
    with pytest.raises(EndpointError, match="nothing was changed"):
        remote.replace_graphs({BASE: b"<http://example.org/a> <http://example.org/b> "
                                     b"\"replaced\" .\n"})
    assert any("MOVE SILENT" in body for body in fault.proxy.fault.seen)
    after = _snapshot(fault.direct)
    _no_staging(after)
    assert after == before


@pytest.mark.parametrize("kind", ["truncate", "slow"])
def test_a_lost_move_answer_is_not_repeated(kind: str, fault: Setup) -> None:
    """The server did the MOVE but its answer was lost: the client must not send the MOVE
    again (a second MOVE from the now empty staging graph would empty the target), and
    says the outcome is all-or-nothing rather than "nothing was changed"."""
    graph = dataset_graph_iri("faults-move")
    new = b"<http://example.org/a> <http://example.org/b> \"moved\" .\n"
    before = _snapshot(fault.direct)
    remote = RemoteStore(fault.proxy.url + "/query", fault.proxy.url + "/update",
                         timeout=TIMEOUT, retries=3, sleep=lambda s: None)
    fault.proxy.fault = Fault(kind, when="MOVE SILENT")
    try:
        with pytest.raises(EndpointError, match="either all as before or all replaced"):
            remote.replace_graphs({graph: new})
        assert sum("MOVE SILENT" in body for body in fault.proxy.fault.seen) == 1
        after = _snapshot(fault.direct)
        _no_staging(after)
        assert after == {**before, graph: 1}
        assert fault.direct.export("nt", graph=graph) == new
    finally:
        fault.direct.drop_graphs([graph])
    assert _snapshot(fault.direct) == before


def test_injection_through_the_proxy_reaches_the_server_as_one_term(fault: Setup) -> None:
    """Hostile parameter values travel in a VALUES block: the request the server gets
    has exactly one VALUES clause and no update, and the server's data is unchanged."""
    before = _snapshot(fault.direct)
    remote = RemoteStore(fault.proxy.url + "/query", timeout=5)
    for hostile in ['x" } ; DROP ALL ; #', "x> } } ; CLEAR ALL #", "a\nb } } #",
                    "a\r\nb", "\\u0022 } DROP ALL #", "\\U0000003E", "{ ?s ?p ?o }",
                    "<http://evil>", "caf\u00e9 \U0001f3d9", "'''", "#"]:
        fault.proxy.fault.seen.clear()
        table = run_query(remote, "initiatives_in_field_and_region",
                          {"field": "mobility", "region": hostile})
        assert len(table) == 0
        (sent,) = fault.proxy.fault.seen
        assert sent.count("VALUES") == 1
        echoed = remote.select("SELECT ?v WHERE { }", bindings={"v": ox.Literal(hostile)})
        assert echoed.rows == [(ox.Literal(hostile),)]
    assert _snapshot(fault.direct) == before
    assert len(run_query(remote, "initiatives_in_field_and_region",
                         {"field": "mobility", "region": "Nordrhein-Westfalen"})) > 0


def test_the_proxy_stops_itself_after_its_budget() -> None:
    """The fault server used here is bounded: past its request budget it shuts down."""
    proxy = Proxy("127.0.0.1:9", budget=2, lifetime=30).start()
    remote = RemoteStore(proxy.url + "/query", timeout=2, retries=0)
    proxy.fault = Fault("500")
    for _ in range(2):
        with pytest.raises(EndpointError, match="HTTP 500"):
            remote.ask("ASK {}")
    assert proxy.closed.wait(10)
    with pytest.raises(EndpointError, match="cannot connect"):
        remote.ask("ASK {}")


def test_staged_graphs_that_cannot_be_removed_are_named_and_can_be_dropped(
        fault: Setup, cli) -> None:
    """The upload fails after one chunk landed, and so does removing it (the server went
    away): the error names the staged graph, stats says every query sees it, and drop
    removes it. Before, the message said "nothing was changed", stats listed the graph as
    a dataset, and drop refused it."""
    before = _snapshot(fault.direct)
    # what a dataset holds, so that the datasets on the server refer to its nodes
    data = fault.direct.export("nt", graph=dataset_graph_iri("mpsc"))
    remote = RemoteStore(fault.proxy.url + "/query", fault.proxy.url + "/update",
                         timeout=TIMEOUT, retries=0, chunk_size=2000)
    # request 1 lists what earlier writes left, 2 is the first chunk: from 3 on, all fail
    fault.proxy.fault = Fault("500", since=3)
    with pytest.raises(EndpointError, match="those staged for it could not be removed: "
                       f"{STAGING}") as info:
        remote.replace_graphs({dataset_graph_iri("mpsc"): data})
    left = [g for g in _snapshot(fault.direct) if g.startswith(STAGING)]
    assert len(left) == 1
    assert left[0] in str(info.value)
    fault.proxy.fault = Fault()
    query, update = fault.direct.query_endpoint, fault.direct.update_endpoint or ""
    stats = cli("stats", "--endpoint", query, "--format", "json")
    assert stats.code == 0, stats.err
    assert left[0] not in [d["graph"] for d in json.loads(stats.out)["datasets"]]
    assert f"holds graphs an interrupted write left staged, which every query sees: " \
           f"{left[0]}" in " ".join(stats.err.split())
    dropped = cli("drop", left[0], "--endpoint", query, "--update-endpoint", update)
    assert dropped.code == 0, dropped.err
    assert _snapshot(fault.direct) == before


def test_a_write_drops_what_writes_an_hour_ago_left_staged(fault: Setup) -> None:
    old = f"{STAGING}20000101T000000Z-{'0' * 32}/0"
    legacy = f"{STAGING}{'1' * 32}/0"  # staged by an earlier version: its IRI has no time
    recent = f"{STAGING}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{'2' * 32}/0"
    triple = b"<http://example.org/x> <http://example.org/y> \"z\" .\n"
    for graph in (old, legacy, recent):
        fault.direct.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {triple.decode()} }} }}")
    try:
        assert fault.direct.leftovers() == sorted([old, legacy, recent])
        fault.direct.replace_graphs({dataset_graph_iri("faults"): triple})
        assert fault.direct.leftovers() == [recent]  # another write's, perhaps still going
    finally:
        fault.direct.drop_graphs([recent, dataset_graph_iri("faults")])


def test_an_endpoint_whose_default_graph_is_no_union_is_refused(
        tmp_path: Path, cli, small_path: Path) -> None:
    """Oxigraph started without --union-default-graph: writes work, but every query of
    scgraph found nothing, and stats, query, analyze and report said 0 with exit 0."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
    port = _free_port()
    log = tmp_path / "oxigraph.log"
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "data"), "--bind",
                             f"127.0.0.1:{port}"], stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/query", proc, log)
        assert cli("ingest", small_path, "--endpoint", base + "/query",
                   "--update-endpoint", base + "/update").code == 0
        for args in (["stats"], ["analyze", "isolated"], ["query", "relations_by_type"]):
            result = cli(*args, "--endpoint", base + "/query")
            assert result.code == 2, (args, result.out)
            assert "the default graph is not the union of the named graphs" in \
                " ".join(result.err.split())
            assert "--union-default-graph" in result.err
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_an_endpoint_refusing_every_update_changed_nothing(fault: Setup) -> None:
    """Every update refused (a read-only endpoint): the first upload fails and so does the
    drop after it. The error said that staged graphs could not be removed and that every
    query saw them, though none had been written."""
    before = _snapshot(fault.direct)
    remote = RemoteStore(fault.proxy.url + "/query", fault.proxy.url + "/update",
                         timeout=TIMEOUT, retries=0)
    fault.proxy.fault = Fault("401", when="update=")
    triple = b"<http://a> <http://b> <http://c> .\n"
    with pytest.raises(EndpointError) as info:
        remote.replace_graphs({dataset_graph_iri("refused"): triple})
    assert "nothing was changed" in str(info.value)
    assert "could not be removed" not in str(info.value)
    assert _snapshot(fault.direct) == before
