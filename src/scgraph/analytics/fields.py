"""Dependencies between action fields: the field matrix and cross-field edges.

A dependency edge A → B means "A needs B" (see :mod:`scgraph.analytics.projection`).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from scgraph.analytics._source import as_graph_data, join_fields, shared
from scgraph.analytics.projection import GraphData, dependency_edges
from scgraph.store.base import GraphStore

__all__ = ["FIELD_MATRIX_COLUMNS", "cross_field", "field_matrix", "is_within_field"]

FIELD_MATRIX_COLUMNS = ["from_field", "to_field", "dependencies"]


@shared
def field_matrix(source: GraphStore | GraphData) -> pd.DataFrame:
    """Count dependencies between action fields.

    Every dependency edge A → B adds 1 to the cell (fa, fb) for every field fa
    of A and every field fb of B, so an edge between a two-field and a
    three-field initiative adds 6 in total. Only non-zero cells are returned.

    Returns
    -------
    DataFrame with columns ``from_field`` (field of the dependant A),
    ``to_field`` (field of the initiative depended on, B) and ``dependencies``
    (int), sorted by ``dependencies`` descending, then by the two fields.
    """
    data = as_graph_data(source)
    fields = data.fields_of()
    counts: Counter[tuple[str, str]] = Counter()
    edges = dependency_edges(data)
    for a, b in zip(edges["source_id"], edges["target_id"], strict=True):
        for fa in fields.get(a, []):
            for fb in fields.get(b, []):
                counts[fa, fb] += 1
    rows = [(fa, fb, n) for (fa, fb), n in counts.items()]
    out = pd.DataFrame(rows, columns=FIELD_MATRIX_COLUMNS)
    out["dependencies"] = out["dependencies"].astype("int64")
    return out.sort_values(["dependencies", "from_field", "to_field"],
                           ascending=[False, True, True]).reset_index(drop=True)


def is_within_field(source_fields: list[str], target_fields: list[str]) -> bool:
    """True when both ends have exactly the same single field.

    >>> is_within_field(["mobility"], ["mobility"])
    True
    >>> is_within_field(["mobility", "energy"], ["mobility", "energy"])
    False
    """
    return len(source_fields) == 1 and list(source_fields) == list(target_fields)


@shared
def cross_field(source: GraphStore | GraphData) -> pd.DataFrame:
    """Dependency edges that are not within one field.

    An edge is within-field only when both ends have exactly the same single
    field (:func:`is_within_field`); every other edge is cross-field. An edge
    given by several relations appears once per relation.

    Returns
    -------
    DataFrame with columns ``source_id`` (the dependant), ``target_id`` (the
    initiative depended on), ``source_fields`` and ``target_fields`` (sorted
    keys joined with ``;``) and ``relation`` (the relation key as recorded),
    sorted by source, target and relation.
    """
    data = as_graph_data(source)
    fields = data.fields_of()
    rows = []
    edges = dependency_edges(data)
    for a, b, rel in zip(edges["source_id"], edges["target_id"], edges["relation"],
                         strict=True):
        fa, fb = fields.get(a, []), fields.get(b, [])
        if not is_within_field(fa, fb):
            rows.append((a, b, join_fields(fa), join_fields(fb), rel))
    out = pd.DataFrame(rows, columns=["source_id", "target_id", "source_fields",
                                      "target_fields", "relation"])
    return out.sort_values(["source_id", "target_id", "relation"]).reset_index(drop=True)
