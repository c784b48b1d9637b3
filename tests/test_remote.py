"""RemoteStore against a scripted HTTP server: retries, timeouts, auth, errors, bindings."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest

from scgraph.errors import EndpointError, UsageError
from scgraph.queries import load_query
from scgraph.store import RemoteStore, connect

RESULT = {"head": {"vars": ["n"]}, "results": {"bindings": [
    {"n": {"type": "literal", "value": "7",
           "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}


@dataclass
class Script:
    """What the fake endpoint answers, and what it received."""

    answers: list[tuple[int, bytes]] = field(default_factory=list)
    delay: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)

    def next(self) -> tuple[int, bytes]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


#: The answer to a query for the graphs: none.
NO_GRAPHS = json.dumps({"head": {"vars": ["g"]}, "results": {"bindings": []}}).encode()


@pytest.fixture
def fake() -> Iterator[tuple[str, Script]]:
    script = Script([(200, json.dumps(RESULT).encode())])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            script.requests.append({"method": self.command, "path": self.path, "body": body,
                                    "auth": self.headers.get("Authorization", ""),
                                    "type": self.headers.get("Content-Type", "")})
            time.sleep(script.delay)
            status, data = script.next()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        do_GET = do_POST = do_PUT = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", script
    server.shutdown()
    server.server_close()


def _store(url: str, sleeps: list[float], **kw: object) -> RemoteStore:
    return RemoteStore(url, url, sleep=sleeps.append, **kw)  # type: ignore[arg-type]


def test_transient_failures_are_retried_with_backoff(fake: tuple[str, Script]) -> None:
    url, script = fake
    script.answers = [(503, b"busy"), (502, b"bad gateway"), (200, json.dumps(RESULT).encode())]
    sleeps: list[float] = []
    table = _store(url, sleeps, backoff=0.25).select("SELECT ?n { }")
    assert table.values() == [("7",)]
    assert sleeps == [0.25, 0.5]
    assert len(script.requests) == 3


def test_giving_up_names_url_status_and_message(fake: tuple[str, Script]) -> None:
    url, script = fake
    script.answers = [(503, b"Service Unavailable: store is loading")]
    sleeps: list[float] = []
    with pytest.raises(EndpointError) as info:
        _store(url, sleeps, retries=2).select("SELECT ?n { }")
    assert str(info.value) == f"{url}: HTTP 503 Service Unavailable: Service Unavailable: " \
                              "store is loading"
    assert len(script.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_client_errors_are_not_retried(fake: tuple[str, Script]) -> None:
    url, script = fake
    script.answers = [(400, b"Parse error at line 1: unexpected '}'")]
    sleeps: list[float] = []
    with pytest.raises(EndpointError, match="HTTP 400 Bad Request: Parse error at line 1"):
        _store(url, sleeps).select("SELECT ?n { }")
    assert len(script.requests) == 1
    assert sleeps == []


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/sparql"
    sleeps: list[float] = []
    with pytest.raises(EndpointError, match=rf"{url}: cannot connect .*is the server running"):
        _store(url, sleeps, retries=3).select("SELECT ?n { }")
    assert sleeps == [0.5, 1.0, 2.0]


def test_timeout(fake: tuple[str, Script]) -> None:
    url, script = fake
    script.delay = 1.0
    with pytest.raises(EndpointError, match=r"no answer within 0.2 s"):
        _store(url, [], timeout=0.2).select("SELECT ?n { }")


@pytest.mark.parametrize(("env", "expected"), [
    ({"SCGRAPH_ENDPOINT_TOKEN": "t0k"}, "Bearer t0k"),
    ({"SCGRAPH_ENDPOINT_USER": "ann", "SCGRAPH_ENDPOINT_PASSWORD": "s3cret"},
     "Basic YW5uOnMzY3JldA=="),
    ({}, ""),
])
def test_credentials_from_the_environment(fake: tuple[str, Script], monkeypatch:
                                          pytest.MonkeyPatch, env: dict[str, str],
                                          expected: str) -> None:
    url, script = fake
    for name in ("SCGRAPH_ENDPOINT_TOKEN", "SCGRAPH_ENDPOINT_USER",
                 "SCGRAPH_ENDPOINT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _store(url, []).select("SELECT ?n { }")
    assert script.requests[0]["auth"] == expected


def test_bindings_travel_as_a_values_block_of_terms(fake: tuple[str, Script]) -> None:
    url, script = fake
    q = load_query("initiatives_in_field_and_region")
    hostile = 'x" } ; DROP ALL ; #'
    _store(url, []).select(q.text, bindings=q.bindings({"field": "mobility",
                                                        "region": hostile}))
    sent = urllib.parse.parse_qs(script.requests[0]["body"])["query"][0]
    assert 'VALUES (?field ?region) { (<https://w3id.org/scgraph/field/mobility> ' \
           '"x\\" } ; DROP ALL ; #") }' in sent
    parsed = ox.Store().query(sent)
    assert isinstance(parsed, ox.QuerySolutions)


def test_failed_upload_drops_its_staging_graphs(fake: tuple[str, Script]) -> None:
    """The second upload fails: the first staged graph is dropped, nothing is moved."""
    url, script = fake
    script.answers = [(200, NO_GRAPHS), (200, b""), (500, b"disk full"), (200, b"")]
    store = _store(url, [], retries=0)
    with pytest.raises(EndpointError, match=r"nothing was changed.*HTTP 500.*disk full"):
        store.replace_graphs({"http://g/1": b"<http://a> <http://b> <http://c> .\n",
                              "http://g/2": b"<http://a> <http://b> <http://d> .\n"})
    listing, *writes = script.requests  # what earlier writes left staged: nothing
    assert "GRAPH ?g" in urllib.parse.parse_qs(listing["body"])["query"][0]
    updates = [urllib.parse.parse_qs(r["body"])["update"][0] for r in writes]
    assert len(updates) == 3
    assert updates[0].startswith("INSERT DATA { GRAPH <https://w3id.org/scgraph/graph/_staging/")
    assert updates[2].startswith("DROP SILENT GRAPH <https://w3id.org/scgraph/graph/_staging/")
    assert not any("MOVE" in u for u in updates)


def test_graph_store_protocol_upload(fake: tuple[str, Script]) -> None:
    url, script = fake
    script.answers = [(200, NO_GRAPHS), (201, b"")]
    store = RemoteStore(url, url, url.replace("sparql", "store"))
    store.replace_graphs({"http://g/1": b"<http://a> <http://b> <http://c> .\n"})
    _listing, put, move = script.requests
    assert put["method"] == "PUT"
    assert put["path"].startswith("/store?graph=https%3A%2F%2Fw3id.org%2Fscgraph%2Fgraph%2F_st")
    assert put["type"] == "application/n-triples"
    assert urllib.parse.parse_qs(move["body"])["update"][0].startswith("MOVE SILENT GRAPH <")


def test_connect_chooses_the_store(tmp_path: object) -> None:
    remote = connect(endpoint="http://127.0.0.1:1/q", update_endpoint="http://127.0.0.1:1/u")
    assert isinstance(remote, RemoteStore)
    assert remote.update_endpoint == "http://127.0.0.1:1/u"
    with pytest.raises(UsageError, match="either --store or --endpoint"):
        connect("somewhere", endpoint="http://127.0.0.1:1/q")
    with pytest.raises(UsageError, match="need --endpoint"):
        connect(update_endpoint="http://127.0.0.1:1/u")
    with pytest.raises(UsageError, match="not an http"):
        connect(endpoint="ftp://example.org/")
    read_only = connect(endpoint="http://127.0.0.1:1/q", update_endpoint="http://x/u",
                        read_only=True)
    with pytest.raises(UsageError, match="no update endpoint"):
        read_only.replace_graphs({"http://g": b""})




@pytest.mark.parametrize(("name", "raw"), [
    ("SCGRAPH_ENDPOINT_TIMEOUT", "nan"), ("SCGRAPH_ENDPOINT_TIMEOUT", "inf"),
    ("SCGRAPH_ENDPOINT_TIMEOUT", "0"), ("SCGRAPH_ENDPOINT_TIMEOUT", "-1"),
    ("SCGRAPH_ENDPOINT_RETRIES", "abc"), ("SCGRAPH_ENDPOINT_RETRIES", "1e3"),
])
def test_limits_from_the_environment_are_checked(monkeypatch: pytest.MonkeyPatch, name: str,
                                                 raw: str) -> None:
    # nan and inf ended in tracebacks, 0 made every request fail, 1e3 retries never ended
    monkeypatch.setenv(name, raw)
    default = "60" if name.endswith("TIMEOUT") else "3"
    with pytest.raises(UsageError, match=f"{name}='{raw}' is not a number from .* to .*; "
                       f"unset it or give e.g. {default}"):
        RemoteStore("http://127.0.0.1:1/q")



def test_credentials_in_the_url_are_refused_without_repeating_them() -> None:
    # urllib took "user:pw@host" for a host name ("Name or service not known")
    with pytest.raises(UsageError, match=re.escape("endpoint 'http://…@127.0.0.1:1/q': give "
                                                   "credentials in SCGRAPH_ENDPOINT_USER")
                       ) as info:
        RemoteStore("http://user:secret@127.0.0.1:1/q")
    assert "secret" not in str(info.value)
