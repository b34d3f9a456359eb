"""Prediction, stage by stage (each module testable alone):

- `scheduler`: texts -> windows -> batches -> the model -> `DocumentOutputs` per text;
- `window_tables`: the per-token work on the model's device, a batch's compact tables;
- `viterbi`: constrained BIO decoding; `tags`: spans read off tags;
- `outputs`: `DocumentOutputs`, the tables that pass from the model's side to the text's side;
- `postprocessing`: `postprocess`, `DocumentOutputs` -> `Document` (text rules, spans, relations),
  a pure function;
- `predictor`: `Predictor`, the two sides together over a stream of texts.
"""

from newsie.inference.outputs import DocumentOutputs
from newsie.inference.postprocessing import PostprocessSettings, postprocess
from newsie.inference.predictor import Predictor, text_chunks
from newsie.inference.scheduler import GPU_BATCH_SIZE, WindowScheduler, default_batch_size

__all__ = [
    "GPU_BATCH_SIZE",
    "DocumentOutputs",
    "PostprocessSettings",
    "Predictor",
    "WindowScheduler",
    "default_batch_size",
    "postprocess",
    "text_chunks",
]
