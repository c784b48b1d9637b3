"""Every docstring example runs, and every module's ``__all__`` is sorted and real."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import scgraph

MODULES = sorted(m.name for m in pkgutil.walk_packages(scgraph.__path__, "scgraph."))


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper() or (name.upper() == name and "_" in name):
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_defined(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.fail(f"{name} has no __all__")
    assert list(exported) == sorted(exported, key=_isort_key)
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"
