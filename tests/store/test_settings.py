"""Settings: defaults < TOML file (KIOSK_CONFIG) < KIOSK_* environment variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.settings import Settings, data_dir


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KIOSK_* variable of the machine running the tests leaks in."""
    import os

    for name in list(os.environ):
        if name.startswith("KIOSK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "absent.toml"))


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment() -> None:
    settings = Settings()
    assert settings.kiosk_id == "KIOSK-001"
    assert settings.pin_max_attempts == 3
    assert settings.reconnection_fee_cents == 3_500


def test_toml_file_named_by_kiosk_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = write_toml(
        tmp_path / "kiosk.toml",
        'kiosk_id = "STORE-7-KIOSK-2"\nlockout_minutes = 30\nreconnection_fee_cents = 3000\n',
    )
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    settings = Settings()
    assert settings.kiosk_id == "STORE-7-KIOSK-2"
    assert settings.lockout_minutes == 30
    assert settings.reconnection_fee_cents == 3000
    assert settings.store_id == "STORE-0001"  # not in the file: default


def test_environment_wins_over_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = write_toml(tmp_path / "kiosk.toml", 'kiosk_id = "FROM-FILE"\nlockout_minutes = 30\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    monkeypatch.setenv("KIOSK_KIOSK_ID", "FROM-ENV")
    monkeypatch.setenv("KIOSK_OVERPAYMENT_LIMIT_CENTS", "1234")
    settings = Settings()
    assert settings.kiosk_id == "FROM-ENV"
    assert settings.lockout_minutes == 30  # only in the file
    assert settings.overpayment_limit_cents == 1234  # only in the environment


def test_bad_value_in_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("KIOSK_PIN_MAX_ATTEMPTS", "three")
    with pytest.raises(ValidationError):
        Settings()


def test_database_url_defaults_to_sqlite_in_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    assert data_dir() == tmp_path / "data"
    url = Settings().effective_database_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'kiosk.sqlite3'}"


def test_data_dir_default_is_platformdirs_user_data_dir() -> None:
    from platformdirs import user_data_dir

    assert data_dir() == Path(user_data_dir("accessible-kiosk"))


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+psycopg://kiosk@127.0.0.1:5432/kiosk"
    monkeypatch.setenv("KIOSK_DATABASE_URL", url)
    assert Settings().effective_database_url() == url
