"""How integrated each municipality's and programme's initiatives are.

The integration index of a group is the average of two shares, each between
0 and 1:

- the share of its initiatives that are *not* isolated single-purpose
  solutions (:func:`scgraph.analytics.isolation.isolated`), and
- the share of its dependencies that cross fields
  (:func:`scgraph.analytics.fields.cross_field`), counting the dependency edges
  whose dependant belongs to the group; 0 when the group has no dependency.

In plain words: 1 means every initiative is linked to others and every
dependency joins different fields; 0 means only isolated solutions and no
dependency across fields. A group scores half when, say, all its initiatives
are linked but all its dependencies stay inside one field.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scgraph.analytics._source import as_graph_data, shared
from scgraph.analytics.fields import is_within_field
from scgraph.analytics.isolation import isolated
from scgraph.analytics.projection import GraphData, dependency_edges
from scgraph.errors import UsageError
from scgraph.store.base import GraphStore

__all__ = ["INTEGRATION_LEVELS", "integration", "integration_index"]

#: The initiative columns that :func:`integration` groups by, in output order.
INTEGRATION_LEVELS = ("municipality", "programme")


def integration_index(isolated_share: float, cross_field_share: float) -> float:
    """The average of the non-isolated share and the cross-field share, 4 decimals.

    >>> integration_index(0.25, 0.5)
    0.625
    >>> integration_index(1.0, 0.0)
    0.0
    """
    return round(((1.0 - isolated_share) + cross_field_share) / 2.0, 4)


@shared
def integration(source: GraphStore | GraphData,
                levels: str | Sequence[str] = INTEGRATION_LEVELS) -> pd.DataFrame:
    """Integration of initiatives per municipality and per programme, ranked.

    Initiatives without a value for a level are left out of that level.

    Returns
    -------
    DataFrame with columns ``level`` (``municipality`` or ``programme``),
    ``group`` (its name), ``initiatives``, ``fields_covered`` (distinct
    fields), ``isolated_share``, ``dependencies`` (edges whose dependant is
    in the group), ``cross_field_share`` (shares rounded to 4 decimals),
    ``integration_index`` (see the module docstring) and ``rank`` (1 = most
    integrated within the level; ties share the rank). Sorted by level, rank,
    then group.
    """
    levels = (levels,) if isinstance(levels, str) else tuple(levels)  # one, named alone
    unknown = [lv for lv in levels if lv not in INTEGRATION_LEVELS]
    if unknown or not levels:
        raise UsageError(f"integration: levels {list(levels)!r}; choose among "
                         f"{', '.join(INTEGRATION_LEVELS)}")
    data = as_graph_data(source)
    ini = data.initiatives
    fields = data.fields_of()
    lonely = set(isolated(data)["id"])
    edges = dependency_edges(data)
    deps: dict[str, int] = {}  # dependency edges whose dependant is the initiative
    crossing: dict[str, int] = {}  # those of them that cross fields
    for a, b in zip(edges["source_id"], edges["target_id"], strict=True):
        deps[a] = deps.get(a, 0) + 1
        if not is_within_field(fields.get(a, []), fields.get(b, [])):
            crossing[a] = crossing.get(a, 0) + 1
    frames = []
    for level in levels:
        # a mask, not a list: no initiatives would give [], which selects no columns
        sub = ini[np.array([isinstance(v, str) and bool(v) for v in ini[level].tolist()],
                           dtype=bool)]
        ids = sub["id"].tolist()
        per = pd.DataFrame({"group": sub[level], "lonely": [i in lonely for i in ids],
                            "deps": [deps.get(i, 0) for i in ids],
                            "crossing": [crossing.get(i, 0) for i in ids]}, index=sub.index)
        sums = per.groupby("group", sort=True).agg(
            initiatives=("lonely", "size"), lonely=("lonely", "sum"), deps=("deps", "sum"),
            crossing=("crossing", "sum"))
        covered = (sub[[level, "fields"]].explode("fields").dropna().drop_duplicates()
                   .groupby(level).size())
        rows = []
        for group, n, n_lonely, n_deps, n_crossing, n_fields in zip(
                sums.index, sums["initiatives"], sums["lonely"], sums["deps"],
                sums["crossing"], covered.reindex(sums.index, fill_value=0), strict=True):
            iso = int(n_lonely) / int(n)
            xf = int(n_crossing) / int(n_deps) if n_deps else 0.0
            rows.append((level, group, int(n), int(n_fields), round(iso, 4), int(n_deps),
                         round(xf, 4), integration_index(iso, xf)))
        frame = pd.DataFrame(rows, columns=[
            "level", "group", "initiatives", "fields_covered", "isolated_share",
            "dependencies", "cross_field_share", "integration_index"])
        frame["rank"] = frame["integration_index"].rank(method="min", ascending=False)
        frames.append(frame.sort_values(["rank", "group"]))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for col in ("initiatives", "fields_covered", "dependencies", "rank"):
        out[col] = out[col].astype("int64")
    # a level without groups is an empty frame of no dtype: the shares stay numbers
    for col in ("isolated_share", "cross_field_share", "integration_index"):
        out[col] = out[col].astype("float64")
    return out
