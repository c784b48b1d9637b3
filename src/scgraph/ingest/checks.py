"""Check raw records field by field and turn them into typed records.

Every problem is collected with its location; nothing here raises on bad data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import overload

from scgraph.errors import Problem
from scgraph.ingest.records import (
    Initiative,
    Location,
    RawDataset,
    RawRecord,
    Relation,
    SideEffect,
)
from scgraph.namespaces import is_url, url_problem
from scgraph.ontology import RELATION_PROPERTIES, SYMMETRIC_RELATIONS, Vocabulary
from scgraph.texts import nfc, split_sources

__all__ = ["CheckedDataset", "check_dataset"]

KINDS = ("programme", "project", "measure")
POLARITIES = ("risk", "benefit")
CONFIDENCES = ("stated", "inferred")
_ID = re.compile(r"[^\s;|<>\"{}\\^`]+")
_EFFECT = re.compile(r"[a-z][a-z0-9_]*")
_YEAR = re.compile(r"\d{4}")
_MAX_EUR = Decimal("1e15")
#: "150.000" or "1.500.000": German thousands separators, or a decimal point?
_DOTTED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+")
#: "1234,50" or "1.234,50": a decimal comma
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+")
# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; tab, LF and CR are allowed
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Fields that take several values: ';'-separated in CSV (source: ' | '), or a list in a
#: YAML or JSON document.
LIST_FIELDS = ("action_fields", "actors", "depends_on", "solution_types", "affects_fields",
               "source")
#: What a source that is an http(s) URL must be.
VALID_URL = "a URL with its special characters percent-encoded (such as %20), or plain text"


def bad_urls(sources: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(source, why) for each source that is an http(s) URL but not a valid IRI.

    Such a source would be written as an IRI that the store refuses.

    >>> list(bad_urls(["https://example.org/a b", "https://example.org/%zz"]))
    [('https://example.org/%zz', "Invalid IRI percent encoding '%zz'")]
    """
    for src in sources:
        if is_url(src):
            why = url_problem(src)
            if why is not None:
                yield src, why


def _short(value: str, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so that messages stay readable.

    >>> _short("9" * 100, 10)
    "'9999999999…' (100 characters)"
    """
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}"[:-1] + f"…' ({len(value)} characters)"


@dataclass(slots=True)
class CheckedDataset:
    """A dataset whose records passed the field checks."""

    name: str
    initiatives: list[Initiative] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    side_effects: list[SideEffect] = field(default_factory=list)
    new_effect_kinds: list[str] = field(default_factory=list)


class _Checker:
    def __init__(self, ds: RawDataset, problems: list[Problem], warnings: list[Problem],
                 vocab: Vocabulary) -> None:
        self.ds = ds
        self.problems = problems
        self.warnings = warnings
        self.vocab = vocab

    def problem(self, rec: RawRecord, fld: str | None, message: str, *,
                expected: str | None = None, value: str | None = None,
                record: str | None = None) -> None:
        rid = record if record is not None else (rec.loc.path or None)
        self.problems.append(Problem(fld, message, file=rec.loc.file, line=rec.loc.line,
                                     record=rid, expected=expected, value=value))

    def warn(self, rec: RawRecord, fld: str | None, message: str, *,
             record: str | None = None) -> None:
        self.warnings.append(Problem(fld, message, file=rec.loc.file, line=rec.loc.line,
                                     record=record))

    def text(self, rec: RawRecord, key: str, rid: str | None) -> str | None:
        value = rec.text(key)
        if not value:
            return None
        # a control character makes isprintable() false, a list joined by rec.text() holds
        # ';': the common value has neither and needs no closer look
        if not value.isprintable() or ";" in value:
            return self._single(rec, key, value, rid)
        return value

    def required(self, rec: RawRecord, key: str, rid: str | None) -> str | None:
        value = rec.text(key)
        if not value:
            self.problem(rec, key, "required value is missing", record=rid,
                         expected="a non-empty value")
            return None
        if not value.isprintable() or ";" in value:
            return self._single(rec, key, value, rid)
        return value

    def _single(self, rec: RawRecord, key: str, value: str, rid: str | None) -> str | None:
        # rec.text() joins a list (from a YAML or JSON document) with ';'
        if type(items := rec.values.get(key)) is list and len(items) > 1:
            self.problem(rec, key, f"{len(items)} values where one is expected", record=rid,
                         expected="one value (lists are for " + ", ".join(LIST_FIELDS) + ")",
                         value=value)
            return None
        return self.printable(rec, key, value, rid)

    def printable(self, rec: RawRecord, key: str, value: str, rid: str | None) -> str | None:
        """``value``, or None (with a problem) if it holds control characters."""
        if _CONTROL.search(value):
            self.problem(rec, key, "contains control characters", record=rid,
                         expected="printable text")
            return None
        return value

    def ident(self, rec: RawRecord, key: str, rid: str | None) -> str | None:
        value = self.required(rec, key, rid)
        if value is not None and not _ID.fullmatch(value):
            self.problem(rec, key, f"{_short(value)} is not a usable id", record=rid,
                         expected="an id without spaces and without any of ; | < > \" { } "
                         "\\ ^ ` (letters, digits, - _ . : / are usual)",
                         value=value)
            return None
        return value

    def fields(self, rec: RawRecord, key: str, rid: str | None,
               items: list[str] | None = None) -> list[str]:
        keys: list[str] = []
        for item in rec.items(key) if items is None else items:
            k = self.vocab.field_key(item)
            if k is None:
                self.problem(rec, key, f"{item!r} is not a known action field", record=rid,
                             expected="one of " + ", ".join(self.vocab.fields), value=item)
            elif k not in keys:
                keys.append(k)
        return keys

    def solution_types(self, rec: RawRecord, key: str, rid: str | None) -> list[str]:
        keys: list[str] = []
        for item in rec.items(key):
            k = self.vocab.solution_type_key(item)
            if k is None:
                self.problem(rec, key, f"{item!r} is not a known solution type", record=rid,
                             expected="one of " + ", ".join(self.vocab.solution_types),
                             value=item)
            elif k not in keys:
                keys.append(k)
        return keys

    def year(self, rec: RawRecord, rid: str | None) -> int | None:
        value = self.text(rec, "year", rid)
        if value is None:
            return None
        if value.endswith(".0"):  # numbers from JSON/YAML
            value = value[:-2]
        if not _YEAR.fullmatch(value) or not 1800 <= int(value) <= 2200:
            self.problem(rec, "year", f"{_short(value)} is not a year", record=rid,
                         expected="a year from 1800 to 2200, e.g. 2021", value=value)
            return None
        return int(value)

    def euros(self, rec: RawRecord, key: str, rid: str | None) -> Decimal | None:
        value = self.text(rec, key, rid)
        if value is None:
            return None
        plain = "a plain number such as 8000000 or 8000000.50, without thousands separators"
        if _DOTTED_THOUSANDS.fullmatch(value):  # read as a decimal, 150.000 would be 150
            self.problem(rec, key, f"{_short(value)} has thousands separators" if
                         value.count(".") > 1 else f"{_short(value)} is ambiguous: '.' before "
                         "three digits may separate thousands (German notation) or start "
                         "decimals", record=rid, expected=f"{plain} ('.' is the decimal point: "
                         f"{value.replace('.', '')} if thousands are meant)", value=value)
            return None
        if _DECIMAL_COMMA.fullmatch(value):
            self.problem(rec, key, f"{_short(value)} has a decimal comma", record=rid,
                         expected=f"{plain} ('.' is the decimal point: "
                         f"{value.replace('.', '').replace(',', '.')})", value=value)
            return None
        try:
            amount = Decimal(value.replace("_", ""))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or "e" in value.lower():
            self.problem(rec, key, f"{_short(value)} is not an amount in euros", record=rid,
                         expected=f"{plain} (put remarks in funding_note)", value=value)
            return None
        if amount < 0 or amount > _MAX_EUR:
            self.problem(rec, key, f"{_short(value)} is out of range", record=rid,
                         expected="an amount from 0 to 10^15 euros", value=value)
            return None
        return amount

    def choice(self, rec: RawRecord, key: str, options: Iterable[str], rid: str | None,
               what: str) -> str | None:
        value = self.text(rec, key, rid)
        if value is None:
            return None
        opts = tuple(options)
        if value.lower() not in opts:
            self.problem(rec, key, f"{value!r} is not a known {what}", record=rid,
                         expected="one of " + ", ".join(opts), value=value)
            return None
        return value.lower()


def check_dataset(ds: RawDataset, vocab: Vocabulary, problems: list[Problem],
                  warnings: list[Problem],
                  known_elsewhere: Callable[[set[str]], set[str]] = lambda ids: set(),
                  ) -> CheckedDataset:
    """Check every record of ``ds``; append problems and warnings; return typed records.

    ``known_elsewhere`` receives the ids that are referenced but not defined in
    the dataset, and returns those that the store already holds.
    """
    c = _Checker(ds, problems, warnings, vocab)
    out = CheckedDataset(ds.name)
    for src, why in bad_urls(ds.metadata.get("sources") or []):  # texts (readers._metadata)
        problems.append(Problem("sources", f"{_short(src)} is not a valid URL: {why}",
                                file=str(ds.metadata_file or ds.source), expected=VALID_URL,
                                value=src))
    first_line: dict[str, Location] = {}
    for rec in ds.initiatives:
        ini = _check_initiative(c, rec)
        if ini is None:
            continue
        if ini.id in first_line:
            prev = first_line[ini.id]
            c.problem(rec, "id", f"duplicate id {ini.id!r}", record=ini.id,
                      expected=f"a unique id (first used at {prev.file}:{prev.line or '?'})",
                      value=ini.id)
            continue
        first_line[ini.id] = rec.loc
        out.initiatives.append(ini)

    # (referenced id, field, location, record id) for the reference check below
    refs: list[tuple[str, str, Location, str | None]] = []
    seen_rel: dict[tuple[str, str, str], Location] = {}
    for rec in ds.relations:
        rel = _check_relation(c, rec)
        if rel is None:
            continue
        refs.append((rel.source_id, "source_id", rec.loc, rec.loc.path))
        refs.append((rel.target_id, "target_id", rec.loc, rec.loc.path))
        key = (rel.source_id, rel.relation, rel.target_id)
        if rel.relation in SYMMETRIC_RELATIONS:  # B related_to A says A related_to B
            key = (min(key[0], key[2]), key[1], max(key[0], key[2]))
        if key in seen_rel:
            prev = seen_rel[key]
            c.warn(rec, None, f"duplicate relation {rel.source_id} {rel.relation} "
                   f"{rel.target_id}; the one at {prev.file}:{prev.line or '?'} is kept")
            continue
        seen_rel[key] = rec.loc
        out.relations.append(rel)
    # depends_on cells: a link that relations.csv states too is the same statement,
    # kept once with the evidence and sources given there.
    for ini in out.initiatives:
        for target in ini.depends_on:
            refs.append((target, "depends_on", ini.loc, ini.id))
            key = (ini.id, "depends_on", target)
            if key not in seen_rel:
                seen_rel[key] = ini.loc
                out.relations.append(Relation(ini.id, "depends_on", target, ini.loc))

    ordinals: dict[str, int] = {}
    new_kinds: list[str] = []
    for rec in ds.side_effects:
        eff = _check_side_effect(c, rec)
        if eff is None:
            continue
        ordinals[eff.initiative_id] = eff.ordinal = ordinals.get(eff.initiative_id, 0) + 1
        if eff.effect not in vocab.effect_kinds and eff.effect not in new_kinds:
            new_kinds.append(eff.effect)
            c.warn(rec, "effect", f"side-effect kind {eff.effect!r} is not in the ontology; "
                   "it is added to the dataset's scheme of kinds")
        out.side_effects.append(eff)
    out.new_effect_kinds = new_kinds

    # References: to ids in this dataset, or to ids the store already holds.
    # ids of records that failed their own checks count as defined: no cascade of errors
    defined = {r.text("id") for r in ds.initiatives if r.text("id")}
    refs.extend((e.initiative_id, "initiative_id", e.loc, e.loc.path) for e in out.side_effects)
    wanted = {r[0] for r in refs if r[0] not in defined}
    found = known_elsewhere(wanted) if wanted else set()
    for ident, fld, loc, rid in refs:
        if not ds.complete:  # some records could not be read; their ids are unknown
            break
        if ident not in defined and ident not in found:
            problems.append(Problem(fld, f"{ident!r} refers to no known initiative",
                                    file=loc.file, line=loc.line, record=rid or loc.path,
                                    expected="the id of an initiative in this dataset or "
                                    "already in the store", value=ident))
    _warn_cycles(out, warnings)
    return out


def _strong_components(succ: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of a directed graph (Tarjan, without recursion).

    >>> _strong_components({"a": ["b"], "b": ["a", "c"], "c": []})
    [['c'], ['b', 'a']]
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in succ:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            edges = succ[node]
            while i < len(edges):
                nxt = edges[i]
                i += 1
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    out.append(component)
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
    return out


def _find_cycle(succ: dict[str, list[str]], members: set[str], start: str) -> list[str]:
    """A cycle within ``members`` reached by depth-first search from ``start``.

    >>> _find_cycle({"a": ["b"], "b": ["c"], "c": ["b"]}, {"a", "b", "c"}, "a")
    ['b', 'c']
    """
    path = [start]
    on_path = {start}
    done: set[str] = set()
    work = [iter(n for n in succ[start] if n in members)]
    while work:
        nxt = next(work[-1], None)
        if nxt is None:
            work.pop()
            done.add(path[-1])
            on_path.discard(path.pop())
            continue
        if nxt in on_path:
            return path[path.index(nxt):]
        if nxt not in done:
            path.append(nxt)
            on_path.add(nxt)
            work.append(iter(n for n in succ[nxt] if n in members))
    raise ValueError("no cycle")  # pragma: no cover - a strong component of 2+ has one


def _warn_cycles(ds: CheckedDataset, warnings: list[Problem]) -> None:
    """Warn about each cycle of needs (``depends_on``, and ``supports`` reversed).

    A cycle is accepted: initiatives may need each other. It is named, so that a
    mistake is easy to spot.
    """
    succ: dict[str, list[str]] = {}
    where: dict[tuple[str, str], Location] = {}
    for r in ds.relations:
        if r.relation in ("depends_on", "supports"):
            a, b = (r.source_id, r.target_id) if r.relation == "depends_on" \
                else (r.target_id, r.source_id)
            if (a, b) not in where:
                succ.setdefault(a, []).append(b)
                succ.setdefault(b, [])
                where[(a, b)] = r.loc
    order = {node: i for i, node in enumerate(succ)}
    for component in _strong_components(succ):
        if len(component) < 2:
            continue
        members = set(component)
        ids = _find_cycle(succ, members, min(component, key=order.__getitem__))
        ids.append(ids[0])
        loc = where[(ids[0], ids[1])]
        warnings.append(Problem("depends_on", "cycle of dependencies: "
                                + " -> ".join(ids) + " (accepted; check that it is meant)",
                                file=loc.file, line=loc.line, record=ids[0]))


def _check_initiative(c: _Checker, rec: RawRecord) -> Initiative | None:
    rid = rec.text("id") or rec.loc.path
    n_before = len(c.problems)
    ident = c.ident(rec, "id", rid)
    name = c.required(rec, "name", rid)
    given = rec.items("action_fields")
    fields = c.fields(rec, "action_fields", rid, given)
    if not given:
        c.problem(rec, "action_fields", "required value is missing", record=rid,
                  expected="one or more action fields, ';'-separated, e.g. mobility;energy")
    year = c.year(rec, rid)
    fed = c.euros(rec, "funding_federal_eur", rid)
    total = c.euros(rec, "funding_total_eur", rid)
    if fed is not None and total is not None and fed > total:  # the federal share is part
        c.warn(rec, "funding_federal_eur", f"{fed} € federal is more than the total, "
               f"{total} € (funding_total_eur): are the columns swapped?", record=rid)
    kind = c.choice(rec, "kind", KINDS, rid, "kind of initiative")
    depends = rec.items("depends_on")
    for dep in depends:
        if not _ID.fullmatch(dep):
            c.problem(rec, "depends_on", f"{dep!r} is not a usable id", record=rid,
                      expected="ids separated by ';'", value=dep)
    if ident is not None and ident in depends:
        c.problem(rec, "depends_on", "an initiative cannot depend on itself", record=rid,
                  value=ident)
    texts = {k: c.text(rec, k, rid) for k in (
        "municipality", "region", "country", "programme", "description", "funding_note",
        "status")}
    for k in _NAMES:
        texts[k] = _spaced(texts[k])
    sources = _sources(c, rec, rid)
    solution_types = c.solution_types(rec, "solution_types", rid)
    actors = [_spaced(a) for a in rec.items("actors")]
    if len(c.problems) > n_before or ident is None or name is None or not fields:
        return None
    programme, note = texts["programme"], None
    if programme and " – " in programme:
        programme, note = (s.strip() for s in programme.split(" – ", 1))
    return Initiative(
        id=ident, name=name, loc=rec.loc, action_fields=fields, kind=kind,
        municipality=texts["municipality"], region=texts["region"], country=texts["country"],
        programme=programme, programme_note=note, year=year, actors=actors,
        description=texts["description"], depends_on=[d for d in depends if d != ident],
        funding_federal_eur=fed, funding_total_eur=total, funding_note=texts["funding_note"],
        status=texts["status"], solution_types=solution_types, sources=sources,
    )


#: The fields whose values name a node (a place, a programme): one name, one node.
_NAMES = ("municipality", "region", "country", "programme")


@overload
def _spaced(value: str) -> str: ...


@overload
def _spaced(value: None) -> None: ...


def _spaced(value: str | None) -> str | None:
    """A name with one plain space wherever it has spaces: a no-break space (text copied
    from a web page) or two spaces made a second node of the same name.

    >>> _spaced("Frankfurt\u00a0am  Main")
    'Frankfurt am Main'
    """
    if value is None or (value.isascii() and "  " not in value):
        return value
    return " ".join(value.split())


def _sources(c: _Checker, rec: RawRecord, rid: str | None) -> list[str]:
    given = rec.values.get("source")
    if type(given) is list:  # a document's list: each item one source, as written
        texts = [c.printable(rec, "source", nfc(t.strip()), rid) for t in map(str, given)
                 if t.strip()]
        sources = [t for t in texts if t is not None]
    else:  # text: sources with " | " between them
        text = c.text(rec, "source", rid)
        sources = split_sources(text or "")
    for src, why in bad_urls(sources):
        c.problem(rec, "source", f"{_short(src)} is not a valid URL: {why}", record=rid,
                  expected=VALID_URL, value=src)
    return sources


def _check_relation(c: _Checker, rec: RawRecord) -> Relation | None:
    n_before = len(c.problems)
    src = c.ident(rec, "source_id", None)
    tgt = c.ident(rec, "target_id", None)
    rel = c.required(rec, "relation", None)
    if rel is not None and rel.lower() not in RELATION_PROPERTIES:
        c.problem(rec, "relation", f"{rel!r} is not a known relation type",
                  expected="one of " + ", ".join(RELATION_PROPERTIES), value=rel)
    conf = c.choice(rec, "confidence", CONFIDENCES, None, "confidence")
    evidence = c.text(rec, "evidence", None)
    sources = _sources(c, rec, None)
    if src is not None and src == tgt:
        c.problem(rec, "target_id", f"a relation from {src!r} to itself",
                  expected="two different initiatives", value=tgt)
    if len(c.problems) > n_before or src is None or tgt is None or rel is None:
        return None
    return Relation(src, rel.lower(), tgt, rec.loc, confidence=conf or "stated",
                    evidence=evidence, sources=sources)


def _check_side_effect(c: _Checker, rec: RawRecord) -> SideEffect | None:
    n_before = len(c.problems)
    ini = c.ident(rec, "initiative_id", None)
    effect = c.required(rec, "effect", None)
    if effect is not None and _EFFECT.fullmatch(effect.lower()):
        effect = effect.lower()  # a key, in any case, as relation types and polarities are
    if effect is not None and not _EFFECT.fullmatch(effect):
        c.problem(rec, "effect", f"{effect!r} is not a side-effect kind",
                  expected="a snake_case word such as data_protection", value=effect)
    polarity = c.text(rec, "polarity", None)
    if polarity is None:
        c.problem(rec, "polarity", "required value is missing", expected="risk or benefit")
    elif polarity.lower() not in POLARITIES:
        c.problem(rec, "polarity", f"{polarity!r} is not a polarity",
                  expected="risk or benefit", value=polarity)
    fields = c.fields(rec, "affects_fields", None)
    desc = c.text(rec, "description", None)
    mitigation = c.text(rec, "mitigation", None)
    sources = _sources(c, rec, None)
    if len(c.problems) > n_before or ini is None or effect is None or polarity is None:
        return None
    return SideEffect(ini, effect, polarity.lower(), rec.loc, affects_fields=fields,
                      description=desc, mitigation=mitigation, sources=sources)
