"""The shapes compiled to SPARQL, and to Python, find exactly the problems pySHACL finds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib

from scgraph.errors import Problem
from scgraph.ingest import shacl_python, validate_paths
from scgraph.ingest.shacl_sparql import UnsupportedShape, compile_shapes
from scgraph.ingest.validation import shacl_check
from scgraph.ontology import shapes_file

BROKEN = Path(__file__).resolve().parent / "fixtures" / "shapes_broken.nt"
FALLBACK = "does not conform to the shapes"


def _key(p: Problem) -> tuple[str, ...]:
    return (p.field or "", p.record or "", p.file or "", str(p.line), p.message)


def _without_default_messages(problems: list[Problem]) -> list[tuple[str, ...]]:
    """Shapes without sh:message get pySHACL's own wording, which is not reproduced."""
    return sorted((*_key(p)[:4], "(no message in the shape)")
                  if p.message == FALLBACK or p.message.startswith("Node ") else _key(p)
                  for p in problems)


def test_every_constraint_of_the_shapes_compiles() -> None:
    shapes = rdflib.Graph().parse(shapes_file(), format="turtle")
    components = {c.component.rsplit("#", 1)[-1] for c in compile_shapes(shapes)}
    assert components == {"class", "datatype", "hasValue", "in", "maxCount", "minCount",
                          "minInclusive", "node", "nodeKind", "or", "xone"}


@pytest.mark.parametrize("engine", ["sparql", "python"])
def test_broken_graph_gives_the_same_problems_as_pyshacl(engine: str) -> None:
    """tests/fixtures/shapes_broken.nt breaks every constraint of ontology/shapes.ttl."""
    data = BROKEN.read_bytes()
    ref_violations, ref_warnings = shacl_check(data, {}, engine="pyshacl")
    violations, warnings = shacl_check(data, {}, engine=engine)
    assert len(ref_violations) > 40
    assert _without_default_messages(violations) == _without_default_messages(ref_violations)
    assert sorted(map(_key, warnings)) == sorted(map(_key, ref_warnings))
    # only the two results of the message-less nested shape differ in wording
    assert sum(p.message == FALLBACK for p in violations) == 2
    messages = {p.message for p in violations}
    assert "An initiative needs exactly one name (rdfs:label)." in messages
    assert any(m.startswith("A side effect must be either a risk") for m in messages)
    assert any(p.field == "fundingFederalEur" and "(value: -5)" in p.message
               for p in violations)


@pytest.mark.parametrize("engine", ["sparql", "python"])
def test_ill_typed_literals_are_refused_as_sh_datatype_asks(engine: str) -> None:
    """SHACL's sh:datatype refuses a literal whose text is not of its datatype. pySHACL
    asks rdflib, which knows xsd:gYear's lexical space only once owlrl's closure has run
    in the process (it registers converters); it finds no more than these engines."""
    initiative = "<https://w3id.org/scgraph/id/initiative/A>"
    data = "".join(f"{initiative} {p} {o} .\n" for p, o in [
        ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>",
         "<https://w3id.org/scgraph/ontology#Project>"),
        ("<http://www.w3.org/2000/01/rdf-schema#label>", '"A"'),
        ("<http://purl.org/dc/terms/identifier>", '"A"'),
        ("<http://purl.org/dc/terms/source>", '"a report"'),
        ("<https://w3id.org/scgraph/ontology#actionField>",
         "<https://w3id.org/scgraph/field/energy>"),
        ("<https://w3id.org/scgraph/ontology#year>",
         '"MMXX"^^<http://www.w3.org/2001/XMLSchema#gYear>'),
        ("<https://w3id.org/scgraph/ontology#fundingTotalEur>",
         '"lots"^^<http://www.w3.org/2001/XMLSchema#decimal>')]).encode()
    ref, _ = shacl_check(data, {}, engine="pyshacl")
    found, _ = shacl_check(data, {}, engine=engine)
    assert {(p.field, p.message.rsplit("(value: ", 1)[-1]) for p in found} == {
        ("year", "MMXX)"), ("fundingTotalEur", "lots)")}
    assert {p.field for p in ref} <= {"fundingTotalEur", "year"}
    assert "fundingTotalEur" in {p.field for p in ref}
    # sh:datatype and sh:minInclusive both refuse "lots", with the property shape's message
    assert [p.field for p in found].count("fundingTotalEur") == 1


@pytest.mark.parametrize("engine", ["sparql", "python"])
@pytest.mark.parametrize("fixture", ["small", "small.json", "small.yaml"])
def test_fixtures_give_the_same_warnings_as_pyshacl(fixture: str, engine: str) -> None:
    path = Path(__file__).resolve().parent / "fixtures" / fixture
    ref = validate_paths([path], shacl="pyshacl")
    fast = validate_paths([path], shacl=engine)
    assert sorted(map(_key, fast.warnings)) == sorted(map(_key, ref.warnings))
    assert [d.triples for d in fast.datasets] == [d.triples for d in ref.datasets]


def test_context_initiatives_are_not_validated() -> None:
    line = ("<https://w3id.org/scgraph/id/initiative/A> "
            "<https://w3id.org/scgraph/ontology#dependsOn> "
            "<https://w3id.org/scgraph/id/initiative/X> .\n")
    for engine in ("python", "sparql", "pyshacl"):
        violations, _ = shacl_check(line.encode(), {}, engine=engine)
        assert sorted(p.record for p in violations) == ["A", "X"]
        violations, _ = shacl_check(line.encode(), {}, engine=engine, context=[
            "https://w3id.org/scgraph/id/initiative/X"])
        assert [p.record for p in violations] == ["A"]


@pytest.mark.parametrize("compile_", [compile_shapes, shacl_python.compile_shapes])
def test_unsupported_features_are_refused_not_skipped(compile_: Callable[..., object]) -> None:
    shapes = rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:pattern "^a" ] .""")
    with pytest.raises(UnsupportedShape, match="pattern"):
        compile_(shapes)


def test_counts_match_pyshacl_for_every_bound() -> None:
    """minCount/maxCount 1 run without counting, other bounds with COUNT: all agree.

    Nodes with 0, 2, 2 and 3 values (n1's two values are a string and a language
    string of the same text: two different terms) against each bound from 0 to 3.
    """
    import pyoxigraph as ox
    from pyshacl import validate

    from scgraph.ingest.shacl_sparql import run_checks

    type_ = f"<{rdflib.RDF.type}>"
    values = {"urn:n0": [], "urn:n1": ['"v0"', '"v0"@en'], "urn:n2": ['"v0"', '"v1"'],
              "urn:n3": ['"v0"', '"v1"', '"v2"']}
    data = "".join(f"<{n}> {type_} <urn:C> .\n" + "".join(f"<{n}> <urn:p> {v} .\n" for v in vs)
                   for n, vs in values.items())
    bounds = [(kind, n) for kind in ("minCount", "maxCount") for n in range(4)]
    shapes = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n" + "".join(
        f"<urn:S-{kind}-{n}> sh:targetClass <urn:C> ; "
        f"sh:property [ sh:path <urn:p> ; sh:{kind} {n} ] .\n" for kind, n in bounds)
    by_hand = sorted((f"{kind}{n}", node) for kind, n in bounds for node, vs in values.items()
                     if (len(vs) < n if kind == "minCount" else len(vs) > n))
    assert len(by_hand) == 12

    shapes_graph = rdflib.Graph().parse(data=shapes, format="turtle")

    def bound(shape: rdflib.term.Node) -> str:
        return next(f"{str(p).rsplit('#')[-1]}{o}" for p, o in shapes_graph.predicate_objects(
            shape) if str(p).endswith("Count"))

    _conforms, report, _text = validate(rdflib.Graph().parse(data=data, format="nt"),
                                        shacl_graph=shapes_graph)
    assert isinstance(report, rdflib.Graph)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    reference = sorted((bound(report.value(r, sh.sourceShape)),
                        str(report.value(r, sh.focusNode)))
                       for r in report.subjects(rdflib.RDF.type, sh.ValidationResult))
    store = ox.Store()
    store.bulk_load(data.encode(), format=ox.RdfFormat.N_TRIPLES)
    shape_nodes = {str(s): s for s in shapes_graph.subjects(rdflib.SH.path, None)}
    found = sorted((bound(shape_nodes[r.shape]), str(r.focus.value))
                   for r in run_checks(store, compile_shapes(shapes_graph))
                   if isinstance(r.focus, ox.NamedNode))
    assert reference == by_hand
    assert found == by_hand


def test_run_checks_finds_local_targets_in_the_own_graph_only(
        local_target_shapes: rdflib.Graph) -> None:
    """With ``own``, a node is a class or subject-of target only by a triple of that graph;
    what the checks read beyond their targets (a value's type) comes from every graph."""
    import pyoxigraph as ox

    from scgraph.ingest.shacl_sparql import run_checks

    type_ = f"<{rdflib.RDF.type}>"
    store = ox.Store()
    own = ox.NamedNode("urn:own")
    store.bulk_load(f"<urn:a> {type_} <urn:C> .\n<urn:a> <urn:link> <urn:v> .\n"
                    f"<urn:s> <urn:r> <urn:x> .\n".encode(),
                    format=ox.RdfFormat.N_TRIPLES, to_graph=own)
    # other graphs: a second instance and subject, and the type of a's value
    store.bulk_load(f"<urn:b> {type_} <urn:C> .\n<urn:t> <urn:r> <urn:x> .\n"
                    f"<urn:v> {type_} <urn:D> .\n".encode(), format=ox.RdfFormat.N_TRIPLES)
    checks = compile_shapes(local_target_shapes)

    def foci(**own: str) -> list[tuple[str, str]]:
        return sorted((str(r.path), str(r.focus.value)) for r in run_checks(store, checks, **own)
                      if isinstance(r.focus, ox.NamedNode))

    assert foci() == [("urn:p", "urn:a"), ("urn:p", "urn:b"), ("urn:q", "urn:s"),
                      ("urn:q", "urn:t"), ("urn:q", "urn:x")]
    # urn:v's type is read from the default graph: no sh:class result either way;
    # objects-of targets are not local, so urn:x stays a target
    assert foci(own="urn:own") == [("urn:p", "urn:a"), ("urn:q", "urn:s"), ("urn:q", "urn:x")]


def test_run_checks_leaves_out_the_subjects_of_the_skip_graph() -> None:
    """Nodes listed in ``skip`` are not focus nodes of the checks ``skipped`` selects."""
    import pyoxigraph as ox

    from scgraph.ingest.shacl_sparql import run_checks

    type_ = f"<{rdflib.RDF.type}>"
    store = ox.Store()
    store.bulk_load("".join(f"<urn:n{i}> {type_} <urn:C> .\n" for i in range(3)).encode(),
                    format=ox.RdfFormat.N_TRIPLES)
    store.add(ox.Quad(ox.NamedNode("urn:n1"), ox.NamedNode("urn:skip"), ox.NamedNode("urn:skip"),
                      ox.NamedNode("urn:skip")))
    checks = compile_shapes(rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] ;
            sh:property [ sh:path <urn:q> ; sh:minCount 1 ] ."""))

    def foci(**skip: object) -> list[tuple[str, str]]:
        return sorted((str(r.path), str(r.focus.value)) for r in run_checks(store, checks, **skip)
                      if isinstance(r.focus, ox.NamedNode))

    everything = [(p, f"urn:n{i}") for p in ("urn:p", "urn:q") for i in range(3)]
    assert foci() == everything
    assert foci(skip="urn:skip") == [r for r in everything if r[1] != "urn:n1"]
    assert foci(skip="urn:skip", skipped=lambda c: c.path == "urn:p") == [
        r for r in everything if r != ("urn:p", "urn:n1")]
