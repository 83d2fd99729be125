"""Package layout: one import root, ``kiosk``.

The top-level folders ``speech/``, ``tty/`` and ``accessibility/`` are mapped to
``kiosk.speech``, ``kiosk.tty`` and ``kiosk.accessibility`` so that the folder
named ``tty`` never shadows the standard library's ``tty`` module, which
Textual's Linux driver imports. Everything else lives in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

IMPORT_ROOTS = {
    "kiosk": "kiosk",
    "kiosk.speech": "speech",
    "kiosk.tty": "tty",
    "kiosk.accessibility": "accessibility",
}

packages: list[str] = []
for name, folder in IMPORT_ROOTS.items():
    packages.append(name)
    packages += [f"{name}.{sub}" for sub in find_packages(folder)]

setup(packages=packages, package_dir=dict(IMPORT_ROOTS), include_package_data=True)
