"""Graph analytics: projections of the store to networkx, then measures as plain functions.

Each measure takes a store or a loaded :class:`GraphData` and returns a pandas
DataFrame whose ids are record ids and whose fields are action-field keys; ``screening``
needs the store (or ``solution_types=`` beside loaded data).
:data:`MEASURES` maps the names used by ``scgraph analyze NAME`` to them.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from scgraph.analytics.bridges import (
    articulation_points,
    betweenness,
    bridge_graph,
    bridges,
    bridging_actors,
)
from scgraph.analytics.critical import critical, dependants
from scgraph.analytics.fields import cross_field, field_matrix
from scgraph.analytics.integration import integration, integration_index
from scgraph.analytics.isolation import interacting_ids, isolated
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
from scgraph.analytics.screening import screening
from scgraph.analytics.side_effects import (
    data_protection_exposure,
    spillover_matrix,
    unmitigated_risks,
)
from scgraph.store.base import GraphStore

__all__ = [
    "DEPENDENCY_RELATIONS",
    "MEASURES",
    "GraphData",
    "Measure",
    "actor_graph",
    "articulation_points",
    "betweenness",
    "bridge_graph",
    "bridges",
    "bridging_actors",
    "critical",
    "cross_field",
    "data_protection_exposure",
    "dependants",
    "dependency_edges",
    "dependency_graph",
    "field_graph",
    "field_matrix",
    "integration",
    "integration_index",
    "interacting_ids",
    "interaction_graph",
    "isolated",
    "load_graph_data",
    "screening",
    "spillover_matrix",
    "unmitigated_risks",
]

#: A measure: a store or loaded data in, one DataFrame out.
Measure = Callable[[GraphStore | GraphData], pd.DataFrame]

#: CLI name -> measure, for ``scgraph analyze NAME``. Other modules may add entries.
MEASURES: dict[str, Measure] = {
    "field-matrix": field_matrix,
    "cross-field": cross_field,
    "isolated": isolated,
    "bridges": bridges,
    "critical": critical,
    "side-effects": spillover_matrix,
    "integration": integration,
    "screening": screening,
}
