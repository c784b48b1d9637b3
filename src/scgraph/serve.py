"""A read-only SPARQL 1.1 Protocol endpoint over a store, with a query page.

``GET /sparql?query=...`` and ``POST /sparql`` (form-encoded ``query=...`` or a
body of type ``application/sparql-query``) answer SELECT and ASK in JSON, XML,
CSV or TSV and CONSTRUCT/DESCRIBE in Turtle or N-Triples, chosen by the
``Accept`` header (or a ``format``/``output`` parameter). ``/`` is an HTML page
with a query form; it shows results as a table. Updates are refused, and so are
queries that use ``SERVICE`` unless the server was made with
``allow_service=True``. Only the standard library's ``http.server`` is used.
"""

from __future__ import annotations

import html
import ipaddress
import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from scgraph import __version__
from scgraph.errors import QueryError, ScgraphError, StoreError, UsageError
from scgraph.namespaces import PREFIXES
from scgraph.results import MEDIA_TYPES, serialize_boolean, serialize_table
from scgraph.sparql import QUERY_FORMS, check_nesting, has_keyword, is_update, query_form
from scgraph.store.base import GraphStore, Table, term_value

__all__ = ["ENDPOINT_PATHS", "RDF_MEDIA_TYPES", "SparqlServer", "is_loopback", "make_server"]

#: Paths that answer the SPARQL protocol (``/`` does too, unless a browser asks).
ENDPOINT_PATHS = ("/sparql", "/query")

#: Graph result format name -> (media type, pyoxigraph format).
RDF_MEDIA_TYPES: dict[str, tuple[str, ox.RdfFormat]] = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
}

_ALIASES = {"json": "json", "application/sparql-results+json": "json",
            "application/json": "json", "xml": "xml",
            "application/sparql-results+xml": "xml", "application/xml": "xml",
            "text/xml": "xml", "csv": "csv", "text/csv": "csv", "tsv": "tsv",
            "text/tab-separated-values": "tsv", "turtle": "ttl", "ttl": "ttl",
            "text/turtle": "ttl", "application/x-turtle": "ttl", "nt": "nt",
            "ntriples": "nt", "n-triples": "nt", "application/n-triples": "nt",
            "text/plain": "nt", "html": "html", "text/html": "html",
            "application/xhtml+xml": "html"}

_ALLOW = "GET, HEAD, POST"


def _form(text: str) -> dict[str, list[str]]:
    """The parameters of a query string or form; percent-encoded bytes must be UTF-8."""
    try:
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise _Refused(HTTPStatus.BAD_REQUEST, f"a parameter is not UTF-8 once decoded "
                       f"(byte {exc.start}); percent-encode UTF-8") from None


def _decoded(body: bytes, content_type_params: str) -> str:
    """A request body as text, in the ``charset`` its Content-Type names (else UTF-8)."""
    charset = "utf-8"
    for param in content_type_params.split(";"):
        name, _eq, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    try:
        return body.decode(charset)
    except LookupError:
        raise _Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                       f"unknown charset {charset!r}; send UTF-8") from None
    except UnicodeDecodeError as exc:
        raise _Refused(HTTPStatus.BAD_REQUEST, f"the body is not {charset} text (byte "
                       f"{exc.start}); send UTF-8, or name its charset") from None


_EXAMPLE = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("sc", "rdfs", "dcterms")) + (
    "SELECT ?id ?label WHERE {\n  ?i a sc:Initiative ; dcterms:identifier ?id ; "
    "rdfs:label ?label .\n} ORDER BY ?id LIMIT 20\n")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``).

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _media_type(fmt: str) -> str:
    if fmt == "html":
        return "text/html"
    return MEDIA_TYPES[fmt] if fmt in MEDIA_TYPES else RDF_MEDIA_TYPES[fmt][0]


def _quality(params: list[str]) -> float | None:
    """The ``q`` of an Accept entry's parameters: 1 if none, None if it is no weight
    (RFC 9110: a number from 0 to 1, the parameter's name in any case)."""
    for param in params:
        name, _eq, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            return q if 0 <= q <= 1 else None  # nan and inf are not in range either
    return 1.0


def _negotiate(accept: str, choices: list[str], explicit: str | None) -> str | None:
    """The format among ``choices`` that the client prefers (first choice by default).

    >>> _negotiate("text/*", ["json", "xml", "csv", "tsv"], None)
    'csv'
    >>> _negotiate("text/csv;Q=0, */*;q=0.1", ["json", "csv"], None)
    'json'
    """
    if explicit:
        fmt = _ALIASES.get(explicit.strip().lower())
        return fmt if fmt in choices else None
    best: tuple[float, int, str] | None = None
    for i, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        q = _quality(params)
        if q is None or q <= 0:
            continue
        if media in ("*/*", ""):
            fmt = choices[0]
            q -= 0.0002  # a concrete type wins over a wildcard of the same weight
        elif media.endswith("/*"):
            fmt = next((c for c in choices if _media_type(c).startswith(media[:-1])), "")
            q -= 0.0001
        else:
            fmt = _ALIASES.get(media, "")
        if fmt in choices and (best is None or (q, -i) > (best[0], best[1])):
            best = (q, -i, fmt)
    if best is None:
        return choices[0] if not accept.strip() else None
    return best[2]


class SparqlServer(ThreadingHTTPServer):
    """A threading HTTP server that holds the store and the endpoint's settings."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: GraphStore, *,
                 allow_service: bool = False, log: Callable[[str], None] | None = None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.store = store
        self.allow_service = allow_service
        self.log = log

    @property
    def url(self) -> str:
        """The URL of the query page; the endpoint is ``url + "sparql"``."""
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = f"scgraph/{__version__}"
    protocol_version = "HTTP/1.1"
    _FORMS: ClassVar[dict[str, list[str]]] = {
        "SELECT": ["json", "xml", "csv", "tsv"], "ASK": ["json", "xml", "csv", "tsv"],
        "CONSTRUCT": ["ttl", "nt"], "DESCRIBE": ["ttl", "nt"]}

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")

    # -- answering -------------------------------------------------------------------------
    def _send(self, status: HTTPStatus, body: bytes, media_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client left: nobody to tell
                self.close_connection = True

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, (message + "\n").encode(), "text/plain; charset=utf-8")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        try:
            params = _form(parts.query)
        except _Refused as exc:
            self._error(exc.status, str(exc))
            return
        self._dispatch(parts.path, params)

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        try:
            params = _form(parts.query)
            body = self._body()
            ctype, _sep, rest = (self.headers.get("Content-Type") or "").partition(";")
            text = _decoded(body, rest)
            ctype = ctype.strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                for key, values in _form(text).items():
                    params.setdefault(key, []).extend(values)
        except _Refused as exc:
            self.close_connection = True  # what is left of the body is not read
            self._error(exc.status, str(exc))
            return
        if ctype == "application/sparql-query":
            params["query"] = [text]
        elif ctype == "application/sparql-update":
            params["update"] = [text]
        elif ctype != "application/x-www-form-urlencoded":
            self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                        "POST a form (application/x-www-form-urlencoded) or "
                        "application/sparql-query")
            return
        self._dispatch(parts.path, params)

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            raise _Refused(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length, "
                           "not in chunks")
        given = (self.headers.get("Content-Length") or "0").strip()
        if not given.isdigit() or not given.isascii():
            raise _Refused(HTTPStatus.BAD_REQUEST,
                           f"Content-Length {given!r} is not a number of bytes")
        length = int(given)
        return self.rfile.read(length) if length else b""

    def _not_allowed(self) -> None:
        self.close_connection = True  # its body, if it sent one, is not read
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", _ALLOW)
        body = b"this endpoint answers GET, HEAD and POST; it is read-only\n"
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Allow", _ALLOW)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _dispatch(self, path: str, params: dict[str, list[str]]) -> None:
        if path not in ("/", *ENDPOINT_PATHS):
            self._error(HTTPStatus.NOT_FOUND, f"no such page {path!r}; the endpoint is /sparql")
            return
        if "update" in params:
            self._error(HTTPStatus.FORBIDDEN, "this endpoint is read-only; updates are refused")
            return
        explicit_values = params.get("format") or params.get("output") or []
        explicit = explicit_values[0] if explicit_values else None
        wants_page = path == "/" and _negotiate(self.headers.get("Accept", ""),
                                                ["html", "json"], explicit) == "html"
        queries = params.get("query", [])
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            self._error(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are "
                        "not supported; the default graph is the union of all graphs")
            return
        if wants_page or (path == "/" and not queries):
            self._page(queries[0] if queries else None)
            return
        if len(queries) != 1 or not queries[0].strip():
            self._error(HTTPStatus.BAD_REQUEST, "give exactly one 'query' parameter")
            return
        try:
            body, media_type = self._answer(queries[0], self.headers.get("Accept", ""),
                                            explicit)
        except _Refused as exc:
            self._error(exc.status, str(exc))
            return
        self._send(HTTPStatus.OK, body, media_type)

    def _check(self, sparql: str) -> str:
        """The query's form, once it is known to be a query this server runs."""
        form = query_form(sparql)
        if form == "UPDATE":
            if is_update(sparql):
                raise _Refused(HTTPStatus.FORBIDDEN,
                               "this endpoint is read-only; updates (and LOAD) are refused")
            raise _Refused(HTTPStatus.BAD_REQUEST, "not a SPARQL query: it has none of "
                           + ", ".join(QUERY_FORMS))
        if not self.server.allow_service and has_keyword(sparql, "SERVICE"):
            raise _Refused(HTTPStatus.FORBIDDEN, "SERVICE (federated queries) is disabled; "
                           "start the server with --allow-service to enable it")
        try:
            check_nesting(sparql)
        except QueryError as exc:
            raise _Refused(HTTPStatus.BAD_REQUEST, str(exc)) from exc
        return form

    def _run(self, sparql: str, form: str | None = None) -> Table | bool | list[ox.Triple]:
        """The result of ``sparql``, whose ``form`` :meth:`_check` gave (else checked here)."""
        form = form or self._check(sparql)
        store = self.server.store
        try:
            if form == "SELECT":
                return store.select(sparql)
            if form == "ASK":
                return store.ask(sparql)
            return store.construct(sparql)
        except StoreError as exc:  # not the request's fault
            raise _Refused(HTTPStatus.SERVICE_UNAVAILABLE, str(exc)) from exc
        except ScgraphError as exc:
            raise _Refused(HTTPStatus.BAD_REQUEST, str(exc)) from exc

    def _answer(self, sparql: str, accept: str, explicit: str | None) -> tuple[bytes, str]:
        form = self._check(sparql)
        choices = self._FORMS[form]
        fmt = _negotiate(accept, choices, explicit)
        if fmt is None:
            raise _Refused(HTTPStatus.NOT_ACCEPTABLE,
                           f"cannot answer {'an' if form == 'ASK' else 'a'} {form} query as "
                           f"{explicit or accept!r}; available: " + ", ".join(choices))
        result = self._run(sparql, form)
        if isinstance(result, Table):
            try:
                return serialize_table(result, fmt), MEDIA_TYPES[fmt] + "; charset=utf-8"
            except UsageError as exc:  # a value the format cannot carry
                raise _Refused(HTTPStatus.NOT_ACCEPTABLE, str(exc)) from exc
        if isinstance(result, bool):
            return serialize_boolean(result, fmt), MEDIA_TYPES[fmt] + "; charset=utf-8"
        media_type, rdf_format = RDF_MEDIA_TYPES[fmt]
        prefixes = PREFIXES if rdf_format is ox.RdfFormat.TURTLE else None
        data = ox.serialize(result, format=rdf_format, prefixes=prefixes) or b""
        return data, media_type + "; charset=utf-8"

    # -- the query page --------------------------------------------------------------------
    def _page(self, sparql: str | None) -> None:
        text = sparql if sparql is not None else _EXAMPLE
        result_html = ""
        status = HTTPStatus.OK
        if sparql is not None:
            try:
                result = self._run(sparql)
                result_html = _result_html(result)
            except _Refused as exc:
                status = exc.status
                result_html = f'<p class="error">{html.escape(str(exc))}</p>'
        page = _PAGE.format(version=html.escape(__version__), query=html.escape(text),
                            result=result_html)
        self._send(status, page.encode(), "text/html; charset=utf-8")


def _result_html(result: Table | bool | list[ox.Triple]) -> str:
    if isinstance(result, bool):
        return f"<p>{'true' if result else 'false'}</p>"
    if isinstance(result, list):
        rows = "".join(f"<tr><td>{html.escape(str(t.subject))}</td>"
                       f"<td>{html.escape(str(t.predicate))}</td>"
                       f"<td>{html.escape(str(t.object))}</td></tr>" for t in result)
        return (f"<p>{len(result)} triples</p><table><tr><th>subject</th><th>predicate</th>"
                f"<th>object</th></tr>{rows}</table>")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in result.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(term_value(t) or '')}</td>"
                                    for t in row) + "</tr>" for row in result.rows)
    return f"<p>{len(result)} rows</p><table><tr>{head}</tr>{body}</table>"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>scgraph SPARQL</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
textarea {{ width: 100%; font-family: monospace; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
td, th {{ border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; }}
.error {{ color: #a00; white-space: pre-wrap; }}
</style></head>
<body>
<h1>scgraph SPARQL endpoint</h1>
<p>Read-only. The default graph is the union of all named graphs. Protocol endpoint:
<code>/sparql</code>. scgraph {version}.</p>
<form method="post" action="/">
<textarea name="query" rows="14">{query}</textarea>
<p><button type="submit">Run</button></p>
</form>
{result}
</body></html>
"""


def make_server(store: GraphStore, host: str = "127.0.0.1", port: int = 0, *,
                allow_remote: bool = False, allow_service: bool = False,
                log: Callable[[str], None] | None = None) -> SparqlServer:
    """A server over ``store`` bound to ``host:port`` (``port=0``: a free port).

    A host other than a loopback address needs ``allow_remote=True``: the endpoint
    has no authentication.
    """
    if not is_loopback(host) and not allow_remote:
        raise UsageError(f"--host {host}: the endpoint has no authentication; binding to a "
                         "non-loopback address needs --allow-remote")
    try:
        return SparqlServer((host, port), store, allow_service=allow_service, log=log)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
