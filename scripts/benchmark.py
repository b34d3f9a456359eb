"""Speed and memory of newsie's prediction pipeline against the Hugging Face token-classification
pipeline and the bare encoder, in one run on one device: see `newsie.benchmarks` (the package in
src/newsie/benchmarks/) for what each row measures.

    python scripts/benchmark.py                            # 40 generated documents, auto device
    python scripts/benchmark.py --device cpu --int8        # adds the int8 rows (CPU only)
    python scripts/benchmark.py --profile                  # where newsie's time goes, by part
    python scripts/benchmark.py --train --train-steps 20   # training samples/s, newsie vs HF
    python scripts/benchmark.py --help                     # every option
"""

from newsie.benchmarks.cli import main

if __name__ == "__main__":
    main()
