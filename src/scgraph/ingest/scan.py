"""What N-Triples say of initiatives and places, found by searching their text.

An RDF file given to ``ingest`` is kept as N-Triples lines ``<s> <p> o .`` (as Oxigraph
writes them); parsing millions of lines again to find a few kinds of statement would take
seconds, so these functions search the text. Each pattern starts with a newline: a
pattern that starts with text is searched for fast, while one anchored with ``^`` tries
every position of a large file (1.8-2.6 s against 0.2-0.8 s on the 2.37 million lines of
100,000 initiatives). The first line of a document is looked at apart.

>>> doc = (b"<https://w3id.org/scgraph/id/initiative/A> "
...        b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
...        b"<https://w3id.org/scgraph/ontology#Initiative> .\\n")
>>> typed_initiatives([doc])
{'https://w3id.org/scgraph/id/initiative/A'}
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

import pyoxigraph as ox

from scgraph.ingest.checks import KINDS
from scgraph.namespaces import PREFIXES, SC, initiative_iri, municipality_iri

__all__ = ["described_initiatives", "initiative_iris", "kinds_said", "named_iris",
           "places_said", "self_links", "typed", "typed_initiatives", "without_initiatives"]

#: The classes of the kinds of initiative; the ontology makes them disjoint.
_KINDS = tuple(k.capitalize() for k in KINDS)

_TYPED = re.compile(rb"(?:>|(_:\S+)) " + re.escape(f"<{PREFIXES['rdf']}type> <{SC}".encode())
                    + rb"(\w+)> \.\n")
_INITIATIVE_IRI = re.compile(rb"<(" + re.escape(initiative_iri("").encode()) + rb"[^>]*)>")
_DESCRIBED = re.compile(rb"\n<(" + re.escape(initiative_iri("").encode()) + rb"[^>]*)> ")
_IRI = re.compile(rb"<([^>\s]*)>")
_KIND_SAID = re.compile(rb"\n(<" + re.escape(initiative_iri("").encode()) + rb"[^>\n]*> <"
                        + re.escape(PREFIXES["rdf"].encode()) + rb"type> <"
                        + re.escape(SC.encode()) + rb"(?:" + "|".join(_KINDS).encode()
                        + rb")>) \.")
_PLACE_SAID = re.compile(rb"\n(<" + re.escape(municipality_iri("").encode()) + rb"[^>\n]*> <"
                         + re.escape(SC.encode()) + rb"(?:inRegion|country)> [^\n]*)")


def _line_starts(document: bytes, pattern: re.Pattern[bytes]) -> list[Any]:
    """What ``pattern`` (which starts with a newline) finds at every line start, in the
    order of the lines: its group, or the tuple of its groups if it has several."""
    first = pattern.match(b"\n" + document[:document.find(b"\n") + 1])
    head = [] if first is None else [first.group(1) if pattern.groups == 1 else first.groups()]
    return head + pattern.findall(document)


def typed(documents: Iterable[bytes], *classes: str, blank: bool = False
          ) -> dict[str, set[str]]:
    """For each of these classes of scgraph's ontology (``"Initiative"``, say), the IRIs
    that these N-Triples type with it; with ``blank``, the blank nodes too (``_:label``;
    labels are the document's, so count them only within one document)."""
    found: dict[str, set[str]] = {c: set() for c in classes}
    for d in documents:
        for m in _TYPED.finditer(d):
            nodes = found.get(m.group(2).decode())
            if nodes is None:
                continue
            if m.group(1) is not None:
                if blank:
                    nodes.add(m.group(1).decode())
            else:  # the subject: from the line's start
                nodes.add(d[d.rfind(b"\n", 0, m.start()) + 2:m.start()].decode())
    return found


def typed_initiatives(documents: Iterable[bytes]) -> set[str]:
    """The IRIs that these N-Triples type ``sc:Initiative``."""
    return typed(documents, "Initiative")["Initiative"]


def described_initiatives(documents: Iterable[bytes]) -> set[str]:
    """The initiative IRIs that are the subject of a line of these N-Triples."""
    return {m.decode() for d in documents for m in set(_line_starts(d, _DESCRIBED))}


def initiative_iris(documents: Iterable[bytes]) -> set[str]:
    """Every IRI in the initiatives' namespace that these N-Triples name."""
    return {m.decode() for d in documents for m in set(_INITIATIVE_IRI.findall(d))}


def without_initiatives(document: bytes, iris: Collection[str]) -> bytes:
    """These N-Triples without the lines that name one of these initiative IRIs."""
    gone = {x.encode() for x in iris}
    return b"\n".join(line for line in document.split(b"\n")
                      if not any(m in gone for m in _INITIATIVE_IRI.findall(line)))


def named_iris(documents: Iterable[bytes]) -> set[str]:
    """Every IRI that these N-Triples name (in a text too: a superset is enough for
    what it is used for)."""
    return {m.decode() for d in documents for m in set(_IRI.findall(d))}


def places_said(documents: Iterable[bytes]) -> list[tuple[str, str, str]]:
    """(municipality IRI, "region" or "country", region IRI or country) for each line of
    these N-Triples that says where a municipality lies, in the order of the lines."""
    lines = b"\n".join(line for d in documents for line in _line_starts(d, _PLACE_SAID))
    return [(t.subject.value, "region" if t.predicate.value.endswith("inRegion") else "country",
             t.object.value) for t in ox.parse(lines, format=ox.RdfFormat.N_TRIPLES)]


_SELF_LINK = re.compile(rb"\n(<" + re.escape(initiative_iri("").encode()) + rb"[^>\n]*>) <"
                        + re.escape(SC.encode()) + rb"(\w+)> \1 \.")
_ENDS = re.compile(rb"\n(<[^>\n]*>) <" + re.escape(SC.encode())
                   + rb"(from|to)Initiative> (<[^>\n]*>) \.")


def self_links(documents: Iterable[bytes]) -> list[tuple[str, str]]:
    """(initiative IRI, property) for each link these N-Triples make from an initiative
    to itself: a triple of scgraph's property with the initiative as subject and object
    (``sc:dependsOn``, ``sc:partOf``, ...), or an interaction from and to it
    (``toInitiative``), sorted.

    >>> a = b"<https://w3id.org/scgraph/id/initiative/A>"
    >>> self_links([a + b" <https://w3id.org/scgraph/ontology#partOf> " + a + b" .\\n"])
    [('https://w3id.org/scgraph/id/initiative/A', 'partOf')]
    """
    found: set[tuple[str, str]] = set()
    ends: dict[tuple[bytes, bytes], set[bytes]] = {}
    for d in documents:
        for subject, prop in _line_starts(d, _SELF_LINK):
            found.add((subject[1:-1].decode(), prop.decode()))
        for node, end, target in _line_starts(d, _ENDS):
            ends.setdefault((node, end), set()).add(target)
    for (node, end), targets in ends.items():
        if end == b"to":
            for x in targets & ends.get((node, b"from"), set()):
                found.add((x[1:-1].decode(), "toInitiative"))
    return sorted(found)


def kinds_said(documents: Iterable[bytes]) -> dict[str, set[str]]:
    """The kinds (``Programme``, ``Project``, ``Measure``) these N-Triples give each
    initiative they give one.

    >>> kinds_said([b"<https://w3id.org/scgraph/id/initiative/A> "
    ...             b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    ...             b"<https://w3id.org/scgraph/ontology#Measure> .\\n"])
    {'https://w3id.org/scgraph/id/initiative/A': {'Measure'}}
    """
    found: dict[str, set[str]] = {}
    for d in documents:
        for line in _line_starts(d, _KIND_SAID):
            subject, _type, kind = line.decode().split(" ")
            found.setdefault(subject[1:-1], set()).add(kind[len(SC) + 1:-1])
    return found
