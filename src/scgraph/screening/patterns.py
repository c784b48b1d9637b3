"""Side-effect patterns from guidance documents, as screening rules.

Two files make up the rules: ``side_effect_patterns.csv`` (what a kind of
solution tends to cause, with its source) and ``pattern_solution_types.csv``
(which solution types each pattern applies to). They ship inside the package
(``scgraph/patterns/``); in a source checkout ``data/patterns/`` is used.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from scgraph.errors import InputError, Problem
from scgraph.ingest.checks import VALID_URL, bad_urls
from scgraph.ingest.mapping import Mapped, iri, literal
from scgraph.namespaces import (
    DATA,
    EFFECT,
    FIELD,
    PATTERNS_GRAPH,
    PREFIXES,
    SC,
    SOLUTION,
    id_from_iri,
    is_url,
    sparql_prefixes,
)
from scgraph.ontology import vocabulary
from scgraph.store.base import GraphStore
from scgraph.texts import split_sources

__all__ = [
    "MAPPING_FILE",
    "PATTERNS_FILE",
    "PATTERNS_GRAPH",
    "Pattern",
    "pattern_iri",
    "pattern_ntriples",
    "patterns_dir",
    "patterns_frame",
    "read_patterns",
    "stored_patterns",
]

PATTERNS_FILE = "side_effect_patterns.csv"
MAPPING_FILE = "pattern_solution_types.csv"
_POLARITIES = ("risk", "benefit")


def patterns_dir() -> Path:
    """Folder of the packaged pattern files (``data/patterns`` in a source checkout)."""
    packaged = resources.files("scgraph") / "patterns"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "data" / "patterns"


def pattern_iri(pattern_id: str) -> str:
    """IRI of a screening rule.

    >>> pattern_iri("SEP-01")
    'https://w3id.org/scgraph/id/pattern/SEP-01'
    >>> pattern_iri("SEP 01")  # percent-encoded, as a record's id is
    'https://w3id.org/scgraph/id/pattern/SEP%2001'
    """
    return f"{DATA}pattern/{quote(pattern_id, safe='')}"


@dataclass(frozen=True)
class Pattern:
    """One screening rule: a pattern and the solution types it applies to."""

    id: str
    trigger: str
    effects: tuple[str, ...]
    polarity: str
    fields: tuple[str, ...]
    mitigation: str | None
    sources: tuple[str, ...]
    solution_types: tuple[str, ...]
    note: str | None = None


def _items(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(";") if v.strip()]


#: The columns each file must have.
_REQUIRED = {PATTERNS_FILE: ("id", "trigger", "effect", "polarity", "affects_fields"),
             MAPPING_FILE: ("pattern_id", "solution_types")}


def _rows(path: Path, problems: list[Problem]) -> list[tuple[int, dict[str, str]]] | None:
    """The file's rows with their lines, or None (and a problem) if it cannot be used."""
    def unusable(message: str, expected: str, line: int | None = None) -> None:
        problems.append(Problem(None, message, file=str(path), line=line, expected=expected))

    end = 1  # the last line read: of the header, then of each row (rows may span lines)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            missing = [c for c in _REQUIRED[path.name] if c not in (reader.fieldnames or [])]
            if missing:
                unusable(f"required column{'s' if len(missing) > 1 else ''} missing: "
                         + ", ".join(missing), "columns " + ",".join(_REQUIRED[path.name]), 1)
                return None
            for row in reader:
                rows.append((end + 1, row))
                end = reader.line_num
    except OSError as exc:
        unusable(f"cannot be read: {exc.strerror or exc}",
                 f"{PATTERNS_FILE} and {MAPPING_FILE} in one folder")
        return None
    except UnicodeDecodeError as exc:
        unusable(f"invalid UTF-8 (byte {exc.object[exc.start:exc.start + 1]!r})",
                 "a file saved as UTF-8")
        return None
    except csv.Error as exc:
        unusable(f"malformed CSV: {exc}", "comma-separated values, quoted where needed",
                 end + 1)
        return None
    if not rows:
        unusable("the file has no rows", "one row per pattern after the header", 2)
        return None
    return rows


def read_patterns(folder: Path | str | None = None) -> list[Pattern]:
    """Read and check the pattern files in ``folder`` (default: :func:`patterns_dir`).

    Every effect kind, action field and solution type must be in the ontology,
    and every pattern must appear once in the mapping; otherwise
    :class:`~scgraph.errors.InputError` lists each problem with file and line.
    """
    base = Path(folder) if folder is not None else patterns_dir()
    vocab = vocabulary()
    problems: list[Problem] = []
    mapping: dict[str, tuple[list[str], str | None]] = {}
    mfile = base / MAPPING_FILE
    mapped = _rows(mfile, problems)
    for line, row in mapped or []:
        pid = (row.get("pattern_id") or "").strip()
        if not pid or pid in mapping:
            problems.append(Problem("pattern_id", "missing or repeated pattern id",
                                    file=str(mfile), line=line, value=pid,
                                    expected="one row per pattern"))
            continue
        keys = []
        for item in _items(row.get("solution_types")):
            key = vocab.solution_type_key(item)
            if key is None:
                problems.append(Problem("solution_types", f"{item!r} is not a known solution "
                                        "type", file=str(mfile), line=line, record=pid,
                                        value=item,
                                        expected="one of " + ", ".join(vocab.solution_types)))
            else:
                keys.append(key)
        mapping[pid] = (keys, (row.get("note") or "").strip() or None)
    pfile = base / PATTERNS_FILE
    rows = _rows(pfile, problems)
    patterns = []
    seen: set[str] = set()
    for line, row in rows or []:
        pid = (row.get("id") or "").strip()

        def problem(fld: str, message: str, value: str, expected: str,
                    line: int = line, pid: str = pid) -> None:
            problems.append(Problem(fld, message, file=str(pfile), line=line, record=pid or None,
                                    value=value, expected=expected))

        if not pid or pid in seen:
            problem("id", "missing or repeated pattern id", pid, "a unique id per pattern")
            continue
        seen.add(pid)

        effects = _items(row.get("effect"))
        for kind in effects:
            if kind not in vocab.effect_kinds:
                problem("effect", f"{kind!r} is not a side-effect kind of the ontology", kind,
                        "a concept of sc:SideEffectKinds (add it to ontology/scgraph.ttl)")
        if not effects:
            problem("effect", "required value is missing", "", "one or more effect kinds")
        polarity = (row.get("polarity") or "").strip().lower()
        if polarity not in _POLARITIES:
            problem("polarity", f"{polarity!r} is not a polarity", polarity, "risk or benefit")
        fields = []
        for item in _items(row.get("affects_fields")):
            key = vocab.field_key(item)
            if key is None:
                problem("affects_fields", f"{item!r} is not a known action field", item,
                        "one of " + ", ".join(vocab.fields))
            else:
                fields.append(key)
        sources = tuple(split_sources(row.get("source") or ""))
        for src, why in bad_urls(sources):
            problem("source", f"{src!r} is not a valid URL: {why}", src, VALID_URL)
        if pid not in mapping:
            if mapped is not None:  # not said for each pattern of an unusable mapping
                problem("id", f"pattern {pid!r} is not in {MAPPING_FILE}", pid,
                        f"a row for it in {MAPPING_FILE} (empty solution_types if none "
                        "applies)")
            continue
        keys, note = mapping.pop(pid)
        patterns.append(Pattern(pid, (row.get("trigger") or "").strip(), tuple(effects),
                                polarity, tuple(fields),
                                (row.get("mitigation") or "").strip() or None, sources,
                                tuple(keys), note))
    for pid in mapping if rows is not None else ():
        problems.append(Problem("pattern_id", f"{pid!r} is not a pattern in {PATTERNS_FILE}",
                                file=str(mfile), value=pid, expected="an id of a pattern"))
    if problems:
        raise InputError(problems)
    return patterns


def patterns_frame(patterns: list[Pattern]) -> pd.DataFrame:
    """One row per (pattern, solution type, effect kind).

    Columns: pattern, solution_type, effect, polarity, fields (``;``-separated),
    suggested_mitigation, source (`` | ``-separated), trigger.
    """
    rows = [(p.id, st, eff, p.polarity, ";".join(p.fields), p.mitigation or "",
             " | ".join(p.sources), p.trigger)
            for p in patterns for st in p.solution_types for eff in p.effects]
    return pd.DataFrame(rows, columns=["pattern", "solution_type", "effect", "polarity",
                                       "fields", "suggested_mitigation", "source", "trigger"])


def pattern_ntriples(patterns: list[Pattern]) -> bytes:
    """The screening rules as N-Triples, for the graph :data:`PATTERNS_GRAPH`."""
    m = Mapped()
    rdf_type, dct = PREFIXES["rdf"] + "type", PREFIXES["dcterms"]
    for p in patterns:
        s = iri(pattern_iri(p.id))
        m.add(s, rdf_type, iri(SC + "ScreeningRule"))
        m.add(s, dct + "identifier", literal(p.id))
        m.add(s, PREFIXES["rdfs"] + "label", literal(p.trigger, lang="en"))
        m.add(s, SC + "rulePolarity", literal(p.polarity))
        for eff in p.effects:
            m.add(s, SC + "potentialEffect", iri(EFFECT + eff))
        for f in p.fields:
            m.add(s, SC + "potentiallyAffectsField", iri(FIELD + f))
        for st in p.solution_types:
            m.add(s, SC + "appliesToSolutionType", iri(SOLUTION + st))
        if p.mitigation:
            m.add(s, SC + "suggestedMitigation", literal(p.mitigation, lang="en"))
        if p.note:
            m.add(s, PREFIXES["skos"] + "editorialNote", literal(p.note, lang="en"))
        for src in p.sources:
            m.add(s, dct + "source", iri(src) if is_url(src) else literal(src))
    return "".join(m.triples).encode()


_STORED = sparql_prefixes() + """
SELECT ?rule ?id ?trigger ?polarity ?mitigation ?note ?p ?o WHERE {
  GRAPH <%s> {
    ?rule a sc:ScreeningRule ; dcterms:identifier ?id ; rdfs:label ?trigger ;
          sc:rulePolarity ?polarity .
    OPTIONAL { ?rule sc:suggestedMitigation ?mitigation }
    OPTIONAL { ?rule skos:editorialNote ?note }
    OPTIONAL { ?rule ?p ?o . FILTER(?p IN (sc:potentialEffect, sc:potentiallyAffectsField,
                                           sc:appliesToSolutionType, dcterms:source)) }
  }
}
""".replace("<%s>", f"<{PATTERNS_GRAPH}>")


def stored_patterns(store: GraphStore) -> list[Pattern]:
    """The screening rules in the store's :data:`PATTERNS_GRAPH`, sorted by id.

    Effects, fields, solution types and sources come back sorted.
    """
    head: dict[str, tuple[str, str, str | None, str | None]] = {}
    multi: dict[str, dict[str, set[str]]] = {}
    for _rule, pid, trigger, polarity, mitigation, note, p, o in store.select(
            _STORED).values():
        if pid is None:
            continue
        head[pid] = (trigger or "", polarity or "", mitigation, note)
        bucket = multi.setdefault(pid, {})
        if p is not None and o is not None:
            bucket.setdefault(p, set()).add(o)

    def keys(pid: str, prop: str) -> tuple[str, ...]:
        return tuple(sorted(id_from_iri(v) for v in multi[pid].get(prop, set())))

    return [Pattern(pid, trigger, keys(pid, SC + "potentialEffect"), polarity,
                    keys(pid, SC + "potentiallyAffectsField"), mitigation,
                    tuple(sorted(multi[pid].get(PREFIXES["dcterms"] + "source", set()))),
                    keys(pid, SC + "appliesToSolutionType"), note)
            for pid, (trigger, polarity, mitigation, note) in sorted(head.items())]
