"""The shapes compiled to SPARQL find exactly the problems pySHACL finds."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib

from scgraph.errors import Problem
from scgraph.ingest import validate_paths
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


def test_broken_graph_gives_the_same_problems_as_pyshacl() -> None:
    """tests/fixtures/shapes_broken.nt breaks every constraint of ontology/shapes.ttl."""
    data = BROKEN.read_bytes()
    ref_violations, ref_warnings = shacl_check(data, {}, engine="pyshacl")
    violations, warnings = shacl_check(data, {}, engine="sparql")
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


@pytest.mark.parametrize("fixture", ["small", "small.json", "small.yaml"])
def test_fixtures_give_the_same_warnings_as_pyshacl(fixture: str) -> None:
    path = Path(__file__).resolve().parent / "fixtures" / fixture
    ref = validate_paths([path], shacl="pyshacl")
    fast = validate_paths([path], shacl="sparql")
    assert sorted(map(_key, fast.warnings)) == sorted(map(_key, ref.warnings))
    assert [d.triples for d in fast.datasets] == [d.triples for d in ref.datasets]


def test_context_initiatives_are_not_validated() -> None:
    line = ("<https://w3id.org/scgraph/id/initiative/A> "
            "<https://w3id.org/scgraph/ontology#dependsOn> "
            "<https://w3id.org/scgraph/id/initiative/X> .\n")
    for engine in ("sparql", "pyshacl"):
        violations, _ = shacl_check(line.encode(), {}, engine=engine)
        assert sorted(p.record for p in violations) == ["A", "X"]
        violations, _ = shacl_check(line.encode(), {}, engine=engine, context=[
            "https://w3id.org/scgraph/id/initiative/X"])
        assert [p.record for p in violations] == ["A"]


def test_unsupported_features_are_refused_not_skipped() -> None:
    shapes = rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:pattern "^a" ] .""")
    with pytest.raises(UnsupportedShape, match="pattern"):
        compile_shapes(shapes)
