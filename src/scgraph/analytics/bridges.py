"""Who bridges action fields: actors by field span, cut vertices, betweenness.

The *bridge graph* joins three kinds of node: action fields, initiatives and
actors. An initiative is linked to each of its fields and to each of its
actors, and to every initiative it interacts with (any relation but
``part_of``). Two fields are connected when some path of initiatives and
actors joins them. An actor or initiative *separates fields* when removing it
leaves fields that were connected in different pieces: it is an articulation
point of the bridge graph whose removal cuts between fields.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import rustworkx as rx

from scgraph.analytics._draw import random_nodes
from scgraph.analytics._source import as_graph_data, field_bits, join_fields, shared
from scgraph.analytics.projection import GraphData, interaction_graph
from scgraph.errors import UsageError
from scgraph.store.base import GraphStore

if TYPE_CHECKING:  # bridge_graph and networkx's betweenness import it (0.15 s) themselves
    import networkx as nx

__all__ = [
    "EXACT_LIMIT",
    "EXACT_NETWORKX_LIMIT",
    "SAMPLED_SOURCES",
    "articulation_points",
    "betweenness",
    "bridge_graph",
    "bridges",
    "bridging_actors",
]

#: Up to this many initiatives, betweenness is computed exactly with networkx.
EXACT_NETWORKX_LIMIT = 500
#: Up to this many initiatives, exactly with rustworkx; above, sampled (see
#: :func:`betweenness`): exact costs grow with initiatives × relations, about
#: 20 s at 10,000 initiatives on two cores.
EXACT_LIMIT = 5_000
#: Default number of source initiatives of the sampled betweenness.
SAMPLED_SOURCES = 200

_Node = tuple[str, str]


def bridge_graph(source: GraphStore | GraphData) -> nx.Graph:
    """The undirected graph of fields, initiatives and actors described above.

    Nodes are ``("field", key)``, ``("initiative", id)`` and ``("actor", name)``.
    """
    import networkx as nx

    nodes, pairs = _bridge_pairs(as_graph_data(source))
    g = nx.Graph()
    g.add_nodes_from(nodes)
    g.add_edges_from((nodes[a], nodes[b]) for a, b in pairs.tolist())
    return g


def _bridge_pairs(data: GraphData) -> tuple[list[_Node], np.ndarray]:
    """The bridge graph's nodes, and its edges as pairs of indices into them."""
    fields = pd.Index(sorted({f for fl in data.initiatives["fields"] for f in fl}))
    ids = pd.Index(data.initiatives["id"])
    actors = pd.Index(sorted(set(data.actors["actor"])))
    nodes = ([("field", str(f)) for f in fields] + [("initiative", str(i)) for i in ids]
             + [("actor", str(a)) for a in actors])
    at = {"field": (fields, 0), "initiative": (ids, len(fields)),
          "actor": (actors, len(fields) + len(ids))}

    def link(kind_a: str, a: pd.Series, kind_b: str, b: pd.Series) -> np.ndarray:
        (index_a, first_a), (index_b, first_b) = at[kind_a], at[kind_b]
        ka, kb = index_a.get_indexer(a), index_b.get_indexer(b)
        known = (ka >= 0) & (kb >= 0)  # -1: not a node (an id that is no initiative's)
        return np.column_stack([ka[known] + first_a, kb[known] + first_b])

    has = data.initiatives[["id", "fields"]].explode("fields").dropna()
    rel = data.relations[(data.relations["relation"] != "part_of")
                         & (data.relations["source_id"] != data.relations["target_id"])]
    return nodes, np.concatenate([
        link("initiative", has["id"], "field", has["fields"]),
        link("actor", data.actors["actor"], "initiative", data.actors["initiative_id"]),
        link("initiative", rel["source_id"], "initiative", rel["target_id"])])


@shared
def articulation_points(source: GraphStore | GraphData) -> pd.DataFrame:
    """Actors and initiatives whose removal separates connected fields.

    Computed on the block-cut tree of the bridge graph (rustworkx biconnected
    components), so the cost is linear in the graph's size.

    Returns
    -------
    DataFrame with columns ``kind`` (``actor`` or ``initiative``), ``id``
    (record id, or the actor's name), ``field_pieces`` (how many pieces that
    contain a field the removal leaves of the node's component; at least 2),
    sorted by ``field_pieces`` descending, then kind and id.
    """
    data = as_graph_data(source)
    nodes, pairs = _bridge_pairs(data)
    g: rx.PyGraph = rx.PyGraph(multigraph=False)
    g.add_nodes_from(nodes)
    g.add_edges_from_no_data(list(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True)))
    cuts = set(rx.articulation_points(g))
    blocks: dict[int, set[int]] = defaultdict(set)
    # without a cut vertex nothing separates fields, and the blocks are not needed
    for (u, v), comp in (rx.biconnected_components(g).items() if cuts else ()):
        blocks[comp].add(u)
        blocks[comp].add(v)
    # Block-cut tree: block nodes ("b", id) weigh the fields inside them that are
    # not cut vertices; cut-vertex nodes ("c", index) weigh 1 if they are a field.
    tree: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    weight: dict[tuple[str, int], int] = {}
    for comp, members in blocks.items():
        b = ("b", comp)
        weight[b] = sum(1 for m in members if m not in cuts and nodes[m][0] == "field")
        for m in members:
            if m in cuts:
                tree[b].append(("c", m))
                tree["c", m].append(b)
    for c in cuts:
        weight["c", c] = int(nodes[c][0] == "field")
    rows = []
    seen: set[tuple[str, int]] = set()
    for root in sorted(tree):
        if root in seen:
            continue
        order, parent = [root], {root: root}
        seen.add(root)
        for node in order:  # breadth-first; ``order`` grows while iterating
            for nxt in tree[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    parent[nxt] = node
                    order.append(nxt)
        sub = {n: weight[n] for n in order}
        for n in reversed(order[1:]):
            sub[parent[n]] += sub[n]
        total = sub[root]
        for n in order:
            if n[0] != "c" or nodes[n[1]][0] == "field":
                continue
            pieces = [sub[k] for k in tree[n] if parent.get(k) == n and k != n]
            if n != root:
                pieces.append(total - sub[n])
            with_fields = sum(1 for p in pieces if p > 0)
            if with_fields >= 2:
                kind, key = nodes[n[1]]
                rows.append((kind, key, with_fields))
    out = pd.DataFrame(rows, columns=["kind", "id", "field_pieces"])
    out["field_pieces"] = out["field_pieces"].astype("int64")
    return out.sort_values(["field_pieces", "kind", "id"],
                           ascending=[False, True, True]).reset_index(drop=True)


def betweenness(source: GraphStore | GraphData, *,
                method: Literal["auto", "networkx", "rustworkx", "sampled"] = "auto",
                samples: int = SAMPLED_SOURCES, seed: int = 0) -> pd.DataFrame:
    """Normalised betweenness centrality of initiatives in the interaction graph.

    ``auto`` chooses by size: exact with networkx up to
    :data:`EXACT_NETWORKX_LIMIT` initiatives, exact with rustworkx (parallel,
    Rust) up to :data:`EXACT_LIMIT`, and *sampled* above: networkit's
    ``EstimateBetweenness`` (Geisberger, Sanders and Schultes) estimate, which
    runs the shortest-path searches from ``samples`` source initiatives drawn
    by networkit's generator with ``seed`` and scales up their contributions,
    so the values are estimates (exact betweenness costs one search per
    initiative: hours at 100,000). The searches run in scipy and numpy and give
    networkit's values (see ``_sampled``); the same seed gives the same values.
    Values are rounded to 6 decimals.
    Computed once per loaded :class:`GraphData` and method.

    Returns
    -------
    DataFrame with columns ``id``, ``betweenness`` and ``method``
    (``networkx exact``, ``rustworkx exact``, or ``networkit sampled, N sources,
    seed S``), sorted by betweenness descending, then id.
    """
    if method not in ("auto", "networkx", "rustworkx", "sampled"):
        raise UsageError(f"betweenness: method {method!r}; choose auto, networkx, rustworkx "
                         "or sampled")
    data = as_graph_data(source)
    ids = list(data.initiatives["id"])
    if method == "auto":
        method = ("networkx" if len(ids) <= EXACT_NETWORKX_LIMIT
                  else "rustworkx" if len(ids) <= EXACT_LIMIT else "sampled")
    key = f"betweenness {method} {samples} {seed}" if method == "sampled" else \
        f"betweenness {method}"
    return data.memo(key, lambda: _betweenness(data, method, samples, seed))


def _betweenness(data: GraphData, method: str, samples: int, seed: int) -> pd.DataFrame:
    ids = list(data.initiatives["id"])
    if method == "networkx":
        import networkx as nx

        values = nx.betweenness_centrality(interaction_graph(data), normalized=True)
        scores = [values.get(i, 0.0) for i in ids]
        used = "networkx exact"
    else:
        rel = data.relations[data.relations["relation"] != "part_of"]
        ka, kb = (pd.Index(ids).get_indexer(rel[end]) for end in ("source_id", "target_id"))
        known = (ka >= 0) & (kb >= 0) & (ka != kb)
        pairs = np.unique(np.column_stack([np.minimum(ka, kb)[known],
                                           np.maximum(ka, kb)[known]]), axis=0)
        edges = list(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), strict=True))
        if method == "rustworkx":
            g: rx.PyGraph = rx.PyGraph(multigraph=False)
            g.add_nodes_from(ids)
            g.add_edges_from_no_data(edges)
            result = rx.graph_betweenness_centrality(g, normalized=True)
            scores = [float(result[k]) if k in result else 0.0 for k in range(len(ids))]
            used = "rustworkx exact"
        else:
            scores = _sampled(len(ids), edges, min(samples, len(ids)), seed)
            used = f"networkit sampled, {min(samples, len(ids))} sources, seed {seed}"
    out = pd.DataFrame({"id": ids, "betweenness": [round(s, 6) for s in scores],
                        "method": used})
    return out.sort_values(["betweenness", "id"], ascending=[False, True]).reset_index(
        drop=True)


def _sampled(n: int, edges: list[tuple[int, int]], samples: int, seed: int) -> list[float]:
    """networkit's ``EstimateBetweenness`` estimate (sequential), computed with scipy and numpy.

    The same sources: networkit's generator, seeded with ``seed``, draws
    ``samples + 1`` nodes, as ``EstimateBetweenness`` does (:mod:`._draw` draws
    them without networkit). From each, a
    breadth-first search gives the distances; the shortest-path counts go forward
    level by level, and the dependencies back, each predecessor's share weighted
    by its distance over its successor's (Geisberger, Sanders and Schultes'
    linear scaling). The sum is scaled by 2n / ``samples`` and divided by
    (n - 1)(n - 2). networkit counts the paths in arbitrary-precision floats, about
    0.1 s a source at 100,000 initiatives; here the counts are doubles (the
    ratios agree to about 1e-17, far below the 6 decimals kept;
    ``tests/test_analytics_measures.py`` compares the two).
    """
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]
    from scipy.sparse.csgraph import breadth_first_order  # type: ignore[import-untyped]

    if samples == 0 or not edges or n < 3:
        return [0.0] * n
    sources = random_nodes(n, samples + 1, seed)  # the draw depends on the node count alone
    pairs = np.asarray(edges, dtype=np.int64)
    u = np.concatenate([pairs[:, 0], pairs[:, 1]])
    v = np.concatenate([pairs[:, 1], pairs[:, 0]])
    adjacency = csr_matrix((np.ones(len(u), dtype=np.int8), (u, v)), shape=(n, n))
    indptr, indices = adjacency.indptr, adjacency.indices
    tails = np.repeat(np.arange(n), np.diff(indptr))  # every edge, both ways: tail -> head
    heads = indices.astype(np.int64)
    score = np.zeros(n)
    position = np.empty(n, dtype=np.int64)
    depth = np.full(n, -1, dtype=np.int64)  # -1: not reached from the current source
    for s in sources:
        # the search reaches s's component only; its order runs level by level, and
        # each node's parent comes earlier in it than the parent of any later node
        order, pred = breadth_first_order(adjacency, s, directed=True,
                                          return_predecessors=True)
        m = len(order)
        if m < 2:
            continue
        # from here on a node is its position in ``order``; level k is bounds[k]:bounds[k+1]
        position[order] = np.arange(m)
        parent = position[pred[order[1:]]]
        bounds = [0, 1]
        while bounds[-1] < m:
            bounds.append(int(np.searchsorted(parent, bounds[-1])) + 1)
        level = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        # the edges p -> t of shortest paths from s (t one level below p), by p's level
        depth[order] = level
        on_path = depth[tails] + 1 == depth[heads]
        p, t = position[tails[on_path]], position[heads[on_path]]
        by_level = np.argsort(level[p].astype(np.int16), kind="stable")
        p, t = p[by_level], t[by_level]
        cut = np.searchsorted(level[p], np.arange(len(bounds)))  # level k: cut[k]:cut[k+1]
        paths = np.zeros(m)
        paths[0] = 1.0
        for k in range(len(bounds) - 2):
            a, b, lo, hi = cut[k], cut[k + 1], bounds[k + 1], bounds[k + 2]
            paths[lo:hi] += np.bincount(t[a:b] - lo, weights=paths[p[a:b]],
                                        minlength=hi - lo)
        dependency = np.zeros(m)
        for k in range(len(bounds) - 3, -1, -1):
            a, b, lo, hi = cut[k], cut[k + 1], bounds[k], bounds[k + 1]
            pa, ta = p[a:b], t[a:b]
            share = (level[pa] / level[ta]) * (paths[pa] / paths[ta]) * (1 + dependency[ta])
            dependency[lo:hi] += np.bincount(pa - lo, weights=share, minlength=hi - lo)
        dependency[0] = 0.0
        score[order] += dependency
        depth[order] = -1
    score *= 2 * n / samples
    score /= (n - 2) * (n - 1)
    return [max(0.0, float(x)) for x in score]


@shared
def bridging_actors(source: GraphStore | GraphData) -> pd.DataFrame:
    """Actors ranked by the number of action fields their initiatives span.

    Returns
    -------
    DataFrame with columns ``actor``, ``actor_class``, ``initiatives`` (how
    many), ``fields_spanned`` (how many distinct fields) and ``fields``
    (sorted keys joined with ``;``), sorted by fields spanned and initiatives
    descending, then actor.
    """
    data = as_graph_data(source)
    # an initiative's fields as the bits of an int, an actor's span as their union
    bit = field_bits(data)
    mask = {i: sum(bit[f] for f in fl) for i, fl in zip(
        data.initiatives["id"].tolist(), data.initiatives["fields"].tolist(), strict=True)}
    spans: dict[str, int] = {}
    counts: dict[str, int] = {}
    classes: dict[str, str] = {}
    for i, a, c in zip(data.actors["initiative_id"].tolist(), data.actors["actor"].tolist(),
                       data.actors["actor_class"].tolist(), strict=True):
        spans[a] = spans.get(a, 0) | mask.get(i, 0)
        counts[a] = counts.get(a, 0) + 1
        classes.setdefault(a, c)
    named: dict[int, tuple[int, str]] = {}  # span -> (fields spanned, fields)

    def name(span: int) -> tuple[int, str]:
        if span not in named:
            chosen = [f for f, b in bit.items() if span & b]
            named[span] = (len(chosen), join_fields(chosen))
        return named[span]

    rows = [(a, classes[a], counts[a], *name(span)) for a, span in spans.items()]
    out = pd.DataFrame(rows, columns=["actor", "actor_class", "initiatives",
                                      "fields_spanned", "fields"])
    out[["initiatives", "fields_spanned"]] = out[["initiatives", "fields_spanned"]].astype(
        "int64")
    return out.sort_values(["fields_spanned", "initiatives", "actor"],
                           ascending=[False, False, True]).reset_index(drop=True)


@shared
def bridges(source: GraphStore | GraphData) -> pd.DataFrame:
    """Actors and initiatives that bridge fields, in one ranked table.

    Every actor is listed; an initiative is listed when it separates fields or
    has a betweenness above 0.

    Returns
    -------
    DataFrame with columns ``kind`` (``actor`` or ``initiative``), ``id``
    (record id, or the actor's name), ``name``, ``fields_spanned`` (an actor's
    :func:`bridging_actors` span; an initiative's own field count),
    ``field_pieces`` (:func:`articulation_points`; 0 when removal separates
    no fields), ``betweenness`` (:func:`betweenness`; empty for actors) and
    ``betweenness_method``. Sorted by fields spanned, field pieces and
    betweenness, all descending, then kind and id.
    """
    data = as_graph_data(source)
    cuts = articulation_points(data)
    pieces = {(k, i): int(p) for k, i, p in cuts.itertuples(index=False)}
    actors = bridging_actors(data)
    between = betweenness(data)
    method = str(between["method"].iloc[0]) if len(between) else ""
    score = dict(zip(between["id"], between["betweenness"], strict=True))
    names = dict(zip(data.initiatives["id"], data.initiatives["name"], strict=True))
    fields = data.fields_of()
    rows: list[tuple[object, ...]] = [
        ("actor", a, a, int(n), pieces.get(("actor", a), 0), None, method)
        for a, n in zip(actors["actor"], actors["fields_spanned"], strict=True)]
    for i in data.initiatives["id"]:
        p, b = pieces.get(("initiative", i), 0), float(score.get(i, 0.0))
        if p or b > 0:
            rows.append(("initiative", i, names[i], len(fields[i]), p, b, method))
    out = pd.DataFrame(rows, columns=["kind", "id", "name", "fields_spanned",
                                      "field_pieces", "betweenness", "betweenness_method"])
    out["betweenness"] = out["betweenness"].astype("float64")
    return out.sort_values(
        ["fields_spanned", "field_pieces", "betweenness", "kind", "id"],
        ascending=[False, False, False, True, True], na_position="last").reset_index(drop=True)
