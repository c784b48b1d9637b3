"""Keyword rules for solution types: each rule in German and English, its exclusions,
the checks on the rule file, and precision/recall against the hand labels.

The hand labels (``tests/fixtures/solution_type_labels.csv``) were written from the
records' names and descriptions before the rules existed (see the git history) and
are never edited to fit the rules.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from scgraph.errors import InputError
from scgraph.ontology import vocabulary
from scgraph.screening import (
    KeywordRule,
    classify,
    classify_initiatives,
    keyword_rules,
    precision_recall,
    read_labels,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "solution_type_labels.csv"
DOC = ROOT / "docs" / "screening.md"

#: solution type -> (English text, German text); made-up sentences, not the MPSC records.
EXAMPLES: dict[str, tuple[str, str]] = {
    "urban_data_platform": ("The county builds an open data portal.",
                            "Aufbau einer regionalen Datenplattform"),
    "iot_network": ("Gateways extend the LoRaWAN coverage.", "Ausbau des städtischen Funknetzes"),
    "public_sensors": ("Sensors count cyclists on the bridge.",
                       "Pegelmessung an der Nidda mit Bodenfeuchtesensoren"),
    "video_analysis": ("Cameras watch the market square.", "Videoüberwachung am Bahnhof"),
    "city_app": ("A new town app for residents.", "Die Bürger-App der Gemeinde"),
    "digital_twin": ("A digital twin of the harbour.", "Ein Digitaler Zwilling für die Planung"),
    "dashboard": ("A public dashboard of air quality.", "Ein Cockpit für die Verwaltung"),
    "participation_platform": ("An online participation process on the budget.",
                               "Eine Beteiligungsplattform für den Haushalt"),
    "e_government": ("Residents apply for permits through online services.",
                     "Einführung der E-Akte in der Verwaltung"),
    "on_demand_shuttle": ("Ride-pooling vans serve the outskirts.",
                          "Ein Rufbus für die Ortsteile"),
    "autonomous_shuttle": ("A driverless shuttle on the campus.",
                           "Ein autonomer Bus im Testfeld"),
    "e_charging": ("New charging stations at the town hall.", "Mehr Ladesäulen im Quartier"),
    "smart_street_lighting": ("Street lights dim after midnight.",
                              "Intelligente Straßenbeleuchtung im Park"),
    "smart_meter": ("Smart meters in municipal housing.", "Energiemonitoring in Schulen"),
    "building_retrofit": ("An energy retrofit of the school.",
                          "Energetische Sanierung der Sporthalle"),
    "district_heating": ("Waste heat from the bakery feeds the network.",
                         "Ausbau des Wärmenetzes"),
    "public_wifi": ("Free WiFi on the market square.", "Kostenloses WLAN in der Innenstadt"),
    "broadband": ("Fibre to every farm.", "Breitbandausbau in den Dörfern"),
    "telemedicine": ("Telemedicine for the island.", "Videosprechstunde im Pflegeheim"),
    "education_makerspace": ("A FabLab in the library.", "Ein Makerspace im Jugendzentrum"),
    "mobility_hub": ("Car sharing at the station.", "Neue Mobilitätsstationen"),
    "drone": ("Drones inspect the dam.", "Eine Drohne bringt Proben ins Labor"),
    "traffic_management": ("Traffic lights give priority to buses.",
                           "Ein dynamisches Parkleitsystem"),
}


def test_every_solution_type_has_rules_and_examples() -> None:
    assert {r.solution_type for r in keyword_rules()} == set(vocabulary().solution_types)
    assert set(EXAMPLES) == set(vocabulary().solution_types)


@pytest.mark.parametrize("key", sorted(EXAMPLES))
@pytest.mark.parametrize("lang", ["en", "de"])
def test_rule_finds_its_type(key: str, lang: str) -> None:
    text = EXAMPLES[key][0 if lang == "en" else 1]
    found = classify("Test", text)
    assert key in found, found
    assert all(word.lower() in text.lower() for word in found[key])  # evidence is verbatim


def test_unrelated_text_gives_no_type() -> None:
    assert classify("Stadtlabor", "A meeting place for citizens in a vacant shop.") == {}


def test_ignore_spans_keep_mentions_of_other_solutions_out() -> None:
    # runs on a platform without being one
    assert "urban_data_platform" not in classify("Use case on the city's data platform")
    assert "urban_data_platform" in classify("The city's data platform")
    # an autonomous shuttle is not an on-demand one
    assert set(classify("Autonomous shuttle in the old town")) == {"autonomous_shuttle"}
    # sensors in classrooms are building sensors, not sensors in public space
    assert set(classify("CO2 sensors in classrooms")) == {"smart_meter"}
    assert set(classify("Sensors in the park")) == {"public_sensors"}


def test_app_does_not_match_inside_other_words() -> None:
    assert classify("Application for approval", "The approach was applied.") == {}
    assert classify("HildesheimApp")["city_app"] == ["hildesheimapp"]


def test_evidence_lists_each_word_once_in_text_order() -> None:
    found = classify("LoRaWAN sensors", "More LoRaWAN gateways and soil-moisture sensors.")
    assert found["iot_network"] == ["lorawan"]
    assert found["public_sensors"] == ["sensors", "soil-moisture"]


def test_classify_initiatives_frame() -> None:
    frame = pd.DataFrame({"id": ["B", "A", "C"], "name": ["Drone pilot", "City app", "Lab"],
                          "description": [None, "Ladesäulen am Rathaus", float("nan")]})
    got = classify_initiatives(frame)
    assert got.values.tolist() == [["A", "city_app", "app"],
                                   ["A", "e_charging", "ladesäulen"],
                                   ["B", "drone", "drone"]]


def test_classify_initiatives_gives_what_classify_gives_row_by_row() -> None:
    """The frame version looks at a rule's patterns only in texts that hold a literal
    string each pattern needs; rows must be what :func:`classify` finds on each record,
    also for a rule without such a string (``\\w+ing``) and one with inline flags."""
    ini = pd.read_csv(ROOT / "data" / "mpsc" / "initiatives.csv", dtype=str,
                      keep_default_na=False)
    extra = pd.DataFrame({"id": ["X1", "X2", "X3", "X4"],
                          "name": ["Sensor", "LoRa", "Parking", "MESSUNG"],
                          "description": ["", None, "Daten\nplattform", "Drohnen"]})
    ini = pd.concat([ini, extra], ignore_index=True)
    rules = (*keyword_rules(), KeywordRule("dashboard", (re.compile(r"\w+ing\b"),)),
             KeywordRule("drone", (re.compile(r"(?i:DROHNE)n?"), re.compile(r"x|messung"))))
    want = [(str(i), key, ";".join(words))
            for i, n, d in zip(ini["id"], ini["name"], ini["description"], strict=True)
            for key, words in classify(n, d if isinstance(d, str) else None,
                                       rules=rules).items()]
    got = classify_initiatives(ini, rules=rules)
    assert sorted(map(tuple, got.values.tolist())) == sorted(want)
    assert {"X1", "X2", "X3", "X4"} <= set(got["id"])


def test_bad_rule_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("types:\n  city_app:\n    match: ['(unclosed']\n"
                    "  jetpack:\n    match: ['jet']\n  drone:\n    ignore: ['x']\n"
                    "  dashboard:\n    match: ['Cockpit', '\\bcockpit\\W']\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as info:
        keyword_rules(path)
    text = str(info.value)
    assert [p.field for p in info.value.problems] == ["types.city_app.match", "types",
                                                      "types.drone", "types.dashboard.match"]
    assert info.value.problems[-1].value == "Cockpit"  # escapes such as \\b, \\W are fine
    assert all(p.file == str(path) for p in info.value.problems)
    assert "'(unclosed' is not a regular expression" in text
    assert "'jetpack' is not a known solution type" in text
    assert "has no 'match' patterns" in text
    assert "4 problems in the keyword rules" in text


@pytest.mark.parametrize(("text", "field", "message"), [
    ("version: 1\ntypes: {}\n", "types", "no mapping of solution types to rules"),
    ("version: 2\ntypes:\n  city_app:\n    match: [app]\n", "version", "unknown version 2"),
])
def test_a_rule_file_without_rules_or_of_another_version_is_refused(
        tmp_path: Path, text: str, field: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        keyword_rules(path)
    assert [(p.field, p.message) for p in info.value.problems] == [(field, message)]


def test_labels_name_known_types_and_enough_records() -> None:
    labels = read_labels(LABELS)
    assert len(labels) >= 60
    with (ROOT / "data" / "mpsc" / "initiatives.csv").open(encoding="utf-8", newline="") as fh:
        mpsc = {r["id"] for r in csv.DictReader(fh)}
    assert set(labels) <= mpsc


def test_bad_label_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("id,solution_types,note\nA,city_app;jetpack,\nA,,\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_labels(path)
    assert [(p.line, p.field, p.value) for p in info.value.problems] == [
        (2, "solution_types", "jetpack"), (3, "id", "A")]


def _measured() -> pd.DataFrame:
    ini = pd.read_csv(ROOT / "data" / "mpsc" / "initiatives.csv", dtype=str,
                      keep_default_na=False)
    predicted: dict[str, set[str]] = {}
    for ident, key in classify_initiatives(ini)[["id", "solution_type"]].itertuples(
            index=False):
        predicted.setdefault(ident, set()).add(key)
    return precision_recall(predicted, read_labels(LABELS))


def test_precision_on_hand_labels_is_at_least_085() -> None:
    table = _measured()
    overall = table[table["solution_type"] == "(all)"].iloc[0]
    assert overall["labelled"] >= 60
    assert overall["precision"] >= 0.85
    assert overall["recall"] > 0.5


def test_measured_numbers_are_the_ones_in_the_docs() -> None:
    """docs/screening.md shows the table this test computes; rerun and paste if rules change."""
    doc = DOC.read_text(encoding="utf-8")
    for row in _measured().itertuples(index=False):
        precision = "–" if math.isnan(row.precision) else f"{row.precision:.2f}"
        recall = "–" if math.isnan(row.recall) else f"{row.recall:.2f}"
        line = (f"| `{row.solution_type}` | {row.labelled} | {row.predicted} | {row.correct} "
                f"| {precision} | {recall} |")
        if row.solution_type == "(all)":
            line = (f"| **all** | {row.labelled} | {row.predicted} | {row.correct} "
                    f"| **{precision}** | **{recall}** |")
        assert line in doc, line


@pytest.mark.parametrize(("content", "field", "message"), [
    # a global flag compiles alone but not where the rule joins its patterns
    (b"types:\n  drone:\n    match: ['(?i)drone']\n", "types.drone.match",
     "'(?i)drone' is not a regular expression: global flags not at the start"),
    (b"types:\n  drone:\n    match: ['dr\xf6hne']\n", None, "cannot be read: 'utf-8' codec"),
])
def test_keyword_files_that_crashed_screen_are_located(tmp_path: Path, content: bytes,
                                                       field: str | None,
                                                       message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        keyword_rules(path)
    [problem] = info.value.problems
    assert (problem.file, problem.field) == (str(path), field)
    assert problem.message.startswith(message)
