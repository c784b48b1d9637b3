"""The ingestion pipeline: all datasets of a run are written together, or none is."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from scgraph.datasets import DERIVED_GRAPHS, NOT_DATASETS, dataset_name
from scgraph.errors import InputError, Problem, StoreError, UsageError
from scgraph.ingest.across import check_ids_unique, check_places_agree, check_references_kept
from scgraph.ingest.batches import Batch, Part, content, plan_batches
from scgraph.ingest.checks import CheckedDataset, check_dataset
from scgraph.ingest.mapping import map_dataset, provenance_triples
from scgraph.ingest.ontology_copy import without_ontology
from scgraph.ingest.readers import read_dataset
from scgraph.ingest.records import Location, RawDataset
from scgraph.ingest.scan import (
    described_initiatives,
    initiative_iris,
    kinds_said,
    named_iris,
    self_links,
    typed,
    typed_initiatives,
    without_initiatives,
)
from scgraph.ingest.tables import TablesWorker
from scgraph.ingest.validation import ENGINES, ontology_ntriples, shacl_check, validation_checks
from scgraph.memory import gc_paused, release_memory
from scgraph.namespaces import (
    ONTOLOGY_GRAPH,
    SC,
    dataset_graph_iri,
    id_from_iri,
    initiative_iri,
)
from scgraph.ontology import vocabulary
from scgraph.store.base import GraphStore
from scgraph.store.embedded import EmbeddedStore

__all__ = ["BATCH_TRIPLES", "RDF_SUFFIXES", "DatasetReport", "IngestReport", "ingest",
           "validate_paths"]

#: RDF files that ``ingest`` loads as they are (an export, for example).
RDF_SUFFIXES: dict[str, ox.RdfFormat] = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
}

Progress = Callable[[str], None]
#: Triples of a dataset validated at once; a larger dataset is validated (and bulk-loaded)
#: in batches of about this many (see :mod:`scgraph.ingest.batches`), which bounds the
#: memory each takes. Smaller batches use less memory but more time (a batch's context is
#: loaded again). The batches wait in files in a temporary folder (``TMPDIR``), not in
#: memory. 400,000 keeps the peak of 100k synthetic initiatives near 1.2 GiB (2.4M
#: triples; 1.4 GiB with the generator's denser 1.5 links per initiative, 3.57M triples).
BATCH_TRIPLES = 400_000


@dataclass(slots=True)
class DatasetReport:
    """What one dataset of a run holds.

    ``graph`` is the dataset's graph; an RDF file writes ``graphs`` (its named graphs,
    and the dataset's graph if it has triples outside them).
    """

    name: str
    graph: str
    source: str
    initiatives: int = 0
    relations: int = 0
    side_effects: int = 0
    triples: int = 0
    graphs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IngestReport:
    """The datasets of a run and the warnings it raised."""

    datasets: list[DatasetReport] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False
    #: The analytics' tables made from the records, if the run made them
    #: (:mod:`scgraph.ingest.tables`); see :meth:`keep_tables`.
    tables: TablesWorker | None = field(default=None, repr=False, compare=False)

    def keep_tables(self) -> bool:
        """Keep the analytics' tables this run made in the cache folder, for the store's
        files as they are now: call it once the store is closed (``scgraph ingest`` does).
        False if the run made none."""
        return self.tables is not None and self.tables.keep()


@dataclass(slots=True)
class _Prepared:
    report: DatasetReport
    graphs: dict[str, list[Part]]  # each graph's N-Triples, in parts
    #: the IRIs an RDF file types sc:Initiative (a dataset of records: none kept here)
    typed: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Validation:
    """The SHACL check of one mapped dataset, to run after reading, checking and mapping."""

    name: str
    batches: list[Batch]
    locations: dict[str, tuple[Location, str]]
    context: list[str]
    #: the file a problem without a record's location is reported in (an RDF file)
    source: str | None = None
    #: the nodes whose problems are reported, if not all: an RDF file validated with the
    #: datasets that define initiatives it describes reports what concerns the nodes it
    #: names, not what those datasets hold of others (reported when they were ingested)
    only: set[str] | None = None
    #: problems found before the SHACL check, reported with its violations
    found: list[Problem] = field(default_factory=list)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: Called with the checked datasets of a run of records (and no RDF file) and the graphs
#: the run writes, once the records passed their checks.
_OnChecked = Callable[[list[CheckedDataset], set[str]], None]


def _prepare(paths: Sequence[Path | str], store: GraphStore | None,
             progress: Progress | None, spool: Path, on_checked: _OnChecked | None = None,
             ) -> tuple[list[_Prepared], list[Problem], list[_Validation]]:
    """Read, check and map; raise InputError listing every problem found so far.

    Returns the mapped datasets, the warnings, and the SHACL checks still to run.
    A dataset validated in batches leaves them as files in ``spool``.
    """
    with gc_paused():
        return _prepare_all(paths, store, progress, spool, on_checked)


def _validate(jobs: list[_Validation], shacl: str, warnings: list[Problem],
              progress: Progress | None = None) -> list[Problem]:
    """Run the SHACL checks; add their warnings, return their violations."""
    problems: list[Problem] = []
    seen: set[tuple[str | None, str | None, str]] = set()
    for job in jobs:
        if progress is not None:
            progress(f"validating {job.name}")
        try:
            violations, shape_warnings = shacl_check(job.batches, job.locations,
                                                     context=job.context, engine=shacl,
                                                     only=job.only)
        except OSError as exc:  # a batch's file, gone or unreadable
            raise StoreError(f"validating dataset {job.name!r}: a batch could not be read "
                             f"back ({exc}); nothing was written. Run the ingest again, and "
                             "keep TMPDIR from being cleaned while it runs") from exc
        if job.source is not None:
            # an RDF file is validated with the datasets that define the initiatives it
            # describes: what they were found to hold already is not said twice
            violations = [dataclasses.replace(p, file=p.file or job.source)
                          for p in violations if _said(p) not in seen]
            shape_warnings = [dataclasses.replace(p, file=p.file or job.source)
                              for p in shape_warnings if _said(p) not in seen]
        seen.update(map(_said, violations + shape_warnings))
        problems.extend(job.found + violations)
        warnings.extend(shape_warnings)
    return problems


def _said(problem: Problem) -> tuple[str | None, str | None, str]:
    """What a SHACL problem says, wherever it is reported."""
    return problem.record, problem.field, problem.message


def _defined_in_store(in_files: dict[str, str], store: GraphStore, replaced: set[str]
                      ) -> list[Problem]:
    """An initiative an RDF file types that a dataset the store keeps defines already:
    one problem for each file and dataset (a ``ttl`` export of the store, ingested
    again, would define every initiative twice)."""
    excluded = ", ".join(f"<{g}>" for g in sorted(replaced | NOT_DATASETS))
    values = " ".join(f"<{x}>" for x in sorted(in_files))
    table = store.select(f"SELECT DISTINCT ?s ?g WHERE {{ VALUES ?s {{ {values} }} "
                         f"GRAPH ?g {{ ?s a <{SC}Initiative> }} FILTER(?g NOT IN ({excluded})) }}")
    twice: dict[tuple[str, str], list[str]] = {}
    for s, g in table.values():
        if s in in_files and g is not None:
            twice.setdefault((in_files[s], g), []).append(id_from_iri(s))
    problems = []
    for (source, g), ids in sorted(twice.items()):
        ids.sort()
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        problems.append(Problem(None, f"{len(ids)} initiatives it defines (types "
                                f"sc:Initiative) are defined by dataset "
                                f"{dataset_name(g)!r} in the store already: {shown}",
                                file=source, record=ids[0],
                                expected="each initiative in one dataset: drop that dataset "
                                "first, or ingest an nq or trig export, whose graphs replace "
                                "the store's"))
    return problems


def _prepare_all(paths: Sequence[Path | str], store: GraphStore | None,
                 progress: Progress | None, spool: Path, on_checked: _OnChecked | None,
                 ) -> tuple[list[_Prepared], list[Problem], list[_Validation]]:
    say = progress or (lambda _msg: None)
    if not paths:
        raise UsageError("no dataset given; name a dataset folder or file")
    vocab = vocabulary()
    problems: list[Problem] = []
    warnings: list[Problem] = []
    raws: list[RawDataset] = []
    rdf_files: list[_Prepared] = []
    names: dict[str, str] = {}
    for p in map(Path, paths):
        try:
            name = p.resolve().name
        except (OSError, RuntimeError):  # a link loop: read_dataset explains
            name = p.name
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:  # bytes that are not UTF-8, kept by surrogateescape
            raise UsageError(f"{str(p)!r}: the name is not valid UTF-8, and a dataset is named "
                             "after its folder or file; rename it") from None
        suffix = p.suffix.lower()
        if p.is_file() and suffix in RDF_SUFFIXES:
            say(f"reading {p}")
            prepared_rdf = _read_rdf(p, RDF_SUFFIXES[suffix], problems)
            if prepared_rdf is not None:
                rdf_files.append(prepared_rdf)
            continue
        say(f"reading {p}")
        raw = read_dataset(p, problems, warnings)
        if raw.name in names:
            raise UsageError(f"{p}: a dataset named {raw.name!r} is already in this run "
                             f"({names[raw.name]}); dataset names come from folder or file "
                             "names and must differ")
        names[raw.name] = str(p)
        raws.append(raw)

    run_graphs = {dataset_graph_iri(r.name) for r in raws}
    run_ids = {r.text("id") for raw in raws for r in raw.initiatives if r.text("id")}
    writers = {g: names[dataset_name(g)] for g in run_graphs}  # graph -> what writes it
    for rdf in rdf_files:
        for g in sorted(rdf.graphs):
            if g in writers:
                raise UsageError(f"{rdf.report.source}: it writes the graph <{g}>, which "
                                 f"{writers[g]} of this run writes too; ingest one of them")
            writers[g] = rdf.report.source
    replaced = run_graphs | {g for p in rdf_files for g in p.graphs}
    # initiatives defined in this run: by records, and typed in an RDF file
    in_files: dict[str, str] = {}
    for rdf in rdf_files:
        for x in sorted(rdf.typed):
            if in_files.setdefault(x, rdf.report.source) != rdf.report.source:
                problems.append(Problem(None, f"the initiative <{x}> is also defined by the "
                                        f"RDF file {in_files[x]}", file=rdf.report.source,
                                        record=id_from_iri(x), expected="each initiative in "
                                        "one dataset; ingest one of the files"))
    if store is not None and in_files:
        problems.extend(_defined_in_store(in_files, store, replaced))
    run_iris = {initiative_iri(i) for i in run_ids} | set(in_files)

    def initiatives_elsewhere(iris: set[str]) -> set[str]:
        """Which of these IRIs are initiatives of this run or of a graph it keeps."""
        found = iris & run_iris
        rest = sorted(iris - found)
        if rest and store is not None:
            values = " ".join(f"<{i}>" for i in rest)
            excluded = ", ".join(f"<{g}>" for g in sorted(replaced))
            table = store.select(
                f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} "
                f"GRAPH ?g {{ ?s a <{SC}Initiative> }} FILTER(?g NOT IN ({excluded})) }}")
            found |= {x for x in table.column("s") if x in iris}
        return found

    def known_elsewhere(ids: set[str]) -> set[str]:
        by_iri = {initiative_iri(i): i for i in ids}
        return {by_iri[x] for x in initiatives_elsewhere(set(by_iri))}

    checked: list[tuple[RawDataset, CheckedDataset]] = []
    for raw in raws:
        say(f"checking {raw.name}")
        checked.append((raw, check_dataset(raw, vocab, problems, warnings, known_elsewhere)))
        # the checked records are all that is used from here: let the raw ones go
        raw.initiatives, raw.relations, raw.side_effects = [], [], []
    check_ids_unique(checked, store, replaced, problems, in_files)
    check_places_agree(checked, {rdf.report.source: list(_documents(rdf.graphs))
                                 for rdf in rdf_files}, store, replaced, problems)
    check_references_kept([(dataset_graph_iri(r.name), str(r.source)) for r in raws]
                          + [(g, rdf.report.source) for rdf in rdf_files for g in rdf.graphs],
                          store, replaced, run_iris, problems)
    if problems:
        raise InputError(problems)
    if on_checked is not None and checked and not rdf_files:
        on_checked([ds for _raw, ds in checked], replaced)

    prepared: list[_Prepared] = []
    jobs: list[_Validation] = []
    run_defined: dict[str, int] = {}  # initiative IRI -> the prepared dataset defining it
    when = datetime.now(UTC)  # to the millisecond: compared with when graphs were made
    raws.clear()
    while checked:
        raw, ds = checked.pop(0)  # let each dataset's records go once it is mapped
        say(f"mapping {raw.name}")
        mapped = map_dataset(ds)
        graph = dataset_graph_iri(raw.name)
        defined = {i.id for i in ds.initiatives}
        external = {r.target_id for r in ds.relations} | {r.source_id for r in ds.relations} \
            | {e.initiative_id for e in ds.side_effects}
        counts = len(ds.initiatives), len(ds.relations), len(ds.side_effects)
        del ds
        files = [(f.name, _sha256(f)) for f in raw.files]
        # provenance is outside every shape's targets: validated along, changing nothing
        mapped.triples += provenance_triples(graph, name=raw.name, metadata=raw.metadata,
                                             files=files, when=when)
        report = DatasetReport(raw.name, graph, str(raw.source), *counts, len(mapped.triples),
                               graphs=[graph])
        folder = spool / str(len(prepared))
        try:
            folder.mkdir()
            # the lines are handed over and let go as their batches are written; a
            # dataset of one batch needs no compiled checks to plan it (40 ms saved)
            checks = validation_checks() if len(mapped.triples) > BATCH_TRIPLES else ()
            batches = plan_batches(mapped.take(), checks, BATCH_TRIPLES, spool=folder)
        except OSError as exc:
            raise StoreError(f"{folder}: cannot keep the batches of dataset {raw.name!r} "
                             f"there ({exc.strerror or exc}); nothing was written. Free some "
                             "space, or set TMPDIR to a folder with room") from exc
        jobs.append(_Validation(raw.name, batches, mapped.locations,
                                [initiative_iri(i) for i in external - defined]))
        run_defined.update((initiative_iri(i), len(prepared)) for i in defined)
        del raw
        release_memory()
        prepared.append(_Prepared(report, {graph: [b.data for b in batches]}))

    def described_elsewhere(described: set[str]) -> list[bytes]:
        """The N-Triples of the datasets (of this run, or kept in the store) that define
        these initiatives."""
        graphs: dict[str, list[Part]] = {}
        for x in sorted(described):
            if x in run_defined:
                graphs.update(prepared[run_defined[x]].graphs)
            elif x in in_files:
                graphs.update(as_checked[in_files[x]])
        rest = sorted(described - run_defined.keys() - in_files.keys())
        if rest and store is not None:
            excluded = ", ".join(f"<{g}>" for g in sorted(replaced | NOT_DATASETS))
            table = store.select(
                f"SELECT DISTINCT ?g WHERE {{ VALUES ?s {{ {' '.join(f'<{x}>' for x in rest)} }} "
                f"GRAPH ?g {{ ?s a <{SC}Initiative> }} FILTER(?g NOT IN ({excluded})) }}")
            for g in sorted(map(str, table.column("g"))):
                graphs[g] = [store.export("nt", graph=g)]
        return [content(part) for parts in graphs.values() for part in parts]

    def checked_graphs(rdf: _Prepared) -> dict[str, list[Part]]:
        """The graphs of an RDF file as they are validated. What the graphs made from the
        datasets (by reason and screen) say of initiatives that no dataset defines, made
        from data dropped since, is written as it is, with a warning: an export of a store
        holding such a graph is ingested again as it is."""
        made = [g for g in sorted(rdf.graphs) if g in DERIVED_GRAPHS]
        named = initiative_iris(content(p) for g in made for p in rdf.graphs[g]) - rdf.typed
        gone = named - initiatives_elsewhere(named) if named else set()
        if not gone:
            return rdf.graphs
        ids = sorted(id_from_iri(x) for x in gone)
        warnings.append(Problem(
            None, f"{' and '.join(f'<{g}>' for g in made)} still say something of "
            f"{', '.join(ids[:10])}{f' and {len(ids) - 10} more' if len(ids) > 10 else ''}, "
            "which no dataset defines (they were made before a drop or a change): written "
            "as it is, and not checked", file=rdf.report.source,
            expected=" and ".join(f"`{DERIVED_GRAPHS[g]}`" for g in made) + " run again"))
        return {g: [without_initiatives(content(p), gone) for p in ps] if g in made else ps
                for g, ps in rdf.graphs.items()}

    as_checked = {rdf.report.source: checked_graphs(rdf) for rdf in rdf_files}
    for rdf in rdf_files:
        # an RDF file is validated as the union of its graphs; the initiatives it refers
        # to that other graphs define are its context. What it says about such an
        # initiative is validated with the graphs that define it.
        say(f"checking {rdf.report.source}")
        graphs = as_checked[rdf.report.source]
        context = initiatives_elsewhere({x for x in initiative_iris(_documents(graphs))
                                         if in_files.get(x) != rdf.report.source})
        folder = spool / f"rdf-{len(jobs)}"
        documents = [content(part) for parts in graphs.values() for part in parts]
        described = context & described_initiatives(documents) if context else set()
        only = None
        if described:
            only = named_iris(documents)
            documents += described_elsewhere(described)
            context = initiatives_elsewhere(initiative_iris(documents)) \
                - typed_initiatives(documents)
        try:
            folder.mkdir()
            if sum(d.count(b"\n") for d in documents) <= BATCH_TRIPLES:
                batches = [Batch(b"".join(documents))]
            else:
                # lines split at newlines only: a literal may hold U+2028
                lines = [x + "\n" for d in documents for x in d.decode().split("\n") if x]
                batches = plan_batches(lines, validation_checks(), BATCH_TRIPLES,
                                       spool=folder)
                del lines
        except OSError as exc:
            raise StoreError(f"{folder}: cannot keep the batches of {rdf.report.source} "
                             f"there ({exc.strerror or exc}); nothing was written. Free some "
                             "space, or set TMPDIR to a folder with room") from exc
        found = [Problem("kind", "an initiative is one of programme, project or measure, "
                         f"not {' and '.join(sorted(k.lower() for k in kinds))}",
                         file=rdf.report.source, record=id_from_iri(x),
                         expected="one rdf:type among sc:Programme, sc:Project, sc:Measure "
                         "(the ontology makes them disjoint)")
                 for x, kinds in sorted(kinds_said(documents).items())
                 if len(kinds) > 1 and (only is None or x in only)]
        found += [Problem(prop, f"a relation from {id_from_iri(x)!r} to itself",
                          file=rdf.report.source, record=id_from_iri(x),
                          expected="two different initiatives (as records must name)")
                  for x, prop in self_links(documents) if only is None or x in only]
        del documents
        jobs.append(_Validation(rdf.report.name, batches, {}, sorted(context),
                                source=rdf.report.source, only=only, found=found))
    return prepared + rdf_files, warnings, jobs


def _documents(graphs: dict[str, list[Part]]) -> Iterator[bytes]:
    """The N-Triples of each part of these graphs."""
    return (content(part) for parts in graphs.values() for part in parts)


def _listed(paths: Path | str | Sequence[Path | str]) -> Sequence[Path | str]:
    """One path as a list of one (a str is a sequence too: of its characters)."""
    return [paths] if isinstance(paths, str | Path) else paths


def _check_engine(shacl: str) -> None:
    if shacl not in ENGINES:
        raise UsageError(f"unknown SHACL engine {shacl!r}; expected one of "
                         + ", ".join(ENGINES))


def validate_paths(paths: Path | str | Sequence[Path | str], store: GraphStore | None = None,
                   progress: Progress | None = None, *, shacl: str = "python") -> IngestReport:
    """Run every check of :func:`ingest` and write nothing.

    Raises :class:`~scgraph.errors.InputError` listing every problem found.
    """
    paths = _listed(paths)
    _check_engine(shacl)
    with tempfile.TemporaryDirectory(prefix="scgraph-ingest-") as spool:
        prepared, warnings, jobs = _prepare(paths, store, progress, Path(spool))
        problems = _validate(jobs, shacl, warnings, progress)
    if problems:
        raise InputError(problems)
    return IngestReport([p.report for p in prepared], warnings)


def _read_rdf(path: Path, fmt: ox.RdfFormat, problems: list[Problem]) -> _Prepared | None:
    """An RDF file (an export, say): each named graph in it replaces that graph.

    Triples outside a named graph form a dataset named after the file. The file's
    ontology graph is left out: every ingest writes the ontology of this scgraph (an
    export of an earlier version would otherwise bring its older ontology back). So are
    the ontology's own triples in the other graphs (an N-Triples or Turtle export merges
    them in; see :mod:`scgraph.ingest.ontology_copy`). The union of the other graphs is
    validated against the shapes, as a dataset is.
    """
    graph = dataset_graph_iri(path.stem)
    by_graph: dict[str, list[str]] = {}
    ontology = False
    try:
        for q in ox.parse(path=str(path), format=fmt):  # read as parsed, not held as quads
            g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else graph
            if g != ONTOLOGY_GRAPH:
                by_graph.setdefault(g, []).append(f"{q.subject} {q.predicate} {q.object} .\n")
            else:
                ontology = True
    except SyntaxError as exc:
        if "remote context" in exc.msg:  # Oxigraph loads none unless given a loader
            problems.append(Problem(None, "the JSON-LD names a remote @context, which ingest "
                                    "does not fetch", file=str(path), line=exc.lineno,
                                    expected="the context written into the file"))
        else:
            problems.append(Problem(None, f"invalid RDF: {exc.msg}", file=str(path),
                                    line=exc.lineno,
                                    expected="a file in the format its name says"))
        return None
    except OSError as exc:
        problems.append(Problem(None, f"cannot be read: {exc.strerror or exc}", file=str(path)))
        return None
    for g in list(by_graph):
        by_graph[g] = without_ontology(by_graph[g])
        if not by_graph[g]:
            del by_graph[g]
            ontology = True
    if not by_graph:  # nothing would be written, or replaced
        problems.append(Problem(
            None, "the file holds only the ontology, which ingest leaves out (every ingest "
            "writes this scgraph's ontology)" if ontology else "the file holds no triples",
            file=str(path), expected="RDF with the triples to ingest"))
        return None
    # named after the datasets it writes (an export of dataset mpsc is "mpsc"), else the file
    datasets = [dataset_name(g) for g in sorted(by_graph) if g not in NOT_DATASETS]
    report = DatasetReport(", ".join(datasets) or path.name, graph, str(path),
                           graphs=sorted(by_graph), triples=sum(map(len, by_graph.values())))
    parts: dict[str, list[Part]] = {}
    for g in sorted(by_graph):  # each graph's lines let go once encoded
        lines = by_graph.pop(g)
        # loaded part by part, as a dataset's batches are (the loader's memory follows
        # the size of a part), unless blank nodes tie the lines together
        step = len(lines) if any("_:" in x for x in lines) else BATCH_TRIPLES
        parts[g] = ["".join(lines[i:i + step]).encode() for i in range(0, len(lines), step)]
        del lines
    release_memory()
    # counted as records are: the nodes typed so (data types each node explicitly), in the
    # datasets' graphs: not in what reason inferred (a programme is an initiative there)
    found = typed((p for g, ps in parts.items() if g not in NOT_DATASETS
                   for p in ps if isinstance(p, bytes)),
                  "Initiative", "Interaction", "SideEffect", blank=True)
    report.initiatives, report.relations, report.side_effects = (
        len(found["Initiative"]), len(found["Interaction"]), len(found["SideEffect"]))
    return _Prepared(report, parts, {x for x in found["Initiative"] if x[0] != "_"})


def ingest(paths: Path | str | Sequence[Path | str], store: GraphStore,
           progress: Progress | None = None, *, shacl: str = "python") -> IngestReport:
    """Check and write datasets into ``store``, each into its own named graph.

    ``paths`` are dataset folders, dataset files or RDF files (or one of them).
    A dataset already in the store is replaced, never duplicated. If anything
    is invalid, :class:`~scgraph.errors.InputError` lists every problem and the
    store is left exactly as it was. ``shacl`` chooses the SHACL engine:
    ``"python"`` (the shapes compiled to Python functions, fastest), ``"sparql"``
    (compiled to queries that Oxigraph runs) or ``"pyshacl"`` (the reference
    implementation, slow on large datasets); all find the same problems.
    """
    _check_engine(shacl)
    with tempfile.TemporaryDirectory(prefix="scgraph-ingest-") as spool:
        return _ingest(_listed(paths), store, progress, shacl, Path(spool))


def _ingest(paths: Sequence[Path | str], store: GraphStore, progress: Progress | None,
            shacl: str, spool: Path) -> IngestReport:
    workers: list[TablesWorker] = []

    def start_tables(datasets: list[CheckedDataset], replaced: set[str]) -> None:
        if isinstance(store, EmbeddedStore):
            worker = TablesWorker.start(datasets, store, replaced)
            if worker is not None:
                workers.append(worker)

    try:
        report = _write(paths, store, progress, shacl, spool, start_tables)
    except BaseException:
        for worker in workers:
            worker.discard()
        raise
    for worker in workers:
        if worker.wait():
            report.tables = worker
    return report


def _write(paths: Sequence[Path | str], store: GraphStore, progress: Progress | None,
           shacl: str, spool: Path, on_checked: _OnChecked) -> IngestReport:
    say = progress or (lambda _msg: None)
    prepared, warnings, jobs = _prepare(paths, store, progress, spool, on_checked)
    graphs: dict[str, list[Part]] = {ONTOLOGY_GRAPH: [ontology_ntriples()]}
    for p in prepared:
        graphs.update(p.graphs)
    if not isinstance(store, EmbeddedStore):
        # a remote store: validate first, then write
        problems = _validate(jobs, shacl, warnings, progress)
        if problems:
            raise InputError(problems)
        say("writing")
        store.replace_graphs({g: b"".join(map(content, parts)) for g, parts in graphs.items()})
        return IngestReport([p.report for p in prepared], warnings, written=True)
    # Validate while the data is loaded into the store (both mostly run outside the
    # GIL, on different cores); the write commits only if validation found no problem.
    for job in jobs:
        say(f"validating {job.name}")
    say("writing")
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(_validate, jobs, shacl, warnings)

        def gate() -> None:
            problems = checked.result()
            if problems:
                raise InputError(problems)

        try:
            # each part is read from its file (if it has one) only when it is loaded
            # every IRI was made from checked records or written by Oxigraph's parser
            store.replace_graphs({g: map(content, parts) for g, parts in graphs.items()},
                                 before_commit=gate, valid_iris=True)
        except StoreError:
            gate()  # bad input explains more than a failed write: report it first
            raise
    return IngestReport([p.report for p in prepared], warnings, written=True)
