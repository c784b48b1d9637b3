"""One self-contained HTML page per view: vis-network, styles and data inlined.

The page loads nothing from the network: the vis-network script and style
sheet that ship inside the pyvis package are inlined, and a
Content-Security-Policy forbids every fetch. The view's data is embedded as
JSON in a ``<script type="application/json">`` element with ``<``, ``>``,
``&``, U+2028 and U+2029 written as ``\\uXXXX`` escapes, so no value can close
the element, and the page's script renders every text with ``textContent``.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from scgraph.errors import ScgraphError
from scgraph.outputs import make_folder
from scgraph.viz.views import View

__all__ = ["embed_json", "render_html", "write_html"]

_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:")

_PAGE = """<!DOCTYPE html>
<html lang="@@LANG@@">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="@@CSP@@">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="scgraph">
<title>@@TITLE@@</title>
<style>
@@VISCSS@@
</style>
<style>
@@CSS@@
</style>
</head>
<body>
<header><h1 id="title">@@TITLE@@</h1><p id="summary"></p></header>
<main>
<aside id="side">
<input id="search" type="search" autocomplete="off">
<div id="search-count"></div>
<h2>@@FILTERS@@</h2>
<div id="counts"></div>
<div id="filters"></div>
<button id="reset" class="reset" type="button">@@RESET@@</button>
<h2>@@LEGEND@@</h2>
<div id="legend"></div>
<h2>@@DETAILS@@</h2>
<div id="details"></div>
</aside>
<div id="graph"></div>
</main>
<script type="application/json" id="scgraph-data">@@DATA@@</script>
<script>
@@VISJS@@
</script>
<script>
@@APPJS@@
</script>
</body>
</html>
"""

_UNSAFE_IN_SCRIPT = re.compile(r"</script|<!--", re.IGNORECASE)


def embed_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    >>> embed_json({"name": "</script><b>&"})
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _vis_dir() -> Path:
    lib = Path(str(resources.files("pyvis") / "templates" / "lib"))
    candidates = sorted(lib.glob("vis-*/vis-network.min.js"),
                        key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.parent.name)))
    if not candidates:
        raise ScgraphError(f"{lib}: no vis-network script found in the pyvis package; "
                           "reinstall pyvis (pip install --force-reinstall pyvis)")
    return candidates[-1].parent


@cache
def _assets() -> dict[str, str]:
    vis = _vis_dir()
    own = resources.files("scgraph.viz") / "assets"
    assets = {
        "VISJS": (vis / "vis-network.min.js").read_text(encoding="utf-8"),
        "VISCSS": (vis / "vis-network.css").read_text(encoding="utf-8"),
        "APPJS": (own / "page.js").read_text(encoding="utf-8"),
        "CSS": (own / "page.css").read_text(encoding="utf-8"),
    }
    for name, text in assets.items():
        if _UNSAFE_IN_SCRIPT.search(text) or "</style" in text.lower():
            raise ScgraphError(f"asset {name} contains a sequence that would end its element")
    return assets


def render_html(view: View) -> str:
    """The view as one self-contained HTML page (a string)."""
    from scgraph.viz.styling import text

    lang = view.lang
    parts = dict(_assets())
    parts.update({
        "LANG": html.escape(lang), "CSP": _CSP, "TITLE": html.escape(view.title),
        "FILTERS": html.escape(text("filters", lang)), "RESET": html.escape(text("reset", lang)),
        "LEGEND": html.escape(text("legend", lang)),
        "DETAILS": html.escape(text("details", lang)), "DATA": embed_json(view.to_json()),
    })
    # One pass, so that no inserted text is searched for placeholders again.
    return re.sub(r"@@([A-Z]+)@@", lambda m: parts[m.group(1)], _PAGE)


def write_html(view: View, path: str | Path) -> Path:
    """Write the view's page to ``path`` as UTF-8; return the path."""
    target = Path(path)
    make_folder(target.parent, f"{target}: cannot write")
    try:
        target.write_text(render_html(view), encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ScgraphError(f"{target}: cannot write: {exc.strerror or exc}") from exc
    return target
