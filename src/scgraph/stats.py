"""Counts of what a store holds."""

from __future__ import annotations

from typing import Any

from scgraph.datasets import DERIVED_GRAPHS, dataset_graphs, dataset_name
from scgraph.namespaces import ONTOLOGY_GRAPH, sparql_prefixes
from scgraph.store.base import GraphStore

__all__ = ["store_stats"]

_COUNTS = sparql_prefixes() + """
SELECT
  (COUNT(DISTINCT ?i) AS ?initiatives)
  (COUNT(DISTINCT ?a) AS ?actors)
  (COUNT(DISTINCT ?r) AS ?relations)
  (COUNT(DISTINCT ?e) AS ?side_effects)
WHERE {
  { GRAPH ?g { ?i a sc:Initiative } FILTER(?g NOT IN (MADE)) } UNION { [] sc:hasActor ?a }
  UNION { ?r a sc:Interaction } UNION { ?e a sc:SideEffect }
}""".replace("MADE", ", ".join(f"<{g}>" for g in DERIVED_GRAPHS))

#: Every graph's triples, in one scan: the total and the datasets' counts.
_GRAPHS = "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"

#: What ingest says of a dataset read from records (an RDF file's graphs have no such
#: description: their name comes from the graph's IRI).
_DESCRIBED = sparql_prefixes() + """
SELECT ?g ?name ?title WHERE {
  GRAPH ?g { ?g a dcat:Dataset ; dcterms:identifier ?name ; dcterms:title ?title }
}"""


def store_stats(store: GraphStore) -> dict[str, Any]:
    """Counts of initiatives, actors, relations, side effects, triples, and the datasets.

    ``initiatives`` counts the nodes a dataset types so, not the graphs ``reason`` and
    ``screen`` made: ``reason --materialize`` makes every funding programme an initiative
    too (``sc:Programme`` is one), which the analytics, reading records' ids, do not count.
    ``actors`` counts those an initiative names (``sc:hasActor``), as the report does: the
    ontology makes every municipality an actor too (a public authority), but one that no
    initiative names is not counted. ``relations`` counts every typed relation between
    initiatives, ``part_of`` included; ``triples`` counts every triple in every graph, the
    ontology's too.
    ``datasets`` lists every dataset graph by name (with its ``title``, None for the
    graphs of an RDF file), not the ontology nor what ``reason`` and ``screen`` made.
    ``other_graphs`` lists the rest but the ontology, with their triples: what ``reason``
    and ``screen`` made, and graphs outside scgraph's (an RDF file's own; an endpoint's).
    """
    counts = store.select(_COUNTS)
    row = counts.values()[0]
    out: dict[str, Any] = {col: int(v or 0) for col, v in zip(counts.columns, row, strict=True)}
    triples = {str(g): int(n or 0) for g, n in store.select(_GRAPHS).values()}
    out["triples"] = sum(triples.values())
    described = {str(g): (name, title) for g, name, title in store.select(_DESCRIBED).values()}
    datasets = []
    for g in dataset_graphs(triples):
        name, title = described.get(g, (dataset_name(g), None))
        datasets.append({"name": name, "graph": g, "title": title, "triples": triples[g]})
    out["datasets"] = sorted(datasets, key=lambda d: (str(d["name"]), d["graph"]))
    listed = {d["graph"] for d in datasets} | {ONTOLOGY_GRAPH}
    out["other_graphs"] = [{"graph": g, "triples": n} for g, n in sorted(triples.items())
                           if g not in listed]
    return out
