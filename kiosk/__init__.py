"""Kiosk: one import root for the whole project.

The folders ``speech/``, ``tty/`` and ``accessibility/`` at the top of the repository are
installed as ``kiosk.speech``, ``kiosk.tty`` and ``kiosk.accessibility`` (see
``[tool.setuptools]`` in ``pyproject.toml``). ``tty/`` has no ``__init__.py``: from the
repository root a namespace folder never hides the standard library's ``tty`` module,
which Textual's Linux driver imports; a regular package there would.

A wheel carries that folder as ``kiosk/tty/`` and needs nothing more. An editable install
(``make setup``) does: setuptools' editable finder finds a renamed folder only by its
``__init__.py`` (pypa/setuptools#4943), so a source checkout adds one finder for it here.
"""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


class _NamespaceFolderFinder:
    """Finds ``kiosk.tty`` in the checkout's ``tty/`` folder (a namespace package)."""

    folders = {"kiosk.tty": _SOURCE_ROOT / "tty"}

    @classmethod
    def find_spec(
        cls, fullname: str, path: object = None, target: object = None
    ) -> ModuleSpec | None:
        folder = cls.folders.get(fullname)
        if folder is None or not folder.is_dir():
            return None
        spec = ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        return spec


if not (Path(__file__).parent / "tty").is_dir() and _NamespaceFolderFinder not in sys.meta_path:
    sys.meta_path.append(_NamespaceFolderFinder)
