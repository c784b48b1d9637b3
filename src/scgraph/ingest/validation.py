"""SHACL validation of a mapped dataset, with results traced back to records."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import rdflib
from pyshacl import validate as shacl_validate

from scgraph.errors import Problem
from scgraph.ingest.records import Location
from scgraph.namespaces import SC, id_from_iri
from scgraph.ontology import ontology_file, shapes_file

__all__ = ["shacl_check"]

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


def shacl_check(triples: Iterable[str], locations: dict[str, tuple[Location, str]],
                context: Iterable[str] = ()) -> tuple[list[Problem], list[Problem]]:
    """Validate N-Triples lines against the shapes (with the ontology alongside).

    ``context`` are IRIs of initiatives that other datasets define: they are typed
    in the data graph so that references to them check, and are not validated.
    Returns (violations, warnings), each located at the record that produced the
    focus node where that is known.
    """
    outside = {str(c) for c in context}
    typing = "".join(f"<{c}> <{rdflib.RDF.type}> <{SC}Initiative> .\n" for c in sorted(outside))
    data = rdflib.Graph()
    data.parse(data="".join(triples) + typing, format="nt")
    _conforms, report, _text = shacl_validate(
        data, shacl_graph=_shapes(), ont_graph=_ontology(), inference="none",
        allow_warnings=True, advanced=True)
    assert isinstance(report, rdflib.Graph)
    violations: list[Problem] = []
    warnings: list[Problem] = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if str(focus) in outside:
            continue
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = _english_message(report, result)
        severity = report.value(result, SH.resultSeverity)
        loc, rid = locations.get(str(focus), (None, None))
        fld = id_from_iri(str(path)) if isinstance(path, rdflib.URIRef) else None
        text = str(message) if message else "does not conform to the shapes"
        if value is not None and value != focus:
            shown = id_from_iri(str(value)) if isinstance(value, rdflib.URIRef) else value
            text += f" (value: {shown})"
        problem = Problem(fld, text, file=loc.file if loc else None,
                          line=loc.line if loc else None,
                          record=rid or (id_from_iri(str(focus)) if focus else None))
        (violations if severity == SH.Violation else warnings).append(problem)
    key = lambda p: (p.file or "", p.line or 0, p.field or "", p.message)  # noqa: E731
    return sorted(violations, key=key), sorted(warnings, key=key)
