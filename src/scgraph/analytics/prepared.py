"""The analytics' tables made from the records an ingest writes, without asking the store.

After an ingest of datasets of records into a store that holds nothing else (besides
the ontology), the store says exactly what the records say. The tables that
:func:`~scgraph.analytics.load_graph_data` would query from it (seconds at 100,000
initiatives) and the solution types the screening reads are then made from the checked
records, and kept in the cache folder (:mod:`scgraph.analytics.cache`) for the store's
files as the ingest leaves them: the first ``scgraph analyze`` or ``report`` after the
ingest reads them. They are the same tables, row for row; a test compares them with
what the store gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from scgraph.analytics import projection
from scgraph.analytics.cache import write_frames
from scgraph.analytics.projection import (
    _INITIATIVE_COLUMNS,
    GraphData,
    _actors_table,
    _effect_ids,
    _none,
    _relations_table,
)
from scgraph.analytics.screening import _TYPES_CODE, _TYPES_KIND
from scgraph.ingest.actors import actor_classes
from scgraph.ingest.checks import CheckedDataset
from scgraph.ingest.mapping import side_effect_iri
from scgraph.namespaces import municipality_iri, programme_iri, region_iri
from scgraph.screening.classifier import classify_initiatives

__all__ = ["graph_data_from_records", "solution_types_from_records", "write_tables"]


def graph_data_from_records(datasets: Sequence[CheckedDataset]) -> GraphData:
    """The tables :func:`~scgraph.analytics.load_graph_data` gives for a store holding
    only ``datasets``, each in its graph (as :func:`~scgraph.ingest.mapping.map_dataset`
    writes it)."""
    initiatives = [ini for ds in datasets for ini in ds.initiatives]
    # a place or programme is labelled with its name (one per node: its IRI is made of it)
    labels: dict[str, str] = {}
    regions: dict[str, str] = {}  # municipality IRI -> its region's IRI
    for ini in initiatives:
        if ini.municipality:
            mun = municipality_iri(ini.municipality)
            labels.setdefault(mun, ini.municipality)
            if ini.region:
                reg = region_iri(ini.region)
                labels.setdefault(reg, ini.region)
                regions.setdefault(mun, reg)
        if ini.programme:
            labels.setdefault(programme_iri(ini.programme), ini.programme)
    rows = []
    actor_rows = []
    classes: dict[str, str] = {}  # actor name -> its most specific class
    for ds in datasets:
        # an initiative without a kind is a measure if its dataset makes it part of another
        parents = {r.source_id for r in ds.relations if r.relation == "part_of"}
        for ini in ds.initiatives:
            kind = ini.kind or ("measure" if ini.id in parents else "project")
            place = municipality_iri(ini.municipality) if ini.municipality else None
            region = regions.get(place) if place else None
            rows.append((ini.id, ini.name, kind,  # one of the checks' KINDS
                         labels[place] if place else None,
                         labels[region] if region else None,
                         labels[programme_iri(ini.programme)] if ini.programme else None,
                         None if ini.year is None else str(ini.year),
                         sorted(set(ini.action_fields))))
            for name in dict.fromkeys(ini.actors):
                cls = classes.get(name)
                if cls is None:  # the most specific, "Actor" if no rule gives one
                    cls = classes[name] = actor_classes(name)[-1]
                actor_rows.append((ini.id, name, cls))
    table = pd.DataFrame(rows, columns=_INITIATIVE_COLUMNS, dtype=object)
    table = _none(table[table["fields"].map(len) > 0])
    table = table.sort_values("id", kind="stable").reset_index(drop=True)

    relations = _relations_table((r.source_id, r.relation, r.target_id, r.confidence)
                                 for ds in datasets for r in ds.relations)
    actors = _actors_table(actor_rows)

    effects = pd.DataFrame(
        [(side_effect_iri(e.initiative_id, e.ordinal, None if e.initiative_id in own
                          else ds.name),
          e.initiative_id, e.effect, "risk" if e.polarity == "risk" else "benefit",
          e.mitigation or None, sorted(set(e.affects_fields)))
         for ds in datasets for own in [{i.id for i in ds.initiatives}]
         for e in ds.side_effects],
        columns=["effect_iri", "initiative_id", "effect", "polarity", "mitigation",
                 "affects_fields"], dtype=object)
    effects.insert(0, "effect_id", _effect_ids(effects.pop("effect_iri")))
    effects = effects.sort_values("effect_id", kind="stable")
    return GraphData(table, relations, actors, effects.reset_index(drop=True))


def solution_types_from_records(datasets: Sequence[CheckedDataset],
                                initiatives: pd.DataFrame) -> pd.DataFrame:
    """What :func:`scgraph.screening.screen.solution_types` gives for a store holding only
    ``datasets`` (no screening graph), ``initiatives`` being its loaded initiatives table."""
    records = {ini.id: ini for ds in datasets for ini in ds.initiatives}
    stated: list[tuple[str, str, str, str]] = []
    todo = []
    for ident, name in zip(initiatives["id"], initiatives["name"], strict=True):
        ini = records[ident]
        types = sorted(set(ini.solution_types))
        stated.extend((ident, t, "stated", "") for t in types)
        if not types:
            todo.append((ident, name, ini.description or None))
    inferred = classify_initiatives(pd.DataFrame(todo, columns=["id", "name", "description"]))
    rows = stated + [(str(i), str(t), "inferred", str(e) if isinstance(e, str) else "")
                     for i, t, e in inferred[["id", "solution_type", "evidence"]].itertuples(
                         index=False)]
    frame = pd.DataFrame(rows, columns=["id", "solution_type", "confidence", "evidence"])
    return frame.sort_values(["id", "solution_type"], kind="stable").reset_index(drop=True)


#: What is kept, by kind: the code that reads it from the cache.
_KEPT = {projection._KIND: projection._CODE, _TYPES_KIND: _TYPES_CODE}


def write_tables(datasets: Sequence[CheckedDataset], folder: Path, tag: str
                 ) -> dict[str, str]:
    """Write the tables of a store holding only ``datasets`` into ``folder`` (the store's
    subfolder of the cache) as ``KIND.TAG.tmp`` files; return each kind's code, under
    which :func:`scgraph.cache_folder.keep_file` keeps them."""
    data = graph_data_from_records(datasets)
    write_frames(folder / f"{projection._KIND}.{tag}.tmp",
                 [data.initiatives, data.relations, data.actors, data.side_effects])
    initiatives = data.initiatives[["id", "name"]]
    del data  # each table let go once written
    write_frames(folder / f"{_TYPES_KIND}.{tag}.tmp",
                 [solution_types_from_records(datasets, initiatives)])
    return dict(_KEPT)
