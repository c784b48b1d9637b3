"""The datasets of a store: which graphs they are, what refers to them, removing them.

``ingest`` writes each dataset into a named graph of its own (and replaces it when the
dataset is ingested again); :func:`drop_datasets` removes such graphs, all in one step.
The ontology graph and the graphs that ``reason`` and ``screen`` make are not datasets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from scgraph.errors import UsageError
from scgraph.namespaces import (
    GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PATTERNS_GRAPH,
    PREFIXES,
    SC,
    SCREENING_GRAPH,
    dataset_graph_iri,
)
from scgraph.store.base import GraphStore

__all__ = ["DERIVED_GRAPHS", "DropReport", "dataset_graphs", "dataset_name", "drop_datasets",
           "references"]

#: Graphs made from the datasets, and the command that makes each again: after a drop
#: they still say what they said of the dropped data, until they are made again.
DERIVED_GRAPHS = {INFERRED_GRAPH: "scgraph reason --materialize",
                  SCREENING_GRAPH: "scgraph screen"}
#: The graphs that are not datasets, and what each is.
_NOT_DATASETS = {
    ONTOLOGY_GRAPH: "the ontology, which every ingest writes",
    INFERRED_GRAPH: "what `scgraph reason --materialize` inferred; `scgraph reason --drop` "
                    "removes it",
    SCREENING_GRAPH: "the solution types `scgraph screen` inferred; each run replaces it",
    PATTERNS_GRAPH: "the screening rules `scgraph screen` loads; each run replaces it",
}
#: References listed at most in the error that refuses a drop.
_SHOWN = 10


@dataclass(frozen=True)
class DropReport:
    """What :func:`drop_datasets` removed."""

    #: Each dropped graph and the triples it held.
    dropped: list[tuple[str, int]] = field(default_factory=list)
    #: Graphs made from the data before the drop (:data:`DERIVED_GRAPHS` in the store).
    stale: list[str] = field(default_factory=list)


def dataset_name(graph: str) -> str:
    """The name ``ingest`` gave a dataset graph (the graph itself for other graphs).

    >>> dataset_name("https://w3id.org/scgraph/graph/mpsc")
    'mpsc'
    """
    return unquote(graph[len(GRAPH):]) if graph.startswith(GRAPH) else graph


def drop_datasets(store: GraphStore, names: Sequence[str], *,
                  force: bool = False) -> DropReport:
    """Remove the datasets ``names`` (dataset names or graph IRIs) from ``store``.

    All are removed in one update, or none: an unknown name, a graph that is not a
    dataset, or (unless ``force``) another dataset that refers to an initiative of a
    dropped one raises :class:`~scgraph.errors.UsageError` and changes nothing.
    """
    if not names:
        raise UsageError("name a dataset to drop; `scgraph stats` lists them")
    present = set(store.graphs())
    graphs: list[str] = []
    for name in names:
        graph = name if name in present or name in _NOT_DATASETS else dataset_graph_iri(name)
        if graph in _NOT_DATASETS:
            raise UsageError(f"{name!r} is not a dataset but {_NOT_DATASETS[graph]}")
        if graph not in present:
            raise UsageError(f"no dataset {name!r} in the store; `scgraph stats` lists them")
        if graph not in graphs:
            graphs.append(graph)
    if not force:
        _refuse_references(references(store, graphs), graphs)
    counts = [(g, int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> "
                                   "{ ?s ?p ?o } }").values()[0][0] or 0)) for g in graphs]
    store.drop_graphs(graphs)
    return DropReport(counts, [g for g in DERIVED_GRAPHS if g in present])


def dataset_graphs(graphs: Iterable[str]) -> list[str]:
    """The graphs of ``graphs`` that ``ingest`` names for datasets, sorted: under the
    scgraph graph namespace, and not the ontology nor one ``reason`` or ``screen`` made.
    (An endpoint's own graphs, a triple store's system graphs say, are left out.)"""
    return sorted(g for g in set(graphs) - set(_NOT_DATASETS) if g.startswith(GRAPH))


def references(store: GraphStore, graphs: Sequence[str], *,
               besides: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(graph, record id) for each initiative described in ``graphs`` that a triple of
    another graph refers to, sorted; not counting the ontology, the graphs ``reason`` and
    ``screen`` made, and the graphs ``besides``."""
    others = sorted(set(store.graphs()) - set(graphs) - set(besides) - set(_NOT_DATASETS))
    if not graphs or not others:
        return []
    table = store.select(
        "SELECT DISTINCT ?g ?id WHERE { "
        f"VALUES ?d {{ {' '.join(f'<{g}>' for g in graphs)} }} "
        f"GRAPH ?d {{ ?i a <{SC}Initiative> ; <{PREFIXES['dcterms']}identifier> ?id }} "
        f"VALUES ?g {{ {' '.join(f'<{g}>' for g in others)} }} "
        "GRAPH ?g { ?x ?p ?i } } ORDER BY ?g ?id")
    return [(str(g), str(i)) for g, i in table.values()]


def _refuse_references(rows: list[tuple[str, str]], graphs: list[str]) -> None:
    """Raise UsageError if ``rows`` (:func:`references` into ``graphs``) has any."""
    if not rows:
        return
    shown = "; ".join(f"{dataset_name(g)} refers to {i}" for g, i in rows[:_SHOWN])
    more = f" (and {len(rows) - _SHOWN} more)" if len(rows) > _SHOWN else ""
    referring = sorted({dataset_name(g) for g, _ in rows})
    together = " ".join([*map(dataset_name, graphs), *referring])
    raise UsageError(f"other datasets refer to initiatives of the datasets to drop: {shown}"
                     f"{more}. Nothing was dropped. Drop them together (`scgraph drop "
                     f"{together}`), or pass --force to leave those references dangling")
