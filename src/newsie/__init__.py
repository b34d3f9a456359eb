"""newsie: who did what, where, to how many people, and who said so.

from newsie import Extractor
extractor = Extractor.from_pretrained("models/newsie-default")
doc = extractor("Rebels shelled Homs on Monday, killing 12 civilians.")
"""

import logging

from newsie.data import Annotated, CorpusError, Document, Relation, Span
from newsie.schema import DEFAULT_SCHEMA, LabelSchema, RelationType

__version__ = "0.1.0"

# newsie's messages go to the "newsie" logger; an application decides where they appear.
logging.getLogger("newsie").addHandler(logging.NullHandler())

__all__ = [
    "DEFAULT_SCHEMA",
    "Annotated",
    "CorpusError",
    "Document",
    "Extractor",
    "LabelSchema",
    "Relation",
    "RelationType",
    "Span",
]


def __getattr__(name: str):
    # The Extractor pulls in torch and transformers; the document model alone should not.
    if name == "Extractor":
        from newsie.extractor import Extractor

        return Extractor
    raise AttributeError(f"module 'newsie' has no attribute {name!r}")
