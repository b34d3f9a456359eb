"""Post-training quantization for CPU inference, opt-in: `Extractor(..., quantize="int8")`.

`int8` is dynamic quantization: every `nn.Linear` stores its weights as int8 (one scale per output
channel) and quantizes its input at run time (one scale per call). Embeddings, layer norms and
attention's matrix products stay float32. No calibration data is needed.

Backend: `torch.ao.quantization.quantize_dynamic` (fbgemm/x86 kernels), in torch 2.13 still
there though marked deprecated in favour of torchao's
`quantize_(model, Int8DynamicActivationInt8WeightConfig())`. That replacement ran
all-MiniLM-L6-v2 about 16 times *slower* than float32 on CPU in eager mode (torchao 0.18, torch
2.13: it targets torch.compile and GPUs), so newsie keeps torch.ao while torch ships it and says
so clearly if a release drops it. Per-channel weight scales kept MiniLM's hidden states closer to
float32 than per-tensor ones (mean cosine 0.975 against 0.933 on a news sentence) at the same
speed. The gain depends on the CPU: the whole pipeline ran 1.4 times faster on 2 AMD EPYC cores
but only 1.1 times on 16 Xeon cores, so measure yours: `scripts/benchmark.py --device cpu --int8`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch
from torch import nn

Quantizer = Callable[[nn.Module], nn.Module]

QUANTIZERS: dict[str, Quantizer] = {}


def register_quantizer(name: str) -> Callable[[Quantizer], Quantizer]:
    def decorate(quantizer: Quantizer) -> Quantizer:
        QUANTIZERS[name] = quantizer
        return quantizer

    return decorate


def quantize_model(model: nn.Module, method: str) -> nn.Module:
    """A quantized copy of `model` by a registered method (`"int8"`); `model` is left unchanged."""
    if method not in QUANTIZERS:
        raise ValueError(f"unknown quantization {method!r}; known: {sorted(QUANTIZERS)}")
    return QUANTIZERS[method](model)


@register_quantizer("int8")
def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A copy of a float32 CPU `model` whose `nn.Linear` layers compute in int8."""
    _check_float32_cpu(model)
    quantization = getattr(torch.ao, "quantization", None)
    if quantization is None or not hasattr(quantization, "quantize_dynamic"):
        raise RuntimeError(
            f"torch {torch.__version__} has no torch.ao.quantization.quantize_dynamic, which "
            "newsie's int8 mode uses; install a torch that has it, or run without quantize"
        )
    engines = torch.backends.quantized.supported_engines
    if not {"x86", "fbgemm", "qnnpack"} & set(engines):
        raise RuntimeError(f"this torch build has no int8 CPU kernels (engines: {engines})")
    with warnings.catch_warnings():
        # The deprecation notices address torch.ao's callers (newsie: see the module docstring),
        # not the user, who can do nothing about them.
        warnings.filterwarnings("ignore", message=r"torch\.ao\.quantization is deprecated")
        warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor")
        return quantization.quantize_dynamic(
            model,
            {nn.Linear: quantization.per_channel_dynamic_qconfig},
            dtype=torch.qint8,
            inplace=False,
        )


def _check_float32_cpu(model: nn.Module) -> None:
    for name, tensor in model.named_parameters():
        if tensor.device.type != "cpu":
            raise ValueError(
                f"int8 quantization runs on CPU only, but {name} is on {tensor.device}: use "
                "device='cpu' (on a GPU, dtype='bfloat16' is the fast option)"
            )
        if tensor.dtype != torch.float32:
            raise ValueError(
                f"int8 quantization starts from float32 weights, but {name} is {tensor.dtype}: "
                "leave dtype unset or use dtype='float32'"
            )
