"""Graph analytics: projections of the store to networkx, then measures as plain functions."""

from __future__ import annotations

from scgraph.analytics.projection import (
    DEPENDENCY_RELATIONS,
    GraphData,
    actor_graph,
    dependency_edges,
    dependency_graph,
    field_graph,
    interaction_graph,
    load_graph_data,
)

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
