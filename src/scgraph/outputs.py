"""The folders that commands write their files into (views, reports, exports)."""

from __future__ import annotations

from pathlib import Path

from scgraph.errors import ScgraphError

__all__ = ["make_folder"]


def make_folder(folder: Path, what: str) -> None:
    """Make ``folder`` and the folders above it, as ``mkdir -p`` does.

    A ScgraphError says what could not be written (``what``), and names a file that
    stands where a folder is needed, which the system's "File exists" or "Not a
    directory" does not.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in (folder, *folder.parents)
                        if p.exists() and not p.is_dir()), None)
        why = (f"{blocker} is a file, not a folder" if blocker is not None
               else f"cannot make the folder {folder}: {exc.strerror or exc}")
        raise ScgraphError(f"{what}: {why}; choose another path") from exc
