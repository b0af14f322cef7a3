"""Export a sentence-transformers model folder to ONNX (and int8) once, into a cache folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

# Bump when the export or quantization recipe changes, so old files are not reused.
# v2: eager attention traced, then onnxruntime's transformer fusions (with batches bounded by
# tokens, int8 went from 1.23x to 2.35x torch's pace, docs/benchmarks.md).
RECIPE = "v2"
# The files whose content decides the exported graph.
_FINGERPRINTED = ("config.json", "model.safetensors", "pytorch_model.bin")


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/cryptorag/onnx, or ~/.cache/cryptorag/onnx."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cryptorag" / "onnx"


def fingerprint(model_dir: Path) -> str:
    """A short hash of the model's config and weights: a changed model gets a new export."""
    import onnxruntime

    # The fused graph is written by this onnxruntime's fusion code: another version re-exports.
    digest = hashlib.sha256(f"{RECIPE} onnxruntime {onnxruntime.__version__}".encode())
    for name in _FINGERPRINTED:
        path = model_dir / name
        if path.is_file():
            with path.open("rb") as f:
                digest.update(name.encode())
                digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()[:16]


def exported(model_dir: Path, cache_dir: Path, quantize: str) -> Path:
    """The ONNX file for this model folder, exported (and quantized) on first use."""
    folder = cache_dir / f"{model_dir.name}-{fingerprint(model_dir)}"
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        _atomic(fp32, lambda tmp: _export(model_dir, tmp))
    if quantize == "none":
        return fp32
    int8 = folder / "model-int8.onnx"
    if not int8.is_file():
        _atomic(int8, lambda tmp: _quantize(fp32, tmp))
    return int8


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside target, then rename: concurrent starts never see half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=".onnx.tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes 0600; the cache may serve other users
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export(model_dir: Path, target: Path) -> None:
    """Trace the transformer (token states out), then fuse its attention and norms for CPU."""
    _trace(model_dir, target)
    _fuse(model_dir, target)
    (target.parent / "export.json").write_text(
        json.dumps({"source": str(model_dir), "recipe": RECIPE}), "utf-8"
    )


def _trace(model_dir: Path, target: Path) -> None:
    """Torch's ONNX exporter on the model with eager attention; dynamic batch and length.

    Eager, not SDPA: onnxruntime's fusions recognise the graph of the explicit softmax(QK^T)V.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    names = list(tokenizer.model_input_names)
    sample = tokenizer(["a", "a longer sample sentence"], padding=True, return_tensors="pt")

    class TokenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        # The TorchScript exporter is deprecated in favour of dynamo, which needs onnxscript;
        # its tracer warnings concern shapes that are dynamic axes here.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenStates(),
            tuple(sample[n] for n in names),
            str(target),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _fuse(model_dir: Path, target: Path) -> None:
    """Fuse attention, GELU and skip+LayerNorm into onnxruntime's CPU kernels, in place.

    The fused graph is kept only if it gives the traced graph's token states on a sample
    (within 1e-3): onnxruntime's BERT patterns could match part of another architecture.
    """
    from onnxruntime.transformers import optimizer

    config = json.loads((model_dir / "config.json").read_text("utf-8"))
    heads, hidden = config.get("num_attention_heads"), config.get("hidden_size")
    if not heads or not hidden:
        return
    fused_path = target.with_name(target.name + ".fused")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fused = optimizer.optimize_model(
                str(target), model_type="bert", num_heads=int(heads), hidden_size=int(hidden)
            )
        fused.save_model_to_file(str(fused_path))
        if _same_states(model_dir, target, fused_path):
            os.replace(fused_path, target)
        else:
            log.warning("%s: fused ONNX graph differs from the traced one; kept unfused", target)
    finally:
        fused_path.unlink(missing_ok=True)


def _same_states(model_dir: Path, a: Path, b: Path) -> bool:
    """Whether two graphs give the same token states for a padded sample batch."""
    import numpy as np
    import onnxruntime as ort
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    sample = tokenizer(
        ["Wrapped Ether on Ethereum", "a longer sentence about a vault and its 0xBA12 proxy"],
        padding=True,
        return_tensors="np",
    )
    states = []
    for path in (a, b):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        feed = {i.name: sample[i.name].astype(np.int64) for i in session.get_inputs()}
        states.append(session.run(None, feed)[0])
    mask = sample["attention_mask"][..., None].astype(bool)
    return bool(np.abs(np.where(mask, states[0] - states[1], 0)).max() < 1e-3)


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the MatMul and fused attention weights, per channel.

    Measured on all-MiniLM-L6-v2: per-channel int8 of these kept cosine >= 0.99 to the fp32
    vectors; quantizing every op (embeddings included) dropped some to 0.75.
    """
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source,
        target,
        op_types_to_quantize=["MatMul", "Attention"],
        per_channel=True,
        weight_type=QuantType.QInt8,
        # Shape inference cannot type the outputs of the fused (com.microsoft) operators.
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )
