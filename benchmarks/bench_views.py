"""Benchmark step for ``make bench``: a 2,000-node network view from the ingested store.

:func:`run` opens the store that ``benchmarks/run.py`` ingested, loads the graph data,
keeps the first 2,000 initiatives (by id) with the relations among them, builds the
network view (layout included) and writes its page. The baseline builds the same page
with pyvis' per-node API (``Network.add_node``/``add_edge``, then ``generate_html``)
from the same nodes, edges and positions — what the pyvis tutorials do; it is compared
with writing the page alone (step ``view_page``), the step ``view`` adds the layout.
``benchmarks/viz.py`` compares page writing alone at larger sizes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from benchmarks.viz import pyvis_page
from scgraph.analytics import GraphData, load_graph_data
from scgraph.store import EmbeddedStore
from scgraph.viz import network_view, render_html

__all__ = ["VIEW_NODES", "run", "subset"]

#: Initiatives in the benchmarked view.
VIEW_NODES = 2000


def subset(data: GraphData, n: int) -> GraphData:
    """The first ``n`` initiatives by id, and the relations, actors and effects among them."""
    ini = data.initiatives.sort_values("id").head(n).reset_index(drop=True)
    keep = set(ini["id"])
    rel = data.relations[data.relations["source_id"].isin(keep)
                         & data.relations["target_id"].isin(keep)].reset_index(drop=True)
    actors = data.actors[data.actors["initiative_id"].isin(keep)].reset_index(drop=True)
    effects = data.side_effects[data.side_effects["initiative_id"].isin(keep)]
    return GraphData(ini, rel, actors, effects.reset_index(drop=True))


def run(n: int, workdir: Path) -> dict[str, Any]:
    """Two steps: the view (layout and page) and, against pyvis, writing the page alone."""
    start = time.perf_counter()
    with EmbeddedStore(workdir / "store", read_only=True) as store:
        data = load_graph_data(store)
    loaded = time.perf_counter() - start
    part = subset(data, VIEW_NODES)
    start = time.perf_counter()
    view = network_view(part)
    built = time.perf_counter() - start
    start = time.perf_counter()
    page = render_html(view)
    written = time.perf_counter() - start
    start = time.perf_counter()
    pyvis_page(view.nodes, view.edges)
    baseline = time.perf_counter() - start
    size = f"{len(view.nodes)} nodes, {len(view.edges)} edges, page {len(page) / 1e6:.1f} MB"
    return {
        "view": {"seconds": built + written,
                 "note": f"{size}; layout included; loading the graph data first took "
                         f"{loaded:.3g} s"},
        "view_page": {"seconds": written, "baseline_seconds": baseline,
                      "note": f"{size}; baseline: pyvis add_node/add_edge and generate_html "
                              "from the same nodes and positions"},
    }
