"""The four views as plain data: nodes, edges, legend and filters for vis-network.

A :class:`View` holds JSON-ready node and edge dictionaries in the form
vis-network reads (``id``, ``label``, ``shape``, ``color``, ``x``, ``y``, …) plus
the fields the page's search, filters and details panel use (``kind``,
``ident``, ``fields``, ``municipalities``, ``details``, ``sources`` on nodes;
``relation`` on edges). :mod:`scgraph.viz.page` turns a view into HTML.

Layouts are computed here with networkx (seeded, so a view is reproducible);
above :data:`PHYSICS_LIMIT` nodes the page keeps physics off.
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from scgraph.analytics.isolation import isolated as isolated_measure
from scgraph.analytics.projection import (
    DEPENDENCY_RELATIONS,
    GraphData,
    dependency_graph,
    field_graph,
    load_graph_data,
)
from scgraph.errors import UsageError
from scgraph.namespaces import sparql_prefixes
from scgraph.ontology import vocabulary
from scgraph.store.base import GraphStore
from scgraph.texts import nfc
from scgraph.viz.overlay import apply_screening, screening_legend
from scgraph.viz.styling import (
    ACTOR_COLOUR,
    FIELD_COLOURS,
    KIND_SHAPES,
    RELATION_STYLES,
    field_colour,
    field_label,
    kind_label,
    relation_label,
    text,
)

__all__ = [
    "PHYSICS_LIMIT",
    "VIEW_NAMES",
    "Details",
    "View",
    "impact_view",
    "load_details",
    "municipality_view",
    "network_view",
    "overview_view",
]

#: Above this many nodes the page shows the precomputed layout without physics.
PHYSICS_LIMIT = 300
VIEW_NAMES = ("overview", "network", "municipality", "impact")
_DENSE_LIMIT = 3000

_DETAILS = sparql_prefixes() + """
SELECT ?id ?description ?status WHERE {
  ?i a sc:Initiative ; dcterms:identifier ?id .
  OPTIONAL { ?i dcterms:description ?description }
  OPTIONAL { ?i sc:status ?status }
}
"""

_SOURCES = sparql_prefixes() + """
SELECT ?id ?source WHERE {
  ?i a sc:Initiative ; dcterms:identifier ?id ; dcterms:source ?s .
  BIND(STR(?s) AS ?source)
}
ORDER BY ?id ?source
"""


@dataclass(frozen=True)
class Details:
    """What the details panel shows beyond :class:`GraphData`: text and sources."""

    description: str = ""
    status: str = ""
    sources: tuple[str, ...] = ()


def load_details(store: GraphStore) -> dict[str, Details]:
    """Initiative id -> description, status and sources, read from ``store``."""
    sources: dict[str, list[str]] = {}
    for ident, src in store.select(_SOURCES).values():
        if ident is not None and src is not None:
            sources.setdefault(ident, []).append(src)
    out: dict[str, Details] = {}
    for ident, description, status in store.select(_DETAILS).values():
        if ident is None or ident in out:
            continue
        out[ident] = Details(description or "", status or "",
                             tuple(sources.get(ident, [])))
    return out


@dataclass(frozen=True)
class View:
    """One view, ready to be written as a page."""

    name: str
    title: str
    summary: str
    lang: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    legend: list[dict[str, Any]] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def physics(self) -> bool:
        """True if the page may let the layout settle (small views only)."""
        return len(self.nodes) <= PHYSICS_LIMIT

    def to_json(self) -> dict[str, Any]:
        """The view as one JSON-ready dictionary (what the page embeds)."""
        return {"name": self.name, "title": self.title, "summary": self.summary,
                "lang": self.lang, "physics": self.physics, "nodes": self.nodes,
                "edges": self.edges, "legend": self.legend, "filters": self.filters,
                "text": {k: text(k, self.lang) for k in _PAGE_WORDS}}


_PAGE_WORDS = ("search", "match", "matches", "fields", "municipality_filter", "all", "relations",
               "legend", "filters", "details", "details_hint", "shown", "of", "nodes",
               "edges", "id", "kind", "programme", "year", "status", "description",
               "sources", "isolated", "neighbours", "reset", "field", "initiatives",
               "screening", "dp_only", "side_effects", "pattern", "mitigation")


# --- helpers -------------------------------------------------------------------------------

def _s(value: object) -> str:
    """Text of a table cell; empty for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _loaded(source: GraphData | GraphStore, details: Mapping[str, Details] | None
            ) -> tuple[GraphData, Mapping[str, Details] | None]:
    """The data a view draws: loaded data as given; a store is read here, and its details
    too unless they are given (the analytics take either, so a view does as well)."""
    if isinstance(source, GraphData):
        return source, details
    return load_graph_data(source), load_details(source) if details is None else details


def _many(key: str, lang: str) -> str:
    """A plural noun for a count: lower case in English, as written in German."""
    word = text(key, lang)
    return word.lower() if lang == "en" else word


#: The singular of the nouns a summary counts, (English, German).
_ONE = {"initiatives": ("initiative", "Initiative"), "edges": ("edge", "Kante"),
        "fields": ("action field", "Handlungsfeld")}


def _count(n: int, key: str, lang: str) -> str:
    """A count and its noun, singular for one: "1 initiative", "2 initiatives"."""
    if n == 1 and key in _ONE:
        return f"1 {_ONE[key][1] if lang == 'de' else _ONE[key][0]}"
    return f"{n} {_many(key, lang)}"


def _isolate(name: str) -> str:
    """A name from the data set in a sentence of the page: between Unicode's first-strong
    isolate and its pop, so that right-to-left text in it cannot reorder the sentence."""
    return f"\u2068{name}\u2069"


def _municipalities(label: str) -> list[str]:
    """One municipality cell may name several, separated by ``;``."""
    return [m.strip() for m in label.split(";") if m.strip()]


def _in_municipality(label: str, wanted: str) -> bool:
    """Whether a municipality cell is ``wanted``, or names it among several (a joint
    project of ``Hamburg; Leipzig`` is in Leipzig, and in ``Hamburg; Leipzig`` too,
    which is how the store and the analytics group it)."""
    return label.strip() == wanted or wanted in _municipalities(label)


def _isolated_single_purpose(data: GraphData) -> set[str]:
    """Ids of isolated single-purpose solutions (:func:`scgraph.analytics.isolated`)."""
    return set(isolated_measure(data)["id"])


def _primary_field(fields: Iterable[str]) -> str:
    """The first of the fields in the legend's order; ``""`` if none."""
    fs = set(fields)
    for key in FIELD_COLOURS:
        if key in fs:
            return key
    return min(fs) if fs else ""


def _spring(g: nx.Graph) -> dict[Hashable, tuple[float, float]]:
    """Seeded force-directed positions in [-1, 1]² for one connected component.

    networkx's spring layout up to 500 nodes; above, the same Fruchterman-Reingold
    steps in dense numpy (networkx would need scipy there), and above
    :data:`_DENSE_LIMIT` nodes a seeded random placement, which keeps memory flat.
    """
    n = g.number_of_nodes()
    if n < 500:
        raw = nx.spring_layout(g, seed=7, iterations=50)
        return {k: (float(v[0]), float(v[1])) for k, v in raw.items()}
    nodes = list(g)
    rng = np.random.default_rng(7)
    pos = rng.random((n, 2)).astype(np.float32)
    if n <= _DENSE_LIMIT:
        index = {v: i for i, v in enumerate(nodes)}
        ends = np.array([(index[a], index[b]) for a, b in g.edges()], dtype=np.int64)
        k = np.float32(1.0 / math.sqrt(n))
        temperature, iterations = 0.1, (50 if n <= 1000 else 30)
        for step in range(iterations):
            sq = (pos ** 2).sum(axis=1)
            dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * pos @ pos.T, np.float32(1e-4))
            w = (k * k) / dist2
            np.fill_diagonal(w, 0)
            disp = pos * w.sum(axis=1)[:, None] - w @ pos  # sum_j w_ij (p_i - p_j)
            d = pos[ends[:, 0]] - pos[ends[:, 1]]
            pull = d * (np.sqrt((d ** 2).sum(axis=1)) / k)[:, None]
            np.add.at(disp, ends[:, 0], -pull)
            np.add.at(disp, ends[:, 1], pull)
            length = np.maximum(np.sqrt((disp ** 2).sum(axis=1)), np.float32(1e-4))
            t = temperature * (1 - step / iterations)
            pos += disp * (np.minimum(length, t) / length)[:, None]
    pos -= pos.mean(axis=0)
    pos /= max(float(np.abs(pos).max()), 1e-9)
    return {v: (float(pos[i, 0]), float(pos[i, 1])) for i, v in enumerate(nodes)}


def _canonical(g: nx.Graph, nodes: list[Hashable]) -> nx.Graph:
    """The subgraph of ``nodes`` with nodes and edges in sorted order: the layout starts
    from the order of the nodes and sums forces in the order of the edges, so a view is
    the same however the data came to be listed (sets differ from run to run)."""
    h = nx.Graph()
    h.add_nodes_from(sorted(nodes, key=str))
    ends = ([*sorted((a, b), key=str), w] for a, b, w in
            g.subgraph(nodes).edges(data="weight", default=1.0))
    h.add_weighted_edges_from(sorted(ends, key=lambda e: (str(e[0]), str(e[1]))))
    return h


def _layout(g: nx.Graph, spacing: float = 70.0) -> dict[Hashable, tuple[float, float]]:
    """Seeded spring layout per connected component, components packed in rows.

    Coordinates are vis-network pixels; a component of n nodes gets a square of
    about ``spacing``·√n pixels, the largest first.
    """
    comps = sorted((sorted(c, key=str) for c in nx.connected_components(g)),
                   key=lambda c: (-len(c), str(c[0])))
    boxes: list[tuple[list[Hashable], float]] = [
        (c, spacing * math.sqrt(len(c)) + 40.0) for c in comps]
    row_width = math.sqrt(sum(s * s for _, s in boxes)) * 1.6
    out: dict[Hashable, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for comp, size in boxes:
        if x > 0 and x + size > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        pos = {comp[0]: (0.0, 0.0)} if len(comp) == 1 else _spring(_canonical(g, comp))
        half = (size - 40.0) / 2
        for k, (px, py) in pos.items():
            out[k] = (round(x + size / 2 + px * half, 1), round(y + size / 2 + py * half, 1))
        x += size
        row_height = max(row_height, size)
    return out


def _colour(fill: str, border: str = "#444444") -> dict[str, Any]:
    """A node colour that keeps its fill when selected or hovered."""
    strong = {"background": fill, "border": "#000000"}
    return {"background": fill, "border": border, "highlight": strong, "hover": strong}


def _edge(eid: int, a: str, b: str, relation: str, lang: str, *, width: float = 1.5,
          title: str | None = None) -> dict[str, Any]:
    st = RELATION_STYLES[relation]
    return {"id": f"e{eid}", "from": a, "to": b, "relation": relation,
            "arrows": "to" if st.arrow else "",
            "dashes": list(st.dashes) if st.dashes else False,
            "color": {"color": st.colour, "highlight": st.colour, "opacity": 0.9},
            "width": width, "title": title or relation_label(relation, lang)}


class _Builder:
    """Collects nodes and edges of one view, then lays them out."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[dict[str, Any]] = []

    def initiative(self, row: Mapping[str, Any], details: Mapping[str, Details],
                   isolated: set[str], *, suffix: str = "") -> str:
        lang = self.lang
        ident = _s(row["id"])
        nid = "i:" + ident
        if nid in self.nodes:
            return nid
        kind = _s(row["kind"]) or "project"
        fields = [str(f) for f in row["fields"]]
        primary = _primary_field(fields)
        munis = _municipalities(_s(row["municipality"]))
        det = details.get(ident, Details())
        flabels = [field_label(f, lang) for f in fields]
        rows: list[list[str]] = [
            [text("id", lang), ident],
            [text("kind", lang), kind_label(kind, lang)],
            [text("fields", lang), ", ".join(flabels)],
        ]
        for key, value in (("municipality_filter", ", ".join(munis)),
                           ("programme", _s(row["programme"])), ("year", _s(row.get("year"))),
                           ("status", det.status), ("description", det.description)):
            if value:
                rows.append([text(key, lang), value])
        is_isolated = ident in isolated
        if is_isolated:
            rows.append([text("isolated", lang), text("isolated_hint", lang)])
        name = _s(row["name"])
        title = "\n".join([name] + [f"{k}: {v}" for k, v in rows[:4]]
                          + ([text("isolated", lang)] if is_isolated else []))
        node: dict[str, Any] = {
            "id": nid, "label": name + suffix, "title": title, "name": name, "ident": ident,
            "kind": kind, "shape": KIND_SHAPES.get(kind, "dot"),
            "size": {"programme": 22, "project": 14, "measure": 10}.get(kind, 14),
            "fields": fields, "primary": primary, "municipalities": munis,
            "details": rows, "sources": list(det.sources), "isolated": is_isolated,
            "color": _colour(field_colour(primary)),
            "borderWidth": 1,
        }
        if is_isolated:
            node["borderWidth"] = 2
            node["color"]["border"] = "#000000"
            node["shapeProperties"] = {"borderDashes": [4, 3]}
        self.nodes[nid] = node
        return nid

    def actor(self, name: str, actor_class: str) -> str:
        nid = "a:" + name
        if nid not in self.nodes:
            kind = kind_label("actor", self.lang)
            label = vocabulary().class_label(actor_class, self.lang)
            if label.casefold() != kind.casefold():  # "actor (actor)" says nothing more
                kind += f" ({label})"
            self.nodes[nid] = {
                "id": nid, "label": name, "title": f"{name}\n{kind}", "name": name,
                "ident": name, "kind": "actor",
                "shape": KIND_SHAPES["actor"], "size": 8, "fields": [], "primary": "",
                "municipalities": [], "sources": [], "isolated": False,
                "details": [[text("kind", self.lang), kind]],
                "color": _colour(ACTOR_COLOUR), "borderWidth": 1}
        return nid

    def field_node(self, key: str, initiatives: int, *, sized: bool) -> str:
        nid = "f:" + key
        label = field_label(key, self.lang)
        if nid not in self.nodes:
            self.nodes[nid] = {
                "id": nid, "label": label, "name": label, "ident": key, "kind": "field",
                "title": f"{label}\n{text('initiatives', self.lang)}: {initiatives}",
                "shape": "box" if not sized else KIND_SHAPES["field"],
                "size": 10 + 4 * math.sqrt(initiatives) if sized else 14,
                "fields": [key], "primary": key, "municipalities": [], "sources": [],
                "isolated": False,
                "details": [[text("field", self.lang), label],
                            [text("initiatives", self.lang), str(initiatives)]],
                "color": _colour(field_colour(key)),
                "borderWidth": 1, "font": {"size": 16}}
        return nid

    def edge(self, a: str, b: str, relation: str, **kw: Any) -> None:
        self.edges.append(_edge(len(self.edges), a, b, relation, self.lang, **kw))

    def finish(self, spacing: float = 70.0) -> list[dict[str, Any]]:
        g = nx.Graph()
        g.add_nodes_from(self.nodes)
        for e in self.edges:
            g.add_edge(e["from"], e["to"], weight=e.get("weight", 1.0))
        for nid, (x, y) in _layout(g, spacing).items():
            self.nodes[str(nid)]["x"], self.nodes[str(nid)]["y"] = x, y
        return list(self.nodes.values())


def _initiative_rows(data: GraphData) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in data.initiatives.to_dict("records")]


def _legend(b: _Builder, *, arrows: bool = True) -> list[dict[str, Any]]:
    lang = b.lang
    primaries = {n["primary"] for n in b.nodes.values() if n["kind"] != "actor"}
    sections: list[dict[str, Any]] = []
    items = [{"type": "node", "shape": "dot", "colour": c, "label": field_label(k, lang)}
             for k, c in FIELD_COLOURS.items() if k in primaries]
    if items:
        sections.append({"title": text("fields", lang), "items": items})
    shapes = {n["kind"]: n["shape"] for n in b.nodes.values()}
    kinds = [k for k in KIND_SHAPES if k in shapes]
    if kinds:
        sections.append({"title": text("kinds", lang), "items": [
            {"type": "node", "shape": shapes[k], "colour": "#FFFFFF",
             "label": kind_label(k, lang)} for k in kinds]})
    rels = sorted({e["relation"] for e in b.edges}, key=list(RELATION_STYLES).index)
    if rels:
        rel_items: list[dict[str, Any]] = [
            {"type": "edge", "colour": RELATION_STYLES[r].colour,
             "dashes": list(RELATION_STYLES[r].dashes), "arrow": RELATION_STYLES[r].arrow,
             "label": relation_label(r, lang)} for r in rels]
        if arrows and any(RELATION_STYLES[r].arrow for r in rels):
            rel_items.append({"type": "note", "label": text("arrow_hint", lang)})
        sections.append({"title": text("relations", lang), "items": rel_items})
    marks: list[dict[str, Any]] = []
    if any(n["isolated"] for n in b.nodes.values()):
        marks.append({"type": "node", "shape": "dot", "colour": "#FFFFFF", "dashed": True,
                      "label": text("isolated", lang) + " — " + text("isolated_hint", lang)})
    if marks:
        sections.append({"title": text("marks", lang), "items": marks})
    return sections


def _add_marks(legend: list[dict[str, Any]], lang: str, item: dict[str, Any]) -> None:
    """Add ``item`` to the legend's one section of marks, which it starts if need be."""
    title = text("marks", lang)
    section = next((s for s in legend if s["title"] == title), None)
    if section is None:
        legend.append(section := {"title": title, "items": []})
    section["items"].append(item)


def _filters(b: _Builder) -> dict[str, Any]:
    lang = b.lang
    present = {f for n in b.nodes.values() for f in n["fields"]}
    munis = sorted({m for n in b.nodes.values() for m in n["municipalities"]},
                   key=str.casefold)
    rels = sorted({e["relation"] for e in b.edges}, key=list(RELATION_STYLES).index)
    return {"fields": [[k, field_label(k, lang)] for k in FIELD_COLOURS if k in present]
            + [[k, k] for k in sorted(present - set(FIELD_COLOURS))],
            "municipalities": munis,
            "relations": [[r, relation_label(r, lang)] for r in rels]}


def _relation_edges(b: _Builder, data: GraphData, keep: set[str]) -> None:
    """Every relation between kept initiatives; dependencies point at what is needed."""
    for src, relation, tgt in zip(data.relations["source_id"], data.relations["relation"],
                                  data.relations["target_id"], strict=True):
        src, relation, tgt = str(src), str(relation), str(tgt)
        if src not in keep or tgt not in keep:
            continue
        a, b_ = (tgt, src) if DEPENDENCY_RELATIONS.get(relation, False) else (src, tgt)
        if relation in RELATION_STYLES:
            b.edge("i:" + a, "i:" + b_, relation)


def _actor_edges(b: _Builder, data: GraphData, keep: set[str]) -> None:
    for r in data.actors.itertuples(index=False):
        if str(r.initiative_id) in keep:
            aid = b.actor(str(r.actor), str(r.actor_class))
            b.edge(aid, "i:" + str(r.initiative_id), "actor", width=0.8)


def _check_lang(lang: str) -> None:
    if lang not in ("en", "de"):
        raise UsageError(f"language {lang!r} is not supported; use 'en' or 'de'")


# --- views ---------------------------------------------------------------------------------

def overview_view(data: GraphData | GraphStore, *, lang: str = "en") -> View:
    """Action fields sized by their initiatives, joined by cross-field dependencies.

    Edge width follows the number of cross-field dependencies (see
    :func:`~scgraph.analytics.field_graph`). Side-effect spill-overs — a side
    effect landing in a field its initiative does not work in — are dashed
    arrows from each of the initiative's fields to the field affected.
    """
    _check_lang(lang)
    data, _ = _loaded(data, {})  # {}: the overview shows no details, none are read
    fg = field_graph(data)
    b = _Builder(lang)
    for key in sorted(fg.nodes, key=str):
        b.field_node(str(key), int(fg.nodes[key]["initiatives"]), sized=True)
    for fa, fb, w in sorted(fg.edges(data="weight"), key=lambda e: (str(e[0]), str(e[1]))):
        b.edge("f:" + str(fa), "f:" + str(fb), "dependency", width=1 + 1.5 * math.log2(w),
               title=f"{field_label(str(fa), lang)} — {field_label(str(fb), lang)}: {w} "
                     f"{relation_label('dependency', lang)}")
        b.edges[-1]["weight"] = w
    fields = data.fields_of()
    spill: Counter[tuple[str, str]] = Counter()
    for ini, affected in zip(data.side_effects["initiative_id"],
                             data.side_effects["affects_fields"], strict=True):
        own = fields.get(str(ini), [])
        for g_ in affected:
            if g_ in own:
                continue
            for f_ in own:
                spill[(f_, str(g_))] += 1
    for (fa, fb), n in sorted(spill.items()):
        for key in (fa, fb):
            if "f:" + key not in b.nodes:
                b.field_node(key, 0, sized=True)
        b.edge("f:" + fa, "f:" + fb, "spill_over", width=1 + math.log2(n),
               title=f"{field_label(fa, lang)} → {field_label(fb, lang)}: {n} "
                     f"{relation_label('spill_over', lang)}")
    nodes = b.finish(spacing=160.0)
    legend = _legend(b, arrows=False)
    _add_marks(legend, lang, {"type": "note", "label": text("size_hint", lang)})
    n_dep = sum(1 for e in b.edges if e["relation"] == "dependency")
    # an edge is a pair of fields, however many dependencies or side effects join them
    summary = (f"{_count(len(nodes), 'fields', lang)}; "
               + text("field_pairs", lang, dependency=n_dep, spill_over=len(b.edges) - n_dep))
    return View("overview", text("overview", lang), summary, lang, nodes, b.edges, legend,
                _filters(b))


def network_view(data: GraphData | GraphStore, *, lang: str = "en",
                 details: Mapping[str, Details] | None = None, actors: bool = False,
                 field: str | None = None, municipality: str | None = None,
                 programme: str | None = None, screening: pd.DataFrame | None = None) -> View:
    """Initiatives coloured by primary field, shaped by kind, edges by relation type.

    ``field`` (key or label), ``municipality`` (exact name, any case) and
    ``programme`` (part of its name, any case) keep only matching initiatives;
    ``actors`` adds the actors of the initiatives shown. ``screening``, the
    result of :func:`scgraph.analytics.screening.screening`, marks initiatives
    with open potential risks (see :mod:`scgraph.viz.overlay`) and adds a filter
    for open data-protection risks.
    """
    _check_lang(lang)
    data, details = _loaded(data, details)
    rows = _initiative_rows(data)
    if field is not None:
        key = vocabulary().field_key(field)
        if key is None:
            raise UsageError(f"--field: {field!r} is not an action field; use one of "
                             + ", ".join(vocabulary().fields))
        rows = [r for r in rows if key in r["fields"]]
    if municipality is not None:
        wanted = _match_municipality(data, municipality)
        rows = [r for r in rows if _in_municipality(_s(r["municipality"]), wanted)]
    if programme is not None:
        if not programme.strip():
            raise UsageError("--programme: give part of a programme's name, e.g. 'Staffel 1'")
        wanted_programme = nfc(programme.strip()).casefold()
        rows = [r for r in rows if wanted_programme in nfc(_s(r["programme"])).casefold()]
        if not rows:
            raise UsageError(f"--programme: no initiative's programme contains {programme!r}")
    given = [f"--{k} {v!r}" for k, v in (("field", field), ("municipality", municipality))
             if v is not None]
    if not rows and given:  # each matches some initiative (else it was refused above)
        raise UsageError(f"no initiative matches {' and '.join(given)}"
                         + ("; leave one out to see more" if len(given) > 1 else ""))
    details = details or {}
    isolated = _isolated_single_purpose(data)
    b = _Builder(lang)
    for r in rows:
        b.initiative(r, details, isolated)
    keep = {_s(r["id"]) for r in rows}
    _relation_edges(b, data, keep)
    if actors:
        _actor_edges(b, data, keep)
    marks = apply_screening(b.nodes, screening, lang) if screening is not None else None
    nodes = b.finish()
    n_iso = sum(1 for n in nodes if n["isolated"])
    summary = (f"{_count(len(keep), 'initiatives', lang)}, {_count(len(b.edges), 'edges', lang)}"
               f", {n_iso} × {text('isolated', lang)}")
    legend, filters = _legend(b), _filters(b)
    if marks is not None:
        # a count of initiatives, not of risks (an initiative may have several)
        summary += f", {marks['data_protection']} {text('with_dp_risks', lang)}"
        legend.append(screening_legend(marks, lang))
        filters["screening"] = True
    return View("network", text("network", lang), summary, lang, nodes, b.edges, legend,
                filters)


def _match_municipality(data: GraphData, name: str) -> str:
    """The municipality ``name`` means: one a cell names, or a whole cell that names
    several; case and Unicode normalization aside."""
    cells = {_s(v).strip() for v in data.initiatives["municipality"]} - {""}
    names = sorted(cells | {m for v in cells for m in _municipalities(v)}, key=str.casefold)
    key = nfc(name.strip()).casefold()
    for m in names:
        if nfc(m).casefold() == key:
            return m
    close = difflib.get_close_matches(nfc(name.strip()), names, n=3)
    hint = (f"; did you mean {', '.join(close)}?" if close else
            "; `scgraph analyze integration` lists the municipalities")
    raise UsageError(f"--municipality: no initiative in {name!r}{hint}")


def municipality_view(data: GraphData | GraphStore, name: str, *, lang: str = "en",
                      details: Mapping[str, Details] | None = None) -> View:
    """One municipality's initiatives, their actors, and what they need elsewhere.

    "What they need elsewhere": every initiative outside the municipality that
    one of its initiatives depends on, directly or transitively.
    """
    data, details = _loaded(data, details)
    _check_lang(lang)
    wanted = _match_municipality(data, name)
    rows = {_s(r["id"]): r for r in _initiative_rows(data)}
    local = {i for i, r in rows.items() if _in_municipality(_s(r["municipality"]), wanted)}
    dg = dependency_graph(data)
    needed: set[str] = set()
    for i in local:
        needed |= {str(n) for n in nx.descendants(dg, i)}
    needed -= local
    details = details or {}
    isolated = _isolated_single_purpose(data)
    b = _Builder(lang)
    for i in sorted(local):
        b.initiative(rows[i], details, isolated)
    for i in sorted(needed):
        where = ", ".join(_municipalities(_s(rows[i]["municipality"])))
        nid = b.initiative(rows[i], details, isolated, suffix=f" ({where})" if where else "")
        b.nodes[nid]["elsewhere"] = True
        b.nodes[nid]["opacity"] = 0.6
    _relation_edges(b, data, local | needed)
    _actor_edges(b, data, local)
    nodes = b.finish()
    legend = _legend(b)
    if needed:
        _add_marks(legend, lang, {"type": "node", "shape": "dot", "colour": "#FFFFFF",
                                  "faded": True, "label": text("elsewhere", lang)})
    summary = (f"{_count(len(local), 'initiatives', lang)} in {_isolate(wanted)}, "
               f"{len(needed)} × {text('elsewhere', lang)}")
    return View("municipality", text("municipality", lang, name=_isolate(wanted)), summary,
                lang, nodes, b.edges, legend, _filters(b))


def impact_view(data: GraphData | GraphStore, initiative: str, *, lang: str = "en",
                details: Mapping[str, Details] | None = None) -> View:
    """What depends on ``initiative``, directly or transitively, and the fields reached.

    Initiatives are joined by their dependency edges (arrows point at what is
    needed); each dependant is linked to the action fields it works in.
    """
    _check_lang(lang)
    data, details = _loaded(data, details)
    rows = {_s(r["id"]): r for r in _initiative_rows(data)}
    if initiative not in rows:  # the id as written in another normalization form
        initiative = {nfc(i): i for i in rows}.get(nfc(initiative), initiative)
    if initiative not in rows:
        # ids are matched exactly; one that differs in case only is the likeliest meant
        same = [i for i in rows if i.casefold() == nfc(initiative).casefold()]
        close = same or difflib.get_close_matches(initiative, list(rows), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"--initiative: no initiative with id {initiative!r}{hint}")
    dg = dependency_graph(data)
    # What depends on X: the ancestors of X (an edge A → B means A depends on B).
    dependants = {str(n) for n in nx.ancestors(dg, initiative)}
    details = details or {}
    isolated = _isolated_single_purpose(data)
    b = _Builder(lang)
    focus = b.initiative(rows[initiative], details, isolated)
    b.nodes[focus].update(borderWidth=5, size=26, focus=True)
    b.nodes[focus]["color"]["border"] = "#000000"
    for i in sorted(dependants):
        b.initiative(rows[i], details, isolated)
    members = dependants | {initiative}
    for a, c, rels in sorted(dg.subgraph(members).edges(data="relations")):
        for rel in rels:
            b.edge("i:" + str(a), "i:" + str(c), str(rel))
    reached = Counter(f for i in dependants for f in rows[i]["fields"])
    for key in sorted(reached):
        b.field_node(str(key), reached[key], sized=False)
    for i in sorted(dependants):
        for f in rows[i]["fields"]:
            b.edge("i:" + i, "f:" + str(f), "in_field", width=0.8)
    nodes = b.finish()
    legend = _legend(b)
    _add_marks(legend, lang, {"type": "node", "shape": "dot", "colour": "#FFFFFF",
                              "thick": True, "label": text("focus", lang)})
    direct = sum(1 for _ in dg.predecessors(initiative))
    fields_txt = ", ".join(field_label(str(k), lang) for k in sorted(reached)) or "—"
    summary = (f"{_count(len(dependants), 'initiatives', lang)} ({direct} {text('direct', lang)}); "
               f"{_many('fields', lang)}: {fields_txt}")
    title = text("impact", lang, name=_isolate(_s(rows[initiative]["name"])))
    return View("impact", title, summary, lang, nodes, b.edges, legend, _filters(b))
