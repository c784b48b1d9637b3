"""Reading SHACL shapes: the part of SHACL Core the shape compilers support.

:mod:`scgraph.ingest.shacl_sparql` (shapes to SPARQL queries) and
:mod:`scgraph.ingest.shacl_python` (shapes to Python functions) read shapes through
:class:`ShapeReader` and the vocabulary below, so that both accept the same shapes and
refuse the same features with :class:`UnsupportedShape`.
"""

from __future__ import annotations

import rdflib
from rdflib.collection import Collection

__all__ = ["BEYOND_FOCUS", "CASTS", "COMPARISONS", "DESCRIPTIVE", "SH", "ShapeReader",
           "UnsupportedShape", "integer"]

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
_XSD = "http://www.w3.org/2001/XMLSchema#"

#: Shape properties that describe a shape and constrain nothing.
DESCRIPTIVE = {
    rdflib.RDF.type, rdflib.RDFS.label, rdflib.RDFS.comment, SH.message, SH.severity,
    SH.path, SH.name, SH.description, SH.order, SH.group, SH.deactivated,
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property,
}
#: The range constraints and the SPARQL operator each stands for.
COMPARISONS = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
               SH.maxExclusive: "<"}
#: Constraints that read more than the focus node's own triples of the path (sh:class on
#: a value reads the value's types; the others evaluate shapes on other nodes).
BEYOND_FOCUS = {SH["class"], SH.node, SH["not"], SH["and"], SH["or"], SH.xone}
#: Datatypes whose lexical form is checked, as Oxigraph's cast from text checks it (SHACL's
#: sh:datatype refuses an ill-typed literal such as ``"abc"^^xsd:gYear``).
CASTS = {f"{_XSD}{t}" for t in ("decimal", "integer", "double", "float", "boolean",
                                 "dateTime", "date", "time", "gYear", "gYearMonth",
                                 "gMonthDay", "gMonth", "gDay", "duration",
                                 "dayTimeDuration", "yearMonthDuration")}
_KNOWN = DESCRIPTIVE | set(COMPARISONS) | {
    SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.hasValue, SH.minCount,
    SH.maxCount, SH.node, SH["not"], SH["and"], SH["or"], SH.xone}


class UnsupportedShape(ValueError):
    """A shape uses a SHACL feature that the compilers do not translate."""


def integer(node: rdflib.term.Node) -> int:
    """The integer a shape gives (a count), or :class:`UnsupportedShape`.

    >>> integer(rdflib.Literal(2))
    2
    """
    if not isinstance(node, rdflib.Literal) or not isinstance(node.toPython(), int):
        raise UnsupportedShape(f"expected an integer, got {node!r}")
    return int(node.toPython())


class ShapeReader:
    """What a compiler reads of the shapes graph ``g``."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes

    def items(self, node: rdflib.term.Node) -> list[rdflib.term.Node]:
        """The members of an RDF list."""
        return list(Collection(self.g, node))

    def path(self, shape: rdflib.term.Node) -> str | None:
        """The shape's ``sh:path``: one IRI, or None for a node shape."""
        path = self.g.value(shape, SH.path)
        if path is None:
            return None
        if not isinstance(path, rdflib.URIRef):
            raise UnsupportedShape(f"shape {shape}: only a single IRI is supported as sh:path")
        return str(path)

    def check_known(self, shape: rdflib.term.Node) -> None:
        """Refuse a shape that uses a SHACL term not supported."""
        for p in set(self.g.predicates(shape)):
            if p not in _KNOWN and str(p).startswith(str(SH)):
                raise UnsupportedShape(f"shape {shape}: {p} is not supported")

    def deactivated(self, shape: rdflib.term.Node) -> bool:
        """Whether the shape is ``sh:deactivated true``."""
        return self.g.value(shape, SH.deactivated) == rdflib.Literal(True)

    def heading(self, shape: rdflib.term.Node) -> tuple[str, str | None, str | None] | None:
        """The severity, English message and path of a shape whose constraints are to be
        compiled (one with an unsupported term is refused); None if it is deactivated."""
        self.check_known(shape)
        if self.deactivated(shape):
            return None
        severity = str(self.g.value(shape, SH.severity) or SH.Violation)
        return severity, self.english(shape), self.path(shape)

    def english(self, shape: rdflib.term.Node) -> str | None:
        """The shape's English ``sh:message``, else its first, else None."""
        messages = list(self.g.objects(shape, SH.message))
        for m in messages:
            if isinstance(m, rdflib.Literal) and m.language == "en":
                return str(m)
        return str(messages[0]) if messages else None
