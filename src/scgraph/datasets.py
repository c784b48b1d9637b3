"""The datasets of a store: which graphs they are, what refers to them, removing them.

``ingest`` writes each dataset into a named graph of its own (and replaces it when the
dataset is ingested again); :func:`drop_datasets` removes such graphs, all in one step.
The ontology graph and the graphs that ``reason`` and ``screen`` make are not datasets.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

import pyoxigraph as ox

from scgraph.errors import UsageError
from scgraph.namespaces import (
    GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PATTERNS_GRAPH,
    PREFIXES,
    SC,
    SCREENING_GRAPH,
    STAGING,
    dataset_graph_iri,
    sparql_prefixes,
)
from scgraph.store.base import GraphStore

__all__ = ["DERIVED_GRAPHS", "NOT_DATASETS", "DropReport", "dataset_graphs", "dataset_name",
           "drop_datasets", "graph_named", "references", "stale_graphs"]

#: Graphs made from the datasets, and the command that makes each again: after a drop
#: they still say what they said of the dropped data, until they are made again.
DERIVED_GRAPHS = {INFERRED_GRAPH: "scgraph reason --materialize",
                  SCREENING_GRAPH: "scgraph screen"}
#: What each graph of DERIVED_GRAPHS is called, what it holds, how it says when it was
#: made, and from which datasets.
_MADE = {
    INFERRED_GRAPH: ("inferred graph", "the triples it inferred",
                     f"<{INFERRED_GRAPH}/run> prov:endedAtTime ?made",
                     f"<{INFERRED_GRAPH}/run> prov:used ?used"),
    SCREENING_GRAPH: ("screening graph", "the solution types it inferred",
                      f"<{SCREENING_GRAPH}> prov:generatedAtTime ?made",
                      f"<{SCREENING_GRAPH}> prov:wasDerivedFrom ?used"),
}
#: When each dataset was ingested (the end of the run that wrote it).
_INGESTED = sparql_prefixes() + """
SELECT ?name ?ingested WHERE {
  GRAPH ?g { ?g a dcat:Dataset ; dcterms:identifier ?name ;
                prov:wasGeneratedBy/prov:endedAtTime ?ingested }
} ORDER BY DESC(?ingested) ?name
"""
#: The graphs that are not datasets, and what each is.
_NOT_DATASETS = {
    ONTOLOGY_GRAPH: "the ontology, which every ingest writes",
    INFERRED_GRAPH: "what `scgraph reason --materialize` inferred; `scgraph reason --drop` "
                    "removes it",
    SCREENING_GRAPH: "the solution types `scgraph screen` inferred; each run replaces it",
    PATTERNS_GRAPH: "the screening rules `scgraph screen` loads; each run replaces it",
}
#: The graphs of a store that are not datasets (and define no initiative).
NOT_DATASETS = frozenset(_NOT_DATASETS)
#: References listed at most in the error that refuses a drop.
_SHOWN = 10


@dataclass(frozen=True)
class DropReport:
    """What :func:`drop_datasets` removed."""

    #: Each dropped graph and the triples it held.
    dropped: list[tuple[str, int]] = field(default_factory=list)
    #: Graphs made from the data before the drop (:data:`DERIVED_GRAPHS` in the store).
    stale: list[str] = field(default_factory=list)
    #: With ``force``: (graph, record id) for each reference another dataset still makes
    #: to an initiative of the dropped ones (:func:`references`).
    dangling: list[tuple[str, str]] = field(default_factory=list)

    def dangling_notes(self) -> list[str]:
        """What each dataset left referring to dropped initiatives refers to, in words."""
        by_graph: dict[str, list[str]] = {}
        for graph, record in self.dangling:
            by_graph.setdefault(graph, []).append(record)
        return [f"{dataset_name(g)} still refers to {', '.join(ids[:_SHOWN])}"
                + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")
                + ", no longer in the store (--force); ingesting it again needs them"
                for g, ids in by_graph.items()]


def dataset_name(graph: str) -> str:
    """The name ``ingest`` gave a dataset graph (the graph itself for other graphs).

    >>> dataset_name("https://w3id.org/scgraph/graph/mpsc")
    'mpsc'
    """
    return unquote(graph[len(GRAPH):]) if graph.startswith(GRAPH) else graph


def graph_named(name: str, graphs: Collection[str]) -> str:
    """The graph ``name`` stands for among ``graphs``: itself (an IRI), else the graph of
    the dataset of that name; ``name`` if neither is one of them.

    >>> graph_named("mpsc", ["https://w3id.org/scgraph/graph/mpsc"])
    'https://w3id.org/scgraph/graph/mpsc'
    """
    if name in graphs:
        return name
    graph = dataset_graph_iri(name)
    return graph if graph in graphs else name


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def drop_datasets(store: GraphStore, names: Sequence[str], *,
                  force: bool = False) -> DropReport:
    """Remove the datasets ``names`` (dataset names or graph IRIs) from ``store``, or
    graphs an interrupted write left staged (their IRIs).

    All are removed in one update, or none: an unknown name, a graph that is not a
    dataset, or (unless ``force``) another dataset that refers to an initiative of a
    dropped one raises :class:`~scgraph.errors.UsageError` and changes nothing.
    """
    if not names:
        raise UsageError("name a dataset to drop; `scgraph stats` lists them")
    present = set(store.graphs())
    # a graph an interrupted write left staged on an endpoint, named by its IRI
    present |= {g for g in names if g.startswith(STAGING) and _is_iri(g)
                and store.ask(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")}
    graphs: list[str] = []
    for name in names:
        graph = graph_named(name, present | set(_NOT_DATASETS))
        if graph in _NOT_DATASETS:
            raise UsageError(f"{name!r} is not a dataset but {_NOT_DATASETS[graph]}")
        if graph not in present:
            raise UsageError(f"no dataset {name!r} in the store; `scgraph stats` lists them")
        if graph not in graphs:
            graphs.append(graph)
    # a staged graph repeats what its dataset holds: nothing depends on it
    referred = references(store, [g for g in graphs if not g.startswith(STAGING)], present)
    if not force and referred:
        # what must go with them: the datasets that refer to those, and so on
        together = list(graphs)
        new = sorted({g for g, _ in referred} - set(together))
        while new:
            together += new
            new = sorted({g for g, _ in references(store, new, present, besides=together)}
                         - set(together))
        _refuse_references(referred, together)
    counts = [(g, int(store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> "
                                   "{ ?s ?p ?o } }").values()[0][0] or 0)) for g in graphs]
    made = [g for g in DERIVED_GRAPHS if g in present and _may_hold(store, g, graphs)]
    store.drop_graphs(graphs)
    return DropReport(counts, made, referred)


def _made_from(store: GraphStore, graph: str) -> set[str]:
    """The graphs a graph of :data:`DERIVED_GRAPHS` says it was made from."""
    pattern = _MADE[graph][3]
    return {str(u) for (u,) in store.select(
        f"{sparql_prefixes()} SELECT ?used WHERE {{ GRAPH <{graph}> {{ {pattern} }} }}"
    ).values() if u}


def _may_hold(store: GraphStore, made: str, dropped: Sequence[str]) -> bool:
    """Whether the made graph may hold what came from the ``dropped`` graphs: it was made
    from one of them, or does not say what it was made from."""
    used = dataset_graphs(_made_from(store, made))
    return not used or bool(set(used) & set(dropped))


def dataset_graphs(graphs: Iterable[str]) -> list[str]:
    """The graphs of ``graphs`` that ``ingest`` names for datasets, sorted: under the
    scgraph graph namespace, and not the ontology nor one ``reason`` or ``screen`` made,
    nor one a write stages its graphs in (:data:`~scgraph.namespaces.STAGING`).
    (An endpoint's own graphs, a triple store's system graphs say, are left out.)"""
    return sorted(g for g in set(graphs) - set(_NOT_DATASETS)
                  if g.startswith(GRAPH) and not g.startswith(STAGING))


def references(store: GraphStore, graphs: Sequence[str], present: Iterable[str], *,
               besides: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(graph, record id) for each initiative described in ``graphs`` that a triple of
    another graph of ``present`` (the store's graphs) refers to, sorted; not counting the
    ontology, the graphs ``reason`` and ``screen`` made, and the graphs ``besides``."""
    others = sorted(set(present) - set(graphs) - set(besides) - set(_NOT_DATASETS))
    if not graphs or not others:
        return []
    table = store.select(
        "SELECT DISTINCT ?g ?id WHERE { "
        f"VALUES ?d {{ {' '.join(f'<{g}>' for g in graphs)} }} "
        f"GRAPH ?d {{ ?i a <{SC}Initiative> ; <{PREFIXES['dcterms']}identifier> ?id }} "
        f"VALUES ?g {{ {' '.join(f'<{g}>' for g in others)} }} "
        "GRAPH ?g { ?x ?p ?i } } ORDER BY ?g ?id")
    return [(str(g), str(i)) for g, i in table.values()]


def _refuse_references(rows: list[tuple[str, str]], together: list[str]) -> None:
    """Raise UsageError for ``rows`` (:func:`references` into the graphs to drop), which
    can be dropped with the graphs ``together``."""
    shown = "; ".join(f"{dataset_name(g)} refers to {i}" for g, i in rows[:_SHOWN])
    more = f" (and {len(rows) - _SHOWN} more)" if len(rows) > _SHOWN else ""
    names = " ".join(map(dataset_name, together))
    raise UsageError(f"other datasets refer to initiatives of the datasets to drop: {shown}"
                     f"{more}. Nothing was dropped. Drop them together (`scgraph drop "
                     f"{names}`, with the same --store or --endpoint), or pass --force to "
                     "leave those references dangling")


def _time(text: str | None) -> datetime | None:
    """An ``xsd:dateTime``'s text as an aware datetime (one without a zone taken as UTC);
    None if it is no such time (an RDF file may say anything)."""
    try:
        when = datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def stale_graphs(store: GraphStore) -> dict[str, str]:
    """Why each graph made from the datasets (:data:`DERIVED_GRAPHS`) may not match the
    datasets now, by graph: a dataset ingested after it, a dataset in the store it was not
    made from (one from an RDF file, which records no time of ingest), a dataset it was
    made from that is no longer in the store (dropped), or no record of when it was made
    (an earlier version of scgraph made it). Up-to-date graphs are left out."""
    # asked of each graph: listing the graphs scans a remote store's every quad, which is
    # done only if a made graph is there to compare with the datasets
    made_graphs = [g for g in DERIVED_GRAPHS if store.ask(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")]
    ingested = store.select(_INGESTED).values() if made_graphs else []
    present = dataset_graphs(store.graphs()) if made_graphs else []
    out: dict[str, str] = {}
    for graph in made_graphs:
        label, holds, pattern, _from = _MADE[graph]
        again = f"run `{DERIVED_GRAPHS[graph]}` again"
        made = [m for (m,) in store.select(
            f"{sparql_prefixes()} SELECT ?made WHERE {{ GRAPH <{graph}> {{ {pattern} }} }}"
        ).values() if m]
        made_at = _time(made[0]) if made else None
        if made_at is None:
            out[graph] = (f"the {label} does not say when it was made (an earlier version "
                          f"of scgraph made it); {again}")
            continue
        reasons = []
        later = {name: when for name, when in ingested
                 if (at := _time(when)) is not None and at > made_at}
        if later:
            reasons.append(f"is older than dataset "
                           f"{', '.join(f'{n} ({w})' for n, w in later.items())}: {holds} "
                           "miss what came since, and may still hold what that ingest replaced")
        said = _made_from(store, graph)
        used = dataset_graphs(said)
        # a dataset it was not made from came since (an RDF file, which records no time of
        # its own, say); a graph that names nothing it used is older than that record
        unseen = [dataset_name(g) for g in present
                  if said and g not in used and dataset_name(g) not in later]
        if unseen:
            reasons.append(f"was made before dataset {', '.join(unseen)} came into the "
                           f"store: {holds} miss what it holds")
        gone = [dataset_name(u) for u in used
                if not store.ask(f"ASK {{ GRAPH <{u}> {{ ?s ?p ?o }} }}")]
        if gone:
            reasons.append(f"was made from dataset {', '.join(gone)}, which is no longer in "
                           f"the store: {holds} still hold what came from it")
        if reasons:
            out[graph] = f"the {label} ({made[0]}) {'; it '.join(reasons)}; {again}"
    return out
