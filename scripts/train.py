"""Train or fine-tune a newsie model from a YAML recipe.

    python scripts/train.py --config configs/default.yaml [--output-dir DIR] [--data-dir DIR]
                            [section.key=value ...]

The same as `newsie train`; see configs/ for recipes.
"""

import sys

from newsie.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
