"""Read datasets (a folder of CSV files, or one YAML or JSON document) into raw records.

Readers never raise on bad content: they collect :class:`~scgraph.errors.Problem`
objects with file and line, so that one run reports everything that is wrong.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from scgraph.errors import Problem, UsageError
from scgraph.ingest.records import Location, RawDataset, RawRecord, RecordKind

__all__ = [
    "COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "REQUIRED_COLUMNS",
    "read_dataset",
]

#: Columns of each CSV file, in their documented order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "initiatives.csv": (
        "id", "name", "municipality", "region", "country", "programme", "year",
        "action_fields", "actors", "description", "depends_on", "funding_federal_eur",
        "funding_total_eur", "funding_note", "source", "kind", "status", "solution_types",
    ),
    "relations.csv": ("source_id", "relation", "target_id", "confidence", "evidence", "source"),
    "side_effects.csv": (
        "initiative_id", "effect", "polarity", "affects_fields", "description", "mitigation",
        "source",
    ),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "initiatives.csv": ("id", "name", "action_fields"),
    "relations.csv": ("source_id", "relation", "target_id"),
    "side_effects.csv": ("initiative_id", "effect", "polarity"),
}
_KIND_OF_FILE: dict[str, RecordKind] = {
    "initiatives.csv": "initiative",
    "relations.csv": "relation",
    "side_effects.csv": "side_effect",
}
#: Files larger than this are refused before they are read.
MAX_FILE_BYTES = 512 * 1024 * 1024
_MAX_CELL = 1_000_000
_METADATA_FILES = ("dataset.yaml", "dataset.yml", "datapackage.json")
_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def read_dataset(path: Path, problems: list[Problem], warnings: list[Problem]) -> RawDataset:
    """Read the dataset at ``path`` (a folder, or a ``.yaml``/``.yml``/``.json`` file).

    Problems with the content are appended to ``problems``; things worth a word
    but not a failure to ``warnings``. A path that cannot be read at all raises
    :class:`~scgraph.errors.UsageError`.
    """
    if path.is_dir():
        return _read_folder(path, problems, warnings)
    if path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".json"):
        return _read_document(path, problems, warnings)
    if path.is_symlink() and not path.exists():
        raise UsageError(f"{path}: a symbolic link that points nowhere or to itself "
                         "(a loop); point it at a dataset folder or file")
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder (expected a dataset folder, "
                         "or a .yaml/.json dataset file)")
    raise UsageError(f"{path}: not a dataset (expected a folder with initiatives.csv, "
                     "a .yaml/.json dataset file, or an RDF file: .nq .trig .ttl .nt .jsonld)")


def _read_folder(folder: Path, problems: list[Problem], warnings: list[Problem]) -> RawDataset:
    ds = RawDataset(name=folder.resolve().name, source=folder)
    misnamed = _misnamed(folder)
    for path, meant in misnamed:
        problems.append(Problem(None, f"named like {meant}, but only {meant} is read",
                                file=str(path), expected=f"the name {meant} (file names are "
                                "lower case, with '_')"))
    if misnamed:
        return ds
    ini_path = folder / "initiatives.csv"
    if not (ini_path.is_file() or ini_path.is_symlink()):
        problems.append(Problem(None, "the folder has no initiatives.csv", file=str(folder),
                                expected="a dataset folder with initiatives.csv "
                                "(see docs/record-format.md)"))
        return ds
    for fname, kind in _KIND_OF_FILE.items():
        fpath = folder / fname
        if not (fpath.is_file() or fpath.is_symlink()):
            continue
        ds.files.append(fpath)
        n_problems = len(problems)
        records = _read_csv(fpath, kind, problems, warnings)
        if kind == "initiative" and len(problems) > n_problems:
            ds.complete = False  # ids may be missing: no "refers to no initiative" cascade
        elif kind == "initiative" and not records:
            problems.append(Problem(None, "the file has no initiative records", file=str(fpath),
                                    line=2, expected="one initiative per line after the "
                                    "header"))
        getattr(ds, {"initiative": "initiatives", "relation": "relations",
                     "side_effect": "side_effects"}[kind]).extend(records)
    for meta in _METADATA_FILES:
        mpath = folder / meta
        if mpath.is_file():
            ds.files.append(mpath)
            ds.metadata = _read_metadata(mpath, problems, warnings)
            ds.metadata_file = mpath
            break
    return ds


def _misnamed(folder: Path) -> list[tuple[Path, str]]:
    """Files of ``folder`` named like one of a dataset's files but not exactly
    (``Relations.csv``, ``side-effects.csv``), with the name meant: read as any other
    file, ignored, their records would be lost without a word."""
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return []
    wanted = {*_KIND_OF_FILE, *_METADATA_FILES}
    found = []
    for name in names:
        meant = name.lower().replace("-", "_")
        if meant in wanted and name != meant and not _same(folder / name, folder / meant):
            found.append((folder / name, meant))  # (the same file where case is ignored)
    return found


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _read_bytes(path: Path, problems: list[Problem]) -> str | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(None, f"file is {size} bytes, larger than the limit",
                                    file=str(path), expected=f"at most {MAX_FILE_BYTES} bytes"))
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(None, f"cannot be read: {exc.strerror or exc}", file=str(path)))
        return None
    for bom, name in _BOMS:
        if data.startswith(bom):
            problems.append(Problem(None, f"file is encoded as {name} (it starts with a "
                                    "byte-order mark)", file=str(path), line=1,
                                    expected="a file saved as UTF-8"))
            return None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        problems.append(Problem(None, "contains a NUL byte: this is a binary file, not text",
                                file=str(path), line=line, expected="UTF-8 text"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 4]
        problems.append(Problem(None, f"invalid UTF-8 (byte {bad[:1]!r} at offset {exc.start}"
                                " of the file; it was most likely saved as Windows-1252 or "
                                "Latin-1)", file=str(path), line=line,
                                expected="a file saved as UTF-8" + (
                                    ' (in Excel: "CSV UTF-8")' if path.suffix.lower() == ".csv"
                                    else "")))
        return None
    return text.removeprefix("\ufeff")


def _read_csv(path: Path, kind: RecordKind, problems: list[Problem],
              warnings: list[Problem]) -> list[RawRecord]:
    fname = path.name
    text = _read_bytes(path, problems)
    if text is None:
        return []
    if not text.strip():
        problems.append(Problem(None, "file is empty", file=str(path),
                                expected="a header line: " + ",".join(REQUIRED_COLUMNS[fname])))
        return []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, _MAX_CELL + 1))
    try:
        return _parse_csv(path, text, kind, problems, warnings)
    finally:
        csv.field_size_limit(limit)


def _parse_csv(path: Path, text: str, kind: RecordKind, problems: list[Problem],
               warnings: list[Problem]) -> list[RawRecord]:
    fname = path.name
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[RawRecord] = []
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        problems.append(Problem(None, f"malformed CSV header: {exc}", file=str(path), line=1,
                                expected="comma-separated column names"))
        return []
    cased = [h for h in header if h not in COLUMNS[fname] and h.lower() in COLUMNS[fname]]
    if cased:  # ignored as unknown, a "Year" column would lose every year
        problems.append(Problem(", ".join(cased), "column names are lower case",
                                file=str(path), line=1,
                                expected=", ".join(h.lower() for h in cased)))
        return []
    missing = [c for c in REQUIRED_COLUMNS[fname] if c not in header]
    if missing and (sep := _other_separator(text, header, fname)):
        problems.append(Problem(None, sep, file=str(path), line=1, expected=(
            "columns separated by commas, the header first: "
            + ",".join(REQUIRED_COLUMNS[fname]) + ',... (in Excel: save as "CSV UTF-8")')))
        return []
    if missing:
        problems.append(Problem(", ".join(missing),
                                f"required column{'s' if len(missing) > 1 else ''} missing",
                                file=str(path), line=1,
                                expected="columns " + ",".join(REQUIRED_COLUMNS[fname])))
        return []
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(Problem(", ".join(dupes), "column appears more than once",
                                file=str(path), line=1, expected="each column once"))
        return []
    for col in header:
        if col and col not in COLUMNS[fname]:
            warnings.append(Problem(col, "unknown column is ignored", file=str(path), line=1,
                                    expected="one of " + ", ".join(COLUMNS[fname])))
    where = str(path)
    width = len(header)
    known = COLUMNS[fname]
    kept = [i for i, h in enumerate(header) if h in known]
    names = [header[i] for i in kept]
    # the values in one C call (the required columns are at least two, so a tuple)
    pick = operator.itemgetter(*kept)
    # columns without a name (a spreadsheet's empty columns at the end): their cells
    # must be empty, or their values would be lost
    unnamed = [i for i, h in enumerate(header) if not h]
    prev_end = 1
    while True:
        start = prev_end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                problems.append(Problem(None, "a cell is longer than 1,000,000 characters",
                                        file=str(path), line=start,
                                        expected="a shorter value (is a quote left open?)"))
                break
            if "unexpected end of data" in str(exc):  # reported where the record starts
                problems.append(Problem(None, f"malformed CSV: {exc}: a quote opened in this "
                                        "record is never closed", file=str(path), line=start,
                                        expected='a closing " after the cell\'s text (a quote '
                                        'inside a cell is written as "")'))
                break
            problems.append(Problem(None, f"malformed CSV: {exc}", file=str(path),
                                    line=reader.line_num or start,
                                    expected='cells with a comma inside wrapped in "double '
                                    'quotes", and a quote inside written as ""'))
            break
        prev_end = reader.line_num
        if not "".join(row).strip():  # an empty or blank row
            continue
        if len(row) != width:
            problems.append(Problem(None, f"row has {len(row)} cells, the header has "
                                    f"{width}", file=where, line=start,
                                    expected="one cell per column (quote cells that contain "
                                    "commas)"))
            continue
        if row[0].strip() == header[0] and [c.strip() for c in row] == header:  # two files
            # pasted together, say
            problems.append(Problem(None, "the header line again", file=where, line=start,
                                    expected="the header once, in line 1"))
            continue
        if unnamed and (filled := [i + 1 for i in unnamed if row[i].strip()]):
            problems.append(Problem(None, "a value in column " + ", ".join(map(str, filled))
                                    + ", which has no name in the header", file=where,
                                    line=start, expected="a column name in line 1 for every "
                                    "column that holds values"))
            continue
        if max(map(len, row)) > _MAX_CELL:
            for h, v in zip(header, row, strict=True):
                if len(v) > _MAX_CELL:
                    problems.append(Problem(h, "cell is longer than 1,000,000 characters",
                                            file=where, line=start,
                                            expected="a shorter value"))
            continue
        values = dict(zip(names, pick(row), strict=True))
        records.append(RawRecord(kind, values, Location(where, start)))
    return records


def _other_separator(text: str, header: list[str], fname: str) -> str | None:
    """What separates the columns instead of commas (German Excel writes ``;``), or the
    ``sep=`` line Excel may write before the header, as a message; None if neither."""
    first = text.split("\n", 1)[0].strip().lower()
    if first.startswith("sep="):
        return 'the file starts with a "sep=" line (as Excel may write it), not the header'
    for sep, name in ((";", "semicolons"), ("\t", "tabs")):
        names = [h.strip() for h in ",".join(header).replace(",", sep).split(sep)]
        if sep in ",".join(header) and all(c in names for c in REQUIRED_COLUMNS[fname]):
            return f"the columns are separated by {name}, not by commas"
    return None


_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records the line of every mapping under ``__line__``, and keeps
    every plain scalar but ``null`` (``~``, nothing) as the text written, as CSV and JSON
    cells are: YAML 1.1 reads ``id: 0123`` as 83, ``12:30`` as 750, ``no`` as false and
    ``1.10`` as 1.1. Checks then read numbers, years and amounts from the text."""


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in (_NULL, _MERGE)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    # a key written twice; a key merged in (<<) and written again is the one written
    keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.tag != _MERGE]
    for key in keys:
        if keys.count(key) > 1:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice in one mapping", node.start_mark)
    loader.flatten_mapping(node)  # resolve merge keys (<<): the merged ones come first
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_MAX_ALIASES = 100
# a \uD800-\uDFFF escape: half of a UTF-16 surrogate pair, which JSON decodes to a
# string that cannot be written as UTF-8 unless its other half follows
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
#: YAML documents nested deeper than this are refused (records need about 5 levels).
MAX_NESTING = 64


def _load_yaml(text: str, path: Path, problems: list[Problem]) -> Any:
    # Refuse alias bombs and deep nesting before PyYAML builds anything; libyaml (when
    # present) scans deep nesting in linear time, the pure-Python scanner in quadratic.
    try:
        events = list(yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except RecursionError:
        problems.append(Problem(None, "nested too deeply", file=str(path),
                                expected="at most a few levels of nesting"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(None, f"malformed YAML: {getattr(exc, 'problem', exc)}",
                                file=str(path), line=mark.line + 1 if mark else None,
                                expected="valid YAML (see docs/record-format.md)"))
        return None
    depth = deepest = 0
    for e in events:
        if isinstance(e, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(e, yaml.CollectionEndEvent):
            depth -= 1
    if deepest > MAX_NESTING:
        problems.append(Problem(None, f"nested {deepest} levels deep", file=str(path),
                                expected=f"at most {MAX_NESTING} levels of nesting"))
        return None
    aliases = sum(isinstance(e, yaml.AliasEvent) for e in events)
    if aliases > _MAX_ALIASES:
        problems.append(Problem(None, f"uses {aliases} aliases (*name); refused to avoid "
                                "exponential expansion", file=str(path),
                                expected=f"at most {_MAX_ALIASES} aliases"))
        return None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(None, f"malformed YAML: {getattr(exc, 'problem', exc)}",
                                file=str(path), line=mark.line + 1 if mark else None))
        return None
    except RecursionError:
        problems.append(Problem(None, "nested too deeply", file=str(path),
                                expected="at most a few levels of nesting"))
        return None
    except ValueError as exc:  # e.g. an integer with more than 4300 digits
        problems.append(Problem(None, f"cannot be read: {exc}", file=str(path),
                                expected="numbers of ordinary size"))
        return None


def _json_object(problems: list[Problem], path: Path) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        for key in sorted({k for k in keys if keys.count(k) > 1}):
            problems.append(Problem(key, "key appears twice in one object", file=str(path),
                                    expected="each key once"))
        return dict(pairs)
    return hook


def _lone_surrogates(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) for each string (key or value) in a JSON value holding half of a
    surrogate pair."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                yield where, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _lone_surrogates(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            yield from _lone_surrogates(key, inner)
            yield from _lone_surrogates(item, inner)


def _load_json(text: str, path: Path, problems: list[Problem],
               dupes: list[Problem] | None = None) -> Any:
    """The JSON document, or None (said in ``problems``); a key twice in one object is
    said in ``dupes`` if given (the document is read on, its last value kept)."""
    try:
        # numbers stay text: no overflow to inf, no limit on digits; checks parse them
        doc = json.loads(text, parse_int=str, parse_float=str, parse_constant=str,
                         object_pairs_hook=_json_object(
                             problems if dupes is None else dupes, path))
        if _SURROGATE_ESCAPE.search(text) is None:  # the common case: nothing to look at
            return doc
        bad = next(_lone_surrogates(doc), None)
        if bad is None:  # only complete pairs
            return doc
        where, value = bad
        half = next(f"{ord(c):04x}" for c in value if "\ud800" <= c <= "\udfff")
        escape = next(m for m in _SURROGATE_ESCAPE.finditer(text)
                      if m.group().lower().endswith(half))
        problems.append(Problem(
            None, f"{where or 'the document'}: {value[:60]!r} holds half of a UTF-16 "
            "surrogate pair (an escape from \\uD800 to \\uDFFF without its other half), "
            "which is no character", file=str(path),
            line=text.count("\n", 0, escape.start()) + 1,
            expected="the character itself, or both escapes of its pair"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(None, f"malformed JSON: {exc.msg}", file=str(path),
                                line=exc.lineno, expected="valid JSON"))
    except RecursionError:
        problems.append(Problem(None, "nested too deeply", file=str(path),
                                expected="at most a few levels of nesting"))
    return None


def _read_metadata(path: Path, problems: list[Problem],
                   warnings: list[Problem]) -> dict[str, Any]:
    text = _read_bytes(path, problems)
    if text is None:
        return {}
    frictionless = path.suffix == ".json"
    doc = _load_json(text, path, problems) if frictionless else _load_yaml(text, path, problems)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(None, "dataset metadata is not a mapping", file=str(path),
                                expected="keys such as title, licence, sources"))
        return {}
    # a Frictionless data package has keys of its own (resources, profile, ...)
    return _metadata(doc, path, problems, None if frictionless else warnings)


#: A dataset's metadata keys (``license`` and Frictionless' ``licenses`` are ``licence``).
_METADATA_KEYS = ("title", "licence", "license", "licenses", "sources", "name", "description")


def _metadata(doc: dict[str, Any], path: Path, problems: list[Problem],
              warnings: list[Problem] | None, others: tuple[str, ...] = ()) -> dict[str, Any]:
    """The metadata of a mapping (dataset.yaml, datapackage.json, or a dataset document's
    top level), each value checked to be what it stands for: one text, or sources as a
    list. ``warnings``: where unknown keys (other than ``others``) are said, if at all."""
    line = doc.get("__line__")

    def problem(key: str, value: object, expected: str) -> None:
        problems.append(Problem(key, f"unsupported value of type {type(value).__name__}",
                                file=str(path), line=line, expected=expected))

    def one(key: str, value: object) -> str | None:
        if value is None or (isinstance(value, str | int | float)
                             and not isinstance(value, bool)):
            return None if value is None else str(value)
        if isinstance(value, dict) and isinstance(value.get("name") or value.get("path"), str):
            return str(value.get("name") or value.get("path"))  # a Frictionless licence
        problem(key, value, "one text")
        return None

    meta: dict[str, Any] = {k: one(k, doc.get(k)) for k in ("title", "name", "description")}
    for key in ("licence", "license", "licenses"):
        if key in doc:
            value = doc[key]
            items = value if isinstance(value, list) else [value]
            meta["licence"] = "; ".join(x for x in (one(key, v) for v in items) if x)
            break
    sources = doc.get("sources")
    if isinstance(sources, dict | bool):
        problem("sources", sources, "a source, or a list of sources (texts or URLs)")
        sources = None
    listed = sources if isinstance(sources, list) else [] if sources is None else [sources]
    # a Frictionless source is a mapping with a path or a title
    meta["sources"] = [x for x in (
        one("sources", s.get("path") or s.get("title") or s) if isinstance(s, dict) else
        one("sources", s) for s in listed) if x]
    for key in doc:
        if key in _METADATA_KEYS or key in others or key == "__line__":
            continue
        if str(key).lower() in _METADATA_KEYS:  # as for fields: not lost
            problems.append(Problem(str(key), "keys are lower case", file=str(path),
                                    line=line, expected=str(key).lower()))
        elif warnings is not None:
            warnings.append(Problem(str(key), "unknown key is ignored", file=str(path),
                                    expected="one of " + ", ".join(_METADATA_KEYS)))
    return {k: v for k, v in meta.items() if v}


def _read_document(path: Path, problems: list[Problem], warnings: list[Problem]) -> RawDataset:
    ds = RawDataset(name=path.stem, source=path, files=[path])
    text = _read_bytes(path, problems)
    if text is None:
        return ds
    if not text.strip():
        problems.append(Problem(None, "file is empty", file=str(path),
                                expected="a document with an 'initiatives' list"))
        return ds
    is_json = path.suffix.lower() == ".json"
    n_problems = len(problems)
    dupes: list[Problem] = []  # said, and the rest of the document checked too
    doc = _load_json(text, path, problems, dupes) if is_json else _load_yaml(text, path, problems)
    if doc is not None and len(problems) == n_problems:
        problems.extend(dupes)
        n_problems = len(problems)
        ds.complete = not dupes  # an id written twice: no "refers to no initiative" cascade
    if doc is None or len(problems) > n_problems:
        if len(problems) == n_problems:
            problems.append(Problem(None, "the document is empty (null)", file=str(path),
                                    expected="a mapping with a list under 'initiatives'"))
        return ds
    if not isinstance(doc, dict) or not isinstance(doc.get("initiatives"), list):
        problems.append(Problem("initiatives", "the document has no 'initiatives' list",
                                file=str(path), line=1,
                                expected="a mapping with a list under 'initiatives'"))
        return ds
    ds.metadata = _metadata(doc, path, problems, warnings,
                            others=("initiatives", "relations", "side_effects"))
    if not doc["initiatives"]:
        problems.append(Problem("initiatives", "the list of initiatives is empty",
                                file=str(path), line=doc.get("__line__"),
                                expected="at least one initiative"))
    for i, item in enumerate(doc["initiatives"]):
        where = f"initiatives[{i}]"
        if not isinstance(item, dict):
            ds.complete = False
            problems.append(Problem(None, "an initiative must be a mapping of fields",
                                    file=str(path),
                                    record=where, expected="id, name, action_fields, ..."))
            continue
        line = item.pop("__line__", None)
        rels = item.pop("relations", None) or []
        effects = item.pop("side_effects", None) or []
        values = _scalars(item, path, where, line, COLUMNS["initiatives.csv"], problems,
                          warnings)
        ds.initiatives.append(RawRecord("initiative", values, Location(str(path), line, where)))
        _nested(ds, path, rels, effects, where, line, values, problems, warnings)
    # relations and side effects at the top level, each naming its initiative as the CSV
    # files' rows do
    _nested(ds, path, doc.get("relations") or [], doc.get("side_effects") or [], "", None,
            None, problems, warnings)
    return ds


def _nested(ds: RawDataset, path: Path, rels: object, effects: object, where: str,
            line: int | None, owner: dict[str, Any] | None, problems: list[Problem],
            warnings: list[Problem]) -> None:
    """The relations and side effects of a document: under an initiative (``owner``, its
    values; ``where``, its place), whose id they take, or at the top level (``owner``
    None), where each names its initiative as a CSV row does."""
    for kind, items, key, cols in (
        ("relation", rels, "relations", COLUMNS["relations.csv"]),
        ("side_effect", effects, "side_effects", COLUMNS["side_effects.csv"]),
    ):
        if not isinstance(items, list):
            problems.append(Problem(key, "must be a list", file=str(path), line=line,
                                    record=where or None))
            continue
        for j, sub in enumerate(items):
            sub_where = f"{where}.{key}[{j}]" if where else f"{key}[{j}]"
            if not isinstance(sub, dict):
                problems.append(Problem(None, "must be a mapping of fields", file=str(path),
                                        line=line, record=sub_where))
                continue
            sub_line = sub.pop("__line__", line)
            sub_values = _scalars(sub, path, sub_where, sub_line, cols, problems, warnings)
            id_key = "source_id" if kind == "relation" else "initiative_id"
            if owner is not None:
                given = sub_values.setdefault(id_key, owner.get("id", ""))
                if "id" in owner and given != owner["id"]:  # nested: the enclosing one's
                    problems.append(Problem(
                        id_key, f"{given!r} is not the enclosing initiative {owner['id']!r}",
                        file=str(path), line=sub_line, record=sub_where, value=str(given),
                        expected=f"no {id_key}, or this {kind.replace('_', ' ')} under "
                        f"initiative {given!r}"))
            target = ds.relations if kind == "relation" else ds.side_effects
            target.append(RawRecord(kind, sub_values,  # type: ignore[arg-type]
                                    Location(str(path), sub_line, sub_where)))


def _scalars(item: dict[str, Any], path: Path, where: str, line: int | None,
             columns: tuple[str, ...], problems: list[Problem],
             warnings: list[Problem]) -> dict[str, Any]:
    """Keep known keys whose values are text, numbers or lists of text."""
    values: dict[str, Any] = {}
    for key, value in item.items():
        if key not in columns:
            if str(key).lower() in columns:  # as for CSV columns: not a lost field
                problems.append(Problem(str(key), "field names are lower case",
                                        file=str(path), line=line, record=where,
                                        expected=str(key).lower()))
            else:
                warnings.append(Problem(str(key), "unknown field is ignored", file=str(path),
                                        line=line, record=where))
            continue
        if value is None:
            continue
        if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            values[key] = [str(v) for v in value]
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values[key] = str(value)
        else:
            problems.append(Problem(key, f"unsupported value of type {type(value).__name__}",
                                    file=str(path), line=line, record=where,
                                    expected="text, a number, or a list of text"))
    return values
