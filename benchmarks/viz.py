"""Writing a network view: scgraph's direct vis-network JSON against pyvis' per-node API.

Both sides get the same nodes and edges (a seeded synthetic graph; layout already
computed) and produce one HTML page. The baseline adds every node and edge with
pyvis ``Network.add_node``/``add_edge`` and calls ``generate_html``; scgraph
embeds the view's JSON with :func:`scgraph.viz.render_html`. Building the view
(layout included) is timed separately. Medians of ``--repeat`` runs, paired in
one process.

Usage::

    python -m benchmarks.viz [--n 2000 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

import pandas as pd

from scgraph.analytics import GraphData
from scgraph.viz import network_view, render_html
from scgraph.viz.styling import FIELD_COLOURS

__all__ = ["main", "pyvis_page", "synthetic_graph_data"]

_RELATIONS = ["depends_on", "integrates", "supports", "connected_to", "cooperates_with",
              "related_to"]


def synthetic_graph_data(n: int, seed: int = 1) -> GraphData:
    """``n`` initiatives in ``n // 20`` towns, for views at scale without ingesting.

    30 % are projects, every other initiative is a measure ``part_of`` a project,
    and about one more relation per initiative joins two random initiatives.

    >>> data = synthetic_graph_data(100)
    >>> len(data.initiatives), int((data.relations["relation"] == "part_of").sum())
    (100, 70)
    """
    rnd = random.Random(seed)
    fields = list(FIELD_COLOURS)
    towns = [f"Town {i}" for i in range(max(1, n // 20))]
    ini: list[dict[str, Any]] = []
    rel: list[tuple[str, str, str, str]] = []
    projects: list[tuple[str, str]] = []
    for i in range(n):
        town = towns[i % len(towns)]
        if i < max(1, int(n * 0.3)):
            ident, kind = f"SYN-P{i}", "project"
            projects.append((ident, town))
        else:
            parent, town = projects[i % len(projects)]
            ident, kind = f"{parent}-M{i}", "measure"
            rel.append((ident, "part_of", parent, "stated"))
        ini.append({"id": ident, "name": f"Initiative {i} of {town}", "kind": kind,
                    "municipality": town, "region": None, "programme": "Synthetic",
                    "year": "2021", "fields": sorted(rnd.sample(fields, rnd.randint(1, 3)))})
    ids = [r["id"] for r in ini]
    for _ in range(n):
        a, b = rnd.sample(ids, 2)
        rel.append((a, rnd.choice(_RELATIONS), b, "stated"))
    rel = list(dict.fromkeys(rel))
    actors = pd.DataFrame([(r["id"], f"Stadt {r['municipality']}", "PublicAuthority")
                           for r in ini], columns=["initiative_id", "actor", "actor_class"])
    effects = pd.DataFrame(columns=["effect_id", "initiative_id", "effect", "polarity",
                                    "mitigation", "affects_fields"])
    relations = pd.DataFrame(rel, columns=["source_id", "relation", "target_id", "confidence"])
    return GraphData(pd.DataFrame(ini), relations, actors, effects)


def pyvis_page(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> str:
    """The same nodes and edges as a pyvis page: the baseline the view benchmarks time."""
    from pyvis.network import Network

    net = Network(directed=True, cdn_resources="in_line")
    for n in nodes:
        net.add_node(n["id"], label=n["label"], title=n["title"], shape=n["shape"],
                     color=n["color"]["background"], x=n["x"], y=n["y"], size=n["size"])
    for e in edges:
        net.add_edge(e["from"], e["to"], title=e["title"], color=e["color"]["color"])
    net.toggle_physics(False)
    return str(net.generate_html())


def main(argv: list[str] | None = None) -> None:
    """Print one line per size: view build time, page time both ways, and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[2000, 20000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    for n in args.n:
        data = synthetic_graph_data(n)
        t0 = time.perf_counter()
        view = network_view(data)
        build = time.perf_counter() - t0
        ours, base = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            page = render_html(view)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pyvis_page(view.nodes, view.edges)
            base.append(time.perf_counter() - t0)
        o, b = statistics.median(ours), statistics.median(base)
        print(f"n={n}: {len(view.nodes)} nodes, {len(view.edges)} edges; view built in "
              f"{build:.2f} s; page: scgraph {o:.3f} s ({len(page) / 1e6:.1f} MB), "
              f"pyvis add_node/add_edge {b:.3f} s; pyvis/scgraph = {b / o:.1f}")


if __name__ == "__main__":
    main()
