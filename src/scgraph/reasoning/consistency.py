"""Consistency of the ontology and the data under HermiT, in per-municipality batches.

HermiT's time can grow faster than linearly with the data (with classification, as
owlready2's ``sync_reasoner`` runs it: about 6 s at 500 initiatives, 100 s at 2,000;
see docs/ontology.md), so the data is not reasoned over in one piece.
Each initiative forms a chunk with its side effects and qualified interaction
nodes; a chunk carries the triples of its nodes and of every node they
reference (actors, municipality, programme, linked initiatives). Chunks are
grouped by municipality and packed into batches of at most ``batch_size``
initiatives; every batch is checked together with the whole ontology. What no
initiative refers to (datasets, provenance, unreferenced actors) goes with the
first batch.
The split is exact for this ontology: each of its axioms that can clash
(disjoint classes, domains and ranges, functional properties, data ranges)
concerns one individual and its direct neighbours, all of which are in the chunk.

An inconsistent batch is explained in words by SPARQL checks over the batch's
individuals and what the rules of :mod:`scgraph.reasoning.rules` infer.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from scgraph.errors import ReasonerError, UsageError
from scgraph.namespaces import ONTOLOGY_GRAPH, PREFIXES, sparql_prefixes
from scgraph.reasoning.rules import apply_rules, working_store
from scgraph.store.base import GraphStore

__all__ = [
    "ConsistencyReport",
    "Inconsistency",
    "check_consistency",
    "hermit_consistent",
]


@dataclass(frozen=True, slots=True)
class Inconsistency:
    """One reason why the data contradicts the ontology.

    >>> str(Inconsistency(("https://w3id.org/scgraph/id/test/x",), "sc:Risk disjointWith "
    ...     "sc:Benefit", "x is typed both sc:Risk and sc:Benefit"))
    'x is typed both sc:Risk and sc:Benefit [axiom: sc:Risk disjointWith sc:Benefit]'
    """

    individuals: tuple[str, ...]
    axiom: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} [axiom: {self.axiom}]"


@dataclass
class ConsistencyReport:
    """Result of :func:`check_consistency`."""

    consistent: bool
    batches: int
    initiatives: int
    seconds: float
    inconsistent_batches: list[list[str]] = field(default_factory=list)
    """For each inconsistent batch, the municipalities (IRIs) it holds."""
    problems: list[Inconsistency] = field(default_factory=list)


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and prefix not in ("scid",):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def hermit_consistent(ntriples: bytes) -> bool:
    """Whether HermiT finds these N-Triples (ontology and data) consistent.

    Runs the HermiT bundled with owlready2 with ``--consistency`` only (no
    classification); literals of datatypes outside OWL 2's datatype map
    (``xsd:gYear``) are ignored.
    """
    import owlready2
    from owlready2 import reasoning

    with tempfile.TemporaryDirectory(prefix="scgraph-hermit-") as tmp:
        path = Path(tmp) / "batch.nt"
        path.write_bytes(ntriples)
        command = [owlready2.JAVA_EXE, f"-Xmx{reasoning.JAVA_MEMORY}M", "-cp",
                   reasoning._HERMIT_CLASSPATH, "org.semanticweb.HermiT.cli.CommandLine",
                   "--consistency", "--ignoreUnsupportedDatatypes", path.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise ReasonerError(f"cannot run Java for HermiT ({command[0]}): {exc}; "
                                "install a Java runtime (`make system-deps`)") from exc
    if done.returncode == 0 and "is satisfiable" in done.stdout:
        return True
    if "InconsistentOntologyException" in done.stderr or "Inconsistent ontology" in done.stderr:
        return False
    lines = (done.stderr or done.stdout).strip().splitlines()
    # Java's message is the line that names the exception, not the stack frames after it
    said = [ln.strip() for ln in lines if "Exception" in ln and not ln.strip().startswith("at ")]
    shown = said[:2] or lines[-3:]
    raise ReasonerError("HermiT failed (exit " + str(done.returncode) + "): " + " | ".join(shown))


def _rows(work: ox.Store, sparql: str) -> list[dict[str, str]]:
    result = work.query(sparql_prefixes() + sparql)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value
             for n in names if (t := row[n]) is not None} for row in result]


def _chunks(work: ox.Store) -> dict[str, list[str]]:
    """Municipality IRI (or "") -> nodes anchored by its initiatives."""
    rows = _rows(work, """
        SELECT ?i (SAMPLE(?m0) AS ?m) WHERE {
          ?i a sc:Initiative . OPTIONAL { ?i sc:municipality ?m0 }
        } GROUP BY ?i""")
    by_mun: dict[str, list[str]] = {}
    owner = {r["i"]: r.get("m", "") for r in rows}
    for ini, mun in owner.items():
        by_mun.setdefault(mun, []).append(ini)
    attached = _rows(work, """
        SELECT DISTINCT ?x ?i WHERE {
          { ?x sc:sideEffectOf ?i } UNION { ?i sc:hasSideEffect ?x }
          UNION { ?x sc:fromInitiative ?i } UNION { ?x a sc:Interaction ; sc:toInitiative ?i
                  FILTER NOT EXISTS { ?x sc:fromInitiative ?any } }
          ?i a sc:Initiative .
        }""")
    for r in attached:
        by_mun.setdefault(owner.get(r["i"], ""), []).append(r["x"])
    return by_mun


def _term(iri: str) -> str:
    return f"_:{iri[2:]}" if iri.startswith("_:") else f"<{iri}>"


def _batch_triples(work: ox.Store, nodes: Iterable[str]) -> bytes:
    nodes = list(nodes)
    values = " ".join(_term(n) for n in nodes if not n.startswith("_:"))
    q = (f"CONSTRUCT {{ ?a ?p ?o . ?o ?p2 ?o2 }} WHERE {{ VALUES ?a {{ {values} }} "
         f"?a ?p ?o OPTIONAL {{ ?o ?p2 ?o2 FILTER(!isBlank(?o)) }} }}")
    result = work.query(q)
    assert isinstance(result, ox.QueryTriples)
    triples = list(result)
    # a blank node (a side effect or interaction an RDF file wrote so) cannot be named in
    # a query: its own triples are taken from the store directly
    for n in nodes:
        if n.startswith("_:"):
            triples += [q.triple for q in work.quads_for_pattern(ox.BlankNode(n[2:]), None,
                                                                 None, ox.DefaultGraph())]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _rest_triples(work: ox.Store, anchored: set[str], ontology_subjects: set[str]) -> bytes:
    skip = anchored | ontology_subjects
    triples = [q.triple for q in work.quads_for_pattern(None, None, None, ox.DefaultGraph())
               if not (isinstance(q.subject, ox.NamedNode) and q.subject.value in skip)
               and not isinstance(q.subject, ox.BlankNode)]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _explain(work: ox.Store, individuals: set[str],
             stated: set[tuple[str, str]]) -> list[Inconsistency]:
    """SPARQL checks, in words, for the known kinds of clash among ``individuals``.

    ``work`` holds the data with what the rules infer; ``stated`` the types the
    data states.
    """
    values = " ".join(f"<{i}>" for i in sorted(individuals) if not i.startswith("_:"))
    found: list[Inconsistency] = []

    def label(x: str) -> str:
        rows = _rows(work, f"SELECT ?l WHERE {{ <{x}> rdfs:label ?l }} LIMIT 1")
        kind = "individual"
        for cls, name in (("Initiative", "initiative"), ("SideEffect", "side effect"),
                          ("Interaction", "interaction"), ("Actor", "actor")):
            if (x, PREFIXES["sc"] + cls) in stated or _has_type(work, x, PREFIXES["sc"] + cls):
                kind = name
                break
        name = f" ({rows[0]['l']!r})" if rows else ""
        return f"{kind} <{x}>{name}"

    def why(x: str, cls: str) -> str:
        if (x, cls) in stated:
            return "stated"
        via = _rows(work, f"""
            SELECT ?how WHERE {{
              {{ <{x}> a ?c . ?c rdfs:subClassOf+ <{cls}> . BIND(CONCAT("inferred from its type ",
                 STR(?c)) AS ?how) }}
              UNION {{ ?p rdfs:domain <{cls}> . ?q rdfs:subPropertyOf* ?p . <{x}> ?q ?o .
                 BIND(CONCAT("inferred from its property ", STR(?q), " (domain)") AS ?how) }}
              UNION {{ ?p rdfs:range <{cls}> . ?q rdfs:subPropertyOf* ?p . ?s ?q <{x}> .
                 BIND(CONCAT("inferred because ", STR(?s), " links to it with ", STR(?q),
                      " (range)") AS ?how) }}
            }} LIMIT 1""")
        return via[0]["how"] if via else "inferred"

    for r in _rows(work, f"""
        SELECT DISTINCT ?x ?c ?d WHERE {{
          VALUES ?x {{ {values} }}
          {{ ?c owl:disjointWith ?d }} UNION {{ ?d owl:disjointWith ?c }}
          UNION {{ ?all a owl:AllDisjointClasses ;
                        owl:members/rdf:rest*/rdf:first ?c , ?d . FILTER(?c != ?d) }}
          ?x a ?c , ?d . FILTER(STR(?c) < STR(?d))
        }} ORDER BY ?x ?c ?d"""):
        x, c, d = r["x"], r["c"], r["d"]
        found.append(Inconsistency(
            (x,), f"{_short(c)} and {_short(d)} are disjoint",
            f"{label(x)} is typed both {_short(c)} ({why(x, c)}) and {_short(d)} "
            f"({why(x, d)}), which the ontology declares disjoint"))
    for r in _rows(work, f"""
        SELECT ?x ?p ?v1 ?v2 WHERE {{
          VALUES ?x {{ {values} }}
          ?p a owl:FunctionalProperty , owl:DatatypeProperty .
          ?x ?p ?v1 , ?v2 . FILTER(STR(?v1) < STR(?v2))
        }} ORDER BY ?x ?p"""):
        found.append(Inconsistency(
            (r["x"],), f"{_short(r['p'])} is functional",
            f"{label(r['x'])} has two values for {_short(r['p'])}, {r['v1']!r} and "
            f"{r['v2']!r}, but the ontology allows at most one"))
    for r in _rows(work, f"""
        SELECT ?x ?p ?v WHERE {{
          VALUES ?x {{ {values} }}
          ?p rdfs:range ?r . ?r owl:oneOf ?list . ?x ?p ?v .
          FILTER NOT EXISTS {{ ?list rdf:rest*/rdf:first ?ok FILTER(STR(?ok) = STR(?v)) }}
        }} ORDER BY ?x ?p"""):
        allowed = [row["ok"] for row in _rows(work, f"""
            SELECT ?ok WHERE {{ <{r['p']}> rdfs:range/owl:oneOf/rdf:rest*/rdf:first ?ok }}""")]
        found.append(Inconsistency(
            (r["x"],), f"range of {_short(r['p'])} is one of {', '.join(sorted(allowed))}",
            f"{label(r['x'])} has {_short(r['p'])} {r['v']!r}, which is not among the "
            f"values the ontology allows ({', '.join(sorted(allowed))})"))
    for r in _rows(work, f"""
        SELECT ?x ?p ?v ?dt ?range WHERE {{
          VALUES ?x {{ {values} }}
          ?p a owl:DatatypeProperty ; rdfs:range ?range . FILTER(isIRI(?range))
          FILTER(?range IN (xsd:decimal, xsd:string, xsd:dateTime))
          ?x ?p ?v . BIND(DATATYPE(?v) AS ?dt)
          FILTER(?dt != ?range && !(?range = xsd:decimal && ?dt = xsd:integer))
        }} ORDER BY ?x ?p"""):
        found.append(Inconsistency(
            (r["x"],), f"range of {_short(r['p'])} is {_short(r['range'])}",
            f"{label(r['x'])} has {_short(r['p'])} {r['v']!r} of type {_short(r['dt'])}, "
            f"but the ontology requires {_short(r['range'])}"))
    return found


def _stated_types(work: ox.Store) -> set[tuple[str, str]]:
    out = set()
    for q in work.quads_for_pattern(None, ox.NamedNode(PREFIXES["rdf"] + "type"), None,
                                    ox.DefaultGraph()):
        if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
            out.add((q.subject.value, q.object.value))
    return out


def _has_type(work: ox.Store, x: str, cls: str) -> bool:
    return bool(work.query(f"ASK {{ <{x}> a <{cls}> }}"))


def _pack(by_mun: dict[str, list[str]], sizes: dict[str, int],
          batch_size: int) -> list[list[str]]:
    batches: list[list[str]] = []
    current: list[str] = []
    n = 0
    for mun in sorted(by_mun):
        if current and n + sizes[mun] > batch_size:
            batches.append(current)
            current, n = [], 0
        current.append(mun)
        n += sizes[mun]
    if current:
        batches.append(current)
    return batches


def check_consistency(store: GraphStore, *, batch_size: int = 2000,
                      progress: Callable[[str], object] | None = None) -> ConsistencyReport:
    """Check the ontology and the data under HermiT, batch by batch.

    The inferred graph is left out: it follows from the rest. Returns a report;
    ``problems`` explains each inconsistent batch in words.
    """
    if batch_size < 1:
        raise UsageError(f"batch size must be at least 1, not {batch_size}")
    if ONTOLOGY_GRAPH not in store.graphs():
        raise UsageError("the store holds no ontology graph; run `scgraph ingest` first")
    say = progress or (lambda _msg: None)
    start = time.perf_counter()
    work = working_store(store)
    ontology = store.export("nt", graph=ONTOLOGY_GRAPH)
    ontology_subjects = {q.subject.value for q in ox.parse(ontology,
                                                           format=ox.RdfFormat.N_TRIPLES)
                         if isinstance(q.subject, ox.NamedNode)}
    by_mun = _chunks(work)
    initiatives = {r["i"] for r in _rows(work, "SELECT ?i WHERE { ?i a sc:Initiative }")}
    sizes = {m: sum(1 for n in nodes if n in initiatives) for m, nodes in by_mun.items()}
    batches = _pack(by_mun, sizes, batch_size) or [[]]
    by_mun.setdefault("", [])
    anchored = {n for nodes in by_mun.values() for n in nodes}
    report = ConsistencyReport(consistent=True, batches=len(batches),
                               initiatives=len(initiatives), seconds=0.0)
    bad: list[set[str]] = []
    rest = _rest_triples(work, anchored, ontology_subjects)
    rest_subjects = {t.subject.value for t in ox.parse(rest, format=ox.RdfFormat.N_TRIPLES)
                     if isinstance(t.subject, ox.NamedNode)}
    for k, munis in enumerate(batches, 1):
        nodes = [n for m in munis for n in by_mun[m]]
        say(f"HermiT: batch {k}/{len(batches)} ({sum(sizes[m] for m in munis)} initiatives)")
        data = _batch_triples(work, nodes)
        if k == 1:  # what no initiative refers to travels with the first batch
            data += b"\n" + rest
            nodes += sorted(rest_subjects)
        if not hermit_consistent(ontology + b"\n" + data):
            report.inconsistent_batches.append(munis)
            bad.append(set(nodes) | set(munis) - {""})
    if bad:
        report.consistent = False
        say("explaining")
        stated = _stated_types(work)
        apply_rules(work)
        for members in bad:
            neighbours = {r["o"] for r in _rows(work, "SELECT DISTINCT ?o WHERE { VALUES ?s { "
                          + " ".join(_term(n) for n in members if not n.startswith("_:"))
                          + " } ?s ?p ?o FILTER(isIRI(?o)) }")}
            for p in _explain(work, members | (neighbours - ontology_subjects), stated):
                if p not in report.problems:
                    report.problems.append(p)
        if not report.problems:
            report.problems.append(Inconsistency(
                (), "(not identified)",
                "HermiT finds the data inconsistent with the ontology, but none of the "
                "known kinds of clash (disjoint classes, functional data properties, "
                "data ranges) explains it; the municipalities of the inconsistent batches: "
                + "; ".join(", ".join(m or "(none)" for m in munis) or "(data no initiative "
                            "refers to)" for munis in report.inconsistent_batches)))
    report.seconds = time.perf_counter() - start
    return report
