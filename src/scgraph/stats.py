"""Counts of what a store holds."""

from __future__ import annotations

from typing import Any

from scgraph.namespaces import sparql_prefixes
from scgraph.store.base import GraphStore, term_value

__all__ = ["store_stats"]

_COUNTS = sparql_prefixes() + """
SELECT
  (COUNT(DISTINCT ?i) AS ?initiatives)
  (COUNT(DISTINCT ?a) AS ?actors)
  (COUNT(DISTINCT ?r) AS ?relations)
  (COUNT(DISTINCT ?e) AS ?side_effects)
WHERE {
  { ?i a sc:Initiative } UNION { ?a a sc:Actor } UNION { ?r a sc:Interaction }
  UNION { ?e a sc:SideEffect }
}"""

_DATASETS = sparql_prefixes() + """
SELECT ?g ?name ?title (COUNT(*) AS ?triples) WHERE {
  GRAPH ?g { ?g a dcat:Dataset ; dcterms:identifier ?name ; dcterms:title ?title . ?s ?p ?o }
} GROUP BY ?g ?name ?title ORDER BY ?name"""

_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def store_stats(store: GraphStore) -> dict[str, Any]:
    """Counts of initiatives, actors, relations, side effects, triples, and the datasets.

    ``relations`` counts every typed relation between initiatives, ``part_of``
    included; ``triples`` counts every triple in every graph, the ontology's too.
    """
    counts = store.select(_COUNTS)
    row = counts.values()[0]
    out: dict[str, Any] = {col: int(v or 0) for col, v in zip(counts.columns, row, strict=True)}
    out["triples"] = int(term_value(store.select(_TRIPLES).rows[0][0]) or 0)
    out["datasets"] = [
        {"name": name, "graph": g, "title": title, "triples": int(n or 0)}
        for g, name, title, n in store.select(_DATASETS).values()
    ]
    return out
