"""Views without a browser: graph-to-view mapping, styling, filters, escaping, offline page."""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from scgraph.analytics import (
    DEPENDENCY_RELATIONS,
    GraphData,
    dependency_edges,
    dependency_graph,
    field_graph,
    interaction_graph,
    load_graph_data,
)
from scgraph.analytics.screening import DATA_PROTECTION_EFFECTS, screening
from scgraph.errors import UsageError
from scgraph.ingest import ingest
from scgraph.ontology import vocabulary
from scgraph.screening import Pattern
from scgraph.store import EmbeddedStore
from scgraph.viz import (
    PHYSICS_LIMIT,
    Details,
    View,
    impact_view,
    load_details,
    municipality_view,
    network_view,
    overview_view,
    render_html,
    show,
    write_html,
)
from scgraph.viz.overlay import BADGE, DATA_PROTECTION_MARK, OPEN_RISK_MARK
from scgraph.viz.styling import FIELD_COLOURS, KIND_SHAPES, RELATION_STYLES

HOSTILE_INITIATIVE = "<img src=x onerror=alert(1)>"
HOSTILE_ACTOR = "<script>alert(2)</script>"
HOSTILE_TEXT = "</script><script>alert(3)</script>\u2028<!--"
HOSTILE_TOWN = "Town & <b>Co</b>\u2029"

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
    name: "Base \\"quoted\\" & 'apostrophe'"
    municipality: Elsewhere
    action_fields: [energy, mobility]
    actors: [{json.dumps(HOSTILE_ACTOR)}]
"""


def _data_from(paths: list[Path]) -> tuple[GraphData, dict[str, Details]]:
    with EmbeddedStore() as st:
        ingest(paths, st)
        return load_graph_data(st), load_details(st)


@pytest.fixture(scope="module")
def mpsc(mpsc_path: Path) -> tuple[GraphData, dict[str, Details]]:
    return _data_from([mpsc_path])


@pytest.fixture(scope="module")
def mpsc_screened(mpsc_path: Path) -> tuple[GraphData, dict[str, Details], pd.DataFrame]:
    with EmbeddedStore() as st:
        ingest([mpsc_path], st)
        return load_graph_data(st), load_details(st), screening(st)


@pytest.fixture(scope="module")
def small(small_path: Path) -> tuple[GraphData, dict[str, Details]]:
    return _data_from([small_path])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[GraphData, dict[str, Details]]:
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(HOSTILE_YAML, encoding="utf-8")
    return _data_from([path])


def _ids(view: View, prefix: str) -> set[str]:
    return {n["id"][len(prefix):] for n in view.nodes if n["id"].startswith(prefix)}


def _embedded(page: str) -> dict[str, object]:
    m = re.search(r'<script type="application/json" id="scgraph-data">(.*?)</script>', page,
                  re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


# --- mapping -------------------------------------------------------------------------------

def test_network_view_has_every_initiative_and_relation(mpsc):
    data, details = mpsc
    view = network_view(data, details=details)
    assert _ids(view, "i:") == set(data.initiatives["id"])
    assert len(view.nodes) == len(data.initiatives) == 249
    # dependency relations point from the dependant to what it needs, others as recorded
    expected = Counter(
        (a, b, r) for a, b, r in dependency_edges(data).itertuples(index=False))
    rel = data.relations[~data.relations["relation"].isin(list(DEPENDENCY_RELATIONS))]
    expected.update(zip(rel["source_id"], rel["target_id"], rel["relation"], strict=True))
    got = Counter((e["from"][2:], e["to"][2:], e["relation"]) for e in view.edges)
    assert got == expected
    assert len(view.edges) == len(data.relations) == 194


def test_network_view_with_actors(mpsc):
    data, _ = mpsc
    view = network_view(data, actors=True)
    assert _ids(view, "a:") == set(data.actors["actor"])
    actor_edges = [e for e in view.edges if e["relation"] == "actor"]
    assert len(actor_edges) == len(data.actors)
    assert len(view.nodes) == 249 + data.actors["actor"].nunique()
    assert not view.physics
    assert len(view.nodes) > PHYSICS_LIMIT


def test_network_styling_by_kind_field_and_relation(mpsc):
    data, _ = mpsc
    view = network_view(data)
    kinds = dict(zip(data.initiatives["id"], data.initiatives["kind"], strict=True))
    fields = data.fields_of()
    for n in view.nodes:
        ident = n["ident"]
        assert n["shape"] == KIND_SHAPES[kinds[ident]]
        # primary field: the first of the initiative's fields in the legend's order
        assert n["primary"] == next(k for k in FIELD_COLOURS if k in fields[ident])
        assert n["color"]["background"] == FIELD_COLOURS[n["primary"]]
    assert {n["shape"] for n in view.nodes} == {KIND_SHAPES[k] for k in kinds.values()}
    assert len({KIND_SHAPES[k] for k in ("programme", "project", "measure", "actor")}) == 4
    for e in view.edges:
        style = RELATION_STYLES[e["relation"]]
        assert e["color"]["color"] == style.colour
        assert e["arrows"] == ("to" if e["relation"] in DEPENDENCY_RELATIONS else "")
        assert e["dashes"] == (list(style.dashes) or False)
    # every relation style differs from the others in colour and in dashes or arrows
    styles = [(s.colour, s.dashes, s.arrow) for s in RELATION_STYLES.values()]
    assert len(set(styles)) == len(styles)


def test_isolated_single_purpose_solutions_are_marked(mpsc):
    data, _ = mpsc
    g = interaction_graph(data)
    fields = data.fields_of()
    expected = {i for i in g if g.degree(i) == 0 and len(fields[i]) == 1}
    view = network_view(data)
    marked = {n["ident"] for n in view.nodes if n["isolated"]}
    assert marked == expected
    assert 0 < len(marked) < 249
    for n in view.nodes:
        dashed = n.get("shapeProperties", {}).get("borderDashes")
        assert bool(dashed) == n["isolated"]
    assert any(item.get("dashed") for s in view.legend for item in s["items"])


def test_small_isolated_by_hand(small):
    """T-LONE has one field and no relation; T-BUS one field but two relations."""
    data, _ = small
    view = network_view(data)
    assert {n["ident"] for n in view.nodes if n["isolated"]} == {"T-LONE"}


def test_overview_by_hand(small):
    """Hand check of tests/fixtures/small.

    Dependencies: T-APP needs T-HUB ({participation, public_services} x
    {administration, digital_infrastructure}: 4 pairs) and T-BUS needs T-HUB
    (supports; {mobility} x the same two: 2 pairs). Spill-overs: T-HUB's
    data_protection lands in participation (not its own) -> from administration
    and digital_infrastructure; T-BUS's emissions_reduction lands in environment.
    """
    data, _ = small
    view = overview_view(data)
    assert _ids(view, "f:") == {"administration", "digital_infrastructure", "participation",
                                "public_services", "mobility", "environment"}
    dep = {frozenset((e["from"][2:], e["to"][2:])) for e in view.edges
           if e["relation"] == "dependency"}
    assert dep == {frozenset(p) for p in [
        ("participation", "administration"), ("participation", "digital_infrastructure"),
        ("public_services", "administration"), ("public_services", "digital_infrastructure"),
        ("mobility", "administration"), ("mobility", "digital_infrastructure")]}
    spill = {(e["from"][2:], e["to"][2:]) for e in view.edges if e["relation"] == "spill_over"}
    assert spill == {("administration", "participation"),
                     ("digital_infrastructure", "participation"), ("mobility", "environment")}
    assert all(e["arrows"] == "to" and e["dashes"] for e in view.edges
               if e["relation"] == "spill_over")


def test_overview_matches_field_graph(mpsc):
    data, _ = mpsc
    fg = field_graph(data)
    view = overview_view(data)
    assert _ids(view, "f:") >= set(fg.nodes)
    dep = [e for e in view.edges if e["relation"] == "dependency"]
    assert len(dep) == fg.number_of_edges()
    for e in dep:
        assert e["weight"] == fg.edges[e["from"][2:], e["to"][2:]]["weight"]
    sizes = {n["ident"]: n["size"] for n in view.nodes}
    by_count = sorted(fg.nodes, key=lambda f: fg.nodes[f]["initiatives"])
    assert sizes[by_count[0]] < sizes[by_count[-1]]
    assert any(e["relation"] == "spill_over" for e in view.edges)


def test_municipality_view(mpsc):
    data, _ = mpsc
    dg = dependency_graph(data)
    munis = {i: [m.strip() for m in str(v).split(";")] for i, v in
             zip(data.initiatives["id"], data.initiatives["municipality"], strict=True)}
    # a municipality that needs something elsewhere, found from the data
    name, local, needed = None, set(), set()
    for m in sorted({m for ms in munis.values() for m in ms}):
        loc = {i for i, ms in munis.items() if m in ms}
        need = set().union(*(nx.descendants(dg, i) for i in loc)) - loc
        if need:
            name, local, needed = m, loc, need
            break
    assert name is not None
    view = municipality_view(data, name.upper())
    assert _ids(view, "i:") == local | needed
    assert {n["ident"] for n in view.nodes if n.get("elsewhere")} == needed
    actors = set(data.actors[data.actors["initiative_id"].isin(list(local))]["actor"])
    assert _ids(view, "a:") == actors


def test_impact_view(mpsc):
    data, _ = mpsc
    dg = dependency_graph(data)
    target = max(sorted(dg.nodes), key=lambda n: len(nx.ancestors(dg, n)))
    anc = nx.ancestors(dg, target)
    assert len(anc) >= 2
    view = impact_view(data, target, lang="de")
    assert _ids(view, "i:") == anc | {target}
    fields = data.fields_of()
    reached = {f for a in anc for f in fields[a]}
    assert _ids(view, "f:") == reached
    dep = [e for e in view.edges if e["relation"] != "in_field"]
    assert len(dep) == sum(len(r) for _, _, r in dg.subgraph(anc | {target}).edges(
        data="relations"))
    assert all(e["arrows"] == "to" for e in dep)
    assert next(n for n in view.nodes if n.get("focus"))["ident"] == target
    assert vocabulary().field_label(sorted(reached)[0], "de") in view.summary


def test_network_filters(mpsc):
    data, _ = mpsc
    fields = data.fields_of()
    view = network_view(data, field="Wohnen")
    assert _ids(view, "i:") == {i for i, fs in fields.items() if "housing" in fs}
    view = network_view(data, municipality="solingen")
    assert _ids(view, "i:") == set(
        data.initiatives[data.initiatives["municipality"] == "Solingen"]["id"])
    view = network_view(data, programme="staffel 1")
    progs = dict(zip(data.initiatives["id"], data.initiatives["programme"], strict=True))
    assert _ids(view, "i:") == {i for i, p in progs.items() if p and "Staffel 1" in p}
    ids = _ids(view, "i:")
    assert all(e["from"][2:] in ids and e["to"][2:] in ids for e in view.edges)
    with pytest.raises(UsageError, match="not an action field"):
        network_view(data, field="nonsense")
    with pytest.raises(UsageError, match="did you mean Solingen"):
        network_view(data, municipality="Solingn")
    with pytest.raises(UsageError, match="no initiative with id"):
        impact_view(data, "NOPE")
    with pytest.raises(UsageError, match=r"'mpsc-sg-hub'; did you mean MPSC-SG-HUB\?$"):
        impact_view(data, "mpsc-sg-hub")  # no suggestion before: no letter matched


def test_page_filters_list_what_the_view_holds(mpsc):
    data, _ = mpsc
    view = network_view(data)
    assert [k for k, _ in view.filters["fields"]] == [
        k for k in FIELD_COLOURS if any(k in n["fields"] for n in view.nodes)]
    assert set(view.filters["municipalities"]) == {
        m for n in view.nodes for m in n["municipalities"]}
    assert {k for k, _ in view.filters["relations"]} == {e["relation"] for e in view.edges}


def test_german_labels(mpsc):
    data, _ = mpsc
    view = network_view(data, lang="de")
    labels = dict(view.filters["fields"])
    assert labels["housing"] == "Wohnen"
    assert labels["mobility"] == vocabulary().field_label("mobility", "de")
    assert view.title == "Initiativen und ihre Beziehungen"
    page = render_html(view)
    assert '<html lang="de">' in page
    with pytest.raises(UsageError):
        network_view(data, lang="fr")


# --- the page ------------------------------------------------------------------------------

class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "action", "data")]


def test_page_is_self_contained(mpsc):
    data, details = mpsc
    view = network_view(data, details=details)
    page = render_html(view)
    parser = _Refs()
    parser.feed(page)
    assert parser.refs == []  # no script, style sheet, image or link loaded from anywhere
    assert parser.tags["script"] == 3
    assert parser.tags["link"] == 0
    assert "default-src 'none'" in page
    assert not re.search(r"url\((?!\"?data:)", page)
    assert "@import" not in page
    # outside the bundled vis-network files and the data, no URL but an XML namespace name
    from scgraph.viz.page import _assets, embed_json

    data_json = embed_json(view.to_json())
    rest = (page.replace(_assets()["VISJS"], "").replace(_assets()["VISCSS"], "")
            .replace(data_json, ""))
    assert set(re.findall(r"https?://[^\s\"'<>\\]+", rest)) == {"http://www.w3.org/2000/svg"}
    # in the data, every URL is a source of the node it is on
    for n in view.nodes:
        assert n["sources"] == list(details[n["ident"]].sources)
    without_sources = json.dumps([{k: v for k, v in n.items() if k != "sources"}
                                  for n in view.nodes] + view.edges)
    assert "http" not in without_sources
    assert sum(len(n["sources"]) for n in view.nodes) > 100


def test_page_embeds_the_view(mpsc):
    data, details = mpsc
    view = impact_view(data, "MPSC-SG-HUB", details=details)
    assert _embedded(render_html(view)) == json.loads(json.dumps(view.to_json()))


def test_hostile_names_cannot_break_out(hostile, tmp_path):
    data, details = hostile
    for view in (network_view(data, details=details, actors=True),
                 municipality_view(data, HOSTILE_TOWN.strip(), details=details),
                 impact_view(data, "H-BASE", details=details), overview_view(data)):
        page = write_html(view, tmp_path / f"{view.name}.html").read_text(encoding="utf-8")
        from scgraph.viz.page import _assets

        page = page.replace(_assets()["VISJS"], "")  # it holds "<script>" in a string
        # our three script elements, no more, each closed once
        assert page.lower().count("<script") == 3
        assert page.lower().count("</script") == 3
        assert "<!--" not in page
        assert "\u2028" not in page
        assert "\u2029" not in page
        assert HOSTILE_INITIATIVE not in page
        assert HOSTILE_ACTOR not in page
        assert "<b>Co" not in page
        embedded = _embedded(page)
        assert embedded == json.loads(json.dumps(view.to_json()))
    view = network_view(data, details=details, actors=True)
    names = {n["name"] for n in view.nodes}
    assert {HOSTILE_INITIATIVE, HOSTILE_ACTOR} <= names
    img = next(n for n in view.nodes if n["ident"] == "H-IMG")
    assert sorted(img["sources"]) == ["https://example.org/a?b=1&c=2", "javascript:alert(4)"]
    assert img["municipalities"] == ["Town & <b>Co</b>"]
    assert ["Description", HOSTILE_TEXT] in img["details"]
    assert html.escape(HOSTILE_INITIATIVE) not in render_html(view).split("<body>")[0]


def test_notebook_display(small):
    data, _ = small
    view = network_view(data)
    shown = show(view, height=500)
    out = shown._repr_html_()
    assert out.startswith("<iframe srcdoc=\"")
    assert "height:500px" in out
    assert "<script" not in out  # the page is an attribute value, fully escaped
    srcdoc = re.search(r'srcdoc="([^"]*)"', out)
    assert srcdoc is not None
    assert html.unescape(srcdoc.group(1)) == render_html(view)
    sandbox = re.search(r'sandbox="([^"]*)"', out)
    assert sandbox is not None
    assert "allow-scripts" in sandbox.group(1)
    assert "allow-same-origin" not in sandbox.group(1)


# --- the command ---------------------------------------------------------------------------

def test_cli_viz_out_dash_writes_standard_output(mpsc_store_path, tmp_path):
    """As `export` does; before, a file named "-" was written in the current folder."""
    import subprocess
    import sys

    base = [sys.executable, "-m", "scgraph", "viz", "--store", str(mpsc_store_path),
            "--view", "overview", "--out"]
    piped = subprocess.run([*base, "-"], cwd=tmp_path, capture_output=True, check=True)
    subprocess.run([*base, str(tmp_path / "o.html")], capture_output=True, check=True)
    assert piped.stdout == (tmp_path / "o.html").read_bytes()
    assert b"wrote standard output: overview view" in piped.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.html"]


def test_cli_viz(cli, small_path, tmp_path):
    assert cli("ingest", small_path).code == 0
    out = tmp_path / "v" / "net.html"
    r = cli("viz", "--view", "network", "--actors", "--lang", "de", "--out", out)
    assert r.code == 0, r.err
    # 4 initiatives + 4 actors; 4 relations (one from the depends_on column) + 5 actor links
    assert "network view, 8 nodes, 9 edges" in r.err
    raw = out.read_bytes()
    page = raw.decode("utf-8")
    assert "Verkehr und Mobilität" in page
    assert "\\u003c" not in page[:200]
    assert _embedded(page)["lang"] == "de"
    r = cli("viz", "--view", "impact", "--initiative", "T-HUB", "--out", out)
    # T-HUB, T-APP and T-BUS (both need it), the 3 fields of the two; APP -> HUB twice
    # (depends_on and visualises_data_of), BUS -> HUB once, 3 field links
    assert r.code == 0
    assert "impact view, 6 nodes, 6 edges" in r.err
    for args, message in [
        (("--view", "impact"), "needs --initiative"),
        (("--view", "municipality"), "needs --municipality"),
        (("--view", "overview", "--field", "housing"), "only for --view network"),
        (("--view", "network", "--initiative", "T-HUB"), "only for --view impact"),
        (("--view", "municipality", "--municipality", "Nowhere"), "no initiative in"),
    ]:
        r = cli("viz", *args, "--out", out)
        assert r.code == 2, (args, r.err)
        assert message in r.err, (args, r.err)


# --- screening overlay ---------------------------------------------------------------------

def _expected_marks(frame: pd.DataFrame) -> tuple[set[str], set[str]]:
    """Ids with open data-protection risks, and ids with other open risks only."""
    open_risk = frame[(frame["status"] == "open") & (frame["polarity"] == "risk")]
    dp = set(open_risk[open_risk["effect"].isin(list(DATA_PROTECTION_EFFECTS))]["id"])
    return dp, set(open_risk["id"]) - dp


def test_data_protection_effects_are_ontology_kinds():
    assert set(vocabulary().effect_kinds) >= set(DATA_PROTECTION_EFFECTS)
    assert "data_protection" in DATA_PROTECTION_EFFECTS


def test_screening_overlay_marks_follow_the_screening(mpsc_screened):
    data, details, frame = mpsc_screened
    dp, other = _expected_marks(frame)
    assert 0 < len(dp) < len(data.initiatives)
    assert other
    view = network_view(data, details=details, screening=frame)
    marks = {n["ident"]: n["screening"]["mark"] for n in view.nodes if "screening" in n}
    assert set(marks) == set(frame["id"])
    assert {i for i, m in marks.items() if m == "data_protection"} == dp
    assert {i for i, m in marks.items() if m == "open"} == other
    rows = frame.groupby("id")
    for n in view.nodes:
        mark = n.get("screening", {}).get("mark", "")
        # the data-protection mark: thick black border and halo; other open risks: a
        # thinner dark border; everything else keeps its ordinary border
        if mark == "data_protection":
            assert n["borderWidth"] == DATA_PROTECTION_MARK["borderWidth"]
            assert n["color"]["border"] == DATA_PROTECTION_MARK["border"]
            assert n["shadow"]["enabled"]
            assert n["label"] == BADGE + n["name"]
        elif mark == "open":
            assert n["borderWidth"] == OPEN_RISK_MARK["borderWidth"]
            assert n["color"]["border"] == OPEN_RISK_MARK["border"]
            assert "shadow" not in n
        else:
            assert n["borderWidth"] < OPEN_RISK_MARK["borderWidth"]
            assert "shadow" not in n
        if mark != "data_protection":
            assert n["label"] == n["name"]
        if "screening" not in n:
            continue
        got = n["screening"]["effects"]
        mine = rows.get_group(n["ident"])
        assert sorted((e["pattern"], e["effect"], e["polarity"], e["status"], e["mitigation"],
                       " | ".join(e["sources"])) for e in got) == sorted(
            zip(mine["pattern"], mine["effect"], mine["polarity"], mine["status"],
                mine["suggested_mitigation"], mine["source"], strict=True))
        is_open_dp = [e["polarity"] == "risk" and e["status"] == "open" and e["data_protection"]
                      for e in got]
        assert n["screening"]["open_data_protection"] == sum(is_open_dp)
        # open data-protection risks come first in the details panel
        assert is_open_dp == sorted(is_open_dp, reverse=True)
    assert f"{len(dp)} with open potential data-protection risks" in view.summary
    section = view.legend[-1]
    assert section["title"] == "Side-effect screening"
    assert [i["label"] for i in section["items"][:2]] == [
        f"{BADGE}open potential data-protection risks ({len(dp)})",
        f"other open potential risks ({len(other)})"]
    assert view.filters["screening"] is True
    # without the option the view carries no trace of the overlay
    plain = network_view(data, details=details)
    assert not any("screening" in n or "shadow" in n for n in plain.nodes)
    assert "screening" not in plain.filters
    assert all(s["title"] != "Side-effect screening" for s in plain.legend)


def test_screening_overlay_with_a_filter_and_in_german(mpsc_screened):
    data, _, frame = mpsc_screened
    view = network_view(data, field="mobility", screening=frame, lang="de")
    shown = _ids(view, "i:")
    dp, _ = _expected_marks(frame)
    assert {n["ident"] for n in view.nodes
            if n.get("screening", {}).get("mark") == "data_protection"} == dp & shown
    assert view.legend[-1]["title"] == "Nebenwirkungs-Screening"
    effect = next(e for n in view.nodes for e in n.get("screening", {}).get("effects", [])
                  if e["effect"] == "data_protection" and e["status"] == "open")
    assert (effect["label"], effect["status_label"], effect["polarity_label"]) == (
        vocabulary().effect_kinds["data_protection"]["de"], "offen", "Risiko")
    with pytest.raises(UsageError, match="lacks the columns"):
        network_view(data, screening=frame.drop(columns=["status"]))


def test_screening_overlay_escapes_pattern_texts(hostile, tmp_path):
    data, details = hostile
    pattern = Pattern(id="SEP-<b>1</b>", trigger=HOSTILE_ACTOR, effects=("data_protection",),
                      polarity="risk", fields=("housing",), mitigation=HOSTILE_TEXT,
                      sources=("javascript:alert(5)", "https://example.org/p?a=1&b=</script>"),
                      solution_types=("city_app",))
    types = pd.DataFrame({"id": ["H-IMG"], "solution_type": ["city_app"],
                          "confidence": ["stated"]})
    frame = screening(data, solution_types=types, patterns=[pattern])
    view = network_view(data, details=details, screening=frame)
    img = next(n for n in view.nodes if n["ident"] == "H-IMG")
    assert img["screening"]["mark"] == "data_protection"
    [effect] = img["screening"]["effects"]
    assert effect["pattern"] == "SEP-<b>1</b>"
    assert effect["mitigation"] == HOSTILE_TEXT
    assert sorted(effect["sources"]) == sorted(pattern.sources)
    page = write_html(view, tmp_path / "screened.html").read_text(encoding="utf-8")
    from scgraph.viz.page import _assets

    page = page.replace(_assets()["VISJS"], "")
    assert page.lower().count("<script") == 3
    assert page.lower().count("</script") == 3
    assert "<!--" not in page
    assert "<b>1" not in page
    assert "\u2028" not in page
    assert _embedded(page) == json.loads(json.dumps(view.to_json()))


def test_cli_viz_screening(cli, small_path, tmp_path):
    assert cli("ingest", small_path).code == 0
    out = tmp_path / "screened.html"
    r = cli("viz", "--view", "network", "--screening", "--out", out)
    assert r.code == 0, r.err
    with EmbeddedStore(tmp_path / ".scgraph", read_only=True) as st:
        frame = screening(st)
    dp, other = _expected_marks(frame)
    assert dp  # the overlay has something to mark in the small fixture
    nodes = _embedded(out.read_text(encoding="utf-8"))["nodes"]
    assert isinstance(nodes, list)
    marks = {n["ident"]: n["screening"]["mark"] for n in nodes if "screening" in n}
    assert {i for i, m in marks.items() if m == "data_protection"} == dp
    assert {i for i, m in marks.items() if m == "open"} == other
    r = cli("viz", "--view", "overview", "--screening", "--out", out)
    assert r.code == 2
    assert "--screening: only for --view network" in r.err


def test_a_joint_project_is_in_each_municipality_and_in_its_own_label(mpsc):
    # data/mpsc writes joint projects as "Hamburg; Leipzig; München"; the report and the
    # analytics group them under that label, so a view must open it too
    data, _ = mpsc
    cells = {_s(i): str(m) for i, m in
             zip(data.initiatives["id"], data.initiatives["municipality"], strict=True)}
    joint = sorted({m for m in cells.values() if ";" in m})
    assert joint, "data/mpsc has joint projects"
    label = joint[0]
    view = municipality_view(data, label.lower())
    assert {n["ident"] for n in view.nodes if n["ident"] in cells
            and not n.get("elsewhere")} == {i for i, m in cells.items() if m == label}
    one = label.split(";")[1].strip()
    view = municipality_view(data, one)
    assert {i for i, m in cells.items() if m == label} <= _ids(view, "i:")
    assert _ids(network_view(data, municipality=label), "i:") == {
        i for i, m in cells.items() if m == label}


def test_options_match_names_in_either_unicode_normalization_form(mpsc):
    import unicodedata

    data, _ = mpsc
    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    town = next(str(m) for m in data.initiatives["municipality"] if "ü" in str(m)
                and ";" not in str(m))
    assert nfd(town) != town
    assert municipality_view(data, nfd(town)).title == municipality_view(data, town).title
    assert _ids(network_view(data, field=nfd("Verkehr und Mobilität")), "i:") == _ids(
        network_view(data, field="mobility"), "i:")
    with pytest.raises(UsageError, match="`scgraph analyze integration` lists"):
        municipality_view(data, "Atlantis")


def _s(value: object) -> str:
    return "" if value is None else str(value)


def test_ingest_keeps_names_and_ids_in_one_normalization_form(tmp_path):
    # "Gütersloh" typed with a combining diaeresis made a second municipality that
    # looked the same, and a reference so written found no initiative
    import unicodedata

    def nfd(text: str) -> str:
        return unicodedata.normalize("NFD", text)

    data = tmp_path / "towns.yaml"
    data.write_text(
        "initiatives:\n"
        "  - {id: MÜNSTER-1, name: Hub, municipality: Gütersloh, action_fields: [energy],"
        " source: s}\n"
        f"  - {{id: MÜNSTER-2, name: App, municipality: {nfd('Gütersloh')},"
        f" action_fields: [mobility], source: s, depends_on: [{nfd('MÜNSTER-1')}]}}\n",
        encoding="utf-8")
    store = EmbeddedStore()
    ingest([data], store)
    loaded = load_graph_data(store)
    assert set(loaded.initiatives["municipality"]) == {"Gütersloh"}
    assert set(loaded.initiatives["id"]) == {"MÜNSTER-1", "MÜNSTER-2"}
    assert _ids(impact_view(loaded, nfd("MÜNSTER-1")), "i:") == {"MÜNSTER-1", "MÜNSTER-2"}


def test_actor_kinds_are_said_in_the_pages_language(mpsc):
    data, _ = mpsc
    view = network_view(data, actors=True, lang="de")
    kinds = {n["details"][0][1] for n in view.nodes if n["kind"] == "actor"}
    assert "Akteur (Kommune)" in kinds
    assert all("(Municipality)" not in k for k in kinds)
    english = network_view(data, actors=True)
    english_kinds = {n["details"][0][1] for n in english.nodes if n["kind"] == "actor"}
    assert "actor (municipality)" in english_kinds
    # an actor of no narrower class is an actor, said once
    assert "Akteur" in kinds
    assert "actor" in english_kinds
    assert not {"Akteur (Akteur)", "actor (actor)"} & (kinds | english_kinds)


def test_a_legend_has_one_section_of_marks(mpsc):
    data, _ = mpsc
    towns = sorted({str(m) for m in data.initiatives["municipality"] if m})
    for town in towns:  # one with isolated initiatives and a need elsewhere: two marks
        view = municipality_view(data, town)
        if any(n.get("elsewhere") for n in view.nodes) and any(
                n["isolated"] for n in view.nodes):
            break
    else:
        pytest.fail("data/mpsc has such a municipality")
    marks = [s for s in view.legend if s["title"] == "Marks"]
    assert len(marks) == 1
    assert len(marks[0]["items"]) == 2


def test_overview_summary_counts_field_pairs_and_isolates_names(mpsc, hostile):
    data, _ = mpsc
    view = overview_view(data)
    dependency = sum(1 for e in view.edges if e["relation"] == "dependency")
    spill = sum(1 for e in view.edges if e["relation"] == "spill_over")
    assert view.summary.endswith(f"field pairs joined: {dependency} by cross-field "
                                 f"dependencies, {spill} by side-effect spill-over")
    hdata, _ = hostile
    view = municipality_view(hdata, "Elsewhere")
    assert "in \u2068Elsewhere\u2069," in view.summary


def test_a_supports_edge_reads_the_way_its_arrow_points(small):
    # "T-HUB supports T-BUS" is drawn T-BUS -> T-HUB (arrows point to what is needed), so
    # its label must read from T-BUS: "supported by", not "supports"
    data, _ = small
    view = network_view(data)
    edge = next(e for e in view.edges if e["relation"] == "supports")
    assert (edge["from"], edge["to"]) == ("i:T-BUS", "i:T-HUB")
    assert edge["title"] == "supported by"
    assert network_view(data, lang="de").edges[view.edges.index(edge)]["title"] == \
        "wird unterstützt von"


def test_filters_that_leave_nothing_are_refused(mpsc):
    data, _ = mpsc
    fields = data.fields_of()
    muni = dict(zip(data.initiatives["id"], data.initiatives["municipality"], strict=True))
    town = next(str(m) for i, m in muni.items() if m and "housing" not in fields[i]
                and not any("housing" in fields[j] for j, n in muni.items() if n == m))
    with pytest.raises(UsageError, match=f"no initiative matches --field 'housing' and "
                       f"--municipality '{town}'; leave one out"):
        network_view(data, field="housing", municipality=town)
    with pytest.raises(UsageError, match="--programme: give part of a programme's name"):
        network_view(data, programme=" ")


def test_a_view_is_the_same_in_every_process(mpsc_store_path: Path, tmp_path: Path) -> None:
    # the layout followed the order in which sets listed the data, which Python's hash
    # seed changes from one process to the next
    import os
    import subprocess
    import sys

    pages = []
    for seed in ("1", "2"):
        out = tmp_path / f"network{seed}.html"
        subprocess.run([sys.executable, "-m", "scgraph", "viz", "--store", str(mpsc_store_path),
                        "--view", "network", "--actors", "--out", str(out)], check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
        pages.append(out.read_bytes())
    assert pages[0] == pages[1]


def _rgb(colour: str) -> tuple[int, ...]:
    if colour.startswith("rgba("):
        return tuple(int(x) for x in colour[5:-1].split(",")[:3])
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_the_screening_marks_are_no_field_colour() -> None:
    """A mark in a field's colour reads as that field's fill: the vermillion mark on
    103 of data/mpsc's 249 initiatives looked like mobility's orange at the opening zoom."""
    for mark in (DATA_PROTECTION_MARK["border"], DATA_PROTECTION_MARK["shadow"]["color"],
                 OPEN_RISK_MARK["border"]):
        for field, fill in FIELD_COLOURS.items():
            distance = sum((a - b) ** 2 for a, b in zip(_rgb(mark), _rgb(fill), strict=True))
            assert distance ** 0.5 > 100, (mark, field, fill)


def test_a_count_of_one_takes_the_singular(mpsc):
    data, _ = mpsc
    kiel = municipality_view(data, "Kiel")  # one initiative there
    assert kiel.summary.startswith("1 initiative in \u2068Kiel")
    assert municipality_view(data, "Kiel", lang="de").summary.startswith(
        "1 Initiative in \u2068Kiel")
    assert municipality_view(data, "Solingen").summary.startswith("7 initiatives in ")


def test_a_view_takes_the_store_as_the_analytics_do(mpsc_path):
    """network_view(store) failed with an AttributeError; it now reads the store, and its
    details (sources, descriptions) with it."""
    with EmbeddedStore() as store:
        ingest([mpsc_path], store)
        data, details = load_graph_data(store), load_details(store)
        assert network_view(store).nodes == network_view(data, details=details).nodes
        assert overview_view(store).edges == overview_view(data).edges
        assert municipality_view(store, "Solingen").nodes == \
            municipality_view(data, "Solingen", details=details).nodes
        assert impact_view(store, "MPSC-SG-HUB").nodes == \
            impact_view(data, "MPSC-SG-HUB", details=details).nodes
