"""The model layer: configuration, network, and saving/loading a model folder."""

from transformers import AutoConfig, AutoModel

from newsie.models.configuration import NewsieConfig
from newsie.models.modeling import NewsieModel, NewsieOutput
from newsie.models.storage import load_model_folder, save_model_folder

# So that Auto* classes (and AutoTokenizer reading config.json) recognise a newsie folder.
AutoConfig.register("newsie", NewsieConfig, exist_ok=True)
AutoModel.register(NewsieConfig, NewsieModel, exist_ok=True)

__all__ = [
    "NewsieConfig",
    "NewsieModel",
    "NewsieOutput",
    "load_model_folder",
    "save_model_folder",
]
