"""Screening in the store: inferred solution types and the screening rules, as named graphs.

:func:`screen` classifies every stored initiative that states no solution type
and writes two named graphs, each replaced as a whole on every run:

- :data:`SCREENING_GRAPH`: for each inferred type, ``initiative sc:solutionType
  type`` and a ``sc:SolutionTypeAssignment`` node with ``sc:confidence
  "inferred"`` and ``sc:evidence`` (the matched words);
- :data:`~scgraph.screening.patterns.PATTERNS_GRAPH`: the screening rules.

Stated solution types (the ``solution_types`` column of the records) live in
the dataset graphs and are never overridden.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import pandas as pd

from scgraph import __version__
from scgraph.datasets import dataset_graphs, stale_graphs
from scgraph.ingest.mapping import Mapped, iri, literal, xsd_datetime
from scgraph.namespaces import (
    DATA,
    PREFIXES,
    SC,
    SCREENING_GRAPH,
    SOLUTION,
    initiative_iri,
    sparql_prefixes,
)
from scgraph.screening.classifier import (
    KeywordRule,
    classify_initiatives,
    keyword_rules,
    keywords_file,
)
from scgraph.screening.patterns import PATTERNS_GRAPH, pattern_ntriples, read_patterns
from scgraph.store.base import GraphStore, select_frame

__all__ = [
    "SCREENING_GRAPH",
    "ScreenReport",
    "TextTables",
    "assignment_ntriples",
    "inferred_solution_types",
    "initiative_texts",
    "screen",
    "solution_types",
    "stale_screening",
    "text_tables",
]


# Joins of subqueries: Oxigraph hashes them instead of looking every row up. Names,
# descriptions and stated types are asked for separately and joined in pandas: one
# query that left-joins the long texts costs more than the three together.
_NAMES = sparql_prefixes() + """
SELECT ?id ?name WHERE {
  { SELECT ?i WHERE { ?i a sc:Initiative } }
  { SELECT ?i ?id WHERE { ?i dcterms:identifier ?id } }
  { SELECT ?i ?name WHERE { ?i rdfs:label ?name } }
}
"""

_DESCRIPTIONS = sparql_prefixes() + """
SELECT ?id ?description WHERE {
  { SELECT ?i WHERE { ?i a sc:Initiative } }
  { SELECT ?i ?id WHERE { ?i dcterms:identifier ?id } }
  { SELECT ?i ?description WHERE { ?i dcterms:description ?description } }
}
"""

_STATED = sparql_prefixes() + """
SELECT ?id (GROUP_CONCAT(DISTINCT ?stated; SEPARATOR=";") AS ?solution_types) WHERE {
  { SELECT ?i ?stated WHERE { GRAPH ?g { ?i sc:solutionType ?t } FILTER(?g != <%s>)
                              BIND(STRAFTER(STR(?t), STR(scs:)) AS ?stated) } }
  { SELECT ?i WHERE { ?i a sc:Initiative } }
  { SELECT ?i ?id WHERE { ?i dcterms:identifier ?id } }
}
GROUP BY ?id
""".replace("<%s>", f"<{SCREENING_GRAPH}>")

_INFERRED = sparql_prefixes() + """
SELECT ?id ?solution_type ?evidence WHERE {
  GRAPH <%s> { ?a a sc:SolutionTypeAssignment ; sc:assignedTo ?i ; sc:assignedType ?t .
               OPTIONAL { ?a sc:evidence ?evidence } }
  ?i dcterms:identifier ?id .
  BIND(STRAFTER(STR(?t), STR(scs:)) AS ?solution_type)
}
""".replace("<%s>", f"<{SCREENING_GRAPH}>")


class TextTables(NamedTuple):
    """What :func:`initiative_texts` asks the store besides the names."""

    descriptions: pd.DataFrame
    """id, description."""
    stated: pd.DataFrame
    """id, solution_types (stated keys, ``;``-separated)."""


def text_tables(store: GraphStore) -> TextTables:
    """The descriptions and stated solution types of the stored initiatives, by id."""
    return TextTables(select_frame(store, _DESCRIPTIONS), select_frame(store, _STATED))


def initiative_texts(store: GraphStore, *, initiatives: pd.DataFrame | None = None,
                     tables: TextTables | None = None) -> pd.DataFrame:
    """Stored initiatives: id, name, description, solution_types (stated keys, a list).

    ``initiatives``: the ``id`` and ``name`` of the initiatives wanted, when they are
    loaded already (``GraphData.initiatives``); the store is asked for the rest, or
    ``tables`` (:func:`text_tables` of the same store) are used.
    """
    names = (select_frame(store, _NAMES) if initiatives is None
             else initiatives[["id", "name"]].astype(object))
    tables = text_tables(store) if tables is None else tables
    frame = names.merge(tables.descriptions, on="id", how="left").merge(
        tables.stated, on="id", how="left")
    frame = frame.astype(object).where(frame.notna(), None)
    frame["solution_types"] = frame["solution_types"].map(
        lambda v: sorted(str(v).split(";")) if isinstance(v, str) and v else [])
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def inferred_solution_types(store: GraphStore, *,
                            rules: Iterable[KeywordRule] | None = None) -> pd.DataFrame:
    """Classify the stored initiatives that state no solution type.

    Columns: id, solution_type, evidence (matched words, ``;``-separated).
    """
    texts = initiative_texts(store)
    todo = texts[texts["solution_types"].map(len) == 0]
    return classify_initiatives(todo, rules=rules)


def _assignment_iri(ident: str, key: str) -> str:
    return f"{DATA}solution-type/{quote(ident, safe='')}/{key}"


def assignment_ntriples(inferred: pd.DataFrame, *, keywords_sha256: str | None = None,
                        made: datetime | None = None, datasets: Iterable[str] = ()) -> bytes:
    """N-Triples of inferred types (columns id, solution_type, evidence) for the screening
    graph; ``made``: when the initiatives were read (``prov:generatedAtTime``);
    ``datasets``: the dataset graphs they were read from (``prov:wasDerivedFrom``)."""
    m = Mapped()
    rdf_type, dct = PREFIXES["rdf"] + "type", PREFIXES["dcterms"]
    g = iri(SCREENING_GRAPH)
    m.add(g, rdf_type, iri(PREFIXES["dcat"] + "Dataset"))
    m.add(g, dct + "title", literal("Solution types inferred by keyword rules", lang="en"))
    m.add(g, SC + "toolVersion", literal(f"scgraph {__version__}"))
    if made is not None:
        m.add(g, PREFIXES["prov"] + "generatedAtTime",
              literal(xsd_datetime(made), PREFIXES["xsd"] + "dateTime"))
    if keywords_sha256:
        m.add(g, SC + "sha256", literal(keywords_sha256))
    for dataset in datasets:
        m.add(g, PREFIXES["prov"] + "wasDerivedFrom", iri(dataset))
    for ident, key, evidence in inferred[["id", "solution_type", "evidence"]].itertuples(
            index=False):
        ini = iri(initiative_iri(str(ident)))
        node = iri(_assignment_iri(str(ident), str(key)))
        m.add(ini, SC + "solutionType", iri(SOLUTION + str(key)))
        m.add(node, rdf_type, iri(SC + "SolutionTypeAssignment"))
        m.add(node, SC + "assignedTo", ini)
        m.add(node, SC + "assignedType", iri(SOLUTION + str(key)))
        m.add(node, SC + "confidence", literal("inferred"))
        m.add(node, SC + "evidence", literal(str(evidence)))
    return "".join(m.triples).encode()


@dataclass(frozen=True)
class ScreenReport:
    """What :func:`screen` wrote."""

    initiatives: int
    """Stored initiatives."""
    classified: int
    """Initiatives without stated types that got at least one inferred type."""
    inferred: int
    """Inferred (initiative, type) pairs."""
    patterns: int
    """Screening rules written."""


def screen(store: GraphStore, *, keywords: Path | str | None = None,
           patterns: Path | str | None = None) -> ScreenReport:
    """Write the screening graph and the patterns graph into ``store`` (both replaced).

    ``keywords``: a keyword-rule file instead of the packaged one; ``patterns``:
    a folder with the two pattern files instead of the packaged ones.
    """
    rules = keyword_rules(keywords)
    rule_path = Path(keywords) if keywords is not None else keywords_file()
    digest = hashlib.sha256(rule_path.read_bytes()).hexdigest()
    pats = read_patterns(patterns)
    made = datetime.now(UTC)
    datasets = dataset_graphs(store.graphs())
    texts = initiative_texts(store)
    todo = texts[texts["solution_types"].map(len) == 0]
    inferred = classify_initiatives(todo, rules=rules)
    store.replace_graphs({SCREENING_GRAPH: assignment_ntriples(inferred, keywords_sha256=digest,
                                                               made=made, datasets=datasets),
                          PATTERNS_GRAPH: pattern_ntriples(pats)})
    return ScreenReport(len(texts), inferred["id"].nunique(), len(inferred), len(pats))


def stale_screening(store: GraphStore) -> str | None:
    """Why the screening graph may miss initiatives or changes, or None.

    The graph is a snapshot: a dataset ingested after :func:`screen` ran, one it was
    made from and that was dropped since (or a graph whose time is not recorded, from an
    earlier version) makes it stale, and
    :func:`solution_types` still reads it (:func:`scgraph.datasets.stale_graphs`).
    """
    return stale_graphs(store).get(SCREENING_GRAPH)


def solution_types(store: GraphStore, *, initiatives: pd.DataFrame | None = None,
                   tables: TextTables | None = None) -> pd.DataFrame:
    """Solution types of the stored initiatives, stated and inferred.

    Columns: id, solution_type, confidence (``stated`` or ``inferred``), evidence.
    Inferred types come from the screening graph if :func:`screen` has written
    it, otherwise the keyword rules run now (nothing is written).
    ``initiatives`` and ``tables`` as for :func:`initiative_texts`.
    """
    texts = initiative_texts(store, initiatives=initiatives, tables=tables)
    stated = [(i, t, "stated", "") for i, types in zip(texts["id"], texts["solution_types"],
                                                       strict=True) for t in types]
    if SCREENING_GRAPH in store.graphs():
        inferred = select_frame(store, _INFERRED)
    else:
        inferred = classify_initiatives(texts[texts["solution_types"].map(len) == 0])
    rows = stated + [(str(i), str(t), "inferred", str(e) if isinstance(e, str) else "")
                     for i, t, e in inferred[["id", "solution_type", "evidence"]].itertuples(
                         index=False)]
    frame = pd.DataFrame(rows, columns=["id", "solution_type", "confidence", "evidence"])
    return frame.sort_values(["id", "solution_type"], kind="stable").reset_index(drop=True)
