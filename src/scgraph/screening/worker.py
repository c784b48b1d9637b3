"""The worker process of :func:`scgraph.analytics.screening.prefetch_solution_types`.

``python -m scgraph.screening.worker`` reads a pickle of (store folder, frame of the
initiatives' ``id`` and ``name``) on stdin, opens the store read-only, and writes a
pickle of (:func:`scgraph.screening.solution_types` of it, the worker's peak RSS in
bytes or None) to stdout. Only scgraph starts it, and only scgraph reads what it writes.
"""

from __future__ import annotations

import pickle
import sys

from scgraph.memory import peak_rss_bytes

__all__ = ["main"]


def main() -> int:
    """Answer one request on stdin (see above)."""
    from scgraph.screening.screen import solution_types
    from scgraph.store import EmbeddedStore

    path, initiatives = pickle.load(sys.stdin.buffer)  # from the scgraph that started this
    with EmbeddedStore(path, read_only=True) as store:
        frame = solution_types(store, initiatives=initiatives)
    pickle.dump((frame, peak_rss_bytes()), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
