"""SHACL validation of a mapped dataset, with results traced back to records."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from scgraph.errors import Problem
from scgraph.ingest.records import Location
from scgraph.ingest.shacl_sparql import run_checks
from scgraph.memory import release_memory
from scgraph.namespaces import SC, id_from_iri
from scgraph.ontology import ontology_file, shapes_file

__all__ = ["ENGINES", "ontology_ntriples", "shacl_check"]

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@functools.cache
def _ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_file(), format="turtle")


@functools.cache
def _shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(shapes_file(), format="turtle")


def _english_message(report: rdflib.Graph, result: rdflib.term.Node) -> str | None:
    """The shape's English message (pySHACL drops the language tags in reports)."""
    shape = report.value(result, SH.sourceShape)
    if shape is not None:
        for msg in _shapes().objects(shape, SH.message):
            if isinstance(msg, rdflib.Literal) and msg.language == "en":
                return str(msg)
    message = report.value(result, SH.resultMessage)
    return str(message) if message is not None else None


#: Validation engines: compiled SPARQL queries in Oxigraph (fast), or pySHACL (reference).
ENGINES = ("sparql", "pyshacl")


@dataclass(frozen=True, slots=True)
class _Result:
    focus: str
    path: str | None
    value: str | None
    value_is_iri: bool
    message: str | None
    violation: bool


@functools.cache
def ontology_ntriples() -> bytes:
    """The ontology as N-Triples (parsed once)."""
    quads = ox.parse(ontology_file().read_bytes(), format=ox.RdfFormat.TURTLE)
    return "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads).encode()


def _with_pyshacl(data: bytes) -> list[_Result]:
    from pyshacl import validate as shacl_validate  # slow to import; only this engine needs it

    graph = rdflib.Graph()
    graph.parse(data=data.decode(), format="nt")
    _conforms, report, _text = shacl_validate(
        graph, shacl_graph=_shapes(), ont_graph=_ontology(), inference="none",
        allow_warnings=True, advanced=True)
    assert isinstance(report, rdflib.Graph)
    out: list[_Result] = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        out.append(_Result(
            str(focus), str(path) if isinstance(path, rdflib.URIRef) else None,
            None if value is None or value == focus else str(value),
            isinstance(value, rdflib.URIRef), _english_message(report, result),
            report.value(result, SH.resultSeverity) == SH.Violation))
    return out


def _with_sparql(data: bytes, extra: bytes) -> list[_Result]:
    store = ox.Store()
    for part in (ontology_ntriples(), extra, data):  # no concatenated copy of ``data``
        store.bulk_load(part, format=ox.RdfFormat.N_TRIPLES)
    found = run_checks(store, shapes_file().read_text(encoding="utf-8"))
    del store
    release_memory()  # the store's pages, before the data is written elsewhere
    out: list[_Result] = []
    for r in found:
        value = r.value
        shown = None if value is None or value == r.focus else (
            value.value if isinstance(value, (ox.NamedNode, ox.Literal)) else str(value))
        focus = r.focus.value if isinstance(r.focus, (ox.NamedNode, ox.Literal)) else str(r.focus)
        out.append(_Result(focus,
                           r.path, shown, isinstance(value, ox.NamedNode), r.message,
                           r.severity == str(SH.Violation)))
    return out


def shacl_check(triples: Iterable[str] | bytes, locations: dict[str, tuple[Location, str]],
                context: Iterable[str] = (), *, engine: str = "sparql",
                ) -> tuple[list[Problem], list[Problem]]:
    """Validate N-Triples (lines, or a document) against the shapes, with the ontology.

    ``context`` are IRIs of initiatives that other datasets define: they are typed
    in the data graph so that references to them check, and are not validated.
    ``engine`` is ``"sparql"`` (the shapes compiled to queries that Oxigraph runs)
    or ``"pyshacl"`` (the reference implementation; slow on large graphs); both
    report the same problems. Returns (violations, warnings), each located at the
    record that produced the focus node where that is known.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {ENGINES}")
    outside = {str(c) for c in context}
    typing = "".join(f"<{c}> <{rdflib.RDF.type}> <{SC}Initiative> .\n" for c in sorted(outside))
    data = triples if isinstance(triples, bytes) else "".join(triples).encode()
    results = _with_pyshacl(data + typing.encode()) if engine == "pyshacl" \
        else _with_sparql(data, typing.encode())
    violations: list[Problem] = []
    warnings: list[Problem] = []
    for r in results:
        if r.focus in outside:
            continue
        loc, rid = locations.get(r.focus, (None, None))
        text = r.message or "does not conform to the shapes"
        if r.value is not None:
            text += f" (value: {id_from_iri(r.value) if r.value_is_iri else r.value})"
        problem = Problem(id_from_iri(r.path) if r.path else None, text,
                          file=loc.file if loc else None, line=loc.line if loc else None,
                          record=rid or (id_from_iri(r.focus) if r.focus else None))
        (violations if r.violation else warnings).append(problem)
    key = lambda p: (p.file or "", p.line or 0, p.field or "", p.message,  # noqa: E731
                     p.record or "")
    return sorted(violations, key=key), sorted(warnings, key=key)
