"""Post-training quantization for CPU inference, opt-in: `Extractor(..., quantize="int8")`.

`int8` is dynamic quantization: every `nn.Linear` becomes an `Int8Linear`, whose weights are int8
(one scale per output channel) and whose input is quantized to 8 bits at run time. Embeddings,
layer norms and attention's matrix products stay float32. No calibration data is needed.

The first position of every sequence gets an input scale of its own. In BERT-like encoders that
token ([CLS], an attention sink) carries activations 3 to 6 times larger than any other token's;
quantized together with the rest, it coarsened every token's step and cost the default model
points of dev F1 (measured in `docs/performance.md`). Inputs keep
torch's 7-bit range on x86 (`reduce_range=True`): with all 8 bits the AVX2 kernels' 16-bit
intermediate sums overflowed and flipped tags outright.

Backend: the `torch.ops.quantized` kernels (fbgemm on x86) behind torch.ao's dynamic quantization,
in torch 2.13 still there though marked deprecated in favour of torchao's
`quantize_(model, Int8DynamicActivationInt8WeightConfig())`. That replacement (it targets
torch.compile and GPUs) and ONNX Runtime's int8 were both slower or no faster on CPU in eager mode
(`docs/performance.md`), so newsie keeps these kernels while torch ships them and says so clearly
if a release drops them. The gain depends on the CPU: measure yours with
`scripts/benchmark.py --device cpu --int8`.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import torch
from torch import nn

from newsie.registry import Registry

Quantizer = Callable[[nn.Module], nn.Module]

QUANTIZERS: Registry[Quantizer] = Registry("quantization")
register_quantizer = QUANTIZERS.register


def quantize_model(model: nn.Module, method: str) -> nn.Module:
    """A quantized copy of `model` by a registered method (`"int8"`); `model` is left unchanged."""
    return QUANTIZERS[method](model)


class Int8Linear(nn.Module):
    """An inference-only `nn.Linear` computed in int8, its input quantized per call; in inputs of
    shape (batch, sequence, features) the first position is quantized on its own scale."""

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.in_features, self.out_features = linear.in_features, linear.out_features
        weight = linear.weight.detach().float()
        scales = (weight.abs().amax(dim=1) / 127).clamp(min=1e-12).double()
        bias = None if linear.bias is None else linear.bias.detach().float()
        with warnings.catch_warnings():
            # torch marks its quantized tensor types deprecated; see the module docstring.
            warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor")
            qweight = torch.quantize_per_channel(
                weight, scales, torch.zeros(len(scales), dtype=torch.long), 0, torch.qint8
            )
        self._packed = torch.ops.quantized.linear_prepack(qweight, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 3 or x.shape[1] < 2:
            return self._matmul(x)
        first = x[:, 0].clone()
        # Zero lies inside every input's range, so a zeroed first position leaves the scale to
        # the other tokens; the input is restored before anyone else reads it.
        x[:, 0] = 0
        try:
            out = self._matmul(x)
        finally:
            x[:, 0] = first
        out[:, 0] = self._matmul(first)
        return out

    def _matmul(self, x: torch.Tensor) -> torch.Tensor:
        return torch.ops.quantized.linear_dynamic(x, self._packed, reduce_range=True)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


@register_quantizer("int8")
def quantize_dynamic_int8(model: nn.Module) -> nn.Module:
    """A copy of a float32 CPU `model` whose `nn.Linear` layers compute in int8."""
    _check_float32_cpu(model)
    if not hasattr(torch.ops.quantized, "linear_dynamic"):
        raise RuntimeError(
            f"torch {torch.__version__} has no quantized.linear_dynamic kernel, which newsie's "
            "int8 mode uses; install a torch that has it, or run without quantize"
        )
    engines = torch.backends.quantized.supported_engines
    if not {"x86", "fbgemm", "qnnpack"} & set(engines):
        raise RuntimeError(f"this torch build has no int8 CPU kernels (engines: {engines})")
    if isinstance(model, nn.Linear):
        return Int8Linear(model)
    quantized = copy.deepcopy(model)
    for parent in list(quantized.modules()):
        for name, child in parent.named_children():
            if isinstance(child, nn.Linear):
                setattr(parent, name, Int8Linear(child))
    return quantized


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
