"""The shapes compiled to Python report what the shapes compiled to SPARQL report.

tests/test_shacl_sparql.py compares both with pySHACL on the fixtures; here random
graphs over the scgraph vocabulary are validated by both (whole and in batches), and
the literal checks are compared with what Oxigraph, the store, makes of each text.
"""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scgraph.errors import Problem
from scgraph.ingest import shacl_python
from scgraph.ingest.batches import plan_batches
from scgraph.ingest.shacl_python import Triples, compile_shapes, literal_parts, run_checks
from scgraph.ingest.validation import shacl_check, validation_checks
from scgraph.namespaces import EFFECT, FIELD, PREFIXES, RELATION, SC

XSD = PREFIXES["xsd"]
TYPE = f"<{PREFIXES['rdf']}type>"
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _oxigraph(expression: str) -> bool:
    rows = ox.Store().query(f"SELECT (COALESCE({expression}, false) AS ?ok) WHERE {{}}")
    assert isinstance(rows, ox.QuerySolutions)
    ok = next(iter(rows))["ok"]
    return isinstance(ok, ox.Literal) and ok.value == "true"


# -- literals ------------------------------------------------------------------------

NUMBER_TEXT = st.one_of(
    st.text(alphabet="0123456789+-.eE ", max_size=12),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=-(1 << 130), max_value=1 << 130).map(str),
    st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775808",
                     "-9223372036854775809", "170141183460469231731.687303715884105727",
                     "170141183460469231731.687303715884105728",
                     "-170141183460469231731.687303715884105728",
                     "-170141183460469231731.687303715884105729", "0.123456789012345678",
                     "0.1234567890123456789", "0.1234567890123456780", "1.", ".5", "+.5",
                     "-0", "١٢", "0x1"]))


@SETTINGS
@given(text=NUMBER_TEXT, datatype=st.sampled_from(["decimal", "integer"]))
def test_decimal_and_integer_texts_are_well_formed_as_the_store_casts_them(
        text: str, datatype: str) -> None:
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    expected = _oxigraph(f'isLiteral(<{XSD}{datatype}>("{quoted}"))')
    assert shacl_python.well_formed(text, f"{XSD}{datatype}") == expected


LITERALS = st.one_of(
    st.builds(lambda t, d: f'"{t}"^^<{XSD}{d}>', NUMBER_TEXT.filter(lambda t: '"' not in t),
              st.sampled_from(["decimal", "integer", "double", "int", "string", "gYear"])),
    st.sampled_from(['"5"', '"5"@de', "<urn:five>", '"-0.0"^^<' + XSD + 'decimal>']))


@SETTINGS
@given(value=LITERALS, op=st.sampled_from(["minInclusive", "maxInclusive", "minExclusive",
                                           "maxExclusive"]),
       bound=st.sampled_from(["0", "2.5", "-1", '"2"^^<' + XSD + 'double>']))
def test_comparisons_agree_with_the_store(value: str, op: str, bound: str) -> None:
    shapes = rdflib.Graph().parse(format="turtle", data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> sh:targetNode <urn:n> ; sh:property [ sh:path <urn:p> ; sh:{op} {bound} ] .""")
    triples = Triples()
    triples.add(f"<urn:n> <urn:p> {value} .\n")
    found = [r.value for r in run_checks(triples, compile_shapes(shapes))]
    sparql = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">",
              "maxExclusive": "<"}[op]
    assert found == ([] if _oxigraph(f"{value} {sparql} {bound}") else [value])


def test_literal_parts_read_escapes_and_normalise_language_tags() -> None:
    assert literal_parts('"a\\tb\\u00E9\\U0001F600\\\\"') == (
        "a\tbé\U0001F600\\", f"{XSD}string", None)
    assert literal_parts('"Kiel"@DE')[2] == "de"
    assert literal_parts(f'"x"^^<{XSD}string>') == literal_parts('"x"')


# -- random graphs, validated by both engines ---------------------------------------

NODES = [f"<{SC}{kind}{i}>" for kind in ("i", "a", "m", "x", "e") for i in range(2)] + [
    f"<{EFFECT}data_protection>", f"<{EFFECT}made_up>", f"<{FIELD}mobility>",
    f"<{FIELD}energy>", f"<{FIELD}nowhere>"]
CLASSES = [f"<{SC}{c}>" for c in ("Initiative", "Actor", "Municipality", "Region",
                                  "Interaction", "SideEffect", "Risk", "Benefit",
                                  "Programme", "Project", "Measure", "Company")] + [
    f"<{PREFIXES['skos']}Concept>"]
DECIMALS = [f'"5.0"^^<{XSD}decimal>', f'"-1"^^<{XSD}decimal>', f'"abc"^^<{XSD}decimal>',
            f'"7"^^<{XSD}integer>', '"5"']
#: For each predicate the shapes read: values right and wrong for it.
VALUES = {
    f"{PREFIXES['dcterms']}identifier": ['"P1"', '"P2"', '"P1"@de', f'"5"^^<{XSD}integer>'],
    f"{PREFIXES['rdfs']}label": ['"x"', '"y"', '"x"@en', f'"x"^^<{XSD}string>'],
    f"{PREFIXES['dcterms']}source": ['"a report"', "<https://example.org/s>"],
    f"{SC}actionField": [f"<{FIELD}mobility>", f"<{FIELD}energy>", f"<{FIELD}nowhere>",
                         '"mobility"', f"<{SC}a0>"],
    f"{SC}year": [f'"2021"^^<{XSD}gYear>', f'"2022"^^<{XSD}gYear>',
                  f'"2021"^^<{XSD}integer>', '"2021"', f'"20x1"^^<{XSD}gYear>'],
    f"{SC}fundingFederalEur": DECIMALS,
    f"{SC}fundingTotalEur": DECIMALS,
    f"{SC}solutionType": [f"<{SC}x0>", '"platform"'],
    f"{SC}country": ['"DE"', '"FR"', '"DE"@de'],
    f"{SC}relationType": [f"<{RELATION}depends_on>", f"<{RELATION}part_of>",
                          f"<{RELATION}unknown>", '"depends_on"'],
    f"{SC}confidence": ['"stated"', '"inferred"', '"stated"@en', f'"stated"^^<{XSD}string>',
                        '"maybe"'],
    f"{SC}effectKind": [f"<{EFFECT}data_protection>", f"<{EFFECT}made_up>",
                        f"<{FIELD}mobility>"],
    f"{SC}affectsField": [f"<{FIELD}mobility>", f"<{FIELD}nowhere>", '"energy"'],
    f"{PREFIXES['skos']}inScheme": [f"<{SC}SideEffectKinds>", f"<{SC}ActionFields>"],
    **{f"{SC}{p}": [*NODES, '"i0"'] for p in (
        "municipality", "hasActor", "programme", "inRegion", "fromInitiative", "toInitiative",
        "dependsOn", "partOf", "sideEffectOf")},
}

#: Most nodes typed (one or two classes, often a subclass), then links and values.
TRIPLES = st.builds(
    lambda types, rest: types + rest,
    st.lists(st.tuples(st.sampled_from(NODES), st.just(TYPE), st.sampled_from(CLASSES)),
             min_size=10, max_size=20),
    st.lists(st.sampled_from(sorted(VALUES)).flatmap(lambda p: st.tuples(
        st.sampled_from(NODES), st.just(f"<{p}>"), st.sampled_from(VALUES[p]))),
        min_size=25, max_size=60))


def _keys(problems: list[Problem]) -> list[tuple[str, ...]]:
    return sorted((p.record or "", p.field or "", p.message) for p in problems)


@SETTINGS
@given(triples=TRIPLES, size=st.integers(min_value=2, max_value=8))
def test_random_graphs_give_the_same_problems_in_both_engines(
        triples: list[tuple[str, str, str]], size: int) -> None:
    lines = sorted({f"{s} {p} {o} .\n" for s, p, o in triples})
    data = "".join(lines).encode()
    sparql = shacl_check(data, {}, engine="sparql")
    python = shacl_check(data, {}, engine="python")
    assert (_keys(python[0]), _keys(python[1])) == (_keys(sparql[0]), _keys(sparql[1]))
    batched = shacl_check(plan_batches(lines, validation_checks(), size), {}, engine="python")
    assert (_keys(batched[0]), _keys(batched[1])) == (_keys(sparql[0]), _keys(sparql[1]))


# -- the index and the checks -------------------------------------------------------


def test_local_targets_come_from_own_triples_only(local_target_shapes: rdflib.Graph) -> None:
    """Class and subject-of targets are found in documents read as own; what the checks
    read beyond their targets (a value's type), and objects-of targets, in all."""
    triples = Triples(subjects_of=["urn:r"], objects_of=["urn:r"])
    triples.add(f"<urn:a> {TYPE} <urn:C> .\n<urn:a> <urn:link> <urn:v> .\n"
                "<urn:s> <urn:r> <urn:x> .\n")
    triples.add(f"<urn:b> {TYPE} <urn:C> .\n<urn:t> <urn:r> <urn:x> .\n"
                f"<urn:v> {TYPE} <urn:D> .\n", own=False)
    checks = compile_shapes(local_target_shapes)
    found = sorted((r.check.path, r.focus) for r in run_checks(triples, checks))
    assert found == [("urn:p", "<urn:a>"), ("urn:q", "<urn:s>"), ("urn:q", "<urn:x>")]
    skipped = run_checks(triples, checks, skip=lambda n: n == "<urn:a>",
                         skipped=lambda c: c.path == "urn:p")
    assert sorted((r.check.path, r.focus) for r in skipped) == found[1:]


def test_counts_are_of_distinct_terms() -> None:
    """Two writings of one literal are one value; a string and a language string are two."""
    shapes = rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:S> sh:targetClass <urn:C> ; sh:property [ sh:path <urn:p> ; sh:maxCount 1 ] .""")
    triples = Triples()
    triples.add(f"<urn:one> {TYPE} <urn:C> .\n<urn:one> <urn:p> \"v\" .\n"
                f"<urn:one> <urn:p> \"v\"^^<{XSD}string> .\n"
                f"<urn:two> {TYPE} <urn:C> .\n<urn:two> <urn:p> \"v\" .\n"
                "<urn:two> <urn:p> \"v\"@en .\n")
    assert [r.focus for r in run_checks(triples, compile_shapes(shapes))] == ["<urn:two>"]


def test_lines_are_split_at_newlines_only() -> None:
    """Literals may hold characters that str.splitlines() breaks at (U+2028, U+0085)."""
    triples = Triples()
    triples.add(f'<urn:a> {TYPE} <urn:C> .\n<urn:a> <urn:p> "one\u2028two\x85three" .\n'.encode())
    assert triples.values("<urn:a>", "<urn:p>") == ['"one\u2028two\x85three"']
