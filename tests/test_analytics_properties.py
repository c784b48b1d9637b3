"""Properties of the measures on random small datasets (hypothesis)."""

from __future__ import annotations

from itertools import product

import networkx as nx
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scgraph.analytics import (
    GraphData,
    articulation_points,
    betweenness,
    bridge_graph,
    critical,
    dependants,
    dependency_edges,
    dependency_graph,
    field_matrix,
    integration,
    integration_index,
    interacting_ids,
    isolated,
)
from scgraph.analytics.fields import is_within_field

FIELDS = ["energy", "housing", "mobility", "health", "safety"]
RELATIONS = ["part_of", "depends_on", "supports", "integrates", "visualises_data_of",
             "related_to", "cooperates_with"]
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def datasets(draw: st.DrawFn) -> GraphData:
    n = draw(st.integers(1, 10))
    ids = [f"I{k}" for k in range(n)]
    rows = [{"id": i, "name": f"initiative {i}", "kind": "project",
             "municipality": draw(st.sampled_from(["Ulm", "Gera", None])), "region": None,
             "programme": draw(st.sampled_from(["P1", "P2", None])), "year": None,
             "fields": sorted(draw(st.sets(st.sampled_from(FIELDS), min_size=1, max_size=3)))}
            for i in ids]
    rels = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(RELATIONS),
                                   st.sampled_from(ids)).filter(lambda r: r[0] != r[2]),
                         max_size=12, unique=True))
    acts = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(["K", "L", "M"])),
                         max_size=8, unique=True))
    rel = pd.DataFrame(rels, columns=["source_id", "relation", "target_id"])
    rel["confidence"] = "stated"
    act = pd.DataFrame(acts, columns=["initiative_id", "actor"])
    act["actor_class"] = "Actor"
    eff = pd.DataFrame(columns=["effect_id", "initiative_id", "effect", "polarity",
                                "mitigation", "affects_fields"])
    return GraphData(pd.DataFrame(rows), rel, act, eff)


@SETTINGS
@given(datasets())
def test_initiative_with_interaction_is_never_isolated(data: GraphData) -> None:
    lonely = set(isolated(data)["id"])
    rel = data.relations[data.relations["relation"] != "part_of"]
    assert lonely.isdisjoint(set(rel["source_id"]) | set(rel["target_id"]))
    fields = data.fields_of()
    # and the converse: every single-field initiative without interaction is listed
    assert lonely == {i for i, f in fields.items()
                      if len(f) == 1 and i not in interacting_ids(data)}


@SETTINGS
@given(datasets())
def test_matrix_total_is_number_of_edge_field_pairs(data: GraphData) -> None:
    fields = data.fields_of()
    combos = sum(1 for a, b, _r in dependency_edges(data).itertuples(index=False)
                 for _pair in product(fields[a], fields[b]))
    assert int(field_matrix(data)["dependencies"].sum()) == combos


def _field_groups(g: nx.Graph) -> int:
    return sum(1 for comp in nx.connected_components(g) if any(k == "field" for k, _ in comp))


@SETTINGS
@given(datasets())
def test_removing_an_articulation_point_disconnects_fields(data: GraphData) -> None:
    g = bridge_graph(data)
    before = _field_groups(g)
    reported = {(k, i): p for k, i, p in articulation_points(data).itertuples(index=False)}
    for node in [n for n in g if n[0] != "field"]:
        h = g.copy()
        h.remove_node(node)
        after = _field_groups(h)
        if node in reported:
            assert after == before + reported[node] - 1
        else:
            assert after == before


@SETTINGS
@given(datasets())
def test_critical_counts_networkx_ancestors(data: GraphData) -> None:
    g = dependency_graph(data)
    expected = {i: len(nx.ancestors(g, i)) for i in g if nx.ancestors(g, i)}
    table = critical(data).set_index("id")
    assert table["dependants"].to_dict() == expected
    fields, munis = data.fields_of(), dict(zip(data.initiatives["id"],
                                               data.initiatives["municipality"], strict=True))
    for i in expected:
        reached = nx.ancestors(g, i)
        assert table.loc[i, "fields_reached"] == len({f for a in reached for f in fields[a]})
        assert table.loc[i, "municipalities_reached"] == len(
            {munis[a] for a in reached if isinstance(munis[a], str)})
    assert {i: len(s) for i, s in dependants(data).items() if s} == expected


@SETTINGS
@given(datasets())
def test_betweenness_methods_agree(data: GraphData) -> None:
    a = betweenness(data, method="networkx").sort_values("id")["betweenness"].tolist()
    b = betweenness(data, method="rustworkx").sort_values("id")["betweenness"].tolist()
    assert a == b


@SETTINGS
@given(datasets())
def test_integration_counts_each_group(data: GraphData) -> None:
    fields, lonely = data.fields_of(), set(isolated(data)["id"])
    edges = dependency_edges(data)
    table = integration(data)
    for level in ("municipality", "programme"):
        groups = data.initiatives.dropna(subset=[level]).groupby(level)["id"].agg(list)
        got = table[table["level"] == level].set_index("group")
        assert sorted(got.index) == sorted(groups.index)
        for group, ids in groups.items():
            mine = edges[edges["source_id"].isin(ids)]
            crossing = sum(not is_within_field(fields[a], fields[b])
                           for a, b in zip(mine["source_id"], mine["target_id"], strict=True))
            iso = sum(i in lonely for i in ids) / len(ids)
            xf = crossing / len(mine) if len(mine) else 0.0
            row = got.loc[group]
            assert row["initiatives"] == len(ids)
            assert row["fields_covered"] == len({f for i in ids for f in fields[i]})
            assert row["isolated_share"] == round(iso, 4)
            assert row["dependencies"] == len(mine)
            assert row["cross_field_share"] == round(xf, 4)
            assert row["integration_index"] == integration_index(iso, xf)
