"""Benchmarks: ingest throughput and lookup latency on synthetic notes archives.

Not part of `make test`: run `make bench` (or `python -m bench --help`). Results
are printed beside a baseline measured in the same run, because absolute numbers
mean little across machines while the ratio to plain `sqlite3` travels well.
"""
