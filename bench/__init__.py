"""Benchmarks: each prints its figures (JSON with --json) next to a baseline measured in the same run."""
