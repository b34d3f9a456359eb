"""newsie inside other people's tools. Each module needs its tool's extra and imports it:
`newsie.integrations.spacy` (`pip install "newsie[spacy]"`) is a spaCy pipeline component.
`newsie.integrations.datasets` maps a Hugging Face `datasets.Dataset` (a core dependency)."""
