"""Keep the converted pronouncing dictionary in a per-run temp folder, not the user's cache."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _nltk_data(tmp_path_factory: pytest.TempPathFactory) -> None:
    import os

    os.environ.setdefault("KIOSK_NLTK_DATA", str(tmp_path_factory.mktemp("nltk_data")))
