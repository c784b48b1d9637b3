"""Dropping datasets: all named or none, and never one that others still refer to."""

from __future__ import annotations

from pathlib import Path

import pytest

from scgraph.datasets import DERIVED_GRAPHS, dataset_name, drop_datasets
from scgraph.errors import UsageError
from scgraph.ingest import ingest
from scgraph.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, dataset_graph_iri
from scgraph.stats import store_stats
from scgraph.store import EmbeddedStore


def _dataset(tmp_path: Path, name: str, row: str) -> Path:
    """A dataset folder ``name`` of one initiative (a row of id,name,fields,depends_on)."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "initiatives.csv").write_text(f"id,name,action_fields,depends_on\n{row}\n",
                                            encoding="utf-8")
    return folder


def _other(tmp_path: Path) -> Path:
    """A dataset whose initiative depends on T-HUB of the small dataset."""
    return _dataset(tmp_path, "other", "O-1,Dashboard,administration,T-HUB")


def test_a_dropped_dataset_is_gone_and_the_others_are_as_they_were(
        tmp_path: Path, small_path: Path, mpsc_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path, mpsc_path], st)
        mpsc = st.export("nq", graph=dataset_graph_iri("mpsc"))
        ontology = st.export("nq", graph=ONTOLOGY_GRAPH)
        small_triples = len(st.select(f"SELECT * WHERE {{ GRAPH <{dataset_graph_iri('small')}> "
                                      "{ ?s ?p ?o } }"))
        report = drop_datasets(st, ["small"])
        assert report.dropped == [(dataset_graph_iri("small"), small_triples)]
        assert report.stale == []
        assert sorted(st.graphs()) == sorted([dataset_graph_iri("mpsc"), ONTOLOGY_GRAPH])
        assert st.export("nq", graph=dataset_graph_iri("mpsc")) == mpsc
        assert st.export("nq", graph=ONTOLOGY_GRAPH) == ontology
        assert [d["name"] for d in store_stats(st)["datasets"]] == ["mpsc"]
        assert store_stats(st)["initiatives"] == 249


@pytest.mark.parametrize(("names", "message"), [
    (["small", "nope"], "no dataset 'nope' in the store"),
    ([], "name a dataset"),
    (["small", ONTOLOGY_GRAPH], "is not a dataset but the ontology"),
    ([INFERRED_GRAPH], "is not a dataset but what `scgraph reason --materialize` inferred"),
])
def test_a_refused_drop_changes_nothing(tmp_path: Path, small_path: Path,
                                        names: list[str], message: str) -> None:
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        before = st.export("nq")
        with pytest.raises(UsageError, match=message):
            drop_datasets(st, names)
        assert st.export("nq") == before


def test_a_dataset_others_refer_to_is_dropped_only_with_them_or_by_force(
        tmp_path: Path, small_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        ingest([_other(tmp_path)], st)
        before = st.export("nq")
        with pytest.raises(UsageError, match=r"other refers to T-HUB\. Nothing was dropped\. "
                                             r"Drop them together \(`scgraph drop small other`, "
                                             r"with the same --store or --endpoint\)"):
            drop_datasets(st, ["small"])
        assert st.export("nq") == before
        # by its graph's IRI, together with the dataset that refers to it
        report = drop_datasets(st, [dataset_graph_iri("small"), "other"])
        assert [dataset_name(g) for g, _ in report.dropped] == ["small", "other"]
        assert st.graphs() == [ONTOLOGY_GRAPH]

    with EmbeddedStore(tmp_path / "t") as st:
        ingest([small_path], st)
        ingest([tmp_path / "other"], st)
        report = drop_datasets(st, ["small"], force=True)
        assert sorted(st.graphs()) == sorted([ONTOLOGY_GRAPH, dataset_graph_iri("other")])
        # what is left dangling is said (the CLI prints it as a note)
        assert report.dangling == [(dataset_graph_iri("other"), "T-HUB")]


def test_the_graphs_made_from_the_data_are_named_as_stale(tmp_path: Path,
                                                          small_path: Path) -> None:
    from scgraph.screening import SCREENING_GRAPH, screen

    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        screen(st)
        assert drop_datasets(st, ["small"]).stale == [SCREENING_GRAPH]


def _small_without_hub(tmp_path: Path, small_path: Path) -> Path:
    """The small dataset (same name) without T-HUB and what mentions it."""
    folder = tmp_path / "again" / "small"
    folder.mkdir(parents=True)
    for f in small_path.iterdir():
        text = f.read_text(encoding="utf-8")
        if f.suffix == ".csv":  # T-APP depends on T-HUB: only that reference goes
            lines = text.splitlines(keepends=True)
            kept = [line for line in lines[1:] if "T-HUB" not in line
                    or (f.name == "initiatives.csv" and line.startswith("T-APP,"))]
            text = lines[0] + "".join(kept).replace(",T-HUB,", ",,")
        (folder / f.name).write_text(text, encoding="utf-8")
    assert "T-HUB" not in "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    return folder


def test_ingesting_a_dataset_again_keeps_what_others_refer_to(
        tmp_path: Path, small_path: Path) -> None:
    from scgraph.errors import InputError

    smaller = _small_without_hub(tmp_path, small_path)
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        ingest([_other(tmp_path)], st)
        before = st.export("nq")
        with pytest.raises(InputError) as refused:
            ingest([smaller], st)
        assert len(refused.value.problems) == 1
        assert str(refused.value.problems[0]) == (
            f"{smaller}: record 'T-HUB': field 'id': 'T-HUB' is no longer defined, but "
            "dataset 'other' in the store refers to it (expected the initiative kept; or that "
            "dataset ingested again in the same run without the reference, or dropped first "
            "(`scgraph drop other`))")
        assert st.export("nq") == before
        # the dataset that refers to it, ingested again in the same run without the reference
        (tmp_path / "other" / "initiatives.csv").write_text(
            "id,name,action_fields\nO-1,Dashboard,administration\n", encoding="utf-8")
        ingest([smaller, tmp_path / "other"], st)
        assert st.select("SELECT ?i WHERE { ?i <http://purl.org/dc/terms/identifier> "
                         "'T-HUB' }").values() == []


def test_stats_lists_every_dataset_and_only_datasets(tmp_path: Path, small_path: Path) -> None:
    """A dataset read from an RDF file has no description: it is listed by its name; a
    graph outside scgraph's graphs (an RDF file's own, an endpoint's) is not a dataset."""
    extra = tmp_path / "extra.trig"
    extra.write_text('<http://example.org/a> <http://example.org/p> "default graph" .\n'
                     '<http://example.org/g> { <http://example.org/a> <http://example.org/p> '
                     '"own graph" . }\n', encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path, extra], st)
        assert "http://example.org/g" in st.graphs()
        stats = store_stats(st)
        assert stats["datasets"] == [
            {"name": "extra", "graph": dataset_graph_iri("extra"), "title": None, "triples": 1},
            {"name": "small", "graph": dataset_graph_iri("small"),
             "title": "Small test dataset", "triples": 159}]
        assert stats["other_graphs"] == [{"graph": "http://example.org/g", "triples": 1}]
        assert stats["triples"] == len(st)


def test_stale_graphs_name_the_datasets_ingested_after_them(
        tmp_path: Path, small_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from scgraph.datasets import stale_graphs
    from scgraph.ingest import pipeline
    from scgraph.namespaces import SCREENING_GRAPH
    from scgraph.reasoning import materialize
    from scgraph.screening import screen

    class Later(datetime):
        @classmethod
        def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
            return datetime(2100, 1, 1, tzinfo=UTC)

    with EmbeddedStore() as st:
        ingest([small_path], st)
        assert stale_graphs(st) == {}  # nothing made from the datasets yet
        materialize(st)
        screen(st)
        assert stale_graphs(st) == {}  # both made after the ingest
        monkeypatch.setattr(pipeline, "datetime", Later)
        ingest([_other(tmp_path)], st)
        stale = stale_graphs(st)
        assert sorted(stale) == sorted([INFERRED_GRAPH, SCREENING_GRAPH])
        assert "older than dataset other (2100-01-01T00:00:00" in stale[INFERRED_GRAPH]
        # an ingest since may have replaced what the graph was made from, not only added
        assert "may still hold what that ingest replaced" in stale[INFERRED_GRAPH]
        assert stale[INFERRED_GRAPH].endswith("run `scgraph reason --materialize` again")
        assert stale[SCREENING_GRAPH].endswith("run `scgraph screen` again")
        assert "small" not in stale[SCREENING_GRAPH]  # ingested before: not named


def test_an_rdf_file_ingested_after_the_made_graphs_makes_them_stale(
        tmp_path: Path, small_path: Path) -> None:
    """A dataset from an RDF file records no time of ingest: a made graph that was not
    made from it is named stale all the same."""
    from scgraph.datasets import stale_graphs
    from scgraph.namespaces import SCREENING_GRAPH
    from scgraph.reasoning import materialize
    from scgraph.screening import screen

    extra = tmp_path / "extra.nt"
    extra.write_text("<https://w3id.org/scgraph/id/initiative/T-HUB> "
                     "<https://w3id.org/scgraph/ontology#actionField> "
                     "<https://w3id.org/scgraph/field/energy> .\n", encoding="utf-8")
    with EmbeddedStore() as st:
        ingest([small_path], st)
        materialize(st)
        screen(st)
        assert stale_graphs(st) == {}
        ingest([extra], st)
        stale = stale_graphs(st)
        assert sorted(stale) == sorted([INFERRED_GRAPH, SCREENING_GRAPH])
        assert "was made before dataset extra came into the store" in stale[INFERRED_GRAPH]
        assert "small" not in stale[INFERRED_GRAPH]
        materialize(st)
        screen(st)
        assert stale_graphs(st) == {}  # both made from it now


def test_stale_graphs_name_the_datasets_dropped_since(tmp_path: Path, small_path: Path,
                                                      mpsc_path: Path) -> None:
    """Each made graph says which datasets it was made from; one dropped since makes it
    stale, until it is made again."""
    from scgraph.datasets import stale_graphs
    from scgraph.namespaces import SCREENING_GRAPH
    from scgraph.reasoning import materialize
    from scgraph.screening import screen

    with EmbeddedStore() as st:
        ingest([small_path], st)
        ingest([mpsc_path], st)
        materialize(st)
        screen(st)
        assert stale_graphs(st) == {}
        datasets = sorted([dataset_graph_iri("mpsc"), dataset_graph_iri("small")])
        used = st.select(f"SELECT ?d WHERE {{ GRAPH <{INFERRED_GRAPH}> {{ "
                         f"<{INFERRED_GRAPH}/run> <http://www.w3.org/ns/prov#used> ?d }} }}")
        assert sorted(map(str, used.column("d"))) == sorted([ONTOLOGY_GRAPH, *datasets])
        derived = st.select(f"SELECT ?d WHERE {{ GRAPH <{SCREENING_GRAPH}> {{ "
                            f"<{SCREENING_GRAPH}> <http://www.w3.org/ns/prov#wasDerivedFrom> "
                            "?d } }")
        assert sorted(map(str, derived.column("d"))) == datasets
        drop_datasets(st, ["mpsc"])
        stale = stale_graphs(st)
        assert sorted(stale) == sorted([INFERRED_GRAPH, SCREENING_GRAPH])
        for graph, again in ((INFERRED_GRAPH, "scgraph reason --materialize"),
                             (SCREENING_GRAPH, "scgraph screen")):
            assert "was made from dataset mpsc, which is no longer in the store" in stale[graph]
            assert "small" not in stale[graph]
            assert stale[graph].endswith(f"run `{again}` again")
        materialize(st)
        assert sorted(stale_graphs(st)) == [SCREENING_GRAPH]
        drop_datasets(st, ["small"])  # the last dataset: nothing ingested is left
        assert sorted(stale_graphs(st)) == sorted([INFERRED_GRAPH, SCREENING_GRAPH])
        assert "dataset small, which is no longer" in stale_graphs(st)[INFERRED_GRAPH]


def test_the_drop_hint_names_every_dataset_that_must_go_along(tmp_path: Path,
                                                              small_path: Path) -> None:
    # "third" refers to "other", which refers to "small": the hint named small and other
    # only, and following it was refused again
    third = _dataset(tmp_path, "third", "X-1,Portal,administration,O-1")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        ingest([_other(tmp_path)], st)
        ingest([third], st)
        with pytest.raises(UsageError, match=r"`scgraph drop small other third`"):
            drop_datasets(st, ["small"])
        assert [dataset_name(g) for g, _ in drop_datasets(st, ["small", "other", "third"])
                .dropped] == ["small", "other", "third"]


def test_drop_names_only_made_graphs_that_used_the_dropped_data(tmp_path: Path,
                                                                small_path: Path) -> None:
    # both made graphs were named after dropping a dataset neither was made from
    from scgraph.reasoning import materialize
    from scgraph.screening import screen

    with EmbeddedStore(tmp_path / "s") as st:
        ingest([small_path], st)
        materialize(st)
        screen(st)
        ingest([_other(tmp_path)], st)
        assert drop_datasets(st, ["other"]).stale == []
        assert drop_datasets(st, ["small"]).stale == sorted(
            [INFERRED_GRAPH, "https://w3id.org/scgraph/graph/screening/solution-types"],
            key=list(DERIVED_GRAPHS).index)
