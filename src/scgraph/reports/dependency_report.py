"""The dependency report: one self-contained HTML file, a Markdown version, CSV tables.

Every value shown in the HTML is escaped; the page loads nothing from outside
(the heatmaps are embedded as base64 PNG, the styles inline).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scgraph.analytics import (
    GraphData,
    articulation_points,
    bridging_actors,
    critical,
    cross_field,
    data_protection_exposure,
    dependency_edges,
    field_matrix,
    integration,
    isolated,
    load_graph_data,
    spillover_matrix,
    unmitigated_risks,
)
from scgraph.analytics.screening import (
    DATA_PROTECTION_EFFECTS,
    prefetch_solution_types,
    screening,
    start_solution_types,
)
from scgraph.analytics.tables import write_csv
from scgraph.errors import ScgraphError
from scgraph.outputs import make_folder
from scgraph.reports.heatmap import heatmap_png, square_matrix
from scgraph.screening.screen import stale_screening
from scgraph.store.base import GraphStore

__all__ = ["IMAGES", "TOP", "Report", "ReportFiles", "Section", "build_report", "render_html",
           "render_markdown", "write_report"]

#: Rows shown per table in the HTML and Markdown; the CSV files hold every row.
TOP = 20
#: The heatmaps a report may hold (each written as ``<title with underscores>.png``):
#: one is left out when the data has nothing to show in it.
IMAGES = ("field dependencies", "side-effect spill-over")


@dataclass
class Section:
    """One part of the report: a title, a sentence on how to read it, tables, images."""

    title: str
    text: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)


@dataclass
class Report:
    """The report's content, independent of its format."""

    title: str
    summary: dict[str, str]
    sections: list[Section]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by its file stem."""
        return {k: v for s in self.sections for k, v in s.tables.items()}


@dataclass(frozen=True)
class ReportFiles:
    """Where :func:`write_report` wrote the report."""

    html: Path
    markdown: Path
    tables: list[Path]


def _rows(shown: int, total: int, where: str) -> str:
    """What a table of the report shows: "20 of 73 rows; all in X.csv", or "none"."""
    if not total:
        return f"none (an empty table with these columns in {where})"
    return f"{shown} of {total} rows; all in {where}"


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({100 * part / whole:.1f} %)" if whole else "0"


def build_report(source: GraphStore | GraphData, *, data: GraphData | None = None) -> Report:
    """Compute every measure once and arrange them into sections.

    ``data``: with a store, its :func:`~scgraph.analytics.load_graph_data` when the
    caller has loaded it already; the store is still read for the screening section,
    whose solution types a large store has computed in a worker process meanwhile,
    started before loading
    (:func:`~scgraph.analytics.screening.start_solution_types`).
    """
    if isinstance(source, GraphData):
        data = source
    else:
        worker = None
        if data is None:
            worker = start_solution_types(source)
            try:
                data = load_graph_data(source)
            except BaseException:
                if worker is not None:
                    worker.stop()
                raise
        prefetch_solution_types(source, data, worker=worker)
    names = dict(zip(data.initiatives["id"], data.initiatives["name"], strict=True))
    edges = dependency_edges(data)
    matrix = field_matrix(data)
    cross = cross_field(data)
    cross.insert(1, "source_name", cross["source_id"].map(names))
    cross.insert(3, "target_name", cross["target_id"].map(names))
    lonely = isolated(data)
    ini = data.initiatives
    by_muni = (lonely.dropna(subset=["municipality"]).groupby("municipality")
               .agg(isolated=("id", "size"),
                    fields=("field", lambda s: ";".join(sorted(set(s)))))
               .reset_index())
    totals = ini.dropna(subset=["municipality"]).groupby("municipality").size()
    by_muni.insert(2, "initiatives", by_muni["municipality"].map(totals).astype("int64"))
    by_muni = by_muni.sort_values(["isolated", "municipality"],
                                  ascending=[False, True]).reset_index(drop=True)
    spill = spillover_matrix(data)
    n_edges = len(edges)
    risks = data.side_effects[data.side_effects["polarity"] == "risk"]
    open_risks = unmitigated_risks(data)
    summary = {
        "initiatives": str(len(ini)),
        "dependency edges": str(n_edges),
        "cross-field dependency edges": _share(len(cross), n_edges),
        "isolated single-purpose initiatives": _share(len(lonely), len(ini)),
        "actors": str(data.actors["actor"].nunique()),
        "side effects": str(len(data.side_effects)),
        "risks without a named mitigation": _share(len(open_risks), len(risks)),
    }
    images: dict[str, bytes] = {}
    if len(matrix):
        images[IMAGES[0]] = heatmap_png(
            square_matrix(matrix, "from_field", "to_field", "dependencies"),
            title="Dependencies between action fields", xlabel="depended on (to_field)",
            ylabel="dependant (from_field)")
    spill_images: dict[str, bytes] = {}
    if len(spill):
        spill_images[IMAGES[1]] = heatmap_png(
            square_matrix(spill, "cause_field", "landed_field", "side_effects"),
            title="Side effects: field of the cause vs field affected",
            xlabel="lands in (landed_field)", ylabel="cause (cause_field)")
    sections = [
        Section("Field dependencies",
                "Each dependency A → B (A needs B) counts once for every pair of a field of "
                "A and a field of B.", {"field_matrix": matrix}, images),
        Section("Cross-field dependencies",
                "Dependencies whose ends are not both in the same single field.",
                {"cross_field": cross}),
        Section("Isolated solutions by municipality",
                "Initiatives with exactly one action field and no relation other than "
                "part_of to any other initiative.",
                {"isolated_by_municipality": by_muni, "isolated": lonely}),
        Section("Bridging actors",
                "Actors ranked by the number of fields their initiatives span, and the "
                "actors and initiatives whose removal leaves connected fields apart "
                "(field_pieces: how many pieces with fields remain).",
                {"bridging_actors": bridging_actors(data),
                 "articulation_points": articulation_points(data)}),
        Section("Critical initiatives",
                "What fails with an initiative: the initiatives that depend on it "
                "transitively, their fields and municipalities.",
                {"critical": critical(data)}),
        Section("Side-effect spill-over",
                "Side effects by the field of the initiative causing them and the field "
                "they land in: each counts once for every pair of a field of its initiative "
                "and a field it lands in, so the counts add up to more than the side "
                "effects; spill_over counts those that land in a field the initiative does "
                "not work in. Then the risks no source names a mitigation for, and the "
                "fields most exposed to data-protection risks.",
                {"spillover": spill, "unmitigated_risks": open_risks,
                 "data_protection_exposure": data_protection_exposure(data)},
                spill_images),
        Section("Integration ranking",
                "Integration index = average of the share of initiatives that are not "
                "isolated and the share of dependencies that cross fields (1 = fully "
                "integrated, 0 = only isolated solutions). A dependency counts for the group "
                "of the initiative that depends; a group without dependencies has a "
                "cross-field share of 0, so its index is at most 0.5. Groups of one or two "
                "initiatives rank on little evidence.",
                {"integration": integration(data)}),
    ]
    if not isinstance(source, GraphData):
        sections.append(_screening_section(source, data, summary))
    return Report("Cross-field dependencies and isolated solutions", summary, sections)


def _screening_section(store: GraphStore, data: GraphData,
                       summary: dict[str, str]) -> Section:
    """Potential side effects from the guidance patterns, open data-protection risks first.

    Needs the store: solution types (stated or inferred) are not part of GraphData.
    """
    frame = screening(store, data=data)
    risky = frame[(frame["status"] == "open") & (frame["polarity"] == "risk")]
    dp = risky[risky["effect"].isin(sorted(DATA_PROTECTION_EFFECTS))].reset_index(drop=True)
    # one row per (initiative, pattern, effect): an initiative two patterns name counts once
    counts = (frame.groupby(["effect", "polarity", "status"])["id"].nunique()
              .rename("initiatives").reset_index()
              .sort_values(["initiatives", "effect", "status"], ascending=[False, True, True])
              .reset_index(drop=True))
    summary["initiatives with open potential data-protection risks"] = _share(
        dp["id"].nunique(), len(data.initiatives))
    stale = stale_screening(store)
    return Section(
        "Side-effect screening",
        "Potential side effects that guidance documents state for the initiatives' kinds of "
        "solution (stated or inferred from names and descriptions): 'recorded' if the data "
        "holds a side effect of that kind and polarity (risk or benefit), 'mitigated' if it "
        "names a mitigation, else "
        "'open' — a question for a person to check, not a finding. Data-protection kinds: "
        + ", ".join(sorted(DATA_PROTECTION_EFFECTS)) + "."
        + (f" Note: {stale[0].upper()}{stale[1:]}." if stale else ""),
        {"screening_open_data_protection": dp, "screening_by_effect": counts,
         "screening": frame})


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
       color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
th { background: #eef; }
td.num { text-align: right; }
img { max-width: 100%; }
.note { color: #666; font-size: 0.85rem; }
"""


def render_html(report: Report) -> str:
    """The report as one HTML page; every value is escaped."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(report.title)}</h1>", "<h2>Summary</h2>", "<table>"]
    parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in report.summary.items()]
    parts.append("</table>")
    for section in report.sections:
        parts += [f"<h2>{e(section.title)}</h2>", f"<p>{e(section.text)}</p>"]
        for alt, png in section.images.items():
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<img alt="{e(alt)}" src="data:image/png;base64,{data}">')
        for stem, frame in section.tables.items():
            shown = frame.head(TOP)
            parts.append(f"<h3>{e(stem.replace('_', ' '))}</h3>")
            parts.append(f'<p class="note">{e(_rows(len(shown), len(frame), stem + ".csv"))}</p>')
            parts.append("<table><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in frame.columns)
                         + "</tr>")
            for row in shown.itertuples(index=False):
                cells = "".join(
                    f'<td class="num">{e(_cell(v))}</td>' if isinstance(v, int | float)
                    and not isinstance(v, bool) else f"<td>{e(_cell(v))}</td>" for v in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


#: What Markdown reads as a line break (CommonMark: LF, CR, CRLF), and the characters
#: that would make data a link, an image or an escape, or end a table cell.
_MD_BREAK = re.compile(r"\r\n?|\n")
_MD_SPECIAL = re.compile(r"[\\\[\]|]")


def _md(value: object) -> str:
    """A value as the text of one Markdown table cell: no markup, no link, one line."""
    text = _MD_BREAK.sub(" ", html.escape(_cell(value), quote=False))
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(), text)


def render_markdown(report: Report, image_files: dict[str, str] | None = None) -> str:
    """The report as Markdown; the data is escaped so that no HTML, link or image gets
    through, and each table row stays one line.

    ``image_files`` maps an image's title to a file name next to the Markdown.
    """
    lines = [f"# {_md(report.title)}", "", "## Summary", "", "| what | value |", "|---|---|"]
    lines += [f"| {_md(k)} | {_md(v)} |" for k, v in report.summary.items()]
    for section in report.sections:
        lines += ["", f"## {_md(section.title)}", "", _md(section.text), ""]
        for alt in section.images:
            if image_files and alt in image_files:
                lines += [f"![{_md(alt)}]({image_files[alt]})", ""]
        for stem, frame in section.tables.items():
            shown = frame.head(TOP)
            lines += [f"### {_md(stem.replace('_', ' '))}", "",
                      _rows(len(shown), len(frame), f"`{stem}.csv`") + ".", ""]
            lines.append("| " + " | ".join(_md(c) for c in frame.columns) + " |")
            lines.append("|" + "---|" * len(frame.columns))
            lines += ["| " + " | ".join(_md(v) for v in row) + " |"
                      for row in shown.itertuples(index=False)]
            lines.append("")
    return "\n".join(lines) + "\n"


def _image_file(alt: str) -> str:
    return alt.replace(" ", "_").replace("-", "_") + ".png"


def write_report(source: GraphStore | GraphData, out_dir: Path, *,
                 data: GraphData | None = None) -> ReportFiles:
    """Write ``report.html``, ``report.md``, the heatmaps and one CSV per table.

    ``data`` as for :func:`build_report`.
    """
    report = build_report(source, data=data)
    make_folder(out_dir, f"{out_dir}: cannot write the report")
    try:
        tables = []
        for stem, frame in report.tables().items():
            path = out_dir / f"{stem}.csv"
            write_csv(frame, path)
            tables.append(path)
        image_files = {}
        for section in report.sections:
            for alt, png in section.images.items():
                name = _image_file(alt)
                (out_dir / name).write_bytes(png)
                image_files[alt] = name
        # a heatmap an earlier report wrote here, which this data has none of
        for alt in IMAGES:
            if alt not in image_files:
                (out_dir / _image_file(alt)).unlink(missing_ok=True)
        html_path = out_dir / "report.html"
        html_path.write_text(render_html(report), encoding="utf-8")
        md_path = out_dir / "report.md"
        md_path.write_text(render_markdown(report, image_files), encoding="utf-8")
    except OSError as exc:
        raise ScgraphError(f"{out_dir}: cannot write the report: {exc.strerror or exc}; "
                           "choose another folder with --out") from exc
    return ReportFiles(html_path, md_path, tables)
