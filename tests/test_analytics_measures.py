"""Measures on data/mpsc against golden CSV files, and on tiny hand-made data.

How the golden files were checked by hand (against data/mpsc/*.csv):

- field-matrix: the 15 dependency edges are the 14 ``depends_on`` links (written in
  both relations.csv and the depends_on column, stored once) and
  MPSC-PB-DASH visualises_data_of MPSC-PB-UDP. Cells recomputed on paper from the
  fields of both ends, e.g. digital_infrastructure→digital_infrastructure = 4
  (SG-SCREEN→SG-HUB, MG-UDP→PB-UDP, PB-DASH→PB-UDP, P-UDP→P-LORA), mobility→
  digital_infrastructure = 3 (FR-MOB, SG-APP, EZ); total 46.
- cross-field: the 15 edges less the three whose ends share one single field
  (BO-TREE→BO-CLIM environment, MG-UDP→PB-UDP and P-UDP→P-LORA
  digital_infrastructure) = 12 rows.
- isolated: 73 rows; spot-checked MPSC-BA-PARK (mobility, only part_of MPSC-BA)
  and that MPSC-FR-PART (single field but depends_on) is absent;
  :func:`test_isolated_matches_raw_csv` recomputes it from the CSV files.
- critical: MPSC-FR-DRF has 3 dependants (FR-MOB, FR-SIM, FR-PART) in 5 fields;
  MPSC-KIR-SENS has 2 (KIR-TWIN directly, KIR-AI through it); MPSC-PB-UDP
  reaches two municipalities (Magdeburg's MG-UDP and Paderborn's PB-DASH).
- bridges / bridging-actors: Amt Süderbrarup spans 10 fields (its initiatives'
  action_fields read off initiatives.csv); articulation-points is empty because
  every field of data/mpsc is held by several linked initiatives — removing
  any one actor or initiative by brute force leaves the fields connected.
- side-effects: mobility→mobility = 10 counted from the side effects of
  mobility initiatives that list mobility in affects_fields (6 risks, 4 benefits).
  spill_over counts those landing in a field their initiative does not work in:
  environment→energy holds 4 side effects and no spill-over (MPSC-KN, KL-FAUTH, MPSC-P
  and MPSC-HAS all work in energy too); 93 in all, recomputed from the CSV files in
  :func:`test_spill_over_matches_raw_csv`.
- unmitigated-risks / data-protection-exposure: the risks with an empty
  mitigation column; data_protection and surveillance rows read off
  side_effects.csv.
- integration: Solingen has 7 initiatives, 1 isolated (1/7 = 0.1429) and both
  its dependencies cross fields, so the index is (6/7 + 1) / 2 = 0.9286.
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from scgraph.analytics import (
    MEASURES,
    GraphData,
    articulation_points,
    betweenness,
    bridges,
    bridging_actors,
    critical,
    cross_field,
    data_protection_exposure,
    field_matrix,
    integration,
    isolated,
    load_graph_data,
    projection,
    spillover_matrix,
    unmitigated_risks,
)
from scgraph.errors import UsageError
from scgraph.ingest import ingest
from scgraph.store import EmbeddedStore
from scgraph.store.base import select_frame

# the package exports the function ``bridges``, which hides the module of that name
bridges_module = importlib.import_module("scgraph.analytics.bridges")

GOLDEN = Path(__file__).resolve().parent / "golden" / "analytics"

EXTRA = {
    "articulation-points": articulation_points,
    "bridging-actors": bridging_actors,
    "data-protection-exposure": data_protection_exposure,
    "unmitigated-risks": unmitigated_risks,
}


@pytest.fixture(scope="module")
def mpsc_store(mpsc_path: Path) -> EmbeddedStore:
    store = EmbeddedStore()
    ingest([mpsc_path], store)
    return store


@pytest.fixture(scope="module")
def mpsc_data(mpsc_store: EmbeddedStore) -> GraphData:
    return load_graph_data(mpsc_store)


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


# screening needs the store (solution types are not in GraphData); its golden file is
# checked in tests/test_screening.py
@pytest.mark.parametrize("name", sorted({*MEASURES, *EXTRA} - {"screening"}))
def test_golden(mpsc_data: GraphData, name: str) -> None:
    measure = MEASURES.get(name) or EXTRA[name]
    expected = (GOLDEN / f"{name}.csv").read_text(encoding="utf-8")
    assert _csv(measure(mpsc_data)) == expected


def test_spill_over_matches_raw_csv(mpsc_data: GraphData, mpsc_path: Path) -> None:
    """Per cell, the side effects landing in a field their initiative does not work in;
    the overview view draws a spill-over arrow for exactly the cells that have some."""
    from scgraph.viz.views import overview_view

    def items(cell: str) -> list[str]:
        return [x.strip() for x in cell.split(";") if x.strip()]

    rows = csv.DictReader((mpsc_path / "initiatives.csv").open(encoding="utf-8"))
    own = {r["id"]: items(r["action_fields"]) for r in rows}
    spill: dict[tuple[str, str], int] = {}
    for r in csv.DictReader((mpsc_path / "side_effects.csv").open(encoding="utf-8")):
        for landed in items(r["affects_fields"]):
            for cause in own[r["initiative_id"]]:
                spill[cause, landed] = spill.get((cause, landed), 0) + (
                    landed not in own[r["initiative_id"]])
    out = spillover_matrix(mpsc_data)
    cells = zip(out["cause_field"], out["landed_field"], strict=True)
    assert dict(zip(cells, out["spill_over"], strict=True)) == spill
    assert sum(spill.values()) == 93
    drawn = {(e["from"][2:], e["to"][2:]) for e in overview_view(mpsc_data).edges
             if e["relation"] == "spill_over"}
    assert drawn == {cell for cell, n in spill.items() if n}


def test_registry_names_are_the_cli_names() -> None:
    assert set(MEASURES) >= {"field-matrix", "cross-field", "isolated", "bridges", "critical",
                             "side-effects", "integration"}


def test_isolated_matches_raw_csv(mpsc_data: GraphData, mpsc_path: Path) -> None:
    rows = list(csv.DictReader((mpsc_path / "initiatives.csv").open(encoding="utf-8")))
    linked: set[str] = set()
    for r in csv.DictReader((mpsc_path / "relations.csv").open(encoding="utf-8")):
        if r["relation"] != "part_of":
            linked |= {r["source_id"], r["target_id"]}
    for r in rows:
        if r["depends_on"]:
            linked.add(r["id"])
            linked |= set(r["depends_on"].split(";"))
    expected = sorted(r["id"] for r in rows
                      if len(r["action_fields"].split(";")) == 1 and r["id"] not in linked)
    assert sorted(isolated(mpsc_data)["id"]) == expected


def _data(initiatives: list[tuple[str, list[str], str | None]],
          relations: list[tuple[str, str, str]],
          actors: list[tuple[str, str]] = (),  # type: ignore[assignment]
          effects: list[tuple[str, str, str, list[str], str | None]] = (),  # type: ignore[assignment]
          ) -> GraphData:
    ini = pd.DataFrame([{"id": i, "name": f"name of {i}", "kind": "project", "municipality": m,
                         "region": None, "programme": "P" if m else None, "year": None,
                         "fields": f} for i, f, m in initiatives])
    rel = pd.DataFrame(relations, columns=["source_id", "relation", "target_id"])
    rel["confidence"] = "stated"
    act = pd.DataFrame(list(actors), columns=["initiative_id", "actor"])
    act["actor_class"] = "Actor"
    eff = pd.DataFrame([{"effect_id": f"e/{k}", "initiative_id": i, "effect": e,
                         "polarity": p, "mitigation": m, "affects_fields": f}
                        for k, (i, e, p, f, m) in enumerate(effects)],
                       columns=["effect_id", "initiative_id", "effect", "polarity",
                                "mitigation", "affects_fields"])
    return GraphData(ini, rel, act, eff)


def test_supports_is_reversed_and_pairs_multiply() -> None:
    data = _data([("A", ["energy", "mobility"], "X"), ("B", ["housing"], "X")],
                 [("A", "supports", "B")])
    # A supports B: B depends on A, so the cells run from housing to A's fields.
    assert field_matrix(data).values.tolist() == [["housing", "energy", 1],
                                                  ["housing", "mobility", 1]]
    assert cross_field(data)[["source_id", "target_id", "relation"]].values.tolist() == [
        ["B", "A", "supports"]]


def test_within_field_edge_is_not_cross_field() -> None:
    data = _data([("A", ["energy"], "X"), ("B", ["energy"], "X"),
                  ("C", ["energy", "mobility"], "X"), ("D", ["energy", "mobility"], "X")],
                 [("A", "depends_on", "B"), ("C", "integrates", "D")])
    assert cross_field(data)["source_id"].tolist() == ["C"]


def test_part_of_does_not_count_as_interaction() -> None:
    data = _data([("P", ["energy", "mobility"], "X"), ("M1", ["energy"], "X"),
                  ("M2", ["mobility"], "X"), ("M3", ["mobility", "energy"], "X"),
                  ("M4", ["housing"], "X")],
                 [("M1", "part_of", "P"), ("M2", "part_of", "P"), ("M2", "related_to", "M4"),
                  ("M3", "part_of", "P")])
    assert isolated(data)["id"].tolist() == ["M1"]


def test_critical_counts_transitive_dependants_once_even_in_cycles() -> None:
    data = _data([("A", ["energy"], "X"), ("B", ["mobility"], "Y"), ("C", ["housing"], "Y"),
                  ("D", ["health"], "Z")],
                 [("A", "depends_on", "B"), ("B", "depends_on", "C"), ("C", "depends_on", "B"),
                  ("D", "depends_on", "A")])
    got = critical(data).set_index("id")[["dependants", "fields_reached",
                                          "municipalities_reached"]]
    assert got.loc["C"].tolist() == [3, 3, 3]  # B, A, D
    assert got.loc["B"].tolist() == [3, 3, 3]  # C, A, D
    assert got.loc["A"].tolist() == [1, 1, 1]  # D
    assert "D" not in got.index


def test_articulation_point_separates_fields() -> None:
    # Actor K is the only link between the energy side and the housing side.
    data = _data([("A", ["energy"], "X"), ("B", ["housing"], "X"), ("C", ["energy"], "X")],
                 [("A", "related_to", "C")], actors=[("A", "K"), ("B", "K"), ("C", "L")])
    got = articulation_points(data)
    assert got.values.tolist() == [["actor", "K", 2], ["initiative", "A", 2],
                                   ["initiative", "B", 2]]


def test_spillover_and_data_protection() -> None:
    data = _data([("A", ["energy", "mobility"], "X")], [],
                 effects=[("A", "data_protection", "risk", ["administration"], None),
                          ("A", "energy_saving", "benefit", ["energy"], None),
                          ("A", "surveillance", "risk", ["administration", "safety"], "rules")])
    spill = spillover_matrix(data).set_index(["cause_field", "landed_field"])
    assert spill.loc[("energy", "administration")].tolist() == [2, 2, 0, 2]
    assert spill.loc[("energy", "energy")].tolist() == [1, 0, 1, 0]
    # A works in energy too: its benefit landing there spills over from neither field
    assert spill.loc[("mobility", "energy")].tolist() == [1, 0, 1, 0]
    assert unmitigated_risks(data)["effect"].tolist() == ["data_protection"]
    assert data_protection_exposure(data).values.tolist() == [["administration", 2, 1, 1],
                                                              ["safety", 1, 0, 1]]


def test_integration_index_formula() -> None:
    data = _data([("A", ["energy"], "X"), ("B", ["mobility"], "X"), ("C", ["energy"], "X"),
                  ("D", ["energy"], "X")],
                 [("A", "depends_on", "B"), ("C", "depends_on", "D")])
    row = integration(data, levels=("municipality",)).iloc[0]
    # no isolated initiative (share 0), 1 of 2 dependencies cross fields (0.5)
    assert (row["isolated_share"], row["cross_field_share"]) == (0.0, 0.5)
    assert row["integration_index"] == 0.75


def test_measures_accept_a_store(mpsc_store: EmbeddedStore) -> None:
    assert _csv(field_matrix(mpsc_store)) == (GOLDEN / "field-matrix.csv").read_text("utf-8")
    assert len(isolated(mpsc_store)) == 73


def test_initiatives_placed_by_position_equal_the_joins(mpsc_store: EmbeddedStore) -> None:
    # the initiatives table is built by placing each attribute's ids (one value each);
    # the joins it replaces give the same table, and still make it when an initiative
    # has two values: a row for each
    results = {name: select_frame(mpsc_store, query)
               for name, query in projection._QUERIES.items()}
    placed = projection._initiatives(results.__getitem__)
    pd.testing.assert_frame_equal(placed, projection._initiatives_joined(results.__getitem__))
    assert placed.isna().any().any()  # a missing value is placed too
    munis = results["municipalities"]
    label, ids = munis.iloc[0, 0], munis.iloc[0, -1]
    ident = str(ids).split()[0]
    results["municipalities"] = pd.concat(
        [munis, pd.DataFrame([["Elsewhere", None, ident]], columns=munis.columns)],
        ignore_index=True)
    twice = projection._initiatives(results.__getitem__)
    assert len(twice) == len(placed) + 1
    assert sorted(twice.loc[twice["id"] == ident, "municipality"]) == sorted(
        [label, "Elsewhere"])


def test_what_two_datasets_say_alike_is_read_once(tmp_path: Path, mpsc_path: Path,
                                                  small_path: Path,
                                                  mpsc_data: GraphData) -> None:
    """The small dataset names regions data/mpsc names too (Hessen, Bayern), and the
    inferred graph repeats types: each initiative, actor and side effect is still one
    row, as with each dataset alone, and the report is made."""
    from scgraph.reasoning import materialize
    from scgraph.reports import write_report

    with EmbeddedStore() as small_store:
        ingest([small_path], small_store)
        small = load_graph_data(small_store)
    with EmbeddedStore(tmp_path / "both") as st:
        ingest([mpsc_path, small_path], st)
        materialize(st)
        both = load_graph_data(st, cache=False)
        for table in ("initiatives", "relations", "actors", "side_effects"):
            alone = pd.concat([getattr(mpsc_data, table), getattr(small, table)])
            key = "initiative_id" if table == "actors" else alone.columns[0]
            pd.testing.assert_frame_equal(
                getattr(both, table).sort_values([key, *alone.columns[1:2]], kind="stable")
                .reset_index(drop=True),
                alone.sort_values([key, *alone.columns[1:2]], kind="stable")
                .reset_index(drop=True), check_dtype=False)
        write_report(st, tmp_path / "report")
    assert (tmp_path / "report" / "report.html").is_file()


@pytest.fixture(scope="module")
def copied_store(mpsc_path: Path) -> EmbeddedStore:
    """data/mpsc, and a copy of its graph under another IRI."""
    store = EmbeddedStore()
    ingest([mpsc_path], store)
    nt = store.export("nt", graph="https://w3id.org/scgraph/graph/mpsc")
    store.replace_graphs({"https://example.org/graph/copy": nt})
    return store


@pytest.mark.parametrize("name", sorted({*MEASURES, *EXTRA} - {"screening"}))
def test_a_graph_that_repeats_another_changes_no_measure(copied_store: EmbeddedStore,
                                                         name: str) -> None:
    """Two graphs holding the same triples (data pushed under a second name, or left by
    an interrupted upload) are one set of triples, as the union default graph means:
    each measure gives its golden result. The initiatives came once per combination of
    the repeated triples (2,048 times in `isolated`), and `bridges` crashed."""
    measure = MEASURES.get(name) or EXTRA[name]
    data = load_graph_data(copied_store, cache=False)
    assert _csv(measure(data)) == (GOLDEN / f"{name}.csv").read_text(encoding="utf-8")


def _random_interactions(n: int, m: int, seed: int) -> GraphData:
    g = nx.gnm_random_graph(n, m, seed=seed)
    return _data([(f"I{k:03d}", ["energy"], "X") for k in g],
                 [(f"I{a:03d}", "related_to", f"I{b:03d}") for a, b in g.edges])


def test_sampled_betweenness_estimates_the_exact_values() -> None:
    """Every initiative as a source: the linear-scaled estimate lands near the exact values.

    Checked by hand on this seeded graph: the three most central initiatives are the
    same, and no estimate is off by more than a quarter of the largest exact value.
    """
    data = _random_interactions(150, 300, seed=3)
    exact = betweenness(data, method="rustworkx")
    sampled = betweenness(data, method="sampled", samples=150, seed=1)
    assert sampled["method"].unique().tolist() == ["networkit sampled, 150 sources, seed 1"]
    assert set(sampled["id"][:3]) == set(exact["id"][:3])
    both = exact.merge(sampled, on="id")
    assert (both["betweenness_x"] - both["betweenness_y"]).abs().max() \
        < 0.25 * exact["betweenness"].max()
    again = betweenness(_random_interactions(150, 300, seed=3), method="sampled",
                        samples=150, seed=1)
    assert again.equals(sampled)


@pytest.mark.parametrize("n", [3, 10, 4_999, 100_000, 1_000_003])
@pytest.mark.parametrize("seed", [0, 7, 2**63 + 5])
def test_draws_are_networkits(n: int, seed: int) -> None:
    """The sources of the sampled betweenness are the nodes networkit's generator draws
    (700 draws: the Mersenne Twister refills its state twice)."""
    import networkit as nk

    from scgraph.analytics._draw import random_nodes

    nk.engineering.setSeed(seed, False)
    graph = nk.Graph(n)
    want = [int(nk.graphtools.randomNode(graph)) for _ in range(700)]
    assert random_nodes(n, 700, seed) == want


@pytest.mark.parametrize(("n", "m", "samples", "seed"), [(400, 500, 20, 0), (1500, 2500, 40, 7)])
def test_sampled_betweenness_is_networkits_estimate(n: int, m: int, samples: int,
                                                    seed: int) -> None:
    """``_sampled`` computes networkit's ``EstimateBetweenness`` (sequential) itself:
    same sources, same weights, same scaling; graphs with many components and
    isolated nodes."""
    import networkit as nk

    g = nx.gnm_random_graph(n, m, seed=seed)
    edges = sorted((min(a, b), max(a, b)) for a, b in g.edges)
    reference = nk.Graph(n)
    for a, b in edges:
        reference.addEdge(a, b)
    nk.engineering.setSeed(seed, False)
    estimate = nk.centrality.EstimateBetweenness(reference, samples, True, False)
    estimate.run()
    want = [max(0.0, float(v)) for v in estimate.scores()]
    got = bridges_module._sampled(n, edges, samples, seed)
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-12
    assert [round(v, 6) for v in got] == [round(v, 6) for v in want]
    assert sum(v > 0 for v in got) > n // 4


def test_betweenness_method_is_chosen_by_size(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _random_interactions(30, 40, seed=2)
    assert betweenness(data)["method"][0] == "networkx exact"
    monkeypatch.setattr(bridges_module, "EXACT_NETWORKX_LIMIT", 10)
    assert betweenness(_random_interactions(30, 40, seed=2))["method"][0] == "rustworkx exact"
    monkeypatch.setattr(bridges_module, "EXACT_LIMIT", 20)
    got = bridges(_random_interactions(30, 40, seed=2))
    assert got["betweenness_method"].unique().tolist() == [
        "networkit sampled, 30 sources, seed 0"]  # never more sources than initiatives


def test_betweenness_is_computed_once_per_load(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = bridges_module._betweenness

    def counting(*args: object) -> pd.DataFrame:
        calls.append(args[1])
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bridges_module, "_betweenness", counting)
    data = _random_interactions(20, 30, seed=4)
    first = betweenness(data)
    first.loc[0, "betweenness"] = -1.0  # callers get copies
    bridges(data)
    assert calls == ["networkx"]
    assert betweenness(data)["betweenness"].min() >= 0


def test_a_relation_two_datasets_state_is_one_row(tmp_path: Path, small_path: Path) -> None:
    """A dataset that states again a relation of another (the same node, in two graphs)
    adds no row, and one stated in one and inferred in the other is kept as stated; a
    side effect it states of the other's initiative is a side effect of its own (the
    effects of an initiative are numbered in each dataset)."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "initiatives.csv").write_text("id,name,action_fields\nO-1,Grid,energy\n",
                                           encoding="utf-8")
    (other / "relations.csv").write_text(
        "source_id,relation,target_id,confidence,evidence,source\n"
        "T-APP,visualises_data_of,T-HUB,inferred,seen in the app,\n", encoding="utf-8")
    (other / "side_effects.csv").write_text(
        (small_path / "side_effects.csv").read_text(encoding="utf-8").splitlines()[0] + "\n"
        "T-HUB,vendor_lock_in,risk,administration,One platform vendor.,,\n", encoding="utf-8")
    with EmbeddedStore() as st:
        ingest([small_path], st)
        small = load_graph_data(st, cache=False)
        ingest([other], st)
        both = load_graph_data(st, cache=False)
    pd.testing.assert_frame_equal(both.relations, small.relations)
    assert list(both.initiatives["id"]) == sorted([*small.initiatives["id"], "O-1"])
    pd.testing.assert_frame_equal(MEASURES["field-matrix"](both), MEASURES["field-matrix"](small))
    assert list(both.side_effects["effect_id"]) == sorted(
        [*small.side_effects["effect_id"], "T-HUB/other/1"])
    added = both.side_effects[both.side_effects["effect_id"] == "T-HUB/other/1"]
    assert added[["initiative_id", "effect", "mitigation"]].values.tolist() == [
        ["T-HUB", "vendor_lock_in", None]]
    pd.testing.assert_frame_equal(
        both.side_effects[both.side_effects["effect_id"] != "T-HUB/other/1"]
        .reset_index(drop=True), small.side_effects)


@pytest.fixture(scope="module")
def mpsc_split(tmp_path_factory: pytest.TempPathFactory, mpsc_path: Path) -> GraphData:
    """data/mpsc cut into two datasets: initiatives by turns (each with its side
    effects), relations half and half; each refers to the other's initiatives, and both
    name most places, programmes and actors."""
    root = tmp_path_factory.mktemp("split")
    halves = [root / "first", root / "second"]
    for half in halves:
        half.mkdir()
    first: set[str] = set()
    for name in ("initiatives", "relations", "side_effects"):
        with (mpsc_path / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            header, *rows = list(csv.reader(f))
        for k, half in enumerate(halves):
            if name == "initiatives":
                part = rows[k::2]
                first |= {row[0] for row in rows[::2]}
            elif name == "relations":
                part = rows[:len(rows) // 2] if k == 0 else rows[len(rows) // 2:]
            else:
                part = [row for row in rows if (row[0] in first) == (k == 0)]
            with (half / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
                csv.writer(f).writerows([header, *part])
    with EmbeddedStore() as store:
        ingest(halves, store)
        return load_graph_data(store, cache=False)


@pytest.mark.parametrize("name", sorted({*MEASURES, *EXTRA} - {"screening"}))
def test_a_dataset_cut_in_two_gives_the_golden_results(mpsc_split: GraphData,
                                                       name: str) -> None:
    """What several datasets say of one place, programme, actor or initiative counts
    once: every measure on data/mpsc cut into two datasets is its golden result."""
    measure = MEASURES.get(name) or EXTRA[name]
    expected = (GOLDEN / f"{name}.csv").read_text(encoding="utf-8")
    assert _csv(measure(mpsc_split)) == expected


def test_every_measure_of_a_store_without_initiatives_is_an_empty_table(
        tmp_path: Path, mpsc_store: EmbeddedStore) -> None:
    """A store whose datasets define no initiative gives each measure's columns, no rows
    (integration once selected no columns at all: a list mask of no initiatives)."""
    other = tmp_path / "other.nt"
    other.write_text("<urn:a> <urn:p> <urn:b> .\n", encoding="utf-8")
    with EmbeddedStore(tmp_path / "s") as st:
        ingest([other], st)
        for name, measure in MEASURES.items():
            table = measure(st)
            assert table.empty, name
            assert list(table.columns) == list(measure(mpsc_store).columns), name


def test_arguments_an_analyst_writes_are_taken_or_named() -> None:
    """A kind or level named alone as a string was split into its letters (no rows, or a
    KeyError 'r'); an unknown betweenness method ran the sampled estimate; a path in place
    of the store failed inside a worker thread."""
    data = _data([("A", ["energy"], None)], [],
                 effects=[("A", "surveillance", "risk", ["safety"], None)])
    assert data_protection_exposure(data, kinds="surveillance")["field"].tolist() == ["safety"]
    assert integration(data, levels="municipality").empty
    # a level without groups (no programme here) kept the shares as objects: no nlargest
    placed = _data([("A", ["energy"], "X")], [])
    placed.initiatives["programme"] = None
    both = integration(placed)
    assert both["level"].tolist() == ["municipality"]
    assert {str(both[c].dtype) for c in ("isolated_share", "cross_field_share",
                                         "integration_index")} == {"float64"}
    assert both.nlargest(1, "integration_index")["group"].tolist() == ["X"]
    with pytest.raises(UsageError, match="choose among municipality, programme"):
        integration(data, levels="region")
    with pytest.raises(UsageError, match="choose among"):
        integration(data, levels=())
    with pytest.raises(UsageError, match="method 'bogus'"):
        betweenness(data, method="bogus")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="is a path: pass the store opened on it"):
        isolated("/tmp/some/store")  # type: ignore[arg-type]
