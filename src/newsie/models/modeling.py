"""`NewsieModel`: one encoder, one BIO head per span type, a relation head over span pairs.

Inputs of `forward`, beyond the encoder's:
- `shapes` (N, L): token shape ids (see `newsie.windows`), used when `config.use_casing`.
- `labels` (N, L, K): per-type BIO tags, -100 where ignored (special tokens, padding, and every
  token of a type the document does not annotate: partial corpora are never negatives).
- `span_index` (S, 4): (window in batch, first token, last token, type) of the spans to pair.
- `pair_index` (P, 2): (head, tail) rows of `span_index`; `pair_labels` (P, R): 1/0 per relation
  type, -100 where the relation is not allowed for the pair or not annotated.
- `window_weights` (N,): how much each window counts in the loss (default 1 each).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedConfig, PreTrainedModel
from transformers import initialization as init
from transformers.utils import ModelOutput

from newsie.models.configuration import NewsieConfig
from newsie.schema import LabelSchema
from newsie.windows import IGNORE, NUM_SHAPES

# Signed log-scale buckets of the token distance between two spans: nearness decides speakers.
_DISTANCE_EDGES = torch.tensor([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256])
NUM_DISTANCE_BUCKETS = 2 * (len(_DISTANCE_EDGES) + 1)

# What encoder configs call the dropout on attention weights (BERT and its kin; DistilBERT, BART).
ATTENTION_DROPOUT_FIELDS = ("attention_probs_dropout_prob", "attention_dropout")


@dataclass
class NewsieOutput(ModelOutput):
    loss: torch.Tensor | None = None
    tag_logits: torch.Tensor | None = None
    pair_logits: torch.Tensor | None = None
    hidden_states: torch.Tensor | None = None


class NewsieModel(PreTrainedModel):
    config_class = NewsieConfig
    config: NewsieConfig
    base_model_prefix = "newsie"
    _supports_sdpa = True

    def __init__(self, config: NewsieConfig) -> None:
        super().__init__(config)
        schema = config.label_schema
        self.encoder = AutoModel.from_config(config.encoder_config())
        width = self.encoder.config.hidden_size
        if config.use_casing:
            self.shape_embedding = nn.Embedding(NUM_SHAPES, config.casing_dim)
            width += config.casing_dim
        self.dropout = nn.Dropout(config.dropout)
        # K heads of 3 tags each, computed as one matrix product.
        self.tagger = nn.Linear(width, 3 * len(schema.span_types))
        self.span_type_embedding = nn.Embedding(len(schema.span_types), 32)
        self.span_projection = nn.Linear(2 * width + 32, config.relation_hidden)
        self.distance_embedding = nn.Embedding(NUM_DISTANCE_BUCKETS, 32)
        self.relation_scorer = nn.Sequential(
            nn.Linear(3 * config.relation_hidden + 32, config.relation_hidden),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.relation_hidden, len(schema.relation_types)),
        )
        self.register_buffer("allowed_relations", _allowed_relations(schema), persistent=False)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if module is self:  # a derived buffer: rebuilt, never loaded (models start on `meta`)
            init.copy_(self.allowed_relations, _allowed_relations(self.config.label_schema))

    @classmethod
    def from_encoder(
        cls, encoder_name_or_path: str, schema: LabelSchema, **settings
    ) -> NewsieModel:
        """A new model around a pretrained encoder (any `AutoModel` checkpoint, by name or path).

        The encoder is loaded in float32 whatever precision its checkpoint was saved in: the heads
        are float32, and training keeps float32 weights under mixed precision. A setting
        `attention_dropout` replaces the encoder checkpoint's own."""
        encoder_config = AutoConfig.from_pretrained(encoder_name_or_path)
        if settings.get("attention_dropout") is not None:
            set_attention_dropout(encoder_config, settings["attention_dropout"])
        encoder = AutoModel.from_pretrained(
            encoder_name_or_path, config=encoder_config, use_safetensors=True, dtype=torch.float32
        )
        config = NewsieConfig(encoder=encoder.config.to_dict(), schema=schema.to_dict(), **settings)
        model = cls(config)
        model.encoder = encoder
        return model

    @property
    def num_span_types(self) -> int:
        return self.tagger.out_features // 3

    def encode(self, input_ids, attention_mask, shapes=None) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.config.use_casing:
            if shapes is None:
                raise ValueError("this model uses casing features: pass `shapes`")
            hidden = torch.cat([hidden, self.shape_embedding(shapes).to(hidden.dtype)], dim=-1)
        return self.dropout(hidden)

    def tag(self, hidden: torch.Tensor) -> torch.Tensor:
        n, length, _ = hidden.shape
        return self.tagger(hidden).view(n, length, self.num_span_types, 3)

    def score_pairs(self, hidden, span_index, pair_index) -> torch.Tensor:
        """Relation logits (P, R); relations not allowed for a pair's types get a large negative."""
        first = hidden[span_index[:, 0], span_index[:, 1]]
        last = hidden[span_index[:, 0], span_index[:, 2]]
        spans = self.span_projection(
            torch.cat(
                [first, last, self.span_type_embedding(span_index[:, 3]).to(hidden.dtype)], -1
            )
        )
        head, tail = spans[pair_index[:, 0]], spans[pair_index[:, 1]]
        offset = span_index[pair_index[:, 1], 1] - span_index[pair_index[:, 0], 1]
        distance = self.distance_embedding(_distance_bucket(offset)).to(hidden.dtype)
        logits = self.relation_scorer(torch.cat([head, tail, head * tail, distance], -1))
        allowed = self.allowed_relations[
            span_index[pair_index[:, 0], 3], span_index[pair_index[:, 1], 3]
        ]
        return logits.masked_fill(~allowed, -1e4)

    def forward(
        self,
        input_ids,
        attention_mask,
        shapes=None,
        labels=None,
        span_index=None,
        pair_index=None,
        pair_labels=None,
        window_weights=None,
        **_,
    ) -> NewsieOutput:
        hidden = self.encode(input_ids, attention_mask, shapes)
        tag_logits = self.tag(hidden)
        pair_logits = None
        if span_index is not None and pair_index is not None and len(pair_index):
            pair_logits = self.score_pairs(hidden, span_index, pair_index)
        loss = None
        if labels is not None:
            tag_losses = nn.functional.cross_entropy(
                tag_logits.float().reshape(-1, 3),
                labels.reshape(-1).clamp(min=0),
                reduction="none",
            )
            if window_weights is not None:
                tag_losses = (tag_losses.view(len(labels), -1) * window_weights[:, None]).view(-1)
            loss = _masked_mean(tag_losses, labels.reshape(-1) != IGNORE)
            if pair_logits is not None and pair_labels is not None:
                pair_weights = None
                if window_weights is not None:
                    pair_weights = window_weights[span_index[pair_index[:, 0], 0]]
                loss = loss + self.config.relation_loss_weight * _masked_bce(
                    pair_logits, pair_labels, pair_weights
                )
        return NewsieOutput(
            loss=loss, tag_logits=tag_logits, pair_logits=pair_logits, hidden_states=hidden
        )


def set_attention_dropout(encoder_config: PreTrainedConfig, probability: float) -> None:
    """Set the dropout on attention weights in an encoder's config, whatever its field's name."""
    for name in ATTENTION_DROPOUT_FIELDS:
        if hasattr(encoder_config, name):
            setattr(encoder_config, name, probability)
            return
    raise ValueError(
        f"model.attention_dropout: the {encoder_config.model_type} encoder's config has none of "
        f"the fields {', '.join(ATTENTION_DROPOUT_FIELDS)}; leave attention_dropout unset"
    )


def _allowed_relations(schema: LabelSchema) -> torch.Tensor:
    """Boolean (K, K, R): may a span of type h head relation r to a span of type t."""
    types = list(schema.span_types)
    allowed = torch.zeros(len(types), len(types), len(schema.relation_types), dtype=torch.bool)
    for r, rel in enumerate(schema.relation_types):
        allowed[types.index(rel.head), types.index(rel.tail), r] = True
    return allowed


def _distance_bucket(offset: torch.Tensor) -> torch.Tensor:
    edges = _DISTANCE_EDGES.to(offset.device)
    magnitude = torch.bucketize(offset.abs(), edges, right=True)
    return torch.where(offset < 0, magnitude + len(edges) + 1, magnitude)


def _masked_bce(
    logits: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean binary cross-entropy of the (P, R) labelled entries, each pair's row times its
    weight (P,) when given."""
    mask = targets != IGNORE
    losses = nn.functional.binary_cross_entropy_with_logits(
        logits.float(), targets.float().clamp(min=0), reduction="none"
    )
    if weights is not None:
        losses = losses * weights[:, None]
    return _masked_mean(losses, mask)


def _masked_mean(losses: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over unmasked entries, 0 when all are masked (a batch of unannotated types), without
    the host sync that a data-dependent branch or boolean indexing would cost on a GPU. The
    divisor counts entries, not weights: an entry weighted 2 counts as if read twice."""
    mask = mask.to(losses.dtype)
    return (losses * mask).sum() / mask.sum().clamp(min=1.0)
