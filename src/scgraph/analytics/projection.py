"""Projections from the store to tables and networkx graphs.

:func:`load_graph_data` pulls what the analytics need in four SPARQL queries;
each projection takes either a store or the loaded :class:`GraphData`, so that
several measures can share one load.

Direction of the dependency graph: an edge A → B means "A needs B".
``depends_on``, ``integrates`` and ``visualises_data_of`` give A → B for a
record ``A relation B``; ``supports`` gives B → A (B depends on A).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pandas as pd

from scgraph.namespaces import sparql_prefixes
from scgraph.store.base import GraphStore

__all__ = [
    "DEPENDENCY_RELATIONS",
    "GraphData",
    "actor_graph",
    "dependency_edges",
    "dependency_graph",
    "field_graph",
    "interaction_graph",
    "load_graph_data",
]

#: Relation key -> True if the edge is reversed in the dependency graph.
DEPENDENCY_RELATIONS: dict[str, bool] = {
    "depends_on": False,
    "integrates": False,
    "visualises_data_of": False,
    "supports": True,
}

_INITIATIVES = sparql_prefixes() + """
SELECT ?id ?name ?kind ?municipality ?region ?programme ?year
       (GROUP_CONCAT(DISTINCT ?field; SEPARATOR=";") AS ?fields)
WHERE {
  ?i a sc:Initiative ; dcterms:identifier ?id ; rdfs:label ?name ; sc:actionField ?f .
  BIND(STRAFTER(STR(?f), STR(scf:)) AS ?field)
  OPTIONAL { ?i a ?k . FILTER(?k IN (sc:Programme, sc:Project, sc:Measure)) }
  BIND(LCASE(STRAFTER(STR(?k), STR(sc:))) AS ?kind)
  OPTIONAL { ?i sc:municipality ?m . ?m rdfs:label ?municipality .
             OPTIONAL { ?m sc:inRegion/rdfs:label ?region } }
  OPTIONAL { ?i sc:programme/rdfs:label ?programme }
  OPTIONAL { ?i sc:year ?year }
}
GROUP BY ?id ?name ?kind ?municipality ?region ?programme ?year
"""

_RELATIONS = sparql_prefixes() + """
SELECT ?source_id ?relation ?target_id ?confidence WHERE {
  ?r a sc:Interaction ; sc:fromInitiative/dcterms:identifier ?source_id ;
     sc:toInitiative/dcterms:identifier ?target_id ; sc:relationType ?t .
  OPTIONAL { ?r sc:confidence ?confidence }
  BIND(STRAFTER(STR(?t), STR(scr:)) AS ?relation)
}
"""

_ACTORS = sparql_prefixes() + """
SELECT ?initiative_id ?actor ?actor_class WHERE {
  ?i sc:hasActor ?a ; dcterms:identifier ?initiative_id .
  ?a rdfs:label ?actor .
  OPTIONAL {
    ?a a ?c . FILTER(STRSTARTS(STR(?c), STR(sc:)) && ?c NOT IN (sc:Actor, sc:PublicAuthority))
  }
  BIND(COALESCE(STRAFTER(STR(?c), STR(sc:)), "Actor") AS ?actor_class)
}
"""

_SIDE_EFFECTS = sparql_prefixes() + """
SELECT ?effect_iri ?initiative_id ?effect ?polarity ?mitigation
       (GROUP_CONCAT(DISTINCT ?field; SEPARATOR=";") AS ?affects_fields)
WHERE {
  ?effect_iri a sc:SideEffect ; sc:sideEffectOf/dcterms:identifier ?initiative_id ;
              sc:effectKind ?k .
  BIND(STRAFTER(STR(?k), STR(sce:)) AS ?effect)
  BIND(IF(EXISTS { ?effect_iri a sc:Risk }, "risk", "benefit") AS ?polarity)
  OPTIONAL { ?effect_iri sc:mitigation ?mitigation }
  OPTIONAL { ?effect_iri sc:affectsField ?f . BIND(STRAFTER(STR(?f), STR(scf:)) AS ?field) }
}
GROUP BY ?effect_iri ?initiative_id ?effect ?polarity ?mitigation
"""


def _split(value: object) -> list[str]:
    return sorted(str(value).split(";")) if isinstance(value, str) and value else []


@dataclass(frozen=True)
class GraphData:
    """What the analytics need, as DataFrames.

    ``initiatives``: id, name, kind, municipality, region, programme, year, fields (list).
    ``relations``: source_id, relation, target_id, confidence — ``part_of`` included.
    ``actors``: initiative_id, actor, actor_class.
    ``side_effects``: effect_id, initiative_id, effect, polarity, mitigation,
    affects_fields (list).
    """

    initiatives: pd.DataFrame
    relations: pd.DataFrame
    actors: pd.DataFrame
    side_effects: pd.DataFrame

    def fields_of(self) -> dict[str, list[str]]:
        """Initiative id -> its action-field keys."""
        return dict(zip(self.initiatives["id"], self.initiatives["fields"], strict=True))


def load_graph_data(store: GraphStore) -> GraphData:
    """Pull initiatives, relations, actors and side effects from ``store``."""
    ini = store.select(_INITIATIVES).to_dataframe()
    ini["fields"] = ini["fields"].map(_split)
    ini = ini.sort_values("id", kind="stable").reset_index(drop=True)
    rel = store.select(_RELATIONS).to_dataframe()
    rel = rel.sort_values(["source_id", "relation", "target_id"], kind="stable")
    act = store.select(_ACTORS).to_dataframe()
    act = act.sort_values(["initiative_id", "actor"], kind="stable").drop_duplicates(
        ["initiative_id", "actor"])
    eff = store.select(_SIDE_EFFECTS).to_dataframe()
    eff["affects_fields"] = eff["affects_fields"].map(_split)
    eff.insert(0, "effect_id", eff.pop("effect_iri").map(
        lambda iri: "/".join(str(iri).rsplit("/", 2)[-2:])))
    eff = eff.sort_values("effect_id", kind="stable")
    return GraphData(ini, rel.reset_index(drop=True), act.reset_index(drop=True),
                     eff.reset_index(drop=True))


def _data(source: GraphStore | GraphData) -> GraphData:
    return source if isinstance(source, GraphData) else load_graph_data(source)


def _add_initiative_nodes(g: nx.Graph, data: GraphData) -> None:
    for row in data.initiatives.to_dict("records"):
        g.add_node(row["id"], name=row["name"], kind=row["kind"], fields=list(row["fields"]),
                   municipality=row["municipality"], programme=row["programme"])


def dependency_edges(source: GraphStore | GraphData) -> pd.DataFrame:
    """Dependency edges A → B ("A needs B"): columns source_id, target_id, relation."""
    data = _data(source)
    rel = data.relations[data.relations["relation"].isin(list(DEPENDENCY_RELATIONS))]
    rows = []
    for src, relation, tgt in zip(rel["source_id"], rel["relation"], rel["target_id"],
                                  strict=True):
        a, b = (tgt, src) if DEPENDENCY_RELATIONS[str(relation)] else (src, tgt)
        rows.append((a, b, relation))
    return pd.DataFrame(rows, columns=["source_id", "target_id", "relation"])


def dependency_graph(source: GraphStore | GraphData) -> nx.DiGraph:
    """Directed graph of initiatives; an edge A → B means A depends on B.

    Edge attribute ``relations``: the sorted relation keys that give the edge.
    """
    data = _data(source)
    g = nx.DiGraph()
    _add_initiative_nodes(g, data)
    for a, b, relation in dependency_edges(data).itertuples(index=False):
        if g.has_edge(a, b):
            g.edges[a, b]["relations"] = sorted({*g.edges[a, b]["relations"], relation})
        else:
            g.add_edge(a, b, relations=[relation])
    return g


def interaction_graph(source: GraphStore | GraphData) -> nx.Graph:
    """Undirected graph of initiatives linked by any relation but ``part_of``.

    Edge attribute ``relations``: the sorted relation keys between the two.
    """
    data = _data(source)
    g = nx.Graph()
    _add_initiative_nodes(g, data)
    rel = data.relations[data.relations["relation"] != "part_of"]
    for r in rel.itertuples(index=False):
        if g.has_edge(r.source_id, r.target_id):
            edge = g.edges[r.source_id, r.target_id]
            edge["relations"] = sorted({*edge["relations"], r.relation})
        else:
            g.add_edge(r.source_id, r.target_id, relations=[r.relation])
    return g


def actor_graph(source: GraphStore | GraphData) -> nx.Graph:
    """Bipartite graph of actors and initiatives.

    Nodes are ``("actor", name)`` with ``bipartite=0`` and ``("initiative", id)``
    with ``bipartite=1``.
    """
    data = _data(source)
    g = nx.Graph()
    for row in data.initiatives.to_dict("records"):
        g.add_node(("initiative", row["id"]), bipartite=1, name=row["name"],
                   fields=list(row["fields"]))
    for r in data.actors.itertuples(index=False):
        g.add_node(("actor", r.actor), bipartite=0, actor_class=r.actor_class)
        g.add_edge(("actor", r.actor), ("initiative", r.initiative_id))
    return g


def field_graph(source: GraphStore | GraphData) -> nx.Graph:
    """Weighted graph of action fields.

    Node attribute ``initiatives``: how many initiatives have the field. Edge
    weight: how many (dependency edge, field pair) combinations join two
    different fields, the ends' fields taken pairwise.
    """
    data = _data(source)
    fields = data.fields_of()
    g = nx.Graph()
    for flist in data.initiatives["fields"]:
        for f in flist:
            if f in g:
                g.nodes[f]["initiatives"] += 1
            else:
                g.add_node(f, initiatives=1)
    for a, b, _rel in dependency_edges(data).itertuples(index=False):
        for fa in fields.get(a, []):
            for fb in fields.get(b, []):
                if fa == fb:
                    continue
                w = g.edges[fa, fb]["weight"] + 1 if g.has_edge(fa, fb) else 1
                g.add_edge(fa, fb, weight=w)
    return g

