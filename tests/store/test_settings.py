"""Settings: defaults < TOML file (KIOSK_CONFIG) < KIOSK_* environment variables."""

from __future__ import annotations

import json
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


def test_a_list_setting_is_read_from_json_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    program = {
        "key": "city",
        "name": "City phone help",
        "benefit": "Half off one month.",
        "who_qualifies": "City residents with low income.",
        "how_to_apply": "Call 3-1-1.",
        "decides": "The city decides.",
    }
    monkeypatch.setenv("KIOSK_ASSISTANCE_PROGRAMS", json.dumps([program]))
    programs = Settings().assistance_programs
    assert [p.model_dump() for p in programs] == [program]


def test_a_list_setting_that_is_not_json_is_refused_with_how_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIOSK_ASSISTANCE_PROGRAMS", "city help")
    with pytest.raises(ValueError, match="KIOSK_ASSISTANCE_PROGRAMS must be JSON"):
        Settings()


def test_arguments_win_over_environment_and_variable_case_does_not_matter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("kiosk_store_id", "STORE-FROM-ENV")
    monkeypatch.setenv("KIOSK_KIOSK_ID", "FROM-ENV")
    settings = Settings(kiosk_id="FROM-ARGUMENT")
    assert (settings.kiosk_id, settings.store_id) == ("FROM-ARGUMENT", "STORE-FROM-ENV")


def test_voice_settings_read_their_own_prefix_and_not_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from kiosk.channels.voice_devices import VoiceSettings

    config = write_toml(tmp_path / "kiosk.toml", 'verbosity = "full"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(config))
    assert VoiceSettings().verbosity == "brief"
    monkeypatch.setenv("KIOSK_VOICE_PATIENCE_SECONDS", "1.5")
    monkeypatch.setenv("KIOSK_VOICE_RATE_LEVEL", "3")
    voice = VoiceSettings()
    assert (voice.patience_seconds, voice.rate_level) == (1.5, 3)
