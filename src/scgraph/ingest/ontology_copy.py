"""The ontology's own triples in an RDF file, found so that ingest can leave them out.

An export as N-Triples or Turtle merges every graph into one, the ontology's too. Ingested
again, that copy would sit in the dataset's graph beside the ontology graph every ingest
writes, and queries over the union would see each of its triples twice (a field's two
labels, say, give four rows). A triple is the ontology's if the ontology has it. A blank
node (an OWL restriction or list) is compared by what it says, recursively, since its
label differs from file to file; its triples are left out only if whatever refers to it
is left out too, so that a structure the file changed stays whole.

>>> line = sorted(ontology_lines())[0]
>>> without_ontology([line, "<urn:a> <urn:p> <urn:b> .\\n"])
['<urn:a> <urn:p> <urn:b> .\\n']
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence

import pyoxigraph as ox

from scgraph.ingest.validation import ontology_ntriples

__all__ = ["ontology_lines", "without_ontology"]

_Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _shapes(triples: Sequence[ox.Triple]) -> list[str]:
    """These triples as N-Triples lines, each blank node named by a digest of what it says
    (a node on a cycle is named by its own label there, and so matches nothing)."""
    said: dict[str, list[tuple[str, _Term]]] = {}
    for t in triples:
        if isinstance(t.subject, ox.BlankNode):
            said.setdefault(str(t.subject), []).append((str(t.predicate), t.object))
    names: dict[str, str] = {}

    def name(node: str, path: frozenset[str]) -> str:
        if node in path:
            return node
        if node not in names:
            parts = sorted(f"{p} {term(o, path | {node})}" for p, o in said.get(node, []))
            names[node] = "_:o" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
        return names[node]

    def term(t: _Term, path: frozenset[str] = frozenset()) -> str:
        return name(str(t), path) if isinstance(t, ox.BlankNode) else str(t)

    return [f"{term(t.subject)} {t.predicate} {term(t.object)} .\n" for t in triples]


def _triples(lines: Sequence[str]) -> list[ox.Triple]:
    return [q.triple for q in ox.parse("".join(lines).encode(), format=ox.RdfFormat.N_TRIPLES)]


@functools.cache
def ontology_lines() -> frozenset[str]:
    """The ontology's triples as N-Triples lines, blank nodes named by what they say: as
    the ontology file writes them, and as the store gives them back (Oxigraph stores an
    ``xsd:nonNegativeInteger`` as an ``xsd:integer``, so an export says that)."""
    written = ontology_ntriples()
    store = ox.Store()
    store.bulk_load(written, format=ox.RdfFormat.N_TRIPLES)
    stored = [q.triple for q in store]
    return frozenset(_shapes(_triples(written.decode().splitlines(keepends=True)))
                     + _shapes(stored))


def without_ontology(lines: list[str]) -> list[str]:
    """These N-Triples lines (``<s> <p> o .`` as Oxigraph writes them) without the
    ontology's own triples."""
    own = ontology_lines()
    kept = [x for x in lines if x not in own]
    blank = [x for x in kept if "_:" in x]  # a blank node, perhaps (or a text with "_:")
    if not blank:
        return kept
    triples = _triples(blank)
    found = [shape in own for shape in _shapes(triples)]
    # a blank node's triples stay if anything that stays refers to it
    by_subject: dict[str, list[int]] = {}
    referrers: dict[str, list[int]] = {}
    for i, t in enumerate(triples):
        if isinstance(t.subject, ox.BlankNode):
            by_subject.setdefault(str(t.subject), []).append(i)
        if isinstance(t.object, ox.BlankNode):
            referrers.setdefault(str(t.object), []).append(i)
    changed = True
    while changed:
        changed = False
        for node, rows in by_subject.items():
            if found[rows[0]] and not all(found[i] for i in referrers.get(node, [])):
                for i in rows:
                    found[i] = False
                changed = True
    dropped = {x for x, f in zip(blank, found, strict=True) if f}
    return [x for x in kept if x not in dropped] if dropped else kept
