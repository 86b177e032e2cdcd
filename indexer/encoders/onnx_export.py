"""Export the converted model to ONNX: float32 (the PyTorch graph with mean pooling and
normalisation inside, same vectors) and int8 (dynamic quantisation of its weights).

The weights go to a separate file beside each graph (ONNX external data), which onnxruntime
maps into memory instead of reading a copy: the service starts faster and holds only the
weights it touches (most rows of the 250,000-token embedding table never are).
"""

from __future__ import annotations

from pathlib import Path

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModel

from indexer.encoders.onnx import FILES, ONNX_DIR, export_is_current, weights_file, write_export_stamp


class PooledModel(torch.nn.Module):
    """The transformer with mean pooling over real tokens and L2 normalisation, as one graph."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)


def export(model_dir: Path, log=print) -> Path:
    """Export the converted model to ONNX (float32 and int8); nothing to do when the export is current.

    Args:
        model_dir: a folder written by ``python -m indexer.convert``.
        log: progress output.

    Returns:
        The ``onnx/`` folder.
    """
    model_dir = Path(model_dir)
    folder = model_dir / ONNX_DIR
    if export_is_current(model_dir):
        log(f"onnx: {folder} is current")
        return folder
    folder.mkdir(exist_ok=True)
    model = AutoModel.from_pretrained(str(model_dir), add_pooling_layer=False, local_files_only=True).eval()
    # a padded pair, so the traced graph keeps the attention mask (an all-ones mask may be optimised away)
    ids = torch.tensor([[0, 100, 200, 2], [0, 100, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    fp32 = folder / FILES["fp32"]
    log(f"onnx: exporting {fp32} ...")
    torch.onnx.export(
        PooledModel(model), (ids, mask), str(fp32), input_names=["input_ids", "attention_mask"],
        output_names=["embedding"], opset_version=17, dynamo=False,
        dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                      "embedding": {0: "batch"}},
    )
    log(f"onnx: quantising to {folder / FILES['int8']} ...")
    quantize_dynamic(str(fp32), str(folder / FILES["int8"]), weight_type=QuantType.QInt8)
    for name in FILES.values():
        _move_weights_out(folder / name)
    write_export_stamp(model_dir)
    return folder


def _move_weights_out(graph: Path) -> None:
    """Rewrite an ONNX file with its tensors in one external data file beside it."""
    model = onnx.load(str(graph))
    weights_file(graph).unlink(missing_ok=True)
    onnx.save_model(model, str(graph), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=weights_file(graph).name, size_threshold=1024)
