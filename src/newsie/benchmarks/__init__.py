"""Speed and memory of newsie's prediction pipeline against the Hugging Face token-classification
pipeline and the bare encoder, in one run on one device.

    python scripts/benchmark.py                            # 40 generated documents, auto device
    python scripts/benchmark.py --device cpu --int8        # adds the int8 rows (CPU only)
    python scripts/benchmark.py --device cuda --docs 2000 --batch-size 64 --json bench.json
    python scripts/benchmark.py --model models/newsie-default --data dev.jsonl
    python scripts/benchmark.py --profile                  # where newsie's time goes, by part
    python scripts/benchmark.py --device cuda --n-process 4 # adds newsie in 4 worker processes
    python scripts/benchmark.py --memory-1mb               # peak RSS of one 1 MB document, CPU
    python scripts/benchmark.py --train --train-steps 20   # training samples/s, newsie vs HF

(`python -m newsie.benchmarks` takes the same options.) Each system, a row of the results table,
runs in a fresh Python process, so its peak memory (CPU: peak RSS; CUDA: peak allocated) is its
own, loading included. The modules, one concept each:

    arguments      the command line's options, as one dataclass, and their checks
    corpus         the seeded generator of news-like documents (with gold spans and relations)
    workspace      the corpus file, the model folders and the job every worker process reads
    harness        a system in its own process: timing, warm-up, peak memory, repeat, median
    systems        the table of systems (a `newsie.registry.Registry`) and which ones a run picks
    newsie_rows    newsie, newsie-int8, newsie-workers, newsie-1mb
    hf_rows        hf-pipeline, hf-pipeline-int8: the Hugging Face token-classification pipeline
    encoder_rows   encoder: the bare encoder over exactly newsie's windows, the ceiling
    profiling      newsie-profile: newsie's time by part (PROFILE_PARTS)
    host_replay    newsie-host, newsie-host-workers: the host side alone, encoder outputs replayed
    training_rows  train-newsie, train-hf: training samples/s
    report         rates, the ratios the targets are stated in, the printed table, the JSON
    cli            main(): prepare, run every system, report

Tokens are counted once per document (the encoder tokenizer's tokens, no special tokens, no
overlap), so tokens/s compares systems on the same work. Without --model the benchmark builds an
untrained NewsieModel around --encoder (default: all-MiniLM-L6-v2): the encoder's cost does not
depend on the weights, but decoding and relation scoring grow with the spans the heads predict
(relation pairs with their square), so the untrained tagger's O logits are first shifted until it
predicts about as many spans as the corpus annotates. newsie's row reports the spans and relations
it found.
"""
