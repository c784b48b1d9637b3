"""A remote SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, Fuseki, GraphDB) as the store.

Queries go to the query endpoint, writes to the update endpoint, and uploads to the
Graph Store Protocol URL where one is given (else as ``INSERT DATA`` updates).
Every request has a timeout; connection failures and HTTP 502/503/504 are retried
with exponential backoff. An update whose answer was lost after it was sent (a reset
or cut connection, a gateway error) is not sent again: repeating a ``MOVE`` would
empty its target. Credentials and limits come from the environment:

=================================  ==========================================
``SCGRAPH_ENDPOINT_TOKEN``          bearer token (``Authorization: Bearer``)
``SCGRAPH_ENDPOINT_USER``,          HTTP basic authentication
``SCGRAPH_ENDPOINT_PASSWORD``
``SCGRAPH_ENDPOINT_TIMEOUT``        seconds to wait for an answer (default 60)
``SCGRAPH_ENDPOINT_RETRIES``        retries of a transient failure (default 3)
=================================  ==========================================

The endpoint must answer queries over the union of its named graphs when no
graph is named (``docs/endpoints.md`` says how to set that up per engine).
"""

from __future__ import annotations

import base64
import calendar
import json
import math
import os
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from http.client import HTTPException
from types import TracebackType
from typing import Any

import pyoxigraph as ox

from scgraph.errors import EndpointError, UsageError
from scgraph.namespaces import PREFIXES, STAGING
from scgraph.sparql import inject_values
from scgraph.store.base import EXPORT_FORMATS, Table, Term

__all__ = [
    "ENV_PASSWORD",
    "ENV_RETRIES",
    "ENV_TIMEOUT",
    "ENV_TOKEN",
    "ENV_USER",
    "LEFTOVER_SECONDS",
    "TRANSIENT_STATUS",
    "RemoteStore",
    "parse_json_results",
]

ENV_USER = "SCGRAPH_ENDPOINT_USER"
ENV_PASSWORD = "SCGRAPH_ENDPOINT_PASSWORD"
ENV_TOKEN = "SCGRAPH_ENDPOINT_TOKEN"
ENV_TIMEOUT = "SCGRAPH_ENDPOINT_TIMEOUT"
ENV_RETRIES = "SCGRAPH_ENDPOINT_RETRIES"
#: HTTP statuses worth retrying: the server or a proxy in front of it is busy or restarting.
TRANSIENT_STATUS = frozenset({502, 503, 504})
_JSON_RESULTS = "application/sparql-results+json"
#: How old a staged graph must be before a write drops it as left by an interrupted one.
LEFTOVER_SECONDS = 3600.0


def _without_secret(url: str) -> str:
    """``url`` with what stands before ``@`` in its host part left out."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(netloc="…@" + parts.netloc.rpartition("@")[2]))


def _staged_at(graph: str) -> float:
    """When the write that staged ``graph`` started (its IRI says), in seconds since the
    epoch; 0 for one an earlier version of scgraph staged, whose IRI does not say."""
    stamp = graph[len(STAGING):].split("-", 1)[0]
    try:
        return calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return 0.0


class _AnswerLost(EndpointError):
    """The request went out but its answer did not come back: it may have been done."""


def _env_number(name: str, default: float, *, least: float, most: float) -> float:
    """The number the environment variable ``name`` gives, from ``least`` to ``most``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not least <= value <= most:  # nan and inf too
        raise UsageError(f"{name}={raw!r} is not a number from {least:g} to {most:g}; unset "
                         f"it or give e.g. {default:g}")
    return value


def _term(cell: Mapping[str, str]) -> Term:
    kind = cell.get("type")
    value = cell.get("value", "")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return ox.BlankNode(value) if value else ox.BlankNode()
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in cell:
            return ox.Literal(value, language=cell["xml:lang"])
        if "datatype" in cell:
            return ox.Literal(value, datatype=ox.NamedNode(cell["datatype"]))
        return ox.Literal(value)
    raise ValueError(f"unknown term type {kind!r}")


#: The variable of Virtuoso's answer to an ASK query in the JSON results format.
_ASK_RETVAL = "__ask_retval"


def parse_json_results(doc: Mapping[str, Any]) -> Table | bool:
    """A SPARQL 1.1 JSON result document as a :class:`Table` (or a boolean for ASK).

    >>> parse_json_results({"head": {"vars": ["s"]}, "results": {"bindings": [
    ...     {"s": {"type": "literal", "value": "1", "datatype":
    ...            "http://www.w3.org/2001/XMLSchema#integer"}}, {}]}}).values()
    [('1',), (None,)]
    """
    if "boolean" in doc:
        return bool(doc["boolean"])
    columns = list(doc["head"]["vars"])
    rows = [tuple(_term(b[c]) if c in b else None for c in columns)
            for b in doc["results"]["bindings"]]
    return Table(columns, rows)


class RemoteStore:
    """A SPARQL 1.1 endpoint behind the :class:`~scgraph.store.GraphStore` interface.

    ``query_endpoint`` answers queries; ``update_endpoint`` (default: none, the store
    is read-only) takes updates; ``graph_store`` is an optional Graph Store Protocol
    URL for uploads, else data goes up as ``INSERT DATA`` of ``chunk_size`` triples.
    ``timeout`` and ``retries`` default to the environment (see the module docstring).
    """

    def __init__(self, query_endpoint: str, update_endpoint: str | None = None,
                 graph_store: str | None = None, *, timeout: float | None = None,
                 retries: int | None = None,
                 backoff: float = 0.5, chunk_size: int = 2000,
                 sleep: Callable[[float], None] = time.sleep,
                 check_union: bool = False) -> None:
        for url in (query_endpoint, update_endpoint, graph_store):
            if url is not None and urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise UsageError(f"endpoint {url!r} is not an http(s) URL")
            if url is not None and "@" in urllib.parse.urlsplit(url).netloc:
                raise UsageError(f"endpoint {_without_secret(url)!r}: give credentials in "
                                 f"{ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}), not in "
                                 "the URL, where the shell's history and the process list "
                                 "show them")
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.graph_store = graph_store
        self.location = query_endpoint
        self.timeout = _env_number(ENV_TIMEOUT, 60.0, least=0.1, most=86400.0) \
            if timeout is None else timeout
        # backoff doubles: 10 retries wait 8.5 minutes in all at the default 0.5 s
        self.retries = int(_env_number(ENV_RETRIES, 3, least=0, most=10)) \
            if retries is None else retries
        self.backoff = backoff
        self.chunk_size = chunk_size
        self._sleep = sleep
        self._headers = self._auth_headers()
        #: check, before the first query, that the default graph is the named graphs' union
        self._union_unchecked = check_union

    @staticmethod
    def _auth_headers() -> dict[str, str]:
        token = os.environ.get(ENV_TOKEN)
        if token:
            return {"Authorization": f"Bearer {token}"}
        user = os.environ.get(ENV_USER)
        if user:
            secret = f"{user}:{os.environ.get(ENV_PASSWORD, '')}".encode()
            return {"Authorization": "Basic " + base64.b64encode(secret).decode("ascii")}
        return {}

    # -- HTTP ------------------------------------------------------------------------------
    def _request(self, method: str, url: str, *, body: bytes | None = None,
                 headers: Mapping[str, str] | None = None, repeatable: bool = True) -> bytes:
        """Send one request, retrying transient failures; return the response body.

        A request that is not ``repeatable`` is retried only when it cannot have
        reached the server (no connection) or the server said 503 Unavailable.
        """
        all_headers = {"User-Agent": "scgraph", **self._headers, **(headers or {})}
        maybe_done = "" if repeatable else "; the request may have been carried out"
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=body, method=method, headers=all_headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    data: bytes = resp.read()
                    return data
            except urllib.error.HTTPError as exc:
                message = exc.read().decode("utf-8", "replace").strip()
                if exc.code in TRANSIENT_STATUS and attempt < self.retries and (
                        repeatable or exc.code == 503):
                    pass
                else:
                    error = _AnswerLost if exc.code in TRANSIENT_STATUS and maybe_done \
                        else EndpointError
                    raise error(self._describe(url, f"HTTP {exc.code} {exc.reason}",
                                               message)) from None
            except (urllib.error.URLError, ConnectionError, HTTPException, TimeoutError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError | socket.timeout):
                    raise _AnswerLost(self._describe(
                        url, f"no answer within {self.timeout:g} s",
                        f"raise {ENV_TIMEOUT} to wait longer" + maybe_done)) from None
                # urllib wraps failures before the request was sent; later ones are raw
                refused = isinstance(exc, urllib.error.URLError)
                if not refused and not repeatable:
                    raise _AnswerLost(self._describe(
                        url, f"connection lost ({reason!r})",
                        "the request may have been carried out, so it is not sent again")
                    ) from None
                if attempt >= self.retries:
                    cause = f"cannot connect ({reason})" if refused \
                        else f"connection lost ({reason!r})"
                    raise EndpointError(self._describe(
                        url, cause, f"gave up after {attempt + 1} attempts"
                        + ("; is the server running?" if refused else ""))) from None
            self._sleep(self.backoff * 2 ** attempt)
            attempt += 1

    @staticmethod
    def _describe(url: str, status: str, message: str) -> str:
        text = f"{url}: {status}"
        if message:
            text += ": " + (message if len(message) <= 600 else message[:600] + " ...")
        return text

    def _post_query(self, sparql: str, accept: str) -> bytes:
        if self._union_unchecked:
            self._union_unchecked = False
            self.check_union()
        body = urllib.parse.urlencode({"query": sparql}).encode()
        return self._request("POST", self.query_endpoint, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})

    def update(self, sparql: str) -> None:
        """Send a SPARQL update to the update endpoint."""
        if self.update_endpoint is None:
            raise UsageError(f"{self.query_endpoint}: no update endpoint given; "
                             "pass --update-endpoint to write")
        body = urllib.parse.urlencode({"update": sparql}).encode()
        self._request("POST", self.update_endpoint, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"}, repeatable=False)

    # -- reading ---------------------------------------------------------------------------
    def check_union(self) -> None:
        """Raise EndpointError if the endpoint's default graph is not the union of its named
        graphs: a triple of a named graph is then not in it, and every query of scgraph,
        which reads the default graph, would find nothing (and say so by no error)."""
        probe = self.select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
                            "FILTER(!isBlank(?s) && !isBlank(?o)) } LIMIT 1")
        if not probe.rows:
            return  # no named graph holds a triple: nothing to tell by
        s, p, o = probe.rows[0]
        if not self.ask(f"ASK {{ {s} {p} {o} }}"):
            raise EndpointError(
                f"{self.query_endpoint}: the default graph is not the union of the named "
                "graphs, so scgraph's queries would find nothing; start Oxigraph with "
                "--union-default-graph (docs/endpoints.md gives the setting for each engine)")

    def _results(self, sparql: str, bindings: Mapping[str, Term] | None) -> Table | bool:
        text = inject_values(sparql, bindings or {})
        data = self._post_query(text, _JSON_RESULTS)
        try:
            return parse_json_results(json.loads(data))
        except (ValueError, KeyError, TypeError) as exc:
            raise EndpointError(self._describe(self.query_endpoint, "unreadable answer",
                                               f"{exc}: {data[:200]!r}")) from None

    def select(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> Table:
        """Run a SELECT query; ``bindings`` become a VALUES block of RDF terms."""
        result = self._results(sparql, bindings)
        if not isinstance(result, Table):
            raise UsageError("expected a SELECT query")
        return result

    def ask(self, sparql: str, *, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query."""
        result = self._results(sparql, bindings)
        if isinstance(result, Table) and [c.lower() for c in result.columns] == [_ASK_RETVAL]:
            # Virtuoso answers ASK as a table: one row holding 1 if true, none if false
            return any(v not in (None, "0", "false") for (v,) in result.values())
        if not isinstance(result, bool):
            raise UsageError("expected an ASK query")
        return result

    def construct(self, sparql: str, *,
                  bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query."""
        data = self._post_query(inject_values(sparql, bindings or {}), "application/n-triples")
        try:
            return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise EndpointError(self._describe(self.query_endpoint, "unreadable answer",
                                               str(exc))) from None

    def graphs(self) -> list[str]:
        """IRIs of the named graphs that hold triples, sorted."""
        table = self.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return sorted(v for (v,) in table.values()
                      if v is not None and not v.startswith(STAGING))

    def export(self, fmt: str, *, graph: str | None = None) -> bytes:
        """Serialise the named graphs (or one of them) as ``fmt`` (see EXPORT_FORMATS)."""
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"unknown export format {fmt!r}; expected one of "
                             + ", ".join(EXPORT_FORMATS))
        rdf_format, datasets = EXPORT_FORMATS[fmt]
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        graphs = self.graphs()
        if graph is not None:
            if graph not in graphs:
                raise UsageError(f"no graph {graph!r} at {self.query_endpoint}; "
                                 "`scgraph stats` lists the datasets")
            graphs = [graph]
        quads: list[ox.Quad] = []
        for g in graphs:
            table = self.select("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                                bindings={"g": ox.NamedNode(g)})
            for s, p, o in table.rows:
                if isinstance(s, ox.NamedNode | ox.BlankNode) and isinstance(p, ox.NamedNode) \
                        and o is not None:
                    quads.append(ox.Quad(s, p, o, ox.NamedNode(g)))
        if datasets:
            return ox.serialize(sorted(quads, key=str), format=rdf_format,
                                prefixes=prefixes) or b""
        triples = sorted({q.triple for q in quads}, key=str)
        return ox.serialize(triples, format=rdf_format, prefixes=prefixes) or b""

    # -- writing ---------------------------------------------------------------------------
    def _upload(self, graph: str, data: bytes) -> None:
        if self.graph_store is not None:
            sep = "&" if "?" in self.graph_store else "?"
            url = f"{self.graph_store}{sep}graph={urllib.parse.quote(graph, safe='')}"
            self._request("PUT", url, body=data, headers={"Content-Type":
                                                          "application/n-triples"})
            return
        lines = data.decode("utf-8").splitlines()
        # A blank node is new in every request: keep the triples that use blank nodes
        # together; send the rest in chunks small enough for any engine's parser.
        with_blanks = [ln for ln in lines if "_:" in ln]
        plain = [ln for ln in lines if ln.strip() and "_:" not in ln]
        for i in range(0, len(plain), self.chunk_size):
            body = "\n".join(plain[i:i + self.chunk_size])
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}\n}} }}")
        if with_blanks:  # a template, since some engines refuse blank nodes in INSERT DATA
            body = "\n".join(with_blanks)
            self.update(f"INSERT {{ GRAPH <{graph}> {{\n{body}\n}} }} WHERE {{}}")

    def leftovers(self) -> list[str]:
        """The graphs an interrupted write left staged (:data:`STAGING`), sorted: they
        are in the union default graph, so every query sees their triples twice."""
        table = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(g for (g,) in table.values() if g is not None and g.startswith(STAGING))

    def _drop_old_leftovers(self) -> None:
        """Drop what writes that ended at least :data:`LEFTOVER_SECONDS` ago left staged
        (a younger one may be another write's, still going on)."""
        now = time.time()
        old = [g for g in self.leftovers() if now - _staged_at(g) >= LEFTOVER_SECONDS]
        if old:
            self.drop_graphs(old)

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        """Replace each named graph by the given N-Triples, all or nothing.

        Each graph is uploaded to a temporary graph first; one update request then
        moves all of them in place. If an upload fails (or is interrupted), the temporary
        graphs are dropped and the endpoint's graphs are as before; if even that fails,
        the error names them. What earlier writes left staged is dropped first.
        """
        if self.update_endpoint is None:
            raise UsageError(f"{self.query_endpoint}: no update endpoint given; "
                             "pass --update-endpoint to write")
        self._drop_old_leftovers()
        run = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex}"
        staged: list[tuple[str, str]] = []
        empty: list[str] = []
        moving = False
        try:
            for i, (target, data) in enumerate(graphs.items()):
                ox.NamedNode(target)  # refuse a malformed IRI before writing anything
                if not data.strip():
                    empty.append(target)
                    continue
                tmp = f"{STAGING}{run}/{i}"
                staged.append((tmp, target))
                self._upload(tmp, data)
            steps = [f"MOVE SILENT GRAPH <{tmp}> TO GRAPH <{target}>" for tmp, target in staged]
            steps += [f"DROP SILENT GRAPH <{target}>" for target in empty]
            if steps:
                moving = True
                self.update(" ;\n".join(steps))
        except BaseException as exc:  # an interrupt too: what was staged must go
            left = ""
            try:
                if staged:
                    self.update(" ;\n".join(f"DROP SILENT GRAPH <{tmp}>" for tmp, _ in staged))
            except (EndpointError, KeyboardInterrupt):
                held = self._holding([tmp for tmp, _ in staged])
                if held:  # an endpoint that refuses every update was given nothing to hold
                    left = (f"; the graphs it replaces are as they were, but those staged "
                            f"for it could not be removed: {', '.join(held)}. Every query "
                            "sees their triples until `scgraph drop` names them (a write an "
                            "hour later drops them)")
            if moving and isinstance(exc, _AnswerLost):  # MOVE is one request: all or none
                raise EndpointError(
                    f"writing to {self.update_endpoint}: no answer to the final MOVE, so the "
                    "graphs are either all as before or all replaced; run `scgraph stats "
                    f"--endpoint ...` to see which: {exc}") from exc
            if left:
                why = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
                raise EndpointError(f"writing to {self.update_endpoint} failed ({why})"
                                    f"{left}") from exc
            if isinstance(exc, EndpointError | ValueError | UnicodeDecodeError):
                raise EndpointError(f"writing to {self.update_endpoint} failed, nothing was "
                                    f"changed: {exc}") from exc
            raise

    def _holding(self, graphs: Sequence[str]) -> list[str]:
        """Those of ``graphs`` that hold triples; all of them if the endpoint cannot say."""
        try:
            return [g for g in graphs if self.ask(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")]
        except (EndpointError, KeyboardInterrupt):
            return list(graphs)

    def drop_graphs(self, graphs: Sequence[str]) -> None:
        """Remove named graphs in one update request."""
        if graphs:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{ox.NamedNode(g).value}>"
                                    for g in graphs))

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
