"""Shared plumbing of the measures: one load, shared by several measures."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec

import pandas as pd

from scgraph.analytics.projection import GraphData, load_graph_data
from scgraph.store.base import GraphStore

__all__ = ["as_graph_data", "field_bits", "join_fields", "shared"]

_P = ParamSpec("_P")


def as_graph_data(source: GraphStore | GraphData) -> GraphData:
    """``source`` itself if it is already loaded, else :func:`load_graph_data` of it."""
    return source if isinstance(source, GraphData) else load_graph_data(source)


def field_bits(data: GraphData) -> dict[str, int]:
    """Each action field of the initiatives -> its bit (in sorted order), so that a set
    of fields is an int and a union of sets an ``|``.

    >>> from scgraph.analytics.projection import GraphData
    >>> ini = pd.DataFrame({"fields": [["mobility"], ["energy", "mobility"]]})
    >>> field_bits(GraphData(ini, pd.DataFrame(), pd.DataFrame(), pd.DataFrame()))
    {'energy': 1, 'mobility': 2}
    """
    keys = sorted({f for fl in data.initiatives["fields"] for f in fl})
    return {f: 1 << k for k, f in enumerate(keys)}


def join_fields(fields: list[str]) -> str:
    """Field keys as one cell, sorted and joined with ``;``.

    >>> join_fields(["mobility", "energy"])
    'energy;mobility'
    """
    return ";".join(sorted(fields))


def shared(measure: Callable[Concatenate[GraphData, _P], pd.DataFrame],
           ) -> Callable[Concatenate[GraphStore | GraphData, _P], pd.DataFrame]:
    """Let ``measure`` take a store or loaded data, and compute it once per load.

    Called with the source alone (no options), the result is kept with the data
    (:meth:`GraphData.memo`), so that the measures and the report that build on
    each other share it; every call gets its own copy.
    """
    @functools.wraps(measure)
    def wrapper(source: GraphStore | GraphData, /, *args: _P.args,
                **kwargs: _P.kwargs) -> pd.DataFrame:
        data = as_graph_data(source)
        if args or kwargs:
            return measure(data, *args, **kwargs)
        return data.memo(f"{measure.__module__}.{measure.__qualname__}",
                         lambda: measure(data, *args, **kwargs))

    return wrapper
