"""Classify actors by their names.

Records name actors in words ("Stadtwerke Ulm GmbH", "Landkreis Hof"). The
rules below give each name the most specific class that its wording supports;
the first matching rule wins, and a name that matches none stays a plain
``sc:Actor``. They are deliberately simple and visible: a wrong class is
corrected by a better rule here, not by guessing.
"""

from __future__ import annotations

import re

__all__ = ["ACTOR_RULES", "actor_classes"]

#: (pattern on the name, ontology class, its superclasses below sc:Actor), in order.
ACTOR_RULES: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), cls, supers)
    for pattern, cls, supers in (
        (r"\b(bundesministerium|bundesamt|bundesregierung|bundesinstitut|BMI|BMWSB|BSI|"
         r"BBSR|federal)\b", "FederalGovernment", ("PublicAuthority",)),
        (r"\b(staatskanzlei|senatskanzlei|senatsverwaltung|landesregierung|"
         r"staatsministerium|ministerium|freistaat)\b", "StateGovernment", ("PublicAuthority",)),
        (r"^((freie und |alte |hanse- und )?(universitäts|hanse)stadt|stadt|gemeinde|markt|"
         r"landeshauptstadt|kreisstadt|"
         r"große kreisstadt|amt|verbandsgemeinde|samtgemeinde|stadtverwaltung|city of|"
         r"municipality of|VG)\b", "Municipality", ("PublicAuthority",)),
        (r"\b(städtetag|landkreistag|gemeindebund|gemeindetag|DStGB|VKU|"
         r"kommunale spitzenverb\w*|municipal association)\b", "MunicipalAssociation", ()),
        (r"\b(stadtwerke?|energie\w*|netze?|wasser|wasserwerk\w*|entsorgung\w*|abfall\w*|"
         r"utility|utilities)\b", "Utility", ()),
        (r"\b(verkehrsbetrieb\w*|verkehrsverbund\w*|verkehrsgesellschaft|nahverkehr\w*|"
         r"ÖPNV|busbetrieb\w*|bahn|transport operator)\b", "TransportOperator", ()),
        (r"\b(wohnungs\w*|wohnbau\w*|sozialbau|stadtbau|WOBAG|baugenossenschaft\w*|bauverein\w*|housing)\b",
         "HousingCompany", ()),
        (r"\b(universität\w*|hochschule\w*|fraunhofer|institut\w*|university|"
         r"forschung\w*|max-planck|leibniz|helmholtz|RWTH|DLR|TU|TUM|TH|THM|HTWG|JLU)\b",
         "ResearchInstitution", ()),
        (r"\b(landkreis|\w*kreis|region\w*|zweckverband|bezirk\w*|ILE|county|"
         r"verwaltungsgemeinschaft)\b", "CountyOrRegion", ("PublicAuthority",)),
        (r"(\be\.\s?V\.|verein\w*|\bstiftung\w*|\bbürger\w*|\bfreifunk\b|"
         r"\bgenossenschaft\w*|\bcivil society\b|\bnetzwerk\w*)", "CivilSociety", ()),
        (r"(\bGmbH\b|\bAG\b|\bKG\b|\bSE\b|\bUG\b|\bmbH\b|\bLtd\b|\bInc\b|\bGbR\b)",
         "Company", ()),
    )
)


def actor_classes(name: str) -> list[str]:
    """Ontology classes (local names) of an actor named ``name``, most general first.

    >>> actor_classes("Stadtwerke Ulm/Neu-Ulm GmbH")
    ['Actor', 'Utility']
    >>> actor_classes("Landkreis Hof")
    ['Actor', 'PublicAuthority', 'CountyOrRegion']
    >>> actor_classes("Stadt Solingen")
    ['Actor', 'PublicAuthority', 'Municipality']
    >>> actor_classes("Verschwörhaus")
    ['Actor']
    """
    for pattern, cls, supers in ACTOR_RULES:
        if pattern.search(name):
            return ["Actor", *supers, cls]
    return ["Actor"]
