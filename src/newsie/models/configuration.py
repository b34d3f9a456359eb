"""`NewsieConfig`: the encoder's own config plus the label schema and the heads' settings."""

from __future__ import annotations

from transformers import AutoConfig, PreTrainedConfig

from newsie.schema import DEFAULT_SCHEMA, LabelSchema

# The NewsieConfig fields that give saved weights their meaning (the encoder, the labels, the
# heads' sizes): a model folder's manifest fingerprints them. The others are decoding and
# training settings, free to change in config.json.
WEIGHT_FIELDS = ("encoder", "schema", "use_casing", "casing_dim", "relation_hidden")


class NewsieConfig(PreTrainedConfig):
    """Configuration of a `NewsieModel`.

    `encoder` holds the encoder's config as a dict, so a saved model folder rebuilds its encoder
    without the original checkpoint; `schema` holds the label schema the heads were built for.
    """

    model_type = "newsie"

    encoder: dict | None = None
    schema: dict | None = None
    use_casing: bool = False  # learned token-shape embedding beside the (often uncased) encoder
    casing_dim: int = 16
    dropout: float = 0.1
    # Dropout on the encoder's attention weights while training; None keeps the encoder
    # checkpoint's. With 0, torch runs attention as one fused kernel (faster on a CPU).
    attention_dropout: float | None = None
    relation_hidden: int = 256
    relation_loss_weight: float = 1.0
    relation_threshold: float = 0.5
    one_tail_per_head: bool = True  # a quote has one speaker, a casualty one place and perpetrator
    trim_boundaries: bool = True  # apply the guidelines' boundary rules to predicted spans
    snap_boundaries: bool = True  # quotes to their marks, casualties to their count phrase
    document_level: bool = True  # actor clusters, speakers across windows, events, doc_counts
    max_length: int = 256
    stride: int = 64
    initializer_range: float = 0.02

    @property
    def label_schema(self) -> LabelSchema:
        return LabelSchema.from_dict(self.schema or DEFAULT_SCHEMA.to_dict())

    def encoder_config(self) -> PreTrainedConfig:
        if not self.encoder or "model_type" not in self.encoder:
            raise ValueError(
                "NewsieConfig.encoder must be an encoder config dict with 'model_type'"
            )
        values = dict(self.encoder)
        return AutoConfig.for_model(values.pop("model_type"), **values)
