"""``select_frame``: the embedded store's TSV path gives the same frames as the generic one.

The generic path makes a Python term of every value (``store.select(...).to_dataframe()``);
the embedded store's path reads Oxigraph's SPARQL TSV with pandas. Both must agree on
every kind of term, on unbound values, and on everything the analytics load.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest

from scgraph.analytics import load_graph_data
from scgraph.errors import UsageError
from scgraph.screening import initiative_texts, solution_types
from scgraph.store import EmbeddedStore, ReopeningStore
from scgraph.store.base import select_frame

XSD = "http://www.w3.org/2001/XMLSchema#"
ODD_LITERALS = [
    ox.Literal(""),
    ox.Literal("tab\there, newline\nthere, return\r, quote \" and 'single'"),
    ox.Literal("back\\slash \\n not an escape, \\\\ two"),
    ox.Literal("Straße, Ä, 東京, emoji \U0001F600, control \x01 and \x7f"),
    ox.Literal("Grüße", language="de"),
    ox.Literal("colour", language="en-GB"),
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("-1.50", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("1.0E3", datatype=ox.NamedNode(XSD + "double")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("2021", datatype=ox.NamedNode(XSD + "gYear")),
    ox.Literal("with \"quotes\"", datatype=ox.NamedNode("urn:type:odd")),
    ox.Literal("<not an iri>"),
    ox.Literal("_:not a blank node"),
    ox.Literal("?x\t?y"),
]


@pytest.fixture
def odd_store() -> EmbeddedStore:
    store = EmbeddedStore()
    p = ox.NamedNode("urn:p")
    lines = [f"<urn:s{k}> {p} {o} .\n" for k, o in enumerate(ODD_LITERALS)]
    lines += ["<urn:s0> <urn:q> _:b1 .\n", "_:b1 <urn:q> <urn:x?a=1&b=%20#frag> .\n"]
    store.replace_graphs({"urn:g": "".join(lines).encode()})
    return store


@pytest.mark.parametrize("sparql", [
    "SELECT ?s ?o WHERE { ?s <urn:p> ?o } ORDER BY ?s",
    "SELECT ?s ?o ?b WHERE { ?s <urn:p> ?o OPTIONAL { ?s <urn:q> ?b } } ORDER BY ?s",
    "SELECT ?b ?x WHERE { ?b <urn:q> ?x }",
    # one column whose value is unbound in most rows: blank lines in the TSV
    "SELECT ?b WHERE { ?s <urn:p> ?o OPTIONAL { ?s <urn:q> ?b } } ORDER BY ?s",
    "SELECT ?s WHERE { ?s <urn:none> ?o }",
    "SELECT (COUNT(*) AS ?n) (SUM(1.5) AS ?d) (1 = 1 AS ?t) WHERE { ?s ?p ?o }",
])
def test_select_frame_gives_what_the_terms_give(odd_store: EmbeddedStore, sparql: str) -> None:
    want = odd_store.select(sparql).to_dataframe()
    got = select_frame(odd_store, sparql)
    pd.testing.assert_frame_equal(got, want)


def test_quoted_triples_take_the_generic_path(odd_store: EmbeddedStore) -> None:
    sparql = "SELECT ?t WHERE { BIND(<<( <urn:a> <urn:b> <urn:c> )>> AS ?t) }"
    pd.testing.assert_frame_equal(select_frame(odd_store, sparql),
                                  odd_store.select(sparql).to_dataframe())


def test_analytics_load_the_same_through_either_path(mpsc_store_path: Path) -> None:
    """``ReopeningStore`` has no ``select_tsv``, so it reads through Python terms."""
    generic = ReopeningStore(mpsc_store_path)
    with EmbeddedStore(mpsc_store_path, read_only=True) as fast:
        assert hasattr(fast, "select_tsv")
        assert not hasattr(generic, "select_tsv")
        a, b = load_graph_data(fast), load_graph_data(generic)
        for name in ("initiatives", "relations", "actors", "side_effects"):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
        assert len(a.initiatives) == 249
        assert len(a.side_effects) == 48
        pd.testing.assert_frame_equal(initiative_texts(fast), initiative_texts(generic))
        pd.testing.assert_frame_equal(solution_types(fast), solution_types(generic))


def test_a_syntax_error_is_a_usage_error_on_either_path() -> None:
    with EmbeddedStore() as st:
        for run in (st.select, st.select_tsv):
            with pytest.raises(UsageError, match="SPARQL syntax error"):
                run("SELECT ?s WHERE { ?s ?p }")
