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

import os.path
import sys
from importlib.machinery import ModuleSpec

# os.path, not pathlib: this runs first in every start of every channel.
_PACKAGE = os.path.dirname(os.path.realpath(__file__))


class _NamespaceFolderFinder:
    """Finds ``kiosk.tty`` in the checkout's ``tty/`` folder (a namespace package)."""

    folders = {"kiosk.tty": os.path.join(os.path.dirname(_PACKAGE), "tty")}

    @classmethod
    def find_spec(
        cls, fullname: str, path: object = None, target: object = None
    ) -> ModuleSpec | None:
        folder = cls.folders.get(fullname)
        if folder is None or not os.path.isdir(folder):
            return None
        spec = ModuleSpec(fullname, None, is_package=True)
        spec.submodule_search_locations = [folder]
        return spec


_IN_A_WHEEL = os.path.isdir(os.path.join(_PACKAGE, "tty"))
if not _IN_A_WHEEL and _NamespaceFolderFinder not in sys.meta_path:
    sys.meta_path.append(_NamespaceFolderFinder)
