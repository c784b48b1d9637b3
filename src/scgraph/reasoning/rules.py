"""Materialise what the ontology entails, as SPARQL rules, into a named graph.

The rules implement exactly the axioms of ``ontology/scgraph.ttl`` that add
triples about data: subclass and subproperty closure, domains and ranges of
object properties, inverse, symmetric and transitive properties, and the two
defined classes ``sc:CrossFieldInitiative`` and
``sc:InitiativeWithDataProtectionRisk``. The axioms are read from the store's
ontology graph, so a changed ontology changes the rules. The rules run to a
fixed point in an in-memory copy of the store; the result replaces the graph
:data:`~scgraph.namespaces.INFERRED_GRAPH` in one transaction.

``method="owlrl"`` computes the OWL 2 RL closure with the ``owlrl`` package
instead: more entailments (e.g. ``owl:sameAs`` reflexivity), much slower.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import pyoxigraph as ox

from scgraph import __version__
from scgraph.datasets import dataset_graphs, stale_graphs
from scgraph.errors import UsageError
from scgraph.ingest.mapping import xsd_datetime
from scgraph.memory import release_memory
from scgraph.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH, SC, sparql_prefixes
from scgraph.ontology import DATA_PROTECTION_EFFECTS
from scgraph.store.base import GraphStore
from scgraph.store.embedded import EmbeddedStore

__all__ = [
    "DEFINED_CLASSES",
    "MaterializeReport",
    "apply_rules",
    "drop_inferred",
    "materialize",
    "working_store",
]

#: Defined classes of the ontology and the SPARQL rule that computes their members.
DEFINED_CLASSES: dict[str, str] = {
    SC + "CrossFieldInitiative": """
        SELECT ?x WHERE {
          ?x a sc:Initiative ; sc:actionField ?f .
          ?all a owl:AllDifferent ; owl:distinctMembers/rdf:rest*/rdf:first ?f .
        } GROUP BY ?x HAVING (COUNT(DISTINCT ?f) >= 2)""",
    SC + "InitiativeWithDataProtectionRisk": f"""
        SELECT DISTINCT ?x WHERE {{
          VALUES ?kind {{ {" ".join(f"sce:{k}" for k in DATA_PROTECTION_EFFECTS)} }}
          ?x a sc:Initiative ; sc:hasSideEffect ?e .
          ?e a sc:Risk ; sc:effectKind ?kind .
        }}""",
}

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_G = f"<{INFERRED_GRAPH}>"


def _insert(head: str, where: str) -> str:
    """An INSERT of ``head`` (triples ?s ?p ?o-style) into the default graph and
    the inferred graph, for solutions of ``where`` not already known."""
    return (sparql_prefixes()
            + f"INSERT {{ {head} GRAPH {_G} {{ {head} }} }} WHERE {{ {where} "
            + f"FILTER NOT EXISTS {{ {head} }} }}")


def _generic_rules() -> list[str]:
    return [
        # subclass closure of stated and inferred types
        _insert("?x a ?d .", "?c rdfs:subClassOf+ ?d . FILTER(isIRI(?d) && ?d != owl:Thing) "
                "?x a ?c ."),
        # subproperty closure
        _insert("?s ?q ?o .", "?p rdfs:subPropertyOf+ ?q . FILTER(isIRI(?q)) ?s ?p ?o ."),
        # domains and ranges of object properties
        _insert("?s a ?c .", "?p a owl:ObjectProperty ; rdfs:domain ?c . FILTER(isIRI(?c)) "
                "?s ?p ?o ."),
        _insert("?o a ?c .", "?p a owl:ObjectProperty ; rdfs:range ?c . FILTER(isIRI(?c)) "
                "?s ?p ?o . FILTER(!isLiteral(?o))"),
        # inverse properties, both directions
        _insert("?o ?q ?s .", "?p owl:inverseOf ?q . ?s ?p ?o . FILTER(!isLiteral(?o))"),
        _insert("?o ?p ?s .", "?p owl:inverseOf ?q . ?s ?q ?o . FILTER(!isLiteral(?o))"),
        # symmetric properties
        _insert("?o ?p ?s .", "?p a owl:SymmetricProperty . ?s ?p ?o . "
                "FILTER(!isLiteral(?o))"),
    ]


def _transitive_rules(work: ox.Store) -> list[str]:
    q = sparql_prefixes() + "SELECT ?p WHERE { ?p a owl:TransitiveProperty FILTER(isIRI(?p)) }"
    result = work.query(q)
    assert isinstance(result, ox.QuerySolutions)
    rules = []
    for row in result:
        p = row["p"]
        assert isinstance(p, ox.NamedNode)
        rules.append(_insert(f"?s <{p.value}> ?o .", f"?s <{p.value}>/<{p.value}>+ ?o ."))
    return rules


def _defined_class_rules() -> list[str]:
    return [_insert(f"?x a <{cls}> .", f"{{ {select} }}")
            for cls, select in DEFINED_CLASSES.items()]


def working_store(store: GraphStore, leave_out: Collection[str] = ()) -> ox.Store:
    """An in-memory copy of ``store`` without the inferred graph and the graphs
    ``leave_out``, all in the default graph."""
    skip = {INFERRED_GRAPH, *leave_out}
    work = ox.Store()
    if isinstance(store, EmbeddedStore):
        # each graph's N-Triples through one file, loaded at once: no Python object per
        # triple, and blank nodes keep the labels the store gives them
        with tempfile.TemporaryFile() as data:
            for g in store.graphs():
                if g not in skip:
                    store.export_to(data, "nt", graph=g)
            data.seek(0)
            work.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
        return work
    triples = store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
        f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in sorted(skip))})) }}")
    work.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return work


def _count(work: ox.Store, pattern: str = "?s ?p ?o") -> int:
    """Triples of ``work``'s inferred graph that match ``pattern``."""
    result = work.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_G} {{ {pattern} }} }}")
    assert isinstance(result, ox.QuerySolutions)
    n = next(iter(result))["n"]
    assert isinstance(n, ox.Literal)
    return int(n.value)


def apply_rules(work: ox.Store) -> int:
    """Run the rules on ``work`` to a fixed point; return the number of rounds.

    Inferred triples go into the default graph (so that later rules see them) and
    into the inferred graph (so that they can be told apart).
    """
    rules = _generic_rules() + _transitive_rules(work) + _defined_class_rules()
    rounds, before = 0, -1
    while True:
        rounds += 1
        for rule in rules:
            work.update(rule)
        now = _count(work)
        if now == before:
            return rounds
        before = now


@dataclass(frozen=True)
class MaterializeReport:
    """What ``materialize`` wrote."""

    method: str
    triples: int
    """Inferred triples written (without the graph's own description)."""
    types: int
    """Of which ``rdf:type`` triples (class memberships)."""
    defined: dict[str, int]
    """Members of each defined class."""
    seconds: float
    graph: str = INFERRED_GRAPH
    left_out: dict[str, str] = field(default_factory=dict)
    """Graphs made from the datasets that were stale and not read, with why
    (:func:`~scgraph.datasets.stale_graphs`)."""


def _description(method: str, seconds: float, datasets: list[str]) -> list[ox.Triple]:
    g = ox.NamedNode(INFERRED_GRAPH)
    run = ox.NamedNode(INFERRED_GRAPH + "/run")
    prov, dct = "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/"
    how = ("SPARQL rules implementing the axioms of the scgraph ontology" if method == "sparql"
           else "the OWL 2 RL closure computed by the owlrl package")
    return [
        ox.Triple(g, _RDF_TYPE, ox.NamedNode(prov + "Entity")),
        ox.Triple(g, ox.NamedNode(dct + "title"), ox.Literal("inferred triples", language="en")),
        ox.Triple(g, ox.NamedNode(dct + "description"), ox.Literal(
            f"Triples inferred, not stated: entailments of the ontology and the data, computed "
            f"by `scgraph reason --materialize` with {how}. Replaced on every run; "
            f"`scgraph reason --drop` removes the graph.", language="en")),
        ox.Triple(g, ox.NamedNode(prov + "wasGeneratedBy"), run),
        ox.Triple(run, _RDF_TYPE, ox.NamedNode(prov + "Activity")),
        ox.Triple(run, ox.NamedNode(prov + "used"), ox.NamedNode(ONTOLOGY_GRAPH)),
        *(ox.Triple(run, ox.NamedNode(prov + "used"), ox.NamedNode(d)) for d in datasets),
        ox.Triple(run, ox.NamedNode(SC + "toolVersion"), ox.Literal(__version__)),
        ox.Triple(run, ox.NamedNode(prov + "endedAtTime"), ox.Literal(
            xsd_datetime(datetime.now(UTC)),
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))),
        ox.Triple(run, ox.NamedNode(dct + "description"), ox.Literal(
            f"method {method}; {seconds:.2f} s", language="en")),
    ]


def _owlrl_closure(work: ox.Store) -> None:
    """Put the OWL 2 RL closure of ``work``'s default graph into its inferred graph."""
    import owlrl
    from rdflib import BNode, Graph
    from rdflib import Literal as RLiteral

    data = work.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    graph = Graph().parse(data=data, format="nt")
    before = set(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    new = Graph()
    for s, p, o in set(graph) - before:
        if isinstance(s, RLiteral) or (s == o and str(p).endswith("#sameAs")):
            continue
        new.add((s, p, o))
    for s, p, o in new:  # keep blank nodes only where they came from the data
        if isinstance(s, BNode) and (s, None, None) not in graph:
            new.remove((s, p, o))
    text = new.serialize(format="nt", encoding="utf-8")
    work.load(text, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(INFERRED_GRAPH))


def materialize(store: GraphStore, *, method: Literal["sparql", "owlrl"] = "sparql",
                progress: Callable[[str], object] | None = None) -> MaterializeReport:
    """Compute the inferred triples and replace the inferred graph with them.

    >>> from scgraph.store import EmbeddedStore
    >>> from scgraph.ingest import ingest
    >>> with EmbeddedStore() as st:
    ...     _ = ingest(["tests/fixtures/small"], st)
    ...     report = materialize(st)
    >>> report.graph
    'https://w3id.org/scgraph/graph/inferred'
    >>> report.triples > 0
    True
    """
    if method not in ("sparql", "owlrl"):
        raise UsageError(f"unknown materialization method {method!r}; expected sparql or owlrl")
    present = store.graphs()
    if ONTOLOGY_GRAPH not in present:
        raise UsageError("the store holds no ontology graph; run `scgraph ingest` first")
    say = progress or (lambda _msg: None)
    start = time.perf_counter()
    # a stale screening graph may still type initiatives dropped since (sc:solutionType
    # has the domain sc:Initiative): what is inferred from it would bring them back
    stale = {g: why for g, why in stale_graphs(store).items() if g != INFERRED_GRAPH}
    say("copying the store")
    work = working_store(store, leave_out=stale)
    say(f"inferring ({method})")
    if method == "sparql":
        apply_rules(work)
    else:
        _owlrl_closure(work)
    seconds = time.perf_counter() - start
    triples = _count(work)
    types = _count(work, "?s a ?o")
    defined = {cls: _count(work, f"?s a <{cls}>") for cls in DEFINED_CLASSES}
    say("writing the inferred graph")
    graph = ox.NamedNode(INFERRED_GRAPH)
    work.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                for t in _description(method, seconds, dataset_graphs(present)))
    with tempfile.TemporaryFile() as inferred:
        work.dump(inferred, ox.RdfFormat.N_TRIPLES, from_graph=graph)
        del work  # the copy of the store, before the write needs memory of its own
        release_memory()
        inferred.seek(0)
        store.replace_graphs({INFERRED_GRAPH: inferred.read()})
    return MaterializeReport(method=method, triples=triples, types=types,
                             defined=defined, seconds=time.perf_counter() - start,
                             left_out=stale)


def drop_inferred(store: GraphStore) -> bool:
    """Remove the inferred graph; return whether there was one."""
    present = INFERRED_GRAPH in store.graphs()
    if present:
        store.drop_graphs([INFERRED_GRAPH])
    return present
