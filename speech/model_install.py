"""Install a Vosk model into the models directory: by name, URL or local path.

Production kiosks install a model once (the Vosk site is not reachable from every
network, so a URL of a local mirror or a file copied in works the same). The install is
atomic: download to a temporary file, verify the SHA-256, extract into a temporary
directory beside the target, then rename; a failure leaves nothing half-installed.

Nothing is installed unverified unless asked: a known model brings its pinned SHA-256,
any other archive needs ``--sha256``; ``--insecure-skip-verify`` is the explicit way to
install one without (a model is code-like data the recognizer loads and trusts).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "KNOWN_MODELS",
    "ModelInstallError",
    "add_speech_subcommands",
    "default_models_dir",
    "install_model",
    "installed_model",
    "text_progress",
]

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class KnownModel:
    url: str
    sha256: str | None  # None: no checksum pinned here; the installer asks for --sha256


#: Vosk models by name (https://alphacephei.com/vosk/models). Alpha Cephei publishes an
#: MD5 and the size per archive (model-list.json), no SHA-256. The SHA-256 values pinned
#: here are the ones several independent projects pin for the same official URLs (Arch
#: Linux AUR packages vosk-model-small-en-us and vosk-model-en-us-lgraph among them),
#: for archives of the size Alpha Cephei lists (the machines this was written on cannot
#: reach alphacephei.com to hash them). The Spanish model has no SHA-256 published
#: consistently: it needs ``--sha256``.
KNOWN_MODELS: dict[str, KnownModel] = {
    "vosk-model-small-en-us-0.15": KnownModel(
        "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
        "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",  # 41205931 bytes
    ),
    "vosk-model-en-us-0.22-lgraph": KnownModel(
        "https://alphacephei.com/vosk/models/vosk-model-en-us-0.22-lgraph.zip",
        "d9838b4aaa82a75c4a17f5aca300eaca129aaab2a7cbf951bafbb500eb9c4334",  # 130557655 bytes
    ),
    "vosk-model-small-es-0.42": KnownModel(
        "https://alphacephei.com/vosk/models/vosk-model-small-es-0.42.zip", None
    ),
}

SKIP_FLAG = "--insecure-skip-verify"


class ModelInstallError(RuntimeError):
    """The model could not be fetched, verified or unpacked."""


def text_progress(stream: Any = None) -> Progress:
    """A plain-text progress bar: one line per 10 % on stderr (readable by screen readers)."""
    out = stream or sys.stderr
    state = {"last": -1}

    def report(done: int, total: int | None) -> None:
        if total:
            percent = min(100, done * 100 // total)
            if percent // 10 > state["last"]:
                state["last"] = percent // 10
                print(f"downloaded {percent:3d}% ({done // 1024} of {total // 1024} KiB)", file=out)
        elif done // (1 << 20) > state["last"]:
            state["last"] = done // (1 << 20)
            print(f"downloaded {done // 1024} KiB", file=out)

    return report


def _fetch(url: str, target: Path, progress: Progress | None) -> None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response, target.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise ModelInstallError(f"cannot download {url}: {error}") from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _extract(archive: Path, into: Path) -> None:
    """Unpack a zip or tar archive, refusing members that escape ``into``."""
    root = into.resolve()
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as bundle:
                for name in bundle.namelist():
                    if not (root / name).resolve().is_relative_to(root):
                        raise ModelInstallError(f"unsafe path in archive: {name}")
                bundle.extractall(into)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as bundle:
                bundle.extractall(into, filter="data")
        else:
            raise ModelInstallError(f"{archive.name} is neither a zip nor a tar archive")
    except (zipfile.BadZipFile, tarfile.TarError) as error:
        raise ModelInstallError(f"broken archive: {error}") from error


def _model_root(folder: Path) -> Path:
    """The directory holding the model (archives usually wrap it in one folder)."""
    for candidate in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]:
        if (candidate / "am").is_dir() or (candidate / "final.mdl").exists():
            return candidate
    raise ModelInstallError("the archive holds no Vosk model (no am/ or final.mdl)")


def _name_of(source: str) -> str:
    base = source.rstrip("/").rsplit("/", 1)[-1]
    for suffix in (".zip", ".tar.gz", ".tgz", ".tar"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def install_model(
    source: str,
    models_dir: Path,
    sha256: str | None = None,
    progress: Progress | None = None,
    *,
    replace: bool = False,
    verify: bool = True,
) -> Path:
    """Install a Vosk model and return its directory.

    Args:
        source: a known model NAME, an http(s) URL of a zip/tar.gz, or a local PATH (an
            archive or an unpacked model directory).
        models_dir: where models live; the model lands in ``models_dir/<name>``.
        sha256: expected checksum of the archive (a known name brings its own).
        progress: called with (bytes done, total or None) while downloading.
        replace: overwrite an installed model of the same name.
        verify: False installs an archive (or a directory) with no checksum known or
            given; a checksum that is known is checked all the same.

    Returns:
        The installed model directory.
    Raises:
        ModelInstallError: unknown name, download failure, no checksum (without
            ``verify=False``), checksum mismatch, bad archive, or the model is already
            installed (without ``replace``). Nothing is installed then, nor left behind.
    """
    models_dir = Path(models_dir)
    known = KNOWN_MODELS.get(source)
    url = known.url if known else source
    name = _name_of(url)
    target = models_dir / name
    if target.exists() and not replace:
        raise ModelInstallError(f"{name} is already installed in {models_dir}")
    is_url = url.startswith(("http://", "https://"))
    local = Path(source).expanduser()
    if not is_url and not local.exists():
        hint = ", ".join(KNOWN_MODELS)
        raise ModelInstallError(f"{source!r} is not a known model ({hint}), URL or existing path")
    expected = _expected_sha256(source, sha256, known, verify)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=models_dir) as work_dir:
        work = Path(work_dir)
        unpacked = work / "unpacked"
        if not is_url and local.is_dir():
            if expected:
                raise ModelInstallError(
                    f"{source} is a directory, and a SHA-256 is checked on an archive: "
                    "give the model's .zip or .tar.gz"
                )
            shutil.copytree(local, unpacked)
        else:
            archive = work / "download"
            if is_url:
                _fetch(url, archive, progress)
            else:
                shutil.copyfile(local, archive)
            if expected:
                actual = _sha256(archive)
                if actual != expected:
                    raise ModelInstallError(
                        f"checksum mismatch for {name}: expected {expected}, got {actual}; "
                        "nothing was installed. The archive is not the one published: "
                        "fetch it again, from the publisher or a mirror you trust"
                    )
            unpacked.mkdir()
            _extract(archive, unpacked)
        root = _model_root(unpacked)
        if target.exists():
            shutil.rmtree(target)
        root.rename(target)
    return target


def _expected_sha256(
    source: str, given: str | None, known: KnownModel | None, verify: bool
) -> str | None:
    """The SHA-256 the archive must have; None only when verification is waived."""
    pinned = known.sha256 if known else None
    wanted = (given or "").strip().lower() or None
    if wanted is not None and (
        len(wanted) != 64 or any(c not in "0123456789abcdef" for c in wanted)
    ):
        raise ModelInstallError(
            f"--sha256 {given!r} is not a SHA-256: it must be 64 hexadecimal digits "
            "(as sha256sum prints them); nothing was installed"
        )
    if wanted and pinned and wanted != pinned:
        raise ModelInstallError(
            f"--sha256 {wanted} differs from the SHA-256 pinned for {source} ({pinned}); "
            "nothing was installed. Leave out --sha256 to use the pinned one"
        )
    if wanted or pinned or not verify:
        return wanted or pinned
    raise ModelInstallError(
        f"no SHA-256 is known for {source}, so it cannot be verified and nothing was "
        "installed. Give the checksum its publisher lists with --sha256 HEX, or, only "
        f"if you trust where it came from, install it unverified with {SKIP_FLAG}"
    )


def add_speech_subcommands(subparsers: Any) -> None:
    """Register ``install-model`` on an argparse sub-parser collection."""
    parser = subparsers.add_parser(
        "install-model", help="install a Vosk speech model (NAME, URL or PATH)"
    )
    parser.add_argument(
        "source", metavar="NAME|URL|PATH", help="a known model's name, an archive's URL or path"
    )
    parser.add_argument(
        "--sha256", help="expected SHA-256 of the archive (a known model's is pinned)"
    )
    parser.add_argument(
        SKIP_FLAG,
        dest="skip_verify",
        action="store_true",
        help="install an archive or directory whose SHA-256 is not known (unverified)",
    )
    parser.add_argument("--models-dir", type=Path, required=False, help="models directory")
    parser.add_argument("--replace", action="store_true", help="overwrite an installed model")
    parser.set_defaults(handler=_install_command)


def _install_command(args: argparse.Namespace) -> int:
    models_dir = args.models_dir or _default_models_dir()
    try:
        path = install_model(
            args.source,
            models_dir,
            args.sha256,
            text_progress(),
            replace=args.replace,
            verify=not args.skip_verify,
        )
    except ModelInstallError as error:
        from kiosk.exits import fail

        return fail("speech install-model", str(error))
    if args.skip_verify and not (args.sha256 or _pinned(args.source)):
        print(f"warning: {path.name} was installed WITHOUT checksum verification", file=sys.stderr)
    print(path)
    return 0


def _pinned(source: str) -> bool:
    known = KNOWN_MODELS.get(source)
    return known is not None and known.sha256 is not None


def _default_models_dir() -> Path:
    return default_models_dir()


def default_models_dir() -> Path:
    """Where models live: ``models/`` in the kiosk's data directory (KIOSK_DATA_DIR or
    the platform's), so the kiosk finds what ``kiosk speech install-model`` put there."""
    from kiosk.settings import data_dir

    return data_dir() / "models"


def installed_model(models_dir: Path | None = None) -> Path | None:
    """The installed Vosk model the kiosk uses when none is configured: the only one,
    or the first by name; None when there is none."""
    folder = models_dir or default_models_dir()
    if not folder.is_dir():
        return None
    models = sorted(
        path
        for path in folder.iterdir()
        if not path.name.startswith(".")
        and ((path / "am").is_dir() or (path / "final.mdl").exists())
    )
    return models[0] if models else None
