"""Benchmarks: each starts what it measures from scratch and writes its figures to bench/results/."""
