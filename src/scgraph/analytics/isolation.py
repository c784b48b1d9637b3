"""Isolated single-purpose solutions."""

from __future__ import annotations

import pandas as pd

from scgraph.analytics._source import as_graph_data, shared
from scgraph.analytics.projection import GraphData
from scgraph.store.base import GraphStore

__all__ = ["interacting_ids", "isolated"]


def interacting_ids(source: GraphStore | GraphData) -> set[str]:
    """Ids of initiatives with at least one relation other than ``part_of``.

    Either direction counts, and ``depends_on`` written in the initiatives
    file counts like any relation.
    """
    data = as_graph_data(source)
    rel = data.relations[data.relations["relation"] != "part_of"]
    return set(rel["source_id"]) | set(rel["target_id"])


@shared
def isolated(source: GraphStore | GraphData) -> pd.DataFrame:
    """Initiatives with exactly one action field and no interaction.

    No interaction means no relation other than ``part_of`` with any other
    initiative, in either direction (:func:`interacting_ids`). A measure that
    is only ``part_of`` its model project is therefore isolated if it has a
    single field.

    Returns
    -------
    DataFrame with columns ``id``, ``name``, ``field`` (the one field key) and
    ``municipality`` (None when the record has none), sorted by municipality
    then id.
    """
    data = as_graph_data(source)
    linked = interacting_ids(data)
    ini = data.initiatives
    single = ini["fields"].map(len) == 1
    mask = single & ~ini["id"].isin(linked)
    out = pd.DataFrame({
        "id": ini.loc[mask, "id"],
        "name": ini.loc[mask, "name"],
        "field": ini.loc[mask, "fields"].map(lambda f: f[0]),
        "municipality": ini.loc[mask, "municipality"],
    })
    return out.sort_values(["municipality", "id"], na_position="last").reset_index(drop=True)
