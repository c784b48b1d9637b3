"""Map checked records to RDF (N-Triples lines) with deterministic IRIs.

The same records always give the same triples. Provenance of the dataset
(source files, time, tool version) is added by :func:`provenance_triples`.
"""

from __future__ import annotations

import functools
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
    is_url,
    municipality_iri,
    programme_iri,
    region_iri,
)
from scgraph.ontology import RELATION_PROPERTIES

__all__ = ["Mapped", "iri", "literal", "map_dataset", "provenance_triples", "side_effect_iri",
           "xsd_datetime"]

RDF_TYPE = PREFIXES["rdf"] + "type"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
XSD = PREFIXES["xsd"]
DCT = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]
PROV = PREFIXES["prov"]
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
    """A source: an IRI if it is a plain http(s) URL (checked to be a valid IRI), else a
    literal."""
    return iri(value) if is_url(value) else literal(value)


def xsd_datetime(when: datetime) -> str:
    """``when`` (in UTC) as an ``xsd:dateTime`` in its canonical form, to the millisecond:
    ``Z``, and no trailing zeros in the fraction, so that every store gives it back as
    written (Virtuoso turns ``.840`` into ``.84``).

    >>> from datetime import UTC
    >>> xsd_datetime(datetime(2026, 11, 27, 18, 0, 24, 840000, tzinfo=UTC))
    '2026-11-27T18:00:24.84Z'
    >>> xsd_datetime(datetime(2026, 11, 27, 18, 0, 24, tzinfo=UTC))
    '2026-11-27T18:00:24Z'
    """
    whole, _dot, fraction = when.isoformat(timespec="milliseconds").partition(".")
    digits = fraction[:3].rstrip("0")
    return f"{whole}.{digits}Z" if digits else f"{whole}Z"


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

    def take(self) -> list[str]:
        """Hand over the triples, keeping none (so that they can be let go as they are used)."""
        lines, self.triples = self.triples, []
        return lines


@functools.lru_cache(maxsize=1 << 16)
def _segment(value: str) -> str:
    return quote(value, safe="")


def _interaction(source: str, relation: str, target: str) -> str:
    return f"{DATA}interaction/{_segment(source)}/{relation}/{_segment(target)}"


def side_effect_iri(initiative: str, ordinal: int, dataset: str | None = None) -> str:
    """The IRI of a side effect: numbered per initiative within its dataset, and, for an
    initiative that another dataset defines, under this dataset's name too (two datasets
    that state side effects of one initiative must not number the same nodes)."""
    if dataset is None:
        return f"{DATA}side-effect/{_segment(initiative)}/{ordinal}"
    return f"{DATA}side-effect/{_segment(initiative)}/{_segment(dataset)}/{ordinal}"


def _p(name: str) -> str:
    return f"<{SC}{name}>"


# terms used for every record, in N-Triples syntax
_TYPE, _LABEL = iri(RDF_TYPE), iri(RDFS_LABEL)
_IDENTIFIER, _DESCRIPTION, _SOURCE = iri(DCT + "identifier"), iri(DCT + "description"), \
    iri(DCT + "source")
_INITIATIVE, _INTERACTION, _SIDE_EFFECT = _p("Initiative"), _p("Interaction"), _p("SideEffect")
_ACTION_FIELD, _AFFECTS_FIELD, _HAS_ACTOR = _p("actionField"), _p("affectsField"), \
    _p("hasActor")
_GYEAR = XSD + "gYear"
_SC = {name: _p(name) for name in (
    "Actor",
    "Municipality",
    "Programme",
    "PublicAuthority",
    "Region",
    "SideEffectKinds",
    "confidence",
    "country",
    "effectKind",
    "evidence",
    "fromInitiative",
    "fundingFederalEur",
    "fundingNote",
    "fundingTotalEur",
    "inRegion",
    "mitigation",
    "municipality",
    "partOf",
    "programme",
    "programmeNote",
    "relationType",
    "sideEffectOf",
    "solutionType",
    "status",
    "toInitiative",
    "year",
    "Risk", "Benefit",
)}


def map_dataset(ds: CheckedDataset) -> Mapped:
    """Map a checked dataset to triples (without provenance), each line once.

    A node many records share (an actor, a place, a programme) is described at its first
    mention; a line that another record can repeat is written only the first time.
    """
    m = Mapped()
    line = m.triples.append
    locations = m.locations
    parents = {r.source_id for r in ds.relations if r.relation == "part_of"}
    actors_seen: set[str] = set()
    places_seen: set[str] = set()
    place_lines: set[str] = set()  # a municipality's country and region, once each
    programmes_seen: set[str] = set()
    kinds = {k: _p(k.capitalize()) for k in ("measure", "project", "programme")}
    fields = {f: iri(FIELD + f) for f in {f for i in ds.initiatives for f in i.action_fields}}
    # where each record's node came from, made before the lines: objects that live on
    # would otherwise sit among the lines and keep their memory once they are freed
    iris: dict[str, str] = {}  # record id -> its initiative's IRI, made once
    for ini in ds.initiatives:
        iris[ini.id] = node = initiative_iri(ini.id)
        locations[node] = (ini.loc, ini.id)
    for rel in ds.relations:
        locations[_interaction(rel.source_id, rel.relation, rel.target_id)] = (
            rel.loc, f"{rel.source_id} {rel.relation} {rel.target_id}")
    own = {ini.id for ini in ds.initiatives}
    effects = [side_effect_iri(eff.initiative_id, eff.ordinal,
                               None if eff.initiative_id in own else ds.name)
               for eff in ds.side_effects]
    for eff, node in zip(ds.side_effects, effects, strict=True):
        locations[node] = (eff.loc, f"{eff.initiative_id} {eff.effect}")
    for ini in ds.initiatives:
        s = f"<{iris[ini.id]}>"
        kind = ini.kind or ("measure" if ini.id in parents else "project")
        line(f"{s} {_TYPE} {_INITIATIVE} .\n")
        line(f"{s} {_TYPE} {kinds.get(kind) or _p(kind.capitalize())} .\n")
        line(f"{s} {_IDENTIFIER} {literal(ini.id)} .\n")
        line(f"{s} {_LABEL} {literal(ini.name)} .\n")
        for f in dict.fromkeys(ini.action_fields):
            line(f"{s} {_ACTION_FIELD} {fields[f]} .\n")
        if ini.description:
            line(f"{s} {_DESCRIPTION} {literal(ini.description)} .\n")
        if ini.year is not None:
            line(f"{s} {_SC['year']} {literal(str(ini.year), _GYEAR)} .\n")
        if ini.funding_federal_eur is not None:
            line(f"{s} {_SC['fundingFederalEur']} {_decimal(ini.funding_federal_eur)} .\n")
        if ini.funding_total_eur is not None:
            line(f"{s} {_SC['fundingTotalEur']} {_decimal(ini.funding_total_eur)} .\n")
        if ini.funding_note:
            line(f"{s} {_SC['fundingNote']} {literal(ini.funding_note)} .\n")
        if ini.status:
            line(f"{s} {_SC['status']} {literal(ini.status)} .\n")
        for src in dict.fromkeys(ini.sources):
            line(f"{s} {_SOURCE} {_source(src)} .\n")
        if ini.municipality:
            mun = iri(municipality_iri(ini.municipality))
            line(f"{s} {_SC['municipality']} {mun} .\n")
            if mun not in places_seen:
                places_seen.add(mun)
                line(f"{mun} {_TYPE} {_SC['Actor']} .\n")
                line(f"{mun} {_TYPE} {_SC['PublicAuthority']} .\n")
                line(f"{mun} {_TYPE} {_SC['Municipality']} .\n")
                line(f"{mun} {_LABEL} {literal(ini.municipality)} .\n")
            if ini.country:
                said = f"{mun} {_SC['country']} {literal(ini.country)} .\n"
                if said not in place_lines:
                    place_lines.add(said)
                    line(said)
            if ini.region:
                reg = iri(region_iri(ini.region))
                said = f"{mun} {_SC['inRegion']} {reg} .\n"
                if said not in place_lines:
                    place_lines.add(said)
                    line(said)
                if reg not in places_seen:
                    places_seen.add(reg)
                    line(f"{reg} {_TYPE} {_SC['Region']} .\n")
                    line(f"{reg} {_LABEL} {literal(ini.region)} .\n")
        if ini.programme:
            prog = iri(programme_iri(ini.programme))
            line(f"{s} {_SC['programme']} {prog} .\n")
            if ini.id not in parents and kind != "programme":
                line(f"{s} {_SC['partOf']} {prog} .\n")
            if ini.programme_note:
                line(f"{s} {_SC['programmeNote']} {literal(ini.programme_note)} .\n")
            if prog not in programmes_seen:
                programmes_seen.add(prog)
                line(f"{prog} {_TYPE} {_SC['Programme']} .\n")
                line(f"{prog} {_LABEL} {literal(ini.programme)} .\n")
        for name in dict.fromkeys(ini.actors):
            a = iri(actor_iri(name))
            line(f"{s} {_HAS_ACTOR} {a} .\n")
            if a not in actors_seen:
                actors_seen.add(a)
                for cls in actor_classes(name):
                    line(f"{a} {_TYPE} {_p(cls)} .\n")
                line(f"{a} {_LABEL} {literal(name)} .\n")
        for st in dict.fromkeys(ini.solution_types):
            line(f"{s} {_SC['solutionType']} <{PREFIXES['scs']}{_segment(st)}> .\n")

    for rel in ds.relations:
        s = iri(iris.get(rel.source_id) or initiative_iri(rel.source_id))
        o = iri(iris.get(rel.target_id) or initiative_iri(rel.target_id))
        line(f"{s} <{RELATION_PROPERTIES[rel.relation]}> {o} .\n")
        n = f"<{_interaction(rel.source_id, rel.relation, rel.target_id)}>"
        line(f"{n} {_TYPE} {_INTERACTION} .\n")
        line(f"{n} {_SC['fromInitiative']} {s} .\n")
        line(f"{n} {_SC['toInitiative']} {o} .\n")
        line(f"{n} {_SC['relationType']} <{RELATION}{rel.relation}> .\n")
        line(f"{n} {_SC['confidence']} {literal(rel.confidence)} .\n")
        if rel.evidence:
            line(f"{n} {_SC['evidence']} {literal(rel.evidence)} .\n")
        for src in dict.fromkeys(rel.sources):
            line(f"{n} {_SOURCE} {_source(src)} .\n")

    for kind in ds.new_effect_kinds:
        k = iri(EFFECT + kind)
        line(f"{k} {_TYPE} <{SKOS}Concept> .\n")
        line(f"{k} <{SKOS}inScheme> {_SC['SideEffectKinds']} .\n")
        line(f"{k} <{SKOS}notation> {literal(kind)} .\n")
        line(f"{k} <{SKOS}prefLabel> {literal(kind.replace('_', ' '), lang='en')} .\n")

    for eff, node in zip(ds.side_effects, effects, strict=True):
        n = f"<{node}>"
        line(f"{n} {_TYPE} {_SIDE_EFFECT} .\n")
        line(f"{n} {_TYPE} {_SC['Risk'] if eff.polarity == 'risk' else _SC['Benefit']} .\n")
        of = iris.get(eff.initiative_id) or initiative_iri(eff.initiative_id)
        line(f"{n} {_SC['sideEffectOf']} {iri(of)} .\n")
        line(f"{n} {_SC['effectKind']} <{EFFECT}{eff.effect}> .\n")
        for f in dict.fromkeys(eff.affects_fields):
            line(f"{n} {_AFFECTS_FIELD} <{FIELD}{f}> .\n")
        if eff.description:
            line(f"{n} {_DESCRIPTION} {literal(eff.description)} .\n")
        if eff.mitigation:
            line(f"{n} {_SC['mitigation']} {literal(eff.mitigation)} .\n")
        for src in dict.fromkeys(eff.sources):
            line(f"{n} {_SOURCE} {_source(src)} .\n")
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
    m.add(run, PROV + "endedAtTime", literal(xsd_datetime(when),
                                               XSD + "dateTime"))
    m.add(run, SC + "toolVersion", literal(f"scgraph {__version__}"))
    for fname, digest in files:
        f = iri(f"{graph}/file/{_segment(fname)}")
        m.add(run, PROV + "used", f)
        m.add(f, RDF_TYPE, iri(PROV + "Entity"))
        m.add(f, DCT + "title", literal(fname))
        m.add(f, SC + "sha256", literal(digest))
    return m.triples
