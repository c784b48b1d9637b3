"""Screening overlay on the network view: open potential risks marked on their initiatives.

Input is the screening measure, :func:`scgraph.analytics.screening.screening`.
An initiative with an open potential risk of a data-protection kind
(:data:`~scgraph.analytics.screening.DATA_PROTECTION_EFFECTS`) gets a thick
black border with a dark halo and a warning sign before its label — told apart
from the other marks by width, halo and sign, not by colour, and from every field's
fill; one with other open potential risks only gets a thinner dark border. Every initiative screened
carries its potential side effects (status, pattern, suggested mitigation,
sources) for the details panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scgraph.analytics.screening import DATA_PROTECTION_EFFECTS
from scgraph.errors import UsageError
from scgraph.ontology import vocabulary
from scgraph.viz.styling import text

__all__ = [
    "BADGE",
    "DATA_PROTECTION_MARK",
    "OPEN_RISK_MARK",
    "OVERLAY_COLUMNS",
    "apply_screening",
    "screening_legend",
]

#: Columns of the screening frame the overlay reads.
OVERLAY_COLUMNS = ("id", "effect", "polarity", "pattern", "status", "suggested_mitigation",
                   "source")
#: Node style of an initiative with open data-protection risks: black, which no field's
#: fill comes near (a vermillion mark read as the fill of a mobility node), so the node
#: keeps its field's colour inside the mark.
DATA_PROTECTION_MARK: dict[str, Any] = {
    "border": "#000000", "borderWidth": 4,
    "shadow": {"enabled": True, "color": "rgba(0,0,0,0.6)", "size": 12, "x": 0, "y": 0},
}
#: Put before the label of an initiative with open data-protection risks, a mark that
#: needs no colour vision.
BADGE = "\u26a0 "
#: Node style of an initiative with other open potential risks only.
OPEN_RISK_MARK: dict[str, Any] = {"border": "#333333", "borderWidth": 3}

_STATUS: dict[str, tuple[str, str]] = {
    "open": ("open", "offen"),
    "recorded": ("recorded", "erfasst"),
    "mitigated": ("mitigated", "gemindert"),
}
_POLARITY: dict[str, tuple[str, str]] = {"risk": ("risk", "Risiko"),
                                         "benefit": ("benefit", "Nutzen")}


def _word(table: Mapping[str, tuple[str, str]], key: str, lang: str) -> str:
    pair = table.get(key)
    return (pair[1] if lang == "de" else pair[0]) if pair else key


def _cell(value: object) -> str:
    return value if isinstance(value, str) else ""


def _rank(effect: Mapping[str, Any]) -> int:
    """Order in the details panel: open data-protection risks first, benefits last."""
    if effect["polarity"] != "risk":
        return 3
    if effect["status"] != "open":
        return 2
    return 0 if effect["data_protection"] else 1


def apply_screening(nodes: Mapping[str, dict[str, Any]], frame: pd.DataFrame,
                    lang: str) -> dict[str, int]:
    """Mark the initiative nodes (ids ``i:<id>``) with the screening rows of ``frame``.

    Each screened node gets ``screening``: ``mark`` (``data_protection``, ``open``
    or ``""``), counts ``open_data_protection`` and ``open_other`` (open risk rows)
    and ``effects`` (one dictionary per row). Returns how many nodes got each mark.
    """
    missing = [c for c in OVERLAY_COLUMNS if c not in frame.columns]
    if missing:
        raise UsageError(f"screening overlay: the frame lacks the columns {', '.join(missing)};"
                         " pass the result of scgraph.analytics.screening.screening(store)")
    kinds = vocabulary().effect_kinds
    effects: dict[str, list[dict[str, Any]]] = {}
    for row in frame[list(OVERLAY_COLUMNS)].itertuples(index=False):
        nid = "i:" + str(row.id)
        if nid not in nodes:
            continue
        effect, polarity, status = str(row.effect), str(row.polarity), str(row.status)
        effects.setdefault(nid, []).append({
            "effect": effect, "label": kinds.get(effect, {}).get(lang, effect),
            "polarity": polarity, "polarity_label": _word(_POLARITY, polarity, lang),
            "status": status, "status_label": _word(_STATUS, status, lang),
            "data_protection": effect in DATA_PROTECTION_EFFECTS,
            "pattern": str(row.pattern), "mitigation": _cell(row.suggested_mitigation),
            "sources": [s.strip() for s in _cell(row.source).split(" | ") if s.strip()],
        })
    counts = {"data_protection": 0, "open": 0}
    for nid, items in effects.items():
        items.sort(key=lambda e: (_rank(e), e["pattern"], e["effect"]))
        ranks = [_rank(e) for e in items]
        dp, other = ranks.count(0), ranks.count(1)
        mark = "data_protection" if dp else ("open" if other else "")
        node = nodes[nid]
        node["screening"] = {"mark": mark, "open_data_protection": dp, "open_other": other,
                             "effects": items}
        if not mark:
            continue
        counts[mark] += 1
        style = DATA_PROTECTION_MARK if dp else OPEN_RISK_MARK
        node["borderWidth"] = style["borderWidth"]
        node["borderWidthSelected"] = style["borderWidth"] + 2
        for state in (node["color"], node["color"]["highlight"], node["color"]["hover"]):
            state["border"] = style["border"]
        if dp:
            node["shadow"] = dict(DATA_PROTECTION_MARK["shadow"])
            node["label"] = BADGE + node["label"]
        kinds_open = sorted({e["label"] for e in items if _rank(e) == (0 if dp else 1)})
        node["title"] += "\n" + text("dp_risks" if dp else "open_risks", lang) + \
            f": {dp or other} ({', '.join(kinds_open)})"
    return counts


def screening_legend(counts: Mapping[str, int], lang: str) -> dict[str, Any]:
    """The legend section of the overlay: the two marks and what "open" means."""
    dp, other = DATA_PROTECTION_MARK, OPEN_RISK_MARK
    return {"title": text("screening", lang), "items": [
        {"type": "node", "shape": "dot", "colour": "#FFFFFF", "border": dp["border"],
         "borderWidth": 3.5, "glow": True,
         "label": f"{BADGE}{text('dp_risks', lang)} ({counts.get('data_protection', 0)})"},
        {"type": "node", "shape": "dot", "colour": "#FFFFFF", "border": other["border"],
         "borderWidth": 2, "label": f"{text('open_risks', lang)} ({counts.get('open', 0)})"},
        {"type": "note", "label": text("screening_hint", lang)},
    ]}
