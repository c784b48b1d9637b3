"""The one prefix map used everywhere: ontology, data IRIs, named graphs.

Data IRIs are deterministic: the same record id (or actor name) always gives
the same IRI, whatever dataset it comes from.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote, unquote

__all__ = [
    "BASE",
    "DATA",
    "EFFECT",
    "FIELD",
    "GRAPH",
    "INFERRED_GRAPH",
    "ONTOLOGY_GRAPH",
    "PATTERNS_GRAPH",
    "PREFIXES",
    "RELATION",
    "SC",
    "SCREENING_GRAPH",
    "SOLUTION",
    "STAGING",
    "actor_iri",
    "dataset_graph_iri",
    "id_from_iri",
    "initiative_iri",
    "is_url",
    "municipality_iri",
    "programme_iri",
    "region_iri",
    "sparql_prefixes",
    "url_problem",
]

BASE = "https://w3id.org/scgraph/"
SC = BASE + "ontology#"
FIELD = BASE + "field/"
EFFECT = BASE + "effect/"
RELATION = BASE + "relation/"
SOLUTION = BASE + "solution/"
DATA = BASE + "id/"
GRAPH = BASE + "graph/"
ONTOLOGY_GRAPH = GRAPH + "ontology"
#: Named graph of the triples `scgraph reason --materialize` infers.
INFERRED_GRAPH = GRAPH + "inferred"
#: Named graphs `scgraph screen` writes: the inferred solution types, the screening rules.
#: Dataset graphs are ``GRAPH + <name>`` with "/" escaped, so no dataset name gives these.
SCREENING_GRAPH = GRAPH + "screening/solution-types"
PATTERNS_GRAPH = GRAPH + "screening/patterns"
#: Where a write stages its graphs before one update moves them in place: no dataset
#: name gives these either ("_staging/..." escapes its "/").
STAGING = GRAPH + "_staging/"

PREFIXES: dict[str, str] = {
    "sc": SC,
    "scf": FIELD,
    "sce": EFFECT,
    "scr": RELATION,
    "scs": SOLUTION,
    "scid": DATA,
    "scg": GRAPH,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "dpv": "https://w3id.org/dpv#",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prefixes() -> str:
    """Return the PREFIX block for every prefix in :data:`PREFIXES`."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")
_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+", re.IGNORECASE)  # a scheme in any case


def is_url(value: str) -> bool:
    """Whether a source is a plain http(s) URL, which the graph holds as an IRI.

    >>> is_url("https://www.kfw.de/x"), is_url("HTTPS://www.kfw.de/x"), is_url("Stadt Ulm")
    (True, True, False)
    """
    return _URL.fullmatch(value) is not None


def url_problem(value: str) -> str | None:
    """Why the URL ``value`` is not a valid IRI, or None if it is one.

    >>> url_problem("https://example.org/a%zz")
    "Invalid IRI percent encoding '%zz'"
    """
    import pyoxigraph as ox  # only sources that are URLs need it

    try:
        ox.NamedNode(value)
    except ValueError as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=1 << 16)
def _segment(value: str) -> str:
    value = value.strip()
    # fast path for the common case: quote() would leave these unchanged
    return value if _UNRESERVED.fullmatch(value) else quote(value, safe="")


def initiative_iri(record_id: str) -> str:
    """IRI of the initiative with this record id.

    >>> initiative_iri("MPSC-SG-HUB")
    'https://w3id.org/scgraph/id/initiative/MPSC-SG-HUB'
    """
    return f"{DATA}initiative/{_segment(record_id)}"


def actor_iri(name: str) -> str:
    """IRI of an actor, from its name.

    >>> actor_iri("Stadt Ulm")
    'https://w3id.org/scgraph/id/actor/Stadt%20Ulm'
    """
    return f"{DATA}actor/{_segment(name)}"


def municipality_iri(name: str) -> str:
    """IRI of a municipality (the place and its local government)."""
    return f"{DATA}municipality/{_segment(name)}"


def region_iri(name: str) -> str:
    """IRI of a region (for Germany: a Bundesland)."""
    return f"{DATA}region/{_segment(name)}"


def programme_iri(name: str) -> str:
    """IRI of a funding programme, from its name."""
    return f"{DATA}programme/{_segment(name)}"


def dataset_graph_iri(name: str) -> str:
    """IRI of the named graph that holds one dataset.

    >>> dataset_graph_iri("mpsc")
    'https://w3id.org/scgraph/graph/mpsc'
    """
    return f"{GRAPH}{_segment(name)}"


def id_from_iri(iri: str) -> str:
    """The record id or key at the end of a data, field or kind IRI.

    >>> id_from_iri("https://w3id.org/scgraph/id/initiative/MPSC-SG-HUB")
    'MPSC-SG-HUB'
    >>> id_from_iri("https://w3id.org/scgraph/field/public_services")
    'public_services'
    """
    return unquote(iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
