"""`make test` sends the longest test files to its workers first (tests/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

REPO = Path(__file__).resolve().parents[1]


def _root_conftest(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    for plugin in request.config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "")) == REPO / "tests" / "conftest.py":
            return plugin
    raise AssertionError("tests/conftest.py is not loaded")


def test_the_longest_files_are_files_of_the_suite(request: pytest.FixtureRequest) -> None:
    conftest = _root_conftest(request)
    missing = [path for path in conftest.LONGEST_FIRST if not (REPO / path).is_file()]
    assert missing == []  # a renamed file would silently go back to the end


def test_the_longest_files_come_first_each_in_its_own_order(
    request: pytest.FixtureRequest,
) -> None:
    conftest = _root_conftest(request)
    first, second = conftest.LONGEST_FIRST[:2]
    names = ["tests/a_test.py::x", f"{second}::a", f"{first}::b", f"{second}::c", f"{first}::a"]
    items = [SimpleNamespace(nodeid=name) for name in names]
    conftest.pytest_collection_modifyitems(items)
    assert [item.nodeid for item in items] == [
        f"{first}::b",
        f"{first}::a",
        f"{second}::a",
        f"{second}::c",
        "tests/a_test.py::x",
    ]


def test_make_test_keeps_the_collection_order() -> None:
    """xdist's default sends the files with the most tests first, undoing the order."""
    makefile = (REPO / "Makefile").read_text()
    runs = re.findall(r"^\t\$\(BIN\)/pytest .*$", makefile, re.MULTILINE)
    assert runs and all("--dist loadfile --no-loadscope-reorder" in run for run in runs)
