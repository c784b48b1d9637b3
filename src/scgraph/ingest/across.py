"""Checks across datasets: what the datasets and RDF files of one ingest say must agree
with each other and with the datasets the store keeps.

Each dataset is checked and validated on its own (with the initiatives it refers to as
context); these checks see what several say of one node: an initiative defined twice, a
municipality placed in two regions, an initiative another dataset refers to that a
dataset ingested again no longer defines. Each appends its problems to ``problems``,
located at the record (or file) that disagrees, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scgraph.datasets import NOT_DATASETS, dataset_name, references
from scgraph.errors import Problem
from scgraph.ingest.checks import CheckedDataset
from scgraph.ingest.records import Location, RawDataset
from scgraph.ingest.scan import places_said
from scgraph.namespaces import (
    ONTOLOGY_GRAPH,
    SC,
    id_from_iri,
    initiative_iri,
    municipality_iri,
    region_iri,
)
from scgraph.store.base import GraphStore

__all__ = ["check_ids_unique", "check_places_agree", "check_references_kept"]


def check_ids_unique(checked: list[tuple[RawDataset, CheckedDataset]],
                     store: GraphStore | None, replaced: set[str],
                     problems: list[Problem], in_files: dict[str, str]) -> None:
    """An id defined by two datasets (of this run, an RDF file of this run (``in_files``:
    initiative IRI -> file), or one already in the store) is an error."""
    # initiative IRI -> what defines it, and where (a record's location, said if needed)
    owner: dict[str, tuple[str, Location | None]] = {iri: (f"the RDF file {f}", None)
                                                     for iri, f in in_files.items()}
    if store is not None:
        others = sorted(set(store.graphs()) - replaced - {ONTOLOGY_GRAPH})
        if others and any(ds.initiatives for _, ds in checked):
            graphs = " ".join(f"<{g}>" for g in others)
            table = store.select(f"SELECT ?s ?g WHERE {{ VALUES ?g {{ {graphs} }} "
                                 f"GRAPH ?g {{ ?s a <{SC}Initiative> }} }}")
            for s_iri, g_iri in zip(table.column("s"), table.column("g"), strict=True):
                if s_iri and g_iri:
                    owner[s_iri] = (f"dataset <{g_iri}> in the store", None)
    for raw, ds in checked:
        keys = [initiative_iri(ini.id) for ini in ds.initiatives]
        owners = {owner[k][0] if k in owner else None for k in keys}
        if len(keys) > 1 and len(owners) == 1 and None not in owners:
            # every initiative is another dataset's: the same data under another name,
            # said once rather than once for each of them
            where = owners.pop()
            assert where is not None
            first = ds.initiatives[0].loc
            problems.append(Problem(
                "id", f"all {len(keys)} of its initiatives (from {ds.initiatives[0].id!r}"
                f" on) are also defined by {where}: the same data under another name?",
                file=first.file, record=None,
                expected="the name of that dataset (a dataset is named after its folder or "
                "file), or `scgraph drop` it first; ids that no other dataset uses"))
            continue
        for ini, key in zip(ds.initiatives, keys, strict=True) if owner else ():
            if key in owner:
                where, loc = owner[key]
                at = f" at {loc.file}:{loc.line}" if loc is not None else ""
                problems.append(Problem("id", f"{ini.id!r} is also defined by {where}{at}",
                                        file=ini.loc.file, line=ini.loc.line, record=ini.id,
                                        expected="an id that no other dataset uses (refer to "
                                        "it from depends_on or relations instead)",
                                        value=ini.id))
        name = f"dataset {raw.name!r}"
        for ini, key in zip(ds.initiatives, keys, strict=True):
            owner.setdefault(key, (name, ini.loc))


def check_places_agree(checked: list[tuple[RawDataset, CheckedDataset]],
                       rdf_files: Mapping[str, Iterable[bytes]], store: GraphStore | None,
                       replaced: set[str], problems: list[Problem]) -> None:
    """A municipality is one node per name, so it lies in one region and one country in
    every dataset of the run and in the datasets the store keeps: two towns of one name
    would become one place in two regions (and every count by place would take their
    initiatives twice)."""
    # (municipality IRI, field) -> (region IRI or country, where it was said first)
    first: dict[tuple[str, str], tuple[str, str]] = {}
    in_files = {source: places_said(documents) for source, documents in rdf_files.items()}
    places = sorted({municipality_iri(i.municipality) for _, ds in checked
                     for i in ds.initiatives if i.municipality and (i.region or i.country)}
                    | {m for said in in_files.values() for m, _, _ in said})
    kept = sorted(set(store.graphs()) - replaced - NOT_DATASETS) if store is not None else []
    if store is not None and places and kept:
        table = store.select(
            f"SELECT DISTINCT ?m ?p ?v ?g WHERE {{ "
            f"VALUES ?m {{ {' '.join(f'<{m}>' for m in places)} }} "
            f"VALUES ?p {{ <{SC}inRegion> <{SC}country> }} "
            f"VALUES ?g {{ {' '.join(f'<{g}>' for g in kept)} }} "
            "GRAPH ?g { ?m ?p ?v } } ORDER BY ?g")
        for m, pred, v, g in table.values():
            first.setdefault((str(m), "region" if str(pred).endswith("inRegion") else "country"),
                             (str(v), f"in dataset {dataset_name(str(g))!r} in the store"))

    def agrees(place: str, field_: str, value: str, where: str) -> str | None:
        """None, or the problem's message if ``place`` was given another ``field_``."""
        known, first_where = first.setdefault((place, field_), (value, where))
        if known == value:
            return None
        shown = (id_from_iri(value), id_from_iri(known)) if field_ == "region" else (value, known)
        return (f"municipality {id_from_iri(place)!r} is given {field_} {shown[0]!r} here, "
                f"but {shown[1]!r} {first_where}")

    expected = ("one {} for each municipality name; towns of the same name told apart by "
                "name (e.g. 'Neustadt (Hessen)')")
    for _, ds in checked:
        for ini in ds.initiatives:
            if not ini.municipality:
                continue
            place = municipality_iri(ini.municipality)
            for field_, value in (("region", ini.region and region_iri(ini.region)),
                                  ("country", ini.country)):
                message = value and agrees(place, field_, value,
                                           f"at {ini.loc.file}:{ini.loc.line or '?'}")
                if message:
                    problems.append(Problem(field_, message, file=ini.loc.file,
                                            line=ini.loc.line, record=ini.id,
                                            expected=expected.format(field_),
                                            value=ini.region if field_ == "region" else value))
    for source, said in in_files.items():
        for place, field_, value in said:
            message = agrees(place, field_, value, f"in {source}")
            if message:
                problems.append(Problem(field_, message, file=source, record=id_from_iri(place),
                                        expected=expected.format(field_),
                                        value=id_from_iri(value) if field_ == "region"
                                        else value))


def check_references_kept(sources: list[tuple[str, str]], store: GraphStore | None,
                          replaced: set[str], run_iris: set[str],
                          problems: list[Problem]) -> None:
    """A dataset ingested again (``sources``: its graph and where it comes from, a dataset
    or an RDF file) must still define the initiatives that the datasets left in the store
    refer to (``scgraph drop`` refuses to drop those, too)."""
    if store is None:
        return
    present = store.graphs()
    for graph, source in sources:
        if graph not in present:
            continue
        for other, ident in references(store, [graph], present, besides=replaced):
            if initiative_iri(ident) not in run_iris:
                problems.append(Problem(
                    "id", f"{ident!r} is no longer defined, but dataset "
                    f"{dataset_name(other)!r} in the store refers to it", file=source,
                    record=ident, expected="the initiative kept; or that dataset ingested "
                    "again in the same run without the reference, or dropped first "
                    f"(`scgraph drop {dataset_name(other)}`)", value=ident))
