"""The test run never writes the user's data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from platformdirs import user_data_dir

from kiosk.settings import APP_NAME, data_dir


@pytest.fixture(scope="module")
def module_wide_data_dir() -> Path:
    """What a module-wide fixture (the line's, say) sees: it is set up before any
    per-test fixture."""
    return data_dir()


def test_module_wide_fixtures_keep_their_data_out_of_the_users_directory(
    module_wide_data_dir: Path,
) -> None:
    assert module_wide_data_dir != Path(user_data_dir(APP_NAME))
    assert module_wide_data_dir.name.startswith("kiosk-test-data-")
