"""Keyword rules that infer solution types from an initiative's name and description.

The rules are data: ``keywords.yaml`` next to this module lists, for each
solution type, German and English regular expressions (``match``) and spans to
leave out first (``ignore``). A type is inferred when any ``match`` pattern
hits; the words it hit are the evidence. The text is lower-cased before
matching, so patterns are written in lower case (faster than case-insensitive
matching).
"""

from __future__ import annotations

import bisect
import functools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from scgraph.errors import InputError, Problem
from scgraph.ontology import vocabulary

__all__ = [
    "KeywordRule",
    "classify",
    "classify_initiatives",
    "keyword_rules",
    "keywords_file",
]

#: What every match of a pattern holds: one string of each set (:func:`_needed`).
_Needs = tuple[frozenset[str], ...]


def keywords_file() -> Path:
    """Path of the packaged ``keywords.yaml``."""
    return Path(str(resources.files("scgraph.screening") / "keywords.yaml"))


@dataclass(frozen=True)
class KeywordRule:
    """The patterns that infer one solution type."""

    solution_type: str
    match: tuple[re.Pattern[str], ...]
    """Patterns in lower case; the text is lower-cased before matching."""
    ignore: tuple[re.Pattern[str], ...] = ()
    _any: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _needs: tuple[_Needs, ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # one search for all patterns first: most texts match no rule
        either = "|".join(f"(?:{p.pattern})" for p in self.match) or "(?!)"
        object.__setattr__(self, "_any", re.compile(either))
        needs = tuple(_needed(p) for p in self.match)
        object.__setattr__(self, "_needs", None if not needs or None in needs
                           else needs)

    def evidence(self, text: str) -> list[str]:
        """The words of ``text`` that the rule matches (lower case, first hit first).

        >>> rule = KeywordRule("drone", (re.compile(r"drones?\\b"),))
        >>> rule.evidence("Drone logistics; drones for samples")
        ['drone', 'drones']
        """
        text = text.lower()
        if self._any.search(text) is None:
            return []
        for pattern in self.ignore:
            text = pattern.sub(" | ", text)
        words: list[tuple[int, str]] = []
        for pattern in self.match:
            words.extend((m.start(), m.group(0).strip().lower()) for m in pattern.finditer(text)
                         if m.group(0).strip())
        return list(dict.fromkeys(w for _pos, w in sorted(words)))


def _needed(pattern: re.Pattern[str]) -> _Needs | None:
    """Sets of strings such that every match of ``pattern`` holds one string of each set;
    None if there are none.

    >>> [sorted(s) for s in _needed(re.compile(r"data[ -]?(platform|hub)s?"))]
    [['data'], ['hub', 'platform']]
    >>> [sorted(s) for s in _needed(re.compile(r"\\b(ai|ki)[ -]erkennung|kamera"))]
    [['erkennung', 'kamera']]
    >>> _needed(re.compile(r"\\w+")) is None
    True
    """
    if pattern.flags & re.IGNORECASE:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import sre_constants as c
        import sre_parse

    def needed(items: Any) -> list[frozenset[str]]:
        # each run of two or more literal characters; what every match of a group or
        # of a repetition (at least once) holds; of an alternation whose every branch
        # holds something, the longest guarantee of each branch, as one set
        found: list[frozenset[str]] = []
        run: list[str] = []
        for op, arg in [*items, (None, None)]:
            if op is c.LITERAL:
                run.append(chr(arg))
                continue
            if len(run) >= 2:
                found.append(frozenset({"".join(run)}))
            run = []
            if op is c.SUBPATTERN and not arg[1] & re.IGNORECASE:
                found.extend(needed(arg[-1]))
            elif op is c.BRANCH:
                parts = [needed(b) for b in arg[1]]
                if all(parts):
                    found.append(frozenset().union(*(max(q, key=_shortest) for q in parts)))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1:
                found.extend(needed(arg[2]))
        return found

    return tuple(dict.fromkeys(needed(sre_parse.parse(pattern.pattern).data))) or None


def _shortest(found: frozenset[str]) -> int:
    return min(map(len, found))


def _containing(text: str, starts: list[int], needles: Iterable[str]) -> frozenset[int]:
    """Indices of the parts of ``text`` (beginning at ``starts``) that hold a needle."""
    found: set[int] = set()
    for needle in needles:
        pos = text.find(needle)
        while pos != -1:
            k = bisect.bisect_right(starts, pos) - 1
            found.add(k)
            if k + 1 == len(starts):
                break
            pos = text.find(needle, starts[k + 1])
    return frozenset(found)


def _patterns(value: object, where: str, key: str, problems: list[Problem],
              ) -> tuple[re.Pattern[str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(Problem(key, "must be a list of regular expressions", file=where,
                                expected="a YAML list of quoted strings"))
        return ()
    out = []
    for text in value:
        if any(ch.isupper() for ch in re.sub(r"\\.", "", text)):
            problems.append(Problem(key, f"{text!r} has upper-case letters", file=where,
                                    value=text, expected="a pattern in lower case (the text "
                                    "is lower-cased before matching)"))
            continue
        try:
            re.compile(f"(?:{text})")  # as the rule joins them: no global flag such as (?i)
            out.append(re.compile(text))
        except re.error as exc:
            problems.append(Problem(key, f"{text!r} is not a regular expression: {exc}",
                                    file=where, value=text,
                                    expected="Python regular-expression syntax"))
    return tuple(out)


def _read_rules(path: Path) -> tuple[KeywordRule, ...]:
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError([Problem(None, f"cannot be read: {exc}", file=where,
                                  expected="a YAML file like scgraph/screening/keywords.yaml")]
                         ) from exc
    types = data.get("types") if isinstance(data, dict) else None
    if not isinstance(types, dict) or not types:
        raise InputError([Problem("types", "no mapping of solution types to rules", file=where,
                                  expected="a top-level 'types:' mapping with a rule or more")])
    if data.get("version", 1) != 1:
        raise InputError([Problem("version", f"unknown version {data['version']!r}",
                                  file=where, expected="version: 1")])
    known = vocabulary().solution_types
    problems: list[Problem] = []
    rules = []
    for key, body in types.items():
        if key not in known:
            problems.append(Problem("types", f"{key!r} is not a known solution type",
                                    file=where, value=str(key),
                                    expected="one of " + ", ".join(known)))
            continue
        if not isinstance(body, dict) or not body.get("match"):
            problems.append(Problem(f"types.{key}", "has no 'match' patterns", file=where,
                                    expected="match: a list of regular expressions"))
            continue
        match = _patterns(body.get("match"), where, f"types.{key}.match", problems)
        ignore = _patterns(body.get("ignore"), where, f"types.{key}.ignore", problems)
        rules.append(KeywordRule(str(key), match, ignore))
    if problems:
        n = len(problems)
        raise InputError(problems, f"{n} problem{'s' if n != 1 else ''} in the keyword rules "
                         f"{where}; nothing was written")
    return tuple(rules)


@functools.cache
def _default_rules() -> tuple[KeywordRule, ...]:
    return _read_rules(keywords_file())


def keyword_rules(path: Path | str | None = None) -> tuple[KeywordRule, ...]:
    """The keyword rules in ``path`` (default: the packaged ``keywords.yaml``).

    Raises :class:`~scgraph.errors.InputError` for an unknown solution type or a
    pattern that is not a regular expression.
    """
    return _default_rules() if path is None else _read_rules(Path(path))


def _text(name: str, description: str | None) -> str:
    """What the rules read of a record: its name, then its description if it has one."""
    return name if not description else f"{name}. {description}"


def classify(name: str, description: str | None = None, *,
             rules: Iterable[KeywordRule] | None = None) -> dict[str, list[str]]:
    """Solution types that the keyword rules find in a name and description.

    Returns solution-type key -> the matched words (the evidence), keys sorted.

    >>> classify("ERZmobil on-demand bus", "Digitally booked on-demand bus service.")
    {'on_demand_shuttle': ['on-demand']}
    >>> classify("Stadtlabor", "Ein Ort für Begegnung.")
    {}
    """
    text = _text(name, description)
    found = {}
    for rule in keyword_rules() if rules is None else rules:
        words = rule.evidence(text)
        if words:
            found[rule.solution_type] = words
    return dict(sorted(found.items()))


def classify_initiatives(initiatives: pd.DataFrame, *,
                         rules: Iterable[KeywordRule] | None = None) -> pd.DataFrame:
    """Classify every row of a frame with columns ``id``, ``name`` and ``description``.

    Returns columns id, solution_type, evidence (matched words, ``;``-separated),
    sorted by id and solution type.
    """
    rule_list = tuple(keyword_rules() if rules is None else rules)
    ids = [str(i) for i in initiatives["id"]]
    texts = [_text(str(name), desc if isinstance(desc, str) else None).lower()
             for name, desc in zip(initiatives["name"], initiatives["description"],
                                   strict=True)]
    # A pattern can only match a text that holds a string of each of its sets
    # (:func:`_needed`): the texts holding each set are found in one pass over all
    # texts, and a rule runs on the texts some pattern of it can match, as
    # :func:`classify` would.
    starts, pos = [], 0
    for text in texts:
        starts.append(pos)
        pos += len(text) + 1
    joined = "\n".join(texts)
    found: dict[int, dict[str, list[str]]] = {}

    @functools.cache
    def holding(needles: frozenset[str]) -> frozenset[int]:
        return _containing(joined, starts, needles)

    def can_match(needs: _Needs) -> set[int]:
        # the texts holding the longest strings, then the other sets looked up in those
        first, *rest = sorted(needs, key=_shortest, reverse=True)
        return {k for k in holding(first)
                if all(any(n in texts[k] for n in found) for found in rest)}

    for rule in rule_list:
        todo: Iterable[int] = range(len(texts))
        if rule._needs is not None:
            todo = sorted(set().union(*map(can_match, rule._needs)))
        for k in todo:
            words = rule.evidence(texts[k])
            if words:
                found.setdefault(k, {})[rule.solution_type] = words
    rows = [(ids[k], key, ";".join(words)) for k in sorted(found)
            for key, words in sorted(found[k].items())]
    frame = pd.DataFrame(rows, columns=["id", "solution_type", "evidence"])
    return frame.sort_values(["id", "solution_type"], kind="stable").reset_index(drop=True)
