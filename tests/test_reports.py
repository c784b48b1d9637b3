"""The dependency report: self-contained, escaped HTML; Markdown; one CSV per table."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from scgraph.ingest import ingest
from scgraph.reports import build_report, render_html, write_report
from scgraph.store import EmbeddedStore

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory, small_path: Path) -> EmbeddedStore:
    """The small fixture with a hostile name on the isolated initiative and an actor."""
    folder = tmp_path_factory.mktemp("hostile") / "small"
    shutil.copytree(small_path, folder)
    ini = folder / "initiatives.csv"
    text = ini.read_text(encoding="utf-8")
    text = text.replace("T-LONE,Smart benches,", f'T-LONE,"{HOSTILE} & | pipe",')
    text = text.replace("Gemeinde Beispieldorf", "<img src=x onerror=alert(2)>")
    ini.write_text(text, encoding="utf-8")
    store = EmbeddedStore()
    ingest([folder], store)
    return store


def test_html_escapes_every_value(hostile_store: EmbeddedStore, tmp_path: Path) -> None:
    files = write_report(hostile_store, tmp_path)
    page = files.html.read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; | pipe" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert page.count("<script") == 0


def test_html_is_self_contained(hostile_store: EmbeddedStore) -> None:
    page = render_html(build_report(hostile_store))
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources, "the heatmap is embedded as an image"
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    # data may quote URLs as text (sources); nothing may load from one
    for element in ("<link", "<iframe", "<object", "<embed", "<script"):
        assert element not in page
    assert "@import" not in page
    assert "url(" not in page


def test_markdown_escapes_and_every_table_has_its_csv(hostile_store: EmbeddedStore,
                                                     tmp_path: Path) -> None:
    files = write_report(hostile_store, tmp_path)
    md = files.markdown.read_text(encoding="utf-8")
    assert HOSTILE not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\| pipe" in md
    report = build_report(hostile_store)
    assert sorted(p.stem for p in files.tables) == sorted(report.tables())
    for path in files.tables:
        assert path.is_file()
        frame = report.tables()[path.stem]
        assert len(pd.read_csv(path)) == len(frame)
    isolated = pd.read_csv(tmp_path / "isolated.csv")
    assert isolated["name"].tolist() == [f"{HOSTILE} & | pipe"]
    assert (tmp_path / "field_dependencies.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_counts(hostile_store: EmbeddedStore) -> None:
    summary = build_report(hostile_store).summary
    assert summary["initiatives"] == "4"
    # T-APP needs T-HUB twice (depends_on column, visualises_data_of relation);
    # T-BUS needs T-HUB (T-HUB supports T-BUS)
    assert summary["dependency edges"] == "3"
    assert summary["isolated single-purpose initiatives"] == "1 of 4 (25.0 %)"
    # a share of all initiatives, as the other counts of initiatives are
    assert re.fullmatch(r"\d of 4 \(\d+\.\d %\)",
                        summary["initiatives with open potential data-protection risks"])


def test_unwritable_folder_is_a_clear_error(hostile_store: EmbeddedStore,
                                            tmp_path: Path) -> None:
    from scgraph.errors import ScgraphError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ScgraphError, match="cannot write the report"):
        write_report(hostile_store, blocker / "report")


def test_report_reuses_data_loaded_by_the_caller(hostile_store: EmbeddedStore,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from scgraph.analytics import load_graph_data
    from scgraph.reports import render_markdown

    expected = render_markdown(build_report(hostile_store))
    data = load_graph_data(hostile_store)

    def no_second_load(store: object) -> None:
        raise AssertionError("the report loaded the graph data again")

    # the packages export functions named like these modules: patch the modules themselves
    for module in ("scgraph.reports.dependency_report", "scgraph.analytics.screening"):
        monkeypatch.setattr(importlib.import_module(module), "load_graph_data",
                            no_second_load)
    screening_module = importlib.import_module("scgraph.analytics.screening")
    real = screening_module.stored_solution_types
    calls: list[object] = []

    def counted(store: EmbeddedStore, *, initiatives: pd.DataFrame | None = None,
                ) -> pd.DataFrame:
        calls.append(store)
        return real(store, initiatives=initiatives)

    monkeypatch.setattr(screening_module, "stored_solution_types", counted)
    report = build_report(hostile_store, data=data)
    assert report.sections[-1].title == "Side-effect screening"  # still read from the store
    assert render_markdown(report) == expected
    # the screening measure on the same store and load is not computed again
    again = screening_module.screening(hostile_store, data=data)
    assert again.equals(report.tables()["screening"])
    assert calls == [hostile_store]


def test_markdown_tables_keep_their_rows_and_make_no_links(tmp_path: Path) -> None:
    # a CR (a CSV written on Windows, with a line break in a quoted cell) ended a row in
    # CommonMark, which shifted the cells; a name written as an image loaded it remotely
    from markdown_it import MarkdownIt

    folder = tmp_path / "win"
    folder.mkdir()
    (folder / "initiatives.csv").write_bytes(
        b"id,name,municipality,action_fields,source,depends_on\r\n"
        b'W-1,"Smart meter rollout\r\n(phase 2)",Bonn,energy,https://example.org,W-2\r\n'
        b'W-2,"![x](https://tracker.example/p.png) [y](javascript:alert(1)) \\| end",'
        b"Bonn,digital_infrastructure,https://example.org,\r\n")
    store = EmbeddedStore()
    ingest([folder], store)
    files = write_report(store, tmp_path / "report")
    page = MarkdownIt("commonmark").enable("table").render(
        files.markdown.read_text(encoding="utf-8"))
    assert "<a " not in page
    assert re.findall(r'<img src="([^"]*)"', page) == ["field_dependencies.png"]
    assert "Smart meter rollout (phase 2)" in page
    assert "![x](https://tracker.example/p.png) [y](javascript:alert(1)) \\| end" in page
    for table in re.findall(r"<table>.*?</table>", page, flags=re.S):
        widths = {row.count("<td") + row.count("<th")
                  for row in re.findall(r"<tr>.*?</tr>", table, flags=re.S)}
        assert len(widths) == 1, table


def test_a_report_written_again_leaves_no_heatmap_of_the_earlier_data(
        hostile_store: EmbeddedStore, tmp_path: Path) -> None:
    out = tmp_path / "report"
    write_report(hostile_store, out)
    assert (out / "field_dependencies.png").is_file()
    lone = tmp_path / "lone.yaml"
    lone.write_text("initiatives:\n  - {id: L-1, name: Lone, action_fields: [energy],"
                    " source: s}\n", encoding="utf-8")
    store = EmbeddedStore()
    ingest([lone], store)
    write_report(store, out)
    assert not (out / "field_dependencies.png").exists()
    assert not (out / "side_effect_spill_over.png").exists()
    assert "](field_dependencies.png)" not in (out / "report.md").read_text(encoding="utf-8")


def test_a_file_where_the_folder_should_be_is_named(cli, hostile_store: EmbeddedStore,
                                                    tmp_path: Path, small_path: Path) -> None:
    from scgraph.errors import ScgraphError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ScgraphError, match=f"{re.escape(str(blocker))} is a file, not a "
                       "folder; choose another path"):
        write_report(hostile_store, blocker / "report")
    store = tmp_path / "store"
    assert cli("ingest", "--store", store, small_path).code == 0
    for args in (("viz", "--view", "network", "--out", blocker / "sub" / "v.html"),
                 ("export", "--out", blocker / "x.nq"),
                 ("report", "--out", blocker / "sub")):
        result = cli(*args, "--store", store)
        assert result.code == 2, args
        assert f"{blocker} is a file, not a folder" in result.err, args


def test_screening_by_effect_counts_initiatives_not_rows(mpsc_store_path: Path) -> None:
    """On data/mpsc several patterns name the same effect for one initiative (SEP-01 and
    SEP-08 both name data_protection): the table counts each initiative once."""
    from scgraph.analytics.screening import screening

    store = EmbeddedStore(mpsc_store_path, read_only=True)
    report = build_report(store)
    counts = report.tables()["screening_by_effect"]
    # an empty table (no articulation points in data/mpsc) says "none", not "0 of 0 rows"
    assert report.tables()["articulation_points"].empty
    page = render_html(report)
    assert "none (an empty table with these columns in articulation_points.csv)" in page
    assert "0 of 0 rows" not in page
    rows = screening(store)
    open_dp = rows[(rows["effect"] == "data_protection") & (rows["status"] == "open")]
    got = counts[(counts["effect"] == "data_protection") & (counts["status"] == "open")]
    assert got["initiatives"].tolist() == [open_dp["id"].nunique()]
    assert open_dp["id"].nunique() < len(open_dp)  # the case this test is about
    for row in counts.itertuples(index=False):
        same = rows[(rows["effect"] == row.effect) & (rows["polarity"] == row.polarity)
                    & (rows["status"] == row.status)]
        assert row.initiatives == same["id"].nunique()
