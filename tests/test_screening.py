"""Screening rules, the screening graphs, and the ``screening`` measure.

Each status rule (open, recorded, mitigated and its precedence), the choice of
confidence and the use of stated versus inferred types is tested on a small made-up
dataset; the whole measure on ``data/mpsc`` against a golden file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from scgraph.analytics import load_graph_data
from scgraph.analytics.screening import SCREENING_COLUMNS, screening
from scgraph.errors import InputError, UsageError
from scgraph.ingest import ingest
from scgraph.namespaces import SC, SOLUTION, initiative_iri
from scgraph.screening import (
    PATTERNS_GRAPH,
    SCREENING_GRAPH,
    Pattern,
    keywords_file,
    pattern_ntriples,
    patterns_dir,
    read_patterns,
    screen,
    solution_types,
    stored_patterns,
)
from scgraph.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "screening_mpsc.csv"

INITIATIVES = """id,name,action_fields,description,solution_types,source
T-CAM,Camera pilot,safety,Cameras on the square.,video_analysis,https://example.org/cam
T-APP,Town app,public_services,A town app for residents.,,https://example.org/app
T-LAB,Stadtlabor,participation,Ein Ort für Begegnung.,,https://example.org/lab
T-BUS,Rufbus,mobility,,On-Demand-Shuttle,https://example.org/bus
"""
SIDE_EFFECTS = """initiative_id,effect,polarity,affects_fields,description,mitigation,source
T-CAM,surveillance,risk,safety,Cameras watch people.,Signs and deletion after 72 hours,
T-APP,data_protection,risk,public_services,The app asks for the location.,,
T-BUS,modal_shift,benefit,mobility,People leave their cars.,,
T-BUS,modal_shift,risk,mobility,Some walk less.,Stops only outside walking distance,
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    folder = tmp_path / "screening"
    folder.mkdir()
    (folder / "initiatives.csv").write_text(INITIATIVES, encoding="utf-8")
    (folder / "side_effects.csv").write_text(SIDE_EFFECTS, encoding="utf-8")
    return folder


@pytest.fixture
def small_store(small: Path) -> EmbeddedStore:
    store = EmbeddedStore()
    ingest([small], store)
    return store


def _status(frame: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    return {(r.id, r.pattern, r.effect): r.status for r in frame.itertuples(index=False)}


# --- patterns ------------------------------------------------------------------------

def test_packaged_files_exist() -> None:
    assert keywords_file().is_file()
    assert (patterns_dir() / "side_effect_patterns.csv").is_file()
    assert (patterns_dir() / "pattern_solution_types.csv").is_file()


def test_patterns_are_read_with_their_mapping() -> None:
    patterns = {p.id: p for p in read_patterns()}
    assert len(patterns) == 31
    assert sum(p.polarity == "risk" for p in patterns.values()) == 23
    cam = patterns["SEP-01"]
    assert cam.effects == ("surveillance", "data_protection")
    assert cam.fields == ("safety", "participation")
    assert cam.solution_types == ("video_analysis",)
    assert cam.sources[0].startswith("https://bfdi.bund.de/")
    assert patterns["SEP-21"].solution_types == ()  # mapped to no type, with a note
    assert patterns["SEP-21"].note


def _pattern_folder(tmp_path: Path, mapping: str, extra_pattern: str = "") -> Path:
    folder = tmp_path / "patterns"
    folder.mkdir()
    (folder / "side_effect_patterns.csv").write_text(
        "id,trigger,effect,polarity,affects_fields,mitigation,source\n"
        "P-1,city app,data_protection,risk,public_services,Ask less,https://example.org/p1\n"
        + extra_pattern, encoding="utf-8")
    (folder / "pattern_solution_types.csv").write_text(
        "pattern_id,solution_types,note\n" + mapping, encoding="utf-8")
    return folder


def test_bad_pattern_files_are_located(tmp_path: Path) -> None:
    folder = _pattern_folder(
        tmp_path, "P-1,city_app;jetpack,\nP-9,drone,\n",
        "P-2,drones,teleportation,maybe,space,,https://example.org/%zz\n")
    with pytest.raises(InputError) as info:
        read_patterns(folder)
    got = [(Path(p.file or "").name, p.line, p.field, p.value) for p in info.value.problems]
    assert got == [  # by file and line (a problem of the whole file first)
        ("pattern_solution_types.csv", None, "pattern_id", "P-9"),
        ("pattern_solution_types.csv", 2, "solution_types", "jetpack"),
        ("side_effect_patterns.csv", 3, "effect", "teleportation"),
        ("side_effect_patterns.csv", 3, "polarity", "maybe"),
        ("side_effect_patterns.csv", 3, "affects_fields", "space"),
        ("side_effect_patterns.csv", 3, "source", "https://example.org/%zz"),
        ("side_effect_patterns.csv", 3, "id", "P-2"),
    ]


@pytest.mark.parametrize(("change", "expected"), [
    # a pattern file that cannot be used is one problem, not one per pattern of the other
    (lambda f: (f / "pattern_solution_types.csv").unlink(),
     [("pattern_solution_types.csv", None, None, "cannot be read")]),
    (lambda f: (f / "side_effect_patterns.csv").write_text("Id,trigger,effect,polarity,"
                                                           "affects_fields\nP-1,a,b,c,d\n"),
     [("side_effect_patterns.csv", 1, None, "required column missing: id")]),
    (lambda f: (f / "side_effect_patterns.csv").write_text("id,trigger,effect,polarity,"
                                                           "affects_fields\n"),
     [("side_effect_patterns.csv", 2, None, "the file has no rows")]),
    (lambda f: (f / "side_effect_patterns.csv").write_bytes(
        b"id,trigger,effect,polarity,affects_fields\nP-1,caf\xe9,data_protection,risk,"
        b"energy\n"), [("side_effect_patterns.csv", None, None, "invalid UTF-8")]),
    (lambda f: (f / "side_effect_patterns.csv").write_text(
        "id,trigger,effect,polarity,affects_fields\nP-1,\"open\n"),
     [("side_effect_patterns.csv", 2, None, "malformed CSV")]),
    (lambda f: (f / "side_effect_patterns.csv").write_text(
        "id,trigger,effect,polarity,affects_fields\nP-1,a,data_protection,risk,energy\n"
        "P-1,b,data_protection,risk,energy\n"),
     [("side_effect_patterns.csv", 3, "id", "missing or repeated pattern id")]),
])
def test_an_unusable_pattern_file_is_one_problem(
        tmp_path: Path, change: Callable[[Path], object],
        expected: list[tuple[str, int | None, str | None, str]]) -> None:
    folder = _pattern_folder(tmp_path, "P-1,city_app,\n")
    change(folder)
    with pytest.raises(InputError) as info:
        read_patterns(folder)
    got = [(Path(p.file or "").name, p.line, p.field, p.message[:len(m)])
           for p, (_f, _l, _d, m) in zip(info.value.problems, expected, strict=False)]
    assert len(info.value.problems) == len(expected)
    assert got == expected


def test_labels_work_in_the_mapping(tmp_path: Path) -> None:
    [p] = read_patterns(_pattern_folder(tmp_path, "P-1,Stadt-App,\n"))
    assert p.solution_types == ("city_app",)


def test_patterns_round_trip_through_the_store() -> None:
    patterns = read_patterns()
    with EmbeddedStore() as store:
        store.replace_graphs({PATTERNS_GRAPH: pattern_ntriples(patterns)})
        back = stored_patterns(store)
    assert [p.id for p in back] == sorted(p.id for p in patterns)
    by_id = {p.id: p for p in patterns}
    for p in back:
        q = by_id[p.id]
        assert (p.trigger, p.polarity, p.mitigation, p.note) == (
            q.trigger, q.polarity, q.mitigation, q.note)
        assert p.effects == tuple(sorted(q.effects))
        assert p.fields == tuple(sorted(q.fields))
        assert p.solution_types == tuple(sorted(q.solution_types))
        assert p.sources == tuple(sorted(q.sources))


# --- scgraph screen: the two graphs ----------------------------------------------------

def test_screen_writes_inferred_types_with_evidence(small_store: EmbeddedStore) -> None:
    report = screen(small_store)
    assert (report.initiatives, report.classified, report.inferred, report.patterns) == (
        4, 1, 1, 31)
    assert {SCREENING_GRAPH, PATTERNS_GRAPH} <= set(small_store.graphs())
    rows = small_store.select(f"""
        SELECT ?i ?t ?c ?e WHERE {{ GRAPH <{SCREENING_GRAPH}> {{
          ?a a <{SC}SolutionTypeAssignment> ; <{SC}assignedTo> ?i ; <{SC}assignedType> ?t ;
             <{SC}confidence> ?c ; <{SC}evidence> ?e .
          ?i <{SC}solutionType> ?t }} }}""").values()
    assert rows == [(initiative_iri("T-APP"), SOLUTION + "city_app", "inferred", "app")]
    # stated types stay in the dataset graph; an initiative with a stated type is not classified
    assert not small_store.ask(f"ASK {{ GRAPH <{SCREENING_GRAPH}> "
                               f"{{ <{initiative_iri('T-CAM')}> ?p ?o }} }}")


def _but_when(export: bytes) -> list[bytes]:
    """The lines of an export but the one that says when the screening graph was made."""
    lines = export.splitlines()
    when = [line for line in lines if b"generatedAtTime> \"" in line]
    assert len(when) == 1
    return [line for line in lines if line not in when]


def test_screen_replaces_its_graphs(small_store: EmbeddedStore, tmp_path: Path) -> None:
    screen(small_store)
    first = small_store.export("nq")
    screen(small_store)  # perhaps a second later: only its time may differ
    assert _but_when(small_store.export("nq")) == _but_when(first)
    rules = tmp_path / "rules.yaml"
    rules.write_text("types:\n  drone:\n    match: ['begegnung']\n", encoding="utf-8")
    report = screen(small_store, keywords=rules)
    assert report.inferred == 1
    types = solution_types(small_store)
    assert types[types["confidence"] == "inferred"].values.tolist() == [
        ["T-LAB", "drone", "inferred", "begegnung"]]


def test_solution_types_before_and_after_screen_agree(small_store: EmbeddedStore) -> None:
    before = solution_types(small_store)
    assert before.values.tolist() == [
        ["T-APP", "city_app", "inferred", "app"],
        ["T-BUS", "on_demand_shuttle", "stated", ""],
        ["T-CAM", "video_analysis", "stated", ""],
    ]
    screen(small_store)
    pd.testing.assert_frame_equal(solution_types(small_store), before)


# --- the measure: one test per rule ----------------------------------------------------

def test_screening_rows_and_columns(small_store: EmbeddedStore) -> None:
    frame = screening(small_store)
    assert list(frame.columns) == SCREENING_COLUMNS
    assert sorted(set(frame["id"])) == ["T-APP", "T-BUS", "T-CAM"]  # T-LAB has no type
    assert len(frame) == 3 + 5 + 4
    row = frame[(frame["id"] == "T-CAM") & (frame["pattern"] == "SEP-01")
                & (frame["effect"] == "data_protection")].iloc[0]
    assert row["name"] == "Camera pilot"
    assert row["polarity"] == "risk"
    assert row["fields"] == "participation;safety"
    assert row["suggested_mitigation"].startswith("Apply data-protection principles")
    assert row["source"].startswith("https://bfdi.bund.de/")


def test_open_when_nothing_of_that_kind_is_recorded(small_store: EmbeddedStore) -> None:
    status = _status(screening(small_store))
    assert status["T-CAM", "SEP-01", "data_protection"] == "open"
    assert status["T-CAM", "SEP-23", "crime_displacement"] == "open"
    assert status["T-APP", "SEP-09", "data_breach"] == "open"


def test_recorded_when_a_side_effect_of_that_kind_has_no_mitigation(
        small_store: EmbeddedStore) -> None:
    status = _status(screening(small_store))
    assert status["T-APP", "SEP-08", "data_protection"] == "recorded"


def test_mitigated_when_one_has_a_mitigation(small_store: EmbeddedStore) -> None:
    status = _status(screening(small_store))
    assert status["T-CAM", "SEP-01", "surveillance"] == "mitigated"
    # the risk pattern is answered by the recorded risk, which has a mitigation
    assert status["T-BUS", "SEP-15", "modal_shift"] == "mitigated"
    assert status["T-BUS", "SEP-15", "vehicle_km_increase"] == "open"


def test_a_recorded_effect_answers_only_a_potential_one_of_its_polarity(
        small_store: EmbeddedStore) -> None:
    rules = [Pattern("X-R", "shuttle", ("modal_shift",), "risk", ("mobility",), None,
                     ("a study",), ("on_demand_shuttle",)),
             Pattern("X-B", "shuttle", ("modal_shift",), "benefit", ("mobility",), None,
                     ("a study",), ("on_demand_shuttle",)),
             Pattern("X-A", "app", ("data_protection",), "benefit", ("culture",), None,
                     ("a study",), ("city_app",))]
    status = _status(screening(small_store, patterns=rules))
    # T-BUS records modal_shift as a risk with a mitigation and as a benefit without
    assert status["T-BUS", "X-R", "modal_shift"] == "mitigated"
    assert status["T-BUS", "X-B", "modal_shift"] == "recorded"
    # T-APP records data_protection as a risk only: a potential benefit stays open
    assert status["T-APP", "X-A", "data_protection"] == "open"


def test_confidence_says_whether_a_stated_type_triggers(small_store: EmbeddedStore) -> None:
    frame = screening(small_store)
    conf = dict(zip(frame["id"], frame["confidence"], strict=True))
    assert conf == {"T-APP": "inferred", "T-BUS": "stated", "T-CAM": "stated"}


def test_a_pattern_for_two_of_the_types_gives_one_row_per_effect(
        small_store: EmbeddedStore) -> None:
    types = pd.DataFrame([("T-BUS", "on_demand_shuttle", "inferred"),
                          ("T-BUS", "city_app", "stated")],
                         columns=["id", "solution_type", "confidence"])
    frame = screening(small_store, solution_types=types)
    sep10 = frame[frame["pattern"] == "SEP-10"]
    assert sep10[["id", "effect", "solution_types", "confidence"]].values.tolist() == [
        ["T-BUS", "digital_exclusion", "city_app;on_demand_shuttle", "stated"]]


def test_given_patterns_replace_the_packaged_ones(small_store: EmbeddedStore) -> None:
    rule = Pattern("X-1", "any town app", ("data_protection", "noise"), "risk", ("culture",),
                   None, ("a study",), ("city_app",))
    frame = screening(small_store, patterns=[rule])
    assert frame[["id", "pattern", "effect", "status", "fields", "suggested_mitigation",
                  "source"]].values.tolist() == [
        ["T-APP", "X-1", "data_protection", "recorded", "culture", "", "a study"],
        ["T-APP", "X-1", "noise", "open", "culture", "", "a study"]]


def test_stored_patterns_are_used_after_screen(small_store: EmbeddedStore,
                                               tmp_path: Path) -> None:
    folder = _pattern_folder(tmp_path, "P-1,city_app,\n")
    screen(small_store, patterns=folder)
    frame = screening(small_store)
    assert frame[["id", "pattern", "effect", "status"]].values.tolist() == [
        ["T-APP", "P-1", "data_protection", "recorded"]]


def test_graph_data_needs_solution_types(small_store: EmbeddedStore) -> None:
    data = load_graph_data(small_store)
    with pytest.raises(UsageError, match="pass the store itself"):
        screening(data)
    same = screening(data, solution_types=solution_types(small_store))
    pd.testing.assert_frame_equal(same, screening(small_store))


# --- golden result on data/mpsc ------------------------------------------------------

def test_screening_mpsc_matches_golden(mpsc_path: Path) -> None:
    """``screening`` on data/mpsc equals tests/golden/screening_mpsc.csv.

    The file was computed once (ingest data/mpsc into an empty store, then
    ``screening(store).to_csv(index=False)``) and checked by hand: every
    non-``open`` row against data/mpsc/side_effects.csv (kind recorded for that
    initiative; ``mitigated`` exactly where the mitigation column is filled), the
    ``solution_types`` of 25 rows against the names and descriptions in
    initiatives.csv, and each pattern's effects, fields, mitigation and sources against
    data/patterns. If the rules, patterns or data change on purpose, recompute,
    re-check the changed rows, and replace the file.
    """
    with EmbeddedStore() as store:
        ingest([mpsc_path], store)
        frame = screening(store)
        screen(store)
        after = screening(store)
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    assert buf.getvalue() == GOLDEN.read_text(encoding="utf-8")
    pd.testing.assert_frame_equal(after, frame)


# --- command line ----------------------------------------------------------------------

def test_cli_screen(cli, small: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("ingest", small).code == 0
    result = cli("screen")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "screened 4 initiatives: 1 without stated solution types got 1 inferred types -> "
        + SCREENING_GRAPH,
        "loaded 31 screening rules -> " + PATTERNS_GRAPH,
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text("types:\n  jetpack:\n    match: ['jet']\n", encoding="utf-8")
    result = cli("screen", "--keywords", bad)
    assert result.code == 1
    assert f"{bad}: field 'types': 'jetpack' is not a known solution type" in result.err
    # a file or folder that is not there is a usage error (2), as a dataset path is
    for option, path in (("--keywords", tmp_path / "nope.yaml"), ("--patterns", tmp_path / "no")):
        result = cli("screen", option, path)
        assert result.code == 2
        assert f"{path}: no such" in result.err
    # a folder without the pattern files, and a folder as the keyword file, alike (the
    # first was exit 1, "cannot be read", as if the data were invalid)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("screen", "--patterns", empty)
    assert result.code == 2
    assert (f"{empty}: no side_effect_patterns.csv and no pattern_solution_types.csv in it"
            in " ".join(result.err.split()))
    result = cli("screen", "--keywords", empty)
    assert result.code == 2
    assert f"{empty}: a folder; --keywords names a keyword-rule file" in result.err


def test_a_dataset_ingested_after_screen_makes_the_screening_graph_stale(
        small: Path, small_path: Path, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from scgraph.reports import write_report
    from scgraph.screening import stale_screening

    screen_module = __import__("scgraph.screening.screen", fromlist=["datetime"])
    with EmbeddedStore() as store:
        assert stale_screening(store) is None  # no screening graph
        ingest([small], store)
        screen(store)
        assert stale_screening(store) is None  # made after the ingest

        class Past(datetime):
            @classmethod
            def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
                return datetime(2000, 1, 1, tzinfo=UTC)

        with monkeypatch.context() as m:
            m.setattr(screen_module, "datetime", Past)
            screen(store)  # as if made long ago
        stale = stale_screening(store)
        assert stale is not None
        assert stale.startswith("the screening graph (2000-01-01T00:00:00")
        assert "older than dataset screening (" in stale
        assert stale.endswith("run `scgraph screen` again")
        write_report(store, tmp_path / "report")
        assert "Note: The screening graph (2000-01-01T00:00:00" in (
            tmp_path / "report" / "report.md").read_text(encoding="utf-8")
        # a graph from an earlier version says nothing of its time
        store._store.update(f"DELETE WHERE {{ GRAPH <{SCREENING_GRAPH}> {{ ?g "
                     "<http://www.w3.org/ns/prov#generatedAtTime> ?t } }")
        assert "does not say when it was made" in str(stale_screening(store))


def test_analyze_screening_report_and_viz_say_when_the_screening_graph_is_stale(
        cli, small: Path, tmp_path: Path) -> None:
    assert cli("ingest", small).code == 0
    assert cli("screen").code == 0
    fresh = cli("analyze", "screening", "--format", "csv")
    assert fresh.code == 0
    assert "note:" not in fresh.err
    store = tmp_path / ".scgraph"
    with EmbeddedStore(store) as st:
        st._store.update(f"DELETE WHERE {{ GRAPH <{SCREENING_GRAPH}> {{ ?g "
                         "<http://www.w3.org/ns/prov#generatedAtTime> ?t } }")
    stale = cli("analyze", "screening", "--format", "csv")
    assert stale.code == 0
    assert "note: the screening graph does not say when it was made" in stale.err
    report = cli("report", "--out", tmp_path / "report")
    assert report.code == 0
    assert "note: the screening graph does not say when it was made" in report.err
    view = cli("viz", "--view", "network", "--screening", "--out", tmp_path / "v.html")
    assert view.code == 0, view.err
    assert "note: the screening graph does not say when it was made" in view.err
    plain = cli("viz", "--view", "network", "--out", tmp_path / "w.html")
    assert "note:" not in plain.err  # the view without the screening does not read it


def test_an_ingest_in_the_same_second_as_the_screening_is_seen_as_later(
        small_path: Path) -> None:
    # both times were cut to whole seconds and compared with ">": an ingest in the second
    # the screening was made left no note
    from scgraph.datasets import stale_graphs

    with EmbeddedStore() as st:
        ingest([small_path], st)
        screen(st)
        ingest([small_path], st)  # within milliseconds
        assert "is older than dataset small" in stale_graphs(st)[SCREENING_GRAPH]


@pytest.mark.parametrize("when", ['"2026-01-01T10:00:00"', '"last week"'])
def test_a_time_an_rdf_file_gives_in_any_form_is_no_crash(small_path: Path, tmp_path: Path,
                                                          when: str) -> None:
    # a dateTime without a zone could not be compared with the screening's, and one that
    # is no time at all could not be read: ingest (after writing), stats and report failed
    from scgraph.datasets import stale_graphs
    from scgraph.stats import store_stats

    with EmbeddedStore() as st:
        ingest([small_path], st)
        screen(st)
        run = "<https://w3id.org/scgraph/graph/extra/ingest>"
        path = tmp_path / "extra.nq"
        path.write_text(
            "<https://w3id.org/scgraph/graph/extra> "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset> "
            "<https://w3id.org/scgraph/graph/extra> .\n"
            "<https://w3id.org/scgraph/graph/extra> <http://purl.org/dc/terms/identifier> "
            "\"extra\" <https://w3id.org/scgraph/graph/extra> .\n"
            "<https://w3id.org/scgraph/graph/extra> <http://www.w3.org/ns/prov#wasGeneratedBy> "
            f"{run} <https://w3id.org/scgraph/graph/extra> .\n"
            f"{run} <http://www.w3.org/ns/prov#endedAtTime> {when}"
            "^^<http://www.w3.org/2001/XMLSchema#dateTime> "
            "<https://w3id.org/scgraph/graph/extra> .\n",
            encoding="utf-8")
        ingest([path], st)
        assert store_stats(st)["datasets"]
        notes = stale_graphs(st)
        assert SCREENING_GRAPH in notes


@pytest.mark.parametrize("pid", ["P 2", "P<2", 'P"2', "P%zz"])
def test_a_pattern_id_with_any_character_names_its_rule(tmp_path: Path, small_path: Path,
                                                        pid: str) -> None:
    # the id was put into the rule's IRI as it was: the write of the patterns graph
    # failed as a store error (exit 2) with no line; it is percent-encoded now
    cell = '"' + pid.replace('"', '""') + '"'
    folder = _pattern_folder(tmp_path, f"P-1,city_app,\n{cell},drone,\n",
                             f"{cell},drone flights,surveillance,risk,mobility,,\n")
    with EmbeddedStore() as st:
        ingest([small_path], st)
        screen(st, patterns=folder)
        assert [p.id for p in stored_patterns(st)] == sorted(["P-1", pid])
