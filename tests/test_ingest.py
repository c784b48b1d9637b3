"""Ingestion of the real MPSC data and of the small fixture in all three formats."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from scgraph.analytics import load_graph_data
from scgraph.errors import InputError, UsageError
from scgraph.ingest import ingest, pipeline, scan, validate_paths, validation
from scgraph.namespaces import ONTOLOGY_GRAPH, PREFIXES, dataset_graph_iri, id_from_iri
from scgraph.ontology import shapes_file
from scgraph.store import EmbeddedStore

PROV_USED = PREFIXES["prov"]


def _count_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of batches of each plan the pipeline makes, as it makes them."""
    planned: list[int] = []
    real_plan = pipeline.plan_batches

    def plan(*args: Any, **kwargs: Any) -> Any:
        batches = real_plan(*args, **kwargs)
        planned.append(len(batches))
        return batches

    monkeypatch.setattr(pipeline, "plan_batches", plan)
    return planned


def _refused(store: EmbeddedStore, paths: list[Path]) -> InputError:
    """Ingest ``paths`` into ``store``, which must refuse them and stay as it was."""
    before = store.export("nq")
    with pytest.raises(InputError) as caught:
        ingest(paths, store)
    assert store.export("nq") == before
    return caught.value


def _data_triples(store: EmbeddedStore, graph: str) -> set[str]:
    """Triples of a dataset graph without the run's provenance (time, file hashes)."""
    nt = store.export("nt", graph=graph).decode()
    return {line for line in nt.splitlines()
            if line and not line.startswith(f"<{graph}") and not line.startswith(f"<{graph}/")}


def test_mpsc_ingest_and_stats(cli, tmp_path: Path, mpsc_path: Path) -> None:
    result = cli("ingest", mpsc_path)
    assert result.code == 0, result.err
    assert "ingested mpsc" in result.out
    result = cli("stats", "--format", "json")
    assert result.code == 0, result.err
    stats = json.loads(result.out)
    assert stats["initiatives"] == 249
    assert stats["side_effects"] == 48
    # 194 rows of relations.csv and the depends_on cells not already stated there
    assert stats["relations"] >= 194
    # the actors the records name, as the report counts them; not the municipalities,
    # which the ontology makes actors too
    with open(mpsc_path / "initiatives.csv", encoding="utf-8", newline="") as fh:
        named = {a.strip() for r in csv.DictReader(fh) for a in r["actors"].split(";")}
    assert stats["actors"] == len(named - {""}) > 200
    assert stats["triples"] > 5000
    assert [d["name"] for d in stats["datasets"]] == ["mpsc"]
    assert set(stats) >= {"initiatives", "actors", "relations", "side_effects", "triples",
                          "datasets"}


def test_reingest_replaces_and_never_duplicates(tmp_path: Path, mpsc_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([mpsc_path], st)
        first = len(st)
        data_first = _data_triples(st, dataset_graph_iri("mpsc"))
        ingest([mpsc_path], st)
        assert len(st) == first
        assert _data_triples(st, dataset_graph_iri("mpsc")) == data_first
        assert st.graphs() == sorted([dataset_graph_iri("mpsc"),
                                      "https://w3id.org/scgraph/graph/ontology"])


def test_export_then_ingest_gives_the_same_triples(cli, tmp_path: Path, mpsc_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli("ingest", "--store", a, mpsc_path).code == 0
    dump = tmp_path / "dump.nq"
    assert cli("export", "--store", a, "--format", "nq", "--out", dump).code == 0
    ingested = cli("ingest", "--store", b, dump)
    assert ingested.code == 0
    # the graphs the file replaced, not a graph named after the file (there is none), and
    # not the ontology graph: every ingest writes this scgraph's own
    assert ingested.out.strip().endswith(f"triples -> {dataset_graph_iri('mpsc')}")
    with EmbeddedStore(a, read_only=True) as sa, EmbeddedStore(b, read_only=True) as sb:
        # the ontology's blank nodes get new labels: compare canonical forms
        qa = ox.Dataset(ox.parse(sa.export("nq"), format=ox.RdfFormat.N_QUADS))
        qb = ox.Dataset(ox.parse(sb.export("nq"), format=ox.RdfFormat.N_QUADS))
        assert len(qa) == len(sa) == len(qb)
        qa.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        qb.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        assert set(qa) == set(qb)


def test_an_rdf_file_does_not_bring_its_own_ontology(tmp_path: Path, small_path: Path) -> None:
    """An export of an earlier version holds that version's ontology; the store keeps this
    one's."""
    older = tmp_path / "older.trig"
    older.write_text(f"<{ONTOLOGY_GRAPH}> {{ <urn:old> <urn:p> <urn:o> . }}\n"
                     f"<{dataset_graph_iri('other')}> {{ <urn:a> <urn:p> <urn:b> . }}\n",
                     encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
        before = st.select(count).values()
        report = ingest([older], st)
        assert report.datasets[0].graphs == [dataset_graph_iri("other")]
        assert report.datasets[0].triples == 1
        assert st.select(count).values() == before
        assert not st.ask(f"ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <urn:old> ?p ?o }} }}")
        assert dataset_graph_iri("other") in st.graphs()


def test_an_rdf_file_is_validated_and_refused_with_its_problems(tmp_path: Path,
                                                                 small_path: Path) -> None:
    """An initiative without a name in an RDF file is refused as it would be in records;
    the problem names the file and the record, and the store stays as it was."""
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([small_path], st)
        exported = st.export("nq", graph=dataset_graph_iri("small")).decode()
    hub = "<https://w3id.org/scgraph/id/initiative/T-HUB>"
    label = f"{hub} <{PREFIXES['rdfs']}label> "
    broken = tmp_path / "broken.nq"
    broken.write_text("".join(x + "\n" for x in exported.splitlines()
                              if not x.startswith(label)), encoding="utf-8")
    assert len(broken.read_text(encoding="utf-8").splitlines()) == \
        len(exported.splitlines()) - 1
    with EmbeddedStore(tmp_path / "b") as st:
        ingest([small_path], st)
        caught = _refused(st, [broken])
    assert [(p.file, p.record, p.field) for p in caught.problems] == [
        (str(broken), "T-HUB", "label")]
    assert "exactly one name" in caught.problems[0].message


def test_an_export_ingested_again_counts_what_the_records_did(tmp_path: Path,
                                                              mpsc_path: Path) -> None:
    with EmbeddedStore(tmp_path / "a") as st:
        first = ingest([mpsc_path], st).datasets[0]
        exported = tmp_path / "mpsc.nq"
        exported.write_bytes(st.export("nq"))
    with EmbeddedStore(tmp_path / "b") as st:
        again = ingest([exported], st).datasets[0]
    assert min(first.initiatives, first.relations, first.side_effects) > 40
    assert (again.initiatives, again.relations, again.side_effects, again.triples) == (
        first.initiatives, first.relations, first.side_effects, first.triples)


def test_an_ill_typed_year_in_an_rdf_file_is_refused(tmp_path: Path, small_path: Path) -> None:
    """Records are checked for a four-digit year before they are mapped; an RDF file's
    ``"abc"^^xsd:gYear`` is refused by the shapes (sh:datatype), not stored."""
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([small_path], st)
        exported = st.export("nq", graph=dataset_graph_iri("small")).decode()
    year = '"2021"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    hub = "<https://w3id.org/scgraph/id/initiative/T-HUB> "
    lines = [x.replace(year, year.replace("2021", "20x1")) if x.startswith(hub) else x
             for x in exported.splitlines()]
    broken = tmp_path / "broken.nq"
    broken.write_text("".join(x + "\n" for x in lines), encoding="utf-8")
    assert "20x1" in broken.read_text(encoding="utf-8")
    with EmbeddedStore(tmp_path / "b") as st:
        caught = _refused(st, [broken])
        assert dataset_graph_iri("small") not in st.graphs()
    assert [(p.file, p.record, p.field) for p in caught.problems] == [
        (str(broken), "T-HUB", "year")]
    assert "(value: 20x1)" in caught.problems[0].message


def test_an_rdf_file_may_refer_to_initiatives_of_other_datasets(tmp_path: Path,
                                                                small_path: Path,
                                                                mpsc_path: Path) -> None:
    """A link to an initiative that a dataset kept in the store defines is valid; without
    that dataset it is a link to nothing."""
    target = "https://w3id.org/scgraph/id/initiative/T-HUB"
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([mpsc_path], st)
        exported = st.export("nq", graph=dataset_graph_iri("mpsc")).decode()
    source = next(x.split(" ", 1)[0] for x in exported.splitlines()
                  if x.endswith(f"<{PREFIXES['rdf']}type> "
                                f"<https://w3id.org/scgraph/ontology#Initiative> "
                                f"<{dataset_graph_iri('mpsc')}> ."))
    linked = tmp_path / "linked.nq"
    linked.write_text(exported + f"{source} <https://w3id.org/scgraph/ontology#dependsOn> "
                      f"<{target}> <{dataset_graph_iri('mpsc')}> .\n", encoding="utf-8")
    with EmbeddedStore(tmp_path / "with") as st:
        ingest([small_path], st)
        ingest([linked], st)
        assert st.ask(f"ASK {{ {source} ?p <{target}> }}")
    with EmbeddedStore(tmp_path / "without") as st:
        with pytest.raises(InputError) as caught:
            ingest([linked], st)
        assert st.graphs() == []
    assert {p.record for p in caught.value.problems} == {"T-HUB"}
    assert all(p.message.startswith("Both ends of a link between initiatives")
               for p in caught.value.problems)


def test_a_large_rdf_file_is_written_and_validated_in_parts(
        tmp_path: Path, mpsc_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each graph of an RDF file above BATCH_TRIPLES lines is loaded part by part and
    validated in batches; a graph with blank nodes stays whole. The store holds the same."""
    dump = tmp_path / "mpsc.nq"
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([mpsc_path], st)
        dump.write_bytes(st.export("nq", graph=dataset_graph_iri("mpsc")))
        before = _data_triples(st, dataset_graph_iri("mpsc"))
    blank = tmp_path / "blank.nq"
    blank.write_text("".join(f"_:b{i} <urn:p> _:b{i + 1} <{dataset_graph_iri('blank')}> .\n"
                             for i in range(30)), encoding="utf-8")
    monkeypatch.setattr(pipeline, "BATCH_TRIPLES", 1_000)
    loads: list[tuple[str, int]] = []
    real_load = EmbeddedStore._bulk_load

    def load(self: EmbeddedStore, data: bytes, graph: str, *, lenient: bool = False) -> None:
        loads.append((graph, data.count(b"\n")))
        real_load(self, data, graph, lenient=lenient)

    monkeypatch.setattr(EmbeddedStore, "_bulk_load", load)
    planned = _count_batches(monkeypatch)
    with EmbeddedStore(tmp_path / "b") as st:
        ingest([dump, blank], st)
        assert _data_triples(st, dataset_graph_iri("mpsc")) == before
    parts = [n for g, n in loads if g == dataset_graph_iri("mpsc")]
    assert len(parts) >= 7
    assert max(parts) == 1_000
    assert [n for g, n in loads if g == dataset_graph_iri("blank")] == [30]
    assert len(planned) == 1  # the mpsc file (the blank one is below a batch)
    assert planned[0] >= 6


def test_an_export_with_made_graphs_is_ingested_again(cli, tmp_path: Path,
                                                      mpsc_path: Path) -> None:
    """The inferred and screening graphs of an export pass the shapes with the data."""
    a = tmp_path / "a"
    assert cli("ingest", "--store", a, mpsc_path).code == 0
    assert cli("reason", "--store", a, "--materialize").code == 0
    assert cli("screen", "--store", a).code == 0
    dump = tmp_path / "dump.nq"
    exported = cli("export", "--store", a, "--format", "nq", "--out", dump)
    assert (exported.code, "note:" in exported.err) == (0, False)  # up to date, apart
    text = dump.read_text(encoding="utf-8")
    assert "https://w3id.org/scgraph/graph/inferred" in text
    assert "https://w3id.org/scgraph/graph/screening/" in text
    result = cli("ingest", "--store", tmp_path / "b", dump)
    assert result.code == 0, result.err
    # the inferred graph alone, beside the data it was inferred from: what it says
    # about the initiatives is validated with the dataset that defines them
    inferred = tmp_path / "inferred.nq"
    assert cli("export", "--store", a, "--format", "nq", "--graph",
               "https://w3id.org/scgraph/graph/inferred", "--out", inferred).code == 0
    assert cli("ingest", "--store", tmp_path / "c", mpsc_path).code == 0
    result = cli("ingest", "--store", tmp_path / "c", inferred)
    assert result.code == 0, result.err


def test_an_export_with_made_graphs_older_than_a_drop_is_ingested_again(
        cli, tmp_path: Path, small_path: Path) -> None:
    """After a drop, the inferred and screening graphs still say things of the dropped
    initiatives (the commands say they are stale). An export of that store is ingested
    again as it is, with a warning naming them, instead of being refused for initiatives
    without a name."""
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "initiatives.csv").write_text(
        "id,name,action_fields,description,source\n"
        "X-APP,Town app,public_services;participation,A town app for residents.,"
        "https://example.org/x\n"
        "X-HUB,Data hub,administration,An urban data platform.,https://example.org/h\n",
        encoding="utf-8")
    a = tmp_path / "a"
    assert cli("ingest", "--store", a, small_path, extra).code == 0
    assert cli("screen", "--store", a).code == 0
    assert cli("reason", "--store", a, "--materialize").code == 0
    assert cli("drop", "--store", a, "extra").code == 0
    dump = tmp_path / "dump.nq"
    exported = cli("export", "--store", a, "--format", "nq", "--out", dump)
    assert exported.code == 0
    assert "/initiative/X-APP>" in dump.read_text(encoding="utf-8")
    # the export says what it holds, as stats would
    assert "note: the inferred graph" in exported.err
    assert "which is no longer in the store" in exported.err
    merged = cli("export", "--store", a, "--format", "ttl", "--out", tmp_path / "m.ttl")
    assert "note: ttl merges the graphs: what https://w3id.org/scgraph/graph/inferred" \
        in merged.err
    result = cli("ingest", "--store", tmp_path / "b", dump)
    assert result.code == 0, result.err
    assert "still say something of X-APP, X-HUB, which no dataset defines" in result.err
    # named after the dataset it writes, not after the file ("dump")
    assert result.out.startswith(f"ingested small ({dump}): 4 initiatives")
    assert "written as it is, and not checked" in result.err
    exported = [sorted(line for line in cli("export", "--store", s, "--format", "nq").out
                       .splitlines() if not line.endswith("/graph/ontology> ."))
                for s in (a, tmp_path / "b")]  # the ontology's blank nodes aside
    assert exported[1] == exported[0]
    assert len(exported[0]) > 100
    # what the made graphs say of initiatives the datasets define is still checked
    bad = tmp_path / "bad.nq"
    bad.write_text(dump.read_text(encoding="utf-8") + (
        "<https://w3id.org/scgraph/id/initiative/T-HUB> <https://w3id.org/scgraph/ontology#year> "
        '"soon" <https://w3id.org/scgraph/graph/inferred> .\n'), encoding="utf-8")
    result = cli("ingest", "--store", tmp_path / "c", bad)
    assert result.code == 1
    assert "T-HUB" in result.err


@pytest.mark.parametrize("fmt", ["nq", "trig", "ttl", "nt", "jsonld"])
def test_export_formats_parse(cli, tmp_path: Path, small_path: Path, fmt: str) -> None:
    assert cli("ingest", small_path).code == 0
    result = cli("export", "--format", fmt, "--out", tmp_path / f"x.{fmt}")
    assert result.code == 0, result.err
    rdf_format = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                  "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "jsonld": ox.RdfFormat.JSON_LD}[fmt]
    quads = list(ox.parse(path=str(tmp_path / f"x.{fmt}"), format=rdf_format))
    assert len(quads) > 100


@pytest.mark.parametrize("doc", ["small.yaml", "small.json"])
def test_yaml_and_json_give_the_same_graph_as_csv(doc: str, small_path: Path) -> None:
    with EmbeddedStore() as csv_store, EmbeddedStore() as doc_store:
        ingest([small_path], csv_store)
        ingest([small_path.parent / doc], doc_store)
        from_csv = _data_triples(csv_store, dataset_graph_iri("small"))
        from_doc = _data_triples(doc_store, dataset_graph_iri(Path(doc).stem))
        assert from_doc == from_csv


def test_unknown_effect_kind_is_accepted_with_a_warning(small_path: Path) -> None:
    report = validate_paths([small_path])
    assert [str(w) for w in report.warnings if w.field == "effect"] == [
        f"{small_path / 'side_effects.csv'}:4: field 'effect': side-effect kind "
        "'ride_sharing_fatigue' is not in the ontology; it is added to the dataset's scheme "
        "of kinds"]
    with EmbeddedStore() as st:
        ingest([small_path], st)
        assert st.ask("""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            ASK { <https://w3id.org/scgraph/effect/ride_sharing_fatigue> skos:inScheme
                  <https://w3id.org/scgraph/ontology#SideEffectKinds> }""")


def test_provenance_of_the_dataset(small_path: Path) -> None:
    with EmbeddedStore() as st:
        ingest([small_path], st)
        table = st.select("""
            PREFIX prov: <http://www.w3.org/ns/prov#>
            PREFIX dcterms: <http://purl.org/dc/terms/>
            PREFIX sc: <https://w3id.org/scgraph/ontology#>
            SELECT ?title ?licence ?file ?version WHERE {
              ?g dcterms:title ?title ; dcterms:license ?licence ; prov:wasGeneratedBy ?run .
              ?run prov:used [ dcterms:title ?file ] ; sc:toolVersion ?version .
            } ORDER BY ?file""")
        rows = table.values()
        assert [r[2] for r in rows] == ["dataset.yaml", "initiatives.csv", "relations.csv",
                                        "side_effects.csv"]
        assert rows[0][0] == "Small test dataset"
        assert rows[0][1] == "CC0-1.0"
        assert rows[0][3].startswith("scgraph ")


def test_every_record_keeps_its_sources(mpsc_path: Path) -> None:
    with EmbeddedStore() as st:
        ingest([mpsc_path], st)
        missing = st.select("""
            PREFIX sc: <https://w3id.org/scgraph/ontology#>
            PREFIX dcterms: <http://purl.org/dc/terms/>
            SELECT ?x WHERE {
              { ?x a sc:Initiative } UNION { ?x a sc:SideEffect }
              FILTER NOT EXISTS { ?x dcterms:source ?s } }""")
        assert missing.values() == []


def test_references_to_an_initiative_already_in_the_store(tmp_path: Path,
                                                           small_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "initiatives.csv").write_text(
        "id,name,action_fields,depends_on\nO-1,Dashboard,administration,T-HUB\n",
        encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        with pytest.raises(Exception, match="'T-HUB' refers to no known initiative"):
            ingest([other], st)
        ingest([small_path], st)
        ingest([other], st)
        assert st.ask("""ASK { <https://w3id.org/scgraph/id/initiative/O-1>
            <https://w3id.org/scgraph/ontology#dependsOn>
            <https://w3id.org/scgraph/id/initiative/T-HUB> }""")


def test_references_to_an_initiative_of_an_rdf_file_in_the_same_run(
        tmp_path: Path, small_path: Path) -> None:
    """An RDF file of the run defines initiatives that a dataset of the run may refer to;
    a graph the run replaces does not."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "initiatives.csv").write_text(
        "id,name,action_fields,depends_on\nO-1,Dashboard,administration,T-HUB\n",
        encoding="utf-8")
    dump = tmp_path / "small.nq"
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([small_path], st)
        dump.write_bytes(st.export("nq", graph=dataset_graph_iri("small")))
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([dump, other], st)
        assert {dataset_graph_iri("small"), dataset_graph_iri("other")} <= set(st.graphs())
    emptied = tmp_path / "emptied.trig"  # replaces the graph of small by an empty one
    emptied.write_text(f"<{dataset_graph_iri('small')}> {{ <urn:a> <urn:p> <urn:b> . }}\n",
                       encoding="utf-8")
    with EmbeddedStore(tmp_path / "t") as st:
        ingest([small_path], st)
        with pytest.raises(InputError, match="'T-HUB' refers to no known initiative"):
            ingest([emptied, other], st)
        # and with other in the store, the file may not take away what other refers to
        ingest([other], st)
        caught = _refused(st, [emptied])
    assert [(p.file, p.record) for p in caught.problems] == [(str(emptied), "T-HUB")]
    assert "no longer defined, but dataset 'other' in the store refers to it" in \
        caught.problems[0].message


def test_an_rdf_file_and_a_dataset_of_one_run_may_not_share_ids_or_graphs(
        tmp_path: Path, small_path: Path) -> None:
    dump = tmp_path / "small.nq"
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([small_path], st)
        dump.write_bytes(st.export("nq", graph=dataset_graph_iri("small")))
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in small_path.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    with EmbeddedStore(tmp_path / "s") as st:
        with pytest.raises(InputError) as caught:
            ingest([dump, copy], st)  # the same initiatives, in the graphs small and copy
        with pytest.raises(UsageError, match=r"small.nq: it writes the graph .*/small>, "
                           r"which .*fixtures/small of this run writes too"):
            ingest([dump, small_path], st)
        again = tmp_path / "again.nq"
        again.write_bytes(dump.read_bytes())
        with pytest.raises(UsageError, match=r"again.nq: it writes the graph .*/small>, "
                           r"which .*small.nq of this run writes too"):
            ingest([dump, again], st)
        moved = tmp_path / "moved.nq"  # the same initiatives in another graph
        moved.write_text(dump.read_text(encoding="utf-8").replace(
            dataset_graph_iri("small"), dataset_graph_iri("moved")), encoding="utf-8")
        with pytest.raises(InputError) as twice:
            ingest([dump, moved], st)
        assert st.graphs() == []
    problems = caught.value.problems
    assert problems
    assert all(p.field == "id" and f"the RDF file {dump}" in p.message for p in problems)
    # every initiative of the copy is the file's: said once, from the first on
    assert len(problems) == 1
    assert problems[0].message.startswith(
        f"all 4 of its initiatives (from 'T-HUB' on) are also defined by the RDF file {dump}")
    assert "T-HUB" in {p.record for p in twice.value.problems}
    assert all(p.file == str(moved) and f"also defined by the RDF file {dump}" in p.message
               for p in twice.value.problems)


@pytest.mark.parametrize("batch_triples", [None, 1_000])
def test_a_shape_violation_leaves_the_store_as_it_was(tmp_path: Path, small_path: Path,
                                                      mpsc_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      batch_triples: int | None) -> None:
    """SHACL runs while the data is loaded, in one batch or in many; a violation undoes
    the write, located."""
    planned: list[int] = []
    if batch_triples is not None:
        monkeypatch.setattr(pipeline, "BATCH_TRIPLES", batch_triples)
        planned = _count_batches(monkeypatch)
    strict = tmp_path / "strict.ttl"
    strict.write_text(shapes_file().read_text(encoding="utf-8") + """
sc:StrictShape a sh:NodeShape ; sh:targetClass sc:Initiative ;
    sh:property [ sh:path sc:neverStated ; sh:minCount 1 ;
                  sh:message "Every initiative needs sc:neverStated here."@en ] .
""", encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        before = st.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").values()
        graphs = st.graphs()
        planned.clear()
        monkeypatch.setattr(validation, "shapes_file", lambda: strict)
        with pytest.raises(InputError) as caught:
            ingest([small_path, mpsc_path], st)  # one graph replaced, one new
        problems = caught.value.problems
        assert {p.message for p in problems} == {"Every initiative needs sc:neverStated here."}
        located = [p for p in problems if p.file]  # programme nodes come from no record
        assert len(located) > 249
        assert all(p.line for p in located)
        assert {Path(str(p.file)).parent.name for p in located} == {"small", "mpsc"}
        assert st.graphs() == graphs
        after = st.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }").values()
        assert sorted(after, key=str) == sorted(before, key=str)
    if batch_triples is not None:
        assert max(planned) > 1  # the datasets were validated in several batches


def test_an_rdf_file_that_describes_an_initiative_of_another_dataset_is_validated_with_it(
        tmp_path: Path, small_path: Path) -> None:
    """What an RDF file says about an initiative that a dataset in the store defines is
    checked together with that dataset's description of it: a second name, an unknown
    action field and a year that is not one are refused; a valid addition is written,
    with no word of what the dataset holds of the nodes the file does not name."""
    hub = "<https://w3id.org/scgraph/id/initiative/T-HUB>"
    prefixes = (f"@prefix rdfs: <{PREFIXES['rdfs']}> .\n"
                "@prefix sc: <https://w3id.org/scgraph/ontology#> .\n"
                "@prefix scf: <https://w3id.org/scgraph/field/> .\n")
    bad = tmp_path / "enrich.ttl"
    bad.write_text(prefixes + f'{hub} rdfs:label "A second name" ; sc:actionField scf:bogus ;'
                   ' sc:year "twenty" .\n', encoding="utf-8")
    good = tmp_path / "more.ttl"
    good.write_text(prefixes + f"{hub} sc:actionField scf:energy .\n", encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        caught = _refused(st, [bad])
        along = _refused(st, [small_path, bad])  # with the dataset in the same run
        # what the dataset holds of other initiatives (T-LONE names no source) was
        # reported when it was ingested, not again for this file
        assert ingest([good], st).warnings == []
        # a node the file names only as an object is reported too
        dangling = tmp_path / "dangling.nt"
        dangling.write_text(f"{hub} <https://w3id.org/scgraph/ontology#dependsOn> "
                            "<https://w3id.org/scgraph/id/initiative/NOPE> .\n",
                            encoding="utf-8")
        assert [(p.record, p.message[:26]) for p in _refused(st, [dangling]).problems] == [
            ("NOPE", "Both ends of a link betwee")]
        assert st.ask(f"ASK {{ GRAPH <{dataset_graph_iri('more')}> {{ {hub} "
                      "<https://w3id.org/scgraph/ontology#actionField> "
                      "<https://w3id.org/scgraph/field/energy> } }")
    for problems in (caught.problems, along.problems):
        assert sorted((p.file, p.record, p.field) for p in problems) == [
            (str(bad), "T-HUB", "actionField"), (str(bad), "T-HUB", "actionField"),
            (str(bad), "T-HUB", "label"), (str(bad), "T-HUB", "year"),
            (str(bad), "T-HUB", "year")]  # a second year, and not a year
    assert sorted(p.message for p in caught.problems if p.field == "year") == [
        "An initiative has at most one year, written as a four-digit year (xsd:gYear).",
        "An initiative has at most one year, written as a four-digit year (xsd:gYear). "
        "(value: twenty)"]


def test_a_problem_of_a_described_initiative_is_reported_once(tmp_path: Path,
                                                              small_path: Path) -> None:
    """An RDF file of the run that describes an initiative another file of the run defines
    is validated with that file: a problem of the other file is reported once, there."""
    with EmbeddedStore(tmp_path / "a") as st:
        ingest([small_path], st)
        exported = st.export("nq", graph=dataset_graph_iri("small")).decode()
    hub = "<https://w3id.org/scgraph/id/initiative/T-HUB>"
    broken = tmp_path / "broken.nq"  # T-HUB without a name
    broken.write_text("".join(x + "\n" for x in exported.splitlines()
                              if not x.startswith(f"{hub} <{PREFIXES['rdfs']}label> ")),
                      encoding="utf-8")
    more = tmp_path / "more.nt"
    more.write_text(f"{hub} <https://w3id.org/scgraph/ontology#actionField> "
                    "<https://w3id.org/scgraph/field/energy> .\n", encoding="utf-8")
    with EmbeddedStore(tmp_path / "b") as st:
        with pytest.raises(InputError) as caught:
            ingest([broken, more], st)
        assert st.graphs() == []
        whole = tmp_path / "small.nq"
        whole.write_text(exported, encoding="utf-8")
        ingest([whole, more], st)
        assert dataset_graph_iri("more") in st.graphs()
    assert [(p.file, p.record, p.field) for p in caught.value.problems] == [
        (str(broken), "T-HUB", "label")]


def _places(folder: Path, rows: str) -> Path:
    folder.mkdir()
    (folder / "initiatives.csv").write_text(
        "id,name,municipality,region,country,action_fields\n" + rows, encoding="utf-8")
    return folder


def test_a_municipality_name_lies_in_one_region(tmp_path: Path) -> None:
    """A municipality is one node per name: two towns of one name in two regions (or
    countries), in one dataset, two of a run, or one and the store, are refused at the
    record that differs; a file that gives one place two regions fails the shapes."""
    two = _places(tmp_path / "two", "N-1,App,Neustadt,Hessen,Germany,mobility\n"
                                    "N-2,Bus,Neustadt,Bayern,Germany,energy\n"
                                    "N-3,Map,Kassel,Hessen,Germany,energy\n")
    with pytest.raises(InputError) as within:
        validate_paths([two])
    assert [(Path(p.file or "").name, p.line, p.record, p.field, p.value)
            for p in within.value.problems] == [("initiatives.csv", 3, "N-2", "region", "Bayern")]
    assert "'Hessen' at " in within.value.problems[0].message
    hessen = _places(tmp_path / "hessen", "H-1,App,Neustadt,Hessen,Germany,mobility\n")
    bayern = _places(tmp_path / "bayern", "B-1,Bus,Neustadt,Bayern,Germany,energy\n"
                                          "B-2,Tram,Kassel,Hessen,Austria,energy\n")
    with pytest.raises(InputError) as across:
        validate_paths([hessen, bayern])
    assert [(p.record, p.field) for p in across.value.problems] == [("B-1", "region")]
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([hessen], st)
        ingest([_places(tmp_path / "kassel", "K-1,Hub,Kassel,Hessen,Germany,energy\n")], st)
        stored = _refused(st, [bayern])
    assert sorted((p.record, p.field, p.value) for p in stored.problems) == [
        ("B-1", "region", "Bayern"), ("B-2", "country", "Austria")]
    assert "but 'Hessen' in dataset 'hessen' in the store" in stored.problems[0].message
    place = "<https://w3id.org/scgraph/id/municipality/Neustadt>"
    region = "<https://w3id.org/scgraph/ontology#inRegion>"
    rdf = tmp_path / "places.nt"
    rdf.write_text(
        f"{place} <{PREFIXES['rdf']}type> <https://w3id.org/scgraph/ontology#Municipality> .\n"
        f'{place} <{PREFIXES["rdfs"]}label> "Neustadt" .\n'
        + "".join(f"{place} {region} <https://w3id.org/scgraph/id/region/{r}> .\n"
                  f"<https://w3id.org/scgraph/id/region/{r}> <{PREFIXES['rdf']}type> "
                  "<https://w3id.org/scgraph/ontology#Region> .\n" for r in ("Hessen", "Bayern")),
        encoding="utf-8")
    with pytest.raises(InputError) as in_file:
        validate_paths([rdf])
    assert [(p.file, p.record, p.field, p.value) for p in in_file.value.problems] == [
        (str(rdf), "Neustadt", "region", "Bayern")]
    assert f"but 'Hessen' in {rdf}" in in_file.value.problems[0].message
    # and the shapes refuse it too, wherever it comes from
    violations, _ = validation.shacl_check(rdf.read_bytes(), {})
    assert [(p.record, p.field) for p in violations] == [("Neustadt", "inRegion")]
    assert "at most one region" in violations[0].message
    moved = tmp_path / "moved.nt"
    elsewhere = f"{place} {region} <https://w3id.org/scgraph/id/region/Sachsen> ."
    moved.write_text(f"{place} {region} <https://w3id.org/scgraph/id/region/Bayern> .\n"
                     # the same words inside a text are no statement about the place
                     f'<urn:x> <urn:note> "{elsewhere}" .\n', encoding="utf-8")
    with EmbeddedStore(tmp_path / "t") as st:  # a file against the datasets in the store
        ingest([hessen], st)
        against = _refused(st, [moved])
    assert [(p.record, p.field, p.value) for p in against.problems] == [
        ("Neustadt", "region", "Bayern")]
    assert "but 'Hessen' in dataset 'hessen' in the store" in against.problems[0].message


def test_what_an_rdf_file_says_is_read_from_the_start_of_its_lines() -> None:
    """The subjects the scans of an RDF file's N-Triples find: on its first line and on
    later ones, not inside a text, nor as an object."""
    ini = "https://w3id.org/scgraph/id/initiative/"
    place = "<https://w3id.org/scgraph/id/municipality/Kassel>"
    typed = f"<{PREFIXES['rdf']}type> <https://w3id.org/scgraph/ontology#Initiative> ."
    region = f"<https://w3id.org/scgraph/ontology#inRegion> <{ini}nowhere>"
    doc = (f"<{ini}A> {typed}\n"
           f'<urn:x> <urn:says> "<{ini}C> {typed}" .\n'
           f'<urn:x> <urn:says> "{place} {region} ." .\n'
           f"<urn:x> <urn:p> <{ini}D> .\n"
           f"<{ini}B> {typed}\n"
           f"{place} {region} .\n").encode()
    assert scan.typed_initiatives([doc]) == {f"{ini}A", f"{ini}B"}
    assert scan.described_initiatives([doc]) == {f"{ini}A", f"{ini}B"}
    assert scan.places_said([doc]) == [
        (place[1:-1], "region", f"{ini}nowhere")]
    assert scan.places_said([doc.splitlines(keepends=True)[-1]]) == [
        (place[1:-1], "region", f"{ini}nowhere")]


def test_an_initiative_has_one_municipality_and_one_programme(tmp_path: Path,
                                                               small_path: Path) -> None:
    """The tables of the analytics have one municipality and one programme for each
    initiative (records have one column each): an RDF file that gives a stored
    initiative a second one is refused."""
    hub = "<https://w3id.org/scgraph/id/initiative/T-HUB>"
    sc, ident = "https://w3id.org/scgraph/ontology#", "https://w3id.org/scgraph/id/"
    rdf_type, label = f"<{PREFIXES['rdf']}type>", f"<{PREFIXES['rdfs']}label>"
    second = tmp_path / "second.nt"
    second.write_text(
        f"{hub} <{sc}municipality> <{ident}municipality/Elsewhere> .\n"
        f"<{ident}municipality/Elsewhere> {rdf_type} <{sc}Municipality> .\n"
        f'<{ident}municipality/Elsewhere> {label} "Elsewhere" .\n'
        f"{hub} <{sc}programme> <{ident}programme/Other> .\n"
        f"<{ident}programme/Other> {rdf_type} <{sc}Programme> .\n"
        f'<{ident}programme/Other> {label} "Other" .\n', encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        caught = _refused(st, [second])
    assert sorted((p.record, p.field) for p in caught.problems) == [
        ("T-HUB", "municipality"), ("T-HUB", "programme")]
    assert all("at most one" in p.message for p in caught.problems)


def test_a_source_url_that_is_no_valid_iri_is_refused_where_it_is_written(
        tmp_path: Path, small_path: Path) -> None:
    """A source that is an http(s) URL becomes an IRI; one that the store cannot hold
    (a broken %-escape, a bad port) is refused at its record and field, in a dataset's
    metadata too, and the store keeps what it had."""
    folder = tmp_path / "small"
    shutil.copytree(small_path, folder)
    ini = folder / "initiatives.csv"
    ini.write_text(ini.read_text(encoding="utf-8").replace(
        "https://example.org/app", "https://example.org/a%zz", 1), encoding="utf-8")
    rel = folder / "relations.csv"
    rows = rel.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    assert header[-1] == "source"
    rows[1] = ",".join([*rows[1].split(",")[:len(header) - 1], "http://example.org:port/x"])
    rel.write_text("\n".join(rows) + "\n", encoding="utf-8")
    meta = folder / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(
        "  - Made up for the tests", "  - Made up for the tests\n  - https://[bad/"),
        encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        caught = _refused(st, [folder])
    found = sorted((Path(str(p.file)).name, p.line, p.record, p.field, p.value)
                   for p in caught.problems)
    assert found == [
        ("dataset.yaml", None, None, "sources", "https://[bad/"),
        ("initiatives.csv", 3, "T-APP", "source", "https://example.org/a%zz"),
        ("relations.csv", 2, None, "source", "http://example.org:port/x"),
    ], found
    assert all("is not a valid URL" in p.message for p in caught.problems)
    # a source with a space is no URL: it is kept as text, as before
    ini.write_text(ini.read_text(encoding="utf-8").replace(
        "https://example.org/a%zz", "https://example.org/a b"), encoding="utf-8")
    rel.write_text((small_path / "relations.csv").read_text(encoding="utf-8"), encoding="utf-8")
    meta.write_text((small_path / "dataset.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with EmbeddedStore() as st:
        ingest([folder], st)
        sources = st.select(f"SELECT ?o WHERE {{ ?s <{PREFIXES['dcterms']}source> ?o }}").values()
    assert [r for r in sources if "a b" in str(r[0])] == [("https://example.org/a b",)]


def test_an_initiative_is_one_of_programme_project_or_measure(tmp_path: Path,
                                                               small_path: Path) -> None:
    """Records give an initiative one kind; an RDF file that gives a second one (to its
    own initiative, or to one another dataset defines) is refused, since the analytics
    give an initiative one row per kind."""
    sc, ident = "https://w3id.org/scgraph/ontology#", "https://w3id.org/scgraph/id/"
    rdf_type, label = f"<{PREFIXES['rdf']}type>", f"<{PREFIXES['rdfs']}label>"
    hub = f"<{ident}initiative/T-HUB>"
    second = tmp_path / "second.nt"
    second.write_text(f"{hub} {rdf_type} <{sc}Measure> .\n", encoding="utf-8")
    own = tmp_path / "own.nt"
    new = f"<{ident}initiative/F-NEW>"
    own.write_text("".join(f"{new} {p} {o} .\n" for p, o in [
        (rdf_type, f"<{sc}Initiative>"), (rdf_type, f"<{sc}Project>"),
        (rdf_type, f"<{sc}Programme>"), (label, '"New"'),
        (f"<{PREFIXES['dcterms']}identifier>", '"F-NEW"'),
        (f"<{sc}actionField>", "<https://w3id.org/scgraph/field/energy>"),
        (f"<{PREFIXES['dcterms']}source>", "<https://example.org/new>")]),
        encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        caught = _refused(st, [second])
        assert [(p.record, p.field, Path(str(p.file)).name, p.message) for p in
                caught.problems] == [("T-HUB", "kind", "second.nt", "an initiative is one of "
                                      "programme, project or measure, not measure and project")]
        caught = _refused(st, [own])
        assert [(p.record, p.field) for p in caught.problems] == [("F-NEW", "kind")]
        assert "not programme and project" in caught.problems[0].message
        # one kind, the same as the records': accepted
        second.write_text(f"{hub} {rdf_type} <{sc}Project> .\n", encoding="utf-8")
        ingest([second], st)


def test_one_path_is_taken_as_a_list_of_one(small_path: Path) -> None:
    # a str is a sequence too: ingest("data/x", store) read it as the paths "d", "a", ...
    with EmbeddedStore() as st:
        assert [d.name for d in ingest(str(small_path), st).datasets] == ["small"]
    assert [d.name for d in validate_paths(small_path).datasets] == ["small"]


def test_an_unknown_engine_is_a_usage_error(small_path: Path) -> None:
    with EmbeddedStore() as st, pytest.raises(UsageError, match="unknown SHACL engine 'x'; "
                                              "expected one of python, sparql, pyshacl"):
        ingest([small_path], st, shacl="x")
    with pytest.raises(UsageError, match="unknown SHACL engine"):
        validate_paths([small_path], shacl="x")


def test_an_rdf_file_that_defines_initiatives_of_another_dataset_is_refused(
        tmp_path: Path, small_path: Path) -> None:
    # a ttl export of the store (which merges the graphs) ingested again defined every
    # initiative in a second dataset: each analysis then met every initiative twice
    from scgraph.store import write_export

    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        backup = tmp_path / "backup.ttl"
        with backup.open("wb") as out:
            write_export(st, out, "ttl")
        problems = _refused(st, [backup]).problems
        assert [(p.file, p.record) for p in problems] == [(str(backup), "T-APP")]
        assert problems[0].message == (
            "4 initiatives it defines (types sc:Initiative) are defined by dataset 'small' "
            "in the store already: T-APP, T-BUS, T-HUB, T-LONE")
        assert "ingest an nq or trig export" in (problems[0].expected or "")
        trig = tmp_path / "backup.trig"  # its graphs replace the store's: no second copy
        with trig.open("wb") as out:
            write_export(st, out, "trig")
        assert [d.graphs for d in ingest([trig], st).datasets] == [[dataset_graph_iri("small")]]


def test_a_list_item_of_sources_is_one_source_and_an_amount_may_be_10_15(
        tmp_path: Path) -> None:
    # a list's item was split at " | " ("Council minutes | 2021-03" became two sources),
    # and exactly 10^15 euros, the documented upper bound, was refused
    import unicodedata

    data = tmp_path / "s.json"
    data.write_text(json.dumps({"initiatives": [{
        "id": "J-9", "name": "x", "action_fields": ["energy"],
        "funding_total_eur": "1000000000000000",
        "source": ["Council minutes | 2021-03", unicodedata.normalize("NFD", "Gütersloh")],
    }]}), encoding="utf-8")
    with EmbeddedStore() as st:
        ingest([data], st)
        rows = st.select("SELECT ?s ?f WHERE { ?i <http://purl.org/dc/terms/source> ?s ; "
                         "<https://w3id.org/scgraph/ontology#fundingTotalEur> ?f }").values()
    assert sorted(s for s, _ in rows) == ["Council minutes | 2021-03", "Gütersloh"]
    assert {f for _, f in rows} == {"1000000000000000"}


def test_a_separator_at_the_end_or_twice_leaves_no_stray_bar(tmp_path: Path) -> None:
    """'https://example.org/a | ' was kept as the text "https://example.org/a |", not as the
    URL; an empty item between two separators glued a '|' to the next source."""
    folder = tmp_path / "bars"
    folder.mkdir()
    (folder / "initiatives.csv").write_text(
        "id,name,action_fields,source\n"
        "S1,a,mobility,https://example.org/a | \n"
        "S2,b,mobility,| https://example.org/b\n"
        "S3,c,mobility,https://example.org/c | | Council minutes 2021\n"
        "S4,d,mobility,https://example.org/d|e\n"
        "S5,e,mobility,HTTPS://Example.org/E\n", encoding="utf-8")  # a scheme in capitals
    with EmbeddedStore() as st:
        ingest([folder], st)
        quads = st._store.quads_for_pattern(
            None, ox.NamedNode("http://purl.org/dc/terms/source"), None, None)
        got = {(id_from_iri(q.subject.value),
                q.object.value if isinstance(q.object, ox.NamedNode) else f'"{q.object.value}"')
               for q in quads if "/initiative/" in q.subject.value}
    assert got == {("S1", "https://example.org/a"), ("S2", "https://example.org/b"),
                   ("S3", "https://example.org/c"), ("S3", '"Council minutes 2021"'),
                   ("S4", '"https://example.org/d|e"'),  # a bar in a URL is no separator
                   ("S5", "HTTPS://Example.org/E")}  # an IRI: it was kept as text


def test_relations_and_side_effects_at_a_documents_top_level(tmp_path: Path,
                                                             small_path: Path) -> None:
    """Lists shaped like relations.csv and side_effects.csv at the top of a YAML or JSON
    document give what the nested ones give; they were ignored with a warning, and the
    ingest wrote the initiatives without them."""
    doc = yaml.safe_load((small_path.parent / "small.yaml").read_text(encoding="utf-8"))
    flat = {k: v for k, v in doc.items() if k != "initiatives"}
    flat["initiatives"], flat["relations"], flat["side_effects"] = [], [], []
    for ini in doc["initiatives"]:
        ini = dict(ini)
        flat["relations"] += [{"source_id": ini["id"], **r} for r in ini.pop("relations", [])]
        flat["side_effects"] += [{"initiative_id": ini["id"], **e}
                                 for e in ini.pop("side_effects", [])]
        flat["initiatives"].append(ini)
    assert flat["relations"]
    assert flat["side_effects"]
    for suffix, text in ((".yaml", yaml.safe_dump(flat, allow_unicode=True)),
                         (".json", json.dumps(flat))):
        path = tmp_path / f"small{suffix}"
        path.write_text(text, encoding="utf-8")
        with EmbeddedStore() as nested, EmbeddedStore() as top:
            said = ingest([small_path.parent / "small.yaml"], nested).warnings
            report = ingest([path], top)
            # the same warnings (the fixture's own), and none of an ignored key
            assert sorted((w.field or "", w.message) for w in report.warnings) == \
                sorted((w.field or "", w.message) for w in said)
            assert _data_triples(top, dataset_graph_iri("small")) == \
                _data_triples(nested, dataset_graph_iri("small"))
    # at the top level a relation names its initiative, as a row of relations.csv does
    bad = tmp_path / "bad.yaml"
    bad.write_text("initiatives:\n  - {id: A, name: a, action_fields: mobility}\n"
                   "relations:\n  - {relation: related_to, target_id: A}\n", encoding="utf-8")
    with EmbeddedStore() as st, pytest.raises(InputError) as caught:
        ingest([bad], st)
    assert any(p.field == "source_id" and p.record == "relations[0]"
               for p in caught.value.problems), caught.value.problems


def test_an_effect_kind_in_another_case_is_the_kind(tmp_path: Path) -> None:
    """'Data_Protection' was refused as no side-effect kind, while relation types and
    polarities were taken in any case."""
    folder = tmp_path / "cased"
    folder.mkdir()
    (folder / "initiatives.csv").write_text("id,name,action_fields,source\n"
                                            "A,a,mobility,https://example.org/a\n",
                                            encoding="utf-8")
    (folder / "side_effects.csv").write_text(
        "initiative_id,effect,polarity,affects_fields,mitigation\n"
        "A,Data_Protection,Risk,administration,\n", encoding="utf-8")
    with EmbeddedStore() as st:
        report = ingest([folder], st)
        assert not [w for w in report.warnings if w.field == "effect"]
        data = load_graph_data(st, cache=False)
    assert data.side_effects[["effect", "polarity"]].values.tolist() == [
        ["data_protection", "risk"]]


def test_a_name_with_a_no_break_space_is_the_same_name(tmp_path: Path) -> None:
    """'Frankfurt am Main' with a no-break space (copied from a web page) or two spaces
    was a second municipality, and the actor a second actor."""
    folder = tmp_path / "spaces"
    folder.mkdir()
    (folder / "initiatives.csv").write_text(
        "id,name,municipality,action_fields,actors,source\n"
        "A,a,Frankfurt am Main,mobility,Stadt Frankfurt,https://example.org/a\n"
        "B,b,Frankfurt\u00a0am Main,mobility,Stadt\u00a0Frankfurt,https://example.org/b\n"
        "C,c,Frankfurt am  Main,mobility,Stadt  Frankfurt,https://example.org/c\n",
        encoding="utf-8")
    with EmbeddedStore() as st:
        ingest([folder], st)
        data = load_graph_data(st, cache=False)
    assert set(data.initiatives["municipality"]) == {"Frankfurt am Main"}
    assert set(data.actors["actor"]) == {"Stadt Frankfurt"}


def test_a_symmetric_relation_given_both_ways_is_one(tmp_path: Path) -> None:
    """'A related_to B' and 'B related_to A' were two relations; the second is the same
    statement, warned about as a repeated row is."""
    folder = tmp_path / "both"
    folder.mkdir()
    (folder / "initiatives.csv").write_text("id,name,action_fields,source\n"
                                            "A,a,mobility,https://example.org/a\n"
                                            "B,b,energy,https://example.org/b\n",
                                            encoding="utf-8")
    (folder / "relations.csv").write_text("source_id,relation,target_id\n"
                                          "A,related_to,B\nB,related_to,A\n"
                                          "A,depends_on,B\nB,depends_on,A\n", encoding="utf-8")
    with EmbeddedStore() as st:
        report = ingest([folder], st)
        data = load_graph_data(st, cache=False)
    assert sorted(map(tuple, data.relations[["source_id", "relation", "target_id"]]
                      .values.tolist())) == [("A", "depends_on", "B"), ("A", "related_to", "B"),
                                             ("B", "depends_on", "A")]
    assert [w.message for w in report.warnings if "duplicate" in w.message] == [
        f"duplicate relation B related_to A; the one at {folder / 'relations.csv'}:2 is kept"]
