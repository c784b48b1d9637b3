"""The ``scgraph`` command: thin commands over the library.

Exit codes (mapped in :func:`main`, nowhere else):

====  ==========================================================
0     success
1     invalid input data (every problem is listed, nothing was written)
      or data inconsistent with the ontology (``reason --check``)
2     usage, I/O, store or endpoint error
130   interrupted (Ctrl-C)
143   terminated (SIGTERM); both undo a write that did not commit, and say so
      when the command's write to the embedded store had committed
====  ==========================================================
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from scgraph import __version__
from scgraph.errors import InputError, Problem, QueryError, ScgraphError, UsageError
from scgraph.outputs import make_folder
from scgraph.queries import list_queries, load_query, run_query
from scgraph.results import serialize_table
from scgraph.serve import is_loopback as is_loopback_host
from scgraph.stats import store_stats
from scgraph.store import EXPORT_FORMATS, connect, open_store, store_path, write_export
from scgraph.store.base import GraphStore
from scgraph.store.embedded import no_store
from scgraph.texts import nfc

if TYPE_CHECKING:
    from scgraph.ingest import IngestReport

__all__ = ["app", "main"]

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143

app = typer.Typer(
    name="scgraph",
    help="A knowledge graph of smart-city initiatives, their interactions and side effects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader of standard output stopped reading (``... | head``): raised as the
        write's own error would be, which typer quiets and :func:`main` exits 0 for
        (rich's own way exits with 1 at once)."""
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


# emoji=False: a ":smile:" in the data is printed as written, not as a picture
out = _Console(soft_wrap=True, highlight=False, emoji=False)
err = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)

StoreOpt = Annotated[Path | None, typer.Option(
    "--store", help="Store folder (default: $SCGRAPH_STORE, else ./.scgraph).",
    show_default=False)]
# A command reads or writes a remote endpoint instead of the embedded store with
# `endpoint: EndpointOpt = None` (plus `update_endpoint: UpdateEndpointOpt = None` to write)
# and `with connect(store, endpoint=endpoint, ...) as st:`.
EndpointOpt = Annotated[str | None, typer.Option(
    "--endpoint", help="SPARQL query endpoint URL to use instead of the embedded store "
    "(see docs/endpoints.md).", show_default=False)]
UpdateEndpointOpt = Annotated[str | None, typer.Option(
    "--update-endpoint", help="SPARQL update endpoint URL (with --endpoint; needed to write).",
    show_default=False)]
GraphStoreOpt = Annotated[str | None, typer.Option(
    "--graph-store", help="Graph Store Protocol URL for uploads (optional, with --endpoint).",
    show_default=False)]


class TableOrJson(StrEnum):
    table = "table"
    json = "json"


class ExportFormat(StrEnum):
    nq = "nq"
    trig = "trig"
    jsonld = "jsonld"
    ttl = "ttl"
    nt = "nt"


assert {f.value for f in ExportFormat} == set(EXPORT_FORMATS)


def _version(value: bool) -> None:
    if value:
        out.print(f"scgraph {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """scgraph: integrated view of smart-city initiatives."""


@contextmanager
def _progress(enabled: bool) -> Iterator[object]:
    """A spinner with the current step on a terminal; silent otherwise."""
    if not enabled or not err.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("starting")
        yield lambda msg: bar.update(task, description=msg)


def _stale(store: GraphStore) -> list[str]:
    """Why graphs made from the datasets are out of date, and which graphs an interrupted
    write left staged on an endpoint (to print as notes)."""
    from scgraph.datasets import stale_graphs
    from scgraph.store.remote import RemoteStore

    notes = list(stale_graphs(store).values())
    if isinstance(store, RemoteStore) and (left := store.leftovers()):
        notes.append(f"{store.query_endpoint} holds graphs an interrupted write left "
                     f"staged, which every query sees: {', '.join(left)}; `scgraph drop` "
                     "with their IRIs removes them (a write drops them an hour later)")
    return notes


def _print_warnings(warnings: list[Problem]) -> None:
    for w in warnings:
        err.print(f"warning: {w}", markup=False)


def _print_report(report: IngestReport, verb: str) -> None:
    for d in report.datasets:
        out.print(f"{verb} {d.name} ({d.source}): {d.initiatives} initiatives, "
                  f"{d.relations} relations, {d.side_effects} side effects, "
                  f"{d.triples} triples -> {', '.join(d.graphs)}", markup=False)


@app.command("ingest")
def ingest_cmd(
    paths: Annotated[list[Path], typer.Argument(
        help="Dataset folders (with initiatives.csv), .yaml/.json dataset files, or RDF "
             "files (.nq .trig .ttl .nt .jsonld).", show_default=False)],
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    update_endpoint: UpdateEndpointOpt = None,
    graph_store: GraphStoreOpt = None,
) -> None:
    """Validate datasets and write them into the store, each into its own named graph.

    Re-ingesting a dataset replaces it. If anything is invalid, nothing is written.
    """
    from scgraph.ingest import ingest  # with rdflib, for SHACL: only the commands that ingest
    from scgraph.store.commits import committed

    # the folders this run would make for a new store (the store's first), removed if it
    # writes nothing: the store's if this run opened it, the others only while empty
    # (another run may have made a store beside it meanwhile)
    made: list[Path] = []
    if endpoint is None:
        folder = store_path(store).absolute()
        while not folder.exists() and folder != folder.parent:
            made.append(folder)
            folder = folder.parent
    opened = written = False
    commits = committed()
    try:
        with connect(store, endpoint=endpoint, update_endpoint=update_endpoint,
                     graph_store=graph_store) as st, _progress(True) as say:
            opened = True
            report = ingest(paths, st, progress=say)  # type: ignore[arg-type]
            written = True
            stale = _stale(st)
    except BaseException:
        # an interrupt after the commit (while the ingest ends) keeps what was written
        if made and not written and committed() == commits:
            _remove_made(made, opened)
        raise
    report.keep_tables()  # the store closed: its files are as analyses will find them
    _print_warnings(report.warnings)
    _print_report(report, "ingested")
    for why in stale:
        err.print(f"note: {why}", markup=False)


def _holds_nothing(store: Path | None, endpoint: str | None) -> ScgraphError:
    """The usage error of a view or report of a store without initiatives."""
    where = endpoint or f"store {store_path(store)}"
    return UsageError(f"{where} holds no initiatives; run `scgraph ingest` first")


def _remove_made(made: list[Path], opened: bool) -> None:
    """Remove the folders an ingest made for a new store that it wrote nothing into: the
    store's with what the store put there if this run opened it (no other could), each
    other one only if it is empty."""
    if opened:
        shutil.rmtree(made[0], ignore_errors=True)
    for folder in made:
        try:
            folder.rmdir()
        except FileNotFoundError:
            continue
        except OSError:  # not empty: another run's store, or files of another program
            return


@app.command("drop")
def drop_cmd(
    names: Annotated[list[str], typer.Argument(
        help="Datasets to remove: their names, as `scgraph stats` lists them, or their "
             "graph IRIs.", show_default=False)],
    store: StoreOpt = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Drop them even if other datasets refer to their initiatives.")
    ] = False,
    endpoint: EndpointOpt = None,
    update_endpoint: UpdateEndpointOpt = None,
    graph_store: GraphStoreOpt = None,
) -> None:
    """Remove datasets (each its named graph) from the store, all in one step.

    Refused, changing nothing, if another dataset refers to their initiatives
    (unless --force).
    """
    from scgraph.datasets import DERIVED_GRAPHS, dataset_name, drop_datasets

    with connect(store, endpoint=endpoint, update_endpoint=update_endpoint,
                 graph_store=graph_store, create=False) as st:
        report = drop_datasets(st, names, force=force)
    for graph, triples in report.dropped:
        out.print(f"dropped {dataset_name(graph)} ({triples} triples) <- {graph}", markup=False)
    for graph in report.stale:
        err.print(f"note: {graph} may still hold what was inferred from the dropped data; "
                  f"run `{DERIVED_GRAPHS[graph]}` again", markup=False)
    for note in report.dangling_notes():
        err.print(f"note: {note}", markup=False)


@app.command("validate")
def validate_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Dataset folders or files.",
                                                show_default=False)],
    store: Annotated[Path | None, typer.Option(
        "--store", help="Also accept references to initiatives already in this store "
        "(default: $SCGRAPH_STORE, else ./.scgraph, where there is a store).",
        show_default=False)] = None,
) -> None:
    """Run every check of `ingest` and write nothing."""
    from scgraph.ingest import validate_paths

    path = store_path(store)
    if (path / "CURRENT").is_file():
        with open_store(path, read_only=True) as st:
            report = validate_paths(paths, st)
    elif store is not None:  # named, and not a store: not left out without a word
        raise no_store(path)
    else:
        report = validate_paths(paths)
    _print_warnings(report.warnings)
    _print_report(report, "valid:")


@app.command("stats")
def stats_cmd(
    store: StoreOpt = None,
    fmt: Annotated[TableOrJson, typer.Option("--format", help="Output format.")] =
        TableOrJson.table,
    endpoint: EndpointOpt = None,
) -> None:
    """Count initiatives, actors, relations, side effects, triples and datasets."""
    with connect(store, endpoint=endpoint, read_only=True) as st:
        stats = store_stats(st)
        location = st.location
        stale = _stale(st)
    for why in stale:
        err.print(f"note: {why}", markup=False)
    if fmt is TableOrJson.json:
        out.print(json.dumps(stats, indent=2, ensure_ascii=False), markup=False)
        return
    table = _table(f"store {location}", ["what", "count"],
                   ((key.replace("_", " "), str(stats[key]))
                    for key in ("initiatives", "actors", "relations", "side_effects", "triples")))
    table.columns[1].justify = "right"
    out.print(table)
    for d in stats["datasets"]:
        title = f": {d['title']}" if d["title"] else ""
        out.print(f"dataset {d['name']}{title} ({d['triples']} triples)", markup=False)
    for g in stats["other_graphs"]:
        out.print(f"graph {g['graph']} ({g['triples']} triples)", markup=False)


def _graph_named(store: GraphStore, graph: str | None) -> str | None:
    """The graph ``graph`` names: an IRI, or a dataset's name."""
    from scgraph.datasets import graph_named

    return None if graph is None else graph_named(graph, store.graphs())


@app.command("export")
def export_cmd(
    store: StoreOpt = None,
    fmt: Annotated[ExportFormat, typer.Option(
        "--format", help="nq, trig and jsonld keep the named graphs; ttl and nt merge them.")
    ] = ExportFormat.nq,
    output: Annotated[Path | None, typer.Option(
        "--out", help="File to write; - or none: standard output.", show_default=False)
    ] = None,
    graph: Annotated[str | None, typer.Option(
        "--graph", help="Export only this named graph: its IRI, or a dataset's name as "
                        "`scgraph stats` lists it.", show_default=False)] = None,
    endpoint: EndpointOpt = None,
) -> None:
    """Write the store's content as RDF."""

    def export_into(tmp: IO[bytes]) -> int:
        """Write the export into the file ``tmp``; the bytes written. Notes on standard
        error say what an export of graphs made by reason or screen holds."""
        from scgraph.datasets import DERIVED_GRAPHS

        with connect(store, endpoint=endpoint, read_only=True) as st:
            named = _graph_named(st, graph)
            write_export(st, tmp, fmt.value, graph=named)
            # asked of each graph: listing the graphs scans an endpoint's every quad
            made = [g for g in DERIVED_GRAPHS if named is None
                    and st.ask(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")]
            notes = _stale(st) if made else []
        if made and fmt in (ExportFormat.ttl, ExportFormat.nt):
            notes.append(f"{fmt.value} merges the graphs: what {' and '.join(made)} hold "
                         "becomes stated data of one dataset when the file is ingested "
                         "again; nq, trig and jsonld keep them apart")
        for note in notes:
            err.print(f"note: {note}", markup=False)
        return tmp.tell()

    def export_to(out: IO[bytes]) -> int:
        """Export through a temporary file into ``out`` (a stream: no half of an export
        is read from it if the store fails); the bytes written."""
        with tempfile.TemporaryFile() as tmp:
            size = export_into(tmp)
            tmp.seek(0)
            shutil.copyfileobj(tmp, out, 1 << 20)
        out.flush()
        return size

    if output is None or str(output) == "-":  # as viz --out - does
        try:
            export_to(sys.stdout.buffer)
        except BrokenPipeError:
            raise  # the reader stopped reading: not an error (typer quiets it; see main)
        except OSError as exc:
            raise ScgraphError(f"export: cannot write to standard output, or to the file in "
                               f"TMPDIR the export passes through: {exc.strerror or exc}"
                               ) from exc
        return
    target = output.resolve()  # through a symbolic link: its file is replaced, not the link
    if target.is_dir():
        raise ScgraphError(f"{output}: is a folder; --out names the file to write")
    if target.exists() and not target.is_file():  # a pipe or a device: written into
        try:
            with target.open("wb") as sink:
                size = export_to(sink)
        except OSError as exc:
            raise ScgraphError(f"{output}: cannot write: {exc.strerror or exc}") from exc
        err.print(f"wrote {output} ({size} bytes)", markup=False)
        return
    # written next to the output and renamed: a failed export leaves no half of a file
    make_folder(target.parent, f"{output}: cannot write")  # as viz and report do
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp")
    except OSError as exc:
        raise ScgraphError(f"{output}: cannot write: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w+b") as tmp:
            size = export_into(tmp)
        os.chmod(name, _file_mode())  # mkstemp makes it 0600; a new file is 0666 - umask
        os.replace(name, target)
    except OSError as exc:
        raise ScgraphError(f"{output}: cannot write: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    err.print(f"wrote {output} ({size} bytes)", markup=False)


# --- reasoning ---

@app.command("reason")
def reason_cmd(
    store: StoreOpt = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Check ontology and data for consistency under HermiT; exit 1 and "
                        "explain if they are inconsistent.")] = False,
    materialize: Annotated[bool, typer.Option(
        "--materialize", help="Write the inferred classes and properties into the named graph "
                              "https://w3id.org/scgraph/graph/inferred (replacing it).")] = False,
    owlrl: Annotated[bool, typer.Option(
        "--owlrl", help="With --materialize: compute the OWL 2 RL closure with owlrl instead "
                        "of the SPARQL rules (slow).")] = False,
    drop: Annotated[bool, typer.Option(
        "--drop", help="Remove the inferred graph.")] = False,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, help="With --check: at most this many initiatives per HermiT "
        "run; a municipality is kept whole, so one with more initiatives makes a larger "
        "batch  [default: 2000]",
        show_default=False)] = None,
) -> None:
    """Check consistency (HermiT) and materialise inferred triples into their own graph."""
    from scgraph.errors import InconsistentError, UsageError
    from scgraph.reasoning import check_consistency, drop_inferred
    from scgraph.reasoning import materialize as run_materialize

    if owlrl and not materialize:
        raise UsageError("--owlrl only applies to --materialize")
    if not (check or materialize or drop):
        raise UsageError("choose what to do: --check, --materialize or --drop")
    if drop and (check or materialize):
        raise UsageError("--drop cannot be combined with --check or --materialize")
    if batch_size is not None and not check:
        raise UsageError("--batch-size only applies to --check")
    if drop:
        with open_store(store, create=False) as st:
            gone = drop_inferred(st)
        out.print("dropped the inferred graph" if gone else "no inferred graph to drop",
                  markup=False)
        return
    if check:
        with open_store(store, read_only=True) as st, _progress(True) as say:
            sized = {} if batch_size is None else {"batch_size": batch_size}
            report = check_consistency(st, progress=say, **sized)  # type: ignore[arg-type]
        if not report.consistent:
            raise InconsistentError(
                [str(p) for p in report.problems],
                f"the data is inconsistent with the ontology (HermiT, {report.initiatives} "
                f"initiatives){'; nothing was inferred' if materialize else ''}. "
                f"Correct these statements in the dataset and ingest it again:")
        out.print(f"consistent: ontology and {report.initiatives} initiatives "
                  f"(HermiT, {report.batches} batch{'es' if report.batches != 1 else ''}, "
                  f"{report.seconds:.1f} s)", markup=False)
    if materialize:
        with open_store(store, create=False) as st, _progress(True) as say:
            result = run_materialize(st, method="owlrl" if owlrl else "sparql",
                                     progress=say)  # type: ignore[arg-type]
        for why in result.left_out.values():
            err.print(f"note: {why}; until then `reason --materialize` leaves it out, so run "
                      "it again after that", markup=False)
        defined = ", ".join(f"{iri.rsplit('#', 1)[-1]} {n}" for iri, n in result.defined.items())
        out.print(f"inferred {result.triples} triples ({result.types} class memberships; "
                  f"{defined}) with {result.method} in {result.seconds:.1f} s -> {result.graph}",
                  markup=False)
# --- screening ---

@app.command("screen")
def screen_cmd(
    store: StoreOpt = None,
    keywords: Annotated[Path | None, typer.Option(
        "--keywords", help="Keyword-rule file (default: the packaged keywords.yaml).",
        show_default=False)] = None,
    patterns: Annotated[Path | None, typer.Option(
        "--patterns", help="Folder with side_effect_patterns.csv and "
        "pattern_solution_types.csv (default: the packaged ones).", show_default=False)] = None,
) -> None:
    """Infer solution types and load the screening rules into the store.

    Initiatives that state no solution type are classified by keyword rules; the
    inferred types (with the matched words) and the side-effect patterns are
    written into their own named graphs, replacing those of an earlier run.
    """
    from scgraph.screening import PATTERNS_GRAPH, SCREENING_GRAPH, screen

    if keywords is not None and not keywords.is_file():
        what = "a folder" if keywords.is_dir() else "no such file"
        raise UsageError(f"{keywords}: {what}; --keywords names a keyword-rule file "
                         "(like scgraph/screening/keywords.yaml)")
    if patterns is not None:
        from scgraph.screening.patterns import MAPPING_FILE, PATTERNS_FILE

        missing = [f for f in (PATTERNS_FILE, MAPPING_FILE) if not (patterns / f).is_file()]
        if not patterns.is_dir() or missing:
            what = ("no such folder" if not patterns.exists() else "not a folder"
                    if not patterns.is_dir() else f"no {' and no '.join(missing)} in it")
            raise UsageError(f"{patterns}: {what}; --patterns names a folder with "
                             f"{PATTERNS_FILE} and {MAPPING_FILE}")
    with open_store(store, create=False) as st:
        report = screen(st, keywords=keywords, patterns=patterns)
    out.print(f"screened {report.initiatives} initiatives: {report.classified} without stated "
              f"solution types got {report.inferred} inferred types -> {SCREENING_GRAPH}",
              markup=False)
    out.print(f"loaded {report.patterns} screening rules -> {PATTERNS_GRAPH}", markup=False)


# --- viz ---

class ViewName(StrEnum):
    overview = "overview"
    network = "network"
    municipality = "municipality"
    impact = "impact"


class Lang(StrEnum):
    de = "de"
    en = "en"


@app.command("viz")
def viz_cmd(
    view: Annotated[ViewName, typer.Option("--view", help="Which view to draw.")],
    output: Annotated[Path, typer.Option("--out", help="HTML file to write (- for standard "
                                         "output).", show_default=False)],
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    municipality: Annotated[str | None, typer.Option(
        "--municipality", help="municipality view: its name; network view: keep only its "
        "initiatives.", show_default=False)] = None,
    initiative: Annotated[str | None, typer.Option(
        "--initiative", help="impact view: id of the initiative.", show_default=False)] = None,
    field: Annotated[str | None, typer.Option(
        "--field", help="network view: keep initiatives in this action field (key or label).",
        show_default=False)] = None,
    programme: Annotated[str | None, typer.Option(
        "--programme", help="network view: keep initiatives whose programme contains this.",
        show_default=False)] = None,
    actors: Annotated[bool, typer.Option(
        "--actors", help="network view: also draw the actors.")] = False,
    screening: Annotated[bool, typer.Option(
        "--screening", help="network view: mark initiatives with open potential risks of the "
        "side-effect screening; open data-protection risks stand out.")] = False,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of labels.")] = Lang.en,
) -> None:
    """Write an interactive view as one self-contained HTML file (works offline)."""
    from scgraph.analytics import load_graph_data
    from scgraph.errors import UsageError
    from scgraph.viz import (
        impact_view,
        load_details,
        municipality_view,
        network_view,
        overview_view,
        render_html,
        write_html,
    )

    if view is not ViewName.network:
        extra = [name for name, value in (("--field", field), ("--programme", programme),
                                          ("--actors", actors or None),
                                          ("--screening", screening or None))
                 if value is not None]
        if view is not ViewName.municipality and municipality is not None:
            extra.append("--municipality")
        if extra:
            raise UsageError(f"{', '.join(extra)}: only for --view network")
    if view is ViewName.municipality and not municipality:
        raise UsageError("--view municipality needs --municipality NAME")
    if view is ViewName.impact and not initiative:
        raise UsageError("--view impact needs --initiative ID")
    if view is not ViewName.impact and initiative is not None:
        raise UsageError("--initiative: only for --view impact")
    with connect(store, endpoint=endpoint, read_only=True) as st:
        data = load_graph_data(st)
        details = load_details(st)
        stale = None
        if screening and view is ViewName.network and not data.initiatives.empty:
            from scgraph.analytics.screening import screening as screening_frame
            from scgraph.screening import stale_screening

            screened = screening_frame(st)
            stale = stale_screening(st)
        else:
            screened = None
    if stale:  # as analyze screening and report say it
        err.print(f"note: {stale}", markup=False)
    if data.initiatives.empty:
        raise _holds_nothing(store, endpoint)
    code = lang.value
    if view is ViewName.overview:
        v = overview_view(data, lang=code)
    elif view is ViewName.network:
        v = network_view(data, lang=code, details=details, actors=actors, field=field,
                         municipality=municipality, programme=programme, screening=screened)
    elif view is ViewName.municipality:
        assert municipality is not None
        v = municipality_view(data, municipality, lang=code, details=details)
    else:
        assert initiative is not None
        v = impact_view(data, initiative, lang=code, details=details)
    if str(output) == "-":
        sys.stdout.buffer.write(render_html(v).encode("utf-8"))
        sys.stdout.buffer.flush()
        where = "standard output"
    else:
        where = str(write_html(v, output))
    err.print(f"wrote {where}: {view.value} view, {len(v.nodes)} nodes, {len(v.edges)} edges",
              markup=False)
# --- analytics ---

class TableCsvJson(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _measure_names() -> list[str]:
    from scgraph.analytics import MEASURES

    return sorted(MEASURES)


@app.command("analyze")
def analyze_cmd(
    name: Annotated[str, typer.Argument(
        help="The measure: field-matrix, cross-field, isolated, bridges, critical, "
             "side-effects, integration or screening.", show_default=False)],
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    fmt: Annotated[TableCsvJson, typer.Option("--format", help="Output format.")] =
        TableCsvJson.table,
) -> None:
    """Compute one measure of cross-field dependencies and print it as a table."""
    from scgraph.analytics import MEASURES
    from scgraph.analytics.tables import csv_text
    from scgraph.errors import UsageError

    measure = MEASURES.get(name)
    if measure is None:
        raise UsageError(f"analyze: unknown measure {name!r}; choose one of "
                         f"{', '.join(_measure_names())}")
    with connect(store, endpoint=endpoint, read_only=True) as st:
        frame = measure(st)
        if name == "screening":
            from scgraph.screening import stale_screening

            stale = stale_screening(st)
            if stale:
                err.print(f"note: {stale}", markup=False)
    if fmt is TableCsvJson.csv:
        sys.stdout.write(csv_text(frame))
    elif fmt is TableCsvJson.json:
        out.print(frame.to_json(orient="records", force_ascii=False, indent=2), markup=False)
    else:
        out.print(_table(f"{name} ({len(frame)} rows)", [str(c) for c in frame.columns],
                         (["" if _missing(v) else str(v) for v in row]
                          for row in frame.head(TABLE_ROWS).itertuples(index=False))))
        _say_shown(len(frame))


#: Rows the table format shows at most: a terminal table of 200,000 rows took minutes and a
#: gigabyte; the other formats give every row.
TABLE_ROWS = 1000


def _say_shown(rows: int) -> None:
    if rows > TABLE_ROWS:
        err.print(f"note: the table shows the first {TABLE_ROWS} of {rows} rows; "
                  "--format csv or json gives all", markup=False)


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> RichTable:
    """A table for the terminal whose texts are shown as they are: a ``[`` in the data
    is no markup."""
    table = RichTable(title=Text(title))
    for col in columns:
        table.add_column(Text(col))
    for row in rows:
        table.add_row(*map(Text, row))
    return table


def _file_mode() -> int:
    """The mode ``open()`` gives a new file under the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


@app.command("report")
def report_cmd(
    store: StoreOpt = None,
    endpoint: EndpointOpt = None,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Folder to write report.html, report.md and the tables' CSV files.")
    ] = Path("out/report"),
) -> None:
    """Write the dependency report as one self-contained HTML file and Markdown."""
    from scgraph.namespaces import SC
    from scgraph.reports import write_report
    from scgraph.screening import stale_screening

    with connect(store, endpoint=endpoint, read_only=True) as st:
        if not len(st.select(f"SELECT ?i WHERE {{ GRAPH ?g {{ ?i a <{SC}Initiative> }} }} "
                             "LIMIT 1")):  # as viz: a report of nothing is no report
            raise _holds_nothing(store, endpoint)
        written = write_report(st, out_dir)
        stale = stale_screening(st)
    # on standard error, as export and viz say what they wrote
    err.print(f"wrote {written.html}", markup=False)
    err.print(f"wrote {written.markdown} and {len(written.tables)} CSV tables", markup=False)
    if stale:
        err.print(f"note: {stale} (the report's screening section says so too)", markup=False)
# --- queries ---


class QueryFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    tsv = "tsv"


def _parse_params(params: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param {item!r}: expected NAME=VALUE, e.g. "
                             "--param platform=MPSC-SG-HUB")
        if key.strip() in out:  # which one was meant is not for us to guess
            raise QueryError(f"--param {key.strip()!r} is given twice; give each parameter "
                             "once")
        out[key.strip()] = nfc(value)  # as ingest keeps text
    return out


@app.command("query")
def query_cmd(
    name: Annotated[str | None, typer.Argument(
        help="Name of a named query (see --list) or a .rq file.", show_default=False)] = None,
    store: StoreOpt = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="NAME=VALUE, once per parameter.", show_default=False)] = None,
    fmt: Annotated[QueryFormat, typer.Option("--format", help="Output format.")] =
        QueryFormat.table,
    list_: Annotated[bool, typer.Option("--list", help="List the named queries.")] = False,
    endpoint: EndpointOpt = None,
) -> None:
    """Run a named SPARQL query (or a .rq file) with typed parameters."""
    if list_:
        if name is not None or param:  # not left out without a word
            raise UsageError("--list lists every named query and takes no query or "
                             "--param; run the query without --list")
        for q in list_queries():
            params = " ".join(f"--param {p.name}=<{p.type}>" for p in q.parameters)
            out.print(f"{q.name}  {q.title}" + (f"  [{params}]" if params else ""),
                      markup=False)
        return
    if name is None:
        raise QueryError("give a query name or a .rq file; `scgraph query --list` shows them")
    query = load_query(name)
    values = _parse_params(param or [])
    query.bindings(values)  # check the parameters before opening the store
    with connect(store, endpoint=endpoint, read_only=True) as st:
        table = run_query(st, query, values)
    if fmt is QueryFormat.table:
        out.print(_table(query.title or query.name, table.columns,
                         (["" if v is None else v for v in row]
                          for row in table.values()[:TABLE_ROWS])))
        err.print(f"{len(table)} rows", markup=False)
        _say_shown(len(table))
        return
    sys.stdout.buffer.write(serialize_table(table, fmt.value))
    sys.stdout.buffer.flush()


# --- endpoint ---


@app.command("push")
def push_cmd(
    endpoint: Annotated[str, typer.Option("--endpoint", help="SPARQL query endpoint URL.",
                                          show_default=False)],
    update_endpoint: Annotated[str, typer.Option(
        "--update-endpoint", help="SPARQL update endpoint URL.", show_default=False)],
    store: StoreOpt = None,
    graph_store: GraphStoreOpt = None,
) -> None:
    """Upload every named graph of the embedded store to a SPARQL endpoint.

    Each graph replaces the endpoint's graph of the same IRI; all graphs are moved in
    place by one update, so a failed upload changes nothing.
    """
    with open_store(store, read_only=True) as local:
        graphs = {g: local.export("nt", graph=g) for g in local.graphs()}
    if not graphs:
        raise UsageError(f"{store_path(store)}: the store holds no graphs; nothing to push")
    with connect(endpoint=endpoint, update_endpoint=update_endpoint,
                 graph_store=graph_store) as remote:
        remote.replace_graphs(graphs)
    for g, data in graphs.items():
        n = data.count(b"\n")
        out.print(f"pushed {g} ({n} triples) -> {endpoint}", markup=False)


@app.command("serve")
def serve_cmd(
    store: StoreOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0: any free port).", min=0,
                                      max=65535)] = 7878,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow a non-loopback --host (the endpoint has no "
        "authentication).")] = False,
    allow_service: Annotated[bool, typer.Option(
        "--allow-service", help="Allow SERVICE (federated queries to other endpoints).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Do not log requests.")] = False,
) -> None:
    """Serve the store as a read-only SPARQL 1.1 endpoint with a query page at /."""
    from scgraph.serve import make_server
    from scgraph.store import ReopeningStore

    # opened per query: an ingest can run while the endpoint serves
    with ReopeningStore(store_path(store)) as st:
        server = make_server(st, host, port, allow_remote=allow_remote,
                             allow_service=allow_service,
                             log=None if quiet else lambda m: err.print(m, markup=False))
        if not is_loopback_host(host):
            err.print(f"warning: listening on {host}: anyone who can reach it can read "
                      "the whole store", markup=False)
        out.print(f"serving {server.url} (SPARQL endpoint {server.url}sparql); "
                  "Ctrl-C stops", markup=False)
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            err.print("stopped", markup=False)
        finally:
            server.server_close()


class Terminated(KeyboardInterrupt):
    """A SIGTERM came: the command stops as on Ctrl-C, so that what is open is closed and
    a write that did not commit is undone (by default the process would end on the spot)."""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (see the module docstring)."""
    from scgraph.store.commits import committed

    signals: list[int] = []
    commits = committed()

    def terminate(signum: int, frame: object) -> None:
        signals.append(signum)
        raise Terminated

    def kept(whose: str) -> str:
        """The end of a message of a command stopped after its write had committed: what
        it wrote is kept, which "interrupted" or an error alone would not say."""
        return (f"; {whose} write to the store had committed and is kept"
                if committed() > commits else "")

    def stopped() -> int:
        err.print(("terminated" if signals else "interrupted") + kept("its"), markup=False)
        return EXIT_TERMINATED if signals else EXIT_INTERRUPTED

    def unwritable(exc: OSError) -> int:
        """Standard output (or another file) could not be written: a full disk, say."""
        with contextlib.suppress(OSError, ValueError):  # what is still buffered goes
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nowhere
        what = f"{exc.filename}: " if exc.filename else "writing failed: "  # no name: stdout
        err.print(f"error: {what}{exc.strerror or exc}" + kept("the command's"), markup=False)
        return EXIT_ERROR

    main_thread = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, terminate) if main_thread else None
    try:
        app(args=argv, prog_name="scgraph", standalone_mode=True)
    except SystemExit as exc:  # usage errors (2), --help and --version (0)
        code = exc.code
        if code == EXIT_INTERRUPTED:  # typer's exit for Ctrl-C, and a SIGTERM here
            return stopped()
        if code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            # the reader of standard output stopped reading (`... | head`): typer quiets
            # the closed stream and exits with 1; nothing went wrong here
            return EXIT_OK
        if code in (0, None):
            try:  # what is still buffered, written now rather than lost at exit
                sys.stdout.flush()
            except BrokenPipeError:
                return EXIT_OK
            except OSError as failed:
                return unwritable(failed)
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_ERROR)
    except OSError as exc:  # a write that failed, not a closed pipe (typer quiets that)
        return unwritable(exc)
    except InputError as exc:
        err.print(f"error: {exc}", markup=False)
        return EXIT_INVALID
    except ScgraphError as exc:
        err.print(f"error: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:  # before or after typer runs the command
        return stopped()
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
