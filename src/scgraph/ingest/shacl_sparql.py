"""SHACL shapes compiled to SPARQL queries, run by Oxigraph.

pySHACL walks the data graph in Python and takes minutes on a million triples.
The shapes scgraph uses need only a few constraint components, and each of them
is one SPARQL query: :func:`compile_shapes` turns every constraint of every
shape into a query that selects the focus nodes (and value nodes) that violate
it, and :func:`run_checks` runs them on a store holding the data and the
ontology. The results are the ones pySHACL reports (a test compares both on
the fixtures); pySHACL remains the reference implementation. Where rdflib does not
know a datatype's lexical space, pySHACL lets an ill-typed literal pass
(``"abc"^^xsd:gYear``, unless owlrl has registered it); these checks refuse it
(:data:`~scgraph.ingest.shapes.CASTS`).

Supported: targets ``sh:targetClass``, ``sh:targetNode``, ``sh:targetSubjectsOf``,
``sh:targetObjectsOf``; property shapes whose ``sh:path`` is one IRI; constraints
``sh:class``, ``sh:datatype``, ``sh:nodeKind``, ``sh:in``, ``sh:hasValue``,
``sh:minCount``, ``sh:maxCount``, ``sh:minInclusive``/``sh:maxInclusive``/
``sh:minExclusive``/``sh:maxExclusive``, ``sh:node``, ``sh:not``, ``sh:and``,
``sh:or``, ``sh:xone``; ``sh:severity``, ``sh:message``, ``sh:deactivated``.
Anything else raises :class:`UnsupportedShape`, so that the caller can fall
back to pySHACL rather than skip a check.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from scgraph.ingest.shapes import (
    BEYOND_FOCUS,
    CASTS,
    COMPARISONS,
    DESCRIPTIVE,
    SH,
    ShapeReader,
    UnsupportedShape,
    integer,
)

__all__ = ["Check", "ShapeResult", "UnsupportedShape", "compile_shapes", "compiled_checks",
           "run_checks"]

_TYPE = f"<{rdflib.RDF.type}>"
_SUBCLASSES = re.compile(r"@subclasses\((<[^>]*>)\)")
#: A class target whose class has no subclasses: one triple pattern, no DISTINCT needed.
_ONE_CLASS_TARGET = re.compile(
    r"\{ SELECT DISTINCT \?focus WHERE \{ \{ VALUES (\?v\d+) \{ (<[^>\s]*>) \} "
    + re.escape(f"?focus {_TYPE} ") + r"\1 \} \} \}")

_NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}

@dataclass(frozen=True, slots=True)
class Check:
    """One constraint of one shape as a query selecting ``?focus`` (and ``?value``)."""

    query: str
    shape: str
    path: str | None
    severity: str
    message: str | None
    component: str
    has_value: bool = False
    #: Predicates of the focus node's own triples that decide the result, when nothing
    #: beyond them is read (no value node's types, no nested shape); else None.
    reads: frozenset[str] | None = None
    #: Whether the focus node's own triples make it a target (a class target, say);
    #: False for ``sh:targetObjectsOf`` and for the value nodes a ``sh:node`` checks.
    local_target: bool = True
    #: Whether the shape names target nodes (``sh:targetNode``).
    node_target: bool = False
    #: The target pattern in ``query`` (of a local target), and the same with its class
    #: and subject-of patterns read from the graph ``@own`` only (see :func:`run_checks`).
    target: str | None = None
    owned_target: str | None = None


@dataclass(frozen=True, slots=True)
class ShapeResult:
    """One validation result: like a ``sh:ValidationResult`` of a report."""

    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    path: str | None
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None
    severity: str
    message: str | None
    shape: str
    check: Check | None = None


def _instance(v: str, t: str, cls: rdflib.term.Node) -> str:
    """Pattern: ``v`` is an instance of ``cls`` or of a subclass (filled in per store)."""
    return f"VALUES {t} {{ @subclasses({_term(cls)}) }} {v} {_TYPE} {t}"


def _term(node: rdflib.term.Node) -> str:
    if isinstance(node, rdflib.URIRef):
        return f"<{node}>"
    if isinstance(node, rdflib.Literal):
        return node.n3()
    raise UnsupportedShape(f"cannot use {node!r} as a constant in a query")


class _Compiler(ShapeReader):
    def __init__(self, shapes: rdflib.Graph) -> None:
        super().__init__(shapes)
        self.counter = itertools.count()

    def var(self) -> str:
        return f"?v{next(self.counter)}"

    # -- value-node constraints: an expression true when the value node violates ------
    def violates(self, p: rdflib.term.Node, o: rdflib.term.Node, v: str) -> str | None:
        if p == SH["class"]:
            t = self.var()
            return f"NOT EXISTS {{ {_instance(v, t, o)} }}"
        if p == SH.datatype:
            ok = f"(isLiteral({v}) && datatype({v}) = {_term(o)}"
            if str(o) in CASTS:
                ok += f" && COALESCE(isLiteral(<{o}>(str({v}))), false)"
            return f"!{ok})"
        if p == SH.nodeKind:
            if not isinstance(o, rdflib.URIRef) or o not in _NODE_KINDS:
                raise UnsupportedShape(f"unknown sh:nodeKind {o}")
            return "!" + _NODE_KINDS[o].format(v=v)
        if p == SH["in"]:
            options = " || ".join(f"sameTerm({v}, {_term(x)})" for x in self.items(o))
            return f"!({options or 'false'})"
        if isinstance(p, rdflib.URIRef) and p in COMPARISONS:
            return f"!COALESCE({v} {COMPARISONS[p]} {_term(o)}, false)"
        if p == SH.node:
            return f"!({self.conforms(o, v)})"
        if p == SH["not"]:
            return f"({self.conforms(o, v)})"
        if p == SH["and"]:
            return "!(" + " && ".join(f"({self.conforms(s, v)})" for s in self.items(o)) + ")"
        if p == SH["or"]:
            return "!(" + " || ".join(f"({self.conforms(s, v)})" for s in self.items(o)) + ")"
        if p == SH.xone:
            count = " + ".join(f"IF({self.conforms(s, v)}, 1, 0)" for s in self.items(o))
            return f"({count}) != 1"
        return None

    def conforms(self, shape: rdflib.term.Node, v: str) -> str:
        """An expression true when node ``v`` conforms to ``shape``."""
        self.check_known(shape)
        if self.deactivated(shape):
            return "true"
        parts: list[str] = []
        path = self.path(shape)
        for p, o in self.g.predicate_objects(shape):
            if p in DESCRIPTIVE:
                continue
            if path is None:
                bad = self.violates(p, o, v)
                if bad is None:
                    raise UnsupportedShape(f"shape {shape}: {p} needs sh:path")
                parts.append(f"!({bad})")
                continue
            x = self.var()
            if p == SH.minCount:
                if integer(o) > 1:
                    raise UnsupportedShape(f"shape {shape}: nested sh:minCount above 1")
                if integer(o) == 1:
                    parts.append(f"EXISTS {{ {v} <{path}> {x} }}")
            elif p == SH.maxCount:
                y = self.var()
                if integer(o) != 0 and integer(o) != 1:
                    raise UnsupportedShape(f"shape {shape}: nested sh:maxCount above 1")
                parts.append(f"NOT EXISTS {{ {v} <{path}> {x} }}" if integer(o) == 0 else
                             f"NOT EXISTS {{ {v} <{path}> {x}, {y} FILTER({x} != {y}) }}")
            elif p == SH.hasValue:
                parts.append(f"EXISTS {{ {v} <{path}> {_term(o)} }}")
            else:
                bad = self.violates(p, o, x)
                if bad is None:
                    raise UnsupportedShape(f"shape {shape}: {p} is not supported")
                parts.append(f"NOT EXISTS {{ {v} <{path}> {x} FILTER({bad}) }}")
        for prop in self.g.objects(shape, SH.property):
            parts.append(f"({self.conforms(prop, v)})")
        return " && ".join(parts) or "true"

    # -- top-level checks --------------------------------------------------------------
    def targets(self, shape: rdflib.term.Node, *, owned: bool = False) -> str | None:
        """The shape's target pattern; ``owned``: class and subject-of targets read from the
        graph ``@own`` only."""

        def own(pattern: str) -> str:
            return f"GRAPH @own {{ {pattern} }}" if owned else pattern

        def instance(cls: rdflib.term.Node) -> str:
            if not owned:
                return f"{{ {_instance('?focus', self.var(), cls)} }}"
            t = self.var()
            return f"{{ VALUES {t} {{ @subclasses({_term(cls)}) }} {own(f'?focus {_TYPE} {t}')} }}"

        alts: list[str] = []
        alts += [instance(c) for c in self.g.objects(shape, SH.targetClass)]
        nodes = " ".join(_term(n) for n in self.g.objects(shape, SH.targetNode))
        if nodes:
            alts.append(f"{{ VALUES ?focus {{ {nodes} }} }}")
        alts += [f"{{ {own(f'?focus {_term(p)} []')} }}"
                 for p in self.g.objects(shape, SH.targetSubjectsOf)]
        alts += [f"{{ [] {_term(p)} ?focus }}" for p in self.g.objects(shape, SH.targetObjectsOf)]
        if (shape, rdflib.RDF.type, rdflib.RDFS.Class) in self.g or \
                (shape, rdflib.RDF.type, rdflib.OWL.Class) in self.g:
            alts.append(instance(shape))
        if not alts:
            return None
        return "{ SELECT DISTINCT ?focus WHERE { " + " UNION ".join(alts) + " } }"

    def shape_checks(self, shape: rdflib.term.Node, target: str,
                     local_target: bool = True) -> Iterator[Check]:
        heading = self.heading(shape)
        if heading is None:
            return
        severity, message, path = heading
        name = str(shape)

        def check(query: str, component: rdflib.term.Node) -> Check:
            reads: frozenset[str] | None = None
            if component not in BEYOND_FOCUS:
                reads = frozenset([path] if path is not None else [])
            elif component == SH["class"] and path is None:
                reads = frozenset([str(rdflib.RDF.type)])
            return Check(query, name, path, severity, message, str(component),
                         has_value="?value" in query.split("WHERE", 1)[0], reads=reads,
                         local_target=local_target)

        for p, o in self.g.predicate_objects(shape):
            if p in DESCRIPTIVE:
                continue
            if path is None:
                bad = self.violates(p, o, "?focus")
                if bad is None:
                    raise UnsupportedShape(f"shape {shape}: {p} needs sh:path")
                yield check(f"SELECT ?focus WHERE {{ {target} FILTER({bad}) }}", p)
            elif p == SH.minCount and integer(o) == 1:
                # the common case without counting: no value at all
                yield check(f"SELECT ?focus WHERE {{ {target} "
                            f"FILTER NOT EXISTS {{ ?focus <{path}> ?v }} }}", p)
            elif p == SH.minCount:
                yield check(
                    f"SELECT ?focus WHERE {{ {{ SELECT ?focus (COUNT(DISTINCT ?value) AS ?n) "
                    f"WHERE {{ {target} OPTIONAL {{ ?focus <{path}> ?value }} }} "
                    f"GROUP BY ?focus }} FILTER(?n < {integer(o)}) }}", p)
            elif p == SH.maxCount and integer(o) == 1:
                # the common case without counting: two different values
                yield check(f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus <{path}> ?a . "
                            f"?focus <{path}> ?b FILTER(!sameTerm(?a, ?b)) }}", p)
            elif p == SH.maxCount:
                yield check(
                    f"SELECT ?focus WHERE {{ {{ SELECT ?focus (COUNT(DISTINCT ?value) AS ?n) "
                    f"WHERE {{ {target} ?focus <{path}> ?value }} "
                    f"GROUP BY ?focus }} FILTER(?n > {integer(o)}) }}", p)
            elif p == SH.hasValue:
                yield check(f"SELECT ?focus WHERE {{ {target} "
                            f"FILTER NOT EXISTS {{ ?focus <{path}> {_term(o)} }} }}", p)
            else:
                bad = self.violates(p, o, "?value")
                if bad is None:
                    raise UnsupportedShape(f"shape {shape}: {p} is not supported")
                yield check(f"SELECT DISTINCT ?focus ?value WHERE {{ {target} "
                            f"?focus <{path}> ?value FILTER({bad}) }}", p)
            if p == SH.node:
                # like pySHACL, also report why a value node fails the nested shape
                # (the results it gives as sh:detail)
                parent = self.var()
                inner = target if path is None else (
                    f"{{ SELECT DISTINCT ?focus WHERE {{ {target.replace('?focus', parent)} "
                    f"{parent} <{path}> ?focus }} }}")
                yield from self.shape_checks(o, inner, local_target=False)
        for prop in self.g.objects(shape, SH.property):
            yield from self.shape_checks(prop, target, local_target)


def compile_shapes(shapes: rdflib.Graph) -> list[Check]:
    """One :class:`Check` per constraint of every shape that has a target.

    Raises :class:`UnsupportedShape` if a shape uses a feature not listed above.

    >>> g = rdflib.Graph().parse(format="turtle", data='''
    ... @prefix sh: <http://www.w3.org/ns/shacl#> .
    ... <urn:S> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .''')
    >>> [c.component.rsplit("#")[-1] for c in compile_shapes(g)]
    ['minCount']
    """
    compiler = _Compiler(shapes)
    checks: list[Check] = []
    subjects = sorted(set(shapes.subjects()), key=str)
    for shape in subjects:
        target = compiler.targets(shape)
        if target is not None:
            local = (shape, SH.targetObjectsOf, None) not in shapes
            named = (shape, SH.targetNode, None) in shapes
            owned = compiler.targets(shape, owned=True) if local else None
            for c in compiler.shape_checks(shape, target, local):
                mine = c.local_target and owned is not None
                checks.append(dataclasses.replace(c, node_target=named,
                                                  target=target if mine else None,
                                                  owned_target=owned if mine else None))
    return checks


@functools.lru_cache(maxsize=8)
def compiled_checks(shapes_ttl: str) -> tuple[Check, ...]:
    """:func:`compile_shapes` of shapes given as Turtle text, compiled once per text."""
    return tuple(compile_shapes(rdflib.Graph().parse(data=shapes_ttl, format="turtle")))


def run_checks(store: ox.Store, checks: list[Check] | tuple[Check, ...] | str, *,
               skip: str | None = None, skipped: Callable[[Check], bool] = lambda _c: True,
               own: str | None = None) -> list[ShapeResult]:
    """Run compiled checks (or the shapes given as Turtle text) on ``store``.

    The union of the store's graphs is what is validated: put the data and the
    ontology there. ``skip`` names a graph of the store whose subjects are not
    reported as focus nodes by the checks for which ``skipped`` is true; its
    triples should use a predicate no shape reads. ``own`` names a graph of the store
    that holds every triple of the nodes to validate: a class or ``sh:targetSubjectsOf``
    target is then a target only by a triple of that graph (the other graphs hold what
    the checks read beyond those nodes, not nodes to validate).
    """
    if isinstance(checks, str):
        checks = compiled_checks(checks)
    subclasses: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        cls = match.group(1)
        if cls not in subclasses:
            rows = store.query(f"SELECT DISTINCT ?c WHERE {{ ?c <{rdflib.RDFS.subClassOf}>* "
                               f"{cls} }}", use_default_graph_as_union=True)
            assert isinstance(rows, ox.QuerySolutions)
            subclasses[cls] = " ".join(str(row["c"]) for row in rows) or cls
        return subclasses[cls]

    def owned(check: Check) -> str:
        if own is None or check.target is None or check.owned_target is None:
            return check.query
        return check.query.replace(check.target, check.owned_target.replace("@own", f"<{own}>"))

    queries = [_ONE_CLASS_TARGET.sub(rf"?focus {_TYPE} \2 .", _SUBCLASSES.sub(fill, owned(check)))
               for check in checks]
    if skip is not None:
        # filtered after the check's own query, so the filter sees only its results
        queries = [f"SELECT * WHERE {{ {{ {q} }} FILTER NOT EXISTS {{ GRAPH <{skip}> "
                   "{ ?focus ?_p ?_o } } }" if skipped(c) else q
                   for c, q in zip(checks, queries, strict=True)]

    def run(job: tuple[Check, str]) -> list[ShapeResult]:
        check, query = job
        solutions = store.query(query, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        found: list[ShapeResult] = []
        for row in solutions:
            focus = row["focus"]
            assert focus is not None
            assert not isinstance(focus, ox.Triple)
            value = row["value"] if check.has_value else \
                (focus if check.path is None else None)
            assert not isinstance(value, ox.Triple)
            found.append(ShapeResult(focus, check.path, value, check.severity,
                                     check.message, check.shape, check))
        return found

    # Oxigraph evaluates queries without holding the GIL: use every core
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return [r for found in pool.map(run, zip(checks, queries, strict=True)) for r in found]
