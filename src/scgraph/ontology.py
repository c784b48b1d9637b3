"""Load the ontology, the SHACL shapes and the vocabularies they define.

The files ship inside the package (``scgraph/ontology/``); in a source checkout
without installation the repository's ``ontology/`` folder is used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox

from scgraph.namespaces import EFFECT, FIELD, SC, SOLUTION, id_from_iri
from scgraph.texts import nfc

__all__ = [
    "DATA_PROTECTION_EFFECTS",
    "RELATION_PROPERTIES",
    "SYMMETRIC_RELATIONS",
    "Vocabulary",
    "ontology_file",
    "queries_dir",
    "shapes_file",
    "vocabulary",
]

#: Side-effect kinds that count as data-protection risks, the risk the Smart City
#: Charta puts first: data protection itself, data breaches, purpose creep (personal
#: data re-used for other purposes) and surveillance. The ontology's class
#: ``sc:InitiativeWithDataProtectionRisk`` (and ``reason --materialize``), the analytics,
#: the report, the screening, the network view and the query
#: ``unmitigated_data_protection_risks`` all count these kinds
#: (``tests/test_reasoning.py`` compares the ontology's list with this one).
DATA_PROTECTION_EFFECTS = ("data_breach", "data_protection", "purpose_creep", "surveillance")

#: Record relation keys and the ontology property each one becomes.
RELATION_PROPERTIES: dict[str, str] = {
    "depends_on": SC + "dependsOn",
    "integrates": SC + "integrates",
    "visualises_data_of": SC + "visualisesDataOf",
    "supports": SC + "supports",
    "connected_to": SC + "connectedTo",
    "cooperates_with": SC + "cooperatesWith",
    "related_to": SC + "relatedTo",
    "part_of": SC + "partOf",
}

#: The relations that hold both ways (``owl:SymmetricProperty`` in the ontology):
#: ``A related_to B`` and ``B related_to A`` are one statement.
SYMMETRIC_RELATIONS = ("connected_to", "cooperates_with", "related_to")


def _resource_dir(name: str) -> Path:
    packaged = resources.files("scgraph") / name
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / name


def ontology_file() -> Path:
    """Path of ``scgraph.ttl``."""
    return _resource_dir("ontology") / "scgraph.ttl"


def shapes_file() -> Path:
    """Path of ``shapes.ttl``."""
    return _resource_dir("ontology") / "shapes.ttl"


def queries_dir() -> Path:
    """Folder of the named ``.rq`` queries."""
    return _resource_dir("queries")


@dataclass(frozen=True)
class Vocabulary:
    """Keys and labels of the concept schemes in the ontology."""

    fields: dict[str, dict[str, str]]
    """Action-field key -> {language: label}."""
    effect_kinds: dict[str, dict[str, str]]
    """Side-effect kind key -> {language: label}."""
    solution_types: dict[str, dict[str, str]] = field(default_factory=dict)
    """Solution-type key -> {language: label}."""
    classes: dict[str, dict[str, str]] = field(default_factory=dict)
    """Local name of a class of the ontology (``Municipality``) -> {language: label}."""

    def field_key(self, text: str) -> str | None:
        """The action-field key for a key or an English or German label, else None.

        >>> vocabulary().field_key("Wohnen")
        'housing'
        >>> vocabulary().field_key("Public_Services")
        'public_services'
        """
        return self._field_index.get(nfc(text.strip()).casefold())

    def class_label(self, name: str, lang: str = "en") -> str:
        """The label of the ontology's class ``name`` in ``lang``, else ``name``.

        >>> vocabulary().class_label("Municipality", "de")
        'Kommune'
        """
        return self.classes.get(name, {}).get(lang, name)

    def field_label(self, key: str, lang: str = "en") -> str:
        """The label of a field in ``lang`` (``en`` or ``de``), else the key."""
        return self.fields.get(key, {}).get(lang, key)

    def solution_type_key(self, text: str) -> str | None:
        """The solution-type key for a key or an English or German label, else None.

        >>> vocabulary().solution_type_key("Stadt-App")
        'city_app'
        >>> vocabulary().solution_type_key("IoT / LoRaWAN network")
        'iot_network'
        """
        return self._solution_type_index.get(nfc(text.strip()).casefold())

    @functools.cached_property
    def _field_index(self) -> dict[str, str]:
        return _index(self.fields)

    @functools.cached_property
    def _solution_type_index(self) -> dict[str, str]:
        return _index(self.solution_types)


def _index(scheme: dict[str, dict[str, str]]) -> dict[str, str]:
    """Casefolded key and labels -> key; the first key wins where two share a label."""
    index: dict[str, str] = {}
    for key, labels in scheme.items():
        for name in (key, *labels.values()):
            index.setdefault(name.casefold(), key)
    return index


@functools.cache
def vocabulary() -> Vocabulary:
    """Read the action fields, side-effect kinds and solution types from the ontology (cached)."""
    store = ox.Store()
    store.load(ontology_file().read_bytes(), format=ox.RdfFormat.TURTLE)
    fields: dict[str, dict[str, str]] = {}
    kinds: dict[str, dict[str, str]] = {}
    solutions: dict[str, dict[str, str]] = {}
    q = """
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c ?scheme ?label WHERE {
          ?c skos:inScheme ?scheme .
          OPTIONAL { ?c skos:prefLabel ?label }
        }"""
    result = store.query(q)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        concept, scheme, label = row["c"], row["scheme"], row["label"]
        if not isinstance(concept, ox.NamedNode) or not isinstance(scheme, ox.NamedNode):
            continue
        target = None
        if scheme.value == SC + "ActionFields" and concept.value.startswith(FIELD):
            target = fields
        elif scheme.value == SC + "SideEffectKinds" and concept.value.startswith(EFFECT):
            target = kinds
        elif scheme.value == SC + "SolutionTypes" and concept.value.startswith(SOLUTION):
            target = solutions
        if target is None:
            continue
        labels = target.setdefault(id_from_iri(concept.value), {})
        if isinstance(label, ox.Literal) and label.language:
            labels[label.language] = label.value
    classes: dict[str, dict[str, str]] = {}
    q = """
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?c ?label WHERE { ?c a owl:Class ; rdfs:label ?label }"""
    result = store.query(q)
    assert isinstance(result, ox.QuerySolutions)
    for row in result:
        cls, label = row["c"], row["label"]
        if (isinstance(cls, ox.NamedNode) and cls.value.startswith(SC)
                and isinstance(label, ox.Literal) and label.language):
            classes.setdefault(cls.value[len(SC):], {})[label.language] = label.value
    return Vocabulary(fields=dict(sorted(fields.items())), effect_kinds=dict(sorted(kinds.items())),
                      solution_types=dict(sorted(solutions.items())),
                      classes=dict(sorted(classes.items())))
