"""Critical initiatives: what fails with an initiative, transitively."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import rustworkx as rx

from scgraph.analytics._source import as_graph_data, field_bits, shared
from scgraph.analytics.projection import GraphData, dependency_edges
from scgraph.store.base import GraphStore

__all__ = ["critical", "dependants"]


def dependants(source: GraphStore | GraphData) -> dict[str, set[str]]:
    """Initiative id -> ids of every initiative that depends on it, transitively.

    Meant for small graphs and checks; :func:`critical` counts without
    materialising the sets.
    """
    data = as_graph_data(source)
    needers: dict[str, set[str]] = {i: set() for i in data.initiatives["id"]}
    edges = dependency_edges(data)
    for a, b in zip(edges["source_id"], edges["target_id"], strict=True):
        needers.setdefault(b, set()).add(a)
    out: dict[str, set[str]] = {}
    for start in needers:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for a in needers.get(todo.pop(), ()):
                if a not in seen:
                    seen.add(a)
                    todo.append(a)
        seen.discard(start)
        out[start] = seen
    return out


@shared
def critical(source: GraphStore | GraphData) -> pd.DataFrame:
    """Initiatives ranked by what depends on them, transitively.

    If an initiative fails, every initiative with a path of dependency edges
    to it is affected (A → B means A needs B). ``dependants`` counts those
    initiatives (the initiative itself not included), ``fields_reached`` the
    distinct action fields among them and ``municipalities_reached`` their
    distinct municipalities. Only initiatives with at least one dependant are
    listed.

    Method: on the initiatives that some dependency edge touches, strongly
    connected components (rustworkx), then one pass in topological order that
    unions bit sets, freeing each set once all of its successors have used it.

    Returns
    -------
    DataFrame with columns ``rank`` (1 = most dependants; ties share the
    rank), ``id``, ``name``, ``dependants``, ``fields_reached`` and
    ``municipalities_reached``, sorted by the three counts descending, then id.
    """
    data = as_graph_data(source)
    index = {i: k for k, i in enumerate(data.initiatives["id"])}
    field_bit = field_bits(data)
    munis = sorted({m for m in data.initiatives["municipality"] if isinstance(m, str)})
    muni_bit = {m: 1 << k for k, m in enumerate(munis)}
    edges = dependency_edges(data)
    pairs = [(index[a], index[b]) for a, b in zip(edges["source_id"], edges["target_id"],
                                                  strict=True)
             if a in index and b in index and a != b]
    # only initiatives on some dependency edge can have or be a dependant
    rows_of = sorted({k for pair in pairs for k in pair})
    node_of = {k: m for m, k in enumerate(rows_of)}
    ids = data.initiatives["id"].take(rows_of).tolist()
    fmask = [sum(field_bit[f] for f in fl) for fl in data.initiatives["fields"].take(rows_of)]
    mmask = [muni_bit.get(m, 0) if isinstance(m, str) else 0
             for m in data.initiatives["municipality"].take(rows_of)]
    g: rx.PyDiGraph = rx.PyDiGraph(multigraph=False)
    g.add_nodes_from(range(len(ids)))
    g.add_edges_from_no_data([(node_of[a], node_of[b]) for a, b in pairs])
    comps = rx.strongly_connected_components(g)
    comp_of = [0] * len(ids)
    for c, members in enumerate(comps):
        for m in members:
            comp_of[m] = c
    # Bit positions count within each weakly connected component, so that a set
    # is never wider than the component it lives in.
    local = [0] * len(ids)
    for wcc in rx.weakly_connected_components(g):
        for k, m in enumerate(sorted(wcc)):
            local[m] = k
    own_f = [_or(fmask[m] for m in ms) for ms in comps]
    own_m = [_or(mmask[m] for m in ms) for ms in comps]
    dag: rx.PyDiGraph = rx.PyDiGraph(multigraph=False)
    dag.add_nodes_from(range(len(comps)))
    dag.add_edges_from_no_data(sorted({(comp_of[a], comp_of[b]) for a, b in g.edge_list()
                                       if comp_of[a] != comp_of[b]}))
    # reach[c]: (initiatives, fields, municipalities) of everything that needs c
    # from outside c. A comp's sets are dropped once its last successor is done.
    reach: dict[int, tuple[int, int, int]] = {}
    pending = {c: dag.out_degree(c) for c in range(len(comps))}
    rows = []
    for c in rx.topological_sort(dag):
        ini = fld = mun = 0
        for p in dag.predecessor_indices(c):
            ri, rf, rm = reach[p]
            oi = _or(1 << local[m] for m in comps[p])
            ini, fld, mun = ini | ri | oi, fld | rf | own_f[p], mun | rm | own_m[p]
            pending[p] -= 1
            if pending[p] == 0:
                del reach[p]
        if pending[c]:
            reach[c] = (ini, fld, mun)
        members = comps[c]
        for m in members:
            others = [o for o in members if o != m]
            i_set = ini | _or(1 << local[o] for o in others)
            if not i_set:
                continue
            f_set = fld | _or(fmask[o] for o in others)
            m_set = mun | _or(mmask[o] for o in others)
            rows.append((ids[m], i_set.bit_count(), f_set.bit_count(), m_set.bit_count()))
    out = pd.DataFrame(rows, columns=["id", "dependants", "fields_reached",
                                      "municipalities_reached"])
    names = dict(zip(data.initiatives["id"], data.initiatives["name"], strict=True))
    out.insert(1, "name", out["id"].map(names))
    out = out.sort_values(["dependants", "fields_reached", "municipalities_reached", "id"],
                          ascending=[False, False, False, True]).reset_index(drop=True)
    out.insert(0, "rank", out["dependants"].rank(method="min", ascending=False).astype(
        "int64"))
    for col in ("dependants", "fields_reached", "municipalities_reached"):
        out[col] = out[col].astype("int64")
    return out


def _or(values: Iterable[int]) -> int:
    acc = 0
    for v in values:
        acc |= v
    return acc
