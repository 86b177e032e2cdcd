"""``python -m indexer.adapt`` (``make install``): apply the committed adapter to the converted model.

The adapter (``models/e5-small-adapter.safetensors``, trained by ``python -m training.adapt``, ``make adapt``)
holds the differences of e5's top layers that move Lithuanian, Japanese and Chinese text next to the English
text that says the same thing. Applying it writes the converted model plus those differences, after checking
the checksum, as a complete sentence-transformers folder (``build/models/multilingual-e5-small-adapted``) that
must pass the converter's cross-lingual self-check. Idempotent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from indexer.convert import STAMP_FILE, self_check, sha256_of
from indexer.settings import PROJECT_ROOT, model_dir

ADAPTER_FILE = PROJECT_ROOT / "models" / "e5-small-adapter.safetensors"


class AdapterError(RuntimeError):
    """The adapter does not match its record or the converted model it was trained on."""


def record_file(adapter: Path) -> Path:
    """The JSON record beside an adapter (sha256, recipe, data, time)."""
    return adapter.with_suffix(".json")


def adapted_stamp(base_dir: Path, adapter: Path) -> dict:
    """What an adapted folder records: the converted model's stamp and the adapter's checksum.

    Raises:
        AdapterError: the adapter's SHA-256 is not its record's, or it was trained on another model.
    """
    record = json.loads(record_file(adapter).read_text(encoding="utf-8"))
    digest = sha256_of(adapter)
    if digest != record["sha256"]:
        raise AdapterError(f"{adapter}: sha256 {digest} is not the recorded {record['sha256']} "
                           f"({record_file(adapter).name}); the file is damaged or was replaced without its record")
    base = json.loads((base_dir / STAMP_FILE).read_text(encoding="utf-8"))
    if base["source_sha256"] != record["base_source_sha256"]:
        raise AdapterError(f"{adapter} was trained on the model with source sha256 {record['base_source_sha256']}, "
                           f"not {base['source_sha256']} ({base_dir}): run `make adapt` again")
    return {"base": {k: base[k] for k in ("source", "source_sha256", "converter")},
            "adapter": adapter.name, "adapter_sha256": digest}


def apply(base_dir: Path, out: Path, adapter: Path = ADAPTER_FILE, force: bool = False, log=print) -> Path:
    """Write the adapted model: the converted folder with the adapter's differences added.

    Args:
        base_dir: the converted model folder.
        out: the adapted folder to write (replaced atomically; left alone when current).
        adapter: the adapter file, its record beside it.
        force: write even when the folder is current.
        log: progress output.

    Returns:
        The adapted folder.

    Raises:
        AdapterError: a checksum or base mismatch, or a difference for a tensor the model lacks.
        RuntimeError: the adapted model fails the cross-lingual self-check.
    """
    import torch
    from safetensors.torch import load_file, save_file

    stamp = adapted_stamp(base_dir, adapter)
    current = out / STAMP_FILE
    if not force and current.is_file() and (out / "model.safetensors").is_file():
        recorded = json.loads(current.read_text(encoding="utf-8"))
        if {k: recorded.get(k) for k in stamp} == stamp:
            log(f"adapt: {out} is current (adapter sha256 {stamp['adapter_sha256'][:12]}), nothing to do")
            return out
    started = time.perf_counter()
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(base_dir, staging, ignore=shutil.ignore_patterns("onnx", "model.safetensors", STAMP_FILE))
    weights = load_file(str(base_dir / "model.safetensors"))
    delta = load_file(str(adapter))
    for name, difference in delta.items():
        if name not in weights or weights[name].shape != difference.shape:
            raise AdapterError(f"{adapter}: tensor {name} {tuple(difference.shape)} is not in {base_dir}")
        weights[name] = weights[name] + difference.to(torch.float32)
    save_file(weights, str(staging / "model.safetensors"), metadata={"format": "pt"})
    (staging / "README.md").write_text(
        (base_dir / "README.md").read_text(encoding="utf-8")
        + f"\nAdapted by `python -m indexer.adapt` with `models/{adapter.name}` "
          f"(sha256 {stamp['adapter_sha256']}): see the project README, \"The model\".\n", encoding="utf-8")
    check = self_check(staging)
    (staging / STAMP_FILE).write_text(json.dumps({**stamp, "self_check": check}, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    log(f"adapt: {len(delta)} tensors adapted -> {out} in {time.perf_counter() - started:.1f} s "
        f"(self-check: translations matched {check['retrieval_accuracy']:.0%})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer.adapt", description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", type=Path, default=ADAPTER_FILE, help="adapter file")
    parser.add_argument("--force", action="store_true", help="write even if the folder is current")
    parser.add_argument("--base", type=Path, default=model_dir("base"), help="converted model folder")
    parser.add_argument("--out", type=Path, default=model_dir("adapted"), help="adapted model folder")
    args = parser.parse_args(argv)
    if not (args.base / STAMP_FILE).is_file():
        print(f"adapt: no converted model at {args.base}: run `python -m indexer.convert` first", file=sys.stderr)
        return 2
    if not record_file(args.adapter).is_file():
        print(f"adapt FAILED: no adapter record {record_file(args.adapter)} (`make adapt` writes it)", file=sys.stderr)
        return 1
    try:
        apply(args.base, args.out, args.adapter, args.force)
    except (AdapterError, RuntimeError) as error:
        print(f"adapt FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
