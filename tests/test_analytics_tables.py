"""CSV text of analytics tables: the same text as pandas' ``to_csv(index=False)``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scgraph.analytics.tables import csv_text, write_csv

# cells that the csv module quotes, doubles, or leaves alone
TEXT = st.one_of(st.sampled_from(["", " ", ",", '"', "\n", "\r", "\r\n", "a,b", 'say "x"',
                                  "tab\tx", "ü", "\u2028", "None", "nan"]),
                 st.text(max_size=12))
CELL = st.one_of(TEXT, st.none())


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = draw(st.integers(min_value=0, max_value=8))
    names = draw(st.lists(TEXT, min_size=1, max_size=4, unique=True))
    columns: dict[str, object] = {}
    for name in names:
        kind = draw(st.sampled_from(["text", "str", "int", "bool", "float", "list",
                                     "Int64", "boolean"]))
        if kind in ("text", "str"):
            values = draw(st.lists(CELL, min_size=rows, max_size=rows))
            columns[name] = pd.Series(values, dtype=object if kind == "text" else "str")
        elif kind == "int":
            columns[name] = pd.Series(draw(st.lists(st.integers(-10**12, 10**12), min_size=rows,
                                                    max_size=rows)), dtype="int64")
        elif kind == "bool":
            columns[name] = pd.Series(draw(st.lists(st.booleans(), min_size=rows,
                                                    max_size=rows)), dtype=bool)
        elif kind in ("Int64", "boolean"):  # pandas' nullable kinds, with missing cells
            cell = st.integers(-5, 5) if kind == "Int64" else st.booleans()
            columns[name] = pd.Series(draw(st.lists(st.one_of(cell, st.none()), min_size=rows,
                                                    max_size=rows)), dtype=kind)
        elif kind == "float":
            columns[name] = pd.Series(draw(st.lists(st.floats(), min_size=rows, max_size=rows)),
                                      dtype="float64")
        else:
            columns[name] = pd.Series([[draw(TEXT)] for _ in range(rows)], dtype=object)
    return pd.DataFrame(columns)


@settings(max_examples=300, deadline=None)
@given(frames())
def test_same_text_as_pandas(frame: pd.DataFrame) -> None:
    assert csv_text(frame) == frame.to_csv(index=False)


def test_repeated_cells_and_missing_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = pd.DataFrame({"id": [f"I-{k}" for k in range(6)],
                          "source": ['Guide, p. 3 | "Leitfaden"'] * 3 + [None, np.nan, "x"],
                          "n": np.arange(6, dtype="int64"), "open": [True, False] * 3})
    expected = frame.to_csv(index=False)
    # text, integer and boolean columns are written without pandas
    monkeypatch.setattr(pd.DataFrame, "to_csv", None)
    text = csv_text(frame)
    assert text == expected
    assert text.splitlines()[1] == 'I-0,"Guide, p. 3 | ""Leitfaden""",0,True'
    assert text.splitlines()[4] == "I-3,,3,False"


def test_write_csv_writes_the_same_bytes(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": ["x\r\ny", "ä"], "b": ["", None]})
    write_csv(frame, tmp_path / "ours.csv")
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
