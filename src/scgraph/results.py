"""Query results in the SPARQL 1.1 result formats: JSON, XML, CSV and TSV.

>>> t = Table(["s", "n"], [(ox.NamedNode("http://a"), ox.Literal("1")), (None, None)])
>>> serialize_table(t, "tsv")
b'?s\\t?n\\n<http://a>\\t"1"\\n\\t\\n'
>>> serialize_table(t, "csv")
b's,n\\r\\nhttp://a,1\\r\\n,\\r\\n'
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from scgraph.errors import UsageError
from scgraph.store.base import Table, Term, term_value

__all__ = ["MEDIA_TYPES", "serialize_boolean", "serialize_table", "term_json"]

#: Result format name -> media type.
MEDIA_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}


def term_json(term: Term) -> dict[str, str]:
    """One term in the SPARQL 1.1 JSON results format.

    >>> term_json(ox.Literal("Ulm", language="de"))
    {'type': 'literal', 'value': 'Ulm', 'xml:lang': 'de'}
    """
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


#: Characters XML 1.0 cannot hold, not even as a character reference.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            return (f"<literal datatype={quoteattr(term.datatype.value)}>"
                    f"{escape(term.value)}</literal>")
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def serialize_table(table: Table, fmt: str) -> bytes:
    """A SELECT result in ``fmt`` (``json``, ``xml``, ``csv`` or ``tsv``)."""
    if fmt == "json":
        bindings: list[dict[str, Any]] = [
            {c: term_json(t) for c, t in zip(table.columns, row, strict=True) if t is not None}
            for row in table.rows]
        doc = {"head": {"vars": table.columns}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, indent=1).encode() + b"\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(table.columns)
        for row in table.rows:  # a blank node as _:label, as the CSV results format says
            writer.writerow(["" if t is None else f"_:{t.value}" if isinstance(t, ox.BlankNode)
                             else term_value(t) for t in row])
        return buf.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{c}" for c in table.columns)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in table.rows]
        return ("\n".join(lines) + "\n").encode()
    if fmt == "xml":
        if any(t is not None and _NOT_XML.search(term_value(t) or "") for row in table.rows
               for t in row):
            raise UsageError("a value holds a control character that XML 1.0 cannot carry; "
                             "ask for the results as JSON, CSV or TSV")
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
                 "<head>" + "".join(f"<variable name={quoteattr(c)}/>" for c in table.columns)
                 + "</head>", "<results>"]
        for row in table.rows:
            cells = "".join(f"<binding name={quoteattr(c)}>{_xml_term(t)}</binding>"
                            for c, t in zip(table.columns, row, strict=True) if t is not None)
            parts.append(f"<result>{cells}</result>")
        parts.append("</results>\n</sparql>\n")
        return "\n".join(parts).encode()
    raise UsageError(f"unknown result format {fmt!r}; expected one of " + ", ".join(MEDIA_TYPES))


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """An ASK result in ``fmt`` (``json``, ``xml``, ``csv`` or ``tsv``)."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode() + b"\n"
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return b"true\n" if value else b"false\n"
    raise UsageError(f"unknown result format {fmt!r}; expected one of " + ", ".join(MEDIA_TYPES))
