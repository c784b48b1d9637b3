"""An RDF file's copy of the ontology (a merged export holds one) is left out at ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from scgraph.errors import InputError
from scgraph.ingest import ingest
from scgraph.ingest.ontology_copy import ontology_lines, without_ontology
from scgraph.ingest.validation import ontology_ntriples
from scgraph.namespaces import dataset_graph_iri
from scgraph.queries import load_query, run_query
from scgraph.store import EmbeddedStore

ENDED = "<http://www.w3.org/ns/prov#endedAtTime>"


def _lines(store: EmbeddedStore, graph: str) -> list[str]:
    """The graph's triples, the time of its ingest left out."""
    return sorted(x for x in store.export("nt", graph=graph).decode().splitlines()
                  if ENDED not in x)


@pytest.mark.parametrize("fmt", ["nt", "ttl"])
def test_a_merged_export_ingested_again_gives_the_same_graph_and_answers(
        fmt: str, tmp_path: Path, mpsc_path: Path) -> None:
    graph = dataset_graph_iri("mpsc")
    query = load_query("initiatives_per_field")
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([mpsc_path], st)
        merged = tmp_path / f"mpsc.{fmt}"
        merged.write_bytes(st.export(fmt))
        first, answer = _lines(st, graph), run_query(st, query, {}).rows
    assert "owl#equivalentClass> _:" in ontology_ntriples().decode()
    with EmbeddedStore(tmp_path / "b") as st:
        report = ingest([merged], st)
        again, answer_again = _lines(st, graph), run_query(st, query, {}).rows
    assert report.datasets[0].graphs == [graph]
    assert again == first
    assert len(answer) == 13
    assert answer_again == answer  # not a row per copy of a field's labels


def test_the_ontology_file_alone_is_refused(tmp_path: Path) -> None:
    ontology = tmp_path / "scgraph.nt"
    ontology.write_bytes(ontology_ntriples())
    with EmbeddedStore(tmp_path / "s") as st, pytest.raises(InputError) as caught:
        ingest([ontology], st)
    assert "the file holds only the ontology" in caught.value.problems[0].message


def _restriction() -> list[str]:
    """The ontology's definition of a cross-field initiative: an intersection of
    sc:Initiative and a restriction, as blank nodes (a list and a restriction)."""
    lines = ontology_ntriples().decode().splitlines(keepends=True)
    subject = "<https://w3id.org/scgraph/ontology#CrossFieldInitiative> "
    head = next(x for x in lines if x.startswith(subject) and "equivalentClass> _:" in x)
    found, todo = [head], [head.split()[2]]
    while todo:
        node = todo.pop()
        for x in lines:
            if x.startswith(node + " "):
                found.append(x)
                if x.split()[2].startswith("_:"):
                    todo.append(x.split()[2])
    return found


def test_blank_nodes_are_the_ontologys_by_what_they_say() -> None:
    structure = _restriction()
    assert len(structure) == 10
    relabelled = [x.replace("_:", "_:x") for x in structure]
    assert without_ontology(relabelled) == []
    assert all(x not in ontology_lines() for x in relabelled)


def test_a_structure_the_file_changed_stays_whole() -> None:
    """Changing the list's first item (sc:Initiative) leaves its tail and the restriction
    as the ontology has them; they stay, since what refers to them stays."""
    structure = _restriction()
    changed = [x.replace("<https://w3id.org/scgraph/ontology#Initiative>",
                         "<https://w3id.org/scgraph/ontology#Measure>")
               if "rdf-syntax-ns#first>" in x else x for x in structure]
    assert sum(a != b for a, b in zip(structure, changed, strict=True)) == 1
    assert sorted(without_ontology(changed)) == sorted(changed)
    more = [*structure, f"{structure[0].split()[2]} <urn:note> \"a note\" .\n"]
    assert sorted(without_ontology(more)) == sorted(more)
