"""The ontology (``ontology/scgraph.ttl``) and its SHACL shapes (``ontology/shapes.ttl``).

Both files parse; every term is labelled and defined in English and German; the
concept schemes cover the action fields, side-effect kinds and relation types the
data uses; HermiT finds the ontology consistent (and the same check fails on a
deliberately inconsistent fixture); the OWL API places it in the OWL 2 DL profile;
the shapes accept conforming data and explain non-conforming data in words.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import owlready2
import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from scgraph.namespaces import EFFECT, FIELD, RELATION, SC, sparql_prefixes

ROOT = Path(__file__).parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "scgraph.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
DATA = ROOT / "data"

SCN = Namespace(SC)
SH = Namespace("http://www.w3.org/ns/shacl#")
ONTOLOGY_IRI = URIRef("https://w3id.org/scgraph/ontology")

#: Action-field keys and their German labels.
ACTION_FIELDS = {
    "housing": "Wohnen",
    "energy": "Energieversorgung",
    "mobility": "Verkehr und Mobilität",
    "education": "Bildung",
    "public_services": "Daseinsvorsorge",
    "administration": "Verwaltungshandeln",
    "health": "Gesundheit",
    "environment": "Umwelt",
    "economy": "Wirtschaft",
    "digital_infrastructure": "Digitale Infrastruktur",
    "participation": "Beteiligung",
    "culture": "Kultur",
    "safety": "Sicherheit",
}

#: Effect kinds the scheme holds even if no dataset uses them yet.
REQUIRED_EFFECT_KINDS = {
    "grid_load", "vendor_lock_in", "implementation_delay", "project_stopped", "staff_relief",
    "emissions_reduction", "digital_exclusion", "surveillance", "it_security", "data_protection",
}

RELATION_TYPES = {
    "depends_on": "dependsOn",
    "integrates": "integrates",
    "visualises_data_of": "visualisesDataOf",
    "supports": "supports",
    "connected_to": "connectedTo",
    "cooperates_with": "cooperatesWith",
    "related_to": "relatedTo",
    "part_of": "partOf",
}

#: Terms the ingestion emits; renaming one breaks the data, so the test names them.
CLASSES = {
    "Actor", "PublicAuthority", "Municipality", "CountyOrRegion", "StateGovernment",
    "FederalGovernment", "MunicipalAssociation", "Utility", "TransportOperator",
    "HousingCompany", "Company", "ResearchInstitution", "CivilSociety", "Region",
    "Initiative", "Programme", "Project", "Measure", "Interaction", "SideEffect", "Risk",
    "Benefit",
}
OBJECT_PROPERTIES = {
    "actionField", "hasActor", "municipality", "inRegion", "programme", "partOf",
    "solutionType", "interactsWith", "dependsOn", "integrates", "visualisesDataOf", "supports",
    "connectedTo", "cooperatesWith", "relatedTo", "dependsOnTransitively", "fromInitiative",
    "toInitiative", "relationType", "sideEffectOf", "hasSideEffect", "effectKind",
    "affectsField",
}
DATATYPE_PROPERTIES = {
    "year", "fundingFederalEur", "fundingTotalEur", "fundingNote", "programmeNote", "status",
    "country", "confidence", "evidence", "mitigation", "sha256", "toolVersion", "warning",
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def _languages(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str | None]:
    return [o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)]


def _effect_kinds_in_data() -> set[str]:
    kinds: set[str] = set()
    for path in (DATA / "mpsc" / "side_effects.csv",
                 DATA / "patterns" / "side_effect_patterns.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                kinds.update(k.strip() for k in row["effect"].split(";") if k.strip())
    return kinds


# --- (a) parsing ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [ONTOLOGY_FILE, SHAPES_FILE], ids=lambda p: p.name)
def test_file_parses(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    assert len(graph) > 50


def test_ontology_header(ontology: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal("0.1.0")
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/")
    assert set(_languages(ontology, ONTOLOGY_IRI, DCTERMS.title)) == {"en", "de"}
    assert set(_languages(ontology, ONTOLOGY_IRI, DCTERMS.description)) == {"en", "de"}


# --- (b) labels and definitions ------------------------------------------------------

def test_terms_the_data_uses_are_declared(ontology: Graph) -> None:
    def declared(kind: URIRef) -> set[str]:
        return {str(s)[len(SC):] for s in ontology.subjects(RDF.type, kind)
                if str(s).startswith(SC)}

    assert sorted(CLASSES - declared(OWL.Class)) == []
    assert sorted(OBJECT_PROPERTIES - declared(OWL.ObjectProperty)) == []
    assert sorted(DATATYPE_PROPERTIES - declared(OWL.DatatypeProperty)) == []


def test_every_property_any_command_writes_is_declared(tmp_path: Path,
                                                      ontology: Graph) -> None:
    """Ingest, screen and reason --materialize write only properties the ontology declares
    (OWL 2 DL): the screening graphs used three undeclared ones (skos:editorialNote,
    prov:wasDerivedFrom, prov:generatedAtTime)."""
    from scgraph.ingest import ingest
    from scgraph.namespaces import ONTOLOGY_GRAPH
    from scgraph.reasoning import materialize
    from scgraph.screening import screen
    from scgraph.store import EmbeddedStore

    declared = {str(s) for kind in (OWL.ObjectProperty, OWL.DatatypeProperty,
                                    OWL.AnnotationProperty)
                for s in ontology.subjects(RDF.type, kind)}
    with EmbeddedStore(tmp_path / "st") as st:
        ingest([DATA / "mpsc"], st)
        screen(st)
        materialize(st)
        used = set(st.select(f"SELECT DISTINCT ?p WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                             f"FILTER(?g != <{ONTOLOGY_GRAPH}>) }}").column("p"))
    assert sorted(used - declared) == [str(RDF.type), str(RDFS.label)]  # OWL's own


def test_every_sc_term_has_english_and_german_label_and_definition(ontology: Graph) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             SKOS.ConceptScheme)
    terms = {s for kind in kinds for s in ontology.subjects(RDF.type, kind)
             if isinstance(s, URIRef) and str(s).startswith(SC)}
    assert len(terms) > 60
    missing = []
    for term in sorted(terms):
        for predicate in (RDFS.label, SKOS.definition):
            langs = _languages(ontology, term, predicate)
            if sorted(langs) != ["de", "en"]:
                missing.append(f"{term} {predicate}: {langs}")
    assert missing == []


# --- (c) action fields ---------------------------------------------------------------

def test_action_fields(ontology: Graph) -> None:
    scheme = SCN.ActionFields
    concepts = set(ontology.subjects(SKOS.inScheme, scheme))
    assert concepts == {URIRef(FIELD + key) for key in ACTION_FIELDS}
    for key, german in ACTION_FIELDS.items():
        c = URIRef(FIELD + key)
        assert (c, RDF.type, SKOS.Concept) in ontology
        assert (c, SKOS.topConceptOf, scheme) in ontology
        assert list(ontology.objects(c, SKOS.notation)) == [Literal(key)]
        assert ontology.value(c, SKOS.prefLabel, any=True) is not None
        assert sorted(_languages(ontology, c, SKOS.prefLabel)) == ["de", "en"]
        assert Literal(german, lang="de") in set(ontology.objects(c, SKOS.prefLabel))
        assert sorted(_languages(ontology, c, SKOS.definition)) == ["de", "en"]


# --- (d) side-effect kinds and relation types ----------------------------------------

def test_every_effect_kind_in_the_data_has_a_concept(ontology: Graph) -> None:
    wanted = _effect_kinds_in_data() | REQUIRED_EFFECT_KINDS
    assert "data_breach" in wanted  # the pattern file is read, not only the MPSC file
    in_scheme = {str(c)[len(EFFECT):]
                 for c in ontology.subjects(SKOS.inScheme, SCN.SideEffectKinds)}
    assert sorted(wanted - in_scheme) == []
    for key in wanted:
        c = URIRef(EFFECT + key)
        assert (c, RDF.type, SKOS.Concept) in ontology
        assert list(ontology.objects(c, SKOS.notation)) == [Literal(key)]
        assert sorted(_languages(ontology, c, SKOS.prefLabel)) == ["de", "en"]
        assert sorted(_languages(ontology, c, SKOS.definition)) == ["de", "en"]


def test_relation_types_name_their_direct_property(ontology: Graph) -> None:
    concepts = set(ontology.subjects(SKOS.inScheme, SCN.RelationTypes))
    assert concepts == {URIRef(RELATION + key) for key in RELATION_TYPES}
    for key, prop in RELATION_TYPES.items():
        c = URIRef(RELATION + key)
        assert list(ontology.objects(c, SKOS.notation)) == [Literal(key)]
        assert sorted(_languages(ontology, c, SKOS.prefLabel)) == ["de", "en"]
        assert ontology.value(c, SCN.directProperty) == SCN[prop]
        supers = set(ontology.transitive_objects(SCN[prop], RDFS.subPropertyOf))
        # part_of is a hierarchy, every other type is an interaction
        assert (SCN.interactsWith in supers) == (key != "part_of")


def test_direction_of_dependencies(ontology: Graph) -> None:
    assert (SCN.supports, OWL.inverseOf, SCN.dependsOn) in ontology
    assert (SCN.dependsOn, RDFS.subPropertyOf, SCN.dependsOnTransitively) in ontology
    assert (SCN.dependsOnTransitively, RDF.type, OWL.TransitiveProperty) in ontology
    assert (SCN.partOf, RDF.type, OWL.TransitiveProperty) in ontology
    for prop in (SCN.connectedTo, SCN.cooperatesWith, SCN.relatedTo):
        assert (prop, RDF.type, OWL.SymmetricProperty) in ontology


# --- (e) consistency under HermiT ----------------------------------------------------

def _reason(graph: Graph, tmp_path: Path) -> owlready2.World:
    """Run HermiT over ``graph`` in a world of its own; raise if it is inconsistent."""
    path = tmp_path / "ontology.owl"
    graph.serialize(path, format="xml")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    return world


def test_ontology_is_consistent_under_hermit(ontology: Graph, tmp_path: Path) -> None:
    world = _reason(ontology, tmp_path)
    assert list(world.inconsistent_classes()) == []


def test_hermit_detects_a_side_effect_that_is_risk_and_benefit(
        ontology: Graph, tmp_path: Path) -> None:
    fixture = Graph().parse(data=sparql_prefixes() + """
        <https://example.org/test#both> a sc:SideEffect , sc:Risk , sc:Benefit .
        """, format="turtle")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _reason(ontology + fixture, tmp_path)


def test_hermit_reports_an_unsatisfiable_class(ontology: Graph, tmp_path: Path) -> None:
    fixture = Graph().parse(data=sparql_prefixes() + """
        <https://example.org/test#RiskAndBenefit> a owl:Class ;
            rdfs:subClassOf sc:Risk , sc:Benefit .
        """, format="turtle")
    world = _reason(ontology + fixture, tmp_path)
    unsatisfiable = {c.iri for c in world.inconsistent_classes()} - {str(OWL.Nothing)}
    assert unsatisfiable == {"https://example.org/test#RiskAndBenefit"}


# --- OWL 2 DL profile (OWL API inside owlready2's HermiT.jar) ------------------------

_DL_CHECK = """
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.*;
import org.semanticweb.owlapi.profiles.*;
import java.io.File;

public class DLCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology onto = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(onto);
        for (OWLProfileViolation v : report.getViolations()) {
            System.out.println("VIOLATION " + v);
        }
        System.out.println("in-profile=" + report.isInProfile());
    }
}
"""


def _dl_profile(graph: Graph, tmp_path: Path) -> str:
    if shutil.which("java") is None or shutil.which("javac") is None:
        pytest.skip("a JDK is needed to run the OWL API profile checker")
    jar = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    source = tmp_path / "DLCheck.java"
    source.write_text(_DL_CHECK, encoding="utf-8")
    owl = tmp_path / "ontology.owl"
    graph.serialize(owl, format="xml")
    done = subprocess.run(["java", "-cp", str(jar), str(source), str(owl)],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_ontology_is_in_owl2_dl_profile(ontology: Graph, tmp_path: Path) -> None:
    out = _dl_profile(ontology, tmp_path)
    assert "VIOLATION" not in out
    assert "in-profile=true" in out


def test_dl_profile_check_detects_punned_property(ontology: Graph, tmp_path: Path) -> None:
    fixture = Graph()
    fixture.add((DCTERMS.source, RDF.type, OWL.ObjectProperty))  # also an annotation property
    out = _dl_profile(ontology + fixture, tmp_path)
    assert "in-profile=false" in out
    assert "Cannot pun between properties: <http://purl.org/dc/terms/source>" in out


# --- (f) SHACL shapes ----------------------------------------------------------------

_DATA_PREFIXES = sparql_prefixes() + """
PREFIX ini: <https://w3id.org/scgraph/id/initiative/>
PREFIX act: <https://w3id.org/scgraph/id/actor/>
PREFIX mun: <https://w3id.org/scgraph/id/municipality/>
PREFIX reg: <https://w3id.org/scgraph/id/region/>
PREFIX prg: <https://w3id.org/scgraph/id/programme/>
PREFIX ex:  <https://w3id.org/scgraph/id/test/>
"""

CONFORMING = _DATA_PREFIXES + """
prg:Funding a sc:Programme ; rdfs:label "A funding programme" .

ini:T-PRJ a sc:Initiative , sc:Project ;
    dcterms:identifier "T-PRJ" ;
    rdfs:label "Smart City Testhausen" ;
    sc:actionField scf:mobility , scf:participation ;
    sc:year "2020"^^xsd:gYear ;
    sc:fundingFederalEur "8000000.0"^^xsd:decimal ;
    sc:fundingTotalEur "0.0"^^xsd:decimal ;
    sc:municipality mun:Testhausen ;
    sc:programme prg:Funding ;
    sc:partOf prg:Funding ;
    sc:hasActor act:Testhausen%20GmbH ;
    dcterms:source <https://example.org/testhausen> .

ini:T-PRJ-APP a sc:Initiative , sc:Measure ;
    dcterms:identifier "T-PRJ-APP" ;
    rdfs:label "City app" ;
    sc:actionField scf:administration ;
    sc:partOf ini:T-PRJ ;
    sc:dependsOn ini:T-PRJ ;
    dcterms:source "council minutes of 3 May 2021" .

mun:Testhausen a sc:Actor , sc:PublicAuthority , sc:Municipality ;
    rdfs:label "Testhausen" ; sc:country "Germany" ; sc:inRegion reg:Testland .
reg:Testland a sc:Region ; rdfs:label "Testland" .
act:Testhausen%20GmbH a sc:Actor , sc:Company ; rdfs:label "Testhausen GmbH" .

ex:interaction a sc:Interaction ;
    sc:fromInitiative ini:T-PRJ-APP ;
    sc:toInitiative ini:T-PRJ ;
    sc:relationType scr:depends_on ;
    sc:confidence "stated" ;
    sc:evidence "the app runs on the project's data platform" .

ex:risk a sc:SideEffect , sc:Risk ;
    sc:sideEffectOf ini:T-PRJ-APP ;
    sc:effectKind sce:data_protection ;
    sc:affectsField scf:administration ;
    sc:mitigation "ask only for the permissions needed" .

# A kind the ontology lacks, added to the scheme by the dataset.
sce:shade a skos:Concept ; skos:inScheme sc:SideEffectKinds ;
    skos:notation "shade" ; skos:prefLabel "shade"@en .
ex:benefit a sc:SideEffect , sc:Benefit ;
    sc:sideEffectOf ini:T-PRJ ;
    sc:effectKind sce:shade .
"""

NON_CONFORMING = _DATA_PREFIXES + """
ini:NO-ID a sc:Initiative , sc:Measure ;
    rdfs:label "Measure without a record id" ;
    sc:actionField scf:transport ;
    dcterms:source <https://example.org/no-id> .

ex:neither a sc:SideEffect ;
    sc:sideEffectOf ini:NO-ID ;
    sc:effectKind sce:data_protection .

ex:both a sc:SideEffect , sc:Risk , sc:Benefit ;
    sc:sideEffectOf ini:NO-ID ;
    sc:effectKind sce:data_protection .
"""

MSG_NO_ID = ("An initiative has no record id (dcterms:identifier); every project or measure "
             "needs one so that it can be found and cited.")
MSG_FIELD = "This action field is not one of the 13 action fields"
MSG_FIELD_CLASS = "An action field must be a SKOS concept of the action-field scheme"
MSG_POLARITY = ("A side effect must be either a risk (sc:Risk) or a benefit (sc:Benefit), "
                "not neither and not both.")
MSG_NO_SOURCE = "This initiative names no source (dcterms:source)"

Validate = Callable[..., tuple[bool, list[tuple[str, str, set[str]]]]]


@pytest.fixture(params=["union", "ont_graph"])
def validate(request: pytest.FixtureRequest, ontology: Graph, shapes: Graph) -> Validate:
    """Validate Turtle data: over the union of ontology and data, or with pyshacl's
    ``ont_graph`` mix-in (as the ingestion does). Returns (conforms, results) with
    results as (focus node, severity name, English messages)."""

    def run(turtle: str, **options: object) -> tuple[bool, list[tuple[str, str, set[str]]]]:
        data = Graph().parse(data=turtle, format="turtle")
        if request.param == "union":
            data += ontology
            options["ont_graph"] = None
        else:
            options["ont_graph"] = ontology
        conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", **options)
        assert isinstance(report, Graph)
        results = []
        for r in report.subjects(RDF.type, SH.ValidationResult):
            if (None, SH.detail, r) in report:
                continue  # nested result, explained by its parent
            severity = str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
            messages = {str(m) for m in report.objects(r, SH.resultMessage)}
            results.append((str(report.value(r, SH.focusNode)), severity, messages))
        return conforms, results

    return run


def _has(results: list[tuple[str, str, set[str]]], focus: str, severity: str,
         message_start: str) -> bool:
    return any(f.endswith(focus) and s == severity and any(m.startswith(message_start)
                                                            for m in msgs)
               for f, s, msgs in results)


def test_shapes_graph_is_valid_shacl(shapes: Graph) -> None:
    conforms, _report, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text


def test_every_shape_that_reports_speaks_english_and_german(shapes: Graph) -> None:
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
    node_shapes = {s for t in targets for s in shapes.subjects(t, None)}
    assert len(node_shapes) >= 7
    missing = []
    for shape in node_shapes:
        reporting = list(shapes.objects(shape, SH.property))
        if any((shape, c, None) in shapes for c in (SH["class"], SH["or"], SH.xone)):
            reporting.append(shape)
        for s in reporting:
            if sorted(_languages(shapes, s, SH.message)) != ["de", "en"]:
                missing.append((shape, s))
    assert missing == []


def test_conforming_data_conforms(validate: Validate) -> None:
    conforms, results = validate(CONFORMING)
    assert results == []
    assert conforms


def test_non_conforming_data_is_explained(validate: Validate) -> None:
    conforms, results = validate(NON_CONFORMING)
    assert not conforms
    assert _has(results, "initiative/NO-ID", "Violation", MSG_NO_ID)
    assert _has(results, "initiative/NO-ID", "Violation", MSG_FIELD)
    assert _has(results, "initiative/NO-ID", "Violation", MSG_FIELD_CLASS)
    assert _has(results, "test/neither", "Violation", MSG_POLARITY)
    assert _has(results, "test/both", "Violation", MSG_POLARITY)
    assert len(results) == 5


def test_missing_source_is_only_a_warning(validate: Validate) -> None:
    turtle = CONFORMING.replace('dcterms:source "council minutes of 3 May 2021" .', ".")
    conforms, results = validate(turtle)
    assert not conforms
    assert results == [(results[0][0], "Warning", results[0][2])]
    assert _has(results, "initiative/T-PRJ-APP", "Warning", MSG_NO_SOURCE)
    conforms, _results = validate(turtle, allow_warnings=True)
    assert conforms


def test_bad_interactions_and_links_are_explained(validate: Validate) -> None:
    turtle = _DATA_PREFIXES + """
        ini:A a sc:Initiative , sc:Project ; dcterms:identifier "A" ; rdfs:label "A" ;
            sc:actionField scf:energy ; dcterms:source <https://example.org/a> ;
            sc:dependsOn act:Someone .
        act:Someone a sc:Actor , sc:Company ; rdfs:label "Someone" .
        ex:i a sc:Interaction ; sc:fromInitiative ini:A ; sc:toInitiative ini:A ;
            sc:relationType scr:blocks ; sc:confidence "maybe" .
        """
    conforms, results = validate(turtle)
    assert not conforms
    assert _has(results, "actor/Someone", "Violation",
                "Both ends of a link between initiatives")
    assert _has(results, "test/i", "Violation", "An interaction needs exactly one relation type")
    assert _has(results, "test/i", "Violation", 'The confidence of an interaction is either')
    assert len(results) == 3


def test_effect_kind_outside_the_scheme_is_explained(validate: Validate) -> None:
    turtle = CONFORMING.replace(
        "sce:shade a skos:Concept ; skos:inScheme sc:SideEffectKinds ;",
        "sce:shade a skos:Concept ;")
    conforms, results = validate(turtle)
    assert not conforms
    assert _has(results, "test/benefit", "Violation",
                "The kind of this side effect is not in the scheme of side-effect kinds")
    assert len(results) == 1


def test_the_symmetric_relations_are_the_ontologys(ontology: Graph) -> None:
    """What ingest takes for one statement both ways is what the ontology declares so."""
    from scgraph.ontology import RELATION_PROPERTIES, SYMMETRIC_RELATIONS

    symmetric = {str(p) for p in ontology.subjects(RDF.type, OWL.SymmetricProperty)}
    assert {k for k, p in RELATION_PROPERTIES.items() if p in symmetric} == \
        set(SYMMETRIC_RELATIONS)
