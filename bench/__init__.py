"""Benchmarks and load generators (not part of the test run); see bench/README.md."""
