"""SHACL validation of a mapped dataset, with results traced back to records."""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from scgraph.errors import Problem
from scgraph.ingest import shacl_python
from scgraph.ingest.batches import Batch, content
from scgraph.ingest.records import Location
from scgraph.ingest.shacl_sparql import Check, ShapeResult, compiled_checks, run_checks
from scgraph.memory import gc_paused, release_memory
from scgraph.namespaces import SC, id_from_iri
from scgraph.ontology import ontology_file, shapes_file

__all__ = ["ENGINES", "ontology_ntriples", "shacl_check", "validation_checks"]

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
#: The graph (and predicate) listing a batch's context nodes, which other batches own.
_ELSEWHERE = "urn:scgraph:validation:elsewhere"
#: The graph of a batch's store holding the batch's own triples and the ontology: the
#: nodes a class target finds there are the ones the batch validates.
_OWN = "urn:scgraph:validation:own"


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


#: Validation engines: the shapes compiled to Python functions (fastest), to SPARQL
#: queries that Oxigraph runs, or pySHACL (the reference implementation).
ENGINES = ("python", "sparql", "pyshacl")


@dataclass(frozen=True, slots=True)
class _Result:
    focus: str
    path: str | None
    value: str | None
    value_is_iri: bool
    message: str | None
    violation: bool


def validation_checks() -> tuple[Check, ...]:
    """The shapes compiled to checks (see :mod:`scgraph.ingest.shacl_sparql`)."""
    return compiled_checks(shapes_file().read_text(encoding="utf-8"))


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


def _batch_results(batch: Batch, extra: bytes, checks: tuple[Check, ...]) -> list[ShapeResult]:
    """Validate one batch; keep the results that the whole graph gives (see batches)."""
    store = ox.Store()
    # a batch of several: the context only answers what checks read about the nodes the
    # batch points to, so class targets are looked for in _OWN, which leaves the context's
    # nodes out unless the ontology types them (the skip filter below drops those results;
    # 6 s of CPU less at 100k). The whole graph in one batch has no context: it stays in
    # the default graph, as queried fastest.
    own = _OWN if batch.elsewhere is not None else None
    into = ox.NamedNode(own) if own else None
    for part, graph in ((ontology_ntriples(), into), (extra, None), (batch.context, None),
                        (batch.data, into)):  # no copies
        if isinstance(part, bytes):
            store.bulk_load(part, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        else:
            store.bulk_load(path=str(part), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    if batch.elsewhere:
        # a node another batch owns is validated there, unless only a triple here makes
        # it a target and the check reads no more of it than the context holds; the
        # queries leave such nodes out (half a million results at 100k, otherwise)
        store.bulk_load("".join(f"<{node}> <{_ELSEWHERE}> <{_ELSEWHERE}> .\n"
                                for node in batch.elsewhere).encode(),
                        format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(_ELSEWHERE))
        found = run_checks(store, checks, skip=_ELSEWHERE,
                           skipped=lambda c: c.local_target or c.reads is None, own=own)
    else:
        found = run_checks(store, checks, own=own)
    del store
    release_memory()  # the store's pages, before the next batch or the write
    return found


def _with_sparql(batches: Sequence[Batch], extra: bytes) -> list[_Result]:
    checks = validation_checks()
    found: dict[tuple[object, ...], ShapeResult] = {}
    for batch in batches:
        for r in _batch_results(batch, extra, checks):
            found.setdefault((r.check, r.focus, r.value), r)
    out: list[_Result] = []
    for r in found.values():
        value = r.value
        shown = None if value is None or value == r.focus else (
            value.value if isinstance(value, (ox.NamedNode, ox.Literal)) else str(value))
        focus = r.focus.value if isinstance(r.focus, (ox.NamedNode, ox.Literal)) else str(r.focus)
        out.append(_Result(focus,
                           r.path, shown, isinstance(value, ox.NamedNode), r.message,
                           r.severity == str(SH.Violation)))
    return out


def _python_batch(batch: Batch, extra: bytes, checks: tuple[shacl_python.PythonCheck, ...],
                  subjects_of: frozenset[str], objects_of: frozenset[str],
                  found: dict[tuple[object, ...], shacl_python.Result]) -> None:
    """Validate one batch with the Python checks, as :func:`_batch_results` does."""
    # a batch of several finds its class and subject-of targets among its own triples
    # and the ontology only
    whole = batch.elsewhere is None
    triples = shacl_python.Triples(subjects_of, objects_of)
    triples.add(ontology_ntriples())
    triples.add(extra, own=whole)
    triples.add(content(batch.context), own=whole)
    triples.add(content(batch.data))
    elsewhere = batch.elsewhere
    skip = (lambda n: n[0] == "<" and n[1:-1] in elsewhere) if elsewhere else None
    for r in shacl_python.run_checks(triples, checks, skip=skip,
                                     skipped=lambda c: c.local_target or c.reads_beyond):
        found.setdefault((r.check, r.focus, r.value), r)


def _with_python(batches: Sequence[Batch], extra: bytes) -> list[_Result]:
    checks, subjects_of, objects_of = shacl_python.compiled_checks(
        shapes_file().read_text(encoding="utf-8"))
    found: dict[tuple[object, ...], shacl_python.Result] = {}
    with gc_paused():
        for batch in batches:
            _python_batch(batch, extra, checks, subjects_of, objects_of, found)
    release_memory()
    out: list[_Result] = []
    for r in found.values():
        value = r.value
        shown = None if value is None or value == r.focus else shacl_python.term_value(value)
        out.append(_Result(shacl_python.term_value(r.focus), r.check.path, shown,
                           value is not None and value.startswith("<"), r.check.message,
                           r.check.severity == str(SH.Violation)))
    return out


def shacl_check(triples: Iterable[str] | bytes | Sequence[Batch],
                locations: dict[str, tuple[Location, str]],
                context: Iterable[str] = (), *, engine: str = "python",
                only: Collection[str] | None = None,
                ) -> tuple[list[Problem], list[Problem]]:
    """Validate N-Triples (lines, a document, or batches) against the shapes and ontology.

    ``context`` are IRIs of initiatives that other datasets define: they are typed
    in the data graph so that references to them check, and are not validated.
    ``only``: if given, the nodes whose problems are reported (the others' are dropped).
    ``engine`` is ``"python"`` (the shapes compiled to Python functions, see
    :mod:`scgraph.ingest.shacl_python`), ``"sparql"`` (compiled to queries that Oxigraph
    runs) or ``"pyshacl"`` (the reference implementation; slow on large graphs); all
    report the same problems. Batches (:func:`~scgraph.ingest.batches.plan_batches`)
    are validated one at a time by ``"python"`` and ``"sparql"``, with the results of
    the whole graph.
    Returns (violations, warnings), each located at the record that produced the
    focus node where that is known.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {ENGINES}")
    outside = {str(c) for c in context}
    typing = "".join(f"<{c}> <{rdflib.RDF.type}> <{SC}Initiative> .\n" for c in sorted(outside))
    if isinstance(triples, bytes):
        batches = [Batch(triples)]
    elif isinstance(triples, Sequence) and triples and isinstance(triples[0], Batch):
        batches = [b for b in triples if isinstance(b, Batch)]
    else:
        batches = [Batch("".join(t for t in triples if isinstance(t, str)).encode())]
    if engine == "pyshacl":
        whole = b"".join(content(b.data) for b in batches)
        results = _with_pyshacl(whole + typing.encode())
    elif engine == "sparql":
        results = _with_sparql(batches, typing.encode())
    else:
        results = _with_python(batches, typing.encode())
    violations: list[Problem] = []
    warnings: list[Problem] = []
    for r in results:
        if r.focus in outside or (only is not None and r.focus is not None
                                  and r.focus not in only):
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
    # two constraints of one property shape share its message ("lots" is neither a decimal
    # nor >= 0): the same problem is said once
    return (sorted(dict.fromkeys(violations), key=key),
            sorted(dict.fromkeys(warnings), key=key))
