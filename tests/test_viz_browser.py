"""Views in a real browser: headless Chromium (Debian package) driven by Playwright.

Each page is opened from a file:// URL with every other request aborted and
recorded. Screenshots go to tests/artifacts/ (not versioned).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright

from scgraph.analytics import GraphData, dependency_graph, field_graph, load_graph_data
from scgraph.analytics.screening import DATA_PROTECTION_EFFECTS, screening
from scgraph.ingest import ingest
from scgraph.store import EmbeddedStore
from scgraph.viz import (
    Details,
    View,
    impact_view,
    load_details,
    municipality_view,
    network_view,
    overview_view,
    show,
    write_html,
)

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.viz import synthetic_graph_data  # noqa: E402

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DIMMED = "#EEEEEE"

HOSTILE_INITIATIVE = "<img src=x onerror=alert(1)>"
HOSTILE_ACTOR = "<script>alert(2)</script>"
HOSTILE_TEXT = "</script><script>alert(3)</script><!--"
HOSTILE_TOWN = "Town & <b>Co</b>"


@dataclass
class Opened:
    page: Page
    context: BrowserContext
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def js(self, expression: str) -> Any:
        return self.page.evaluate(expression)

    def dimmed(self) -> int:
        return int(self.js(f"scgraph.nodes.get().filter(n => n.color && "
                           f"n.color.background === '{DIMMED}').length"))

    def dimmed_after_events(self, timeout: float = 5.0) -> int:
        """Dimmed nodes once the page has handled pending input (it lags on a busy machine)."""
        deadline = time.monotonic() + timeout
        count = self.dimmed()
        while count and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
            count = self.dimmed()
        return count

    def hidden_nodes(self) -> list[str]:
        return list(self.js("scgraph.nodes.get({filter: n => n.hidden}).map(n => n.id)"))

    def hidden_edges(self) -> list[str]:
        return list(self.js("scgraph.edges.get({filter: e => e.hidden}).map(e => e.id)"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_view(browser: Browser, path: Path) -> Opened:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    opened = Opened(page, context)

    def route(r: Route) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            opened.requests.append(r.request.url)
            r.abort()

    def request(req: Request) -> None:
        if not req.url.startswith(("file:", "data:")) and req.url not in opened.requests:
            opened.requests.append(req.url)

    context.route("**/*", route)
    page.on("request", request)
    page.on("console", lambda m: opened.problems.append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: opened.problems.append(f"page error: {e}"))
    page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    return opened


def _check_clean(opened: Opened) -> None:
    assert opened.requests == []
    assert opened.problems == []
    assert opened.dialogs == []


@pytest.fixture(scope="module")
def mpsc(mpsc_path: Path) -> tuple[GraphData, dict[str, Details]]:
    with EmbeddedStore() as st:
        ingest([mpsc_path], st)
        return load_graph_data(st), load_details(st)


def _expected_nodes(name: str, data: GraphData) -> int:
    """The node count of each view, from the projections rather than from the view."""
    if name == "overview":
        fg = field_graph(data)
        affected = {f for fs in data.side_effects["affects_fields"] for f in fs}
        return len(set(fg.nodes) | affected)
    if name == "network":
        return len(data.initiatives)
    dg = dependency_graph(data)
    if name == "municipality":
        local = set(data.initiatives[data.initiatives["municipality"] == "Solingen"]["id"])
        needed = set().union(*(nx.descendants(dg, i) for i in local)) - local
        actors = set(data.actors[data.actors["initiative_id"].isin(list(local))]["actor"])
        return len(local | needed) + len(actors)
    anc = nx.ancestors(dg, "MPSC-SG-HUB")
    fields = data.fields_of()
    return 1 + len(anc) + len({f for a in anc for f in fields[a]})


@pytest.fixture(scope="module")
def mpsc_views(mpsc, tmp_path_factory) -> dict[str, tuple[View, Path]]:
    data, details = mpsc
    folder = tmp_path_factory.mktemp("views")
    views = {"overview": overview_view(data),
             "network": network_view(data, details=details),
             "municipality": municipality_view(data, "Solingen", details=details, lang="de"),
             "impact": impact_view(data, "MPSC-SG-HUB", details=details)}
    return {k: (v, write_html(v, folder / f"{k}.html")) for k, v in views.items()}


@pytest.mark.parametrize("name", ["overview", "network", "municipality", "impact"])
def test_view_opens_offline_and_draws_every_node(browser, mpsc, mpsc_views, name):
    view, path = mpsc_views[name]
    opened = open_view(browser, path)
    try:
        expected = _expected_nodes(name, mpsc[0])
        assert opened.js("scgraph.nodes.length") == expected
        assert opened.js("scgraph.network.body.nodeIndices.length") == expected
        drawn = opened.js("Object.values(scgraph.network.body.nodes)"
                          ".filter(n => !n.options.hidden).length")
        assert drawn == expected
        assert opened.js("scgraph.network.body.edgeIndices.length") == len(view.edges)
        assert opened.page.text_content("#title") == view.title
        assert opened.page.locator("#legend .legend-item").count() >= 3
        opened.page.wait_for_timeout(1500)  # let a small view settle before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        _check_clean(opened)
    finally:
        opened.context.close()


def test_search_and_filters_change_what_is_shown(browser, mpsc_views):
    view, path = mpsc_views["network"]
    opened = open_view(browser, path)
    page = opened.page
    try:
        total = len(view.nodes)
        assert opened.dimmed() == 0
        matches = [n for n in view.nodes
                   if "smartcity" in n["name"].lower() or "smartcity" in n["ident"].lower()]
        assert len(matches) >= 3
        page.fill("#search", "SmartCity")
        assert page.text_content("#search-count") == f"{len(matches)} matches"
        assert opened.dimmed() == total - len(matches)
        page.fill("#search", "MPSC-SG-HUB")
        assert page.text_content("#search-count") == "1 match"
        page.fill("#search", "")
        assert opened.dimmed() == 0

        # field filter: unticking participation hides the initiatives in no other field
        page.locator("#filters input[value=participation]").uncheck()
        only = {n["id"] for n in view.nodes if n["fields"] == ["participation"]}
        assert only
        assert set(opened.hidden_nodes()) == only
        shown = total - len(only)
        assert page.text_content("#counts").startswith(f"{shown} of {total} nodes")
        # municipality filter on top
        page.select_option("#filter-municipality", "Solingen")
        sol = {n["id"] for n in view.nodes
               if "Solingen" in n["municipalities"] and n["fields"] != ["participation"]}
        assert {n["id"] for n in view.nodes} - set(opened.hidden_nodes()) == sol
        page.select_option("#filter-municipality", "")
        page.locator("#filters input[value=participation]").check()
        assert opened.hidden_nodes() == []
        # relation filter hides exactly the part_of edges
        page.locator("#filters input[value=part_of]").uncheck()
        part_of = {e["id"] for e in view.edges if e["relation"] == "part_of"}
        assert part_of
        assert set(opened.hidden_edges()) == part_of
        page.click("#reset")
        assert opened.hidden_edges() == []
        _check_clean(opened)
    finally:
        opened.context.close()


def test_actors_follow_the_initiatives_the_filters_leave(browser, mpsc, tmp_path):
    """With the actors shown, an actor stays while one of its initiatives is shown: the
    field filter left all 216 actors of data/mpsc when one field was ticked, and with no
    field ticked."""
    data, details = mpsc
    view = network_view(data, details=details, actors=True)
    path = write_html(view, tmp_path / "actors.html")
    by_id = {n["id"]: n for n in view.nodes}
    linked: dict[str, set[str]] = {}
    for e in view.edges:
        for a, b in ((e["from"], e["to"]), (e["to"], e["from"])):
            linked.setdefault(a, set()).add(b)
    actors = {i for i, n in by_id.items() if n["kind"] == "actor"}
    assert len(actors) > 100
    opened = open_view(browser, path)
    page = opened.page
    try:
        for key, _label in view.filters["fields"]:
            if key != "housing":
                page.locator(f"#filters input[value={key}]").uncheck()
        shown = {i for i in by_id if i not in set(opened.hidden_nodes())}
        housing = {i for i in shown if i not in actors}
        assert housing == {i for i, n in by_id.items()
                           if i not in actors and "housing" in n["fields"]}
        assert shown & actors == {a for a in actors if linked.get(a, set()) & housing}
        assert 0 < len(shown & actors) < len(actors) / 2
        page.locator("#filters input[value=housing]").uncheck()  # no field at all
        assert set(opened.hidden_nodes()) == set(by_id)
        page.click("#reset")
        assert opened.hidden_nodes() == []
        _check_clean(opened)
    finally:
        opened.context.close()


def test_click_highlights_neighbours_and_shows_sources(browser, mpsc, mpsc_views):
    _, details = mpsc
    view, path = mpsc_views["network"]
    opened = open_view(browser, path)
    page = opened.page
    try:
        target = "i:MPSC-SG"
        opened.js(f"scgraph.network.focus({json.dumps(target)}, "
                  "{scale: 1.5, animation: false})")
        pos = opened.js(f"scgraph.network.canvasToDOM(scgraph.network.getPosition("
                        f"{json.dumps(target)}))")
        box = page.locator("#graph canvas").bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
        neighbours = {e["to"] for e in view.edges if e["from"] == target} | {
            e["from"] for e in view.edges if e["to"] == target}
        assert neighbours
        assert page.text_content("#details h3") == "Solingen – Open SmartCity"
        # the panel below the filters and the legend is scrolled into sight
        assert opened.js("""(() => {
            const side = document.getElementById('side').getBoundingClientRect();
            const head = document.querySelector('#details h3').getBoundingClientRect();
            return head.top >= side.top && head.bottom <= side.bottom; })()""")
        assert opened.dimmed() == len(view.nodes) - 1 - len(neighbours)
        assert page.locator("#details ul.neighbours li").count() == len(neighbours)
        links = page.locator("#details a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        srcs = [s for s in details["MPSC-SG"].sources if re.match(r"https?://", s)]
        assert hrefs == srcs
        assert {links.nth(i).get_attribute("rel") for i in range(links.count())} == {
            "noopener noreferrer"}
        box_graph = page.locator("#graph canvas").bounding_box()
        assert box_graph is not None
        # a corner of the canvas with no node or edge under it, clicked after the time in
        # which vis-network would take a second click for a double click
        empty = opened.js("""(() => {
            const c = document.querySelector('#graph canvas').getBoundingClientRect();
            for (const [x, y] of [[5, 5], [c.width - 5, 5], [5, c.height - 5],
                                  [c.width - 5, c.height - 5]]) {
              if (scgraph.network.getNodeAt({x, y}) === undefined
                  && scgraph.network.getEdgeAt({x, y}) === undefined) return {x, y};
            }
            return null; })()""")
        assert empty is not None
        page.wait_for_timeout(600)
        page.mouse.click(box_graph["x"] + empty["x"], box_graph["y"] + empty["y"])
        assert opened.dimmed_after_events() == 0
        _check_clean(opened)
    finally:
        opened.context.close()


HOSTILE_YAML = f"""\
title: Hostile names
initiatives:
  - id: H-IMG
    name: {json.dumps(HOSTILE_INITIATIVE)}
    municipality: {json.dumps(HOSTILE_TOWN)}
    action_fields: [housing]
    actors: [{json.dumps(HOSTILE_ACTOR)}]
    description: {json.dumps(HOSTILE_TEXT)}
    source: "javascript:alert(4) | https://example.org/a?b=1&c=2"
    relations:
      - {{relation: depends_on, target_id: H-BASE}}
  - id: H-BASE
    name: "Base"
    municipality: Elsewhere
    action_fields: [energy]
    actors: [{json.dumps(HOSTILE_ACTOR)}]
"""


def test_screening_overlay_filter_and_legend(browser, mpsc_path, tmp_path):
    with EmbeddedStore() as st:
        ingest([mpsc_path], st)
        data, details, frame = load_graph_data(st), load_details(st), screening(st)
    view = network_view(data, details=details, actors=True, screening=frame)
    open_risk = frame[(frame["status"] == "open") & (frame["polarity"] == "risk")]
    dp = {"i:" + i for i, e in zip(open_risk["id"], open_risk["effect"], strict=True)
          if e in DATA_PROTECTION_EFFECTS}
    opened = open_view(browser, write_html(view, tmp_path / "screened.html"))
    page = opened.page
    try:
        legend = page.locator("#legend").text_content() or ""
        assert "Side-effect screening" in legend
        assert f"open potential data-protection risks ({len(dp)})" in legend
        assert opened.hidden_nodes() == []
        page.locator("#filter-dp-only").check()
        # initiatives without open data-protection risks are hidden, and so are the
        # actors of hidden initiatives only
        actor_of: dict[str, set[str]] = {}
        for e in view.edges:
            if e["relation"] == "actor":
                actor_of.setdefault(e["from"], set()).add(e["to"])
        shown = dp | {a for a, inis in actor_of.items() if inis & dp}
        total = len(view.nodes)
        assert set(opened.hidden_nodes()) == {n["id"] for n in view.nodes} - shown
        assert page.text_content("#counts").startswith(f"{len(shown)} of {total} nodes")
        target = sorted(dp)[0]
        opened.js(f"scgraph.select({json.dumps(target)})")
        n_rows = int((frame["id"] == target[2:]).sum())
        items = page.locator("#details ul.screening > li")
        assert items.count() == n_rows
        assert items.first.get_attribute("class") == "dp-open"
        # sources: links for http(s) only, in the order of the effects
        effects = next(n for n in view.nodes if n["id"] == target)["screening"]["effects"]
        links = [s for e in effects for s in e["sources"] if re.match(r"https?://", s)]
        assert links
        hrefs = [a.get_attribute("href") for a in page.locator("#details ul.screening a").all()]
        assert hrefs == links
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "network-screening.png"))
        page.click("#reset")
        assert not page.locator("#filter-dp-only").is_checked()
        assert opened.hidden_nodes() == []
        _check_clean(opened)
    finally:
        opened.context.close()


def test_hostile_names_show_as_text(browser, tmp_path):
    src = tmp_path / "hostile.yaml"
    src.write_text(HOSTILE_YAML, encoding="utf-8")
    with EmbeddedStore() as st:
        ingest([src], st)
        data, details = load_graph_data(st), load_details(st)
    path = write_html(network_view(data, details=details, actors=True), tmp_path / "h.html")
    opened = open_view(browser, path)
    page = opened.page
    try:
        page.fill("#search", "<img")
        page.press("#search", "Enter")
        assert page.text_content("#search-count") == "1 match"
        assert page.text_content("#details h3") == HOSTILE_INITIATIVE
        assert HOSTILE_TEXT in page.locator("#details dd").all_text_contents()
        assert HOSTILE_ACTOR in page.locator("#details ul.neighbours").text_content()
        hrefs = [a.get_attribute("href") for a in page.locator("#details a").all()]
        assert hrefs == ["https://example.org/a?b=1&c=2"]  # javascript: stays text
        assert "javascript:alert(4)" in page.text_content("#details ul.sources")
        options = page.locator("#filter-municipality option").all_text_contents()
        assert HOSTILE_TOWN in options
        assert opened.js("document.scripts.length") == 3
        assert opened.js("document.querySelectorAll('img, b').length") == 0
        label = opened.js(f"scgraph.nodes.get({json.dumps('a:' + HOSTILE_ACTOR)}).label")
        assert label == HOSTILE_ACTOR
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hostile.png"))
        _check_clean(opened)
    finally:
        opened.context.close()


def test_a_2000_node_view_opens_and_responds(browser, tmp_path):
    data = synthetic_graph_data(2000)
    view = network_view(data)
    assert len(view.nodes) == 2000
    assert not view.physics
    opened = open_view(browser, write_html(view, tmp_path / "big.html"))
    page = opened.page
    try:
        assert opened.js("scgraph.network.body.nodeIndices.length") == 2000
        assert opened.js("scgraph.network.physics.physicsEnabled") is False
        page.fill("#search", "of Town 7")
        expected = sum(1 for n in view.nodes if "of town 7" in n["name"].lower())
        assert page.text_content("#search-count") == f"{expected} matches"
        assert opened.dimmed() == 2000 - expected
        page.locator("#filters input[value=part_of]").uncheck()
        assert len(opened.hidden_edges()) == int((data.relations["relation"] == "part_of").sum())
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "network-2000.png"))
        _check_clean(opened)
    finally:
        opened.context.close()


def test_notebook_display_renders_inline(browser, mpsc_views, tmp_path):
    """The notebook's HTML output (an iframe with the page as srcdoc) in a host page."""
    view, _ = mpsc_views["impact"]
    host = tmp_path / "notebook-output.html"
    host.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    f"<div class='output'>{show(view, height=600)._repr_html_()}</div>"
                    "</body></html>", encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 700})
    requests: list[str] = []
    problems: list[str] = []
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                  else (requests.append(r.request.url), r.abort()))
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(host.as_uri())
        frame = page.frame_locator("iframe")
        frame.locator("body[data-ready=true]").wait_for(timeout=60_000)
        assert frame.locator("#title").text_content() == view.title
        inner = next(f for f in page.frames if f != page.main_frame)
        assert inner.evaluate("scgraph.nodes.length") == len(view.nodes)
        # sandboxed: the view cannot reach the notebook's document
        assert inner.evaluate("(() => { try { return !!window.parent.document; } "
                              "catch (e) { return false; } })()") is False
        assert requests == []
        assert problems == []
        page.wait_for_timeout(1000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "notebook.png"))
    finally:
        context.close()
