"""Interactive views for planners: vis-network pages built from the graph.

Build a :class:`View` with :func:`overview_view`, :func:`network_view`,
:func:`municipality_view` or :func:`impact_view` from a store or the data
:func:`~scgraph.analytics.load_graph_data` loaded from it, then :func:`write_html` it,
or :func:`show` it in a notebook.
"""

from __future__ import annotations

from scgraph.viz.notebook import ViewDisplay, show
from scgraph.viz.page import embed_json, render_html, write_html
from scgraph.viz.views import (
    PHYSICS_LIMIT,
    VIEW_NAMES,
    Details,
    View,
    impact_view,
    load_details,
    municipality_view,
    network_view,
    overview_view,
)

__all__ = [
    "PHYSICS_LIMIT",
    "VIEW_NAMES",
    "Details",
    "View",
    "ViewDisplay",
    "embed_json",
    "impact_view",
    "load_details",
    "municipality_view",
    "network_view",
    "overview_view",
    "render_html",
    "show",
    "write_html",
]
