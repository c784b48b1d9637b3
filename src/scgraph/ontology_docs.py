"""HTML documentation of the ontology (pyLODE) and a diagram of its core classes.

``python -m scgraph.ontology_docs DIR`` (what ``make docs`` runs) writes
``DIR/index.html`` and ``DIR/core-classes.svg``. pyLODE is in the ``docs`` extra.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from scgraph.errors import ScgraphError, UsageError
from scgraph.namespaces import PREFIXES, SC
from scgraph.ontology import ontology_file

__all__ = ["build_docs", "class_diagram", "core_classes", "main"]


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def core_classes(graph: Graph) -> tuple[list[str], list[tuple[str, str]],
                                        list[tuple[str, str, str]]]:
    """Classes of the diagram, their subclass edges and the properties between them.

    Returns (classes, (sub, super) pairs, (domain, property, range) triples), all
    as prefixed names: every ``sc:`` class, its named superclasses, and every
    ``sc:`` object property whose domain and range are two different classes shown.

    >>> classes, subs, props = core_classes(Graph().parse(ontology_file()))
    >>> ("sc:Municipality", "sc:PublicAuthority") in subs
    True
    >>> ("sc:SideEffect", "sc:sideEffectOf", "sc:Initiative") in props
    True
    """
    own = {str(c) for c in graph.subjects(RDF.type, OWL.Class)
           if isinstance(c, URIRef) and str(c).startswith(SC)}
    subs = sorted({(_short(str(c)), _short(str(d))) for c in own
                   for d in graph.objects(URIRef(c), RDFS.subClassOf) if isinstance(d, URIRef)})
    classes = sorted({_short(c) for c in own} | {d for _, d in subs})
    props = []
    for p in graph.subjects(RDF.type, OWL.ObjectProperty):
        if not str(p).startswith(SC) or (p, OWL.inverseOf, None) in graph:
            continue
        dom, rng = graph.value(p, RDFS.domain), graph.value(p, RDFS.range)
        if isinstance(dom, URIRef) and isinstance(rng, URIRef) and dom != rng:
            d, r = _short(str(dom)), _short(str(rng))
            if d in classes and r in classes:
                props.append((d, _short(str(p)), r))
    return classes, subs, sorted(props)


def class_diagram(path: Path, graph: Graph | None = None) -> Path:
    """Draw the core classes (subclass tree, properties dashed) as SVG or PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    graph = graph if graph is not None else Graph().parse(ontology_file())
    classes, all_subs, props = core_classes(graph)
    supers: dict[str, list[str]] = {c: [] for c in classes}
    extra: dict[str, list[str]] = {c: [] for c in classes}
    for c, d in all_subs:
        supers[c].append(d)
    # a class with an sc: superclass shows its other (external) superclasses as text
    for c in classes:
        if any(d.startswith("sc:") for d in supers[c]):
            extra[c] = [d for d in supers[c] if not d.startswith("sc:")]
            supers[c] = [d for d in supers[c] if d.startswith("sc:")]
    subs = [(c, d) for c in classes for d in supers[c]]
    classes = [c for c in classes if c.startswith("sc:") or any(d == c for _, d in subs)]
    depth: dict[str, int] = {}

    def level(c: str) -> int:
        if c not in depth:
            depth[c] = 1 + max((level(d) for d in supers[c]), default=-1)
        return depth[c]

    layers: dict[int, list[str]] = {}
    for c in classes:
        layers.setdefault(level(c), []).append(c)
    width = max(len(v) for v in layers.values())
    pos: dict[str, tuple[float, float]] = {}
    for lvl in sorted(layers):
        members = layers[lvl]

        def centre(c: str) -> float:
            xs = [pos[d][0] for d in supers[c] if d in pos]
            return sum(xs) / len(xs) if xs else 0.0

        for i, c in enumerate(sorted(members, key=lambda c: (centre(c), c))):
            pos[c] = ((i + 0.5) * width / len(members) * 1.4, -lvl * 2.2)
    plt.rcParams["svg.hashsalt"] = "scgraph"
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, smaller
    fig, ax = plt.subplots(figsize=(max(12, width * 2.2), 2.2 * len(layers) + 1.5))
    ax.set_axis_off()
    for c, d in subs:
        ax.add_patch(FancyArrowPatch(pos[c], pos[d], arrowstyle="-|>", mutation_scale=14,
                                     color="#555555", shrinkA=14, shrinkB=14))
    for d, p, r in props:
        ax.add_patch(FancyArrowPatch(pos[d], pos[r], arrowstyle="->", mutation_scale=12,
                                     linestyle="--", color="#1f77b4", shrinkA=14, shrinkB=14,
                                     connectionstyle="arc3,rad=0.25"))
        (x0, y0), (x1, y1) = pos[d], pos[r]
        ax.annotate(p, ((x0 + x1) / 2, (y0 + y1) / 2), color="#1f77b4", fontsize=8,
                    ha="center")
    for c, (x, y) in pos.items():
        own = c.startswith("sc:")
        label = c if len(c) <= 24 else c[:17] + "\n" + c[17:]
        label += "\n⊑ " + ", ".join(extra[c]) if extra[c] else ""
        ax.text(x, y, label, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.4", "fc": "#fff7d6" if own else "#eeeeee",
                      "ec": "#886600" if own else "#999999"})
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(min(ys) - 1, max(ys) + 1)
    ax.set_title("scgraph core classes: subclass of (solid), object properties (dashed)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", metadata={"Date": None} if path.suffix == ".svg"
                else None)
    plt.close(fig)
    return path


def build_docs(out_dir: Path) -> list[Path]:
    """Write ``index.html`` (pyLODE) and ``core-classes.svg`` into ``out_dir``."""
    try:
        from pylode import OntPub
    except ImportError as exc:
        raise UsageError("pyLODE is not installed; install the docs extra: "
                         "pip install 'scgraph[docs]' (or run `make docs`)") from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "index.html"
    OntPub(ontology=str(ontology_file())).make_html(destination=str(html))
    return [html, class_diagram(out_dir / "core-classes.svg")]


def main(argv: list[str] | None = None) -> int:
    """``python -m scgraph.ontology_docs [DIR]`` (default ``docs/html``)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        for path in build_docs(Path(args[0] if args else "docs/html")):
            print(f"wrote {path}")
    except ScgraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
