"""Reasoning: HermiT consistency in batches, SPARQL materialization, the inferred graph.

HermiT is the oracle: on the small fixture the SPARQL rules must give exactly the
class memberships HermiT derives. The defined classes on data/mpsc are compared
with a golden file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest
import rdflib

from scgraph.errors import UsageError
from scgraph.ingest import ingest
from scgraph.namespaces import (
    DATA,
    EFFECT,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    SC,
    SCREENING_GRAPH,
    dataset_graph_iri,
    id_from_iri,
    initiative_iri,
)
from scgraph.ontology import DATA_PROTECTION_EFFECTS, ontology_file, vocabulary
from scgraph.reasoning import (
    DEFINED_CLASSES,
    check_consistency,
    drop_inferred,
    materialize,
    working_store,
)
from scgraph.store import EmbeddedStore, ReopeningStore

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden" / "defined_classes_mpsc.tsv"
INCONSISTENT = FIXTURES / "inconsistent.ttl"
INI = DATA + "initiative/"

_TYPES = f"""
SELECT ?x ?c WHERE {{ ?x a ?c FILTER(STRSTARTS(STR(?x), "{DATA}") && isIRI(?c)
  && ?c NOT IN (<http://www.w3.org/2002/07/owl#NamedIndividual>,
                <http://www.w3.org/2002/07/owl#Thing>)) }}"""


@pytest.fixture(scope="module")
def small_store() -> Iterator[EmbeddedStore]:
    with EmbeddedStore() as st:
        ingest([FIXTURES / "small"], st)
        yield st


@pytest.fixture(scope="module")
def mpsc_store() -> Iterator[EmbeddedStore]:
    with EmbeddedStore() as st:
        ingest([ROOT / "data" / "mpsc"], st)
        materialize(st)
        yield st


def _memberships(store: EmbeddedStore) -> set[tuple[str, str]]:
    return {(x, c) for x, c in store.select(_TYPES).values() if x and c}


def _hermit_memberships(store: EmbeddedStore, tmp_path: Path) -> set[tuple[str, str]]:
    """Every (individual, named class) HermiT derives for the data individuals."""
    work = working_store(store)
    path = tmp_path / "all.nt"
    path.write_bytes(work.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load(format="ntriples")
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                       ignore_unsupported_datatypes=True)
    subjects = {q.subject.value for q in work.quads_for_pattern(None, None, None)
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(DATA)}
    assert len(subjects) >= 20
    found = set()
    for iri in sorted(subjects):
        ind = world[iri]  # owlready2 lists only owl:NamedIndividual in world.individuals()
        if not isinstance(ind, owlready2.Thing):
            continue
        for cls in ind.INDIRECT_is_a:
            iri = getattr(cls, "iri", None)
            if isinstance(cls, owlready2.ThingClass) and iri and iri != owlready2.Thing.iri:
                found.add((ind.iri, iri))
    world.close()
    return found


# --- materialization ----------------------------------------------------------------

def test_sparql_rules_agree_with_hermit_on_class_memberships(
        small_store: EmbeddedStore, tmp_path: Path) -> None:
    materialize(small_store)
    ours = _memberships(small_store)
    oracle = _hermit_memberships(small_store, tmp_path)
    assert sorted(oracle - ours) == []
    assert sorted(ours - oracle) == []
    # the oracle is not trivial: both defined classes and inferred superclasses occur
    assert (INI + "T-HUB", SC + "CrossFieldInitiative") in ours
    assert (INI + "T-HUB", SC + "InitiativeWithDataProtectionRisk") in ours
    assert (INI + "T-BUS", SC + "CrossFieldInitiative") not in ours  # one field only
    assert (INI + "T-HUB", "http://www.w3.org/ns/prov#Activity") in ours


def test_inferred_properties_follow_the_ontology(small_store: EmbeddedStore) -> None:
    materialize(small_store)

    def inferred(s: str, p: str, o: str) -> bool:
        return small_store.ask(
            f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{INI}{s}> <{SC}{p}> <{INI}{o}> }} }}")

    # T-HUB supports T-BUS: the inverse dependency
    assert inferred("T-BUS", "dependsOn", "T-HUB")
    # T-APP visualisesDataOf (and dependsOn) T-HUB: subproperty closure
    assert inferred("T-APP", "dependsOnTransitively", "T-HUB")
    assert inferred("T-APP", "interactsWith", "T-HUB")
    assert inferred("T-BUS", "dependsOnTransitively", "T-HUB")
    # T-BUS cooperatesWith T-APP: symmetric
    assert inferred("T-APP", "cooperatesWith", "T-BUS")
    # stated triples are not repeated in the inferred graph
    assert not inferred("T-APP", "visualisesDataOf", "T-HUB")
    assert not inferred("T-APP", "dependsOn", "T-HUB")


def test_transitive_chains_are_closed() -> None:
    chain = "".join(
        f"<{INI}C{i}> <{SC}dependsOn> <{INI}C{i + 1}> .\n" for i in range(4))
    with EmbeddedStore() as st:
        ingest([FIXTURES / "small"], st)
        st.replace_graphs({"https://example.org/chain": chain.encode()})
        materialize(st)
        pairs = {(id_from_iri(a or ""), id_from_iri(b or "")) for a, b in st.select(
            f"SELECT ?a ?b WHERE {{ GRAPH <{INFERRED_GRAPH}> "
            f"{{ ?a <{SC}dependsOnTransitively> ?b }} FILTER(STRSTARTS(STR(?a), \"{INI}C\")) }}"
        ).values()}
    assert pairs == {(f"C{i}", f"C{j}") for i in range(4) for j in range(i + 1, 5)}


def test_inferred_graph_is_described_replaced_and_dropped(small_store: EmbeddedStore) -> None:
    first = materialize(small_store)
    second = materialize(small_store)
    assert first.triples == second.triples > 0
    count = small_store.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ ?s ?p ?o }} }}")
    # + the graph's description: 9 triples, and one for each dataset it used
    assert int(count.values()[0][0] or 0) == second.triples + 9 + 1
    assert small_store.ask(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        ASK {{ GRAPH <{INFERRED_GRAPH}> {{
          <{INFERRED_GRAPH}> a prov:Entity ; dcterms:description ?d ;
            prov:wasGeneratedBy [ prov:used <{ONTOLOGY_GRAPH}>,
                                            <{dataset_graph_iri("small")}> ] }} }}""")
    assert drop_inferred(small_store)
    assert INFERRED_GRAPH not in small_store.graphs()
    assert not drop_inferred(small_store)


def test_working_store_copies_every_graph_but_the_inferred_one(tmp_path: Path) -> None:
    """The on-disk store's copy (its graphs' N-Triples, loaded at once) holds what the
    CONSTRUCT copy that other stores get holds."""
    path = tmp_path / "store"
    with EmbeddedStore(path) as st:
        ingest([FIXTURES / "small"], st)
        materialize(st)
    copies = []
    with EmbeddedStore(path, read_only=True) as st:
        for store in (st, ReopeningStore(path)):  # the second is no EmbeddedStore
            work = working_store(store)
            assert not list(work.named_graphs())
            quads = ox.Dataset(work)
            quads.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)  # blank node labels
            copies.append(set(quads))
        assert len(copies[0]) == len(st) - len(list(st._store.quads_for_pattern(
            None, None, None, ox.NamedNode(INFERRED_GRAPH)))) > 1000
    assert copies[0] == copies[1]


def test_report_counts_what_the_inferred_graph_holds(small_store: EmbeddedStore) -> None:
    report = materialize(small_store)
    in_graph = f"GRAPH <{INFERRED_GRAPH}> {{ ?s a ?c }} FILTER(?s != <{INFERRED_GRAPH}>)"
    types = small_store.select(f"SELECT ?s ?c WHERE {{ {in_graph} }}").values()
    assert report.types == len(types) - 1 > 0  # the run is a prov:Activity
    for cls, members in report.defined.items():
        assert members == sum(1 for _, c in types if c == cls)
    assert report.defined[SC + "CrossFieldInitiative"] > 0


def test_owlrl_closure_is_an_option(small_store: EmbeddedStore) -> None:
    report = materialize(small_store, method="owlrl")
    assert report.method == "owlrl"
    # OWL 2 RL has the inverse, but not the cardinality of the cross-field class
    assert small_store.ask(
        f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{INI}T-BUS> <{SC}dependsOn> <{INI}T-HUB> }} }}")
    assert report.defined[SC + "CrossFieldInitiative"] == 0
    assert report.defined[SC + "InitiativeWithDataProtectionRisk"] == 1
    materialize(small_store)


def test_materialize_needs_an_ontology_graph() -> None:
    with EmbeddedStore() as st, pytest.raises(UsageError, match="no ontology graph"):
        materialize(st)


def _defined_from_csv() -> list[str]:
    """The defined classes recomputed from the CSV files, independently of RDF."""
    keys = set(vocabulary().fields)
    rows = []
    with (ROOT / "data" / "mpsc" / "initiatives.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            fields = {vocabulary().field_key(f) for f in r["action_fields"].split(";")
                      if f.strip()} & keys
            if len(fields) >= 2:
                rows.append(f"CrossFieldInitiative\t{r['id']}")
    with (ROOT / "data" / "mpsc" / "side_effects.csv").open(encoding="utf-8") as fh:
        risky = {r["initiative_id"] for r in csv.DictReader(fh)
                 if r["polarity"] == "risk"
                 and {e.strip() for e in r["effect"].split(";")} & set(DATA_PROTECTION_EFFECTS)}
    rows += [f"InitiativeWithDataProtectionRisk\t{i}" for i in risky]
    return sorted(rows)


def test_the_ontologys_data_protection_kinds_are_the_ones_counted() -> None:
    """One definition of a data-protection risk: the defined class's kinds in
    ontology/scgraph.ttl are DATA_PROTECTION_EFFECTS (the analytics, queries, screening)."""
    g = rdflib.Graph().parse(ontology_file())
    kinds = {str(row[0]) for row in g.query(
        "SELECT ?k WHERE { sc:InitiativeWithDataProtectionRisk owl:equivalentClass/"
        "owl:intersectionOf/rdf:rest*/rdf:first/owl:someValuesFrom/owl:intersectionOf/"
        "rdf:rest*/rdf:first/owl:someValuesFrom/owl:oneOf/rdf:rest*/rdf:first ?k }",
        initNs={"sc": SC, "owl": rdflib.OWL, "rdf": rdflib.RDF})}
    assert kinds == {EFFECT + k for k in DATA_PROTECTION_EFFECTS}


def test_defined_classes_on_mpsc_match_the_golden_list(mpsc_store: EmbeddedStore) -> None:
    """Golden file: made once by this query, then checked by hand against the CSV files
    (initiatives with two or more action fields; initiatives with a risk of a
    data-protection kind in side_effects.csv: data_protection for MPSC-BA, MPSC-DA and
    MPSC-PF-BIO, surveillance for MPSC-GE), which :func:`_defined_from_csv` repeats."""
    values = " ".join(f"<{c}>" for c in DEFINED_CLASSES)
    got = sorted(f"{id_from_iri(c or '')}\t{id_from_iri(x or '')}" for x, c in mpsc_store.select(
        f"SELECT ?x ?c WHERE {{ VALUES ?c {{ {values} }} GRAPH <{INFERRED_GRAPH}> {{ ?x a ?c }} }}"
    ).values())
    golden = GOLDEN.read_text(encoding="utf-8").splitlines()
    assert got == golden
    assert golden == _defined_from_csv()


# --- consistency --------------------------------------------------------------------

def test_small_fixture_is_consistent(small_store: EmbeddedStore) -> None:
    report = check_consistency(small_store)
    assert report.consistent
    assert report.batches == 1
    assert report.initiatives == 4
    assert report.problems == []


def _write_inconsistent(st: EmbeddedStore) -> None:
    """The inconsistent fixture written straight into a store, as another tool could
    (ingest refuses X-APP's two kinds)."""
    st.replace_graphs({dataset_graph_iri("inconsistent"):
                       _turtle_to_nt(INCONSISTENT.read_text(encoding="utf-8"))})


@pytest.fixture(scope="module")
def bad_store() -> Iterator[EmbeddedStore]:
    with EmbeddedStore() as st:
        ingest([FIXTURES / "small"], st)
        _write_inconsistent(st)
        yield st


EXPLANATIONS = [
    f"initiative <{INI}X-APP> ('App that is project and measure') is typed both sc:Measure "
    "(stated) and sc:Project (stated), which the ontology declares disjoint "
    "[axiom: sc:Measure and sc:Project are disjoint]",
    f"initiative <{INI}X-HUB> ('Data hub that is also a company') is typed both sc:Actor "
    "(stated) and sc:Initiative (stated), which the ontology declares disjoint "
    "[axiom: sc:Actor and sc:Initiative are disjoint]",
]


def test_inconsistent_fixture_is_detected_and_explained(bad_store: EmbeddedStore) -> None:
    report = check_consistency(bad_store)
    assert not report.consistent
    assert [str(p) for p in report.problems] == EXPLANATIONS
    assert [p.individuals for p in report.problems] == [(INI + "X-APP",), (INI + "X-HUB",)]


def test_batches_localise_the_inconsistency(bad_store: EmbeddedStore) -> None:
    report = check_consistency(bad_store, batch_size=1)
    assert report.batches == 3  # Beispieldorf, Musterstadt, Widerstadt
    assert report.inconsistent_batches == [[DATA + "municipality/Widerstadt"]]
    assert [str(p) for p in report.problems] == EXPLANATIONS


def test_inferred_types_are_explained() -> None:
    turtle = INCONSISTENT.read_text(encoding="utf-8").replace(
        "ini:X-HUB a sc:Initiative , sc:Measure , sc:Actor , sc:Company ;",
        "ini:X-HUB a sc:Initiative , sc:Measure ;").replace(
        "sc:dependsOn ini:X-HUB ;", "sc:dependsOn ini:X-HUB ; sc:hasActor ini:X-HUB ;")
    with EmbeddedStore() as st:
        st.replace_graphs({ONTOLOGY_GRAPH: _ontology_nt(),
                           "https://example.org/g": _turtle_to_nt(turtle)})
        report = check_consistency(st)
    assert not report.consistent
    messages = [str(p) for p in report.problems]
    assert any(f"<{INI}X-HUB>" in m and "sc:Actor (inferred because " in m
               and "hasActor (range)" in m for m in messages), messages


def _ontology_nt() -> bytes:
    return _turtle_to_nt((ROOT / "ontology" / "scgraph.ttl").read_text(encoding="utf-8"))


def _turtle_to_nt(turtle: str) -> bytes:
    triples = ox.parse(turtle.encode(), format=ox.RdfFormat.TURTLE)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def test_bad_batch_size_is_a_usage_error(small_store: EmbeddedStore) -> None:
    with pytest.raises(UsageError, match="batch size"):
        check_consistency(small_store, batch_size=0)


# --- command line -------------------------------------------------------------------

def test_cli_reason(cli, small_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("ingest", small_path).code == 0
    r = cli("reason", "--check", "--materialize")
    assert r.code == 0, r.err
    assert "consistent: ontology and 4 initiatives" in r.out
    assert f"-> {INFERRED_GRAPH}" in r.out
    assert "CrossFieldInitiative 2" in r.out
    assert cli("reason").code == 2
    r = cli("reason", "--owlrl")
    assert (r.code, "--owlrl only applies to --materialize" in r.err) == (2, True)
    r = cli("reason", "--materialize", "--batch-size", "1")  # was accepted, and meant nothing
    assert r.code == 2
    assert "--batch-size only applies to --check" in r.err
    r = cli("reason", "--check", "--batch-size", "1")
    assert r.code == 0, r.err
    # Musterstadt's three initiatives kept together, Beispieldorf's one
    assert "(HermiT, 2 batches" in r.out
    r = cli("reason", "--drop")
    assert (r.code, r.out.strip()) == (0, "dropped the inferred graph")
    # a stale screening graph is left out, and the note says so
    assert cli("screen").code == 0
    with EmbeddedStore(tmp_path / ".scgraph") as st:
        st._store.update(f"DELETE WHERE {{ GRAPH <{SCREENING_GRAPH}> {{ ?g "
                         "<http://www.w3.org/ns/prov#generatedAtTime> ?t } }")
    r = cli("reason", "--materialize")
    assert r.code == 0, r.err
    assert "does not say when it was made" in r.err
    assert "until then `reason --materialize` leaves it out" in r.err
    assert cli("reason", "--drop").code == 0
    r = cli("ingest", INCONSISTENT)
    assert r.code == 1
    assert "record 'X-APP': field 'kind'" in r.err
    with EmbeddedStore(tmp_path / ".scgraph") as st:  # the store the CLI uses
        _write_inconsistent(st)
    r = cli("reason", "--check", "--materialize")
    assert r.code == 1
    assert "inconsistent with the ontology" in r.err
    assert "nothing was inferred" in r.err
    for line in EXPLANATIONS:
        assert line in r.err
    assert "Traceback" not in r.err


def test_stats_count_the_same_initiatives_after_materializing(mpsc_store: EmbeddedStore,
                                                               mpsc_path: Path) -> None:
    # the inferred graph makes the ten funding programmes initiatives (sc:Programme is
    # one); stats counted 259 where the records and the report have 249
    import csv

    from scgraph.stats import store_stats

    with (mpsc_path / "initiatives.csv").open(encoding="utf-8", newline="") as f:
        records = sum(1 for _ in csv.DictReader(f))
    assert store_stats(mpsc_store)["initiatives"] == records == 249


def test_blank_node_side_effects_are_counted_and_checked(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # an RDF file may write a side effect as a blank node: ingest counted 0 side effects,
    # and reason --check ended with a SyntaxError (the node's label read as an IRI)
    data = tmp_path / "bn.ttl"
    data.write_text(
        "@prefix sc: <https://w3id.org/scgraph/ontology#> .\n"
        "@prefix sce: <https://w3id.org/scgraph/effect/> .\n"
        "@prefix scf: <https://w3id.org/scgraph/field/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix ini: <https://w3id.org/scgraph/id/initiative/> .\n"
        "ini:B-A a sc:Initiative , sc:Project ; dcterms:identifier \"B-A\" ; "
        "rdfs:label \"A\" ; sc:actionField scf:mobility ; "
        "dcterms:source <https://example.org/a> .\n"
        "_:se a sc:SideEffect , sc:Risk ; sc:effectKind sce:data_protection ; "
        "sc:sideEffectOf ini:B-A ; dcterms:source <https://example.org/a> .\n",
        encoding="utf-8")
    store = tmp_path / "st"
    ingested = cli("ingest", "--store", store, data)
    assert ingested.code == 0, ingested.err
    assert "1 initiatives, 0 relations, 1 side effects" in ingested.out
    checked = cli("reason", "--store", store, "--check")
    assert checked.code == 0, checked.err
    assert "consistent: ontology and 1 initiatives" in checked.out


def test_a_hermit_failure_says_java_s_message(small_path: Path) -> None:
    # only the last three lines were shown: stack frames, not what HermiT could not read
    from scgraph.errors import ReasonerError

    with EmbeddedStore() as st:
        ingest([small_path], st)
        st.replace_graphs({"https://example.org/odd": (
            f"<{INI}T-HUB> <{SC}fundingTotalEur> "
            "\"1,5 Mio\"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n").encode()})
        with pytest.raises(ReasonerError, match=r"MalformedLiteralException.*1,5 Mio"):
            check_consistency(st)


def test_an_export_with_the_inferred_graph_counts_the_datasets_initiatives(
        cli, mpsc_store: EmbeddedStore, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the inferred graph types the ten funding programmes sc:Initiative: ingesting the
    # export said 259 initiatives, where stats (and the records) say 249
    from scgraph.store import write_export

    export = tmp_path / "all.nq"
    with export.open("wb") as out:
        write_export(mpsc_store, out, "nq")
    result = cli("ingest", "--store", tmp_path / "copy", export)
    assert result.code == 0, result.err
    assert "249 initiatives, 194 relations, 48 side effects" in result.out


def test_materialize_leaves_out_a_stale_screening_graph(tmp_path: Path) -> None:
    """After a drop, the screening graph still gives the dropped initiatives solution
    types; sc:solutionType's domain would type them sc:Initiative again. A stale
    screening graph is not read, and the report says so."""
    from scgraph.datasets import drop_datasets
    from scgraph.screening import screen

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "initiatives.csv").write_text(
        "id,name,action_fields,description,source\n"
        "X-APP,Town app,public_services,A town app for residents.,https://example.org/x\n",
        encoding="utf-8")
    app = f"<{initiative_iri('X-APP')}>"
    for screened_again in (False, True):
        with EmbeddedStore(tmp_path / f"store-{screened_again}") as st:
            ingest([FIXTURES / "small", extra], st)
            screen(st)
            assert st.ask(f"ASK {{ GRAPH <{SCREENING_GRAPH}> {{ {app} ?p ?o }} }}")
            drop_datasets(st, ["extra"])
            if screened_again:
                screen(st)
            report = materialize(st)
            assert not st.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ {app} ?p ?o }} }}")
            assert list(report.left_out) == ([] if screened_again else [SCREENING_GRAPH])
            if not screened_again:
                assert "extra" in report.left_out[SCREENING_GRAPH]
