"""Map checked records to RDF (N-Triples lines) with deterministic IRIs.

The same records always give the same triples. Provenance of the dataset
(source files, time, tool version) is added by :func:`provenance_triples`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

from scgraph import __version__
from scgraph.ingest.actors import actor_classes
from scgraph.ingest.checks import CheckedDataset
from scgraph.ingest.records import Location
from scgraph.namespaces import (
    DATA,
    EFFECT,
    FIELD,
    PREFIXES,
    RELATION,
    SC,
    actor_iri,
    initiative_iri,
    municipality_iri,
    programme_iri,
    region_iri,
)
from scgraph.ontology import RELATION_PROPERTIES

__all__ = ["Mapped", "iri", "literal", "map_dataset", "provenance_triples"]

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]
PROV = PREFIXES["prov"]
_URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile('[\x00-\x1f\x7f"\\\\]')


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    return _ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def iri(value: str) -> str:
    """An IRI in N-Triples syntax."""
    return f"<{value}>"


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    """A literal in N-Triples syntax, escaped.

    >>> literal('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
    >>> literal("2021", XSD + "gYear")
    '"2021"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    """
    text = '"' + (_NEEDS_ESCAPE.sub(_escape, value) if _NEEDS_ESCAPE.search(value)
                  else value) + '"'
    if lang:
        return f"{text}@{lang}"
    if datatype and datatype != XSD + "string":
        return f"{text}^^<{datatype}>"
    return text


def _source(value: str) -> str:
    """A source: an IRI if it is a plain http(s) URL, else a literal."""
    return iri(value) if _URL.fullmatch(value) else literal(value)


def _decimal(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    if "." not in text:
        text += ".0"
    return literal(text, XSD + "decimal")


@dataclass(slots=True)
class Mapped:
    """Triples of one dataset, and where each record's subject came from."""

    triples: list[str] = field(default_factory=list)
    locations: dict[str, tuple[Location, str]] = field(default_factory=dict)

    def add(self, s: str, p: str, o: str) -> None:
        self.triples.append(f"{s} <{p}> {o} .\n")


def _segment(value: str) -> str:
    return quote(value, safe="")


def map_dataset(ds: CheckedDataset) -> Mapped:
    """Map a checked dataset to triples (without provenance)."""
    m = Mapped()
    add = m.add
    parents = {r.source_id for r in ds.relations if r.relation == "part_of"}
    actors_seen: set[str] = set()
    places_seen: set[str] = set()
    programmes_seen: set[str] = set()
    for ini in ds.initiatives:
        s = iri(initiative_iri(ini.id))
        m.locations[initiative_iri(ini.id)] = (ini.loc, ini.id)
        kind = ini.kind or ("measure" if ini.id in parents else "project")
        add(s, RDF_TYPE, iri(SC + "Initiative"))
        add(s, RDF_TYPE, iri(SC + kind.capitalize()))
        add(s, DCT + "identifier", literal(ini.id))
        add(s, RDFS_LABEL, literal(ini.name))
        for f in ini.action_fields:
            add(s, SC + "actionField", iri(FIELD + f))
        if ini.description:
            add(s, DCT + "description", literal(ini.description))
        if ini.year is not None:
            add(s, SC + "year", literal(str(ini.year), XSD + "gYear"))
        if ini.funding_federal_eur is not None:
            add(s, SC + "fundingFederalEur", _decimal(ini.funding_federal_eur))
        if ini.funding_total_eur is not None:
            add(s, SC + "fundingTotalEur", _decimal(ini.funding_total_eur))
        if ini.funding_note:
            add(s, SC + "fundingNote", literal(ini.funding_note))
        if ini.status:
            add(s, SC + "status", literal(ini.status))
        for src in ini.sources:
            add(s, DCT + "source", _source(src))
        if ini.municipality:
            mun = municipality_iri(ini.municipality)
            add(s, SC + "municipality", iri(mun))
            if mun not in places_seen:
                places_seen.add(mun)
                add(iri(mun), RDF_TYPE, iri(SC + "Actor"))
                add(iri(mun), RDF_TYPE, iri(SC + "PublicAuthority"))
                add(iri(mun), RDF_TYPE, iri(SC + "Municipality"))
                add(iri(mun), RDFS_LABEL, literal(ini.municipality))
            if ini.country:
                add(iri(mun), SC + "country", literal(ini.country))
            if ini.region:
                reg = region_iri(ini.region)
                add(iri(mun), SC + "inRegion", iri(reg))
                if reg not in places_seen:
                    places_seen.add(reg)
                    add(iri(reg), RDF_TYPE, iri(SC + "Region"))
                    add(iri(reg), RDFS_LABEL, literal(ini.region))
        if ini.programme:
            prog = programme_iri(ini.programme)
            add(s, SC + "programme", iri(prog))
            if ini.id not in parents and kind != "programme":
                add(s, SC + "partOf", iri(prog))
            if ini.programme_note:
                add(s, SC + "programmeNote", literal(ini.programme_note))
            if prog not in programmes_seen:
                programmes_seen.add(prog)
                add(iri(prog), RDF_TYPE, iri(SC + "Programme"))
                add(iri(prog), RDFS_LABEL, literal(ini.programme))
        for name in ini.actors:
            a = actor_iri(name)
            add(s, SC + "hasActor", iri(a))
            if a not in actors_seen:
                actors_seen.add(a)
                for cls in actor_classes(name):
                    add(iri(a), RDF_TYPE, iri(SC + cls))
                add(iri(a), RDFS_LABEL, literal(name))
        for st in ini.solution_types:
            add(s, SC + "solutionType", iri(f"{PREFIXES['scs']}{_segment(st)}"))

    for rel in ds.relations:
        s, o = iri(initiative_iri(rel.source_id)), iri(initiative_iri(rel.target_id))
        add(s, RELATION_PROPERTIES[rel.relation], o)
        node = (f"{DATA}interaction/{_segment(rel.source_id)}/{rel.relation}/"
                f"{_segment(rel.target_id)}")
        m.locations[node] = (rel.loc, f"{rel.source_id} {rel.relation} {rel.target_id}")
        n = iri(node)
        add(n, RDF_TYPE, iri(SC + "Interaction"))
        add(n, SC + "fromInitiative", s)
        add(n, SC + "toInitiative", o)
        add(n, SC + "relationType", iri(RELATION + rel.relation))
        add(n, SC + "confidence", literal(rel.confidence))
        if rel.evidence:
            add(n, SC + "evidence", literal(rel.evidence))
        for src in rel.sources:
            add(n, DCT + "source", _source(src))

    for kind in ds.new_effect_kinds:
        k = iri(EFFECT + kind)
        add(k, RDF_TYPE, iri(SKOS + "Concept"))
        add(k, SKOS + "inScheme", iri(SC + "SideEffectKinds"))
        add(k, SKOS + "notation", literal(kind))
        add(k, SKOS + "prefLabel", literal(kind.replace("_", " "), lang="en"))

    for eff in ds.side_effects:
        node = f"{DATA}side-effect/{_segment(eff.initiative_id)}/{eff.ordinal}"
        m.locations[node] = (eff.loc, f"{eff.initiative_id} {eff.effect}")
        n = iri(node)
        add(n, RDF_TYPE, iri(SC + "SideEffect"))
        add(n, RDF_TYPE, iri(SC + ("Risk" if eff.polarity == "risk" else "Benefit")))
        add(n, SC + "sideEffectOf", iri(initiative_iri(eff.initiative_id)))
        add(n, SC + "effectKind", iri(EFFECT + eff.effect))
        for f in eff.affects_fields:
            add(n, SC + "affectsField", iri(FIELD + f))
        if eff.description:
            add(n, DCT + "description", literal(eff.description))
        if eff.mitigation:
            add(n, SC + "mitigation", literal(eff.mitigation))
        for src in eff.sources:
            add(n, DCT + "source", _source(src))
    m.triples = list(dict.fromkeys(m.triples))
    return m


def provenance_triples(graph: str, *, name: str, metadata: dict[str, object],
                       files: Iterable[tuple[str, str]], when: datetime) -> list[str]:
    """Triples that describe the dataset graph and the run that wrote it.

    ``files`` are (file name, sha256 of its bytes) pairs.
    """
    m = Mapped()
    g = iri(graph)
    run = iri(graph + "/ingest")
    m.add(g, RDF_TYPE, iri(PREFIXES["dcat"] + "Dataset"))
    m.add(g, DCT + "identifier", literal(name))
    m.add(g, DCT + "title", literal(str(metadata.get("title") or name)))
    if metadata.get("licence"):
        m.add(g, DCT + "license", literal(str(metadata["licence"])))
    if metadata.get("description"):
        m.add(g, DCT + "description", literal(str(metadata["description"])))
    sources = metadata.get("sources") or []
    for src in sources if isinstance(sources, list) else [sources]:
        m.add(g, DCT + "source", _source(str(src)))
    m.add(g, PROV + "wasGeneratedBy", run)
    m.add(run, RDF_TYPE, iri(PROV + "Activity"))
    m.add(run, PROV + "endedAtTime", literal(when.isoformat(), XSD + "dateTime"))
    m.add(run, SC + "toolVersion", literal(f"scgraph {__version__}"))
    for fname, digest in files:
        f = iri(f"{graph}/file/{_segment(fname)}")
        m.add(run, PROV + "used", f)
        m.add(f, RDF_TYPE, iri(PROV + "Entity"))
        m.add(f, DCT + "title", literal(fname))
        m.add(f, SC + "sha256", literal(digest))
    return m.triples
