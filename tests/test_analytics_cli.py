"""``scgraph analyze`` and ``scgraph report`` from the command line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "analytics"


@pytest.fixture(scope="module")
def mpsc_store(tmp_path_factory: pytest.TempPathFactory, mpsc_path: Path) -> Path:
    from scgraph.cli import main

    path = tmp_path_factory.mktemp("cli") / "store"
    assert main(["ingest", "--store", str(path), str(mpsc_path)]) == 0
    return path


def test_analyze_csv_is_the_golden_file(cli, mpsc_store: Path) -> None:
    result = cli("analyze", "critical", "--store", mpsc_store, "--format", "csv")
    assert result.code == 0
    assert result.out == (GOLDEN / "critical.csv").read_text(encoding="utf-8")


def test_analyze_json_rows(cli, mpsc_store: Path) -> None:
    result = cli("analyze", "cross-field", "--store", mpsc_store, "--format", "json")
    assert result.code == 0
    rows = json.loads(result.out)
    golden = pd.read_csv(GOLDEN / "cross-field.csv")
    assert [r["source_id"] for r in rows] == golden["source_id"].tolist()
    assert set(rows[0]) == {"source_id", "target_id", "source_fields", "target_fields",
                            "relation"}


def test_analyze_table(cli, mpsc_store: Path) -> None:
    result = cli("analyze", "isolated", "--store", mpsc_store)
    assert result.code == 0
    assert "isolated (73 rows)" in result.out
    assert "MPSC-BA-PARK" in result.out


def test_unknown_measure_exits_2_and_lists_the_names(cli, mpsc_store: Path) -> None:
    result = cli("analyze", "nope", "--store", mpsc_store)
    assert result.code == 2
    assert "unknown measure 'nope'" in result.err
    assert "field-matrix" in result.err


def test_analyze_without_store_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli("analyze", "isolated", "--store", tmp_path / "missing")
    assert result.code == 2
    assert result.err.startswith("error:")
    assert "Traceback" not in result.err


def test_report_writes_html_markdown_and_csv(cli, mpsc_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = cli("report", "--store", mpsc_store, "--out", out)
    assert result.code == 0
    # what was written is said on standard error, as by export and viz
    assert str(out / "report.html") in result.err
    assert result.out == ""
    isolated = pd.read_csv(out / "isolated.csv")
    assert len(isolated) == 73
    assert (out / "field_matrix.csv").read_text("utf-8") == (
        GOLDEN / "field-matrix.csv").read_text("utf-8")
    md = (out / "report.md").read_text("utf-8")
    assert "## Integration ranking" in md
    assert pd.read_csv(io.StringIO((out / "integration.csv").read_text("utf-8"))).shape[0] == 89


def test_report_of_a_store_without_initiatives_is_refused(cli, small_path: Path,
                                                         tmp_path: Path) -> None:
    """As viz refuses a view of nothing; before, a report of zeros was written."""
    store = tmp_path / "st"
    assert cli("ingest", "--store", store, small_path).code == 0
    assert cli("drop", "--store", store, small_path.name).code == 0
    result = cli("report", "--store", store, "--out", tmp_path / "report")
    assert result.code == 2
    assert f"store {store} holds no initiatives; run `scgraph ingest` first" in result.err
    assert not (tmp_path / "report").exists()


def test_analyze_screening_is_its_golden_file(cli, mpsc_store: Path) -> None:
    """``analyze screening`` prints tests/golden/screening_mpsc.csv (checked by hand, see
    tests/test_screening.py::test_screening_mpsc_matches_golden)."""
    result = cli("analyze", "screening", "--store", mpsc_store, "--format", "csv")
    assert result.code == 0, result.err
    golden = Path(__file__).resolve().parent / "golden" / "screening_mpsc.csv"
    got = pd.read_csv(io.StringIO(result.out), dtype=str, keep_default_na=False)
    expected = pd.read_csv(golden, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(got, expected)


def test_report_has_the_screening_section(cli, mpsc_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert cli("report", "--store", mpsc_store, "--out", out).code == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Side-effect screening</h2>" in html
    screening = pd.read_csv(Path(__file__).resolve().parent / "golden" / "screening_mpsc.csv",
                            dtype=str, keep_default_na=False)
    dp = screening[(screening["status"] == "open") & (screening["polarity"] == "risk")
                   & screening["effect"].isin(["data_breach", "data_protection",
                                               "purpose_creep", "surveillance"])]
    table = pd.read_csv(out / "screening_open_data_protection.csv", dtype=str,
                        keep_default_na=False)
    assert sorted(table["id"]) == sorted(dp["id"])
    assert dp["id"].nunique() > 0


def test_tables_show_square_brackets_in_the_data_as_written(cli, tmp_path: Path) -> None:
    # the terminal's tables must not read the data as markup: "[/x]" once ended the
    # command with a traceback, and "[bold]" vanished and set the rest in bold
    data = tmp_path / "brackets.yaml"
    data.write_text(
        "initiatives:\n"
        '  - {id: R-1, name: "Sensor net [/x]", action_fields: [energy],'
        ' source: "https://example.org", actors: ["[/bar] Stadtwerke"]}\n'
        '  - {id: R-2, name: "Array[bold] hub", action_fields: [mobility],'
        ' source: "https://example.org", actors: ["[/bar] Stadtwerke"]}\n',
        encoding="utf-8")
    store = tmp_path / "store [x]"
    assert cli("ingest", "--store", store, data).code == 0
    isolated = cli("analyze", "isolated", "--store", store)
    assert isolated.code == 0, isolated.err
    assert "Sensor net [/x]" in isolated.out
    assert "Array[bold] hub" in isolated.out
    bridges = cli("analyze", "bridges", "--store", store)
    assert bridges.code == 0, bridges.err
    assert "[/bar] Stadtwerke" in bridges.out
    query = cli("query", "isolated_single_purpose", "--store", store)
    assert query.code == 0, query.err
    assert "Sensor net [/x]" in query.out
    stats = cli("stats", "--store", store)
    assert stats.code == 0, stats.err
    assert "store [x]" in stats.out.replace("\n", "")


def test_the_table_format_shows_the_first_rows_and_says_so(cli, mpsc_store: Path,
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:
    # a terminal table of 200,000 rows took minutes and a gigabyte of memory
    import scgraph.cli

    many = tmp_path / "many.rq"
    many.write_text("SELECT ?n WHERE { VALUES ?n { "
                    + " ".join(str(k) for k in range(1, 1501)) + " } }")
    result = cli("query", many, "--store", mpsc_store)
    assert result.code == 0, result.err
    assert " 1000 " in result.out
    assert " 1001 " not in result.out
    assert "note: the table shows the first 1000 of 1500 rows; --format csv or json gives " \
           "all" in " ".join(result.err.split())
    assert len(cli("query", many, "--store", mpsc_store, "--format", "csv").out
               .splitlines()) == 1501
    monkeypatch.setattr(scgraph.cli, "TABLE_ROWS", 10)
    isolated = cli("analyze", "isolated", "--store", mpsc_store)
    assert "the table shows the first 10 of 73 rows" in " ".join(isolated.err.split())
