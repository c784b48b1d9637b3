"""Solution types: the SKOS scheme in the ontology, and the ``solution_types`` column.

Keys and labels (English and German) come from ``ontology/scgraph.ttl``; a record
may name a type by key or by either label; an unknown one is a located error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from scgraph.errors import InputError
from scgraph.ingest import ingest
from scgraph.namespaces import SC, SOLUTION, initiative_iri
from scgraph.ontology import ontology_file, vocabulary
from scgraph.store import EmbeddedStore

#: The solution types the issue asks for, and the ones added for the patterns.
EXPECTED = {
    "urban_data_platform", "iot_network", "public_sensors", "video_analysis", "city_app",
    "digital_twin", "dashboard", "participation_platform", "e_government",
    "on_demand_shuttle", "autonomous_shuttle", "e_charging", "smart_street_lighting",
    "smart_meter", "building_retrofit", "district_heating", "public_wifi", "broadband",
    "telemedicine", "education_makerspace", "mobility_hub", "drone", "traffic_management",
}

HEADER = "id,name,action_fields,description,solution_types,source\n"


def test_scheme_holds_every_type_with_labels_and_definitions() -> None:
    g = Graph().parse(ontology_file(), format="turtle")
    scheme = URIRef(SC + "SolutionTypes")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in g
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    assert concepts == {URIRef(SOLUTION + k) for k in EXPECTED}
    german: set[str] = set()
    for key in EXPECTED:
        c = URIRef(SOLUTION + key)
        assert (c, RDF.type, SKOS.Concept) in g
        assert (c, RDF.type, OWL.NamedIndividual) in g
        assert (c, SKOS.topConceptOf, scheme) in g
        assert list(g.objects(c, SKOS.notation)) == [Literal(key)]
        for prop in (SKOS.prefLabel, SKOS.definition):
            langs = sorted(o.language for o in g.objects(c, prop) if isinstance(o, Literal))
            assert langs == ["de", "en"], (key, prop)
        german |= {str(o) for o in g.objects(c, SKOS.prefLabel) if o.language == "de"}
    assert len(german) == len(EXPECTED)  # German labels tell the types apart


def test_vocabulary_knows_keys_and_both_labels() -> None:
    vocab = vocabulary()
    assert set(vocab.solution_types) == EXPECTED
    assert vocab.solution_types["telemedicine"] == {"en": "telemedicine", "de": "Telemedizin"}
    assert vocab.solution_type_key("Öffentliches WLAN") == "public_wifi"
    assert vocab.solution_type_key(" public WiFi ") == "public_wifi"
    assert vocab.solution_type_key("E_Charging") == "e_charging"
    assert vocab.solution_type_key("hoverboard") is None


def _dataset(folder: Path, types: str) -> Path:
    folder.mkdir()
    (folder / "initiatives.csv").write_text(
        HEADER + f"T-ONE,Test initiative,mobility,A test.,{types},https://example.org/t\n",
        encoding="utf-8")
    return folder


def test_keys_and_labels_in_records_become_concepts(tmp_path: Path) -> None:
    path = _dataset(tmp_path / "ds", "Stadt-App;on-demand shuttle;drone;city_app")
    with EmbeddedStore() as store:
        ingest([path], store)
        got = store.select(f"SELECT ?t WHERE {{ <{initiative_iri('T-ONE')}> "
                           f"<{SC}solutionType> ?t }} ORDER BY ?t").column("t")
    assert got == [SOLUTION + "city_app", SOLUTION + "drone", SOLUTION + "on_demand_shuttle"]


def test_unknown_solution_type_is_a_located_error(tmp_path: Path) -> None:
    path = _dataset(tmp_path / "ds", "city_app;hoverboard")
    with EmbeddedStore() as store:
        with pytest.raises(InputError) as info:
            ingest([path], store)
        assert store.graphs() == []
    [problem] = info.value.problems
    assert problem.line == 2
    assert problem.record == "T-ONE"
    assert problem.field == "solution_types"
    assert problem.value == "hoverboard"
    assert "'hoverboard' is not a known solution type" in str(problem)
    assert problem.expected is not None
    assert "urban_data_platform" in problem.expected
