"""Side effects across action fields: spill-over, unmitigated risks, data protection."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import pandas as pd

from scgraph.analytics._source import as_graph_data, join_fields, shared
from scgraph.analytics.projection import GraphData
from scgraph.ontology import DATA_PROTECTION_EFFECTS
from scgraph.store.base import GraphStore

__all__ = [
    "DATA_PROTECTION_EFFECTS",
    "data_protection_exposure",
    "spillover_matrix",
    "unmitigated_risks",
]



def _has_mitigation(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


@shared
def spillover_matrix(source: GraphStore | GraphData) -> pd.DataFrame:
    """Side effects by the field they land in against the fields of their cause.

    Every side effect of an initiative I adds 1 to the cell
    (cause_field, landed_field) for every field of I and every field the
    effect affects. Effects that name no field are not counted.

    Returns
    -------
    DataFrame with columns ``cause_field``, ``landed_field``, ``side_effects``,
    ``risks``, ``benefits`` (ints; risks + benefits = side_effects) and
    ``spill_over`` (int: how many of them land in a field their initiative does not work
    in, as the ``overview`` view draws them; an effect of an initiative of two fields that
    lands in one of them spills over from neither), sorted by side effects descending,
    then the two fields.
    """
    data = as_graph_data(source)
    fields = data.fields_of()
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    eff = data.side_effects
    for ini, polarity, landed in zip(eff["initiative_id"], eff["polarity"],
                                     eff["affects_fields"], strict=True):
        own = fields.get(ini, [])
        for cf in own:
            for lf in landed:
                cell = counts[cf, lf]
                cell[str(polarity)] += 1
                cell["spill_over"] += lf not in own
    rows = [(cf, lf, c["risk"] + c["benefit"], c["risk"], c["benefit"], c["spill_over"])
            for (cf, lf), c in counts.items()]
    out = pd.DataFrame(rows, columns=["cause_field", "landed_field", "side_effects", "risks",
                                      "benefits", "spill_over"])
    for col in ("side_effects", "risks", "benefits", "spill_over"):
        out[col] = out[col].astype("int64")
    return out.sort_values(["side_effects", "cause_field", "landed_field"],
                           ascending=[False, True, True]).reset_index(drop=True)


@shared
def unmitigated_risks(source: GraphStore | GraphData) -> pd.DataFrame:
    """Risks for which no source names a mitigation.

    Returns
    -------
    DataFrame with columns ``effect_id``, ``initiative_id``, ``name`` (of the
    initiative), ``effect`` (kind key) and ``affects_fields`` (sorted keys
    joined with ``;``), sorted by initiative and effect id.
    """
    data = as_graph_data(source)
    eff = data.side_effects
    mask = (eff["polarity"] == "risk") & ~eff["mitigation"].map(_has_mitigation)
    names = dict(zip(data.initiatives["id"], data.initiatives["name"], strict=True))
    sel = eff[mask]
    out = pd.DataFrame({
        "effect_id": sel["effect_id"],
        "initiative_id": sel["initiative_id"],
        "name": sel["initiative_id"].map(names),
        "effect": sel["effect"],
        "affects_fields": sel["affects_fields"].map(join_fields),
    })
    return out.sort_values(["initiative_id", "effect_id"]).reset_index(drop=True)


@shared
def data_protection_exposure(source: GraphStore | GraphData,
                             kinds: str | Sequence[str] = DATA_PROTECTION_EFFECTS
                             ) -> pd.DataFrame:
    """Fields ranked by the data-protection risks that land in them.

    Parameters
    ----------
    kinds
        Side-effect kind keys that count (default :data:`DATA_PROTECTION_EFFECTS`).

    Returns
    -------
    DataFrame with columns ``field``, ``risks`` (risks of those kinds that
    affect the field), ``unmitigated`` (of them, without a named mitigation)
    and ``initiatives`` (distinct initiatives causing them), sorted by risks
    and unmitigated descending, then field.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)  # one, not its letters
    data = as_graph_data(source)
    eff = data.side_effects
    sel = eff[(eff["polarity"] == "risk") & eff["effect"].isin(list(kinds))]
    risks: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    causes: dict[str, set[str]] = defaultdict(set)
    for ini, landed, mitigation in zip(sel["initiative_id"], sel["affects_fields"],
                                       sel["mitigation"], strict=True):
        for f in landed:
            risks[f] += 1
            open_[f] += 0 if _has_mitigation(mitigation) else 1
            causes[f].add(ini)
    rows = [(f, risks[f], open_[f], len(causes[f])) for f in risks]
    out = pd.DataFrame(rows, columns=["field", "risks", "unmitigated", "initiatives"])
    for col in ("risks", "unmitigated", "initiatives"):
        out[col] = out[col].astype("int64")
    return out.sort_values(["risks", "unmitigated", "field"],
                           ascending=[False, False, True]).reset_index(drop=True)
