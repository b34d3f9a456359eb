"""newsie inside other people's tools. Each module needs its tool's extra and imports it:
`newsie.integrations.spacy` (`pip install "newsie[spacy]"`) is a spaCy pipeline component.
`newsie.integrations.datasets` maps a Hugging Face `datasets.Dataset` (a core dependency).
`newsie.integrations.ray` (`pip install "newsie[ray]"`) extracts on Ray Data, and runs
`newsie extract-archive` over the blocks of `newsie.integrations.archive`. All of them write the
row format of `newsie.integrations.rows`."""
