"""Vosk model installer against a real HTTP server on loopback."""

import argparse
import dataclasses
import functools
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from kiosk.speech import model_install
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
        install_model(f"{base}/nope.zip", tmp_path / "models", "a" * 64)
    with pytest.raises(ModelInstallError, match="not a known model"):
        install_model("vosk-model-klingon", tmp_path / "models")


def test_local_archive_and_not_a_model(tmp_path) -> None:
    archive = tmp_path / "vosk-model-test.zip"
    digest = _model_zip(archive)
    assert (install_model(str(archive), tmp_path / "m", digest) / "conf" / "model.conf").exists()
    with pytest.raises(ModelInstallError, match="already installed"):
        install_model(str(archive), tmp_path / "m", digest)
    junk = tmp_path / "junk.zip"
    with zipfile.ZipFile(junk, "w") as bundle:
        bundle.writestr("readme.txt", "no model")
    with pytest.raises(ModelInstallError, match="no Vosk model"):
        install_model(str(junk), tmp_path / "m", verify=False)


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_speech_subcommands(parser.add_subparsers())
    args = parser.parse_args(["install-model", *argv])
    return args.handler(args)


def test_an_archive_is_verified_or_nothing_is_installed(tmp_path, capsys) -> None:
    """A local archive with its right SHA-256 installs; a wrong one, a malformed one or
    none at all installs nothing and says how to fix it; only the explicit flag installs
    it unverified, and says so."""
    archive = tmp_path / "vosk-model-test.zip"
    digest = _model_zip(archive)
    models = tmp_path / "d"
    for argv, told in [
        (["--sha256", "0" * 64], f"checksum mismatch for vosk-model-test: expected {'0' * 64}"),
        (["--sha256", digest[:40]], "must be 64 hexadecimal digits"),
        ([], "no SHA-256 is known for"),
    ]:
        assert _cli(str(archive), "--models-dir", str(models), *argv) != 0
        error = capsys.readouterr().err
        assert told in error and "nothing was installed" in error
        assert not models.exists() or list(models.iterdir()) == []
    assert "--sha256 HEX" in error and "--insecure-skip-verify" in error
    assert _cli(str(archive), "--models-dir", str(models), "--sha256", digest.upper()) == 0
    assert capsys.readouterr().out.strip() == str(models / "vosk-model-test")
    assert (
        _cli(str(archive), "--models-dir", str(models), "--replace", "--insecure-skip-verify") == 0
    )
    assert "WITHOUT checksum verification" in capsys.readouterr().err


def test_a_known_model_is_checked_against_its_pinned_sha256(server, tmp_path, monkeypatch) -> None:
    """The named models carry a pinned SHA-256: an archive served under that name that
    is not the published one (here a fake, from a loopback mirror) installs nothing."""
    served, base = server
    name = "vosk-model-small-en-us-0.15"
    pinned = model_install.KNOWN_MODELS[name]
    assert pinned.sha256 is not None and len(pinned.sha256) == 64
    digest = _model_zip(served / f"{name}.zip")
    mirrored = dataclasses.replace(pinned, url=f"{base}/{name}.zip")
    monkeypatch.setitem(model_install.KNOWN_MODELS, name, mirrored)
    with pytest.raises(ModelInstallError, match=f"expected {pinned.sha256}, got {digest}"):
        install_model(name, tmp_path / "models")
    with pytest.raises(ModelInstallError, match="differs from the SHA-256 pinned"):
        install_model(name, tmp_path / "models", digest)
    assert list((tmp_path / "models").iterdir()) == []


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
