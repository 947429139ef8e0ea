"""Benchmarks: a synthetic monorepo generator and the timing harness for ``observatory-invariants check``."""
