"""Heatmaps of field-by-field tables as PNG bytes (matplotlib, no global state)."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["heatmap_png", "square_matrix"]


def square_matrix(frame: pd.DataFrame, row: str, col: str, value: str) -> pd.DataFrame:
    """Pivot a long table of cells into a square matrix over the union of keys.

    >>> cells = pd.DataFrame({"a": ["x"], "b": ["y"], "n": [3]})
    >>> square_matrix(cells, "a", "b", "n").to_dict()
    {'x': {'x': 0, 'y': 0}, 'y': {'x': 3, 'y': 0}}
    """
    keys = sorted(set(frame[row]) | set(frame[col]))
    wide = frame.pivot_table(index=row, columns=col, values=value, aggfunc="sum",
                             fill_value=0)
    return wide.reindex(index=keys, columns=keys, fill_value=0).astype("int64")


def heatmap_png(matrix: pd.DataFrame, *, title: str, xlabel: str, ylabel: str) -> bytes:
    """Draw ``matrix`` (rows × columns of counts) as an annotated heatmap, PNG bytes."""
    n_rows, n_cols = matrix.shape
    fig = Figure(figsize=(max(4.0, 0.6 * n_cols + 2.5), max(3.0, 0.45 * n_rows + 2.0)),
                 dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    values = matrix.to_numpy()
    image = ax.imshow(values, cmap="Blues", aspect="auto")
    ax.set_xticks(range(n_cols), [str(c) for c in matrix.columns], rotation=45, ha="right")
    ax.set_yticks(range(n_rows), [str(r) for r in matrix.index])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if n_rows * n_cols <= 400:
        top = values.max() if values.size else 0
        for r in range(n_rows):
            for c in range(n_cols):
                if values[r, c]:
                    ax.text(c, r, str(values[r, c]), ha="center", va="center", fontsize=7,
                            color="white" if values[r, c] > top / 2 else "black")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
