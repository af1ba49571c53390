"""Benchmark results (pytest-benchmark, pyperf, CSV) and their base-vs-branch comparison."""
