"""`python -m newsie.benchmarks`: the benchmark, as `scripts/benchmark.py`; the worker processes
of each system run this way too."""

from newsie.benchmarks.cli import main

if __name__ == "__main__":
    main()
