"""Show a view inline in Jupyter and VS Code notebooks.

The page goes into an ``<iframe srcdoc=…>``: it keeps its own document (its
script and styles cannot touch the notebook's) and needs no server or file.
"""

from __future__ import annotations

import html

from scgraph.viz.page import render_html
from scgraph.viz.views import View

__all__ = ["ViewDisplay", "show"]


class ViewDisplay:
    """A rendered view that notebooks display through ``_repr_html_``."""

    def __init__(self, page: str, *, height: int = 650, title: str = "scgraph view") -> None:
        self.page = page
        self.height = height
        self.title = title

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
                f'title="{html.escape(self.title, quote=True)}" '
                'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
                f'style="width:100%;height:{int(self.height)}px;border:1px solid #ddd">'
                "</iframe>")

    def save(self, path: str) -> None:
        """Write the page to ``path`` as UTF-8."""
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(self.page)


def show(view: View, *, height: int = 650) -> ViewDisplay:
    """Wrap ``view`` for inline display: make it the last expression of a cell."""
    return ViewDisplay(render_html(view), height=height, title=view.title)
