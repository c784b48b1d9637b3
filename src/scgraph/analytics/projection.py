"""Projections from the store to tables and networkx graphs.

:func:`load_graph_data` pulls what the analytics need in a dozen small SPARQL
queries (plain SPARQL 1.1, so remote endpoints answer them too) joined in pandas;
each projection takes either a store or the loaded :class:`GraphData`, so that
several measures can share one load, and results that several measures build on
are kept with the data (:meth:`GraphData.memo`).

Direction of the dependency graph: an edge A → B means "A needs B".
``depends_on``, ``integrates`` and ``visualises_data_of`` give A → B for a
record ``A relation B``; ``supports`` gives B → A (B depends on A).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from scgraph.analytics.cache import cached_frames, code_key
from scgraph.errors import UsageError
from scgraph.namespaces import EFFECT, FIELD, RELATION, SC, sparql_prefixes
from scgraph.store import base as store_base
from scgraph.store.base import GraphStore, select_frame

_log = logging.getLogger(__name__)

if TYPE_CHECKING:  # the functions that build networkx graphs import it (0.15 s) themselves
    import networkx as nx

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

# Queries join subqueries: Oxigraph evaluates the joins of subqueries by hashing
# encoded terms, while a join inside one basic graph pattern looks every row up in
# the indexes (about 100 times slower on disk at 100k initiatives). Each value that
# is read costs a lookup of its text, so the queries return the short record ids
# and group by the values that repeat (fields, municipalities, relation types),
# concatenating the ids of each group. Record ids hold no spaces (docs/record-format.md).
# What several datasets may say alike (a region's or a programme's label, an actor's name
# and class) is read DISTINCT, on the few rows of the result: Oxigraph 0.5's union of the
# graphs gives a triple once per graph that holds it (oxigraph#1919). A relation or a side
# effect that two datasets state (the same node in two graphs) comes once per combination
# of its repeated triples: the pairs of a relation are concatenated DISTINCT (free at
# 100,000 initiatives, where DISTINCT subqueries cost half the loading time again), and
# the tables keep one row for each relation and side effect.
_IDS = "{ SELECT ?i ?id WHERE { ?i dcterms:identifier ?id } }"

_INITIATIVES = sparql_prefixes() + """
SELECT ?id ?name WHERE {
  { SELECT ?i WHERE { ?i a sc:Initiative } }
  """ + _IDS + """
  { SELECT ?i ?name WHERE { ?i rdfs:label ?name } }
}
"""

# One query per initiative attribute: the value (or group), and the ids that have it.
_BY_VALUE = sparql_prefixes() + """
SELECT ?value (GROUP_CONCAT(?id; SEPARATOR=" ") AS ?ids) WHERE {
  { SELECT ?i ?value WHERE { ?i PREDICATE ?value } }
  """ + _IDS + """
}
GROUP BY ?value
"""

_LABELLED = sparql_prefixes() + """
SELECT DISTINCT ?label ?region ?ids WHERE {
  { SELECT ?value (GROUP_CONCAT(?id; SEPARATOR=" ") AS ?ids) WHERE {
      { SELECT ?i ?value WHERE { ?i PREDICATE ?value } }
      """ + _IDS + """
    } GROUP BY ?value }
  ?value rdfs:label ?label .
  REGION
}
"""

_KINDS = sparql_prefixes() + """
SELECT ?value (GROUP_CONCAT(?id; SEPARATOR=" ") AS ?ids) WHERE {
  { SELECT ?i ?value WHERE {
      VALUES ?value { sc:Programme sc:Project sc:Measure } ?i a ?value } }
  """ + _IDS + """
}
GROUP BY ?value
"""

_RELATIONS = sparql_prefixes() + """
SELECT ?t ?confidence (GROUP_CONCAT(DISTINCT CONCAT(?source_id, " ", ?target_id);
                                    SEPARATOR=" ") AS ?pairs)
WHERE {
  { SELECT ?r WHERE { ?r a sc:Interaction } }
  { SELECT ?r ?t WHERE { ?r sc:relationType ?t } }
  { SELECT ?r ?a WHERE { ?r sc:fromInitiative ?a } }
  { SELECT ?a ?source_id WHERE { ?a dcterms:identifier ?source_id } }
  { SELECT ?r ?b WHERE { ?r sc:toInitiative ?b } }
  { SELECT ?b ?target_id WHERE { ?b dcterms:identifier ?target_id } }
  OPTIONAL { SELECT ?r ?confidence WHERE { ?r sc:confidence ?confidence } }
}
GROUP BY ?t ?confidence
"""

_ACTORS = sparql_prefixes() + """
SELECT DISTINCT ?a ?actor ?ids WHERE {
  { SELECT ?a (GROUP_CONCAT(?id; SEPARATOR=" ") AS ?ids) WHERE {
      { SELECT ?i ?a WHERE { ?i sc:hasActor ?a } }
      """ + _IDS + """
    } GROUP BY ?a }
  { SELECT ?a ?actor WHERE { ?a rdfs:label ?actor } }
}
"""

_ACTOR_CLASSES = sparql_prefixes() + """
SELECT DISTINCT ?a ?c WHERE {
  { SELECT DISTINCT ?a WHERE { ?i sc:hasActor ?a } }
  { SELECT ?a ?c WHERE { ?a a ?c } }
  FILTER(?c NOT IN (sc:Actor, sc:PublicAuthority))
}
"""

_SIDE_EFFECTS = sparql_prefixes() + """
SELECT ?effect_iri ?initiative_id ?k ?risk ?mitigation WHERE {
  { SELECT ?effect_iri WHERE { ?effect_iri a sc:SideEffect } }
  { SELECT ?effect_iri ?i WHERE { ?effect_iri sc:sideEffectOf ?i } }
  { SELECT ?i ?initiative_id WHERE { ?i dcterms:identifier ?initiative_id } }
  { SELECT ?effect_iri ?k WHERE { ?effect_iri sc:effectKind ?k } }
  OPTIONAL { SELECT ?effect_iri (true AS ?risk) WHERE { ?effect_iri a sc:Risk } }
  OPTIONAL { SELECT ?effect_iri ?mitigation WHERE { ?effect_iri sc:mitigation ?mitigation } }
}
"""

_AFFECTS = sparql_prefixes() + """
SELECT ?effect_iri ?f WHERE {
  { SELECT ?effect_iri WHERE { ?effect_iri a sc:SideEffect } }
  { SELECT ?effect_iri ?f WHERE { ?effect_iri sc:affectsField ?f } }
}
"""

#: The queries :func:`load_graph_data` runs, by name.
_QUERIES = {
    "initiatives": _INITIATIVES,
    "fields": _BY_VALUE.replace("PREDICATE", "sc:actionField"),
    "kinds": _KINDS,
    "municipalities": _LABELLED.replace("PREDICATE", "sc:municipality").replace(
        "REGION", "OPTIONAL { ?value sc:inRegion/rdfs:label ?region }"),
    "programmes": _LABELLED.replace("PREDICATE", "sc:programme").replace("REGION", ""),
    "years": _BY_VALUE.replace("PREDICATE", "sc:year"),
    "relations": _RELATIONS,
    "actor classes": _ACTOR_CLASSES,
    "actors": _ACTORS,
    "affects": _AFFECTS,
    "side effects": _SIDE_EFFECTS,
}
_Results = Callable[[str], pd.DataFrame]

_INITIATIVE_COLUMNS = ["id", "name", "kind", "municipality", "region", "programme", "year",
                       "fields"]


def _after(iri: object, namespace: str) -> str:
    """``STRAFTER(STR(iri), namespace)``: the local part, or "" outside the namespace."""
    text = str(iri)
    return text[len(namespace):] if text.startswith(namespace) else ""


def _grouped(results: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Rows of results whose last column holds space-separated ids, one row per id and
    values (an id listed twice, as a triple two graphs hold is, gives one row)."""
    table = results.itertuples(index=False, name=None)
    rows = dict.fromkeys((*row[:-1], ident) for row in table
                         for ident in str(row[-1] or "").split())
    return pd.DataFrame(list(rows), columns=[*columns, "id"], dtype=object)


def _none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing cells as None, the way a SPARQL OPTIONAL leaves them."""
    return frame.astype(object).where(frame.notna(), None)


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
    _memo: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False,
                                            compare=False)
    _promised: dict[str, Future[pd.DataFrame]] = field(default_factory=dict, init=False,
                                                       repr=False, compare=False)

    def memo(self, key: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """``compute()`` once per ``key`` for this data; each call gets a copy.

        Measures that several others build on (dependency edges, betweenness)
        are computed once per load this way. A frame promised for ``key``
        (:meth:`promise`) is waited for instead, and computed here if that failed
        (a warning on the ``scgraph.analytics.projection`` logger says why).
        """
        if key not in self._memo:
            promised = self._promised.pop(key, None)
            frame = None
            if promised is not None:
                try:
                    frame = promised.result()
                except Exception as exc:  # computed here instead, only slower
                    _log.warning("%s: computing it in this process; the helper failed: %s",
                                 key, exc)
            self._memo[key] = compute() if frame is None else frame
        return self._memo[key].copy()

    def knows(self, key: str) -> bool:
        """Whether ``key``'s frame is memoized or promised."""
        return key in self._memo or key in self._promised

    def promise(self, key: str, frame: Future[pd.DataFrame]) -> None:
        """Let :meth:`memo` take ``key``'s frame from ``frame``, being computed elsewhere."""
        if key not in self._memo:
            self._promised[key] = frame

    def fields_of(self) -> dict[str, list[str]]:
        """Initiative id -> its action-field keys."""
        return dict(zip(self.initiatives["id"], self.initiatives["fields"], strict=True))


def _spread(where: dict[str, int], results: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For results whose last column holds space-separated ids: the position
    (``where[id]``) of each id that has one, and the row of ``results`` it came from."""
    lists = [str(ids or "").split() for ids in results.iloc[:, -1]]
    rows = np.repeat(np.arange(len(lists)), [len(ids) for ids in lists])
    positions = np.array(list(map(where.get, itertools.chain.from_iterable(lists),
                                  itertools.repeat(-1))), dtype=np.intp)
    keep = positions >= 0
    return positions[keep], rows[keep]


def _initiatives(results: _Results) -> pd.DataFrame:
    """The initiatives table. Each attribute's ids are placed by position (a join in
    pandas took 2 s at 100,000 initiatives); an id listed twice, or an attribute with
    two values for one initiative, is left to the joins of :func:`_initiatives_joined`."""
    ini = results("initiatives")
    where = {ident: k for k, ident in enumerate(ini["id"])}
    fields = results("fields")
    keys = sorted({_after(value, FIELD) for value in fields.iloc[:, 0]})
    if len(where) < len(ini) or len(keys) > 62:
        return _initiatives_joined(results)
    kinds = results("kinds").copy()
    kinds.iloc[:, 0] = kinds.iloc[:, 0].map(lambda k: _after(k, SC).lower())
    attributes: list[tuple[pd.DataFrame, list[str | None]]] = [
        (kinds, ["kind"]), (results("municipalities"), ["municipality", "region"]),
        (results("programmes"), ["programme", None]), (results("years"), ["year"])]
    columns = {"id": ini["id"].to_numpy(dtype=object),
               "name": ini["name"].to_numpy(dtype=object)}
    for table, names in attributes:
        positions, rows = _spread(where, table)
        if np.bincount(positions, minlength=1).max(initial=0) > 1:
            # an initiative with two values of one attribute gets a row for each
            return _initiatives_joined(results)
        for k, name in enumerate(names):
            if name is not None:
                column = np.full(len(ini), None, dtype=object)
                column[positions] = table.iloc[:, k].to_numpy(dtype=object)[rows]
                columns[name] = column
    # an initiative's fields as the bits of an int; each set of bits becomes a list once
    bit = {key: np.int64(1) << k for k, key in enumerate(keys)}
    masks = np.zeros(len(ini), dtype=np.int64)
    positions, rows = _spread(where, fields)
    row_bits = np.array([bit[_after(v, FIELD)] for v in fields.iloc[:, 0]], dtype=np.int64)
    np.bitwise_or.at(masks, positions, row_bits[rows])
    lists = {int(m): [key for k, key in enumerate(keys) if int(m) >> k & 1]
             for m in np.unique(masks)}
    frame = pd.DataFrame({**columns, "fields": [list(lists[m]) for m in masks.tolist()]})
    # an initiative needs at least one action field to be listed
    frame = _none(frame[masks != 0][_INITIATIVE_COLUMNS])
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def _initiatives_joined(results: _Results) -> pd.DataFrame:
    """The initiatives table by joins: a row for each combination of values (once, where
    two graphs hold the same triples)."""
    ini = results("initiatives").drop_duplicates()
    fields: dict[str, set[str]] = {}
    for value, ident in _grouped(results("fields"), ["value"]).itertuples(index=False):
        fields.setdefault(ident, set()).add(_after(value, FIELD))
    # an initiative needs at least one action field to be listed
    ini = ini[ini["id"].isin(list(fields))]
    kinds = _grouped(results("kinds"), ["kind"])
    kinds["kind"] = kinds["kind"].map(lambda k: _after(k, SC).lower())
    munis = _grouped(results("municipalities"), ["municipality", "region"])
    programmes = _grouped(results("programmes"), ["programme", "region"]).drop(
        columns="region")
    years = _grouped(results("years"), ["year"])
    for frame in (kinds, munis, programmes, years):
        ini = ini.merge(frame, on="id", how="left")
    ini["fields"] = ini["id"].map(lambda i: sorted(fields[i]))
    ini = _none(ini[_INITIATIVE_COLUMNS])
    return ini.sort_values("id", kind="stable").reset_index(drop=True)


#: Which confidence a relation stated twice keeps: the first of these it has.
_CONFIDENCE_RANK = {"stated": 0, "inferred": 1}


def _relations(results: _Results) -> pd.DataFrame:
    rows: list[tuple[str, str, str, str | None]] = []
    for t, confidence, pairs in results("relations").itertuples(index=False, name=None):
        relation = _after(t, RELATION)
        ids = str(pairs or "").split()
        rows.extend((ids[k], relation, ids[k + 1], confidence)
                    for k in range(0, len(ids) - 1, 2))
    return _relations_table(rows)


def _relations_table(rows: Iterable[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """The relations table of (source_id, relation, target_id, confidence) rows, one row
    per relation, sorted."""
    rel = pd.DataFrame(rows, columns=["source_id", "relation", "target_id", "confidence"],
                       dtype=object)
    key = ["source_id", "relation", "target_id"]
    rel = rel.sort_values(key, kind="stable")
    if rel.duplicated(key).any():  # stated in two datasets: one row, "stated" if either says so
        rank = rel["confidence"].map(_CONFIDENCE_RANK).fillna(len(_CONFIDENCE_RANK))
        rel = rel.assign(_rank=rank).sort_values([*key, "_rank"], kind="stable").drop_duplicates(
            key).drop(columns="_rank")
    return rel.reset_index(drop=True)



def _actors(results: _Results) -> pd.DataFrame:
    classes: dict[str, str] = {}
    for a, c in results("actor classes").itertuples(index=False, name=None):
        local = _after(c, SC)
        if local:
            classes.setdefault(str(a), local)
    return _actors_table((ident, actor, classes.get(str(a), "Actor"))
                         for a, actor, ids in results("actors").itertuples(index=False,
                                                                           name=None)
                         for ident in str(ids or "").split())


def _actors_table(rows: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
    """The actors table of (initiative_id, actor, actor_class) rows, one row per initiative
    and actor, sorted."""
    act = pd.DataFrame(rows, columns=["initiative_id", "actor", "actor_class"], dtype=object)
    act = act.sort_values(["initiative_id", "actor"], kind="stable").drop_duplicates(
        ["initiative_id", "actor"])
    return act.reset_index(drop=True)


def _side_effects(results: _Results) -> pd.DataFrame:
    fields: dict[str, set[str]] = {}
    for e, f in results("affects").itertuples(index=False, name=None):
        fields.setdefault(str(e), set()).add(_after(f, FIELD))
    rows = [(e, ident, _after(k, EFFECT), "risk" if risk is not None else "benefit",
             mitigation, sorted(fields.get(str(e), ())))
            for e, ident, k, risk, mitigation in results("side effects").itertuples(
                index=False, name=None)]
    eff = pd.DataFrame(rows, columns=["effect_iri", "initiative_id", "effect", "polarity",
                                      "mitigation", "affects_fields"], dtype=object)
    if eff["effect_iri"].duplicated().any():  # stated in two datasets: one row, mitigated
        # if either gives a mitigation (the first, in text order, if they differ)
        eff = eff.sort_values(["effect_iri", "mitigation"], kind="stable",
                              na_position="last").drop_duplicates("effect_iri")
    eff.insert(0, "effect_id", _effect_ids(eff.pop("effect_iri")))
    return eff.sort_values("effect_id", kind="stable").reset_index(drop=True)


def _effect_ids(iris: pd.Series) -> pd.Series:
    """The side effects' ids: the IRI after side-effect/, initiative/number, or
    initiative/dataset/number for one stated by a dataset that does not define the
    initiative."""
    return iris.map(lambda iri: str(iri).rsplit("/side-effect/", 1)[-1])


def load_graph_data(store: GraphStore, *, cache: bool = True) -> GraphData:
    """Pull initiatives, relations, actors and side effects from ``store``.

    The queries run on a few threads at once (Oxigraph and the HTTP client release
    the GIL while they work), and each result is turned into its table as soon as
    it arrives. With ``cache`` (the default), the tables of an on-disk embedded
    store are kept in the cache folder and read from there while the store's files
    are unchanged (:mod:`scgraph.analytics.cache`).
    """
    given = cast(object, store)
    if isinstance(given, str | os.PathLike):  # a folder, not the store
        raise UsageError(f"{str(given)!r} is a path: pass the store opened on it, e.g. "
                         "EmbeddedStore(path, read_only=True), or the GraphData loaded from it")
    if not cache:
        return _load(store)

    def frames() -> list[pd.DataFrame]:
        data = _load(store)
        return [data.initiatives, data.relations, data.actors, data.side_effects]

    initiatives, relations, actors, side_effects = cached_frames(store, _CODE, 4, frames,
                                                                 kind=_KIND)
    return GraphData(initiatives, relations, actors, side_effects)


#: What made the tables (this module and the reading of query results): a cached
#: load is used only with the same code.
_CODE = code_key(__file__, store_base.__file__)
#: The name the tables are kept under in the cache folder.
_KIND = "graph-data"


def _load(store: GraphStore) -> GraphData:
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        # submitted in the order they are read, so the first answers come first
        pending = {name: pool.submit(select_frame, store, sparql)
                   for name, sparql in _QUERIES.items()}

        def results(name: str) -> pd.DataFrame:
            return pending[name].result()

        try:
            return GraphData(_initiatives(results), _relations(results), _actors(results),
                             _side_effects(results))
        finally:
            for future in pending.values():
                future.cancel()


def _data(source: GraphStore | GraphData) -> GraphData:
    return source if isinstance(source, GraphData) else load_graph_data(source)


def _add_initiative_nodes(g: nx.Graph, data: GraphData) -> None:
    for row in data.initiatives.to_dict("records"):
        g.add_node(row["id"], name=row["name"], kind=row["kind"], fields=list(row["fields"]),
                   municipality=row["municipality"], programme=row["programme"])


def dependency_edges(source: GraphStore | GraphData) -> pd.DataFrame:
    """Dependency edges A → B ("A needs B"): columns source_id, target_id, relation."""
    data = _data(source)
    return data.memo("dependency edges", lambda: _dependency_edges(data))


def _dependency_edges(data: GraphData) -> pd.DataFrame:
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
    import networkx as nx

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
    import networkx as nx

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
    import networkx as nx

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
    import networkx as nx

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

