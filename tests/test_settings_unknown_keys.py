"""A misspelt key in kiosk.toml is ignored and its default used: the kiosk says so
when it starts, not only when someone runs ``kiosk config check``."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.settings import get_settings


def test_starting_with_a_misspelt_key_warns_and_names_the_right_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("reconection_fee_cents = 100\nlate_fee_cents = 700\n")
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    get_settings.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="kiosk.settings"):
            settings = get_settings()
    finally:
        get_settings.cache_clear()
    assert settings.late_fee_cents == 700  # the known key is used
    [warning] = [r.getMessage() for r in caplog.records if r.name == "kiosk.settings"]
    assert "unknown setting 'reconection_fee_cents'" in warning
    assert "did you mean 'reconnection_fee_cents'" in warning and str(config) in warning
