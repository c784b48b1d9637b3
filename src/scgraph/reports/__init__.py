"""Reports for planners: DataFrames, plots, self-contained HTML and Markdown."""

from __future__ import annotations

from scgraph.reports.dependency_report import (
    Report,
    ReportFiles,
    build_report,
    render_html,
    render_markdown,
    write_report,
)

__all__ = ["Report", "ReportFiles", "build_report", "render_html", "render_markdown",
           "write_report"]
