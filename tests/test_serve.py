"""The local SPARQL endpoint: protocol, formats, read-only, loopback, query page."""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from scgraph.errors import UsageError
from scgraph.ingest import ingest
from scgraph.queries import load_query, run_query
from scgraph.serve import SparqlServer, make_server
from scgraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
COUNT = ("PREFIX sc: <https://w3id.org/scgraph/ontology#>\n"
         "SELECT (COUNT(*) AS ?n) WHERE { ?i a sc:Initiative }")


@pytest.fixture(scope="module")
def mpsc(mpsc_store_path: Path) -> Iterator[EmbeddedStore]:
    with EmbeddedStore(mpsc_store_path, read_only=True) as st:
        yield st


@pytest.fixture(scope="module")
def server(mpsc: EmbeddedStore) -> Iterator[SparqlServer]:
    srv = make_server(mpsc, "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _curl(*args: str) -> tuple[int, str]:
    """Run curl; return the HTTP status and the body."""
    curl = shutil.which("curl")
    assert curl, "curl is installed by `make system-deps`"
    done = subprocess.run([curl, "-s", "-w", "\n%{http_code}", *args], capture_output=True,
                          text=True, check=True, timeout=60)
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def _http(url: str, data: bytes | None = None, headers: dict[str, str] | None = None
          ) -> tuple[int, str, str]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def test_sparqlwrapper_select_matches_the_store(server: SparqlServer,
                                                mpsc: EmbeddedStore) -> None:
    q = load_query("relations_by_type")
    sw = SPARQLWrapper(server.url + "sparql")
    sw.setQuery(q.text)
    sw.setReturnFormat(JSON)
    doc = sw.query().convert()
    assert isinstance(doc, dict)
    rows = [tuple(b[c]["value"] for c in doc["head"]["vars"])
            for b in doc["results"]["bindings"]]
    assert rows == run_query(mpsc, q).values()
    assert doc["results"]["bindings"][0]["n_relations"]["datatype"] == \
        "http://www.w3.org/2001/XMLSchema#integer"


def test_sparqlwrapper_post_xml_ask_and_construct(server: SparqlServer) -> None:
    sw = SPARQLWrapper(server.url + "sparql")
    sw.setMethod("POST")
    sw.setQuery(COUNT)
    sw.setReturnFormat(XML)
    xml = sw.query().convert()
    assert xml.getElementsByTagName("literal")[0].firstChild.data == "249"
    sw.setQuery("ASK { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("PREFIX sc: <https://w3id.org/scgraph/ontology#>\n"
                "CONSTRUCT { ?a sc:dependsOn ?b } WHERE { ?a sc:dependsOn ?b }")
    sw.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(graph) == 14
    sw.setQuery(COUNT)
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines() == ["n", "249"]


def test_curl_get_and_post(server: SparqlServer) -> None:
    url = server.url + "sparql"
    status, body = _curl("-G", url, "--data-urlencode", f"query={COUNT}",
                         "-H", "Accept: text/csv")
    assert (status, body.splitlines()) == (200, ["n", "249"])
    status, body = _curl("-X", "POST", url, "-H", "Content-Type: application/sparql-query",
                         "-H", "Accept: text/tab-separated-values", "--data-binary", COUNT)
    assert status == 200
    assert body.splitlines() == ["?n", '"249"^^<http://www.w3.org/2001/XMLSchema#integer>']
    status, body = _curl(url, "--data-urlencode", f"query={COUNT}")
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "249"
    status, body = _curl("-G", url, "--data-urlencode",
                         "query=CONSTRUCT WHERE { ?s a <https://w3id.org/scgraph/ontology#Risk> }",
                         "-H", "Accept: application/n-triples")
    assert status == 200
    assert len(body.splitlines()) == 32


def test_updates_are_refused(server: SparqlServer, mpsc: EmbeddedStore) -> None:
    before = len(mpsc)
    url = server.url + "sparql"
    assert _curl(url, "--data-urlencode", "update=DROP ALL")[0] == 403
    assert _curl(url, "-H", "Content-Type: application/sparql-update",
                 "--data-binary", "CLEAR ALL")[0] == 403
    status, body = _curl(url, "--data-urlencode", "query=DROP ALL")
    assert status == 403
    assert "read-only" in body
    status, body = _curl(url, "--data-urlencode",
                         "query=LOAD <http://example.org/x> INTO GRAPH <http://g>")
    assert status == 403
    assert len(mpsc) == before


def test_service_is_refused_but_the_word_in_a_string_is_not(server: SparqlServer) -> None:
    url = server.url + "sparql"
    status, body = _curl(url, "--data-urlencode",
                         "query=SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert status == 403
    assert "--allow-service" in body
    status, _ = _curl(url, "--data-urlencode", 'query=SELECT * { BIND ("SERVICE" AS ?s) }')
    assert status == 200


def test_errors_name_the_problem(server: SparqlServer) -> None:
    url = server.url + "sparql"
    status, body = _curl(url, "--data-urlencode", "query=SELECT ?s { ?s ?p }")
    assert status == 400
    assert "syntax" in body.lower()
    assert _curl("-G", url, "--data-urlencode", f"query={COUNT}",
                 "-H", "Accept: image/png")[0] == 406
    assert _curl(server.url + "nothing")[0] == 404
    assert _curl(url)[0] == 400
    # no query form and no update keyword: a mistyped query, not a refused update
    status, body = _curl(url, "--data-urlencode", "query=SELEC ?s { ?s ?p ?o }")
    assert status == 400
    assert "not a SPARQL query" in body


def test_query_page(server: SparqlServer) -> None:
    status, ctype, page = _http(server.url, headers={"Accept": "text/html"})
    assert status == 200
    assert ctype.startswith("text/html")
    assert "<form" in page
    assert "<textarea" in page
    for external in ("src=", "<link", "<script", "http://cdn", "https://cdn"):
        assert external not in page
    data = urllib.parse.urlencode({"query": COUNT}).encode()
    status, _, page = _http(server.url, data=data, headers={"Accept": "text/html"})
    assert status == 200
    assert "<td>249</td>" in page
    data = urllib.parse.urlencode({"query": "DROP ALL"}).encode()
    status, _, page = _http(server.url, data=data, headers={"Accept": "text/html"})
    assert status == 403
    assert "read-only" in page


def test_only_loopback_without_a_flag(mpsc: EmbeddedStore) -> None:
    with pytest.raises(UsageError, match="--allow-remote"):
        make_server(mpsc, "0.0.0.0", 0)
    srv = make_server(mpsc, "0.0.0.0", 0, allow_remote=True)
    srv.server_close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_command(mpsc_store_path: Path, sig: signal.Signals) -> None:
    """`scgraph serve` in its own process, stopped with SIGINT (Ctrl-C) or SIGTERM (a
    service manager): "stopped", exit 0 (a SIGTERM ended it with -15 before)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "scgraph", "serve", "--store",
                             str(mpsc_store_path), "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("serving http://127.0.0.1:")
        url = line.split()[1]
        status, body = _curl("-G", url + "sparql", "--data-urlencode", f"query={COUNT}",
                             "-H", "Accept: text/csv")
        assert (status, list(csv.reader(io.StringIO(body)))) == (200, [["n"], ["249"]])
    finally:
        proc.send_signal(sig)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    assert proc.stderr is not None
    assert proc.stderr.read().strip().endswith("stopped")
    refused = subprocess.run([sys.executable, "-m", "scgraph", "serve", "--store",
                              str(mpsc_store_path), "--host", "0.0.0.0", "--port", "0"],
                             capture_output=True, text=True, env=env, timeout=60)
    assert refused.returncode == 2
    assert "--allow-remote" in refused.stderr


UPDATES = ["DROP ALL", "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
           "DELETE WHERE { ?s ?p ?o }", "LOAD <http://127.0.0.1:9/x.ttl>",
           "PREFIX x: <http://e/> # a comment\nCLEAR DEFAULT",
           "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"]


def _protocol_forms(url: str, text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The same text in every SPARQL 1.1 protocol form, as query and as update."""
    return [(form, args) for form, args in [
        ("GET query=", ("-G", url, "--data-urlencode", f"query={text}")),
        ("GET update=", ("-G", url, "--data-urlencode", f"update={text}")),
        ("POST form query=", (url, "--data-urlencode", f"query={text}")),
        ("POST form update=", (url, "--data-urlencode", f"update={text}")),
        ("POST sparql-query", (url, "-H", "Content-Type: application/sparql-query",
                               "--data-binary", text)),
        ("POST sparql-update", (url, "-H", "Content-Type: application/sparql-update",
                                "--data-binary", text)),
        ("POST form query= in the URL", (url + "?query=" + urllib.parse.quote(text),
                                         "--data-urlencode", "x=1")),
    ]]


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_in_every_protocol_form(update: str, server: SparqlServer,
                                                    mpsc: EmbeddedStore) -> None:
    """GET and POST, form and direct body, ``query=`` and ``update=``: always 403."""
    before = len(mpsc)
    for form, args in _protocol_forms(server.url + "sparql", update):
        status, body = _curl(*args)
        assert status == 403, (form, status, body)
        assert "read-only" in body
    assert len(mpsc) == before


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request: a SERVICE target that must stay idle."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/sparql", seen
    srv.shutdown()
    srv.server_close()


def test_service_is_refused_in_every_spelling_and_protocol_form(
        server: SparqlServer, listener: tuple[str, list[str]]) -> None:
    """No request ever reaches the SERVICE target, however the keyword is written."""
    target, seen = listener
    spellings = [f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                 f"select * {{ service<{target}>{{?s ?p ?o}} }}",
                 f"SELECT * {{ # SERVICE in a comment\n SeRvIcE SILENT <{target}> "
                 "{ ?s ?p ?o } }",
                 # a CR ends a comment too, as it does for the store's parser
                 f"SELECT * {{ #\rSERVICE <{target}> {{ ?s ?p ?o }} }}",
                 f"ASK {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                 f"CONSTRUCT WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"]
    for text in spellings:
        for form, args in _protocol_forms(server.url + "sparql", text):
            status, body = _curl(*args)
            assert status == 403, (form, text, status, body)
    escaped = f"SELECT * {{ \\u0053ERVICE <{target}> {{ ?s ?p ?o }} }}"
    status, _ = _curl(server.url + "sparql", "--data-urlencode", f"query={escaped}")
    assert status in (400, 403)
    assert seen == []


def test_make_server_binds_loopback_by_default(mpsc: EmbeddedStore) -> None:
    srv = make_server(mpsc)
    try:
        assert srv.server_address[0] == "127.0.0.1"
        assert srv.url.startswith("http://127.0.0.1:")
    finally:
        srv.server_close()


def test_ingest_runs_while_serve_is_up(tmp_path: Path, mpsc_path: Path,
                                      small_path: Path) -> None:
    """The endpoint holds no lock between queries: a writer gets in, queries see its result."""
    store_dir = tmp_path / "store"
    with EmbeddedStore(store_dir) as st:
        ingest([small_path], st)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "scgraph", "serve", "--store",
                             str(store_dir), "--port", "0", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[1]
        status, body = _curl("-G", url + "sparql", "--data-urlencode", f"query={COUNT}",
                             "-H", "Accept: text/csv")
        assert (status, list(csv.reader(io.StringIO(body)))) == (200, [["n"], ["4"]])
        writer = subprocess.run([sys.executable, "-m", "scgraph", "ingest", "--store",
                                 str(store_dir), str(mpsc_path)],
                                capture_output=True, text=True, env=env, timeout=300)
        assert writer.returncode == 0, writer.stderr
        status, body = _curl("-G", url + "sparql", "--data-urlencode", f"query={COUNT}",
                             "-H", "Accept: text/csv")
        assert (status, list(csv.reader(io.StringIO(body)))) == (200, [["n"], ["253"]])
    finally:
        proc.send_signal(2)
        proc.wait(timeout=30)


def _raw(server: SparqlServer, request: bytes) -> bytes:
    """Send ``request`` as it is; the whole answer, once the server closes."""
    import socket

    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=30) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_what_is_refused_is_refused_before_the_format_is_chosen(server: SparqlServer) -> None:
    # an update asked for as CSV got 406 ("cannot answer a UPDATE query as 'text/csv'")
    url = server.url + "sparql"
    csv_accept = ("-H", "Accept: text/csv")
    assert _curl(url, *csv_accept, "--data-urlencode",
                 "query=INSERT DATA { <http://a> <http://b> <http://c> }")[0] == 403
    assert _curl(url, *csv_accept, "--data-urlencode", "query=SELEC ?s { ?s ?p ?o }")[0] == 400
    status, body = _curl(url, "-H", "Accept: text/csv", "--data-urlencode",
                         "query=ASK { ?s ?p ?o }")
    assert (status, body.strip()) == (200, "true")


def test_deep_nesting_is_refused_and_the_server_goes_on(server: SparqlServer) -> None:
    # 5,000 nested groups overflowed the parser's stack and ended the process
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    status, body = _curl(server.url + "sparql", "-H", "Content-Type: application/sparql-query",
                         "--data-binary", deep)
    assert status == 400
    assert "nests brackets deeper than 256 levels" in body
    assert _curl(server.url + "sparql", "--data-urlencode", f"query={COUNT}")[0] == 200


def test_request_bodies_the_server_cannot_read_are_answered(server: SparqlServer) -> None:
    head = b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
    answer = _raw(server, head + b"Content-Length: abc\r\nConnection: close\r\n\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Length 'abc' is not a number of bytes" in answer
    answer = _raw(server, head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                  b"6\r\nASK {}\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ")
    latin1 = 'SELECT ("München" AS ?x) {}'.encode("latin-1")
    status, _type, body = _http(server.url + "sparql", latin1, {
        "Content-Type": "application/sparql-query; charset=ISO-8859-1",
        "Accept": "text/csv"})
    assert (status, body) == (200, "x\r\nMünchen\r\n")
    status, _type, body = _http(server.url + "sparql", latin1, {
        "Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 400
    assert "not utf-8 text" in body
    assert _curl(server.url + "sparql?query=%FF")[0] == 400


def test_other_methods_get_405_with_what_is_allowed(server: SparqlServer) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        answer = _raw(server, f"{method} /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 0"
                              "\r\nConnection: close\r\n\r\n".encode())
        assert answer.startswith(b"HTTP/1.1 405 "), method
        assert b"Allow: GET, HEAD, POST\r\n" in answer
    answer = _raw(server, b"OPTIONS /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 204 ")
    assert b"Allow: GET, HEAD, POST\r\n" in answer


def test_the_query_page_refuses_graph_parameters_as_the_endpoint_does(
        server: SparqlServer) -> None:
    status, body = _curl(server.url, "--data-urlencode", f"query={COUNT}", "--data-urlencode",
                         "default-graph-uri=http://example.org/g")
    assert status == 400
    assert "default-graph-uri and named-graph-uri are not supported" in body


@pytest.mark.parametrize(("accept", "query", "media_type"), [
    ("text/*", COUNT, "text/csv"),
    ("application/*", "CONSTRUCT WHERE { ?s a ?o } LIMIT 1", "application/n-triples"),
    ("text/csv;Q=0, application/sparql-results+xml;q=0.5", COUNT,
     "application/sparql-results+xml"),
    ("text/csv;q=nan, application/sparql-results+xml;q=0.5", COUNT,
     "application/sparql-results+xml"),
])
def test_accept_follows_http(server: SparqlServer, accept: str, query: str,
                             media_type: str) -> None:
    status, ctype, _body = _http(server.url + "sparql?" + urllib.parse.urlencode(
        {"query": query}), headers={"Accept": accept})
    assert status == 200
    assert ctype.split(";")[0] == media_type


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_a_usage_error(cli, mpsc_store_path: Path, port: str) -> None:
    result = cli("serve", "--store", mpsc_store_path, "--port", port)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "Invalid value for '--port'" in result.err


def test_blank_nodes_and_control_characters_in_results(server: SparqlServer) -> None:
    url = server.url + "sparql"
    status, body = _curl(url, "-H", "Accept: text/csv", "--data-urlencode",
                         "query=SELECT ?b WHERE { BIND (BNODE() AS ?b) }")
    assert status == 200
    assert body.splitlines()[1].startswith("_:")  # the CSV results format's blank node
    control = 'query=SELECT ?y WHERE { BIND ("a\\u0001b" AS ?y) }'
    status, body = _curl(url, "-H", "Accept: application/sparql-results+xml",
                         "--data-urlencode", control)
    assert status == 406
    assert "XML 1.0 cannot carry" in body
    status, body = _curl(url, "--data-urlencode", control)
    assert status == 200
    assert json.loads(body)["results"]["bindings"][0]["y"]["value"] == "a\x01b"


def test_viz_on_an_endpoint_without_initiatives_names_the_endpoint(cli,
                                                                    tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "st") as st:
        st.replace_graphs({"http://example.org/g": b"<http://a> <http://b> <http://c> .\n"})
    with EmbeddedStore(tmp_path / "st", read_only=True) as st:
        srv = make_server(st, "127.0.0.1", 0)
        thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            url = srv.url + "sparql"
            result = cli("viz", "--endpoint", url, "--view", "overview", "--out",
                         tmp_path / "x.html")
        finally:
            srv.shutdown()
            srv.server_close()
    assert result.code == 2
    assert f"error: {url} holds no initiatives" in result.err


def test_a_store_that_cannot_answer_gives_503(mpsc: EmbeddedStore) -> None:
    # a SERVICE target that does not answer failed the store's read: that is no fault of
    # the request, which got 400
    srv = make_server(mpsc, "127.0.0.1", 0, allow_service=True)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        status, body = _curl(srv.url + "sparql", "--data-urlencode",
                             "query=SELECT * { SERVICE <http://127.0.0.1:1/x> { ?s ?p ?o } }")
    finally:
        srv.shutdown()
        srv.server_close()
    assert status == 503
    assert "reading failed" in body
