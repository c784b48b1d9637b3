"""Shared plumbing of the measures: one load, shared by several measures."""

from __future__ import annotations

from scgraph.analytics.projection import GraphData, load_graph_data
from scgraph.store.base import GraphStore

__all__ = ["as_graph_data", "join_fields"]


def as_graph_data(source: GraphStore | GraphData) -> GraphData:
    """``source`` itself if it is already loaded, else :func:`load_graph_data` of it."""
    return source if isinstance(source, GraphData) else load_graph_data(source)


def join_fields(fields: list[str]) -> str:
    """Field keys as one cell, sorted and joined with ``;``.

    >>> join_fields(["mobility", "energy"])
    'energy;mobility'
    """
    return ";".join(sorted(fields))
