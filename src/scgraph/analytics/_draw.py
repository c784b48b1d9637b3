"""networkit's random node draw, without importing networkit.

``networkit.engineering.setSeed(seed, False)`` seeds a ``std::mt19937_64`` with
``seed``; ``networkit.graphtools.randomNode(G)`` then draws with
``std::uniform_int_distribution<uint64_t>{0, n - 1}``, which libstdc++ computes
with Lemire's multiply-and-shift method. Importing networkit takes about two
seconds (it loads matplotlib's pyplot), more than the sampled betweenness
itself needs for its draw; ``tests/test_analytics_measures.py`` checks that
these draws are networkit's.
"""

from __future__ import annotations

__all__ = ["random_nodes"]

_MASK = (1 << 64) - 1
_N, _M = 312, 156
_UPPER, _LOWER = _MASK ^ ((1 << 31) - 1), (1 << 31) - 1


class _MT19937_64:
    """The 64-bit Mersenne Twister of the C++ standard library."""

    def __init__(self, seed: int) -> None:
        state = [seed & _MASK]
        for i in range(1, _N):
            prev = state[-1]
            state.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & _MASK)
        self._state, self._index = state, _N

    def _twist(self) -> None:
        mt = self._state
        for i in range(_N):
            x = (mt[i] & _UPPER) | (mt[(i + 1) % _N] & _LOWER)
            mt[i] = mt[(i + _M) % _N] ^ (x >> 1) ^ (0xB5026F5AA96619E9 if x & 1 else 0)
        self._index = 0

    def __call__(self) -> int:
        if self._index >= _N:
            self._twist()
        y = self._state[self._index]
        self._index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        return y ^ (y >> 43)


def random_nodes(n: int, count: int, seed: int) -> list[int]:
    """``count`` draws of ``randomNode`` on a graph of ``n`` nodes, after ``setSeed(seed)``.

    >>> random_nodes(100_000, 3, 0) == random_nodes(100_000, 3, 0)
    True
    """
    urng = _MT19937_64(seed)
    threshold = (1 << 64) % n  # low products under it would bias the draw
    drawn = []
    for _ in range(count):
        product = urng() * n
        while product & _MASK < threshold:
            product = urng() * n
        drawn.append(product >> 64)
    return drawn
