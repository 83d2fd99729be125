"""Vosk model installer against a real HTTP server on loopback."""

import argparse
import functools
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from kiosk.speech.model_install import ModelInstallError, add_speech_subcommands, install_model


def _model_zip(path: Path) -> str:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("vosk-model-test/am/final.mdl", b"model")
        bundle.writestr("vosk-model-test/conf/model.conf", b"--sample-frequency=16000\n")
        bundle.writestr("vosk-model-test/graph/HCLr.fst", b"graph")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_install_from_url_with_checksum_and_progress(server, tmp_path) -> None:
    served, base = server
    digest = _model_zip(served / "vosk-model-test.zip")
    seen: list[tuple[int, int | None]] = []
    target = install_model(
        f"{base}/vosk-model-test.zip", tmp_path / "models", digest, lambda d, t: seen.append((d, t))
    )
    assert target == tmp_path / "models" / "vosk-model-test"
    assert (target / "am" / "final.mdl").read_bytes() == b"model"
    assert seen and seen[-1][0] == seen[-1][1]
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["vosk-model-test"]


def test_bad_checksum_leaves_nothing(server, tmp_path) -> None:
    served, base = server
    _model_zip(served / "vosk-model-test.zip")
    with pytest.raises(ModelInstallError, match="checksum"):
        install_model(f"{base}/vosk-model-test.zip", tmp_path / "models", "0" * 64)
    assert list((tmp_path / "models").iterdir()) == []


def test_missing_url_and_unknown_name(server, tmp_path) -> None:
    _, base = server
    with pytest.raises(ModelInstallError, match="cannot download"):
        install_model(f"{base}/nope.zip", tmp_path / "models")
    with pytest.raises(ModelInstallError, match="not a known model"):
        install_model("vosk-model-klingon", tmp_path / "models")


def test_local_archive_and_not_a_model(tmp_path) -> None:
    archive = tmp_path / "vosk-model-test.zip"
    _model_zip(archive)
    assert (install_model(str(archive), tmp_path / "m") / "conf" / "model.conf").exists()
    with pytest.raises(ModelInstallError, match="already installed"):
        install_model(str(archive), tmp_path / "m")
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as bundle:
        bundle.writestr("readme.txt", "no model")
    with pytest.raises(ModelInstallError, match="no Vosk model"):
        install_model(str(junk), tmp_path / "m")


def test_cli_subcommand(tmp_path, capsys) -> None:
    archive = tmp_path / "vosk-model-test.zip"
    _model_zip(archive)
    parser = argparse.ArgumentParser()
    add_speech_subcommands(parser.add_subparsers())
    args = parser.parse_args(["install-model", str(archive), "--models-dir", str(tmp_path / "d")])
    assert args.handler(args) == 0
    assert capsys.readouterr().out.strip().endswith("vosk-model-test")


def test_a_model_installed_in_the_data_dir_is_found_without_configuration(
    server, tmp_path, monkeypatch, capsys
) -> None:
    """'kiosk speech install-model' installs under KIOSK_DATA_DIR/models (checksum
    verified) and the kiosk's Vosk engine looks there when no model dir is set."""
    from kiosk.channels.voice_devices import build_recognizer
    from kiosk.speech.asr import ModelNotFoundError
    from kiosk.speech.model_install import installed_model

    served, url = server
    digest = _model_zip(served / "vosk-model-test.zip")
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "data"))
    assert installed_model() is None
    parser = argparse.ArgumentParser()
    add_speech_subcommands(parser.add_subparsers())
    args = parser.parse_args(["install-model", f"{url}/vosk-model-test.zip", "--sha256", digest])
    assert args.handler(args) == 0
    target = tmp_path / "data" / "models" / "vosk-model-test"
    assert installed_model() == target and capsys.readouterr().out.strip() == str(target)
    with pytest.raises(ModelNotFoundError, match="vosk-model-test"):  # found; a fake model
        build_recognizer("vosk", None)
