"""Colours, shapes, edge styles and the page's words in German and English.

Action fields take the 13 colours of Paul Tol's discrete rainbow scheme for 13
classes, chosen to stay distinguishable with the common colour-vision
deficiencies; relations take the Okabe-Ito palette and, in addition, a dash
pattern each, so that no style is told apart by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from scgraph.ontology import vocabulary

__all__ = [
    "ACTOR_COLOUR",
    "FIELD_COLOURS",
    "KIND_SHAPES",
    "LANGUAGES",
    "OTHER_COLOUR",
    "RELATION_STYLES",
    "EdgeStyle",
    "field_colour",
    "field_label",
    "kind_label",
    "relation_label",
    "text",
]

LANGUAGES = ("en", "de")

#: Action-field key -> fill colour (Tol's discrete rainbow, 13 classes), in the order of
#: the record format's documentation; an initiative's primary field is the first of its
#: fields in this order.
FIELD_COLOURS: dict[str, str] = {
    "housing": "#D1BBD7",
    "energy": "#F4A736",
    "mobility": "#E8601C",
    "education": "#7BAFDE",
    "public_services": "#CAE0AB",
    "administration": "#5289C7",
    "health": "#90C987",
    "environment": "#4EB265",
    "economy": "#F7F056",
    "digital_infrastructure": "#1965B0",
    "participation": "#AA6F9E",
    "culture": "#882E72",
    "safety": "#DC050C",
}
OTHER_COLOUR = "#DDDDDD"
ACTOR_COLOUR = "#BBBBBB"

#: Node kind -> vis-network shape.
KIND_SHAPES: dict[str, str] = {
    "programme": "diamond",
    "project": "dot",
    "measure": "square",
    "actor": "triangle",
    "field": "dot",
}


@dataclass(frozen=True)
class EdgeStyle:
    """How one relation type is drawn."""

    colour: str
    dashes: tuple[int, ...] = ()
    """Dash pattern (empty: solid line)."""
    arrow: bool = False
    """True: an arrow points from the dependant to what it needs."""


#: Relation (or link) type -> style; dependency relations carry arrows.
RELATION_STYLES: dict[str, EdgeStyle] = {
    "depends_on": EdgeStyle("#000000", (), True),
    "integrates": EdgeStyle("#0072B2", (), True),
    "visualises_data_of": EdgeStyle("#009E73", (8, 4), True),
    "supports": EdgeStyle("#D55E00", (), True),
    "connected_to": EdgeStyle("#56B4E9", (2, 4), False),
    "cooperates_with": EdgeStyle("#CC79A7", (10, 4, 2, 4), False),
    "related_to": EdgeStyle("#999999", (4, 4), False),
    "part_of": EdgeStyle("#E69F00", (1, 3), False),
    "actor": EdgeStyle("#BBBBBB", (), False),
    "in_field": EdgeStyle("#BBBBBB", (1, 3), False),
    "dependency": EdgeStyle("#0072B2", (), False),
    "spill_over": EdgeStyle("#D55E00", (6, 4), True),
}

_RELATIONS: dict[str, tuple[str, str]] = {
    "depends_on": ("depends on", "hängt ab von"),
    "integrates": ("integrates data of", "integriert Daten von"),
    "visualises_data_of": ("visualises data of", "visualisiert Daten von"),
    # drawn from the supported initiative to its support, as arrows point to what is needed
    "supports": ("supported by", "wird unterstützt von"),
    "connected_to": ("connected to", "verbunden mit"),
    "cooperates_with": ("cooperates with", "kooperiert mit"),
    "related_to": ("related to", "steht in Bezug zu"),
    "part_of": ("part of", "Teil von"),
    "actor": ("actor involved", "beteiligter Akteur"),
    "in_field": ("acts in field", "wirkt im Handlungsfeld"),
    "dependency": ("cross-field dependencies", "feldübergreifende Abhängigkeiten"),
    "spill_over": ("side-effect spill-over", "Übergreifende Nebenwirkung"),
}

_KINDS: dict[str, tuple[str, str]] = {
    "programme": ("programme", "Programm"),
    "project": ("project", "Projekt"),
    "measure": ("measure", "Maßnahme"),
    "actor": ("actor", "Akteur"),
    "field": ("action field", "Handlungsfeld"),
}

_TEXT: dict[str, tuple[str, str]] = {
    "overview": ("Action fields and their dependencies",
                 "Handlungsfelder und ihre Abhängigkeiten"),
    "network": ("Initiatives and their relations", "Initiativen und ihre Beziehungen"),
    "municipality": ("Initiatives of {name}", "Initiativen in {name}"),
    "impact": ("What depends on {name}", "Was von {name} abhängt"),
    "search": ("Search name or id", "Name oder Kennung suchen"),
    "match": ("match", "Treffer"),
    "matches": ("matches", "Treffer"),
    "direct": ("direct", "direkt"),
    "fields": ("Action fields", "Handlungsfelder"),
    "field": ("Action field", "Handlungsfeld"),
    "municipality_filter": ("Municipality", "Kommune"),
    "all": ("all", "alle"),
    "relations": ("Relations", "Beziehungen"),
    "kinds": ("Kinds", "Arten"),
    "marks": ("Marks", "Markierungen"),
    "legend": ("Legend", "Legende"),
    "filters": ("Filters", "Filter"),
    "details": ("Details", "Details"),
    "details_hint": ("Click a node to see its details and neighbours.",
                     "Einen Knoten anklicken: Details und Nachbarn."),
    "shown": ("shown", "angezeigt"),
    "of": ("of", "von"),
    "nodes": ("nodes", "Knoten"),
    "edges": ("edges", "Kanten"),
    "id": ("Id", "Kennung"),
    "kind": ("Kind", "Art"),
    "programme": ("Programme", "Programm"),
    "year": ("Year", "Jahr"),
    "status": ("Status", "Status"),
    "description": ("Description", "Beschreibung"),
    "sources": ("Sources", "Quellen"),
    "initiatives": ("Initiatives", "Initiativen"),
    "isolated": ("isolated single-purpose solution", "isolierte Insellösung"),
    "isolated_hint": ("one action field, no interaction with other initiatives",
                      "ein Handlungsfeld, keine Beziehung zu anderen Initiativen"),
    "elsewhere": ("needed, elsewhere", "benötigt, anderswo"),
    "focus": ("the initiative in question", "die betrachtete Initiative"),
    "arrow_hint": ("arrows point to what is needed", "Pfeile zeigen auf das Benötigte"),
    "size_hint": ("node size: number of initiatives", "Knotengröße: Zahl der Initiativen"),
    "field_pairs": ("field pairs joined: {dependency} by cross-field dependencies, "
                    "{spill_over} by side-effect spill-over",
                    "verbundene Feldpaare: {dependency} durch feldübergreifende "
                    "Abhängigkeiten, {spill_over} durch übergreifende Nebenwirkungen"),
    "neighbours": ("Neighbours", "Nachbarn"),
    "reset": ("Reset", "Zurücksetzen"),
    "actors": ("Actors", "Akteure"),
    "screening": ("Side-effect screening", "Nebenwirkungs-Screening"),
    "dp_risks": ("open potential data-protection risks", "offene mögliche Datenschutzrisiken"),
    "open_risks": ("other open potential risks", "andere offene mögliche Risiken"),
    "with_dp_risks": ("with open potential data-protection risks",
                      "mit offenen möglichen Datenschutzrisiken"),
    "dp_only": ("open potential data-protection risks only",
                "nur offene mögliche Datenschutzrisiken"),
    "screening_hint": ("potential side effects of guidance patterns that match the "
                       "initiative's solution types; open: none of that kind and polarity is "
                       "recorded — "
                       "a question to check, not a finding",
                       "mögliche Nebenwirkungen aus Leitfaden-Mustern, die zu den "
                       "Lösungsarten der Initiative passen; offen: keine solche ist erfasst — "
                       "eine Prüffrage, kein Befund"),
    "side_effects": ("Potential side effects", "Mögliche Nebenwirkungen"),
    "pattern": ("Pattern", "Muster"),
    "mitigation": ("Suggested mitigation", "Empfohlene Gegenmaßnahme"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "de" else pair[0]


def text(key: str, lang: str = "en", **values: object) -> str:
    """A word or phrase of the page in ``lang`` (``en`` or ``de``).

    >>> text("impact", "de", name="MPSC-ULM")
    'Was von MPSC-ULM abhängt'
    """
    return _pick(_TEXT[key], lang).format(**values)


def relation_label(relation: str, lang: str = "en") -> str:
    """The label of a relation or link type, else the key.

    >>> relation_label("part_of", "de")
    'Teil von'
    """
    pair = _RELATIONS.get(relation)
    return _pick(pair, lang) if pair else relation


def kind_label(kind: str, lang: str = "en") -> str:
    """The label of a node kind, else the key."""
    pair = _KINDS.get(kind)
    return _pick(pair, lang) if pair else kind


def field_label(key: str, lang: str = "en") -> str:
    """The ontology's label of an action field in ``lang``.

    >>> field_label("housing", "de")
    'Wohnen'
    """
    return vocabulary().field_label(key, lang)


def field_colour(key: str) -> str:
    """The fill colour of an action field; grey for an unknown key."""
    return FIELD_COLOURS.get(key, OTHER_COLOUR)
