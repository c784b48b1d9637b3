"""Generated ontology documentation (pyLODE HTML, core-class diagram) and the
action fields' mappings to external schemes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from scgraph.namespaces import SC
from scgraph.ontology_docs import class_diagram, core_classes

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = ROOT / "ontology" / "scgraph.ttl"
MAPPINGS = (SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY, format="turtle")


def test_docs_build_like_make_docs_on_a_fresh_clone(tmp_path: Path) -> None:
    """`make docs` runs exactly this module; run it as a fresh process into tmp_path."""
    assert "-m scgraph.ontology_docs docs/html" in (ROOT / "Makefile").read_text()
    done = subprocess.run([sys.executable, "-m", "scgraph.ontology_docs", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "scgraph ontology" in html
    for term in ("CrossFieldInitiative", "InitiativeWithDataProtectionRisk", "hasActor"):
        assert term in html
    assert (tmp_path / "core-classes.svg").stat().st_size > 10_000
    assert done.stdout.splitlines() == [f"wrote {tmp_path / 'index.html'}",
                                        f"wrote {tmp_path / 'core-classes.svg'}"]


def test_diagram_shows_every_class_of_the_ontology(ontology: Graph, tmp_path: Path) -> None:
    own = {"sc:" + str(c)[len(SC):] for c in ontology.subjects(RDF.type, OWL.Class)
           if str(c).startswith(SC)}
    classes, subs, props = core_classes(ontology)
    assert own <= set(classes)
    assert ("sc:CrossFieldInitiative", "sc:Initiative") in subs
    assert ("sc:Initiative", "sc:hasActor", "sc:Actor") in props
    svg = class_diagram(tmp_path / "d.svg", ontology).read_text(encoding="utf-8")
    committed = (ROOT / "docs" / "core-classes.svg").read_text(encoding="utf-8")
    for name in own:  # long names are wrapped after 17 characters
        assert name[:17] in svg
        assert name[:17] in committed, f"docs/core-classes.svg is stale: {name} is missing"


# --- mappings of the action fields to external schemes ------------------------------

def test_every_action_field_is_mapped(ontology: Graph) -> None:
    fields = set(ontology.subjects(SKOS.inScheme, URIRef(SC + "ActionFields")))
    assert len(fields) == 13
    unmapped = [f for f in fields if not any(ontology.objects(f, m) for m in MAPPINGS)]
    assert unmapped == []


def test_every_mapping_target_has_a_source_and_labels(ontology: Graph) -> None:
    targets = {t for m in MAPPINGS
               for f in ontology.subjects(SKOS.inScheme, URIRef(SC + "ActionFields"))
               for t in ontology.objects(f, m)}
    assert len(targets) >= 15
    for t in targets:
        sources = list(ontology.objects(t, DCTERMS.source))
        assert sources, f"{t} has no dcterms:source"
        assert all(isinstance(s, URIRef) and str(s).startswith("http") for s in sources)
        scheme = ontology.value(t, SKOS.inScheme)
        assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
        assert ontology.value(scheme, DCTERMS.source) is not None
        langs = {o.language for o in ontology.objects(t, SKOS.prefLabel)
                 if isinstance(o, Literal)}
        assert langs == {"en", "de"}, t


def test_sdg_targets_use_the_official_iris(ontology: Graph) -> None:
    sdg = {str(t) for m in MAPPINGS for _, t in ontology.subject_objects(m)
           if "metadata.un.org" in str(t)}
    assert sdg == {f"http://metadata.un.org/sdg/11.{n}" for n in (1, 2, 3, 4)}
    mobility = URIRef("https://w3id.org/scgraph/field/mobility")
    assert (mobility, SKOS.closeMatch, URIRef("http://metadata.un.org/sdg/11.2")) in ontology
